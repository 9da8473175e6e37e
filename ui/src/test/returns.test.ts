import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { ReturnDoc, ReturnQuote } from '../lib/api';
import { cart, fakeRegister, line, press, resetApp, typeKeys } from './harness';

beforeEach(resetApp);

const receipt = () => ({
  receipt: 'R1-000042',
  at: '2025-11-27T10:15:00Z',
  total: '14.19',
  text: '',
  lines: [
    { line: 1, sku: 'MILK-1L', name: 'Milk 1 l', quantity: '2', returnable: '2', total: '2.58' },
    { line: 2, sku: 'KAAS-JONG', name: 'Gouda jong', quantity: '0.505', returnable: '0', total: '6.51' },
    { line: 3, sku: 'TEE-S-BLK', name: 'Tee S black', quantity: '1', returnable: '1', total: '20.00' },
  ],
});

/** `find_receipt`'s answer: the receipt, and where it was found (here, unless `source`). */
const found = (source: 'local' | 'peer' | 'hq' = 'local') => ({
  source,
  store: 'AMS-01',
  register: 'R1',
  sale_id: '6f1c0b8e-0000-4000-8000-000000000042',
  found: receipt(),
});

const quote = (total: string, settlement: ReturnQuote['settlement'], methods: string[]): ReturnQuote => ({
  cart: cart([line({ total })], total),
  settlement,
  refund_methods: methods,
  warnings: [],
});

const done = (total: string) => ({ receipt: 'R1-000043', total, change: '0.00', receipt_text: 'RETURN', printed: true });

async function openReceipt() {
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  const input = await screen.findByTestId('receipt-input');
  expect(input).toHaveFocus();
  await typeKeys(input, 'till:AMS/R1-000042{Enter}');
  return screen.findAllByTestId('return-line');
}

test('F9: a receipted return sends a reason and damaged flag per line, refunded as the register allows', async () => {
  const reg = fakeRegister({
    find_receipt: () => found(),
    quote_return: ({ doc }: { doc: ReturnDoc }) =>
      doc.lines.length === 2 ? quote('-20.69', 'refund', ['original', 'cash', 'credit']) : quote('-1.29', 'refund', ['original', 'cash', 'credit']),
    complete_return: () => done('-20.69'),
  });
  const rows = await openReceipt();
  expect(reg.argsOf('find_receipt')).toEqual([{ text: 'till:AMS/R1-000042' }]);
  expect(rows).toHaveLength(3);
  expect(within(rows[1]).getByTestId('return-pick')).toBeDisabled(); // nothing left to return

  await fireEvent.click(within(rows[0]).getByTestId('return-pick'));
  await fireEvent.input(within(rows[0]).getByTestId('return-quantity'), { target: { value: '1' } });
  await fireEvent.change(within(rows[0]).getByTestId('return-reason'), { target: { value: 'wrong size' } });
  await fireEvent.click(within(rows[2]).getByTestId('return-pick'));
  await fireEvent.change(within(rows[2]).getByTestId('return-reason'), { target: { value: 'damaged' } });
  await fireEvent.click(within(rows[2]).getByTestId('return-damaged'));

  // The register's figures, as it quoted them.
  await waitFor(() => expect(screen.getByTestId('quote-total')).toHaveTextContent('20.69'));
  expect(screen.getByTestId('quote-total')).toHaveAttribute('data-settlement', 'refund');
  await fireEvent.click(screen.getByTestId('refund-method-cash'));
  await press('F12');

  expect(await screen.findByTestId('refund-done')).toHaveTextContent('R1-000043');
  const [sent] = reg.argsOf('complete_return');
  expect(sent).toMatchObject({
    doc: {
      receipt: 'R1-000042',
      lines: [
        { line: 1, quantity: '1', reason: 'wrong size', damaged: false },
        { line: 3, quantity: '1', reason: 'damaged', damaged: true },
      ],
      items: [],
      new_items: [],
    },
    tenders: [],
    refund: 'cash',
    approvals: [],
  });
  expect(sent.key).toMatch(/^[0-9a-f-]{36}$/);
});

