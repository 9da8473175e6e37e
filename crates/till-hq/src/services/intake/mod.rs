//! Orders coming in from webstores (Shopify webhooks, the generic order API, endless
//! aisle at a register), in HQ's terms: stored with their lines matched to the catalog, an
//! unknown line raised as a conflict, then routed; updates and cancellations applied once,
//! in order.
//!
//! Architecture invariant: a request changes an order in one transaction — the delivery
//! or idempotency record, the order, its lines, conflicts, reservations and the routing
//! decision — so nothing is ever half-stored; all order writes take the `orders` lock, so
//! two HQ processes on one PostgreSQL database never reserve the same stock twice.

pub mod order_api;
pub mod shopify;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use till_docs::ActorId;

use super::{fulfilment, routing};
use crate::books::conflicts::{ConflictKind, raise};
use crate::books::{catalog, events, orders, reservations};
use crate::db::Tx;
use crate::domain::status::{OrderEvent, OrderStatus, transition};
use crate::error::HqError;

/// An order as a webstore sent it, in HQ's terms.
#[derive(Debug, Clone)]
pub struct IncomingOrder {
    /// `shopify`, or the webstore's channel name.
    pub channel: String,
    /// The webstore's id of the order.
    pub external_id: String,
    /// The number customers see (`#1001`).
    pub number: String,
    /// Customer email ("" when none).
    pub email: String,
    /// ISO 4217 currency of the prices.
    pub currency: String,
    /// When it was placed (the webstore's clock).
    pub placed_at: String,
    /// The webstore's last change to it ("" unknown): an older update is ignored.
    pub updated_at: String,
    /// The lines.
    pub lines: Vec<IncomingLine>,
    /// Pickup or ship.
    pub delivery: IncomingDelivery,
    /// The webstore cancelled it.
    pub cancelled: bool,
    /// The webstore marked it fulfilled.
    pub fulfilled: bool,
    /// The webstore captured the payment (else the customer pays at the counter).
    pub paid_online: bool,
}

/// One line of an incoming order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingLine {
    /// The webstore's line id.
    pub external_id: String,
    /// SKU as sent ("" none).
    pub sku: String,
    /// Barcode as sent ("" none).
    pub barcode: String,
    /// The webstore's variant id ("" none).
    pub variant_id: String,
    /// Title as sent.
    pub title: String,
    /// Quantity (pieces).
    pub quantity: Decimal,
    /// Unit price.
    pub price: Decimal,
}

/// How an incoming order reaches the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingDelivery {
    /// Collected at a store, named as the webstore names it (an HQ location id or a
    /// location's `--shopify-location` name).
    Pickup {
        /// The name or id.
        location: String,
    },
    /// Shipped.
    Ship {
        /// Latitude, when known.
        lat: Option<Decimal>,
        /// Longitude, when known.
        lon: Option<Decimal>,
        /// Postal code.
        zip: String,
        /// ISO country code.
        country_code: String,
        /// City.
        city: String,
    },
}

impl IncomingDelivery {
    fn to_json(&self) -> Value {
        match self {
            IncomingDelivery::Pickup { location } => json!({"method": "pickup", "location": location}),
            IncomingDelivery::Ship { lat, lon, zip, country_code, city } => json!({
                "method": "ship", "lat": lat.map(|d| d.to_string()), "lon": lon.map(|d| d.to_string()),
                "zip": zip, "country_code": country_code, "city": city,
            }),
        }
    }
}

/// What the webstore's message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A new order (a repeat of one HQ holds changes nothing).
    Create,
    /// A change to an order (a cancellation is one: the order says `cancelled`, in the
    /// body its webstore signed).
    Update,
}

/// What a webstore's message did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The order.
    pub order_id: String,
    /// What happened (`created`, `duplicate`, `updated`, `cancelled`, `ignored: …`).
    pub outcome: String,
    /// True when this message had been received before and nothing was done again.
    pub replayed: bool,
}

