import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { KeyStroke } from '../lib/api';
import { cart, fakeRegister, line, press, resetApp, typeKeys } from './harness';

beforeEach(resetApp);

const milk = line({ line: 1, sku: 'MILK-1L', name: 'Milk 1 l', unit_price: '1.29', total: '1.29' });
const cheese = line({
  line: 2,
  sku: 'KAAS-JONG',
  name: 'Gouda jong',
  quantity: '0.505',
  unit: 'kg',
  unit_price: '12.90',
  total: '6.51',
  adjustments: [{ label: '2nd half price', amount: '-0.50' }],
});

test('a code typed into the scan input and Enter is scanned; the line and total show', async () => {
  const reg = fakeRegister({
    scan: ({ code }) => ({ cart: cart([milk], '1.29'), warnings: code === '8710398527004' ? [] : ['?'] }),
  });
  render(App);
  const scan = await screen.findByTestId('scan-input');
  expect(scan).toHaveFocus();

  await typeKeys(scan, '8710398527004{Enter}');

  const lines = await screen.findAllByTestId('cart-line');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toHaveTextContent('Milk 1 l');
  expect(lines[0]).toHaveTextContent('€1.29');
  expect(screen.getByTestId('total')).toHaveTextContent('€1.29');
  expect(reg.argsOf('scan')).toEqual([{ code: '8710398527004', typed: true }]);
  expect(scan).toHaveValue('');
});

test('a quantity, a star and a code rings up that many', async () => {
  const reg = fakeRegister({ scan: () => ({ cart: cart([milk], '1.29'), warnings: [] }) });
  render(App);
  const scan = await screen.findByTestId('scan-input');
  await typeKeys(scan, '3*8710398527004{Enter}');
  await screen.findAllByTestId('cart-line');
  // The register reads what was typed (QTY*CODE or CODE*QTY): one grammar for app and CLI.
  expect(reg.argsOf('scan')).toEqual([{ code: '3*8710398527004', typed: true }]);
});

test('an item sold by weight with no scale opens the weight keypad, and the weight rings it up', async () => {
  const reg = fakeRegister({
    scan: ({ quantity }: { quantity?: string }) => {
      if (quantity === undefined)
        throw {
          code: 'input',
          message: 'GOUDA-KG (Aged Gouda) is sold by weight: give the weight in kg (e.g. GOUDA-KG*0.412) or configure a scale ([scale] port)',
          details: { kind: 'needs_weight', code: 'GOUDA-KG', sku: 'GOUDA-KG', name: 'Aged Gouda' },
        };
      return { cart: cart([cheese], '6.51'), warnings: [] };
    },
  });
  render(App);
  const scan = await screen.findByTestId('scan-input');
  await typeKeys(scan, 'GOUDA-KG{Enter}');
  const keypad = await screen.findByTestId('quantity-dialog');
  expect(keypad).toHaveTextContent('Weight: Aged Gouda');
  expect(screen.queryByText(/give the weight in kg/)).not.toBeInTheDocument();
  await typeKeys(within(keypad).getByTestId('quantity-input'), '0.412{Enter}');
  await screen.findAllByTestId('cart-line');
  expect(reg.argsOf('scan')).toEqual([
    { code: 'GOUDA-KG', typed: true },
    { code: 'GOUDA-KG', quantity: '0.412' },
  ]);
});

test('a fast burst classified as scanned while typing in search is scanned and taken out of search', async () => {
  // The fake classifier stands in for the Rust one: six or more digits in a burst are a scan.
  const reg = fakeRegister({
    classify_keys: ({ keys }: { keys: KeyStroke[] }) => {
      const text = keys.filter((k) => k.key.length === 1).map((k) => k.key).join('');
      return [{ kind: /^\d{6,}$/.test(text) ? 'scanned' : 'typed', text }];
    },
    scan: () => ({ cart: cart([milk], '1.29'), warnings: [] }),
  });
  render(App);
  await screen.findByTestId('scan-input');
  const search = screen.getByTestId('search') as HTMLInputElement;

  // A person types "ka" in the search box and pauses (the burst ends after 2 × max_gap_ms)…
  await typeKeys(search, 'ka');
  await waitFor(() => expect(reg.argsOf('classify_keys')).toHaveLength(1));
  expect(reg.argsOf('scan')).toEqual([]);
  // …then the wedge scanner fires a code and Enter into the same box.
  await typeKeys(search, '4006381333931{Enter}');

  await waitFor(() => expect(reg.argsOf('scan')).toEqual([{ code: '4006381333931' }]));
  expect(search).toHaveValue('ka'); // the typing stays, the scanned code is gone
  expect(await screen.findAllByTestId('cart-line')).toHaveLength(1);
  expect(screen.getByTestId('total')).toHaveTextContent('€1.29');

  const sent = reg.argsOf('classify_keys');
  expect((sent[0].keys as KeyStroke[]).map((k) => k.key)).toEqual(['k', 'a']);
  const burst = sent[1].keys as KeyStroke[];
  expect(burst.map((k) => k.key).join('')).toBe('4006381333931Enter');
  for (const k of burst) expect(Number.isInteger(k.at_ms)).toBe(true);
  // search's own Enter did not add a search result
  expect(reg.commands()).not.toContain('add_item');
});

