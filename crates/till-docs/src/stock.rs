//! A store's inventory counters: `location → SKU → counter` in millionths of a unit.
//! HQ creates each counter (with the stock it knows); registers and stock-takes only
//! increment, so every replica's value converges to initial + receipts − sales + returns.

use std::collections::{BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, Change, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::{Result, ShapeError};

/// A put value in words (counters say so: a counter put over a counter replaces it).
fn describe(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Counter(c) => format!("a new counter ({})", i64::from(c)),
        other => format!("the value {other}"),
    }
}

/// Reading and changing inventory counters.
pub struct StockDoc;

/// Most units one increment from a register or peer may add to or take from a counter.
pub const MAX_INCREMENT: i64 = 1_000_000_000;

/// Furthest a counter may go from zero by increments from registers and peers.
pub const MAX_COUNTER: i64 = 1_000_000_000_000_000;

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

    /// Checks the operations of `changes` — changes received for document `name` that
    /// `held` (the copy before them) does not have — against what a register or a peer may
    /// do: every operation increments a counter `held` already has, at a location it
    /// already has. A counter made, overwritten (even by a new counter) or deleted, a
    /// location made or replaced, anything put anywhere: refused, naming the change and
    /// what it did. HQ's own changes (it creates counters) are not checked this way.
    pub fn check_increments(held: &AutoCommit, changes: &[Change], name: &str) -> std::result::Result<(), ShapeError> {
        let bad = |path: String, reason: String| ShapeError { doc: name.to_string(), path, reason };
        // The locations held, by the id of their map.
        let mut locations: HashMap<String, (String, ObjId)> = HashMap::new();
        for location in held.keys(ROOT).collect::<Vec<_>>() {
            if let Some(obj) = location_obj(held, &location).map_err(|e| bad(location.clone(), e.to_string()))? {
                locations.insert(obj.to_string(), (location, obj));
            }
        }
        // Each counter's value with the increments checked so far.
        let mut totals: HashMap<String, i64> = HashMap::new();
        for change in changes {
            let hash = change.hash().to_string();
            let short = &hash[..hash.len().min(12)];
            for op in change.decode().operations {
                let what = match (&op.action, &op.key) {
                    (OpType::Increment(by), Key::Map(sku)) => {
                        let target = match &op.obj {
                            ObjectId::Id(id) => locations.get(&id.to_string()),
                            ObjectId::Root => None,
                        };
                        let Some((location, obj)) = target else {
                            return Err(bad(
                                format!("change {short}"),
                                format!("increments '{sku}' in an object that is not a location HQ created"),
                            ));
                        };
                        let path = format!("{location}.{sku}");
                        let held_counters: Vec<String> = held
                            .get_all(obj, sku.as_str())
                            .map_err(|e| bad(path.clone(), e.to_string()))?
                            .into_iter()
                            .filter(
                                |(v, _)| matches!(v, Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Counter(_))),
                            )
                            .map(|(_, id)| id.to_string())
                            .collect();
                        let preds: Vec<String> = op.pred.iter().map(ToString::to_string).collect();
                        if held_counters.is_empty()
                            || preds.is_empty()
                            || !preds.iter().all(|p| held_counters.contains(p))
                        {
                            return Err(bad(
                                path,
                                format!("change {short} increments a counter HQ has not created (or not this one)"),
                            ));
                        }
                        // Bounded, so no sum of increments overflows a counter (Automerge adds
                        // them unchecked when the value is read).
                        if by.unsigned_abs() > MAX_INCREMENT.unsigned_abs() {
                            return Err(bad(
                                path,
                                format!("change {short} increments by {by}: at most {MAX_INCREMENT} units either way"),
                            ));
                        }
                        let total = totals
                            .entry(path.clone())
                            .or_insert_with(|| StockDoc::value(held, location, sku).ok().flatten().unwrap_or(0));
                        *total = total
                            .checked_add(*by)
                            .filter(|t| t.unsigned_abs() <= MAX_COUNTER.unsigned_abs())
                            .ok_or_else(|| {
                                bad(
                                    path.clone(),
                                    format!("change {short} takes the counter beyond {MAX_COUNTER} units either way"),
                                )
                            })?;
                        continue;
                    }
                    (OpType::Increment(_), Key::Seq(_)) => "increments an element of a list".to_string(),
                    (OpType::Make(kind), _) => format!("makes a {kind:?}"),
                    (OpType::Delete, _) => "deletes".to_string(),
                    (OpType::Put(value), _) => format!("puts {}", describe(value)),
                    (OpType::MarkBegin(_) | OpType::MarkEnd(_), _) => "marks text".to_string(),
                };
                let at = match &op.key {
                    Key::Map(k) => k.to_string(),
                    Key::Seq(_) => "a list element".to_string(),
                };
                let in_obj = match &op.obj {
                    ObjectId::Root => String::new(),
                    ObjectId::Id(id) => match locations.get(&id.to_string()) {
                        Some((location, _)) => format!("{location}."),
                        None => format!("{id}."),
                    },
                };
                return Err(bad(
                    format!("{in_obj}{at}"),
                    format!("change {short} {what}: a register or peer may only increment the counters HQ created"),
                ));
            }
        }
        Ok(())
    }

    /// The SKUs whose counters `changes` touch (made, incremented, overwritten or
    /// deleted), or `None` when a change touches a location itself (made, replaced,
    /// deleted): then any SKU may have changed.
    pub fn touched_skus(changes: &[Change]) -> Option<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for change in changes {
            for op in change.decode().operations {
                match (&op.obj, &op.key) {
                    (ObjectId::Id(_), Key::Map(sku)) => {
                        out.insert(sku.to_string());
                    }
                    _ => return None,
                }
            }
        }
        Some(out)
    }

    /// The units of `sku` in every location of the document whose name `sellable` accepts
    /// (summed; `0` when it has no counter there).
    pub fn sum(doc: &AutoCommit, sku: &str, sellable: impl Fn(&str) -> bool) -> Result<i64> {
        let mut total: i64 = 0;
        for location in doc.keys(ROOT).collect::<Vec<_>>() {
            if !sellable(&location) {
                continue;
            }
            if let Some(v) = StockDoc::value(doc, &location, sku)? {
                total = total.saturating_add(v);
            }
        }
        Ok(total)
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
    }

    #[test]
    fn touched_skus_names_the_counters_changed_and_gives_up_on_a_new_location() {
        let mut hq = load(&[], &ActorId::random()).unwrap();
        StockDoc::create(&mut hq, "floor", "SKU-1", 1).unwrap();
        StockDoc::create(&mut hq, "floor", "SKU-2", 1).unwrap();
        commit(&mut hq).unwrap();
        let before = hq.get_heads();
        StockDoc::increment(&mut hq, "floor", "SKU-2", 5).unwrap();
        commit(&mut hq).unwrap();
        let changes = hq.get_changes(&before);
        assert_eq!(StockDoc::touched_skus(&changes).unwrap().into_iter().collect::<Vec<_>>(), vec!["SKU-2"]);
        let before = hq.get_heads();
        StockDoc::create(&mut hq, "backroom", "SKU-1", 4).unwrap();
        commit(&mut hq).unwrap();
        assert_eq!(StockDoc::touched_skus(&hq.get_changes(&before)), None);
        assert_eq!(StockDoc::sum(&hq, "SKU-1", |_| true).unwrap(), 5);
        assert_eq!(StockDoc::sum(&hq, "SKU-1", |l| l != "backroom").unwrap(), 1);
    }

    /// HQ's copy with one counter, and a register's copy loaded from it.
    fn held_and_copy() -> (AutoCommit, AutoCommit) {
        let mut hq = load(&[], &ActorId::random()).unwrap();
        StockDoc::create(&mut hq, "floor", "SKU-1", 10_000_000).unwrap();
        commit(&mut hq).unwrap();
        let copy = load(&hq.save(), &ActorId::random()).unwrap();
        (hq, copy)
    }

    /// What `change` did to a copy of HQ's document, checked as a register's changes.
    fn checked(change: impl FnOnce(&mut AutoCommit)) -> std::result::Result<(), ShapeError> {
        let (mut held, mut copy) = held_and_copy();
        change(&mut copy);
        commit(&mut copy);
        let new = copy.get_changes(&held.get_heads());
        StockDoc::check_increments(&held, &new, "stock/AMS")
    }

    fn floor(doc: &AutoCommit) -> ObjId {
        location_obj(doc, "floor").unwrap().unwrap()
    }

    /// Found by the fuzzer (tests/fuzz/docs.rs): increments that add up past i64 made
    /// Automerge overflow when the counter was read (a panic in a debug build, a wrapped
    /// count in a release build). A register's increment is bounded, and so is the sum.
    #[test]
    fn an_increment_that_could_overflow_a_counter_is_refused() {
        let refused = checked(|d| {
            StockDoc::increment(d, "floor", "SKU-1", i64::MAX - 20_000_000).unwrap();
        })
        .unwrap_err();
        assert_eq!(refused.path, "floor.SKU-1");
        assert!(refused.reason.contains("at most 1000000000 units either way"), "{refused}");
        checked(|d| {
            StockDoc::increment(d, "floor", "SKU-1", -MAX_INCREMENT).unwrap();
        })
        .unwrap();
        // Many bounded increments in one batch may not add up past the bound either.
        let (mut held, mut copy) = held_and_copy();
        for _ in 0..3 {
            StockDoc::increment(&mut copy, "floor", "SKU-1", MAX_INCREMENT).unwrap();
            commit(&mut copy);
        }
        let new = copy.get_changes(&held.get_heads());
        StockDoc::check_increments(&held, &new, "stock/AMS").unwrap();
        let mut big = load(&[], &ActorId::random()).unwrap();
        StockDoc::create(&mut big, "floor", "SKU-1", MAX_COUNTER - 1).unwrap();
        commit(&mut big).unwrap();
        let mut copy = load(&big.save(), &ActorId::random()).unwrap();
        StockDoc::increment(&mut copy, "floor", "SKU-1", 2).unwrap();
        commit(&mut copy);
        let heads = big.get_heads();
        let err = StockDoc::check_increments(&big, &copy.get_changes(&heads), "stock/AMS").unwrap_err();
        assert!(err.reason.contains("beyond"), "{err}");
    }

    #[test]
    fn only_increments_of_counters_hq_created_pass_the_operations_check() {
        checked(|d| {
            StockDoc::increment(d, "floor", "SKU-1", -2_000_000).unwrap();
        })
        .unwrap();
        checked(|_| {}).unwrap();
        let refused = |why: &str, path: &str, change: &dyn Fn(&mut AutoCommit)| {
            let err = checked(change).unwrap_err();
            assert_eq!(err.doc, "stock/AMS");
            assert!(err.path == path && err.reason.contains(why), "{why}: {err}");
        };
        refused("puts a new counter (1)", "floor.SKU-9", &|d| {
            StockDoc::create(d, "floor", "SKU-9", 1).unwrap();
        });
        // A counter replaced by a new counter keeps the key set: the old check let it pass.
        refused("puts a new counter (99000000)", "floor.SKU-1", &|d| {
            let f = floor(d);
            d.put(&f, "SKU-1", ScalarValue::counter(99_000_000)).unwrap();
        });
        refused("puts the value 1000000", "floor.SKU-1", &|d| {
            let f = floor(d);
            d.put(&f, "SKU-1", 1_000_000_i64).unwrap();
        });
        refused("deletes", "floor.SKU-1", &|d| {
            let f = floor(d);
            d.delete(&f, "SKU-1").unwrap();
        });
        // The location map replaced by another with the same counter: same keys, new objects.
        refused("makes a Map", "floor", &|d| {
            let f = d.put_object(ROOT, "floor", ObjType::Map).unwrap();
            d.put(&f, "SKU-1", ScalarValue::counter(10_000_000)).unwrap();
        });
    }
}
