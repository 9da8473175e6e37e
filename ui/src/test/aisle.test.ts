import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { AisleItem, AisleOrder } from '../lib/api';
import { cart, fakeRegister, line, press, resetApp, session, typeKeys } from './harness';

beforeEach(resetApp);

function mug(overrides: Partial<AisleItem> = {}): AisleItem {
  return {
    sku: 'MUG-1',
    name: 'Stoneware Mug',
    price: '12.50',
    unit: 'each',
    stock: [
      { location: 'DC-01', available: '0', pickup: false },
      { location: 'UTR-01', available: '3', pickup: true },
    ],
    snapshot_at: '2026-11-27T10:05:00Z',
    age_seconds: 120,
    ...overrides,
  };
}

function outbox(overrides: Partial<AisleOrder> = {}): AisleOrder {
  return {
    order: 'aisle-AMS:0193a',
    id: '0193a',
    number: 'R1-0000193a',
    sale_seq: 7,
    receipt: 'R1-000007',
    email: 'kees@example.com',
    delivery: { method: 'pickup', location: 'UTR-01', zip: null, city: null, country_code: null },
    body: '{}',
    created_at: '2026-11-27T10:15:00Z',
    state: 'waiting',
    attempts: 0,
    last_error: null,
    sent_at: null,
    hq_status: null,
    ...overrides,
  };
}

/** The app on the sell screen, then ⇧F2: the endless aisle. */
async function openAisle() {
  render(App);
  await screen.findByTestId('sell');
  await press('F2', { shiftKey: true });
  return (await screen.findByTestId('aisle-search')) as HTMLInputElement;
}

