// Every call from the UI to the Rust side goes through this module.
//
// Wire names: Tauri routes `invoke(name)` to the Rust function of that exact name, so the
// command names below are the snake_case names of the `#[tauri::command]` functions. The
// JS wrappers keep the camelCase names of the contract. Top-level arguments are sent in
// camelCase (Tauri maps them to snake_case parameters); nested objects are plain JSON in
// camelCase (Rust DTOs use `#[serde(rename_all = "camelCase")]`).
//
// Money and quantities are decimal strings end to end: never parse them into numbers.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

export const COMMANDS = {
  session: 'session',
  createDemoRegister: 'create_demo_register',
  enroll: 'enroll',
  signIn: 'sign_in',
  signOut: 'sign_out',
  cart: 'cart',
  scan: 'scan',
  classifyKeys: 'classify_keys',
  search: 'search',
  addItem: 'add_item',
  setQuantity: 'set_quantity',
  voidLine: 'void_line',
  discountLine: 'discount_line',
  discountOrder: 'discount_order',
  pay: 'pay',
  park: 'park',
  parkedCarts: 'parked_carts',
  resume: 'resume',
  cancelCart: 'cancel_cart',
  findReceipt: 'find_receipt',
  returnItems: 'return_items',
  returnReasons: 'return_reasons',
  xReport: 'x_report',
  zReport: 'z_report',
  drawerOpen: 'drawer_open',
  cashMovement: 'cash_movement',
  drawerCount: 'drawer_count',
  status: 'status',
  printerTest: 'printer_test',
  printerStatus: 'printer_status',
  auditLog: 'audit_log',
  syncStatus: 'sync_status',
  hqConflicts: 'hq_conflicts',
  exitKiosk: 'exit_kiosk',
  pickupOrders: 'pickup_orders',
  pickupOrder: 'pickup_order',
  pickupPick: 'pickup_pick',
  pickupStage: 'pickup_stage',
  pickupCheckIn: 'pickup_check_in',
  pickupVerify: 'pickup_verify',
  pickupHandOver: 'pickup_hand_over',
  pickupShip: 'pickup_ship',
  aisleSearch: 'aisle_search',
  aisleQuote: 'aisle_quote',
  aisleOrder: 'aisle_order',
  aisleOrders: 'aisle_orders',
} as const;

export const EVENTS = { status: 'status', scanner: 'scanner' } as const;

/** A decimal string such as "12.90" or "-0.505". */
export type Decimal = string;

export interface Operator {
  code: string;
  name: string;
  role: string;
}

export interface WedgeConfig {
  maxGapMs: number;
  minLength: number;
  prefix: string;
  suffix: string;
}

export interface Session {
  store: string | null;
  register: string | null;
  dataDir: string;
  version: string;
  kiosk: boolean;
  locale: string;
  currency: string | null;
  needsSetup: boolean;
  operator: Operator | null;
  wedge: WedgeConfig;
}

export type Unit = 'each' | 'kg';

export interface Adjustment {
  label: string;
  amount: Decimal;
}

export interface Line {
  line: number;
  sku: string;
  name: string;
  quantity: Decimal;
  unit: Unit;
  unitPrice: Decimal;
  total: Decimal;
  adjustments: Adjustment[];
}

export interface CartView {
  lines: Line[];
  subtotal: Decimal;
  discountTotal: Decimal;
  taxTotal: Decimal;
  total: Decimal;
  currency: string;
  parkedFrom: number | null;
}

export interface ScanResult {
  cart: CartView;
  warnings: string[];
}

export interface KeyStroke {
  key: string;
  atMs: number;
}

export interface KeySegment {
  kind: 'typed' | 'scanned';
  text: string;
}

export interface Item {
  sku: string;
  name: string;
  price: Decimal;
  unit: Unit;
  barcode: string | null;
}

export type TenderKind = 'cash' | 'card' | (string & {});

export interface Tender {
  kind: TenderKind;
  amount: Decimal;
}

export type ReceiptChoice = 'print' | 'email' | 'none';

export interface PayArgs {
  tenders: Tender[];
  approvals: string[];
  receipt: ReceiptChoice;
  email?: string;
}

export interface SaleDone {
  receipt: string;
  total: Decimal;
  change: Decimal;
  receiptText: string;
  printed: boolean;
}

