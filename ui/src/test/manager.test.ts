import { render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, press, resetApp, session, typeKeys } from './harness';

beforeEach(resetApp);

const manager = { code: '9001', name: 'Mia', role: 'manager' };

test('F10 opens the manager screen; the X report draws bars by hour and by tender', async () => {
  const reg = fakeRegister({
    session: () => session({ operator: manager }),
    x_report: () => ({
      text: 'X REPORT\nSales 300.00',
      byHour: [
        { hour: 9, total: '50.00' },
        { hour: 10, total: '200.00' },
        { hour: 11, total: '50.00' },
      ],
      byTender: [
        { tender: 'cash', total: '100.00' },
        { tender: 'card', total: '200.00' },
      ],
    }),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');

  const byHour = await screen.findByTestId('chart-hour');
  const hourBars = within(byHour as unknown as HTMLElement).getAllByTestId('bar');
  expect(hourBars).toHaveLength(3);
  const heights = hourBars.map((b) => Number(b.getAttribute('height')));
  expect(heights[1]).toBe(140); // the biggest hour fills the chart
  expect(heights[0]).toBe(35); // a quarter of it
  expect(hourBars[1]).toHaveTextContent('10: €200.00');
  expect(byHour).toHaveTextContent('09');

  const byTender = screen.getByTestId('chart-tender');
  const tenderBars = within(byTender as unknown as HTMLElement).getAllByTestId('bar');
  expect(tenderBars).toHaveLength(2);
  expect(byTender).toHaveTextContent('cash');
  expect(byTender).toHaveTextContent('card');
  expect(Number(tenderBars[0].getAttribute('height'))).toBe(70);

  expect(screen.getByTestId('x-text')).toHaveTextContent('X REPORT');
  expect(reg.argsOf('x_report')).toEqual([{}]);
});

test('the Z report sends the counted cash and asks for approval when needed', async () => {
  const reg = fakeRegister({
    session: () => session({ operator: { code: '1001', name: 'Anna', role: 'cashier' } }),
    x_report: () => ({ text: '', byHour: [], byTender: [] }),
    z_report: ({ approvals }: { approvals: string[] }) => {
      if (approvals.length === 0) throw { code: 'permission', message: 'Closing the day needs a manager' };
      return { text: 'Z REPORT 7', number: 7 };
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  await screen.findByTestId('manager');
  await press('z');
  const cash = await screen.findByTestId('z-cash');
  await typeKeys(cash, '20x5,10x5');
  screen.getByRole('button', { name: /Run Z report/ }).click();

  const prompt = await screen.findByTestId('approval');
  expect(prompt).toHaveTextContent('Closing the day needs a manager');
  await typeKeys(within(prompt).getByTestId('approval-code'), '9001{Enter}');
  await typeKeys(within(prompt).getByTestId('approval-pin'), '1111{Enter}');

  expect(await screen.findByTestId('z-number')).toHaveTextContent('Z report 7 done');
  await waitFor(() =>
    expect(reg.argsOf('z_report')).toEqual([
      { cash: '20x5,10x5', approvals: [] },
      { cash: '20x5,10x5', approvals: ['9001:1111'] },
    ]),
  );
});
