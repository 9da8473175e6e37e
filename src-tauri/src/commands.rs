//! The Tauri commands: each adapts one register-service call to the screen's JSON and the
//! `{code, message}` error shape; none holds a business rule (prices, permissions, returns
//! are the register's). All are async and run their work off the main thread.

use tauri::State;
use till_barcode::{WedgeDetector, WedgeEvent};
use till_domain::{Cart, SaleRecord};
use till_register::{Copy, Register, Settle};

use till_api::args::{KeyArg, TenderArg, TrustArg, decimal};
use till_api::{
    AuditView, CartView, CashMovementView, ConfigStateView, ConflictView, DrawerOpened, FoundReceiptView, ItemView,
    KeyEvent, OperatorView, ParkedCartView, PrinterSummaryView, SaleDone, ScanView, SessionView, StatusView,
    SyncStatusView, TenderPreviewView, WedgeView, XReportReply, ZReportReply,
};

use crate::error::AppError;
use crate::state::{AppState, Session};

pub(crate) type Reply<T> = Result<T, AppError>;

/// An `input` error: something the screen sent that cannot be used.
pub(crate) fn input(message: impl Into<String>) -> AppError {
    AppError::new("input", message)
}

fn cart_view(s: &mut Session) -> Reply<CartView> {
    let (reg, cart) = s.parts()?;
    let priced = reg.price(cart)?;
    Ok(CartView::new(&priced, reg.config().currency.code(), cart.resumed_from()))
}

fn session_view(state_dir: &std::path::Path, kiosk: bool, s: &mut Session) -> SessionView {
    let operator = s.signed_in.as_ref().map(|(o, _)| OperatorView::from(o));
    let (store, register, currency, wedge) = match &s.register {
        Some(reg) => {
            let c = reg.config();
            (
                Some(c.store.clone()),
                Some(c.register.clone()),
                Some(c.currency.code().to_string()),
                c.scanner.wedge.clone(),
            )
        }
        None => (None, None, None, till_barcode::WedgeConfig::default()),
    };
    SessionView {
        store,
        register,
        data_dir: state_dir.display().to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        kiosk,
        locale: std::env::var("TILL_LOCALE").unwrap_or_else(|_| "en".to_string()),
        currency,
        needs_setup: s.register.is_none(),
        operator,
        wedge: WedgeView::from(&wedge),
    }
}

/// Who and where: the start of every screen.
#[tauri::command]
pub async fn session(state: State<'_, AppState>) -> Reply<SessionView> {
    let (dir, kiosk) = (state.dir.clone(), state.kiosk);
    state.with(move |s| Ok(session_view(&dir, kiosk, s))).await
}

/// First start: a demo register (the demo store, its catalog, a manager 1/1234 and a
/// cashier 2/5678) in the empty data directory.
#[tauri::command]
pub async fn create_demo_register(app: tauri::AppHandle, state: State<'_, AppState>) -> Reply<SessionView> {
    let (dir, kiosk) = (state.dir.clone(), state.kiosk);
    let view = state
        .with(move |s| {
            if s.register.is_some() {
                return Err(input("this data directory already holds a register"));
            }
            s.register = Some(crate::demo::create(&dir).map_err(|e| AppError::new("setup", format!("{e:#}")))?);
            Ok(session_view(&dir, kiosk, s))
        })
        .await?;
    if let (Some(window), Some(store), Some(register)) =
        (tauri::Manager::get_webview_window(&app, "main"), &view.store, &view.register)
    {
        let _ = window.set_title(&format!("Till — {store} / {register}"));
    }
    Ok(view)
}

