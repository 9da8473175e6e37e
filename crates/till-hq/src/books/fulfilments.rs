//! What left the chain for each order line (`order_fulfilments`): handovers at a store's
//! registers, shipments from a store or the DC — each recorded once by its reference.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::add_to;
use super::events;
use crate::db::Tx;
use crate::db::rows::FulfilmentRow;
use crate::error::HqError;

/// Records `quantity` of line `n` of order `id` leaving `location` (`how`: `handover` or
/// `shipment`), once per `reference`, and says so in the order's history.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    tx: &mut dyn Tx,
    id: &str,
    reference: &str,
    n: u32,
    location: &str,
    quantity: Decimal,
    how: &str,
    detail: &str,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let held = tx.one(
        "SELECT 1 FROM order_fulfilments WHERE order_id = $1 AND ref = $2 AND n = $3",
        &[id.into(), reference.into(), (n as i64).into()],
    )?;
    if held.is_some() {
        return Ok(());
    }
    tx.exec(
        "INSERT INTO order_fulfilments (order_id, ref, n, location, quantity, how, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            id.into(),
            reference.into(),
            (n as i64).into(),
            location.into(),
            quantity.to_string().into(),
            how.into(),
            detail.into(),
            now.to_string().into(),
        ],
    )?;
    events::record(tx, id, now, how, &format!("line {n}: {quantity} at {location} — {detail}"))
}

/// Units of each line fulfilled (handed over or shipped), over every location.
pub(crate) fn fulfilled(tx: &mut dyn Tx, id: &str) -> Result<BTreeMap<i64, Decimal>, HqError> {
    let mut out = BTreeMap::new();
    let rows = tx.query(
        &format!("SELECT {} FROM order_fulfilments WHERE order_id = $1", FulfilmentRow::COLUMNS),
        &[id.into()],
    )?;
    for r in &rows {
        let f = FulfilmentRow::from_row(r)?;
        add_to(&mut out, f.n, f.quantity, "units fulfilled")?;
    }
    Ok(out)
}
