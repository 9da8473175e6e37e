// Endless aisle on screen: how fresh the chain's stock snapshot is, and the kiosk's
// browse-only entry. The stock itself, prices and every rule about orders are the register's.
import type { AisleItem, AisleStock } from './api';
import { app } from './app.svelte';
import { compare } from './decimal';

/** A snapshot older than this is shown as a warning: the stock may have changed since. */
export const STALE_AFTER_S = 15 * 60;

export type Freshness =
  | { kind: 'fresh' | 'stale'; at: string; ageSeconds: number }
  | { kind: 'never' };

/** How fresh `item`'s stock is, `elapsedS` seconds after the register answered. */
export function freshness(item: Pick<AisleItem, 'snapshotAt' | 'ageSeconds'>, elapsedS = 0): Freshness {
  if (item.snapshotAt === null || item.ageSeconds === null) return { kind: 'never' };
  const ageSeconds = item.ageSeconds + Math.max(0, Math.floor(elapsedS));
  return { kind: ageSeconds > STALE_AFTER_S ? 'stale' : 'fresh', at: item.snapshotAt, ageSeconds };
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