/// Enrolls this register with HQ (the one-time token from `till-hq register add`), verifying
/// HQ by `trust` (the system roots when absent); `re_enroll` moves an enrolled register.
#[tauri::command]
pub async fn enroll(
    state: State<'_, AppState>,
    hq: String,
    token: String,
    trust: Option<TrustArg>,
    re_enroll: Option<bool>,
) -> Reply<SessionView> {
    let (dir, kiosk) = (state.dir.clone(), state.kiosk);
    state
        .with(move |s| {
            // Before any staff exists (first start) nobody signs in; after that the
            // signed-in person's role decides (configure_sync).
            let reg_in_setup = s.register()?.in_setup()?;
            let signed_in = s.signed_in.as_ref().map(|(_, auth)| auth.clone());
            let mut auth = match (signed_in, reg_in_setup) {
                (Some(auth), _) => auth,
                (None, true) => s.register()?.authority(None, &[])?,
                (None, false) => return Err(AppError::new("sign_in", "sign in first")),
            };
            let trust = trust.unwrap_or(TrustArg::System).trust()?;
            let request =
                till_register::Enrollment { url: &hq, token: &token, trust, re_enroll: re_enroll.unwrap_or(false) };
            s.register()?.enroll(&mut auth, &request)?;
            Ok(session_view(&dir, kiosk, s))
        })
        .await
}

/// Signs a staff member in with their code and PIN.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, code: String, pin: String) -> Reply<OperatorView> {
    state
        .with(move |s| {
            let (operator, auth) = s.register()?.sign_in_authority(&code, &pin)?;
            let view = OperatorView::from(&operator);
            s.signed_in = Some((operator, auth));
            Ok(view)
        })
        .await
}

/// Signs out (the idle lock): the cart stays for the next sign-in.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Reply<()> {
    state
        .with(|s| {
            s.signed_in = None;
            Ok(())
        })
        .await
}

/// The cart on screen.
#[tauri::command]
pub async fn cart(state: State<'_, AppState>) -> Reply<CartView> {
    state.with(cart_view).await
}

/// A scanned code (barcode, GS1, SKU) as the scanner sent it, optionally with a quantity;
/// or, `typed`, what the cashier typed into the scan box, read with the register's one
/// grammar (`QTY*CODE` or `CODE*QTY`, `till_register::parse_scan_entry`). A quantity given
/// here wins over one in the text.
#[tauri::command]
pub async fn scan(
    state: State<'_, AppState>,
    code: String,
    quantity: Option<String>,
    typed: Option<bool>,
) -> Reply<ScanView> {
    state
        .with(move |s| {
            let given = quantity.as_deref().map(|q| decimal(q, "quantity")).transpose()?;
            let (code, quantity) = if typed == Some(true) {
                let entry = till_register::parse_scan_entry(&code)?;
                (entry.code, given.or(entry.quantity))
            } else {
                (code, given)
            };
            start_of_sale(s)?;
            let reg = s.register.as_ref().ok_or_else(|| AppError::new("needs_setup", "no register"))?;
            let scanned = reg.scan_code(&mut s.cart, &code, quantity)?;
            let priced = reg.price(&s.cart)?;
            if let Err(e) = reg.show_cart(&priced) {
                tracing::warn!(error = %e, "customer display");
            }
            let cart = CartView::new(&priced, reg.config().currency.code(), s.cart.resumed_from());
            Ok(ScanView { cart, warnings: scanned.warnings })
        })
        .await
}

/// The start of a sale (the first item into an empty cart): a configuration version due
/// by now takes effect here — never while a cart is open.
fn start_of_sale(s: &mut Session) -> Result<(), AppError> {
    if s.cart.is_empty()
        && let Some(reg) = s.register.as_mut()
        && let Some(version) = reg.apply_due_config()?
    {
        tracing::info!(%version, "configuration switched at the start of a sale");
    }
    Ok(())
}

