//! Each order's history (`order_events`): every decision and change, numbered in order,
//! with when and why.

use serde_json::{Value, json};

use crate::db::Tx;
use crate::db::rows::OrderEventRow;
use crate::error::HqError;

/// Appends `what` with `detail` to order `id`'s history.
pub(crate) fn record(tx: &mut dyn Tx, id: &str, now: jiff::Timestamp, what: &str, detail: &str) -> Result<(), HqError> {
    let n =
        match tx.one("SELECT COALESCE(MAX(n), 0) + 1 AS next FROM order_events WHERE order_id = $1", &[id.into()])? {
            Some(r) => r.of("order_events").int("next")?,
            None => 1,
        };
    tx.exec(
        "INSERT INTO order_events (order_id, n, at, event, detail) VALUES ($1, $2, $3, $4, $5)",
        &[id.into(), n.into(), now.to_string().into(), what.into(), detail.into()],
    )?;
    Ok(())
}

/// Order `id`'s history, oldest first, as listed (`at`, `event`, `detail`).
pub(crate) fn history(tx: &mut dyn Tx, id: &str) -> Result<Vec<Value>, HqError> {
    let rows = tx.query(
        &format!("SELECT {} FROM order_events WHERE order_id = $1 ORDER BY n", OrderEventRow::COLUMNS),
        &[id.into()],
    )?;
    rows.iter()
        .map(|r| {
            let e = OrderEventRow::from_row(r)?;
            Ok(json!({"at": e.at, "event": e.event, "detail": e.detail}))
        })
        .collect()
}
