// Test harness: a fake register behind mockIPC that records every command and its
// arguments, fixtures, and a keyboard helper that types like a person (or a scanner).
import { fireEvent } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import type { CartView, Line, Session, Status, XReport } from '../lib/api';
import { compare, sub, sum } from '../lib/decimal';
import { app } from '../lib/app.svelte';
import { answerApproval } from '../lib/approval.svelte';
import { setLocale } from '../lib/i18n.svelte';

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (args: any, calls: Call[]) => unknown;

export function session(overrides: Partial<Session> = {}): Session {
  return {
    store: 'AMS',
    register: 'R1',
    data_dir: '/var/lib/till',
    version: '0.1.0',
    kiosk: false,
    locale: 'en-US',
    currency: 'EUR',
    needs_setup: false,
    operator: { code: '1001', name: 'Anna', role: 'cashier' },
    wedge: { max_gap_ms: 30, min_length: 6, prefix: '', suffix: '\r' },
    ...overrides,
  };
}

export function line(overrides: Partial<Line> = {}): Line {
  return {
    line: 1,
    sku: 'MILK-1L',
    name: 'Milk 1 l',
    quantity: '1',
    unit: 'each',
    unit_price: '1.29',
    total: '1.29',
    adjustments: [],
    ...overrides,
  };
}

export function cart(lines: Line[] = [], total = '0.00', overrides: Partial<CartView> = {}): CartView {
  return {
    lines,
    subtotal: total,
    discount_total: '0.00',
    tax_total: '0.00',
    total,
    currency: 'EUR',
    parked_from: null,
    ...overrides,
  };
}

export const onlineStatus: Status = {
  online: true,
  pending_sales: 0,
  oldest_pending_age_seconds: null,
  last_sync: null,
  printer: 'ready',
};

/** The register's tender preview for a store without cash rounding: what is left, or the
 * change once the tenders cover the total. */
export function tenderPreview(total: string, tenders: { amount: string }[]) {
  const tendered = sum(tenders.map((t) => t.amount), '0');
  const left = sub(total, tendered);
  const covered = compare(left, '0') <= 0;
  const remaining = covered ? '0' : left;
  return { due: total, tendered, remaining, remaining_in_cash: remaining, change: covered ? sub('0', left) : '0' };
}

/** Installs a fake register. Unhandled commands reject, so a test sees every call it causes. */
export function fakeRegister(handlers: Record<string, Handler> = {}) {
  const calls: Call[] = [];
  const all: Record<string, Handler> = {
    session: () => session(),
    status: () => onlineStatus,
    cart: () => cart(),
    classify_keys: ({ keys }: { keys: { key: string }[] }) => [
      { kind: 'typed', text: keys.filter((k) => k.key.length === 1).map((k) => k.key).join('') },
    ],
    search: () => [],
    return_reasons: () => ['damaged', 'wrong size'],
    tender_preview: ({ total, tenders }: { total: string; tenders: { amount: string }[] }) =>
      tenderPreview(total, tenders),
    ...handlers,
  };
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const h = all[cmd];
      if (!h) throw { code: 'error', message: `no fake for ${cmd}` };
      return h(args, calls);
    },
    { shouldMockEvents: true },
  );
  return {
    calls,
    /** the arguments of every call of `cmd`, in order */
    argsOf: (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args),
    commands: () => calls.map((c) => c.cmd),
  };
}

/** Fresh UI state between tests (the modules are shared within a test file). */
export function resetApp(): void {
  answerApproval(null);
  app.session = null;
  app.operator = null;
  app.screen = 'loading';
  app.status = null;
  app.cart = null;
  app.notice = null;
  app.help = false;
  app.modals = [];
  setLocale('en');
}

/**
 * Types `text` into `el` the way a keyboard (or a wedge scanner) does: keydown (which the
 * app may cancel), then the character lands in the input. `{Enter}`, `{F12}` etc. press a
 * named key.
 */
export async function typeKeys(el: HTMLElement, text: string): Promise<void> {
  el.focus();
  for (const m of text.matchAll(/\{(\w+)\}|[\s\S]/g)) {
    const key = m[1] ?? m[0];
    const target = (document.activeElement as HTMLElement | null) ?? el;
    const proceed = await fireEvent.keyDown(target, { key });
    if (
      proceed &&
      key.length === 1 &&
      (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)
    ) {
      target.value += key;
      await fireEvent.input(target);
    }
    await fireEvent.keyUp(target, { key });
  }
}

/** Presses one key wherever focus is. */
export async function press(key: string, init: KeyboardEventInit = {}): Promise<void> {
  const target = (document.activeElement as HTMLElement | null) ?? document.body;
  await fireEvent.keyDown(target, { key, ...init });
}

/** An X report reply: its printed `text`, sales by hour, what each tender took, and tax by
 * rate (the other figures zero). */
export function xReport(
  text: string,
  hours: [number, string][],
  tenders: [string, string][],
  taxes: XReport['report']['taxes'] = [],
): XReport {
  const zero = '0.00';
  return {
    text,
    by_hour: hours.map(([hour, total]) => ({ hour, total })),
    report: {
      store: 'AMS',
      register: 'R1',
      currency: 'EUR',
      at: '2026-11-27T18:00:00Z',
      session: 1,
      documents: 0,
      sales: 0,
      returns: 0,
      receipts: null,
      subtotal: zero,
      discount_total: zero,
      returned: zero,
      tax_total: zero,
      total: zero,
      cash_rounding: zero,
      change: zero,
      taxes,
      tenders: tenders.map(([tender, amount]) => ({ tender, count: 1, amount })),
      drawer: null,
      expected: [],
      expected_withheld: false,
      grand_total: zero,
      journal_records: 0,
    },
  };
}
