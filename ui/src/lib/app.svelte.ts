// Shared UI state (Svelte 5 runes). The register's truth lives in Rust; this is what the
// screens show of it.
import { api, toCommandError, type CartView, type Operator, type Session, type Status } from './api';
import { formatMoney } from './format';
import { setLocale, t } from './i18n.svelte';

export type Screen =
  | 'loading'
  | 'setup'
  | 'signin'
  | 'sell'
  | 'pickup'
  | 'returns'
  | 'manager'
  | 'settings'
  | 'aisle';

export interface Notice {
  kind: 'error' | 'info' | 'warn';
  text: string;
}

export const app = $state({
  session: null as Session | null,
  operator: null as Operator | null,
  screen: 'loading' as Screen,
  status: null as Status | null,
  cart: null as CartView | null,
  notice: null as Notice | null,
  help: false,
  /** ids of open dialogs, innermost last: screen keys are off while any is open */
  modals: [] as number[],
});

let noticeTimer: ReturnType<typeof setTimeout> | undefined;

export function notify(kind: Notice['kind'], text: string): void {
  app.notice = { kind, text };
  clearTimeout(noticeTimer);
  if (kind === 'info') noticeTimer = setTimeout(() => (app.notice = null), 4000);
}

export function showError(e: unknown): void {
  const err = toCommandError(e);
  if (err.code === 'cancelled') return;
  notify('error', err.message || t('error.generic'));
}

export function locale(): string {
  return app.session?.locale || (typeof navigator !== 'undefined' ? navigator.language : 'en');
}

export function currency(): string {
  return app.cart?.currency || app.session?.currency || 'EUR';
}

export function money(amount: string, cur?: string): string {
  return formatMoney(amount, locale(), cur ?? currency());
}

export function applySession(s: Session): void {
  app.session = s;
  // The same title as the native window: "Till — STORE / REGISTER".
  if (typeof document !== 'undefined') {
    document.title = s.store && s.register ? `Till — ${s.store} / ${s.register}` : 'Till';
    // Kiosk: no context menu (no "reload", no "inspect").
    document.oncontextmenu = s.kiosk ? (e) => e.preventDefault() : null;
  }
  app.operator = s.operator;
  setLocale(s.locale);
  if (s.needs_setup) app.screen = 'setup';
  else if (!s.operator) app.screen = 'signin';
  else if (app.screen === 'loading' || app.screen === 'setup' || app.screen === 'signin')
    app.screen = 'sell';
}

export async function refreshCart(): Promise<void> {
  try {
    app.cart = await api.cart();
  } catch (e) {
    showError(e);
  }
}

export function go(screen: Screen): void {
  if (!app.operator && screen !== 'setup') return;
  app.notice = null;
  app.screen = screen;
}

/** Lock: sign the operator out; the cart stays in the register for the next sign-in. */
export async function lock(): Promise<void> {
  try {
    await api.signOut();
  } catch {
    // locking must work even if the command fails
  }
  app.operator = null;
  app.screen = 'signin';
  app.modals = [];
  app.help = false;
}

export const IDLE_KEY = 'till.idleMinutes';

export function idleMinutes(): number {
  try {
    const v = Number(localStorage.getItem(IDLE_KEY));
    return Number.isFinite(v) && v > 0 ? v : 5;
  } catch {
    return 5;
  }
}

export function setIdleMinutes(minutes: number): void {
  try {
    localStorage.setItem(IDLE_KEY, String(minutes));
  } catch {
    // storage unavailable: keep the default
  }
}

let modalSeq = 0;
export function openModal(): number {
  const id = ++modalSeq;
  app.modals.push(id);
  return id;
}
export function closeModal(id: number): void {
  app.modals = app.modals.filter((m) => m !== id);
}
export function topModal(): number | undefined {
  return app.modals[app.modals.length - 1];
}

/** Serial scanner codes go to whichever screen registered for them. */
let scannerHandler: ((code: string) => void) | null = null;
export function onScannerCode(handler: ((code: string) => void) | null): void {
  scannerHandler = handler;
}
export function dispatchScannerCode(code: string): void {
  scannerHandler?.(code);
}

export function isEditable(el: Element | null): el is HTMLInputElement | HTMLTextAreaElement {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement) return true;
  if (el instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(
      el.type,
    );
  }
  return false;
}
