import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import { fakeRegister, press, resetApp, typeKeys } from './harness';

beforeEach(resetApp);

test('F9: find a receipt by number, pick a line, quantity and reason, refund', async () => {
  const reg = fakeRegister({
    find_receipt: () => ({
      receipt: 'R1-000042',
      at: '2025-11-27T10:15:00Z',
      total: '14.19',
      text: '',
      lines: [
        { line: 1, sku: 'MILK-1L', name: 'Milk 1 l', quantity: '2', returnable: '2', total: '2.58' },
        { line: 2, sku: 'KAAS-JONG', name: 'Gouda jong', quantity: '0.505', returnable: '0', total: '6.51' },
      ],
    }),
    return_items: () => ({
      receipt: 'R1-000043',
      total: '-1.29',
      change: '0.00',
      receipt_text: 'RETURN',
      printed: true,
    }),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  const input = await screen.findByTestId('receipt-input');
  expect(input).toHaveFocus();
  await typeKeys(input, 'till:AMS/R1-000042{Enter}');

  const rows = await screen.findAllByTestId('return-line');
  expect(reg.argsOf('find_receipt')).toEqual([{ text: 'till:AMS/R1-000042' }]);
  expect(rows).toHaveLength(2);
  expect(within(rows[1]).getByRole('checkbox')).toBeDisabled(); // nothing left to return

  await fireEvent.click(within(rows[0]).getByRole('checkbox'));
  const qty = within(rows[0]).getByRole('textbox');
  await fireEvent.input(qty, { target: { value: '1' } });
  await fireEvent.change(within(rows[0]).getByRole('combobox'), { target: { value: 'wrong size' } });
  await press('F12');

  expect(await screen.findByTestId('refund-done')).toHaveTextContent('R1-000043');
  await waitFor(() =>
    expect(reg.argsOf('return_items')).toEqual([
      { receipt: 'R1-000042', lines: [{ line: 1, quantity: '1', reason: 'wrong size' }], approvals: [] },
    ]),
  );
});

test('a receipt that is not found shows the register message', async () => {
  fakeRegister({
    find_receipt: () => {
      throw { code: 'receipt_not_found', message: 'No receipt R9-000001 on this register' };
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  await typeKeys(await screen.findByTestId('receipt-input'), 'R9-000001{Enter}');
  expect(await screen.findByRole('alert')).toHaveTextContent('No receipt R9-000001 on this register');
});