test('⇧F2 opens the aisle; results show the price and stock per location, with the snapshot age', async () => {
  const reg = fakeRegister({ aisle_search: () => [mug()], aisle_orders: () => [] });
  const search = await openAisle();
  await typeKeys(search, 'mug');

  const result = await screen.findByTestId('aisle-result');
  expect(result).toHaveTextContent('Stoneware Mug');
  expect(within(result).getByTestId('aisle-price')).toHaveTextContent('€12.50');
  const stock = within(result).getAllByTestId('aisle-stock');
  expect(stock.map((s) => s.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['DC-01: 0', 'UTR-01: 3']);
  const fresh = screen.getByTestId('aisle-freshness');
  expect(fresh).toHaveTextContent(/^Stock as of \d\d:\d\d( [AP]M)? \(2 min ago\)$/);
  expect(fresh).not.toHaveClass('warn');
  expect(reg.argsOf('aisle_search')).toEqual([{ text: 'mug', limit: 20 }]);
});

test('opening the aisle asks HQ for the chain stock changes, and asks the results again when rows came', async () => {
  let available = '3';
  const reg = fakeRegister({
    aisle_search: () => [mug({ stock: [{ location: 'UTR-01', available, pickup: true }] })],
    aisle_orders: () => [],
    aisle_refresh: () => new Promise(() => {}), // still under way while the cashier types
  });
  const search = await openAisle();
  expect(reg.commands()).toContain('aisle_refresh');
  await typeKeys(search, 'mug');
  const stock = await screen.findByTestId('aisle-stock');
  expect(stock).toHaveTextContent('UTR-01: 3');
});

test('a refresh that brings changed rows asks the results on screen again', async () => {
  let available = '3';
  let done: (v: unknown) => void = () => {};
  const again = fakeRegister({
    aisle_search: () => [mug({ stock: [{ location: 'UTR-01', available, pickup: true }] })],
    aisle_orders: () => [],
    aisle_refresh: () => new Promise((resolve) => (done = resolve)),
  });
  const box = await openAisle();
  await typeKeys(box, 'mug');
  await screen.findByTestId('aisle-result');
  available = '5';
  done({ pages: 1, rows: 1, reset: false });
  await waitFor(() => expect(screen.getByTestId('aisle-stock')).toHaveTextContent('UTR-01: 5'));
  expect(again.argsOf('aisle_search').length).toBe(2);
});

test('a refresh that fails (offline, not enrolled) leaves the snapshot on screen and says nothing more', async () => {
  fakeRegister({
    aisle_search: () => [mug()],
    aisle_orders: () => [],
    aisle_refresh: () => {
      throw { code: 'offline', message: 'HQ is out of reach' };
    },
  });
  const search = await openAisle();
  await typeKeys(search, 'mug');
  expect(await screen.findByTestId('aisle-result')).toHaveTextContent('Stoneware Mug');
  expect(screen.queryByRole('alert')).toBeNull();
});

test('a snapshot older than 15 minutes, or none at all, is a warning that stock may have changed', async () => {
  let age: number | null = 45 * 60;
  fakeRegister({
    aisle_search: () => [mug({ age_seconds: age, snapshot_at: age === null ? null : '2026-11-27T09:30:00Z' })],
    aisle_orders: () => [],
  });
  const search = await openAisle();
  await typeKeys(search, 'mug');
  const stale = await screen.findByTestId('aisle-freshness');
  expect(stale).toHaveClass('warn');
  expect(stale).toHaveTextContent(/Stock as of \d\d:\d\d( [AP]M)? \(45 min ago\): offline, stock may have changed/);

  age = null;
  await typeKeys(search, 's');
  await waitFor(() =>
    expect(screen.getByTestId('aisle-freshness')).toHaveTextContent(
      'Offline: stock may have changed (no chain stock fetched from HQ yet)',
    ),
  );
  expect(screen.getByTestId('aisle-freshness')).toHaveClass('warn');
});

test('placing an order: basket, pickup store from the stock data, email, cash, then the order and its state', async () => {
  let state: AisleOrder = outbox();
  const reg = fakeRegister({
    aisle_search: () => [mug()],
    aisle_quote: ({ lines }: { lines: { sku: string; quantity: string }[] }) =>
      cart([line({ sku: 'MUG-1', name: 'Stoneware Mug', quantity: lines[0].quantity, total: '25.00' })], '25.00'),
    aisle_order: () => ({
      order: 'aisle-AMS:0193a',
      sale: { receipt: 'R1-000007', total: '25.00', change: '5.00', receipt_text: '', printed: false },
      outbox: state,
    }),
    aisle_orders: () => [state],
  });
  const search = await openAisle();
  await typeKeys(search, 'mug');
  await screen.findByTestId('aisle-result');
  await typeKeys(search, '{Enter}'); // Enter adds the highlighted result
  await fireEvent.click(screen.getByTestId('aisle-add')); // and once more: two
  await waitFor(() => expect(screen.getByTestId('aisle-total')).toHaveTextContent('€25.00'));
  expect(screen.getByTestId('aisle-line-quantity')).toHaveTextContent('2');
  expect(reg.argsOf('aisle_quote').at(-1)).toEqual({ lines: [{ sku: 'MUG-1', quantity: '2' }] });

  // Pickup: only UTR-01 and DC-01 are in the stock data; UTR-01 has both mugs.
  const stores = screen.getByTestId('aisle-pickup-at');
  expect(within(stores).getByDisplayValue('UTR-01')).toBeChecked();
  expect(stores).toHaveTextContent('UTR-01 has everything');
  // The DC ships but takes no pickups: it is not offered.
  expect(stores).not.toHaveTextContent('DC-01');

  // No email yet: the screen says so before any payment.
  await press('F12');
  expect(screen.getByTestId('aisle-form-error')).toHaveTextContent("Enter the customer's email address");
  await typeKeys(screen.getByTestId('aisle-email'), 'kees@example.com{Enter}');

  const tender = await screen.findByTestId('tender');
  expect(within(tender).getByTestId('due')).toHaveTextContent('€25.00');
  await typeKeys(within(tender).getByTestId('tender-amount'), '30');
  await fireEvent.click(within(tender).getByTestId('add-cash'));
  await fireEvent.click(within(tender).getByTestId('confirm-pay'));
  await screen.findByTestId('sale-done');
  expect(reg.argsOf('aisle_order')).toEqual([
    {
      lines: [{ sku: 'MUG-1', quantity: '2' }],
      delivery: { method: 'pickup', location: 'UTR-01' },
      email: 'kees@example.com',
      tenders: [{ kind: 'cash', amount: '30.00' }],
      approvals: [],
      receipt: 'print',
    },
  ]);
  expect(reg.commands()).not.toContain('pay');

  await press('Enter'); // "Show order"
  const placed = await screen.findByTestId('aisle-placed');
  expect(within(placed).getByTestId('aisle-order-id')).toHaveTextContent('aisle-AMS:0193a');
  expect(within(placed).getByTestId('aisle-order-number')).toHaveTextContent('R1-0000193a');
  expect(within(placed).getByTestId('aisle-order-state')).toHaveTextContent('Queued: goes to HQ when online');

  // The background sync delivers it; the screen follows the outbox.
  state = outbox({ state: 'sent', hq_status: 'routed', sent_at: '2026-11-27T10:15:04Z', attempts: 1 });
  await waitFor(
    () => expect(within(placed).getByTestId('aisle-order-state')).toHaveTextContent('Sent to HQ (routed)'),
    { timeout: 5000 },
  );

  // F7: the recent orders with their state.
  await press('F7');
  const list = await screen.findByTestId('aisle-orders');
  const rows = within(list).getAllByTestId('aisle-order');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveTextContent('R1-0000193a');
  expect(rows[0]).toHaveTextContent('Pickup at UTR-01');
  expect(rows[0]).toHaveTextContent('Sent to HQ (routed)');
});

test('an order HQ refused shows why and what to do, and re-places it on request', async () => {
  let state: AisleOrder = outbox({
    state: 'failed',
    attempts: 1,
    last_error: "HQ refused it (400): delivery.latitude 'north' is not a decimal",
  });
  const reg = fakeRegister({
    aisle_orders: () => [state],
    aisle_replace: ({ id }: { id: string }) => {
      state = outbox({ id, attempts: 1 });
      return state;
    },
  });
  await openAisle();
  await press('F7');
  const list = await screen.findByTestId('aisle-orders');
  const row = await within(list).findByTestId('aisle-order');
  await waitFor(() => expect(within(row).getByTestId('aisle-order-row-state')).toHaveTextContent('Refused by HQ'));
  expect(within(row).getByTestId('aisle-order-row-state')).toHaveClass('bad');
  expect(within(row).getByTestId('aisle-order-error')).toHaveTextContent("delivery.latitude 'north'");
  expect(within(row).getByTestId('aisle-order-help')).toHaveTextContent(
    'The customer has paid. Re-place the order once the reason is fixed, or refund the sale (receipt R1-000007) in Returns.',
  );
  await fireEvent.click(within(row).getByTestId('aisle-order-replace'));
  await waitFor(() => expect(reg.argsOf('aisle_replace')).toEqual([{ id: '0193a' }]));
  await waitFor(() =>
    expect(within(list).getByTestId('aisle-order-row-state')).toHaveTextContent('Queued: goes to HQ when online'),
  );
  expect(within(list).queryByTestId('aisle-order-replace')).toBeNull();
});

test('ship to: the address and optional coordinates go with the order', async () => {
  const reg = fakeRegister({
    aisle_search: () => [mug()],
    aisle_quote: () => cart([line({ sku: 'MUG-1', total: '12.50' })], '12.50'),
    aisle_order: () => ({
      order: 'aisle-AMS:1',
      sale: { receipt: 'R1-000008', total: '12.50', change: '0.00', receipt_text: '', printed: false },
      outbox: outbox({ delivery: { method: 'ship', location: null, zip: '3511 AB', city: 'Utrecht', country_code: 'NL' } }),
    }),
    aisle_orders: () => [],
  });
  const search = await openAisle();
  await typeKeys(search, 'mug');
  await fireEvent.click(await screen.findByTestId('aisle-add'));
  await waitFor(() => expect(screen.getByTestId('aisle-total')).toHaveTextContent('€12.50'));
  await fireEvent.click(screen.getByTestId('aisle-method-ship'));
  await press('F12');
  expect(screen.getByTestId('aisle-form-error')).toHaveTextContent('Enter the postcode, city and country');
  await typeKeys(screen.getByTestId('aisle-zip'), '3511 AB');
  await typeKeys(screen.getByTestId('aisle-city'), 'Utrecht');
  await typeKeys(screen.getByTestId('aisle-country'), 'NL');
  await typeKeys(screen.getByTestId('aisle-lat'), '52.088');
  await typeKeys(screen.getByTestId('aisle-lon'), '5.110');
  await typeKeys(screen.getByTestId('aisle-email'), 'kees@example.com{Enter}');
  const tender = await screen.findByTestId('tender');
  await typeKeys(within(tender).getByTestId('tender-amount'), '12.50k'); // K: card
  await fireEvent.click(within(tender).getByTestId('confirm-pay'));
  await screen.findByTestId('sale-done');
  expect(reg.argsOf('aisle_order')[0]).toMatchObject({
    delivery: { method: 'ship', zip: '3511 AB', city: 'Utrecht', country_code: 'NL', latitude: '52.088', longitude: '5.110' },
    tenders: [{ kind: 'card', amount: '12.50' }],
  });
});

test('an item the register will not order stays out of the basket, with its reason', async () => {
  fakeRegister({
    aisle_search: () => [mug({ sku: 'GOUDA-KG', name: 'Gouda', unit: 'kg' })],
    aisle_quote: () => {
      throw { code: 'input', message: 'GOUDA-KG × 1: endless-aisle orders take whole pieces of items sold by the piece' };
    },
    aisle_orders: () => [],
  });
  const search = await openAisle();
  await typeKeys(search, 'gouda');
  await fireEvent.click(await screen.findByTestId('aisle-add'));
  expect(await screen.findByTestId('notice')).toHaveTextContent('endless-aisle orders take whole pieces');
  expect(screen.queryByTestId('aisle-line')).not.toBeInTheDocument();
});

test('kiosk without a cashier: browse only, with a message to pay at the counter', async () => {
  const reg = fakeRegister({
    session: () => session({ kiosk: true, operator: null }),
    aisle_search: () => [mug()],
  });
  render(App);
  await fireEvent.click(await screen.findByTestId('aisle-browse'));
  const search = (await screen.findByTestId('aisle-search')) as HTMLInputElement;
  expect(screen.getByTestId('aisle-counter')).toHaveTextContent('Ask at the counter');
  await typeKeys(search, 'mug');
  const result = await screen.findByTestId('aisle-result');
  expect(within(result).getAllByTestId('aisle-stock')).toHaveLength(2);
  expect(screen.getByTestId('aisle-freshness')).toBeInTheDocument();
  expect(screen.queryByTestId('aisle-add')).not.toBeInTheDocument();
  expect(screen.queryByTestId('aisle-pay')).not.toBeInTheDocument();
  await typeKeys(search, '{Enter}');
  await press('F12');
  await press('F7');
  expect(screen.queryByTestId('tender')).not.toBeInTheDocument();
  expect(screen.queryByTestId('aisle-orders')).not.toBeInTheDocument();
  // Customers' orders (and their emails) are never listed to a kiosk customer.
  expect(reg.commands()).not.toContain('aisle_orders');
  expect(reg.commands()).not.toContain('aisle_quote');

  (document.activeElement as HTMLElement | null)?.blur();
  await press('Escape');
  expect(await screen.findByTestId('signin')).toBeInTheDocument();
});

test('kiosk with a cashier signed in: the aisle takes orders', async () => {
  fakeRegister({
    session: () => session({ kiosk: true }),
    aisle_search: () => [mug()],
    aisle_orders: () => [],
  });
  const search = await openAisle();
  await typeKeys(search, 'mug');
  await screen.findByTestId('aisle-result');
  expect(screen.getByTestId('aisle-add')).toBeInTheDocument();
  expect(screen.getByTestId('aisle-pay')).toBeInTheDocument();
  expect(screen.queryByTestId('aisle-counter')).not.toBeInTheDocument();
});

test('nl: the aisle in Dutch', async () => {
  fakeRegister({
    session: () => session({ locale: 'nl-NL' }),
    aisle_search: () => [mug({ age_seconds: 3600 })],
    aisle_orders: () => [],
  });
  const search = await openAisle();
  await typeKeys(search, 'mok');
  expect(await screen.findByTestId('aisle-freshness')).toHaveTextContent(
    /Voorraad van \d\d:\d\d \(1 u geleden\): offline, voorraad kan veranderd zijn/,
  );
  expect(screen.getByTestId('aisle-price')).toHaveTextContent(/€\s12,50/);
  expect(screen.getByTestId('aisle-pay')).toHaveTextContent('Afrekenen');
});