/// Tells a keyboard-wedge scanner from typing in a burst of keys (the store's scanner
/// timing and prefix/suffix; `till_barcode::WedgeDetector`).
#[tauri::command]
pub async fn classify_keys(state: State<'_, AppState>, keys: Vec<KeyArg>) -> Reply<Vec<KeyEvent>> {
    state
        .with(move |s| {
            let config = s.register.as_ref().map(|r| r.config().scanner.wedge.clone()).unwrap_or_default();
            let mut detector = WedgeDetector::new(config);
            let mut out = Vec::new();
            for k in keys {
                let key = match k.key.as_str() {
                    "Enter" => '\n',
                    "Tab" => '\t',
                    other => match other.chars().collect::<Vec<_>>().as_slice() {
                        [c] => *c,
                        _ => continue, // Shift, arrows…: not characters
                    },
                };
                // Whole milliseconds: the detector's resolution.
                let at_ms = k.at_ms.max(0.0).round() as u64;
                out.extend(detector.key(key, at_ms));
            }
            out.extend(detector.tick(u64::MAX)); // what is left at the end was typing
            Ok(out
                .into_iter()
                .map(|e| match e {
                    WedgeEvent::Typed(text) => KeyEvent { kind: "typed", text },
                    WedgeEvent::Scanned(text) => KeyEvent { kind: "scanned", text },
                })
                .collect())
        })
        .await
}

/// Catalog search (name, SKU or barcode), for the search box.
#[tauri::command]
pub async fn search(state: State<'_, AppState>, text: String, limit: usize) -> Reply<Vec<ItemView>> {
    state
        .with(move |s| {
            let items = s.register()?.search(&text, limit.clamp(1, 100))?;
            Ok(items.iter().map(ItemView::from).collect())
        })
        .await
}

/// Adds an item picked from search.
#[tauri::command]
pub async fn add_item(state: State<'_, AppState>, sku: String, quantity: Option<String>) -> Reply<CartView> {
    state
        .with(move |s| {
            let quantity = quantity.as_deref().map(|q| decimal(q, "quantity")).transpose()?;
            start_of_sale(s)?;
            let reg = s.register.as_ref().ok_or_else(|| AppError::new("needs_setup", "no register"))?;
            reg.scan(&mut s.cart, &sku, quantity)?;
            cart_view(s)
        })
        .await
}

/// Changes a line's quantity.
#[tauri::command]
pub async fn set_quantity(state: State<'_, AppState>, line: u32, quantity: String) -> Reply<CartView> {
    state
        .with(move |s| {
            s.cart.set_quantity(till_domain::LineId(line), decimal(&quantity, "quantity")?)?;
            cart_view(s)
        })
        .await
}

/// Voids a line (checked, with its approval, when the sale completes).
#[tauri::command]
pub async fn void_line(state: State<'_, AppState>, line: u32) -> Reply<CartView> {
    state
        .with(move |s| {
            s.cart.void_line(till_domain::LineId(line))?;
            cart_view(s)
        })
        .await
}

/// A discount on a line: `10%` or an amount.
#[tauri::command]
pub async fn discount_line(state: State<'_, AppState>, line: u32, discount: String) -> Reply<CartView> {
    state
        .with(move |s| {
            let d = till_register::parse_discount(&discount, s.register()?)?;
            s.cart.discount_line(till_domain::LineId(line), d)?;
            cart_view(s)
        })
        .await
}

/// A discount on the whole order.
#[tauri::command]
pub async fn discount_order(state: State<'_, AppState>, discount: String) -> Reply<CartView> {
    state
        .with(move |s| {
            let d = till_register::parse_discount(&discount, s.register()?)?;
            s.cart.discount_order(d)?;
            cart_view(s)
        })
        .await
}

/// Whether the receipt of the sale about to be committed prints: `print` (the default) or
/// not (`none`). An emailed receipt is refused before the sale, not after.
pub(crate) fn receipt_prints(receipt: Option<&str>) -> Reply<bool> {
    if receipt == Some("email") {
        // Nothing would send it: say so before the sale, not after.
        return Err(input(
            "emailed receipts need a mail server, which this register does not have: print one or give none",
        ));
    }
    Ok(receipt.unwrap_or("print") == "print")
}

