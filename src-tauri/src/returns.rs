//! The Returns screen's commands: a return or exchange quoted as the screen holds it, then
//! committed; returns of online orders (BORIS). Each is one call of the register's return API
//! ([`till_register::ReturnDocument`]); every rule (what may come back, the restocking fee,
//! which refund methods are allowed, what needs a manager) is the register's. The receipt
//! lookup is `find_receipt` in [`crate::commands`].

use tauri::State;
use till_api::args::{HandLineArg, TenderArg, hand_lines};
use till_api::{OnlineOrderView, ReturnDocArg, ReturnQuoteView, SaleDone};
use till_domain::Disposition;
use till_register::{FindOrder, OnlineRefund, RefundMethod};

use crate::commands::{Reply, input, receipt_prints, sale_done};
use crate::state::AppState;

/// What the return or exchange `doc` comes to now: priced, which way it settles, and the
/// refund methods allowed.
#[tauri::command]
pub async fn quote_return(state: State<'_, AppState>, doc: ReturnDocArg) -> Reply<ReturnQuoteView> {
    state
        .with(move |s| {
            let auth = s.authority();
            let reg = s.register()?;
            let quote = reg.quote_return(&auth, &doc.document()?)?;
            Ok(ReturnQuoteView::new(&quote, reg.config().currency.code()))
        })
        .await
}

/// Commits the return or exchange `doc`: `tenders` pay what an exchange leaves due, what is
/// owed goes back by `refund` (`original`, `cash`, `credit`; `original` when absent).
/// Approvals: manager `CODE:PIN`s for what needs one (the register says which with a
/// `permission` error). `key` is the idempotency key the screen keeps until it sees the
/// answer: a retry returns the document committed the first time. `receipt`: `print` (the
/// default) or `none`, as for `pay`.
#[tauri::command]
pub async fn complete_return(
    state: State<'_, AppState>,
    key: String,
    doc: ReturnDocArg,
    tenders: Vec<TenderArg>,
    refund: Option<String>,
    approvals: Vec<String>,
    receipt: Option<String>,
) -> Reply<SaleDone> {
    state
        .with(move |s| {
            let print = receipt_prints(receipt.as_deref())?;
            let refund: RefundMethod = refund.as_deref().unwrap_or("original").parse().map_err(input)?;
            let doc = doc.document()?;
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let tenders = till_api::args::tenders(reg, &tenders)?;
            let sale = reg.complete_return(Some(&key), &doc, &tenders, refund, &mut auth)?;
            Ok(sale_done(reg, &sale, print))
        })
        .await
}

/// The online order (BORIS) named by its `number` with the customer's `email`, or by its
/// `code`: at HQ, or among this store's own orders when HQ is out of reach.
#[tauri::command]
pub async fn boris_find(
    state: State<'_, AppState>,
    number: Option<String>,
    email: Option<String>,
    code: Option<String>,
) -> Reply<OnlineOrderView> {
    state
        .with(move |s| {
            let query = find_order(number, email, code);
            Ok(OnlineOrderView::from(&s.register()?.find_online_order(&query)?))
        })
        .await
}

/// Takes `lines` of an online order (named as for [`boris_find`]) back into this store's
/// stock (`damaged`: written off), for `reason`, refunded as `refund` says (`online`,
/// `credit` or `cash`). Approvals as for [`complete_return`].
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn boris_return(
    state: State<'_, AppState>,
    number: Option<String>,
    email: Option<String>,
    code: Option<String>,
    lines: Vec<HandLineArg>,
    reason: String,
    damaged: Option<bool>,
    refund: String,
    approvals: Vec<String>,
) -> Reply<SaleDone> {
    state
        .with(move |s| {
            let query = find_order(number, email, code);
            let picks = hand_lines(Some(&lines))?.unwrap_or_default();
            let refund: OnlineRefund = refund.parse().map_err(input)?;
            let disposition = if damaged == Some(true) { Disposition::Damaged } else { Disposition::Restock };
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let sale = reg.return_online(&query, &picks, &reason, disposition, refund, &mut auth)?;
            Ok(sale_done(reg, &sale, true))
        })
        .await
}

fn find_order(number: Option<String>, email: Option<String>, code: Option<String>) -> FindOrder {
    FindOrder { number: number.unwrap_or_default(), email: email.unwrap_or_default(), code: code.unwrap_or_default() }
}
