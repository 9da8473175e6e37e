//! The writers' side of the materialised chain stock (`chain_stock`, see
//! [`super::chain_stock`]): a stock document saved, a reservation made or ended, a location
//! changed each write what they touched and mark those rows dirty, in their own
//! transaction. Its own module, below the documents, reservations and locations that call
//! it, so none of them imports the fold and read side that reads them.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use till_docs::{AutoCommit, DocId, StockDoc, heads_from_text};

use crate::db::Tx;
use crate::error::{HqError, internal};

/// The sellable units of `sku` in a stock document (every location but damaged goods).
fn sellable(doc: &AutoCommit, sku: &str) -> Result<Decimal, HqError> {
    let micro = StockDoc::sum(doc, sku, |l| !l.ends_with("/damaged")).map_err(internal)?;
    Ok(Decimal::new(micro, 6).normalize())
}

/// Every SKU with a counter in a stock document.
pub(super) fn all_skus(doc: &AutoCommit) -> Result<BTreeSet<String>, HqError> {
    Ok(StockDoc::all(doc).map_err(internal)?.into_iter().map(|(_, sku, _)| sku).collect())
}

/// Writes the on-hand units of `skus` at `location` from `doc` and marks them dirty.
pub(super) fn write_on_hand(
    tx: &mut dyn Tx,
    location: &str,
    doc: &AutoCommit,
    skus: &BTreeSet<String>,
) -> Result<(), HqError> {
    for sku in skus {
        let on_hand = sellable(doc, sku)?;
        tx.exec(
            "INSERT INTO chain_stock (location, sku, on_hand, available, pickup, dirty, changed_seq) \
             VALUES ($1, $2, $3, '0', 0, 1, 0) ON CONFLICT (location, sku) DO UPDATE \
             SET on_hand = excluded.on_hand, dirty = chain_stock.dirty + 1",
            &[location.into(), sku.as_str().into(), on_hand.to_string().into()],
        )?;
    }
    Ok(())
}

/// After stock document `id` was changed to `doc` (saved in this transaction; `old_heads`:
/// the heads of the copy it replaces, `None` if HQ held none): records the on-hand units
/// of the SKUs the changes touched — found from the changes themselves, or every SKU when
/// a location was made or replaced or the old heads are not in the document.
pub(crate) fn doc_saved(
    tx: &mut dyn Tx,
    id: &DocId,
    doc: &mut AutoCommit,
    old_heads: Option<&str>,
) -> Result<(), HqError> {
    let location = id.store().to_string();
    let old = old_heads.and_then(heads_from_text);
    let touched = match &old {
        Some(heads) if heads.iter().all(|h| doc.get_change_by_hash(h).is_some()) => {
            StockDoc::touched_skus(&doc.get_changes(heads))
        }
        _ => None,
    };
    let skus = match touched {
        Some(skus) => skus,
        None => {
            let mut skus = all_skus(doc)?;
            // SKUs the table holds and the document no longer does go to 0.
            for r in tx.query("SELECT sku FROM chain_stock WHERE location = $1", &[location.as_str().into()])? {
                skus.insert(r.of("chain_stock").text("sku")?);
            }
            skus
        }
    };
    write_on_hand(tx, &location, doc, &skus)
}

/// After a reservation of `sku` at `location` was made or ended: its row is dirty.
pub(crate) fn reservation_changed(tx: &mut dyn Tx, location: &str, sku: &str) -> Result<(), HqError> {
    tx.exec(
        "INSERT INTO chain_stock (location, sku, on_hand, available, pickup, dirty, changed_seq) \
         VALUES ($1, $2, '0', '0', 0, 1, 0) ON CONFLICT (location, sku) DO UPDATE SET dirty = chain_stock.dirty + 1",
        &[location.into(), sku.into()],
    )?;
    Ok(())
}

/// After location `location` was added or changed (its pickup, its safety buffer): every
/// row of it is dirty.
pub(crate) fn location_changed(tx: &mut dyn Tx, location: &str) -> Result<(), HqError> {
    tx.exec("UPDATE chain_stock SET dirty = dirty + 1 WHERE location = $1", &[location.into()])?;
    Ok(())
}
