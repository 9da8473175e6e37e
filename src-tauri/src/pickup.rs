//! The pickup screen's commands: online orders at this store — the queue, pick, stage,
//! curbside check-in, the customer's pickup token, the handover and ship-from-store. Each
//! is one call of the register's pickup API (`till_register::pickup`); every rule (what
//! may be picked, what a token allows, what a handover costs) is the register's.

use tauri::State;
use till_api::args::{HandLineArg, SubstituteArg, TenderArg, decimal, hand_lines};
use till_api::{PickupOrderView, SaleDone, UnreadableOrderView, VerifiedView};

use crate::commands::{Reply, receipt_prints, sale_done};
use crate::state::AppState;

/// Every online order this store has, by number.
#[tauri::command]
pub async fn pickup_orders(state: State<'_, AppState>) -> Reply<Vec<PickupOrderView>> {
    state.with(|s| Ok(s.register()?.pickup_orders()?.iter().map(PickupOrderView::from).collect())).await
}

/// The order documents left out of the list because they do not read as orders, and why.
#[tauri::command]
pub async fn pickup_unreadable(state: State<'_, AppState>) -> Reply<Vec<UnreadableOrderView>> {
    state.with(|s| Ok(s.register()?.pickup_list()?.unreadable.iter().map(UnreadableOrderView::from).collect())).await
}

/// The order `text` names: its number (`#1001`), HQ's id, or the customer's email.
#[tauri::command]
pub async fn pickup_order(state: State<'_, AppState>, text: String) -> Reply<PickupOrderView> {
    state.with(move |s| Ok(PickupOrderView::from(&s.register()?.pickup_order(&text)?))).await
}

/// Records a pick of `line`: `quantity` units (fewer than ordered: a short pick), or a
/// substitute the customer agreed to.
#[tauri::command]
pub async fn pickup_pick(
    state: State<'_, AppState>,
    order: String,
    line: u32,
    quantity: String,
    substitute: Option<SubstituteArg>,
) -> Reply<PickupOrderView> {
    state
        .with(move |s| {
            let picked = decimal(&quantity, "quantity picked")?;
            let substitute = substitute.as_ref().map(SubstituteArg::substitute).transpose()?;
            let (reg, _, auth) = s.acting(&[])?;
            Ok(PickupOrderView::from(&reg.pick(&order, line, picked, substitute, &auth)?))
        })
        .await
}

/// Stages the order's picked goods in `bin`.
#[tauri::command]
pub async fn pickup_stage(state: State<'_, AppState>, order: String, bin: String) -> Reply<PickupOrderView> {
    state
        .with(move |s| {
            let (reg, _, auth) = s.acting(&[])?;
            Ok(PickupOrderView::from(&reg.stage(&order, &bin, &auth)?))
        })
        .await
}

/// Curbside: the customer has arrived at `spot`.
#[tauri::command]
pub async fn pickup_check_in(state: State<'_, AppState>, order: String, spot: String) -> Reply<PickupOrderView> {
    state.with(move |s| Ok(PickupOrderView::from(&s.register()?.check_in(&order, &spot)?))).await
}

/// Checks a pickup token offline and prices what a handover gives (`lines`: a partial
/// pickup; none: everything picked and not yet handed over). Refusals carry the
/// register's codes: `token_forged`, `token_expired`, `token_other_store`,
/// `token_malformed`, `token_used`.
#[tauri::command]
pub async fn pickup_verify(
    state: State<'_, AppState>,
    token: String,
    lines: Option<Vec<HandLineArg>>,
) -> Reply<VerifiedView> {
    state
        .with(move |s| {
            let wanted = hand_lines(lines.as_deref())?;
            let (verified, priced) = s.register()?.quote_handover(token.trim(), wanted.as_deref())?;
            Ok(VerifiedView::new(&verified, &priced))
        })
        .await
}

/// Hands over what the token opens (`lines`: a partial pickup) as one committed sale —
/// tendered `online`, or with `tenders` for an order paid at the counter — its receipt
/// queued like `pay`'s. `id_check`: the identity document seen ("" none).
#[tauri::command]
pub async fn pickup_hand_over(
    state: State<'_, AppState>,
    token: String,
    lines: Option<Vec<HandLineArg>>,
    id_check: String,
    tenders: Vec<TenderArg>,
    approvals: Vec<String>,
    receipt: Option<String>,
) -> Reply<SaleDone> {
    state
        .with(move |s| {
            let print = receipt_prints(receipt.as_deref())?;
            let wanted = hand_lines(lines.as_deref())?;
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let tenders = till_api::args::tenders(reg, &tenders)?;
            let sale = reg.hand_over(token.trim(), wanted.as_deref(), &id_check, &tenders, &mut auth)?;
            Ok(sale_done(reg, &sale, print))
        })
        .await
}

/// Ship-from-store: records the parcel of a picked ship order; the goods leave through a
/// sale tendered `online`, its receipt queued like `pay`'s.
#[tauri::command]
pub async fn pickup_ship(
    state: State<'_, AppState>,
    order: String,
    carrier: String,
    tracking: String,
    approvals: Vec<String>,
    receipt: Option<String>,
) -> Reply<SaleDone> {
    state
        .with(move |s| {
            let print = receipt_prints(receipt.as_deref())?;
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let sale = reg.ship(&order, &carrier, &tracking, &mut auth)?;
            Ok(sale_done(reg, &sale, print))
        })
        .await
}
