// Every call from the UI to the Rust side goes through this module.
//
// Wire names: Tauri routes `invoke(name)` to the Rust function of that exact name, so the
// command names below are the snake_case names of the `#[tauri::command]` functions. The
// JS wrappers keep camelCase names. Top-level arguments are sent in camelCase (Tauri maps
// them to snake_case parameters); nested objects and every answer are the Rust types of
// crates/till-api as they are, snake_case, typed by the generated types.gen.ts.
//
// Money and quantities are decimal strings end to end: never parse them into numbers.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
// Every shape that crosses the boundary is generated from the Rust types (crates/till-api)
// into types.gen.ts; the names below are the screens' names for them.
import type {
  AisleItemView,
  AisleRefreshView,
  AisleOrderDone,
  AisleOrderView,
  AisleStockView,
  AdjustmentView,
  AuditView,
  StaffListView,
  CartLineView,
  CartView,
  CashMovementView,
  ConflictView,
  Decimal,
  DrawerOpened,
  ErrorDetails,
  ErrorView,
  HandLineArg,
  HandoverLineView,
  HandoverView,
  ItemView,
  KeyArg,
  KeyEvent,
  OnlineOrderView,
  OperatorView,
  OrderLineView,
  ParkedCartView,
  PickupOrderView,
  QuarantinedView,
  PrinterSummaryView,
  FoundReceiptView,
  ReceiptLineView,
  ReceiptView,
  ReturnDocArg,
  ReturnItemArg,
  ReturnLineArg,
  ReturnQuoteView,
  SaleDone,
  ScanView,
  SessionView,
  StatusView,
  SubstituteView,
  SyncStatusView,
  ConfigStateView,
  UnreadableOrderView,
  TenderArg,
  TenderPreviewView,
  TrustArg,
  VerifiedView,
  WedgeView,
  XReportReply,
  ZReportReply,
} from './types.gen';

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
  tenderPreview: 'tender_preview',
  park: 'park',
  parkedCarts: 'parked_carts',
  resume: 'resume',
  cancelCart: 'cancel_cart',
  findReceipt: 'find_receipt',
  quoteReturn: 'quote_return',
  completeReturn: 'complete_return',
  borisFind: 'boris_find',
  borisReturn: 'boris_return',
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
  staffList: 'staff_list',
  staffChange: 'staff_change',
  syncStatus: 'sync_status',
  configShow: 'config_show',
  configSet: 'config_set',
  hqConflicts: 'hq_conflicts',
  exitKiosk: 'exit_kiosk',
  pickupOrders: 'pickup_orders',
  pickupOrder: 'pickup_order',
  pickupUnreadable: 'pickup_unreadable',
  pickupPick: 'pickup_pick',
  pickupStage: 'pickup_stage',
  pickupCheckIn: 'pickup_check_in',
  pickupVerify: 'pickup_verify',
  pickupHandOver: 'pickup_hand_over',
  pickupShip: 'pickup_ship',
  aisleSearch: 'aisle_search',
  aisleRefresh: 'aisle_refresh',
  aisleQuote: 'aisle_quote',
  aisleOrder: 'aisle_order',
  aisleOrders: 'aisle_orders',
  aisleReplace: 'aisle_replace',
} as const;

export const EVENTS = { status: 'status', scanner: 'scanner' } as const;



export type {
  AisleOrderDone,
  CartView,
  Decimal,
  ErrorDetails,
  FoundReceiptView,
  ReceiptView,
  SaleDone,
  SubstituteView,
};
export type Operator = OperatorView;
export type WedgeConfig = WedgeView;
export type Session = SessionView;
export type Unit = CartLineView['unit'];
export type Adjustment = AdjustmentView;
export type Line = CartLineView;
export type ScanResult = ScanView;
export type KeyStroke = KeyArg;
export type KeySegment = KeyEvent;
export type Item = ItemView;
export type ParkedCart = ParkedCartView;
export type ReceiptLine = ReceiptLineView;
export type ReturnLine = ReturnLineArg;
export type ReturnItem = ReturnItemArg;
/** A whole return or exchange as the Returns screen holds it. */
export type ReturnDoc = ReturnDocArg;
export type ReturnQuote = ReturnQuoteView;
/** An online order found for a return in store (BORIS). */
export type OnlineOrder = OnlineOrderView;
/** An online order named by its number with the customer's e-mail, or by its code. */
export interface OrderQuery {
  number?: string;
  email?: string;
  code?: string;
}
/** A return of an online order: one reason for the document, refunded `online` (HQ lists
 * it for the webstore), as store `credit`, or in `cash`. */
