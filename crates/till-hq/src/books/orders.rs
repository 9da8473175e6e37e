//! Orders in HQ's books: finding one by id or number, and the order as listed — lines
//! with where each is routed, its reservation and what was fulfilled, the last routing
//! decision and the history.

use serde::Serialize;
use serde_json::{Value, json};

use super::{events, fulfilments, reservations};
use crate::db::Tx;
use crate::db::rows::{OrderLineRow, OrderRow};
use crate::domain::status::OrderStatus;
use crate::error::HqError;

/// An order as listed.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    /// `CHANNEL:EXTERNAL_ID`.
    pub id: String,
    /// Channel.
    pub channel: String,
    /// The webstore's id.
    pub external_id: String,
    /// The number customers see.
    pub number: String,
    /// Status.
    pub status: OrderStatus,
    /// Customer email.
    pub email: String,
    /// Currency.
    pub currency: String,
    /// When it was placed.
    pub placed_at: String,
    /// Pickup or ship, as sent.
    pub delivery: Value,
    /// Lines with where each is routed and its reservation.
    pub lines: Vec<LineView>,
    /// The last routing decision.
    pub explanation: Value,
    /// Every decision and change, oldest first.
    pub history: Vec<Value>,
    /// The Shopify shop it came from ("" for others).
    pub shop_domain: String,
}

/// An order line as listed.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    /// Line number.
    pub n: i64,
    /// The webstore's line id.
    pub external_id: String,
    /// SKU as sent.
    pub ordered_sku: String,
    /// Catalog SKU matched ("" unknown).
    pub sku: String,
    /// `sku`, `barcode` or "" (unknown).
    pub matched_by: String,
    /// Title.
    pub title: String,
    /// Quantity.
    pub quantity: String,
    /// Unit price.
    pub price: String,
    /// Routed location ("" none).
    pub location: String,
    /// The reservation of the current routing, if any.
    pub reservation: Option<Value>,
    /// Why it is not routed ("" when it is).
    pub why: String,
    /// Units handed over or shipped so far.
    pub fulfilled: String,
}

/// The order `text` names: its id, or its number when only one order has it.
pub(crate) fn find_order(tx: &mut dyn Tx, text: &str) -> Result<String, HqError> {
    if tx.one("SELECT 1 FROM orders WHERE id = $1", &[text.into()])?.is_some() {
        return Ok(text.to_string());
    }
    let rows = tx.query("SELECT id FROM orders WHERE number = $1 ORDER BY id", &[text.into()])?;
    let ids: Vec<String> = rows.iter().map(|r| r.of("orders").text("id")).collect::<Result<_, _>>()?;
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(HqError::NotFound(format!("no order {text} (till-hq orders lists them)"))),
        many => {
            Err(HqError::BadRequest(format!("number {text} is on several orders ({}): use the id", many.join(", "))))
        }
    }
}

/// Order `id`'s row, if HQ holds it.
pub(crate) fn order(tx: &mut dyn Tx, id: &str) -> Result<Option<OrderRow>, HqError> {
    let found = tx.one(&format!("SELECT {} FROM orders WHERE id = $1", OrderRow::COLUMNS), &[id.into()])?;
    Ok(found.as_ref().map(OrderRow::from_row).transpose()?)
}

/// Order `id`'s row; an order that does not exist is not found.
pub(crate) fn held(tx: &mut dyn Tx, id: &str) -> Result<OrderRow, HqError> {
    order(tx, id)?.ok_or_else(|| HqError::NotFound(format!("no order {id}")))
}

/// Order `id`'s lines, by number.
pub(crate) fn lines(tx: &mut dyn Tx, id: &str) -> Result<Vec<OrderLineRow>, HqError> {
    let rows = tx.query(
        &format!("SELECT {} FROM order_lines WHERE order_id = $1 ORDER BY n", OrderLineRow::COLUMNS),
        &[id.into()],
    )?;
    Ok(rows.iter().map(OrderLineRow::from_row).collect::<Result<_, _>>()?)
}

/// Every order's id and status, newest first.
pub(crate) fn ids_and_statuses(tx: &mut dyn Tx) -> Result<Vec<(String, OrderStatus)>, HqError> {
    let rows = tx.query("SELECT id, status FROM orders ORDER BY created_at DESC, id", &[])?;
    rows.iter().map(|r| Ok((r.of("orders").text("id")?, r.of("orders").parse("status")?))).collect()
}

/// Sets order `id`'s status (what [`crate::domain::status::transition`] decided).
pub(crate) fn set_status(tx: &mut dyn Tx, id: &str, status: OrderStatus, now: jiff::Timestamp) -> Result<(), HqError> {
    tx.exec(
        "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1",
        &[id.into(), status.as_str().into(), now.to_string().into()],
    )?;
    Ok(())
}

/// Order `id` as listed.
pub(crate) fn view(tx: &mut dyn Tx, id: &str) -> Result<OrderView, HqError> {
    let o = held(tx, id)?;
    let reservations = reservations::of_round(tx, id, o.round)?;
    let done = fulfilments::fulfilled(tx, id)?;
    let lines = lines(tx, id)?
        .into_iter()
        .map(|l| LineView {
            n: l.n,
            external_id: l.external_id,
            ordered_sku: l.ordered_sku,
            sku: l.sku,
            matched_by: l.matched_by,
            title: l.title,
            quantity: l.quantity.to_string(),
            price: l.price.to_string(),
            location: l.location,
            reservation: reservations.get(&l.n).map(|x| {
                json!({"location": x.location, "quantity": x.quantity.to_string(), "state": x.state, "reason": x.reason})
            }),
            why: l.why,
            fulfilled: done.get(&l.n).copied().unwrap_or_default().to_string(),
        })
        .collect();
    let history = events::history(tx, id)?;
    Ok(OrderView {
        id: o.id,
        channel: o.channel,
        external_id: o.external_id,
        number: o.number,
        status: o.status,
        email: o.email,
        currency: o.currency,
        placed_at: o.placed_at,
        delivery: o.delivery,
        lines,
        explanation: o.explanation,
        history,
        shop_domain: o.shop_domain,
    })
}