test('only the refund methods the register allows are offered', async () => {
  fakeRegister({
    quote_return: () => quote('-9.99', 'refund', ['credit']),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  await screen.findByTestId('receipt-input');
  await press('F4');
  const item = await screen.findByTestId('item-input');
  await waitFor(() => expect(item).toHaveFocus());
  await typeKeys(item, 'TEE-S-BLK{Enter}');
  const methods = await screen.findByTestId('refund-methods');
  expect(within(methods).getAllByRole('radio')).toHaveLength(1);
  expect(within(methods).getByTestId('refund-method-credit')).toBeChecked();
  expect(screen.queryByTestId('refund-method-cash')).not.toBeInTheDocument();
});

test('a no-receipt return asks for the approval the register wants, then refunds to store credit', async () => {
  const reg = fakeRegister({
    quote_return: () => quote('-9.99', 'refund', ['credit']),
    complete_return: ({ approvals }: { approvals: string[] }) => {
      if (!approvals.length) throw { code: 'permission', message: 'A return without a receipt needs a manager' };
      return done('-9.99');
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  await screen.findByTestId('receipt-input');
  await fireEvent.click(screen.getByTestId('mode-no-receipt'));
  await typeKeys(await screen.findByTestId('item-input'), 'TEE-S-BLK{Enter}');
  await screen.findByTestId('refund-methods');
  await press('F12');

  expect(await screen.findByTestId('approval')).toHaveTextContent('A return without a receipt needs a manager');
  await typeKeys(screen.getByTestId('approval-code'), '1');
  await typeKeys(screen.getByTestId('approval-pin'), '1234{Enter}');
  expect(await screen.findByTestId('refund-done')).toHaveTextContent('R1-000043');
  const sent = reg.argsOf('complete_return');
  expect(sent).toHaveLength(2);
  expect(sent[1]).toMatchObject({
    doc: { receipt: null, lines: [], items: [{ code: 'TEE-S-BLK', quantity: '1', reason: 'damaged', damaged: false }] },
    refund: 'credit',
    approvals: ['1:1234'],
  });
  expect(sent[0].key).toBe(sent[1].key); // one document, one key
});

test('a return the rules refuse shows the register message; an override note sends it again', async () => {
  const reg = fakeRegister({
    find_receipt: () => found(),
    quote_return: ({ doc }: { doc: ReturnDoc }) => {
      if (!doc.override_note) throw { code: 'return_refused', message: 'Tee S black: outside the 30-day window' };
      return quote('-20.00', 'refund', ['original', 'cash', 'credit']);
    },
    complete_return: () => done('-20.00'),
  });
  const rows = await openReceipt();
  await fireEvent.click(within(rows[2]).getByTestId('return-pick'));
  expect(await screen.findByTestId('quote-error')).toHaveTextContent('outside the 30-day window');
  await press('F6');
  const note = screen.getByTestId('override-note');
  expect(note).toHaveFocus();
  await fireEvent.input(note, { target: { value: 'regular customer, manager ok' } });
  await screen.findByTestId('return-quote');
  expect(screen.queryByTestId('quote-error')).not.toBeInTheDocument();
  await press('F12');
  await screen.findByTestId('refund-done');
  expect(reg.argsOf('complete_return')[0]).toMatchObject({
    doc: { override_note: 'regular customer, manager ok' },
    refund: 'original',
  });
});

test('an exchange: new items scanned on the Returns screen, the difference paid as the register quotes it', async () => {
  const reg = fakeRegister({
    find_receipt: () => found(),
    quote_return: ({ doc }: { doc: ReturnDoc }) =>
      doc.new_items.length ? quote('4.50', 'pay', ['original', 'cash', 'credit']) : quote('-20.00', 'refund', ['original']),
    complete_return: () => ({ ...done('4.50'), change: '0.50' }),
  });
  const rows = await openReceipt();
  await fireEvent.click(within(rows[2]).getByTestId('return-pick'));
  await screen.findByTestId('refund-methods');
  await press('F2');
  const exchange = screen.getByTestId('exchange-input');
  expect(exchange).toHaveFocus();
  await typeKeys(exchange, 'TEE-M-BLK{Enter}');
  await typeKeys(exchange, '2*MILK-1L{Enter}');
  expect(screen.getAllByTestId('exchange-item')).toHaveLength(2);
  await waitFor(() => expect(screen.getByTestId('quote-total')).toHaveAttribute('data-settlement', 'pay'));
  expect(screen.getByTestId('exchange-amount')).toHaveValue('4.50');
  await fireEvent.input(screen.getByTestId('exchange-amount'), { target: { value: '5' } });
  await press('F12');

  const doneEl = await screen.findByTestId('refund-done');
  expect(doneEl).toHaveTextContent('Exchange R1-000043 done');
  expect(screen.getByTestId('change')).toHaveTextContent('0.50');
  expect(reg.argsOf('complete_return')[0]).toMatchObject({
    doc: { receipt: 'R1-000042', lines: [{ line: 3 }], new_items: ['TEE-M-BLK', '2*MILK-1L'] },
    tenders: [{ kind: 'cash', amount: '5' }],
  });
});

test('BORIS: an online order found by number and e-mail, lines taken back with one reason, refunded online', async () => {
  const reg = fakeRegister({
    boris_find: () => ({
      id: 'shopify:5001',
      number: '#1001',
      email: 'anna@example.com',
      source: 'hq',
      lines: [
        { n: 1, sku: 'TEE-S-BLK', title: 'Tee S black', price: '19.95', fulfilled: '2', returned: '0', returnable: '2' },
        { n: 2, sku: 'TOTE-1', title: 'Tote', price: '12.50', fulfilled: '1', returned: '1', returnable: '0' },
      ],
    }),
    boris_return: () => done('-19.95'),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  await screen.findByTestId('receipt-input');
  await press('F4');
  await press('F4'); // receipt → without receipt → online order
  const number = await screen.findByTestId('boris-number');
  await waitFor(() => expect(number).toHaveFocus());
  await typeKeys(number, '#1001');
  await typeKeys(screen.getByTestId('boris-email'), 'anna@example.com{Enter}');
  const rows = await screen.findAllByTestId('boris-line');
  expect(reg.argsOf('boris_find')).toEqual([{ number: '#1001', email: 'anna@example.com' }]);
  expect(within(rows[1]).getByTestId('boris-pick')).toBeDisabled();
  await fireEvent.click(within(rows[0]).getByTestId('boris-pick'));
  await fireEvent.input(within(rows[0]).getByRole('textbox'), { target: { value: '1' } });
  await fireEvent.change(screen.getByTestId('boris-reason'), { target: { value: 'wrong size' } });
  await press('F12');

  expect(await screen.findByTestId('refund-done')).toHaveTextContent('R1-000043');
  expect(reg.argsOf('boris_return')).toEqual([
    {
      number: '#1001',
      email: 'anna@example.com',
      lines: [{ line: 1, quantity: '1' }],
      reason: 'wrong size',
      damaged: false,
      refund: 'online',
      approvals: [],
    },
  ]);
});

test('BORIS: an order the register cannot find shows its message', async () => {
  fakeRegister({
    boris_find: () => {
      throw { code: 'order', message: 'No order of this store with that code' };
    },
  });
  render(App);
  await screen.findByTestId('scan-input');
  await press('F9');
  await screen.findByTestId('receipt-input');
  await fireEvent.click(screen.getByTestId('mode-online'));
  await typeKeys(await screen.findByTestId('boris-code'), 'v1.abc{Enter}');
  expect(await screen.findByTestId('boris-error')).toHaveTextContent('No order of this store with that code');
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

test('a receipt rung at another register says where it was found, and one rung here says nothing', async () => {
  fakeRegister({ find_receipt: ({ text }: { text: string }) => found(text.includes('R1') ? 'hq' : 'local') });
  const rows = await openReceipt();
  expect(rows).toHaveLength(3);
  expect(screen.getByTestId('receipt-source')).toHaveTextContent(
    'Rung at register R1 of store AMS-01; found at HQ, returns made anywhere counted',
  );
  await typeKeys(screen.getByTestId('receipt-input'), '42{Enter}');
  await waitFor(() => expect(screen.queryByTestId('receipt-source')).toBeNull());
  expect(await screen.findAllByTestId('return-line')).toHaveLength(3);
});