/// The screen's answer for a committed `sale`: its queued receipt dropped unless it is to
/// `print` (the background print worker prints the rest), the customer display updated.
pub(crate) fn sale_done(reg: &Register, sale: &SaleRecord, print: bool) -> SaleDone {
    if !print && let Err(e) = reg.skip_receipt(sale) {
        tracing::warn!(error = %e, "the receipt's print job stays queued");
    }
    let text = reg.receipt_text(sale, Copy::Original);
    if let Err(e) = reg.show_sale(sale) {
        tracing::warn!(error = %e, "customer display");
    }
    SaleDone::new(sale, text, print && reg.config().printer.is_some())
}

/// How far `tenders` go toward `total` (a cart's or a quote's total, as the register
/// priced it), as the register will settle them: the tender dialog's figures, cash rounding
/// included.
#[tauri::command]
pub async fn tender_preview(
    state: State<'_, AppState>,
    total: String,
    tenders: Vec<TenderArg>,
) -> Reply<TenderPreviewView> {
    state
        .with(move |s| {
            let reg = s.register()?;
            let total = till_domain::Money::new(decimal(&total, "total")?);
            let tenders = till_api::args::tenders(reg, &tenders)?;
            Ok(TenderPreviewView::from(&reg.preview_tenders(total, &tenders)?))
        })
        .await
}

/// Completes the sale with `tenders` (approvals: manager `CODE:PIN`s for what needs one —
/// the register says which with a `permission` error). The receipt is queued for the
/// printer (unless `none`/`email`); the cart is cleared only when the sale committed.
/// `key` is the payment's idempotency key, kept by the screen until it sees the answer:
/// a retried payment returns the sale committed the first time and sells nothing twice.
#[tauri::command]
pub async fn pay(
    state: State<'_, AppState>,
    key: String,
    tenders: Vec<TenderArg>,
    approvals: Vec<String>,
    receipt: Option<String>,
) -> Reply<SaleDone> {
    state
        .with(move |s| {
            let print = receipt_prints(receipt.as_deref())?;
            let (reg, cart, mut auth) = s.acting(&approvals)?;
            let tenders = till_api::args::tenders(reg, &tenders)?;
            let sale = reg.complete_sale_once(&key, cart, Settle::Tenders(&tenders), &mut auth)?;
            *cart = Cart::new();
            Ok(sale_done(reg, &sale, print))
        })
        .await
}

/// Parks the cart under a label.
#[tauri::command]
pub async fn park(state: State<'_, AppState>, label: String) -> Reply<u64> {
    state
        .with(move |s| {
            let (reg, cart) = s.parts()?;
            let id = reg.park(cart, &label)?;
            *cart = Cart::new();
            Ok(id)
        })
        .await
}

/// The parked carts.
#[tauri::command]
pub async fn parked_carts(state: State<'_, AppState>) -> Reply<Vec<ParkedCartView>> {
    state
        .with(|s| {
            let reg = s.register()?;
            let mut out = Vec::new();
            for p in reg.parked()? {
                let cart = reg.resume(p.id)?;
                let priced = reg.price(&cart)?;
                out.push(ParkedCartView {
                    id: p.id,
                    label: p.label,
                    parked_at: p.parked_at,
                    lines: priced.lines.len() as u64,
                    total: till_api::Dec::of(priced.total),
                });
            }
            Ok(out)
        })
        .await
}

/// Resumes a parked cart (replacing an empty one).
#[tauri::command]
pub async fn resume(state: State<'_, AppState>, id: u64) -> Reply<CartView> {
    state
        .with(move |s| {
            if !s.cart.is_empty() {
                return Err(input("park or finish the cart on screen first"));
            }
            s.cart = s.register()?.resume(id)?;
            cart_view(s)
        })
        .await
}

/// Cancels the cart (a permission when it has lines).
#[tauri::command]
pub async fn cancel_cart(state: State<'_, AppState>, approvals: Option<Vec<String>>) -> Reply<CartView> {
    state
        .with(move |s| {
            if !s.cart.is_empty() {
                let (reg, cart, mut auth) = s.acting(&approvals.unwrap_or_default())?;
                reg.void_cart(cart, &mut auth)?;
            }
            s.cart = Cart::new();
            cart_view(s)
        })
        .await
}

