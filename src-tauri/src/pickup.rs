//! The pickup screen's commands: online orders at this store — the queue, pick, stage,
//! curbside check-in, the customer's pickup token, the handover and ship-from-store. Each
//! is one call of the register's pickup API (`till_register::pickup`); every rule (what
//! may be picked, what a token allows, what a handover costs) is the register's.

use rust_decimal::Decimal;
use tauri::State;
use till_domain::pickup::Substitute;

use crate::commands::{Reply, TenderArg, decimal, receipt_prints, sale_done, tenders};
use crate::state::AppState;
use crate::views::{PickupOrderView, SaleDone, VerifiedView};

/// A substitute as the screen sends it (the price a decimal string).
#[derive(serde::Deserialize)]
pub struct SubstituteArg {
    sku: String,
    price: String,
    consent: String,
}

/// Units of one order line, for a partial pickup.
#[derive(serde::Deserialize)]
pub struct HandLineArg {
    line: u32,
    quantity: String,
}

fn wanted(lines: Option<Vec<HandLineArg>>) -> Reply<Option<Vec<(u32, Decimal)>>> {
    lines
        .map(|lines| {
            lines
                .iter()
                .map(|l| Ok((l.line, decimal(&l.quantity, &format!("quantity of line {}", l.line))?)))
                .collect::<Reply<Vec<_>>>()
        })
        .transpose()
}

/// Every online order this store has, by number.
#[tauri::command]
pub async fn pickup_orders(state: State<'_, AppState>) -> Reply<Vec<PickupOrderView>> {
    state.with(|s| Ok(s.register()?.pickup_orders()?.iter().map(PickupOrderView::from).collect())).await
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
            let substitute = substitute
                .map(|sub| -> Reply<Substitute> {
                    Ok(Substitute {
                        price: decimal(&sub.price, "substitute price")?,
                        sku: sub.sku,
                        consent: sub.consent,
                    })
                })
                .transpose()?;
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
            let wanted = wanted(lines)?;
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
            let wanted = wanted(lines)?;
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let tenders = self::tenders(reg, &tenders)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_pickup_quantities_are_decimals_and_a_bad_one_names_its_line() {
        assert_eq!(wanted(None).unwrap(), None);
        let lines = vec![HandLineArg { line: 1, quantity: " 1.5 ".into() }];
        assert_eq!(wanted(Some(lines)).unwrap(), Some(vec![(1, Decimal::new(15, 1))]));
        let err = wanted(Some(vec![HandLineArg { line: 2, quantity: "two".into() }])).unwrap_err();
        assert_eq!((err.code.as_str(), err.message.as_str()), ("input", "quantity of line 2: 'two' is not a number"));
    }
}
