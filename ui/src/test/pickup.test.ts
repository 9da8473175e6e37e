import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { KeyStroke, OrderLine, PickupOrder, VerifiedPickup } from '../lib/api';
import { cart, fakeRegister, line, press, resetApp, session, typeKeys } from './harness';

beforeEach(resetApp);

/**
 * The fake register with a session whose scanner may pause up to a second between keys:
 * a burst ends at Enter however slowly the test machine types (the fake classifier, not
 * the timing, says what was scanned).
 */
function register(handlers: Parameters<typeof fakeRegister>[0], locale = 'en-US') {
  return fakeRegister({
    session: () => session({ locale, wedge: { max_gap_ms: 1000, min_length: 6, prefix: '', suffix: '\r' } }),
    ...handlers,
  });
}

const TOKEN = 'TP1.eyJvIjoic2hvcGlmeTo3MDAxIn0.c2lnbmF0dXJl';

function orderLine(overrides: Partial<OrderLine> = {}): OrderLine {
  return {
    n: 1,
    sku: 'TOTE-1',
    title: 'Canvas Tote',
    quantity: '2',
    price: '19.95',
    picked: null,
    substitute: null,
    handed_over: '0',
    left: '0',
    ...overrides,
  };
}

function order(overrides: Partial<PickupOrder> = {}): PickupOrder {
  return {
    id: 'shopify:7001',
    number: '#7001',
    email: 'bob@example.com',
    status: 'new',
    paid: 'online',
    fulfilment: 'pickup',
    currency: 'EUR',
    withdrawn: null,
    bin: null,
    checkin: null,
    notified: null,
    shipment: null,
    lines: [orderLine(), orderLine({ n: 2, sku: 'MUG-1', title: 'Stoneware Mug', quantity: '1' })],
    handovers: [],
    ...overrides,
  };
}

const ready = order({
  status: 'ready',
  bin: 'B-7',
  lines: [
    orderLine({ picked: '2', left: '2' }),
    orderLine({ n: 2, sku: 'MUG-1', title: 'Stoneware Mug', quantity: '1', picked: '1', left: '1' }),
  ],
});

function verified(o: PickupOrder = ready, total = '59.85'): VerifiedPickup {
  return {
    valid: true,
    order: o,
    hand_over: [
      { n: 1, sku: 'TOTE-1', title: 'Canvas Tote', quantity: '2', price: '19.95' },
      { n: 2, sku: 'MUG-1', title: 'Stoneware Mug', quantity: '1', price: '19.95' },
    ],
    cart: cart([line({ sku: 'TOTE-1', total: '39.90' }), line({ line: 2, sku: 'MUG-1', total: '19.95' })], total),
  };
}

const saleDone = { receipt: 'R1-000001', total: '59.85', change: '0.00', receipt_text: 'TILL\nonline 59.85', printed: true };

async function openPickup() {
  await screen.findByTestId('scan-input');
  await press('F11');
  return screen.findByTestId('pickup');
}

test('F11 on the sell screen opens the queue: orders grouped by status with counts, withdrawn greyed', async () => {
  const reg = register({
    pickup_orders: () => [
      order({ id: 'shopify:1', number: '#1001', status: 'new' }),
      order({ id: 'shopify:2', number: '#1002', status: 'ready', bin: 'B-2' }),
      order({ id: 'shopify:3', number: '#1003', status: 'new' }),
      order({ id: 'shopify:4', number: '#1004', status: 'checked_in', checkin: 'P3', bin: 'B-4' }),
      order({ id: 'shopify:5', number: '#1005', status: 'withdrawn', withdrawn: 'cancelled by the webstore' }),
      order({ id: 'shopify:6', number: '#1006', status: 'handed_over', fulfilment: 'pickup' }),
    ],
  });
  render(App);
  // the key is shown on the sell screen (in the header's navigation)
  await screen.findByTestId('sell');
  expect(screen.getByRole('button', { name: 'Pickup F11' })).toBeInTheDocument();
  await openPickup();

  const groups = await screen.findAllByTestId('status-group');
  const summary = groups.map((g) => [g.dataset.status, within(g).getByTestId('status-count').textContent]);
  // a waiting customer first, finished and withdrawn orders last
  expect(summary).toEqual([
    ['checked_in', '1'],
    ['ready', '1'],
    ['new', '2'],
    ['handed_over', '1'],
    ['withdrawn', '1'],
  ]);
  expect(groups[0]).toHaveTextContent('Customer outside');
  expect(groups[2]).toHaveTextContent('New');
  const rows = screen.getAllByTestId('pickup-order');
  expect(rows.map((r) => r.dataset.status)).toEqual(['checked_in', 'ready', 'new', 'new', 'handed_over', 'withdrawn']);
  expect(rows[0]).toHaveTextContent('#1004');
  expect(rows[0]).toHaveTextContent('bin B-4');
  expect(rows[0]).toHaveTextContent('at P3');
  expect(rows[5]).toHaveClass('withdrawn');
  expect(rows[1]).not.toHaveClass('withdrawn');

  await fireEvent.click(rows[5]);
  const detail = screen.getByTestId('order-detail');
  expect(detail).toHaveClass('withdrawn');
  expect(detail).toHaveTextContent('Withdrawn by HQ: cancelled by the webstore');
  expect(within(detail).queryAllByTestId('pick-line')).toHaveLength(0);
  expect(reg.commands()).toContain('pickup_orders');
});

