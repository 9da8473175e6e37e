// Every screen with a search box: Escape clears the box and invalidates what was asked, so
// an answer that arrives afterwards (or a debounce that was still waiting) never repaints
// the cleared list. One test per screen, the same steps.
import { render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, expect, test } from 'vitest';
import App from '../App.svelte';
import type { AisleItem, Item, PickupOrder } from '../lib/api';
import { fakeRegister, press, resetApp, typeKeys } from './harness';

beforeEach(resetApp);

/** A reply the test releases when it chooses: the register answering late. */
function late<T>() {
  let release!: (value: T) => void;
  const reply = new Promise<T>((resolve) => (release = resolve));
  return { reply, release };
}

/** Long enough for a debounce (80 ms) and the reply's repaint to have happened. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

const gouda: Item = {
  sku: 'KAAS-JONG',
  name: 'Gouda jong',
  category: null,
  price: '12.90',
  price_source: 'base',
  unit: 'kg',
  tax_class: 'food',
  tax_rate: '9',
  components: [],
};
const mug: AisleItem = {
  sku: 'MUG-1',
  name: 'Stoneware Mug',
  price: '12.50',
  unit: 'each',
  stock: [{ location: 'UTR-01', available: '3', pickup: true }],
  snapshot_at: '2026-11-27T10:05:00Z',
  age_seconds: 120,
};

interface SearchScreen {
  name: string;
  /** the command the box asks, and one answer to it */
  command: string;
  answer: unknown[];
  /** opens the screen on the fake register; returns its search box */
  open: () => Promise<HTMLInputElement>;
  /** what shows one result */
  result: string;
}

const screens: SearchScreen[] = [
  {
    name: 'Sell',
    command: 'search',
    answer: [gouda],
    open: async () => {
      render(App);
      await screen.findByTestId('sell');
      return screen.getByTestId('search') as HTMLInputElement;
    },
    result: 'search-result',
  },
  {
    name: 'Aisle',
    command: 'aisle_search',
    answer: [mug],
    open: async () => {
      render(App);
      await screen.findByTestId('sell');
      await press('F2', { shiftKey: true });
      return (await screen.findByTestId('aisle-search')) as HTMLInputElement;
    },
    result: 'aisle-result',
  },
];

test.each(screens)('$name: an answer that arrives after Escape does not repaint the cleared list', async (s) => {
  const pending = late<unknown[]>();
  const reg = fakeRegister({ [s.command]: () => pending.reply, aisle_orders: () => [] });
  const box = await s.open();
  await typeKeys(box, 'gouda');
  await waitFor(() => expect(reg.argsOf(s.command)).toHaveLength(1));

  await press('Escape');
  expect(box).toHaveValue('');
  pending.release(s.answer);
  await settle();

  expect(screen.queryAllByTestId(s.result)).toHaveLength(0);
  expect(box).toHaveValue('');
});

test.each(screens)('$name: Escape within the debounce sends nothing', async (s) => {
  const reg = fakeRegister({ [s.command]: () => s.answer, aisle_orders: () => [] });
  const box = await s.open();
  await typeKeys(box, 'gouda');
  await press('Escape');
  await settle();

  expect(reg.argsOf(s.command)).toEqual([]);
  expect(screen.queryAllByTestId(s.result)).toHaveLength(0);
});

test('Pickup: an order found after Escape cleared the find box is not opened', async () => {
  const found: PickupOrder = {
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
    lines: [],
    handovers: [],
  };
  const pending = late<PickupOrder>();
  const reg = fakeRegister({ pickup_orders: () => [], pickup_order: () => pending.reply });
  render(App);
  await screen.findByTestId('sell');
  await press('F11');
  const box = (await screen.findByTestId('order-find')) as HTMLInputElement;
  await typeKeys(box, '#7001{Enter}');
  await waitFor(() => expect(reg.argsOf('pickup_order')).toEqual([{ text: '#7001' }]));

  await press('Escape');
  expect(box).toHaveValue('');
  pending.release(found);
  await settle();

  // Escape with text in the box clears the box; the screen stays, and the late order is not opened.
  expect(screen.getByTestId('pickup')).toBeInTheDocument();
  expect(screen.queryByTestId('order-detail')).not.toBeInTheDocument();
  expect(box).toHaveValue('');
});
