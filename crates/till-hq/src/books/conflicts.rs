//! Conflicts: what HQ could not reconcile on its own, typed, each saying what it needs
//! from a person; raised once per kind and subject, listed, and resolved on the record.

use crate::db::Tx;
use crate::domain::sha256_hex;
use crate::error::HqError;

/// The kinds of conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// A sale id HQ already holds arrived with different content; the second was not
    /// counted.
    SaleIdCollision,
    /// A register's journal does not follow on from what HQ holds (edited, restored from
    /// an old backup, cloned), or a record does not match its hash. Materializing that
    /// register stops until resolved.
    BrokenChain,
    /// A register's clock is far from HQ's.
    ClockSkew,
    /// A store's counter went below zero: more was sold than HQ knew was there.
    StockBelowZero,
    /// A line sold offline at a base price that a newer catalog, already in force, changed.
    PriceChangedOffline,
    /// A line sold offline of an item a newer catalog, already in force, retired.
    SkuRetired,
    /// A webstore order's line matches no catalog SKU or barcode (or a retired one); it is
    /// stored on the order but not routed.
    OrderLineUnknown,
    /// An order's goods were handed over more than once — the same pickup token used at
    /// two registers while they could not see each other.
    PickupHandedOverTwice,
    /// A sale claims to be priced with a catalog version this HQ never published: the
    /// register sold on another HQ's catalog, or its data was altered.
    UnknownCatalogVersion,
    /// A return of an online order takes back more of a line than was fulfilled (two
    /// registers took the same goods back while they could not see each other); its online
    /// refund is held.
    OnlineReturnExceedsFulfilled,
}

impl ConflictKind {
    /// Its name in listings and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::SaleIdCollision => "sale_id_collision",
            ConflictKind::BrokenChain => "broken_chain",
            ConflictKind::ClockSkew => "clock_skew",
            ConflictKind::StockBelowZero => "stock_below_zero",
            ConflictKind::PriceChangedOffline => "price_changed_offline",
            ConflictKind::SkuRetired => "sku_retired",
            ConflictKind::OrderLineUnknown => "order_line_unknown",
            ConflictKind::PickupHandedOverTwice => "pickup_handed_over_twice",
            ConflictKind::UnknownCatalogVersion => "unknown_catalog_version",
            ConflictKind::OnlineReturnExceedsFulfilled => "online_return_exceeds_fulfilled",
        }
    }

    /// What a person has to do about it.
    pub fn needs(self) -> &'static str {
        match self {
            ConflictKind::SaleIdCollision => {
                "compare both sales on their registers; the later one is not in HQ's totals until re-rung under a new id"
            }
            ConflictKind::BrokenChain => {
                "inspect the register (restored backup? cloned disk? edited file?); resolving accepts the record and resumes from it"
            }
            ConflictKind::ClockSkew => "set the register's clock (enable NTP); its sales carry its own time",
            ConflictKind::StockBelowZero => "count the shelf and record a stock-take; check for unrecorded receipts",
            ConflictKind::PriceChangedOffline => {
                "decide whether the difference is written off or recovered; the sale stands as rung"
            }
            ConflictKind::SkuRetired => {
                "check the shelf for retired stock and take it off sale; the sale stands as rung"
            }
            ConflictKind::OrderLineUnknown => {
                "fix the SKU in the webstore or publish the item in the catalog, then `till-hq order reroute ORDER`"
            }
            ConflictKind::PickupHandedOverTwice => {
                "ask the customer back for what was given twice (or charge it); the stock counters already count both"
            }
            ConflictKind::OnlineReturnExceedsFulfilled => {
                "check what came back at each store; resolving releases the held online refund (refund it only if the goods are really back)"
            }
            ConflictKind::UnknownCatalogVersion => {
                "check where the register was enrolled before and whether its catalog was altered; its prices are not this HQ's, the sale stands as rung"
            }
        }
    }
}

/// A conflict as listed: its row.
pub use crate::db::rows::ConflictRow as Conflict;

/// Raises a conflict in `tx` unless the same one (kind and subject) is already recorded.
/// Returns its id.
pub(crate) fn raise(
    tx: &mut dyn Tx,
    kind: ConflictKind,
    subject: &str,
    store: &str,
    register: &str,
    detail: &str,
    now: jiff::Timestamp,
) -> Result<String, HqError> {
    let id = sha256_hex(&format!("{}\u{1f}{subject}", kind.as_str()))[..12].to_string();
    tx.exec(
        "INSERT INTO conflicts (id, kind, subject, store, register, detail, needs, raised_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        &[
            id.as_str().into(),
            kind.as_str().into(),
            subject.into(),
            store.into(),
            register.into(),
            detail.into(),
            kind.needs().into(),
            now.to_string().into(),
        ],
    )?;
    tracing::warn!(kind = kind.as_str(), subject, detail, "conflict");
    Ok(id)
}

/// Every conflict (open ones only unless `include_resolved`), open first, then by when
/// they were raised.
pub(crate) fn list(tx: &mut dyn Tx, include_resolved: bool) -> Result<Vec<Conflict>, HqError> {
    let rows =
        tx.query(&format!("SELECT {} FROM conflicts ORDER BY resolved_at, raised_at, id", Conflict::COLUMNS), &[])?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let c = Conflict::from_row(r)?;
        if include_resolved || c.resolved_at.is_empty() {
            out.push(c);
        }
    }
    Ok(out)
}

/// Opens conflict `id` again if it was resolved (a fork warning resolved earlier that now
/// blocks a register's chain must be seen).
pub(crate) fn reopen(tx: &mut dyn Tx, id: &str) -> Result<(), HqError> {
    tx.exec("UPDATE conflicts SET resolved_at = '', resolution = '' WHERE id = $1", &[id.into()])?;
    Ok(())
}