test('picking a line (short, then a substitute with consent) and staging in a bin', async () => {
  let current = order();
  const reg = register({
    pickup_orders: () => [current],
    pickup_pick: ({ line, quantity, substitute }) => {
      if (substitute && !substitute.consent)
        throw { code: 'pickup', message: "line 2: a substitute needs the customer's consent recorded (how they agreed)" };
      current = {
        ...current,
        status: 'picking',
        lines: current.lines.map((l) => (l.n === line ? { ...l, picked: quantity, substitute: substitute ?? null } : l)),
      };
      return current;
    },
    pickup_stage: ({ bin }) => (current = { ...current, status: 'ready', bin }),
  });
  render(App);
  await openPickup();
  await fireEvent.click(await screen.findByTestId('pickup-order'));

  // F4 picks the next line to pick; one tote of two is found: a short pick
  await press('F4');
  const dialog = await screen.findByTestId('pick-dialog');
  const quantity = within(dialog).getByTestId('pick-quantity');
  expect(quantity).toHaveValue('2');
  expect(quantity).toHaveFocus();
  await fireEvent.input(quantity, { target: { value: '' } });
  await fireEvent.click(within(within(dialog).getByTestId('keypad')).getByRole('button', { name: '1' }));
  expect(within(dialog).getByTestId('short-pick')).toHaveTextContent('Short pick: 1 of 2');
  await typeKeys(quantity, '{Enter}');
  await waitFor(() => expect(screen.queryByTestId('pick-dialog')).not.toBeInTheDocument());
  expect(reg.argsOf('pickup_pick')).toEqual([{ order: 'shopify:7001', line: 1, quantity: '1' }]);
  const lines = screen.getAllByTestId('order-line');
  expect(within(lines[0]).getByTestId('line-picked')).toHaveTextContent('1 short');

  // the mug is out: a substitute; without consent the register refuses and the dialog stays
  await fireEvent.click(within(lines[1]).getByTestId('pick-line'));
  const sub = await screen.findByTestId('pick-dialog');
  await fireEvent.click(within(sub).getByTestId('substitute'));
  await fireEvent.input(within(sub).getByTestId('substitute-sku'), { target: { value: 'NOTE-A5' } });
  await fireEvent.input(within(sub).getByTestId('substitute-price'), { target: { value: '7,50' } });
  await fireEvent.click(within(sub).getByTestId('record-pick'));
  expect(await within(sub).findByRole('alert')).toHaveTextContent("needs the customer's consent");
  await fireEvent.input(within(sub).getByTestId('substitute-consent'), { target: { value: 'phoned 14:02, agreed' } });
  await fireEvent.click(within(sub).getByTestId('record-pick'));
  await waitFor(() => expect(screen.queryByTestId('pick-dialog')).not.toBeInTheDocument());
  expect(reg.argsOf('pickup_pick')[2]).toEqual({
    order: 'shopify:7001',
    line: 2,
    quantity: '1',
    substitute: { sku: 'NOTE-A5', price: '7.50', consent: 'phoned 14:02, agreed' },
  });
  expect(within(screen.getAllByTestId('order-line')[1]).getByTestId('line-picked')).toHaveTextContent(
    'as NOTE-A5 at €7.50',
  );

  await typeKeys(screen.getByTestId('bin-input'), 'B-7');
  await press('F6');
  await waitFor(() => expect(reg.argsOf('pickup_stage')).toEqual([{ order: 'shopify:7001', bin: 'B-7' }]));
  expect(await screen.findByTestId('order-bin')).toHaveTextContent('Staged in bin B-7');
  expect(screen.getByTestId('order-status')).toHaveTextContent('Ready');
});