export interface BorisReturnArgs extends OrderQuery {
  lines: HandLineArg[];
  reason: string;
  damaged: boolean;
  refund: 'online' | 'credit' | 'cash';
  approvals: string[];
}
/** Where a refund goes (the register's spelling). */
export type RefundMethod = 'original' | 'cash' | 'credit';
export type XReport = XReportReply;
export type ZReport = ZReportReply;
export type CashMovement = CashMovementView;
export type Status = StatusView;
/** How HQ's certificate is trusted at enrollment. */
export type TrustChoice = TrustArg;
export type SyncStatus = SyncStatusView;
export type ConfigState = ConfigStateView;
export type StoreConflict = ConflictView;
export type Quarantined = QuarantinedView;
export type PrinterStatus = PrinterSummaryView;
export type AuditEntry = AuditView;
export type StaffList = StaffListView;
/** What the Staff tab changes about someone. */
export type StaffChangeKind = 'unlock' | 'remove' | 'role' | 'pin';
export type PickupStatus = PickupOrderView['status'];
export type OrderLine = OrderLineView;
export type Handover = HandoverView;
export type PickupOrder = PickupOrderView;
export type UnreadableOrder = UnreadableOrderView;
export type HandoverLine = HandoverLineView;
export type VerifiedPickup = VerifiedView;
export type HandLine = HandLineArg;
export type AisleStock = AisleStockView;
export type AisleItem = AisleItemView;
export type AisleOrder = AisleOrderView;
export type TenderPreview = TenderPreviewView;

export type TenderKind = 'cash' | 'card' | (string & {});

export interface Tender extends TenderArg {
  kind: TenderKind;
}

export type ReceiptChoice = 'print' | 'email' | 'none';

/** A return or exchange to commit: `tenders` pay what an exchange leaves due, `refund` says
 * where what is owed goes. `key` as for a payment. */
export interface ReturnArgs {
  key: string;
  doc: ReturnDoc;
  tenders: Tender[];
  refund: RefundMethod;
  approvals: string[];
}

export interface PayArgs {
  /** The payment's idempotency key: the same for every try of one payment, so a retry
   * after a lost answer returns the sale committed the first time. */
  key: string;
  tenders: Tender[];
  approvals: string[];
  receipt: ReceiptChoice;
  email?: string;
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

/** What every command rejects with: a stable code, a message for a person, and the
 * refusal's data (`details`, by `kind`) for saying it in the screen's own words. */
export type CommandError = ErrorView;

export function isCommandError(e: unknown): e is CommandError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as CommandError).code === 'string' &&
    typeof (e as CommandError).message === 'string'
  );
}

