//! The stock ledger: append-only movements, and stock on hand per SKU and location as
//! their projection.
//!
//! A sale only appends movements, so its commit touches no page at random. The
//! projection (`stock_levels`) is brought up to date by [`Store::fold_stock`], off the
//! sale path; `settings.stock_folded_through` records the last movement folded in. Stock
//! on hand is always exact: the projection plus the movements not yet folded. Quantities
//! are integer millionths of a unit (piece or kg), exact and summed by SQLite itself.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use till_domain::{Disposition, SaleRecord};

use crate::{Result, Store, StoreError};

/// Millionths of a unit.
const MICRO: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// Setting that holds the id of the last movement folded into `stock_levels`.
const FOLDED_THROUGH: &str = "stock_folded_through";

/// Movements not yet folded that make [`Store::fold_stock`] worth its transaction.
pub const FOLD_AFTER: i64 = 256;

/// A quantity in millionths of a unit, or an error naming `what` if it is finer or too big.
fn to_micro(quantity: Decimal, what: impl FnOnce() -> String) -> Result<i64> {
    quantity
        .checked_mul(MICRO)
        .filter(|m| m.fract().is_zero())
        .and_then(|m| m.to_i64())
        .ok_or_else(|| StoreError::Conflict(format!("stock quantity {quantity} of {} cannot be recorded", what())))
}

fn from_micro(micro: i64) -> Decimal {
    (Decimal::from(micro) / MICRO).normalize()
}

fn folded_through(conn: &Connection) -> Result<i64> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([FOLDED_THROUGH], |r| r.get(0))
        .optional()?;
    match text {
        None => Ok(0),
        Some(t) => t.parse().map_err(|_| StoreError::Corrupt(format!("settings.{FOLDED_THROUGH}: '{t}'"))),
    }
}

/// The location damaged returns are written off to.
pub fn damaged_location(location: &str) -> String {
    format!("{location}/damaged")
}

/// Appends the stock movements of a document: sold goods leave `location` (a bundle's
/// components), returned goods come back to it or go to its damaged location, each at
/// its cost.
pub(crate) fn record_sale(tx: &Transaction<'_>, sale: &SaleRecord, seq: i64, location: &str) -> Result<()> {
    let at = sale.at.to_string();
    let damaged = damaged_location(location);
    let mut insert = tx.prepare_cached(
        "INSERT INTO stock_movements (sku, location, micro_units, reason, sale_seq, unit_cost, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for line in &sale.cart.lines {
        let qty = line.quantity.value();
        let what = || format!("line {} ({})", line.id.0, line.sku);
        let (sign, place, reason) = match line.returning.as_ref().map(|r| r.disposition) {
            None => (-1, location, "sale"),
            Some(Disposition::Restock) => (1, location, "return"),
            Some(Disposition::Damaged) => (1, damaged.as_str(), "damaged"),
        };
        if line.components.is_empty() {
            let cost = line.cost.map(|c| c.to_string());
            insert.execute(params![line.sku, place, sign * to_micro(qty, what)?, reason, seq, cost, at])?;
        }
        for c in &line.components {
            let moved = qty
                .checked_mul(c.quantity)
                .ok_or_else(|| StoreError::Conflict(format!("stock quantity of {} in {} overflows", c.sku, what())))?;
            insert.execute(params![c.sku, place, sign * to_micro(moved, what)?, reason, seq, None::<String>, at])?;
        }
    }
    Ok(())
}

impl Store {
    /// Stock on hand of `sku` at `location`: the projection plus the movements not yet
    /// folded into it (zero when never moved). One statement, so a fold committed by
    /// another connection (the app's housekeeping) meanwhile cannot count movements twice.
    pub fn stock_level(&self, sku: &str, location: &str) -> Result<Decimal> {
        let micro: i64 = self
            .conn
            .prepare_cached(
                "SELECT COALESCE((SELECT micro_units FROM stock_levels WHERE sku = ?1 AND location = ?2), 0) \
                 + (SELECT COALESCE(SUM(micro_units), 0) FROM stock_movements WHERE sku = ?1 AND location = ?2 \
                    AND id > COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?3), 0))",
            )?
            .query_row(params![sku, location, FOLDED_THROUGH], |r| r.get(0))?;
        Ok(from_micro(micro))
    }

    /// Folds the movements appended since the last fold into `stock_levels`, in one
    /// transaction. Returns how many were folded. Off the sale path (see `maintain`).
    pub fn fold_stock(&mut self) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let through = folded_through(&tx)?;
        let (last, count): (Option<i64>, i64) =
            tx.query_row("SELECT MAX(id), COUNT(*) FROM stock_movements WHERE id > ?1", [through], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let Some(last) = last else { return Ok(0) };
        tx.execute(
            "INSERT INTO stock_levels (sku, location, micro_units) \
             SELECT sku, location, SUM(micro_units) FROM stock_movements WHERE id > ?1 AND id <= ?2 GROUP BY sku, location \
             ON CONFLICT (sku, location) DO UPDATE SET micro_units = micro_units + excluded.micro_units",
            params![through, last],
        )?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![FOLDED_THROUGH, last.to_string()],
        )?;
        tx.commit()?;
        Ok(count)
    }

    /// Movements appended since the last fold. The ledger is append-only and SQLite gives
    /// each new row the id after the largest (a rolled-back append leaves no gap), so this
    /// is the distance from the last folded id to the last id: two lookups, however many
    /// movements wait.
    pub fn unfolded_stock_movements(&self) -> Result<i64> {
        let through = folded_through(&self.conn)?;
        Ok(self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(id), ?1) - ?1 FROM stock_movements")?
            .query_row([through], |r| r.get(0))?)
    }

    /// Projected levels that disagree with the sum of the movements folded into them
    /// (empty when the projection holds): (sku, location, projected, ledger sum).
    pub fn stock_mismatches(&self) -> Result<Vec<(String, String, Decimal, Decimal)>> {
        let through = folded_through(&self.conn)?;
        let mut stmt = self.conn.prepare(
            "WITH ledger AS (SELECT sku, location, SUM(micro_units) AS total FROM stock_movements WHERE id <= ?1 \
                             GROUP BY sku, location) \
             SELECT l.sku, l.location, COALESCE(s.micro_units, 0), l.total FROM ledger l \
               LEFT JOIN stock_levels s ON s.sku = l.sku AND s.location = l.location \
               WHERE COALESCE(s.micro_units, 0) != l.total \
             UNION ALL \
             SELECT s.sku, s.location, s.micro_units, 0 FROM stock_levels s \
               WHERE s.micro_units != 0 AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.sku = s.sku AND l.location = s.location) \
             ORDER BY 1, 2",
        )?;
        let rows = stmt.query_map([through], |r| {
            let (p, l): (i64, i64) = (r.get(2)?, r.get(3)?);
            Ok((r.get(0)?, r.get(1)?, from_micro(p), from_micro(l)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