test.each([
  [
    'token_forged',
    "the token's signature does not verify with HQ's key: it is forged or was altered",
    null,
    ['NOT VALID: this code was not issued by HQ, or it was altered. Hand nothing over.'],
  ],
  [
    'token_expired',
    'the token for order shopify:7001 expired at 2026-11-27T10:15:00Z',
    { kind: 'token_expired', order: 'shopify:7001', at: '2026-11-27T10:15:00Z' },
    ['EXPIRED: this pickup code is no longer valid.', 'It expired on 11/27/26'],
  ],
  [
    'token_other_store',
    'the token for order shopify:7001 is for store UTR-01, not this store (AMS-01)',
    { kind: 'token_other_store', order: 'shopify:7001', store: 'UTR-01', here: 'AMS-01' },
    ['WRONG STORE', 'The code is for store UTR-01; this is store AMS-01.'],
  ],
  [
    'token_used',
    'order #7001: nothing left to hand over (already handed over: register R2 at 2026-11-27T12:00:00.123456789Z; register R1 at 2026-11-27T12:05:00Z)',
    {
      kind: 'token_used',
      number: '#7001',
      handovers: [
        { register: 'R2', at: '2026-11-27T12:00:00.123456789Z' },
        { register: 'R1', at: '2026-11-27T12:05:00Z' },
      ],
    },
    ['ALREADY HANDED OVER', 'Handed over at register R2 on 11/27/26', 'Handed over at register R1 on 11/27/26'],
  ],
  ['token_malformed', 'not a pickup token: no TP1 prefix', null, ['NOT A PICKUP CODE']],
  [
    'input',
    'order shopify:7001 is not on this register yet: sync with HQ or a peer register, then scan again',
    null,
    ['Cannot hand over', 'is not on this register yet'],
  ],
])('a %s refusal says why in plain words', async (code, message, details, shown) => {
  const reg = register({
    pickup_orders: () => [],
    pickup_verify: () => {
      throw { code, message, details };
    },
  });
  render(App);
  await openPickup();
  const input = screen.getByTestId('token-input');
  expect(input).toHaveFocus();
  await typeKeys(input, `${TOKEN}{Enter}`);
  const refused = await screen.findByTestId('token-refused');
  expect(refused.dataset.code).toBe(code);
  for (const text of shown) expect(refused).toHaveTextContent(text);
  expect(screen.queryByTestId('token-valid')).not.toBeInTheDocument();
  expect(screen.queryByTestId('hand-over')).not.toBeInTheDocument();
  expect(reg.argsOf('pickup_verify')).toEqual([{ token: TOKEN }]);
  expect(input).toHaveValue('');
});

test('a valid code shows VALID and what goes; a partial pickup with an ID check hands over those lines', async () => {
  let handed = false;
  const reg = register({
    pickup_orders: () => [handed ? { ...ready, status: 'partly_handed_over' } : ready],
    pickup_verify: () => verified(),
    pickup_hand_over: () => {
      handed = true;
      return { ...saleDone, total: '39.90' };
    },
  });
  render(App);
  await openPickup();
  await typeKeys(screen.getByTestId('token-input'), `${TOKEN}{Enter}`);

  const valid = await screen.findByTestId('token-valid');
  expect(valid).toHaveTextContent('VALID');
  expect(valid).toHaveTextContent('Order #7001 for bob@example.com');
  expect(valid).toHaveTextContent('Paid online');
  expect(within(valid).getByTestId('handover-total')).toHaveTextContent('€59.85');
  const rows = within(valid).getAllByTestId('handover-line');
  expect(rows).toHaveLength(2);
  expect(rows[0]).toHaveTextContent('Canvas Tote');
  // the order opens too
  expect(screen.getByTestId('order-detail')).toHaveTextContent('#7001');

  // one tote today, no mug
  await fireEvent.input(within(rows[0]).getByRole('textbox'), { target: { value: '1' } });
  await fireEvent.click(within(rows[1]).getByRole('checkbox'));
  await typeKeys(within(valid).getByTestId('id-check'), 'driving licence');
  await fireEvent.click(within(valid).getByTestId('hand-over'));

  const done = await screen.findByTestId('handover-done');
  expect(done).toHaveTextContent('Handed over: receipt R1-000001');
  expect(done).toHaveTextContent('€39.90');
  expect(reg.argsOf('pickup_hand_over')).toEqual([
    {
      token: TOKEN,
      lines: [{ line: 1, quantity: '1' }],
      idCheck: 'driving licence',
      tenders: [],
      approvals: [],
      receipt: 'print',
    },
  ]);
  expect(screen.queryByTestId('token-valid')).not.toBeInTheDocument();
  await waitFor(() => expect(screen.getByTestId('order-status')).toHaveTextContent('Partly handed over'));
});