/// A receipt found by number or scanned code — here, in a store peer's copy or at HQ, and
/// where — with what is left to return per line (returns made anywhere counted).
#[tauri::command]
pub async fn find_receipt(state: State<'_, AppState>, text: String) -> Reply<FoundReceiptView> {
    state
        .with(move |s| {
            let auth = s.authority();
            let reg = s.register()?;
            let found = reg.find_receipt_anywhere(&auth, &text)?;
            let left = reg.returnable(&found.sale)?;
            Ok(FoundReceiptView::new(&found, &left, reg.receipt_text(&found.sale, Copy::Original)))
        })
        .await
}

/// The store's return reasons.
#[tauri::command]
pub async fn return_reasons(state: State<'_, AppState>) -> Reply<Vec<String>> {
    state.with(|s| Ok(s.register()?.config().returns.reasons.clone())).await
}

/// The X report: its figures, sales by hour for the chart, and the printed layout.
#[tauri::command]
pub async fn x_report(state: State<'_, AppState>) -> Reply<XReportReply> {
    state
        .with(|s| {
            let auth = s.authority();
            let reg = s.register()?;
            let report = reg.x_report(&auth)?;
            let by_hour = reg.sales_by_hour(report.session)?;
            Ok(XReportReply::new(&report, &by_hour, reg.x_report_text(&report)))
        })
        .await
}

/// Closes the day: the counted cash, a numbered Z report (a permission).
#[tauri::command]
pub async fn z_report(state: State<'_, AppState>, cash: String, approvals: Vec<String>) -> Reply<ZReportReply> {
    state
        .with(move |s| {
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let count = reg.parse_count(&cash, &[])?;
            let report = reg.close_drawer_session(&mut auth, Some(&count))?;
            Ok(ZReportReply::new(&report, reg.z_report_text(&report, Copy::Original)))
        })
        .await
}

/// Opens a cash session with the float counted by denomination (`20x5,10x5`).
#[tauri::command]
pub async fn drawer_open(state: State<'_, AppState>, float: String) -> Reply<DrawerOpened> {
    state
        .with(move |s| {
            let (reg, _, auth) = s.acting(&[])?;
            let count = reg.parse_count(&float, &[])?;
            let session = reg.open_drawer_session(&auth, &count.cash)?;
            let total = count.cash.total().map_err(till_register::RegisterError::from)?;
            let float = reg.config().currency.round(total, reg.config().policy.mode);
            Ok(DrawerOpened { session, float: till_api::Dec::of(float) })
        })
        .await
}

/// Cash in or out without a sale: `paid_in`, `paid_out`, `drop` or `no_sale` (paying
/// out and opening without a sale take a manager's approval where the role says so).
#[tauri::command]
pub async fn cash_movement(
    state: State<'_, AppState>,
    kind: String,
    amount: Option<String>,
    reason: String,
    approvals: Vec<String>,
) -> Reply<CashMovementView> {
    state
        .with(move |s| {
            let movement = match kind.as_str() {
                "paid_in" => till_register::DrawerMove::PaidIn,
                "paid_out" => till_register::DrawerMove::PaidOut,
                "drop" => till_register::DrawerMove::Drop,
                "no_sale" => till_register::DrawerMove::NoSale,
                other => return Err(input(format!("'{other}' is not paid_in, paid_out, drop or no_sale"))),
            };
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let amount = match amount.as_deref() {
                Some(a) if !a.trim().is_empty() => {
                    reg.config().currency.parse_amount(a).map_err(|e| input(e.to_string()))?
                }
                _ => till_domain::Money::ZERO,
            };
            let m = reg.move_cash(&mut auth, movement, amount, &reason)?;
            Ok(CashMovementView::from(&m))
        })
        .await
}

