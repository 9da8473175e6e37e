//! Stock reserved for orders (`reservations`): made per routing round and line, active
//! until released (the stock goes back) or fulfilled (it left with the customer).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{add_to, chain_stock_marks};
use crate::db::Tx;
use crate::db::rows::ReservationRow;
use crate::error::HqError;

/// Active reservations per SKU at a location.
pub(crate) fn reserved(tx: &mut dyn Tx, location: &str) -> Result<BTreeMap<String, Decimal>, HqError> {
    let mut out = BTreeMap::new();
    let rows = tx.query(
        &format!("SELECT {} FROM reservations WHERE state = 'active' AND location = $1", ReservationRow::COLUMNS),
        &[location.into()],
    )?;
    for r in &rows {
        let reservation = ReservationRow::from_row(r)?;
        add_to(&mut out, reservation.sku, reservation.quantity, "units reserved")?;
    }
    Ok(out)
}

/// Ends the order's active reservations (`released` gives the stock back; `fulfilled`
/// means it left with the customer and the store's counters now say so).
pub(crate) fn end(tx: &mut dyn Tx, id: &str, state: &str, reason: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    let ending = tx.query(
        "SELECT DISTINCT location, sku FROM reservations WHERE order_id = $1 AND state = 'active' \
         ORDER BY location, sku",
        &[id.into()],
    )?;
    for r in &ending {
        let f = r.of("reservations");
        chain_stock_marks::reservation_changed(tx, &f.text("location")?, &f.text("sku")?)?;
    }
    tx.exec(
        "UPDATE reservations SET state = $2, ended_at = $3, reason = $4 WHERE order_id = $1 AND state = 'active'",
        &[id.into(), state.into(), now.to_string().into(), reason.into()],
    )?;
    Ok(())
}

/// Reserves `quantity` of `sku` at `location` for line `n` of order `id` in routing
/// round `round`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reserve(
    tx: &mut dyn Tx,
    id: &str,
    round: i64,
    n: i64,
    location: &str,
    sku: &str,
    quantity: Decimal,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    tx.exec(
        "INSERT INTO reservations (order_id, round, n, location, sku, quantity, state, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7)",
        &[
            id.into(),
            round.into(),
            n.into(),
            location.into(),
            sku.into(),
            quantity.to_string().into(),
            now.to_string().into(),
        ],
    )?;
    chain_stock_marks::reservation_changed(tx, location, sku)
}

/// Ends line `n`'s active reservation of order `id` as fulfilled (every unit of it left).
pub(crate) fn fulfil_line(tx: &mut dyn Tx, id: &str, n: i64, now: jiff::Timestamp) -> Result<(), HqError> {
    let ending = tx.query(
        "SELECT location, sku FROM reservations WHERE order_id = $1 AND n = $2 AND state = 'active'",
        &[id.into(), n.into()],
    )?;
    for r in &ending {
        let f = r.of("reservations");
        chain_stock_marks::reservation_changed(tx, &f.text("location")?, &f.text("sku")?)?;
    }
    tx.exec(
        "UPDATE reservations SET state = 'fulfilled', ended_at = $3, reason = 'left the store' \
         WHERE order_id = $1 AND n = $2 AND state = 'active'",
        &[id.into(), n.into(), now.to_string().into()],
    )?;
    Ok(())
}

/// The reservations of order `id` made in routing round `round`, by line number.
pub(crate) fn of_round(tx: &mut dyn Tx, id: &str, round: i64) -> Result<BTreeMap<i64, ReservationRow>, HqError> {
    let rows = tx.query(
        &format!("SELECT {} FROM reservations WHERE order_id = $1 AND round = $2", ReservationRow::COLUMNS),
        &[id.into(), round.into()],
    )?;
    rows.iter().map(|r| ReservationRow::from_row(r).map(|x| (x.n, x)).map_err(HqError::from)).collect()
}
