//! The endless-aisle screen's commands: the chain's catalog with each location's stock (HQ's
//! last snapshot and its age), what a basket would charge, an order for pickup at another
//! store or shipping, paid here, and the outbox of such orders. Each is one register call
//! on a blocking thread (`till_register`'s `aisle.rs` holds the rules).

use tauri::State;
use till_api::args::{AisleLineArg, DeliveryArg, TenderArg, basket};
use till_api::{AisleItemView, AisleOrderDone, AisleOrderView, AisleRefreshView, CartView};

use crate::commands::{Reply, receipt_prints, sale_done};
use crate::state::AppState;

/// The chain's catalog matching `text`, each item with its stock per location and the
/// snapshot's time and age (no sign-in needed: a kiosk browses it).
#[tauri::command]
pub async fn aisle_search(state: State<'_, AppState>, text: String, limit: usize) -> Reply<Vec<AisleItemView>> {
    state
        .with(move |s| {
            Ok(s.register()?.aisle_search(&text, limit.clamp(1, 100))?.iter().map(AisleItemView::from).collect())
        })
        .await
}

/// Asks HQ what changed in the chain's stock since this register's watermark (the Aisle
/// screen calls it when it opens), on its own blocking thread and its own database
/// connection: the session stays free, and a sale meanwhile waits behind one page's write
/// transaction at most. Offline or not enrolled: an error the screen ignores (it shows the
/// snapshot it has, with its age).
#[tauri::command]
pub async fn aisle_refresh(state: State<'_, AppState>) -> Reply<AisleRefreshView> {
    let dir = state.dir.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let clock = till_register::clock_from_env()?;
        let mut reg = till_register::Register::open(&dir, clock, Box::new(till_register::RandomIds))?;
        Ok(AisleRefreshView::from(&reg.aisle_refresh()?))
    })
    .await
    .map_err(|e| crate::error::AppError::new("internal", e.to_string()))?
}

/// What an order for `lines` would charge now, priced by the register (nothing stored).
#[tauri::command]
pub async fn aisle_quote(state: State<'_, AppState>, lines: Vec<AisleLineArg>) -> Reply<CartView> {
    state
        .with(move |s| {
            let reg = s.register()?;
            let priced = reg.aisle_quote(&basket(&lines)?)?;
            Ok(CartView::new(&priced, reg.config().currency.code(), None))
        })
        .await
}

/// Places an endless-aisle order for `lines`, delivered as `delivery`, for the customer at
/// `email`, paid now with `tenders` (approvals: manager `CODE:PIN`s, as for `pay`). The
/// sale and the queued order commit together; the receipt and the customer display go
/// as `pay`'s do. Answers the order's id, the sale, and the order as the outbox holds it.
#[tauri::command]
pub async fn aisle_order(
    state: State<'_, AppState>,
    lines: Vec<AisleLineArg>,
    delivery: DeliveryArg,
    email: String,
    tenders: Vec<TenderArg>,
    approvals: Vec<String>,
    receipt: Option<String>,
) -> Reply<AisleOrderDone> {
    state
        .with(move |s| {
            let print = receipt_prints(receipt.as_deref())?;
            let lines = basket(&lines)?;
            let delivery = delivery.delivery()?;
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let tenders = till_api::args::tenders(reg, &tenders)?;
            let (order, sale) = reg.aisle_order(&lines, &delivery, &email, &tenders, &mut auth)?;
            let id = order.rsplit_once(':').map_or(order.as_str(), |(_, id)| id);
            let outbox = reg.aisle_orders(false)?.iter().find(|o| o.id == id).map(AisleOrderView::from);
            Ok(AisleOrderDone { sale: sale_done(reg, &sale, print), order, outbox })
        })
        .await
}

/// The endless-aisle orders placed here, newest first (`waiting`: only those HQ has not
/// taken yet). They carry customers' emails: a signed-in staff member only.
#[tauri::command]
pub async fn aisle_orders(state: State<'_, AppState>, waiting: bool) -> Reply<Vec<AisleOrderView>> {
    state
        .with(move |s| {
            let (reg, _, _) = s.acting(&[])?;
            Ok(reg.aisle_orders(waiting)?.iter().rev().map(AisleOrderView::from).collect())
        })
        .await
}

/// Places failed endless-aisle order `id` again (HQ refused it; the customer has paid), as
/// it was: it goes with the next sync round. A signed-in staff member only. Answers the
/// order as the outbox now holds it.
#[tauri::command]
pub async fn aisle_replace(state: State<'_, AppState>, id: String) -> Reply<AisleOrderView> {
    state
        .with(move |s| {
            let (reg, _, auth) = s.acting(&[])?;
            Ok(AisleOrderView::from(&reg.replace_aisle_order(&id, None, &auth)?))
        })
        .await
}
