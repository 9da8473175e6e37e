//! `conflicts`: what HQ could not reconcile on its own, and how each was resolved.

use serde::Serialize;

use crate::db::{Row, RowError};

/// A row of `conflicts`, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    /// Stable id (from kind and subject).
    pub id: String,
    /// Kind (`sale_id_collision`, `broken_chain`, `clock_skew`, `stock_below_zero`,
    /// `price_changed_offline`, `sku_retired`, `order_line_unknown`, `pickup_handed_over_twice`).
    pub kind: String,
    /// What it is about (sale id, `STORE/REGISTER/SEQ`, `STORE/LOCATION/SKU`…).
    pub subject: String,
    /// Store.
    pub store: String,
    /// Register ("" for store-wide).
    pub register: String,
    /// What was found.
    pub detail: String,
    /// What it needs from a person.
    pub needs: String,
    /// When HQ raised it.
    pub raised_at: String,
    /// When it was resolved ("" while open).
    pub resolved_at: String,
    /// How.
    pub resolution: String,
}

impl ConflictRow {
    /// The columns [`ConflictRow::from_row`] reads.
    pub const COLUMNS: &str = "id, kind, subject, store, register, detail, needs, raised_at, resolved_at, resolution";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<ConflictRow, RowError> {
        let r = row.of("conflicts");
        Ok(ConflictRow {
            id: r.text("id")?,
            kind: r.text("kind")?,
            subject: r.text("subject")?,
            store: r.text("store")?,
            register: r.text("register")?,
            detail: r.text("detail")?,
            needs: r.text("needs")?,
            raised_at: r.text("raised_at")?,
            resolved_at: r.text("resolved_at")?,
            resolution: r.text("resolution")?,
        })
    }
}