test('a scanner burst anywhere on the screen is checked as a pickup code; F12 hands everything over', async () => {
  const reg = register({
    classify_keys: ({ keys }: { keys: KeyStroke[] }) => {
      const text = keys.filter((k) => k.key.length === 1).map((k) => k.key).join('');
      return [{ kind: text.startsWith('TP1.') ? 'scanned' : 'typed', text }];
    },
    pickup_orders: () => [ready],
    pickup_verify: () => verified(),
    pickup_hand_over: () => saleDone,
  });
  render(App);
  await openPickup();
  // focus on the order list, not in a field: the scanner's keys still reach the register
  const row = await screen.findByTestId('pickup-order');
  row.focus();
  await typeKeys(row, `${TOKEN}{Enter}`);
  await screen.findByTestId('token-valid');
  expect(reg.argsOf('pickup_verify')).toEqual([{ token: TOKEN }]);
  const burst = reg.argsOf('classify_keys').at(-1)?.keys as KeyStroke[];
  expect(burst.map((k) => k.key).join('')).toBe(`${TOKEN}Enter`);

  await press('F12');
  await screen.findByTestId('handover-done');
  expect(reg.argsOf('pickup_hand_over')).toEqual([
    { token: TOKEN, idCheck: '', tenders: [], approvals: [], receipt: 'print' },
  ]);
});

test('a scan with a hiccup in the middle (its start classified as typing) is checked whole', async () => {
  const reg = register({
    // the register's detector split the burst at a gap: the first part typed, the rest scanned
    classify_keys: ({ keys }: { keys: KeyStroke[] }) => {
      const text = keys.filter((k) => k.key.length === 1).map((k) => k.key).join('');
      return text.length > 10
        ? [
            { kind: 'typed', text: text.slice(0, 10) },
            { kind: 'scanned', text: text.slice(10) },
          ]
        : [{ kind: 'typed', text }];
    },
    pickup_orders: () => [ready],
    pickup_verify: () => verified(),
  });
  render(App);
  await openPickup();
  const input = screen.getByTestId('token-input');
  await typeKeys(input, `${TOKEN}{Enter}`);
  await screen.findByTestId('token-valid');
  expect(reg.argsOf('pickup_verify')).toEqual([{ token: TOKEN }]);
  expect(input).toHaveValue('');
});

test('an order paid at the counter goes through the tender dialog, priced by the register', async () => {
  const counter = { ...ready, paid: 'counter' as const };
  const reg = register({
    pickup_orders: () => [counter],
    pickup_verify: () => verified(counter),
    pickup_hand_over: () => ({ ...saleDone, change: '0.15' }),
  });
  render(App);
  await openPickup();
  await typeKeys(screen.getByTestId('token-input'), `${TOKEN}{Enter}`);
  const valid = await screen.findByTestId('token-valid');
  expect(valid).toHaveTextContent('Pays at the counter');
  await fireEvent.click(within(valid).getByTestId('hand-over'));

  const tender = await screen.findByTestId('tender');
  expect(within(tender).getByTestId('due')).toHaveTextContent('€59.85');
  await typeKeys(within(tender).getByTestId('tender-amount'), '60{Enter}');
  expect(await screen.findByTestId('change')).toHaveTextContent('€0.15');
  expect(reg.argsOf('pickup_verify')).toEqual([{ token: TOKEN }, { token: TOKEN }]);
  expect(reg.argsOf('pickup_hand_over')).toEqual([
    { token: TOKEN, idCheck: '', tenders: [{ kind: 'cash', amount: '60.00' }], approvals: [], receipt: 'print' },
  ]);
  expect(reg.commands()).not.toContain('pay');
  await press('Enter');
  await waitFor(() => expect(screen.queryByTestId('tender')).not.toBeInTheDocument());
  expect(screen.getByTestId('handover-done')).toHaveTextContent('R1-000001');
});

