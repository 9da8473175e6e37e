import { render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, press, resetApp, session, xReport as emptyX } from './harness';

beforeEach(resetApp);

const manager = { code: '1', name: 'Maria', role: 'manager' };
const person = (code: string, source: string, over: Record<string, unknown> = {}) => ({
  code,
  name: `Person ${code}`,
  role: 'cashier',
  locked: false,
  active: true,
  source,
  ...over,
});

test('the Staff tab says who comes from HQ, shows the register refusing an HQ edit, and removes a local one', async () => {
  let staff = [person('1', 'local', { role: 'manager' }), person('2', 'local'), person('2001', 'hq', { locked: true })];
  const reg = fakeRegister({
    session: () => session({ operator: manager }),
    x_report: () => emptyX('', [], []),
    staff_list: () => ({ staff, roles: [] }),
    staff_change: ({ code }: { code: string }) => {
      if (code === '2001')
        throw { code: 'hq_owned', message: 'staff 2001 is managed by HQ (https://hq.example): change it there' };
      staff = staff.map((s) => (s.code === code ? { ...s, active: false } : s));
      return { staff, roles: [] };
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  await screen.findByTestId('manager');
  await press('t');
  await screen.findByTestId('staff');
  const row = (code: string) => screen.getAllByTestId('staff-row').find((r) => r.dataset.code === code)!;
  expect(within(row('2001')).getByTestId('staff-source')).toHaveTextContent('HQ');
  expect(within(row('2')).getByTestId('staff-source')).toHaveTextContent('This register');
  expect(row('2001')).toHaveTextContent('Locked');

  within(row('2001')).getByTestId('staff-remove').click();
  expect(await screen.findByRole('alert')).toHaveTextContent('staff 2001 is managed by HQ (https://hq.example)');
  expect(row('2001')).toHaveTextContent('Locked');

  within(row('2')).getByTestId('staff-remove').click();
  await waitFor(() => expect(row('2')).toHaveTextContent('Left'));
  expect(reg.argsOf('staff_change').map((a) => [a.code, a.change])).toEqual([
    ['2001', 'remove'],
    ['2', 'remove'],
  ]);
});
