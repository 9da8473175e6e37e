//! Inventory counters: each store's (or DC's) `stock/ID` document, location → SKU →
//! counter in millionths of a unit. HQ creates counters and records what it receives or
//! ships itself; registers only increment them.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use till_docs::{ActorId, AutoCommit, DocId, StockDoc};

use super::conflicts::{self, ConflictKind};
use super::docs;
use crate::db::Tx;
use crate::error::{HqError, internal};

/// Records goods received at a store location: creates the SKU's counter with `quantity`
/// if it has none, else adds to it (a negative `quantity` takes goods out: a DC's
/// shipment). Returns the counter's value.
pub(crate) fn receive(
    tx: &mut dyn Tx,
    actor: &ActorId,
    store: &str,
    location: &str,
    sku: &str,
    quantity: Decimal,
    now: jiff::Timestamp,
) -> Result<Decimal, HqError> {
    let id = DocId::stock(store).map_err(|e| HqError::BadRequest(e.to_string()))?;
    let micro = to_micro(quantity)?;
    tx.lock(id.as_str())?;
    let mut doc = docs::load(tx, actor, &id)?;
    let created = StockDoc::create(&mut doc, location, sku, micro).map_err(internal)?;
    if !created {
        StockDoc::increment(&mut doc, location, sku, micro).map_err(internal)?;
    }
    till_docs::commit(&mut doc);
    docs::save(tx, &id, &mut doc, 0, now)?;
    let value = StockDoc::value(&doc, location, sku).map_err(internal)?.unwrap_or_default();
    Ok(Decimal::new(value, 6).normalize())
}

/// Records goods received at a store location, many SKUs in one change of the store's
/// document (a delivery, an opening stock count): as [`receive`] for each `(sku,
/// quantity)`. Returns how many counters it created.
pub(crate) fn receive_many(
    tx: &mut dyn Tx,
    actor: &ActorId,
    store: &str,
    location: &str,
    lines: &[(String, Decimal)],
    now: jiff::Timestamp,
) -> Result<u64, HqError> {
    let id = DocId::stock(store).map_err(|e| HqError::BadRequest(e.to_string()))?;
    tx.lock(id.as_str())?;
    let mut doc = docs::load(tx, actor, &id)?;
    let mut created = 0;
    for (sku, quantity) in lines {
        let micro = to_micro(*quantity)?;
        if StockDoc::create(&mut doc, location, sku, micro).map_err(internal)? {
            created += 1;
        } else {
            StockDoc::increment(&mut doc, location, sku, micro).map_err(internal)?;
        }
    }
    till_docs::commit(&mut doc);
    docs::save(tx, &id, &mut doc, 0, now)?;
    Ok(created)
}

/// Every counter of a stock document: location, SKU, quantity.
pub(crate) fn counters(doc: &AutoCommit) -> Result<Vec<(String, String, Decimal)>, HqError> {
    Ok(StockDoc::all(doc)
        .map_err(internal)?
        .into_iter()
        .map(|(l, s, v)| (l, s, Decimal::new(v, 6).normalize()))
        .collect())
}

/// Sellable stock per SKU at a location: its `stock/ID` counters, every location in
/// that document except damaged ones (`…/damaged`).
pub(crate) fn on_hand(tx: &mut dyn Tx, actor: &ActorId, location: &str) -> Result<BTreeMap<String, Decimal>, HqError> {
    let id = DocId::stock(location).map_err(|e| HqError::BadRequest(e.to_string()))?;
    let doc = docs::load(tx, actor, &id)?;
    let mut out = BTreeMap::new();
    for (loc, sku, micro) in StockDoc::all(&doc).map_err(internal)? {
        if loc.ends_with("/damaged") {
            continue;
        }
        *out.entry(sku).or_insert(Decimal::ZERO) += Decimal::new(micro, 6);
    }
    Ok(out)
}

/// Raises a conflict for each counter of the store below zero.
pub(crate) fn below_zero(tx: &mut dyn Tx, doc: &AutoCommit, store: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    for (location, sku, value) in StockDoc::all(doc).map_err(internal)? {
        if value < 0 {
            conflicts::raise(
                tx,
                ConflictKind::StockBelowZero,
                &format!("{store}/{location}/{sku}"),
                store,
                "",
                &format!("{sku} at {location} is at {}", Decimal::new(value, 6).normalize()),
                now,
            )?;
        }
    }
    Ok(())
}

fn to_micro(quantity: Decimal) -> Result<i64, HqError> {
    use rust_decimal::prelude::ToPrimitive;
    quantity
        .checked_mul(Decimal::from(1_000_000))
        .filter(|m| m.fract().is_zero())
        .and_then(|m| m.to_i64())
        .ok_or_else(|| HqError::BadRequest(format!("quantity {quantity} is finer than a millionth or too large")))
}
