//! The chain's stock, materialised (`chain_stock`): per location and SKU the sellable units
//! of the location's stock document, what an order may take there, and the sequence number
//! of its last change — so a register asks for what changed since its watermark and a
//! quiet chain answers with nothing.
//!
//! Two steps, so no writer waits for a chain-wide lock:
//! - A writer (a stock document saved, a reservation made or ended, a location changed)
//!   writes the new on-hand units of the SKUs it touched and bumps their `dirty` count, in
//!   its own transaction, under the locks it already holds.
//! - A fold ([`fold`], its own short transaction, the only one that takes the
//!   `chain_stock` lock and hands out sequence numbers) recomputes `available` for the
//!   dirty rows and numbers the rows whose answer changed. Sequence numbers are handed out
//!   and committed in order, so a reader that saw number N has seen every row numbered
//!   below it. Readers fold before they read.
//!
//! The first fold after the table is created reads every stock document in (`built`) and
//! names the numbering (`epoch`): a register holding another epoch's watermark refetches.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use till_docs::{ActorId, DocId};
use till_protocol::ChainStockRow;

use super::chain_stock_marks::{all_skus, write_on_hand};
use super::{docs, locations, reservations};
use crate::db::{Db, Tx, with_read, with_tx};
use crate::domain::routing::Site;
use crate::error::{HqError, internal};

/// Rows in a page when the register names no limit.
pub const DEFAULT_PAGE: u64 = 5_000;
/// Most rows in one page, whatever the register asks.
pub const MAX_PAGE: u64 = 10_000;

/// One page of the chain's stock changes.
#[derive(Debug, Clone)]
pub struct ChangesPage {
    /// The numbering the watermarks belong to.
    pub epoch: String,
    /// Whether the asked watermark was not this epoch's (or ahead of it): this page starts
    /// a full fetch from 0, and the register drops what the fetch does not bring.
    pub reset: bool,
    /// The rows changed after the watermark, in change order (at most the page size).
    pub rows: Vec<ChainStockRow>,
    /// The watermark to ask from next.
    pub next: u64,
    /// Whether more changes wait after `next`.
    pub more: bool,
}

/// The table's numbering: the last sequence number, the epoch, and whether it was built.
fn meta(tx: &mut dyn Tx) -> Result<(u64, String, bool), HqError> {
    let r = tx
        .one("SELECT seq, epoch, built FROM chain_stock_meta WHERE id = 1", &[])?
        .ok_or_else(|| internal("chain_stock_meta has no row"))?;
    let f = r.of("chain_stock_meta");
    Ok((f.count("seq")?, f.text("epoch")?, f.flag("built")?))
}

/// Reads every stock document HQ holds into the table (each under its document's lock, so
/// no save of it interleaves).
fn build(tx: &mut dyn Tx, actor: &ActorId) -> Result<(), HqError> {
    let ids: Vec<String> = tx
        .query("SELECT id FROM docs WHERE id LIKE 'stock/%' ORDER BY id", &[])?
        .iter()
        .map(|r| r.of("docs").text("id"))
        .collect::<Result<_, _>>()?;
    for text in ids {
        let id = DocId::parse(&text).map_err(|e| internal(format!("stored document id {text}: {e}")))?;
        tx.lock(id.as_str())?;
        let doc = docs::load(tx, actor, &id)?;
        write_on_hand(tx, id.store(), &doc, &all_skus(&doc)?)?;
    }
    Ok(())
}

/// What an order may take: on hand less reserved less the safety buffer, never below 0.
fn available(site: &Site, on_hand: Decimal, reserved: Decimal) -> Result<Decimal, HqError> {
    Ok(on_hand
        .checked_sub(reserved)
        .and_then(|a| a.checked_sub(site.safety_buffer))
        .ok_or_else(|| internal(format!("the stock at {} overflows", site.id)))?
        .max(Decimal::ZERO)
        .normalize())
}

/// Whether a fold has anything to do.
fn needs_fold(tx: &mut dyn Tx) -> Result<bool, HqError> {
    let (_, _, built) = meta(tx)?;
    Ok(!built || tx.one("SELECT 1 AS one FROM chain_stock WHERE dirty > 0 LIMIT 1", &[])?.is_some())
}

/// The name of a numbering begun at `now`: its time in milliseconds after a letter. A bare
/// run of 13 digits would be stored and sent as one, and one time in ten it passes the Luhn
/// check — a card number to a scan of the register's files and HQ's traffic
/// (tests/card_numbers.rs), which must find none.
fn epoch_name(now: jiff::Timestamp) -> String {
    format!("e{}", now.as_millisecond())
}

