import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, press, resetApp, session, typeKeys, xReport, type Handler } from './harness';

beforeEach(resetApp);

const cashier = { code: '1001', name: 'Anna', role: 'cashier' };

/** Signs in, F10 to the manager screen, D to the drawer tab. */
async function drawerTab(handlers: Record<string, Handler> = {}, locale = 'en-US') {
  const reg = fakeRegister({
    session: () => session({ operator: cashier, locale }),
    x_report: () => xReport('', [], []),
    ...handlers,
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  await screen.findByTestId('manager');
  await press('d');
  await screen.findByTestId('drawer');
  return reg;
}

test('D opens the drawer tab, shown with its key like the other tabs', async () => {
  await drawerTab();
  const tabs = screen.getByRole('navigation', { name: 'Manager' });
  const drawer = within(tabs).getByRole('button', { name: /Drawer/ });
  expect(drawer).toHaveClass('current');
  expect(within(drawer).getByText('D').tagName).toBe('KBD');
  expect(screen.getByTestId('drawer-float')).toBeInTheDocument();
  expect(screen.getByTestId('movement-kind')).toBeInTheDocument();
  expect(screen.getByTestId('drawer-count-cash')).toBeInTheDocument();
});

test('opening the drawer sends drawer_open with the float counted by denomination', async () => {
  const reg = await drawerTab({ drawer_open: () => ({ session: 3 }) });
  expect(screen.getByTestId('drawer-open')).toBeDisabled();
  await typeKeys(screen.getByTestId('drawer-float'), '20x5,10x5,0.50x10');
  screen.getByTestId('drawer-open').click();

  expect(await screen.findByTestId('drawer-done')).toHaveTextContent('Drawer opened: cash session 3');
  expect(reg.argsOf('drawer_open')).toEqual([{ float: '20x5,10x5,0.50x10' }]);
  expect(screen.getByTestId('drawer-float')).toHaveValue('');
});

test('a paid out rejected with permission asks a manager and is sent again with the approval', async () => {
  const reg = await drawerTab({
    cash_movement: ({ approvals }: { approvals: string[] }) => {
      if (approvals.length === 0) throw { code: 'permission', message: 'Paying out needs a manager' };
      return { movement: 12, kind: 'paid_out', amount: '-5.00' };
    },
  });
  await fireEvent.change(screen.getByTestId('movement-kind'), { target: { value: 'paid_out' } });
  await typeKeys(screen.getByTestId('movement-amount'), '5');
  expect(screen.getByTestId('movement-submit')).toBeDisabled(); // a reason is required
  await typeKeys(screen.getByTestId('movement-reason'), 'Window cleaner');
  screen.getByTestId('movement-submit').click();

  const prompt = await screen.findByTestId('approval');
  expect(prompt).toHaveTextContent('Paying out needs a manager');
  await typeKeys(within(prompt).getByTestId('approval-code'), '1{Enter}');
  await typeKeys(within(prompt).getByTestId('approval-pin'), '1234{Enter}');

  expect(await screen.findByTestId('drawer-done')).toHaveTextContent('Paid out €5.00');
  expect(screen.queryByTestId('approval')).not.toBeInTheDocument();
  await waitFor(() =>
    expect(reg.argsOf('cash_movement')).toEqual([
      { kind: 'paid_out', amount: '5', reason: 'Window cleaner', approvals: [] },
      { kind: 'paid_out', amount: '5', reason: 'Window cleaner', approvals: ['1:1234'] },
    ]),
  );
});

test('the confirmation is in Dutch with Dutch money under nl-NL', async () => {
  await drawerTab({ cash_movement: () => ({ movement: 4, kind: 'paid_out', amount: '-5.00' }) }, 'nl-NL');
  await fireEvent.change(screen.getByTestId('movement-kind'), { target: { value: 'paid_out' } });
  await typeKeys(screen.getByTestId('movement-amount'), '5,00');
  await typeKeys(screen.getByTestId('movement-reason'), 'Glazenwasser');
  screen.getByTestId('movement-submit').click();
  expect(await screen.findByTestId('drawer-done')).toHaveTextContent(/^Geld uit: €\s5,00$/);
});

test('no sale hides the amount and sends no amount at all', async () => {
  const reg = await drawerTab({ cash_movement: () => ({ movement: 13, kind: 'no_sale', amount: '0.00' }) });
  const kind = screen.getByTestId('movement-kind');
  await fireEvent.change(kind, { target: { value: 'no_sale' } });
  expect(screen.queryByTestId('movement-amount')).not.toBeInTheDocument();

  // letters typed on the focused select do not switch tabs (P would be the printer)
  kind.focus();
  await press('p');
  expect(screen.getByTestId('drawer')).toBeInTheDocument();

  await typeKeys(screen.getByTestId('movement-reason'), 'Customer needs change');
  screen.getByTestId('movement-submit').click();
  expect(await screen.findByTestId('drawer-done')).toHaveTextContent('Drawer opened without a sale');
  const sent = reg.argsOf('cash_movement');
  expect(sent).toHaveLength(1);
  expect(sent[0]).toStrictEqual({ kind: 'no_sale', reason: 'Customer needs change', approvals: [] });
  expect(sent[0]).not.toHaveProperty('amount');
});

test('an amount that is not a number is not sent', async () => {
  const reg = await drawerTab();
  await typeKeys(screen.getByTestId('movement-amount'), 'abc');
  await typeKeys(screen.getByTestId('movement-reason'), 'Change from the bank');
  screen.getByTestId('movement-submit').click();
  expect(await screen.findByRole('alert')).toHaveTextContent('Enter an amount such as 5 or 12.50');
  expect(reg.argsOf('cash_movement')).toEqual([]);
});

test('a blind count sends drawer_count and shows only that the count was recorded', async () => {
  const reg = await drawerTab({ drawer_count: () => null });
  expect(screen.getByTestId('drawer-count-submit')).toBeDisabled();
  await typeKeys(screen.getByTestId('drawer-count-cash'), '20x4,0.50x10');
  screen.getByTestId('drawer-count-submit').click();

  const done = await screen.findByTestId('drawer-done');
  expect(done).toHaveTextContent(/^Count recorded$/);
  expect(reg.argsOf('drawer_count')).toEqual([{ cash: '20x4,0.50x10' }]);
  // blind: nothing on the screen says what the drawer should hold
  const manager = screen.getByTestId('manager');
  expect(manager).not.toHaveTextContent('€');
  expect(manager).not.toHaveTextContent(/expected|over|short/i);
  expect(screen.getByTestId('drawer-count-cash')).toHaveValue('');
});
