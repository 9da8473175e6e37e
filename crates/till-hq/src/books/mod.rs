//! HQ's books: what it records and reads back on behalf of every service — conflicts,
//! order events, the replicated documents and the stock counters in them, staged journal
//! records and booked sales, catalog versions, orders with their reservations,
//! fulfilments and returns, locations, registers, and the pickup-token key. Each function
//! works inside the caller's transaction.
//!
//! The books use the database below them and the pure domain; never a service or the
//! HTTP layer.

pub mod catalog;
pub mod chain_stock;
pub mod chain_stock_marks;
pub mod conflicts;
pub mod docs;
pub mod events;
pub mod fulfilments;
pub mod journal;
pub mod keys;
pub mod locations;
pub mod lookups;
pub mod orders;
pub mod registers;
pub mod reservations;
pub mod returns;
pub mod sale_returns;
pub mod sales;
pub mod staff;
pub mod stock;

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::{HqError, internal};

/// Adds `quantity` to `key`'s total in `totals`; a sum out of range is an error naming
/// `what`, never a panic.
pub(crate) fn add_to<K: Ord>(
    totals: &mut BTreeMap<K, Decimal>,
    key: K,
    quantity: Decimal,
    what: &str,
) -> Result<(), HqError> {
    let total = totals.entry(key).or_insert(Decimal::ZERO);
    *total = total.checked_add(quantity).ok_or_else(|| internal(format!("{what} overflows")))?;
    Ok(())
}
