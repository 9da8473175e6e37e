//! Conflicts: what HQ could not reconcile on its own, typed, each saying what it needs
//! from a person, and resolved on the record.

use serde::Serialize;

use crate::db::{Tx, with_tx};
use crate::{Hq, HqError, sha256_hex};

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
        }
    }
}

/// A conflict as listed.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
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

impl Hq {
    /// Conflicts, open first, then by when they were raised.
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>, HqError> {
        with_tx(self.db(), |tx| {
            let rows = tx.query(
                "SELECT id, kind, subject, store, register, detail, needs, raised_at, resolved_at, resolution \
                 FROM conflicts ORDER BY resolved_at, raised_at, id",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| Conflict {
                    id: r.text(0),
                    kind: r.text(1),
                    subject: r.text(2),
                    store: r.text(3),
                    register: r.text(4),
                    detail: r.text(5),
                    needs: r.text(6),
                    raised_at: r.text(7),
                    resolved_at: r.text(8),
                    resolution: r.text(9),
                })
                .filter(|c| include_resolved || c.resolved_at.is_empty())
                .collect())
        })
    }

    /// Resolves conflict `id` with a note saying what was done. A broken chain's
    /// resolution accepts the offending record and lets materializing resume from it —
    /// at once when HQ can compute its hash or the manager gives it (`anchor`: the
    /// register's own hash of that record), else once the register has sent its own.
    pub fn resolve(
        &self,
        id: &str,
        note: &str,
        anchor: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<Conflict, HqError> {
        if note.trim().is_empty() {
            return Err(HqError::BadRequest("say what was done: --note TEXT".into()));
        }
        if let Some(hash) = anchor
            && !till_docs::is_record_hash(hash)
        {
            return Err(HqError::BadRequest(format!("--anchor '{hash}': a record hash is 64 lowercase hex digits")));
        }
        with_tx(self.db(), |tx| {
            let found = tx
                .one("SELECT kind, subject, resolved_at, store, register FROM conflicts WHERE id = $1", &[id.into()])?;
            let Some(r) = found else { return Err(HqError::NotFound(format!("no conflict {id}"))) };
            if !r.text(2).is_empty() {
                return Err(HqError::BadRequest(format!("conflict {id} was already resolved at {}", r.text(2))));
            }
            tx.exec(
                "UPDATE conflicts SET resolved_at = $2, resolution = $3 WHERE id = $1",
                &[id.into(), now.to_string().into(), note.into()],
            )?;
            let broken = r.text(0) == ConflictKind::BrokenChain.as_str();
            if anchor.is_some() && !broken {
                return Err(HqError::BadRequest(format!("--anchor is for a broken chain; {id} is {}", r.text(0))));
            }
            if broken {
                let key = format!("{}/{}", r.text(3), r.text(4));
                tx.lock(&key)?;
                tx.exec(
                    "UPDATE registers SET halted = '', accept_seq = through_seq + 1, accept_hash = $3 WHERE key = $1 AND halted = $2",
                    &[key.as_str().into(), id.into(), anchor.unwrap_or_default().into()],
                )?;
                crate::ingest::materialize(tx, &key, now)?;
            }
            Ok(())
        })?;
        self.conflicts(true)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| HqError::Internal(format!("conflict {id} vanished")))
    }
}