test('a ship order takes carrier and tracking and ships', async () => {
  const parcel = order({
    fulfilment: 'ship',
    status: 'picked',
    lines: [orderLine({ picked: '2', left: '2' })],
  });
  const reg = register({
    pickup_orders: () => [parcel],
    pickup_ship: () => ({ ...saleDone, receipt: 'R1-000002' }),
  });
  render(App);
  await openPickup();
  await fireEvent.click(await screen.findByTestId('pickup-order'));
  expect(screen.queryByTestId('bin-input')).not.toBeInTheDocument();
  await typeKeys(screen.getByTestId('carrier'), 'PostNL');
  await typeKeys(screen.getByTestId('tracking'), '3SABC123');
  await press('F12');
  expect(await screen.findByTestId('handover-done')).toHaveTextContent('Shipped: receipt R1-000002');
  expect(reg.argsOf('pickup_ship')).toEqual([
    { order: 'shopify:7001', carrier: 'PostNL', tracking: '3SABC123', approvals: [], receipt: 'print' },
  ]);
});

test('Dutch: the pickup screen speaks Dutch and formats money the Dutch way', async () => {
  register(
    {
      pickup_orders: () => [ready],
      pickup_verify: () => {
        throw { code: 'token_forged', message: 'forged' };
      },
    },
    'nl-NL',
  );
  render(App);
  await screen.findByTestId('scan-input');
  await press('F11');
  expect(await screen.findByRole('heading', { name: 'Online bestellingen' })).toBeInTheDocument();
  await fireEvent.click(await screen.findByTestId('pickup-order'));
  expect(screen.getAllByTestId('order-line')[0]).toHaveTextContent(/€\s19,95/);
  await typeKeys(screen.getByTestId('token-input'), `${TOKEN}{Enter}`);
  expect(await screen.findByTestId('token-refused')).toHaveTextContent('NIET GELDIG');
});

test('outside a field, arrows, Home and End move through the queue in its order', async () => {
  register({
    pickup_orders: () => [
      order({ id: 'shopify:1', number: '#1001', status: 'new' }),
      order({ id: 'shopify:2', number: '#1002', status: 'ready' }),
      order({ id: 'shopify:3', number: '#1003', status: 'new' }),
    ],
  });
  render(App);
  await openPickup();
  await screen.findAllByTestId('pickup-order');
  (document.activeElement as HTMLElement | null)?.blur();
  const shown = () => within(screen.getByTestId('order-detail')).getByRole('heading', { level: 2 }).textContent;

  await press('ArrowDown'); // the queue starts with the ready order
  expect(shown()).toBe('#1002');
  await press('End');
  expect(shown()).toBe('#1003');
  await press('ArrowUp');
  expect(shown()).toBe('#1001');
  await press('Home');
  expect(shown()).toBe('#1002');
});

test('Enter in the find box asks the register for an order and opens it; Esc in the empty box goes back to selling', async () => {
  const reg = register({
    pickup_orders: () => [],
    pickup_order: () => order({ id: 'shopify:7001', number: '#7001' }),
  });
  render(App);
  await openPickup();
  const find = screen.getByTestId('order-find');
  await typeKeys(find, 'bob@example.com{Enter}');

  expect(await screen.findByTestId('order-detail')).toHaveTextContent('#7001');
  expect(reg.argsOf('pickup_order')).toEqual([{ text: 'bob@example.com' }]);
  expect(find).toHaveValue('');
  await typeKeys(find, '{Escape}');
  expect(await screen.findByTestId('sell')).toBeInTheDocument();
});

test('an order document that does not read is named above the queue; the other orders list', async () => {
  register({
    pickup_orders: () => [order({ id: 'shopify:2', number: '#1002', status: 'new' })],
    pickup_unreadable: () => [
      { doc: 'order/AMS-01/o99', reason: 'document order/AMS-01/o99, order: missing: an order document holds HQ\'s order' },
    ],
  });
  render(App);
  await openPickup();
  const named = await screen.findByTestId('unreadable-order');
  expect(named).toHaveTextContent('Left out (does not read as an order): order/AMS-01/o99');
  expect(named).toHaveTextContent("order: missing");
  expect(screen.getAllByTestId('pickup-order')).toHaveLength(1);
});