export interface ParkedCart {
  id: number;
  label: string;
  at: string;
  lines: number;
  total: Decimal;
}

export interface ReceiptLine {
  line: number;
  sku: string;
  name: string;
  quantity: Decimal;
  returnable: Decimal;
  total: Decimal;
}

export interface ReceiptView {
  receipt: string;
  at: string;
  total: Decimal;
  lines: ReceiptLine[];
  text: string;
}

export interface ReturnLine {
  line: number;
  quantity: Decimal;
  reason: string;
}

export interface XReport {
  text: string;
  byHour: { hour: number; total: Decimal }[];
  byTender: { tender: string; total: Decimal }[];
}

export interface ZReport {
  text: string;
  number: number;
}

/** Cash moved without a sale. `no_sale` only opens the drawer (no amount). */
export type CashMovementKind = 'paid_in' | 'paid_out' | 'drop' | 'no_sale';

export interface CashMovementArgs {
  kind: CashMovementKind;
  /** left out for `no_sale` */
  amount?: Decimal;
  reason: string;
  approvals: string[];
}

export interface CashMovement {
  movement: number;
  kind: CashMovementKind | (string & {});
  /** signed as it affects the drawer: paid out and drops are negative */
  amount: Decimal;
}

export interface Status {
  online: boolean | null;
  pendingSales: number;
  oldestPendingAgeS: number | null;
  lastSync: string | null;
  printer: string | null;
}

/** The Manager screen's Sync tab: where the register stands with its HQ. */
export interface SyncStatus {
  enrolled: boolean;
  hq: string | null;
  online: boolean;
  lastSuccess: string | null;
  lastAttempt: string | null;
  lastError: string | null;
  pendingSales: number;
  oldestPendingAt: string | null;
  oldestPendingAgeS: number | null;
  catalogVersion: string | null;
}

/** One of HQ's open conflicts of this store. */
export interface StoreConflict {
  kind: string;
  subject: string;
  /** "" for store-wide */
  register: string;
  detail: string;
  needs: string;
  raisedAt: string;
}

export interface PrinterStatus {
  summary: string;
  drawerOpen: boolean;
}

export interface AuditEntry {
  at: string;
  action: string;
  staff: string;
  approver: string | null;
  detail: string;
}

/** Where an online order stands at this store. */
export type PickupStatus =
  | 'new'
  | 'picking'
  | 'picked'
  | 'ready'
  | 'checked_in'
  | 'partly_handed_over'
  | 'handed_over'
  | 'shipped'
  | 'withdrawn';

export interface SubstituteView {
  sku: string;
  /** per unit, for this customer */
  price: Decimal;
  /** how the customer agreed */
  consent: string;
}

export interface OrderLine {
  n: number;
  sku: string;
  title: string;
  quantity: Decimal;
  price: Decimal;
  /** null: not picked yet */
  picked: Decimal | null;
  substitute: SubstituteView | null;
  handedOver: Decimal;
  /** picked and not handed over yet */
  left: Decimal;
}

export interface Handover {
  register: string;
  sale: string;
  at: string;
  by: string;
  idCheck: string;
  lines: { n: number; quantity: Decimal }[];
}

export interface PickupOrder {
  id: string;
  number: string;
  email: string;
  status: PickupStatus;
  paid: 'online' | 'counter';
  fulfilment: 'pickup' | 'ship';
  currency: string;
  withdrawn: string | null;
  bin: string | null;
  checkin: string | null;
  shipment: { carrier: string; tracking: string } | null;
  lines: OrderLine[];
  handovers: Handover[];
}

export interface HandoverLine {
  n: number;
  /** what leaves the store (a substitute's SKU if picked so) */
  sku: string;
  title: string;
  quantity: Decimal;
  price: Decimal;
}

/** A pickup token that verified: what a handover gives now, priced at the order's prices. */
export interface VerifiedPickup {
  order: PickupOrder;
  lines: HandoverLine[];
  cart: CartView;
}

/** Units of one order line for a partial pickup. */
export interface HandLine {
  line: number;
  quantity: Decimal;
}

export interface PickArgs {
  /** the order's id, number or email */
  order: string;
  line: number;
  quantity: Decimal;
  substitute?: SubstituteView;
}