test('typing into search shows instant results; choosing one adds the item', async () => {
  const reg = fakeRegister({
    search: ({ text }) =>
      text === 'gouda'
        ? [
            { sku: 'KAAS-JONG', name: 'Gouda jong', price: '12.90', unit: 'kg' },
            { sku: 'KAAS-OUD', name: 'Gouda oud', price: '16.50', unit: 'kg' },
          ]
        : [],
    add_item: () => cart([cheese], '6.01', { discount_total: '-0.50' }),
  });
  render(App);
  await screen.findByTestId('scan-input');
  await typeKeys(screen.getByTestId('search'), 'gouda');

  const results = await screen.findAllByTestId('search-result');
  expect(results).toHaveLength(2);
  expect(results[0]).toHaveTextContent('Gouda jong');
  expect(results[0]).toHaveTextContent('€12.90 / kg');
  expect(reg.argsOf('search').at(-1)).toEqual({ text: 'gouda', limit: 20 });

  await fireEvent.click(results[0]);
  const added = await screen.findAllByTestId('cart-line');
  expect(reg.argsOf('add_item')).toEqual([{ sku: 'KAAS-JONG' }]);
  expect(added[0]).toHaveTextContent('Gouda jong');
  expect(added[0]).toHaveTextContent('0.505 kg');
  expect(within(added[0]).getByTestId('adjustment')).toHaveTextContent('2nd half price');
  expect(within(added[0]).getByTestId('adjustment')).toHaveTextContent('-€0.50');
  expect(screen.getByTestId('total')).toHaveTextContent('€6.01');
  expect(screen.queryAllByTestId('search-result')).toHaveLength(0);
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('F12 opens the tender screen with the amount to pay', async () => {
  fakeRegister({ cart: () => cart([milk], '1.29') });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F12');
  const tender = await screen.findByTestId('tender');
  expect(within(tender).getByTestId('due')).toHaveTextContent('€1.29');
  expect(within(tender).getByTestId('tender-amount')).toHaveFocus();
  await press('Escape');
  await waitFor(() => expect(screen.queryByTestId('tender')).not.toBeInTheDocument());
});

test('split tender: card then cash, Enter pays and the change due shows', async () => {
  let paid = false;
  const reg = fakeRegister({
    cart: () => (paid ? cart() : cart([milk, cheese], '12.90')),
    pay: () => {
      paid = true;
      return { receipt: 'R1-000042', total: '12.90', change: '2.10', receipt_text: 'TILL\n…', printed: true };
    },
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F12');
  const amount = await screen.findByTestId('tender-amount');

  await typeKeys(amount, '10k'); // K: card
  await typeKeys(amount, '5c'); // C: cash
  const tenders = screen.getByTestId('tenders');
  expect(tenders).toHaveTextContent('Card');
  expect(tenders).toHaveTextContent('€10.00');
  expect(tenders).toHaveTextContent('Cash');
  expect(tenders).toHaveTextContent('€5.00');
  expect(screen.getByTestId('remaining')).toHaveTextContent('€2.10');
  await typeKeys(amount, '{Enter}');

  expect(await screen.findByTestId('change')).toHaveTextContent('€2.10');
  expect(screen.getByTestId('sale-done')).toHaveTextContent('R1-000042');
  expect(reg.argsOf('pay')).toEqual([
    {
      key: expect.stringMatching(UUID),
      tenders: [
        { kind: 'card', amount: '10.00' },
        { kind: 'cash', amount: '5.00' },
      ],
      approvals: [],
      receipt: 'print',
    },
  ]);

  await press('Enter');
  await waitFor(() => expect(screen.queryByTestId('tender')).not.toBeInTheDocument());
  await waitFor(() => expect(screen.queryAllByTestId('cart-line')).toHaveLength(0));
});

test('with cash rounding the dialog shows what the register will settle: the rest in cash, then the change', async () => {
  // The register rounds cash to 0.05: 7.69 is 7.70 in cash, and 10 in cash gives 2.30 back.
  const reg = fakeRegister({
    cart: () => cart([milk], '7.69'),
    tender_preview: ({ tenders }: { tenders: { amount: string }[] }) =>
      tenders.length === 0
        ? { due: '7.69', tendered: '0', remaining: '7.69', remaining_in_cash: '7.70', change: '0' }
        : { due: '7.70', tendered: '10.00', remaining: '0', remaining_in_cash: '0', change: '2.30' },
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F12');
  const amount = await screen.findByTestId('tender-amount');
  expect(await screen.findByTestId('remaining-cash')).toHaveTextContent('€7.70');
  expect(screen.getByTestId('remaining')).toHaveTextContent('€7.69');
  await typeKeys(amount, '10c');
  await waitFor(() => expect(screen.getByTestId('remaining')).toHaveTextContent('€2.30'));
  expect(screen.getByTestId('tender')).toHaveTextContent('Change');
  expect(screen.queryByTestId('remaining-cash')).not.toBeInTheDocument();
  expect(reg.argsOf('tender_preview').at(-1)).toEqual({ total: '7.69', tenders: [{ kind: 'cash', amount: '10.00' }] });
});

test('a "permission" rejection opens the approval prompt; the retry sends the approval', async () => {
  const reg = fakeRegister({
    cart: () => cart([milk], '1.29', { discount_total: '-0.30' }),
    pay: ({ approvals }: { approvals: string[] }) => {
      if (!approvals.includes('M1:4321'))
        throw { code: 'permission', message: 'A discount over 20% needs a manager' };
      return { receipt: 'R1-000043', total: '1.29', change: '0.71', receipt_text: '', printed: false };
    },
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F12');
  const amount = await screen.findByTestId('tender-amount');
  await typeKeys(amount, '2{Enter}');

  const prompt = await screen.findByTestId('approval');
  expect(prompt).toHaveTextContent('A discount over 20% needs a manager');
  const code = within(prompt).getByTestId('approval-code');
  expect(code).toHaveFocus();
  await typeKeys(code, 'M1{Enter}');
  const pin = within(prompt).getByTestId('approval-pin');
  expect(pin).toHaveFocus();
  await typeKeys(pin, '4321{Enter}');

  expect(await screen.findByTestId('change')).toHaveTextContent('€0.71');
  expect(screen.queryByTestId('approval')).not.toBeInTheDocument();
  const key = expect.stringMatching(UUID);
  expect(reg.argsOf('pay')).toEqual([
    { key, tenders: [{ kind: 'cash', amount: '2.00' }], approvals: [], receipt: 'print' },
    { key, tenders: [{ kind: 'cash', amount: '2.00' }], approvals: ['M1:4321'], receipt: 'print' },
  ]);
});

test('a payment whose answer was lost is retried under the same key, so it cannot sell twice', async () => {
  let tries = 0;
  const reg = fakeRegister({
    cart: () => cart([milk], '1.29'),
    pay: () => {
      tries += 1;
      if (tries === 1) throw { code: 'internal', message: 'the answer was lost' };
      return { receipt: 'R1-000044', total: '1.29', change: '0.71', receipt_text: '', printed: false };
    },
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F12');
  const amount = await screen.findByTestId('tender-amount');
  await typeKeys(amount, '2{Enter}');
  expect(await screen.findByText('the answer was lost')).toBeInTheDocument();
  await press('Enter');
  expect(await screen.findByTestId('change')).toHaveTextContent('€0.71');
  const [first, second] = reg.argsOf('pay') as { key: string }[];
  expect(first.key).toMatch(UUID);
  expect(second.key).toBe(first.key);
});

test('Esc on the approval prompt cancels and leaves the sale unpaid', async () => {
  const reg = fakeRegister({
    cart: () => cart([milk], '1.29'),
    void_line: () => {
      throw { code: 'permission', message: 'Voiding a line needs a manager' };
    },
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F8');
  const prompt = await screen.findByTestId('approval');
  expect(prompt).toHaveTextContent('Voiding a line needs a manager');
  await press('Escape');
  await waitFor(() => expect(screen.queryByTestId('approval')).not.toBeInTheDocument());
  expect(reg.argsOf('void_line')).toEqual([{ line: 1 }]);
  expect(screen.getAllByTestId('cart-line')).toHaveLength(1);
});

test('an unknown code shows the register message and leaves the cart alone', async () => {
  fakeRegister({
    scan: () => {
      throw { code: 'unknown_code', message: 'No item has the code 123' };
    },
  });
  render(App);
  const scan = await screen.findByTestId('scan-input');
  await typeKeys(scan, '123{Enter}');
  expect(await screen.findByRole('alert')).toHaveTextContent('No item has the code 123');
  expect(screen.queryAllByTestId('cart-line')).toHaveLength(0);
});

test('F4 quantity, F5 discount and F8 void act on the selected line', async () => {
  const two = [milk, cheese];
  const reg = fakeRegister({
    cart: () => cart(two, '7.80'),
    set_quantity: () => cart(two, '9.09'),
    discount_line: () => cart(two, '8.00'),
    discount_order: () => cart(two, '7.20'),
    void_line: () => cart([cheese], '6.51'),
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  // the last line is selected; ArrowUp selects the first
  await press('ArrowUp');
  await press('F4');
  await typeKeys(await screen.findByTestId('quantity-input'), '2{Enter}');
  await waitFor(() => expect(reg.argsOf('set_quantity')).toEqual([{ line: 1, quantity: '2' }]));
  expect(screen.getByTestId('total')).toHaveTextContent('€9.09');

  await press('F5');
  await typeKeys(await screen.findByTestId('discount-input'), '10%{Enter}');
  await waitFor(() => expect(reg.argsOf('discount_line')).toEqual([{ line: 1, discount: '10%' }]));

  await press('F5');
  const input = await screen.findByTestId('discount-input');
  await typeKeys(input, 'o2,50{Enter}'); // O: whole sale
  await waitFor(() => expect(reg.argsOf('discount_order')).toEqual([{ discount: '2.50' }]));

  await press('F8');
  await waitFor(() => expect(reg.argsOf('void_line')).toEqual([{ line: 1 }]));
  expect(await screen.findAllByTestId('cart-line')).toHaveLength(1);
});

test('F6 parks the sale with a label; F7 lists parked sales and resumes one', async () => {
  let parked = false;
  const reg = fakeRegister({
    cart: () => (parked ? cart() : cart([milk], '1.29')),
    park: () => {
      parked = true;
      return 7;
    },
    parked_carts: () => [{ id: 7, label: 'blue coat', parked_at: '2025-11-27T10:00:00Z', lines: 1, total: '1.29' }],
    resume: () => cart([milk], '1.29', { parked_from: 7 }),
  });
  render(App);
  await screen.findAllByTestId('cart-line');
  await press('F6');
  await typeKeys(await screen.findByTestId('park-label'), 'blue coat{Enter}');
  await waitFor(() => expect(screen.queryAllByTestId('cart-line')).toHaveLength(0));
  expect(reg.argsOf('park')).toEqual([{ label: 'blue coat' }]);
  expect(screen.getByTestId('notice')).toHaveTextContent('Sale parked as #7');

  await press('F7');
  const item = await screen.findByTestId('parked-cart');
  expect(item).toHaveTextContent('blue coat');
  expect(item).toHaveTextContent('€1.29');
  await press('1');
  expect(await screen.findAllByTestId('cart-line')).toHaveLength(1);
  expect(reg.argsOf('resume')).toEqual([{ id: 7 }]);
  expect(screen.getByTestId('sell')).toHaveTextContent('resumed from #7');
});

test('in the search results, arrows, Home and End move the highlight and Enter adds that item', async () => {
  const gouda = (sku: string, name: string) => ({ sku, name, price: '12.90', unit: 'kg' });
  const reg = fakeRegister({
    search: () => [gouda('KAAS-JONG', 'Gouda jong'), gouda('KAAS-BELEGEN', 'Gouda belegen'), gouda('KAAS-OUD', 'Gouda oud')],
    add_item: () => cart([cheese], '6.51'),
  });
  render(App);
  await screen.findByTestId('scan-input');
  const search = screen.getByTestId('search');
  await typeKeys(search, 'gouda');
  const results = await screen.findAllByTestId('search-result');
  const highlighted = () => results.findIndex((r) => r.classList.contains('active'));
  expect(highlighted()).toBe(0);

  await typeKeys(search, '{End}');
  expect(highlighted()).toBe(2);
  await typeKeys(search, '{ArrowDown}');
  expect(highlighted()).toBe(2); // the end holds
  await typeKeys(search, '{Home}');
  expect(highlighted()).toBe(0);
  await typeKeys(search, '{ArrowDown}{ArrowDown}{ArrowUp}');
  expect(highlighted()).toBe(1);

  await typeKeys(search, '{Enter}');
  await waitFor(() => expect(reg.argsOf('add_item')).toEqual([{ sku: 'KAAS-BELEGEN' }]));
  expect(search).toHaveValue('');
});