/** Any rejection as a `{code, message, details}`: strings and exceptions are wrapped. */
export function toCommandError(e: unknown): CommandError {
  if (isCommandError(e)) return { ...e, details: e.details ?? null };
  if (e instanceof Error) return { code: 'error', message: e.message, details: null };
  return { code: 'error', message: String(e), details: null };
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
  /** Enrolls with HQ, trusting its certificate by `trust` (the system's roots when absent);
   * `reEnroll` moves an enrolled register (after the manager confirmed). */
  enroll: (hq: string, token: string, trust?: TrustChoice, reEnroll?: boolean) =>
    call<Session>('enroll', defined({ hq, token, trust, reEnroll })),

  signIn: (code: string, pin: string) => call<Operator>('signIn', { code, pin }),
  signOut: () => call<void>('signOut'),

  cart: () => call<CartView>('cart'),
  /** A code as a scanner sent it (with a quantity, e.g. a weight from the keypad). */
  scan: (code: string, quantity?: Decimal) => call<ScanResult>('scan', defined({ code, quantity })),
  /** What the cashier typed into the scan box, read by the register's grammar
   * (`3*CODE`, `CODE*0.412`). */
  enter: (text: string) => call<ScanResult>('scan', { code: text, typed: true }),
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

  /** How far `tenders` go toward `total`, as the register will settle them (cash rounding). */
  tenderPreview: (total: Decimal, tenders: Tender[]) => call<TenderPreview>('tenderPreview', { total, tenders }),
  pay: (args: PayArgs) => call<SaleDone>('pay', defined({ ...args })),
  park: (label: string) => call<number>('park', { label }),
  parkedCarts: () => call<ParkedCart[]>('parkedCarts'),
  resume: (id: number) => call<CartView>('resume', { id }),
  cancelCart: (approvals?: string[]) => call<CartView>('cancelCart', defined({ approvals })),

  findReceipt: (text: string) => call<FoundReceiptView>('findReceipt', { text }),
  /** What a return or exchange comes to now, as the register quotes it. */
  quoteReturn: (doc: ReturnDoc) => call<ReturnQuote>('quoteReturn', { doc }),
  completeReturn: (args: ReturnArgs) => call<SaleDone>('completeReturn', { ...args }),
  borisFind: (query: OrderQuery) => call<OnlineOrder>('borisFind', defined({ ...query })),
  borisReturn: (args: BorisReturnArgs) => call<SaleDone>('borisReturn', defined({ ...args })),
  returnReasons: () => call<string[]>('returnReasons'),

  xReport: () => call<XReport>('xReport'),
  zReport: (cash: string, approvals: string[]) => call<ZReport>('zReport', { cash, approvals }),

  /** Opens a cash session; `float` is counted by denomination ("20x5,10x5,0.50x10"). */
  drawerOpen: (float: string) => call<DrawerOpened>('drawerOpen', { float }),
  /** Paid in / paid out / drop / no sale; paid out and no sale may need a manager. */
  cashMovement: (args: CashMovementArgs) => call<CashMovement>('cashMovement', defined({ ...args })),
  /** A blind count: the answer says nothing about what should be in the drawer. */
  drawerCount: (cash: string) => call<void>('drawerCount', { cash }),

  status: () => call<Status>('status'),
  printerTest: () => call<void>('printerTest'),
  printerStatus: () => call<PrinterStatus>('printerStatus'),
  auditLog: (limit: number) => call<AuditEntry[]>('auditLog', { limit }),
  staffList: () => call<StaffList>('staffList'),
  /** Changes staff member `code` (`value`: the role or PIN); HQ's people are refused. */
  staffChange: (code: string, change: StaffChangeKind, value?: string, approvals: string[] = []) =>
    call<StaffList>('staffChange', defined({ code, change, value, approvals })),
  syncStatus: () => call<SyncStatus>('syncStatus'),
  /** The store configuration in force: version, source (local or hq), since when, values. */
  configShow: () => call<ConfigState>('configShow'),
  /** Local edits (`KEY=VALUE` each) as the next local version; `owned_by_hq` when enrolled. */
  configSet: (edits: string[], reason: string, approvals: string[]) =>
    call<ConfigState>('configSet', { edits, reason, approvals }),
  /** HQ's open conflicts of this store; `offline` when HQ is out of reach. */
  hqConflicts: () => call<StoreConflict[]>('hqConflicts'),
  /** Leaves kiosk mode (the app closes); needs a manager's approval. */
  exitKiosk: (approvals: string[]) => call<void>('exitKiosk', { approvals }),

  pickupOrders: () => call<PickupOrder[]>('pickupOrders'),
  pickupOrder: (text: string) => call<PickupOrder>('pickupOrder', { text }),
  /** Order documents left out of the list (they do not read as orders), and why. */
  pickupUnreadable: () => call<UnreadableOrder[]>('pickupUnreadable'),
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
  /** Asks HQ now what changed in the chain's stock (the Aisle screen, when it opens). */
  aisleRefresh: () => call<AisleRefreshView>('aisleRefresh', {}),
  /** What an endless-aisle order for `lines` would charge now (nothing is stored). */
  aisleQuote: (lines: AisleLine[]) => call<CartView>('aisleQuote', { lines }),
  /** Places and pays an endless-aisle order; it waits in the outbox until a sync takes it to HQ. */
  aisleOrder: (args: AisleOrderArgs) => call<AisleOrderDone>('aisleOrder', defined({ ...args })),
  /** The endless-aisle orders placed here, newest first. */
  aisleOrders: (waiting = false) => call<AisleOrder[]>('aisleOrders', { waiting }),
  /** Places an order HQ refused again, as it was; it goes with the next sync. */
  aisleReplace: (id: string) => call<AisleOrder>('aisleReplace', { id }),
};

export type Api = typeof api;

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
      country_code: string;
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
