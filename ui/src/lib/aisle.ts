// Endless aisle on screen: how fresh the chain's stock snapshot is, the kiosk's browse-only
// entry, where a basket can be picked up, the delivery a form asks for, and an outbox
// order in words. The stock itself, prices and every rule about orders are the register's.
import type { AisleDelivery, AisleItem, AisleOrder, AisleStock } from './api';
import { app } from './app.svelte';
import { compare } from './decimal';
import { t } from './i18n.svelte';

/** A snapshot older than this is shown as a warning: the stock may have changed since. */
export const STALE_AFTER_S = 15 * 60;

export type Freshness =
  | { kind: 'fresh' | 'stale'; at: string; ageSeconds: number }
  | { kind: 'never' };

/** How fresh `item`'s stock is, `elapsedS` seconds after the register answered. */
export function freshness(item: Pick<AisleItem, 'snapshot_at' | 'age_seconds'>, elapsedS = 0): Freshness {
  if (item.snapshot_at === null || item.age_seconds === null) return { kind: 'never' };
  const ageSeconds = item.age_seconds + Math.max(0, Math.floor(elapsedS));
  return { kind: ageSeconds > STALE_AFTER_S ? 'stale' : 'fresh', at: item.snapshot_at, ageSeconds };
}

/** "14:05" (the locale's clock) for an RFC 3339 timestamp; the text itself if it is not one. */
export function clockTime(iso: string, locale: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(d);
}

/** The locations in `stock` an order could take units from (a positive figure). */
export function inStock(stock: AisleStock[]): AisleStock[] {
  return stock.filter((s) => compare(s.available, '0') > 0);
}

/** Kiosk mode without anyone signed in: a customer browses the chain's stock, no ordering. */
export function browseOnly(): boolean {
  return !!app.session?.kiosk && !app.operator;
}

/** Opens the endless aisle for browsing from the kiosk's sign-in screen. */
export function browseAisle(): void {
  if (!app.session?.kiosk) return;
  app.notice = null;
  app.screen = 'aisle';
}

/** A line of the aisle's basket: whole pieces of one item. */
export interface BasketLine {
  item: AisleItem;
  quantity: number;
}

/** A store the basket can be picked up at, and whether its stock has every line. */
export interface PickupLocation {
  location: string;
  hasAll: boolean;
}

/**
 * Where the basket can be picked up: the locations in its items' stock data that take
 * pickups, this store left out, sorted.
 */
export function pickupLocations(basket: BasketLine[], ownStore: string): PickupLocation[] {
  const all = new Set<string>();
  for (const l of basket)
    for (const s of l.item.stock) if (s.location !== ownStore && s.pickup) all.add(s.location);
  return [...all].sort().map((location) => ({
    location,
    hasAll: basket.every((l) => {
      const s = l.item.stock.find((x) => x.location === location);
      return !!s && compare(s.available, String(l.quantity)) >= 0;
    }),
  }));
}

/** The delivery form as typed: a pickup store, or an address with optional coordinates. */
export interface DeliveryForm {
  method: 'pickup' | 'ship';
  pickupAt: string;
  zip: string;
  city: string;
  country: string;
  latitude: string;
  longitude: string;
}

/** The delivery the form asks for, or null while something it needs is empty. */
export function deliveryOf(form: DeliveryForm): AisleDelivery | null {
  if (form.method === 'pickup') {
    const location = form.pickupAt.trim();
    return location ? { method: 'pickup', location } : null;
  }
  const zip = form.zip.trim();
  const city = form.city.trim();
  const country_code = form.country.trim();
  if (!zip || !city || !country_code) return null;
  const d: AisleDelivery = { method: 'ship', zip, city, country_code };
  if (form.latitude.trim() || form.longitude.trim()) {
    d.latitude = form.latitude.trim();
    d.longitude = form.longitude.trim();
  }
  return d;
}

/**
 * An outbox order's state in words: queued, sent (with HQ's status when it gave one), or
 * refused by HQ for good.
 */
export function orderStateText(o: AisleOrder | null): string {
  if (o?.state === 'sent') return o.hq_status ? t('aisle.sentStatus', { status: o.hq_status }) : t('aisle.sent');
  if (o?.state === 'failed') return t('aisle.failed');
  return t('aisle.queued');
}

/** What to do about an order HQ refused: the customer has paid (null for any other state). */
export function failedOrderHelp(o: AisleOrder | null): string | null {
  if (o?.state !== 'failed') return null;
  return t('aisle.failedHelp', { receipt: o.receipt ?? String(o.sale_seq ?? '') });
}

/** An outbox order's delivery in words. */
export function orderDeliveryText(o: AisleOrder): string {
  const d = o.delivery;
  if (d.method === 'pickup') return t('aisle.pickupAtStore', { store: d.location ?? '' });
  return t('aisle.shipToAddress', { address: [d.zip, d.city, d.country_code].filter(Boolean).join(' ') });
}
