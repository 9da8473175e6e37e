//! A store's inventory counters: `location → SKU → counter` in millionths of a unit.
//! HQ creates each counter (with the stock it knows); registers and stock-takes only
//! increment, so every replica's value converges to initial + receipts − sales + returns.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::Result;

/// Reading and changing inventory counters.
pub struct StockDoc;

fn location_obj(doc: &AutoCommit, location: &str) -> Result<Option<ObjId>> {
    Ok(match doc.get(ROOT, location)? {
        Some((Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

impl StockDoc {
    /// Creates the counter of `sku` at `location` with `initial` (HQ only). Returns
    /// `false`, changing nothing, when it already exists.
    pub fn create(doc: &mut AutoCommit, location: &str, sku: &str, initial: i64) -> Result<bool> {
        let loc = match location_obj(doc, location)? {
            Some(id) => id,
            None => doc.put_object(ROOT, location, ObjType::Map)?,
        };
        if doc.get(&loc, sku)?.is_some() {
            return Ok(false);
        }
        doc.put(&loc, sku, ScalarValue::counter(initial))?;
        Ok(true)
    }

    /// Adds `by` to the counter of `sku` at `location`. Returns `false`, changing
    /// nothing, when HQ has not created that counter (yet).
    pub fn increment(doc: &mut AutoCommit, location: &str, sku: &str, by: i64) -> Result<bool> {
        let Some(loc) = location_obj(doc, location)? else { return Ok(false) };
        if !matches!(doc.get(&loc, sku)?, Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Counter(_)))
        {
            return Ok(false);
        }
        doc.increment(&loc, sku, by)?;
        Ok(true)
    }

    /// The counter's value, if it exists.
    pub fn value(doc: &AutoCommit, location: &str, sku: &str) -> Result<Option<i64>> {
        let Some(loc) = location_obj(doc, location)? else { return Ok(None) };
        Ok(match doc.get(&loc, sku)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Counter(c) => Some(i64::from(c)),
                _ => None,
            },
            _ => None,
        })
    }

    /// Whether `after` only incremented counters that `before` already had: no counter
    /// created, removed or overwritten — all a register (or a peer) may do.
    pub fn only_increments(before: &AutoCommit, after: &AutoCommit) -> Result<bool> {
        let keys = |doc: &AutoCommit| -> Result<Vec<(String, String)>> {
            Ok(StockDoc::all(doc)?.into_iter().map(|(l, s, _)| (l, s)).collect())
        };
        let locations = |doc: &AutoCommit| doc.keys(ROOT).count();
        Ok(keys(before)? == keys(after)? && locations(before) == locations(after))
    }

    /// Every counter as `(location, sku, value)`, sorted.
    pub fn all(doc: &AutoCommit) -> Result<Vec<(String, String, i64)>> {
        let mut out = Vec::new();
        for location in doc.keys(ROOT).collect::<Vec<_>>() {
            let Some(loc) = location_obj(doc, &location)? else { continue };
            for sku in doc.keys(&loc).collect::<Vec<_>>() {
                if let Some(v) = StockDoc::value(doc, &location, &sku)? {
                    out.push((location.clone(), sku, v));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{commit, load};
    use automerge::ActorId;

    #[test]
    fn increments_from_two_registers_add_up() {
        let mut hq = load(&[], &ActorId::random()).unwrap();
        assert!(StockDoc::create(&mut hq, "floor", "SKU-1", 10_000_000).unwrap());
        assert!(!StockDoc::create(&mut hq, "floor", "SKU-1", 5).unwrap());
        commit(&mut hq).unwrap();
        let saved = hq.save();
        let mut r1 = load(&saved, &ActorId::random()).unwrap();
        let mut r2 = load(&saved, &ActorId::random()).unwrap();
        assert!(StockDoc::increment(&mut r1, "floor", "SKU-1", -2_000_000).unwrap());
        assert!(StockDoc::increment(&mut r2, "floor", "SKU-1", -3_000_000).unwrap());
        assert!(!StockDoc::increment(&mut r2, "floor", "SKU-2", -1).unwrap());
        commit(&mut r1).unwrap();
        commit(&mut r2).unwrap();
        hq.merge(&mut r1).unwrap();
        hq.merge(&mut r2).unwrap();
        assert_eq!(StockDoc::value(&hq, "floor", "SKU-1").unwrap(), Some(5_000_000));
        assert_eq!(StockDoc::all(&hq).unwrap(), vec![("floor".into(), "SKU-1".into(), 5_000_000)]);
        assert!(StockDoc::only_increments(&r1, &hq).unwrap());

        // Creating or overwriting a counter is not an increment.
        let mut rogue = load(&hq.save(), &ActorId::random()).unwrap();
        assert!(StockDoc::create(&mut rogue, "floor", "SKU-9", 1).unwrap());
        assert!(!StockDoc::only_increments(&hq, &rogue).unwrap());
        let mut rogue = load(&hq.save(), &ActorId::random()).unwrap();
        let floor = match rogue.get(ROOT, "floor").unwrap() {
            Some((_, id)) => id,
            None => unreachable!(),
        };
        rogue.put(&floor, "SKU-1", 1_000_000_i64).unwrap();
        assert!(!StockDoc::only_increments(&hq, &rogue).unwrap());
    }
}
