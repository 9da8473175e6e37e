import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, press, resetApp, session, typeKeys, xReport } from './harness';

beforeEach(resetApp);

const manager = { code: '9001', name: 'Mia', role: 'manager' };

test('F10 opens the manager screen; the X report draws bars by hour and by tender', async () => {
  const reg = fakeRegister({
    session: () => session({ operator: manager }),
    x_report: () =>
      xReport(
        'X REPORT\nSales 300.00',
        [
          [9, '50.00'],
          [10, '200.00'],
          [11, '50.00'],
        ],
        [
          ['cash', '100.00'],
          ['card', '200.00'],
        ],
      ),
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

  // the printer's layout is one click away
  expect(screen.queryByTestId('x-text')).not.toBeInTheDocument();
  await fireEvent.click(screen.getByTestId('x-printed'));
  expect(screen.getByTestId('x-text')).toHaveTextContent('X REPORT');
  expect(reg.argsOf('x_report')).toEqual([{}]);
});

test('the X report figures: values on the bars, named axes, tenders as a table with headers and their total', async () => {
  fakeRegister({
    session: () => session({ operator: manager }),
    x_report: () =>
      xReport(
        'X REPORT',
        [
          [9, '50.00'],
          [14, '1234.50'],
        ],
        [
          ['cash', '84.50'],
          ['card', '1200.00'],
        ],
        [
          { label: 'standard', rate: '21', net: '950.00', tax: '199.50', gross: '1149.50' },
          { label: 'food', rate: '9', net: '123.85', tax: '11.15', gross: '135.00' },
        ],
      ),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');

  const byHour = await screen.findByTestId('chart-hour');
  const values = within(byHour as unknown as HTMLElement).getAllByTestId('bar-value');
  expect(values.map((v) => v.textContent)).toEqual(['€50.00', '€1,234.50']);
  expect(within(byHour as unknown as HTMLElement).getByTestId('scale-top')).toHaveTextContent('€1,234.50');
  expect(byHour).toHaveTextContent('Hour');
  expect(byHour).toHaveTextContent('Sales (EUR)');
  expect(screen.getByTestId('chart-tender')).toHaveTextContent('Tender');

  const table = screen.getByTestId('tender-table');
  const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
  expect(headers).toEqual(['Tender', 'Amount']);
  const rows = within(table).getAllByTestId('tender-row');
  expect(rows.map((r) => r.textContent)).toEqual(['cash€84.50', 'card€1,200.00']);
  expect(within(table).getByRole('rowheader', { name: 'cash' })).toBeInTheDocument();
  expect(within(table).getByTestId('tender-total')).toHaveTextContent('€1,284.50');

  const taxes = screen.getByTestId('tax-table');
  expect(within(taxes).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Rate', 'Net', 'Tax', 'Gross']);
  const taxRows = within(taxes).getAllByTestId('tax-row');
  expect(taxRows.map((r) => r.textContent)).toEqual([
    'standard 21 %€950.00€199.50€1,149.50',
    'food 9 %€123.85€11.15€135.00',
  ]);
  expect(within(taxes).getByTestId('tax-total')).toHaveTextContent('€210.65');
  expect(screen.queryByTestId('x-text')).not.toBeInTheDocument();
});

test('nl: the X report figures and the printed-layout key in Dutch, money the Dutch way', async () => {
  fakeRegister({
    session: () => session({ operator: manager, locale: 'nl-NL' }),
    x_report: () => xReport('X REPORT', [[10, '12.50']], [['cash', '12.50']]),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  const byHour = await screen.findByTestId('chart-hour');
  expect(byHour).toHaveTextContent('Uur');
  expect(byHour).toHaveTextContent('Omzet (EUR)');
  expect(within(byHour as unknown as HTMLElement).getByTestId('bar-value')).toHaveTextContent(/€\s12,50/);
  const table = screen.getByTestId('tender-table');
  expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Betaalwijze', 'Bedrag']);
  expect(within(table).getByTestId('tender-total')).toHaveTextContent(/€\s12,50/);
  expect(screen.getByTestId('x-printed')).toHaveTextContent('Afdruk');
});

test('a manager sees what each tender should hold now; a cashier sees it is withheld', async () => {
  const shown = xReport('X REPORT', [], [['cash', '12.50']]);
  shown.report.expected = [
    { tender: 'cash', amount: '112.50' },
    { tender: 'card', amount: '49.95' },
  ];
  fakeRegister({ session: () => session({ operator: manager }), x_report: () => shown });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  const table = await screen.findByTestId('expected-table');
  expect(within(table).getAllByTestId('expected-row').map((r) => r.textContent)).toEqual([
    'cash€112.50',
    'card€49.95',
  ]);
  expect(screen.queryByTestId('expected-withheld')).not.toBeInTheDocument();
});

test('a cashier\'s X report says the expected amounts are withheld and shows none', async () => {
  const blind = xReport('X REPORT\nExpected now            withheld', [], [['cash', '12.50']]);
  blind.report.expected_withheld = true;
  fakeRegister({
    session: () => session({ operator: { code: '1001', name: 'Anna', role: 'cashier' } }),
    x_report: () => blind,
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F10');
  expect(await screen.findByTestId('expected-withheld')).toHaveTextContent('withheld');
  expect(screen.queryByTestId('expected-table')).not.toBeInTheDocument();
});

test('the Z report sends the counted cash and asks for approval when needed', async () => {
  const reg = fakeRegister({
    session: () => session({ operator: { code: '1001', name: 'Anna', role: 'cashier' } }),
    x_report: () => xReport('', [], []),
    z_report: ({ approvals }: { approvals: string[] }) => {
      if (approvals.length === 0) throw { code: 'permission', message: 'Closing the day needs a manager' };
      return { text: 'Z REPORT 7', number: 7, balances: [], taxes: [], tenders: [], total: '0.00' };
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