/// A blind count of the drawer (what should be there is not shown).
#[tauri::command]
pub async fn drawer_count(state: State<'_, AppState>, cash: String) -> Reply<()> {
    state
        .with(move |s| {
            let (reg, _, auth) = s.acting(&[])?;
            let count = reg.parse_count(&cash, &[])?;
            reg.count_drawer(&auth, &count)?;
            Ok(())
        })
        .await
}

/// The status bar: HQ sync and the printer.
#[tauri::command]
pub async fn status(state: State<'_, AppState>) -> Reply<StatusView> {
    state
        .with(|s| {
            let reg = s.register()?;
            let sync = reg.sync_status()?;
            Ok(crate::background::status(reg, &sync))
        })
        .await
}

/// The Manager screen's Sync tab: where this register stands with its HQ.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Reply<SyncStatusView> {
    state.with(|s| Ok(SyncStatusView::from(&s.register()?.sync_status()?))).await
}

/// HQ's open conflicts of this store (`offline` when HQ is out of reach).
#[tauri::command]
pub async fn hq_conflicts(state: State<'_, AppState>) -> Reply<Vec<ConflictView>> {
    state.with(|s| Ok(s.register()?.hq_conflicts()?.iter().map(ConflictView::from).collect())).await
}

/// Prints a test page on the configured printer.
#[tauri::command]
pub async fn printer_test(state: State<'_, AppState>) -> Reply<()> {
    state
        .with(|s| {
            let reg = s.register()?;
            let printer = reg.printer()?.clone();
            reg.print_test_page(&printer)?;
            Ok(())
        })
        .await
}

/// What the configured printer reports.
#[tauri::command]
pub async fn printer_status(state: State<'_, AppState>) -> Reply<PrinterSummaryView> {
    state
        .with(|s| {
            let reg = s.register()?;
            let printer = reg.printer()?.clone();
            let st = reg.printer_status(&printer)?;
            Ok(PrinterSummaryView { summary: st.summary().to_string(), drawer_open: printer.drawer_open(&st) })
        })
        .await
}

/// The audit log for the manager screen, newest first.
#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>, limit: u32) -> Reply<Vec<AuditView>> {
    state
        .with(move |s| {
            let auth = s.authority();
            Ok(s.register()?.audit_log(&auth, limit.clamp(1, 1000))?.iter().map(AuditView::from).collect())
        })
        .await
}

/// Leaves kiosk mode (closes the app): a manager's approval.
#[tauri::command]
pub async fn exit_kiosk(app: tauri::AppHandle, state: State<'_, AppState>, approvals: Vec<String>) -> Reply<()> {
    state
        .with(move |s| {
            let (reg, _, mut auth) = s.acting(&approvals)?;
            reg.leave_kiosk(&mut auth)?;
            Ok(())
        })
        .await?;
    app.exit(0);
    Ok(())
}

/// The store configuration in force: its version (`local-N`, `hq-N`), where it came from,
/// since when, versions waiting, and the values. With no cart open, a version due by now
/// takes effect first (as at the start of a sale).
#[tauri::command]
pub async fn config_show(state: State<'_, AppState>) -> Reply<ConfigStateView> {
    state
        .with(|s| {
            start_of_sale(s)?;
            Ok(ConfigStateView::from(&s.register()?.config_show()?))
        })
        .await
}

/// Changes store keys here (`KEY=VALUE` each; `configure_store`, journalled): the next
/// local version, in force at once. Refused on an enrolled register (`owned_by_hq`: HQ
/// owns the configuration), and while a cart is open (never mid-sale).
#[tauri::command]
pub async fn config_set(
    state: State<'_, AppState>,
    edits: Vec<String>,
    reason: String,
    approvals: Vec<String>,
) -> Reply<ConfigStateView> {
    state
        .with(move |s| {
            if !s.cart.is_empty() {
                return Err(AppError::new("cart_open", "finish or park the sale on screen first"));
            }
            let (reg, _, mut auth) = s.acting(&approvals)?;
            Ok(ConfigStateView::from(&reg.config_set(&mut auth, &edits, &reason)?))
        })
        .await
}