export interface HandOverArgs {
  token: string;
  /** left out: everything picked and not handed over */
  lines?: HandLine[];
  idCheck: string;
  /** counter-paid orders only; online-paid ones are tendered "online" by the register */
  tenders: Tender[];
  approvals: string[];
  receipt: ReceiptChoice;
}

export interface ShipArgs {
  order: string;
  carrier: string;
  tracking: string;
  approvals: string[];
  receipt: ReceiptChoice;
}

/** What every command rejects with. */
export interface CommandError {
  code: string;
  message: string;
}

export function isCommandError(e: unknown): e is CommandError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as CommandError).code === 'string' &&
    typeof (e as CommandError).message === 'string'
  );
}

/** Any rejection as a `{code, message}`: strings and exceptions are wrapped. */
export function toCommandError(e: unknown): CommandError {
  if (isCommandError(e)) return e;
  if (e instanceof Error) return { code: 'error', message: e.message };
  return { code: 'error', message: String(e) };
}

async function call<T>(name: keyof typeof COMMANDS, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(COMMANDS[name], args);
  } catch (e) {
    throw toCommandError(e);
  }
}

/** Drops keys whose value is undefined, so optional arguments are simply absent. */
function defined(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

export const api = {
  session: () => call<Session>('session'),
  createDemoRegister: () => call<Session>('createDemoRegister'),
  enroll: (hq: string, token: string) => call<Session>('enroll', { hq, token }),

  signIn: (code: string, pin: string) => call<Operator>('signIn', { code, pin }),
  signOut: () => call<void>('signOut'),

  cart: () => call<CartView>('cart'),
  scan: (code: string, quantity?: Decimal) =>
    call<ScanResult>('scan', defined({ code, quantity })),
  classifyKeys: (keys: KeyStroke[]) => call<KeySegment[]>('classifyKeys', { keys }),
  search: (text: string, limit: number) => call<Item[]>('search', { text, limit }),
  addItem: (sku: string, quantity?: Decimal) =>
    call<CartView>('addItem', defined({ sku, quantity })),
  setQuantity: (line: number, quantity: Decimal) =>
    call<CartView>('setQuantity', { line, quantity }),
  voidLine: (line: number, approvals?: string[]) =>
    call<CartView>('voidLine', defined({ line, approvals })),
  discountLine: (line: number, discount: string) =>
    call<CartView>('discountLine', { line, discount }),
  discountOrder: (discount: string) => call<CartView>('discountOrder', { discount }),

  pay: (args: PayArgs) => call<SaleDone>('pay', defined({ ...args })),
  park: (label: string) => call<{ parked: number }>('park', { label }),
  parkedCarts: () => call<ParkedCart[]>('parkedCarts'),
  resume: (id: number) => call<CartView>('resume', { id }),
  cancelCart: (approvals?: string[]) => call<CartView>('cancelCart', defined({ approvals })),

  findReceipt: (text: string) => call<ReceiptView>('findReceipt', { text }),
  returnItems: (receipt: string, lines: ReturnLine[], approvals: string[]) =>
    call<SaleDone>('returnItems', { receipt, lines, approvals }),
  returnReasons: () => call<string[]>('returnReasons'),

  xReport: () => call<XReport>('xReport'),
  zReport: (cash: string, approvals: string[]) => call<ZReport>('zReport', { cash, approvals }),

  /** Opens a cash session; `float` is counted by denomination ("20x5,10x5,0.50x10"). */
  drawerOpen: (float: string) => call<{ session: number }>('drawerOpen', { float }),
  /** Paid in / paid out / drop / no sale; paid out and no sale may need a manager. */
  cashMovement: (args: CashMovementArgs) => call<CashMovement>('cashMovement', defined({ ...args })),
  /** A blind count: the answer says nothing about what should be in the drawer. */
  drawerCount: (cash: string) => call<void>('drawerCount', { cash }),

  status: () => call<Status>('status'),
  printerTest: () => call<void>('printerTest'),
  printerStatus: () => call<PrinterStatus>('printerStatus'),
  auditLog: (limit: number) => call<AuditEntry[]>('auditLog', { limit }),
  syncStatus: () => call<SyncStatus>('syncStatus'),
  /** HQ's open conflicts of this store; `offline` when HQ is out of reach. */
  hqConflicts: () => call<StoreConflict[]>('hqConflicts'),
  /** Leaves kiosk mode (the app closes); needs a manager's approval. */
  exitKiosk: (approvals: string[]) => call<void>('exitKiosk', { approvals }),

  pickupOrders: () => call<PickupOrder[]>('pickupOrders'),
  pickupOrder: (text: string) => call<PickupOrder>('pickupOrder', { text }),
  pickupPick: (args: PickArgs) => call<PickupOrder>('pickupPick', defined({ ...args })),
  pickupStage: (order: string, bin: string) => call<PickupOrder>('pickupStage', { order, bin }),
  pickupCheckIn: (order: string, spot: string) => call<PickupOrder>('pickupCheckIn', { order, spot }),
  /** Rejects with token_forged, token_expired, token_other_store, token_malformed, token_used… */
  pickupVerify: (token: string, lines?: HandLine[]) =>
    call<VerifiedPickup>('pickupVerify', defined({ token, lines })),
  pickupHandOver: (args: HandOverArgs) => call<SaleDone>('pickupHandOver', defined({ ...args })),
  pickupShip: (args: ShipArgs) => call<SaleDone>('pickupShip', defined({ ...args })),

  onStatus: (handler: (s: Status) => void): Promise<UnlistenFn> =>
    listen<Status>(EVENTS.status, (e) => handler(e.payload)),
  onScanner: (handler: (code: string) => void): Promise<UnlistenFn> =>
    listen<{ code: string }>(EVENTS.scanner, (e) => handler(e.payload.code)),

  /** The chain's catalog with each location's stock (HQ's last snapshot, and its age). */
  aisleSearch: (text: string, limit: number) => call<AisleItem[]>('aisleSearch', { text, limit }),
  /** What an endless-aisle order for `lines` would charge now (nothing is stored). */
  aisleQuote: (lines: AisleLine[]) => call<CartView>('aisleQuote', { lines }),
  /** Places and pays an endless-aisle order; it waits in the outbox until a sync takes it to HQ. */
  aisleOrder: (args: AisleOrderArgs) => call<AisleOrderDone>('aisleOrder', defined({ ...args })),
  /** The endless-aisle orders placed here, newest first. */
  aisleOrders: (waiting = false) => call<AisleOrder[]>('aisleOrders', { waiting }),
};

export type Api = typeof api;

/** A location's stock of an item in the chain's snapshot. */
export interface AisleStock {
  location: string;
  available: Decimal;
  /** customers can collect orders there (a DC cannot) */
  pickup: boolean;
}

/** An endless-aisle search result. */
export interface AisleItem {
  sku: string;
  name: string;
  price: Decimal;
  unit: Unit;
  stock: AisleStock[];
  /** when HQ took the stock snapshot; null: never fetched */
  snapshotAt: string | null;
  ageSeconds: number | null;
}

/** A line of an endless-aisle basket: whole pieces. */
export interface AisleLine {
  sku: string;
  quantity: Decimal;
}

/** Where an endless-aisle order goes. */
export type AisleDelivery =
  | { method: 'pickup'; location: string }
  | {
      method: 'ship';
      zip: string;
      city: string;
      countryCode: string;
      latitude?: string;
      longitude?: string;
    };

export interface AisleOrderArgs {
  lines: AisleLine[];
  delivery: AisleDelivery;
  /** the customer's: the order's confirmation and pickup notices go there */
  email: string;
  tenders: Tender[];
  approvals: string[];
  receipt: ReceiptChoice;
}

/** An endless-aisle order in the register's outbox. */
export interface AisleOrder {
  /** its id at HQ, `aisle-STORE:ID` */
  order: string;
  id: string;
  number: string;
  saleSeq: number | null;
  email: string;
  delivery: {
    method: 'pickup' | 'ship' | (string & {});
    location: string | null;
    zip: string | null;
    city: string | null;
    countryCode: string | null;
  };
  createdAt: string;
  state: 'waiting' | 'sent' | (string & {});
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  hqStatus: string | null;
}

export interface AisleOrderDone {
  order: string;
  sale: SaleDone;
  outbox: AisleOrder | null;
}