/// Takes an order message from a webstore in `tx` (the caller holds the `orders`
/// lock): creates, updates or cancels the order and routes it when that is due.
pub(crate) fn take(
    tx: &mut dyn Tx,
    actor: &ActorId,
    order: &IncomingOrder,
    intent: Intent,
    shop_domain: &str,
    now: jiff::Timestamp,
) -> Result<Outcome, HqError> {
    let id = format!("{}:{}", order.channel, order.external_id);
    let outcome = |text: &str| Ok(Outcome { order_id: id.clone(), outcome: text.to_string(), replayed: false });
    let Some(held) = orders::order(tx, &id)? else {
        let cancelled = order.cancelled;
        let received = OrderStatus::Received;
        let status = if cancelled { transition(received, OrderEvent::Cancelled)? } else { received };
        tx.exec(
            "INSERT INTO orders (id, channel, external_id, number, email, currency, placed_at, source_updated_at, \
             delivery, status, shop_domain, created_at, updated_at, paid_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
            &[
                id.as_str().into(),
                order.channel.as_str().into(),
                order.external_id.as_str().into(),
                order.number.as_str().into(),
                order.email.as_str().into(),
                order.currency.as_str().into(),
                order.placed_at.as_str().into(),
                order.updated_at.as_str().into(),
                order.delivery.to_json().to_string().into(),
                status.as_str().into(),
                shop_domain.into(),
                now.to_string().into(),
                (if order.paid_online { "online" } else { "counter" }).into(),
            ],
        )?;
        put_lines(tx, &id, order, now)?;
        let heard = format!("{} order {} received", order.channel, order.number);
        events::record(tx, &id, now, received.as_str(), &heard)?;
        if cancelled {
            events::record(tx, &id, now, status.as_str(), "cancelled by the webstore before HQ routed it")?;
            return outcome("cancelled");
        }
        if order.fulfilled {
            let status = transition(status, OrderEvent::FulfilledByWebstore)?;
            orders::set_status(tx, &id, status, now)?;
            events::record(tx, &id, now, status.as_str(), "already fulfilled when HQ received it")?;
            return outcome("created");
        }
        routing::route(tx, actor, &id, "created", now)?;
        return outcome("created");
    };
    if intent == Intent::Create {
        return outcome("duplicate: the order is already held");
    }
    if held.status.is_closed() {
        return outcome(&format!("ignored: the order is {}", held.status));
    }
    if is_older(&order.updated_at, &held.source_updated_at) {
        return outcome(&format!(
            "ignored: older (updated_at {}) than the version held ({})",
            order.updated_at, held.source_updated_at
        ));
    }
    tx.exec(
        "UPDATE orders SET number = $2, email = $3, source_updated_at = $4, updated_at = $5 WHERE id = $1",
        &[
            id.as_str().into(),
            order.number.as_str().into(),
            order.email.as_str().into(),
            order.updated_at.as_str().into(),
            now.to_string().into(),
        ],
    )?;
    if order.cancelled {
        cancel(tx, &id, held.status, "cancelled by the webstore", now)?;
        fulfilment::publish(tx, actor, &id, "cancelled by the webstore", now)?;
        return outcome("cancelled");
    }
    if order.fulfilled {
        let status = transition(held.status, OrderEvent::FulfilledByWebstore)?;
        reservations::end(tx, &id, "fulfilled", "fulfilled", now)?;
        orders::set_status(tx, &id, status, now)?;
        events::record(tx, &id, now, status.as_str(), "the webstore marked it fulfilled")?;
        fulfilment::publish(tx, actor, &id, "fulfilled by the webstore", now)?;
        return outcome("fulfilled");
    }
    let delivery = order.delivery.to_json();
    let same_delivery = held.delivery == delivery;
    // Quantities compared as written (`2` and `2.0` differ), as routing took them.
    let held_lines: Vec<(String, String, String, String)> = orders::lines(tx, &id)?
        .into_iter()
        .map(|l| (l.external_id, l.ordered_sku, l.barcode, l.quantity.to_string()))
        .collect();
    let new_lines: Vec<(String, String, String, String)> = order
        .lines
        .iter()
        .map(|l| (l.external_id.clone(), l.sku.clone(), l.barcode.clone(), l.quantity.to_string()))
        .collect();
    if same_delivery && held_lines == new_lines {
        events::record(tx, &id, now, "updated", "the webstore changed nothing routing depends on")?;
        return outcome("updated");
    }
    tx.exec("UPDATE orders SET delivery = $2 WHERE id = $1", &[id.as_str().into(), delivery.to_string().into()])?;
    tx.exec("DELETE FROM order_lines WHERE order_id = $1", &[id.as_str().into()])?;
    put_lines(tx, &id, order, now)?;
    routing::route(tx, actor, &id, "updated: the webstore changed its lines or delivery", now)?;
    outcome("updated")
}

/// The newer-than test for a webstore's `updated_at`: an update stamped before the version
/// HQ holds arrived late and is ignored. Unparseable or missing times never ignore.
fn is_older(incoming: &str, held: &str) -> bool {
    match (incoming.parse::<jiff::Timestamp>(), held.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a < b,
        _ => false,
    }
}

/// Stores an order's lines, matching each to the catalog; an unknown one is a conflict.
fn put_lines(tx: &mut dyn Tx, id: &str, order: &IncomingOrder, now: jiff::Timestamp) -> Result<(), HqError> {
    for (i, line) in order.lines.iter().enumerate() {
        let n = i as i64 + 1;
        let matched = catalog::match_line(tx, &line.sku, &line.barcode)?;
        let (sku, by) = match &matched {
            Some((sku, by, true)) => (sku.clone(), *by),
            _ => (String::new(), ""),
        };
        if sku.is_empty() {
            let what = match &matched {
                Some((sku, _, false)) => format!("matches catalog SKU {sku}, which is retired"),
                _ => "matches no catalog SKU or barcode".to_string(),
            };
            raise(
                tx,
                ConflictKind::OrderLineUnknown,
                &format!("{id}/line {n}"),
                "",
                "",
                &format!(
                    "order {} ({id}) line {n} '{}' (SKU '{}', barcode '{}', variant {}) {what}; it is not routed",
                    order.number, line.title, line.sku, line.barcode, line.variant_id
                ),
                now,
            )?;
        }
        tx.exec(
            "INSERT INTO order_lines (order_id, n, external_id, ordered_sku, barcode, variant_id, title, quantity, \
             price, sku, matched_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                id.into(),
                n.into(),
                line.external_id.as_str().into(),
                line.sku.as_str().into(),
                line.barcode.as_str().into(),
                line.variant_id.as_str().into(),
                line.title.as_str().into(),
                line.quantity.to_string().into(),
                line.price.to_string().into(),
                sku.into(),
                by.into(),
            ],
        )?;
    }
    Ok(())
}

/// Cancels order `id`, which is `from`: its reservations are released.
fn cancel(tx: &mut dyn Tx, id: &str, from: OrderStatus, reason: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    let status = transition(from, OrderEvent::Cancelled)?;
    reservations::end(tx, id, "released", reason, now)?;
    orders::set_status(tx, id, status, now)?;
    events::record(tx, id, now, status.as_str(), &format!("{reason}; reservations released"))
}