/// Folds the dirty rows into `available` and numbers the rows whose answer changed (the
/// first time, after reading every stock document in). Its own transaction; skipped when
/// nothing is dirty. `now` names a new epoch.
pub(crate) fn fold(db: &dyn Db, actor: &ActorId, now: jiff::Timestamp) -> Result<(), HqError> {
    if !with_read(db, needs_fold)? {
        return Ok(());
    }
    with_tx(db, |tx| {
        tx.lock("chain_stock")?;
        let (mut seq, mut epoch, built) = meta(tx)?;
        if !built {
            build(tx, actor)?;
            epoch = epoch_name(now);
        }
        let sites: BTreeMap<String, Site> = locations::sites(tx)?.into_iter().map(|s| (s.id.clone(), s)).collect();
        let rows = tx.query(
            "SELECT location, sku, on_hand, available, pickup, dirty, changed_seq FROM chain_stock \
             WHERE dirty > 0 ORDER BY location, sku",
            &[],
        )?;
        let mut reserved: Option<(String, BTreeMap<String, Decimal>)> = None;
        for r in &rows {
            let f = r.of("chain_stock");
            let (location, sku) = (f.text("location")?, f.text("sku")?);
            let (on_hand, old_available, old_pickup) =
                (f.decimal("on_hand")?, f.decimal("available")?, f.flag("pickup")?);
            let (dirty, old_seq) = (f.int("dirty")?, f.int("changed_seq")?);
            let (new_available, pickup) = match sites.get(&location) {
                Some(site) => {
                    if reserved.as_ref().is_none_or(|(l, _)| *l != location) {
                        reserved = Some((location.clone(), reservations::reserved(tx, &location)?));
                    }
                    let held = reserved.as_ref().and_then(|(_, m)| m.get(&sku)).copied().unwrap_or_default();
                    (available(site, on_hand, held)?, site.pickup)
                }
                // Not a location orders go to: never served (a row served before goes to 0).
                None => (Decimal::ZERO, false),
            };
            let changed = new_available != old_available || pickup != old_pickup;
            let served = sites.contains_key(&location) || old_seq > 0;
            let new_seq = if changed && served {
                seq += 1;
                seq as i64
            } else {
                old_seq
            };
            // A writer that marked the row again meanwhile leaves it dirty for the next fold.
            tx.exec(
                "UPDATE chain_stock SET available = $3, pickup = $4, changed_seq = $5, dirty = 0 \
                 WHERE location = $1 AND sku = $2 AND dirty = $6",
                &[
                    location.as_str().into(),
                    sku.as_str().into(),
                    new_available.to_string().into(),
                    i64::from(pickup).into(),
                    new_seq.into(),
                    dirty.into(),
                ],
            )?;
        }
        tx.exec(
            "UPDATE chain_stock_meta SET seq = $1, epoch = $2, built = 1 WHERE id = 1",
            &[(seq as i64).into(), epoch.as_str().into()],
        )?;
        Ok(())
    })
}

/// The rows changed after watermark `since` of `epoch`, at most `limit` (clamped to
/// 1..=[`MAX_PAGE`]), in change order. A watermark of another epoch, or ahead of this
/// one's, starts a full fetch from 0; a fetch from 0 leaves out what is at 0.
pub(crate) fn changes(tx: &mut dyn Tx, since: u64, epoch: &str, limit: u64) -> Result<ChangesPage, HqError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let (seq, current, _) = meta(tx)?;
    let reset = (since > 0 || !epoch.is_empty()) && (epoch != current || since > seq);
    let since = if reset { 0 } else { since };
    let found = tx.query(
        "SELECT location, sku, available, pickup, changed_seq FROM chain_stock WHERE changed_seq > $1 \
         ORDER BY changed_seq LIMIT $2",
        &[(since as i64).into(), (limit as i64 + 1).into()],
    )?;
    let more = found.len() as u64 > limit;
    let mut next = since;
    let mut rows = Vec::new();
    for r in found.iter().take(limit as usize) {
        let f = r.of("chain_stock");
        next = f.count("changed_seq")?;
        let available = f.decimal("available")?;
        if since == 0 && available.is_zero() {
            continue;
        }
        rows.push(ChainStockRow {
            location: f.text("location")?,
            sku: f.text("sku")?,
            available: available.normalize().to_string(),
            pickup: f.flag("pickup")?,
        });
    }
    Ok(ChangesPage { epoch: current, reset, rows, next, more })
}

/// Every location's available units of every SKU it has any of, by location and SKU.
pub(crate) fn snapshot(tx: &mut dyn Tx) -> Result<Vec<ChainStockRow>, HqError> {
    let found = tx.query(
        "SELECT location, sku, available, pickup FROM chain_stock WHERE changed_seq > 0 ORDER BY location, sku",
        &[],
    )?;
    let mut out = Vec::new();
    for r in &found {
        let f = r.of("chain_stock");
        let available = f.decimal("available")?;
        if available > Decimal::ZERO {
            out.push(ChainStockRow {
                location: f.text("location")?,
                sku: f.text("sku")?,
                available: available.normalize().to_string(),
                pickup: f.flag("pickup")?,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_name_is_never_a_bare_run_of_digits() {
        // 2026-12-08T01:23:41.786Z: 1796693021786 passes the Luhn check.
        let at = jiff::Timestamp::from_millisecond(1_796_693_021_786).unwrap();
        assert_eq!(epoch_name(at), "e1796693021786");
        assert!(epoch_name(jiff::Timestamp::UNIX_EPOCH).starts_with('e'));
    }
}
