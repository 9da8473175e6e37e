//! The full shape of each kind of document, checked on everything another machine sends
//! (HQ on what a register sends, a register on what HQ or a peer answers, a peer server on
//! what a peer sends) before a byte of it is stored: unknown root keys refused, every value
//! of its field's type, counts and lengths within sane bounds. Every side of a conflict is
//! checked, not only the value a read shows today (a merge may show another one tomorrow).
//!
//! - journal: record numbers (12 digits) → one text of [`crate::journal`]'s eight fields
//!   (or a map of the first layout's named text fields).
//! - stock: location → SKU → Automerge counter, nothing else.
//! - order: `order` (HQ's header, required), `lines`, `picks`, `handovers`, `stage`,
//!   `notified`, `checkin`, `shipment`, each with its own fields, every value text (times
//!   RFC 3339, amounts exact decimals); and the whole must read as an order.
//!
//! Who may write what is a second check, on the operations of the new changes: see
//! [`crate::StockDoc::check_increments`] (a register or peer may only increment the
//! counters HQ created) and [`crate::OrderDoc::hq_part_unchanged`].

use std::str::FromStr;

use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use rust_decimal::Decimal;

use crate::{DocId, DocKind, OrderDoc};

/// Longest location name or SKU in a stock document, in bytes.
pub const MAX_STOCK_KEY: usize = 256;
/// Most locations in a store's stock document.
pub const MAX_LOCATIONS: usize = 10_000;
/// Most counters at one location.
pub const MAX_COUNTERS: usize = 10_000_000;
/// Longest text field of an order document, in bytes.
pub const MAX_ORDER_FIELD: usize = 16 * 1024;
/// Most entries in one of an order's maps (lines, picks, handovers, a handover's lines).
pub const MAX_ORDER_ENTRIES: usize = 10_000;
/// Longest journal record, in bytes (a sale of a few thousand lines).
pub const MAX_RECORD: usize = 4 << 20;
/// Most records in one journal document (one register's business day).
pub const MAX_RECORDS: usize = 1_000_000;

/// A document whose shape is not its kind's: which document, where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("document {doc}, {path}: {reason}")]
pub struct ShapeError {
    /// The document's id.
    pub doc: String,
    /// Where in it (`lines.1.quantity`; `(root)` for the document itself).
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

/// Checks that document `doc` has the full shape of the kind `id` names (see the module).
pub fn validate(doc: &AutoCommit, id: &DocId) -> Result<(), ShapeError> {
    let walk = Walk { doc, name: id.as_str() };
    match id.kind() {
        DocKind::Journal { .. } => walk.journal(),
        DocKind::Stock { .. } => walk.stock(),
        DocKind::Order { .. } => walk.order(),
    }
}

/// What a text field must hold.
#[derive(Clone, Copy)]
enum Text {
    /// Any text up to [`MAX_ORDER_FIELD`] bytes.
    Any,
    /// An exact decimal.
    Decimal,
    /// An exact decimal, or empty.
    DecimalOrEmpty,
    /// An RFC 3339 time.
    Time,
    /// One of these words.
    OneOf(&'static [&'static str]),
}

/// A map field of an order document: its name and what its values hold.
type Fields = &'static [(&'static str, Text)];

const HEADER: Fields = &[
    ("id", Text::Any),
    ("number", Text::Any),
    ("email", Text::Any),
    ("currency", Text::Any),
    ("store", Text::Any),
    ("fulfilment", Text::OneOf(&["pickup", "ship"])),
    ("paid_at", Text::OneOf(&["online", "counter"])),
    ("token_id", Text::Any),
    ("withdrawn", Text::Any),
];
const LINE: Fields = &[("sku", Text::Any), ("title", Text::Any), ("quantity", Text::Decimal), ("price", Text::Decimal)];
const PICK: Fields = &[
    ("picked", Text::Decimal),
    ("substitute_sku", Text::Any),
    ("substitute_price", Text::DecimalOrEmpty),
    ("consent", Text::Any),
    ("by", Text::Any),
    ("register", Text::Any),
    ("at", Text::Time),
];
const STAGE: Fields = &[("bin", Text::Any), ("by", Text::Any), ("at", Text::Time)];
const NOTICE: Fields = &[("to", Text::Any), ("at", Text::Time)];
const CHECKIN: Fields = &[("spot", Text::Any), ("at", Text::Time)];
const SHIPMENT: Fields = &[("carrier", Text::Any), ("tracking", Text::Any), ("by", Text::Any), ("at", Text::Time)];
const HANDOVER: Fields = &[
    ("register", Text::Any),
    ("sale", Text::Any),
    ("token_id", Text::Any),
    ("by", Text::Any),
    ("id_check", Text::Any),
    ("at", Text::Time),
];
/// The root keys of an order document; `order` is required.
const ORDER_ROOT: &[&str] = &["order", "lines", "picks", "handovers", "stage", "notified", "checkin", "shipment"];
/// Keys beyond a fixed map's fields that are read (to name the first unknown one) before
/// the map is refused for its size alone.
const SPARE_KEYS: usize = 16;
/// The fields of a journal record of the first layout (a map).
const RECORD_MAP: &[&str] = &["seq", "kind", "ref", "at", "amount", "grand_total", "hash", "prev_hash", "payload"];

struct Walk<'a> {
    doc: &'a AutoCommit,
    name: &'a str,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// A key as it may appear in an error: at most 80 characters, control characters escaped.
fn shown(key: &str) -> String {
    let cut: String = key.chars().take(80).collect();
    let escaped: String = cut.escape_debug().collect();
    if cut.len() < key.len() { format!("{escaped}…") } else { escaped }
}

fn line_key(k: &str) -> bool {
    k.parse::<u32>().is_ok_and(|n| n.to_string() == k)
}

impl<'a> Walk<'a> {
    fn bad(&self, path: &str, reason: impl Into<String>) -> ShapeError {
        let path = if path.is_empty() { "(root)".to_string() } else { path.to_string() };
        ShapeError { doc: self.name.to_string(), path, reason: reason.into() }
    }

    /// The keys of map `obj`, refused when more than `max`.
    fn keys(&self, obj: &ObjId, path: &str, max: usize) -> Result<Vec<String>, ShapeError> {
        let n = self.doc.length(obj);
        if n > max {
            return Err(self.bad(path, format!("{n} entries (at most {max})")));
        }
        Ok(self.doc.keys(obj).collect())
    }

    /// Every value under `key` of `obj`: each side of a conflict.
    fn values(&self, obj: &ObjId, key: &str, path: &str) -> Result<Vec<(Value<'a>, ObjId)>, ShapeError> {
        self.doc.get_all(obj, key).map_err(|e| self.bad(path, e.to_string()))
    }

    /// Every value under `key` must be a map; their ids.
    fn maps(&self, obj: &ObjId, key: &str, path: &str) -> Result<Vec<ObjId>, ShapeError> {
        let mut out = Vec::new();
        for (value, id) in self.values(obj, key, path)? {
            match value {
                Value::Object(ObjType::Map) => out.push(id),
                other => return Err(self.bad(path, format!("a map was expected, found {}", kind_of(&other)))),
            }
        }
        Ok(out)
    }

    /// Every value under `key` must be a text that `rule` allows.
    fn text(&self, obj: &ObjId, key: &str, path: &str, rule: Text, max: usize) -> Result<(), ShapeError> {
        for (value, _) in self.values(obj, key, path)? {
            let text = match &value {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Str(t) => t.to_string(),
                    _ => return Err(self.bad(path, format!("a text was expected, found {}", kind_of(&value)))),
                },
                _ => return Err(self.bad(path, format!("a text was expected, found {}", kind_of(&value)))),
            };
            if text.len() > max {
                return Err(self.bad(path, format!("{} bytes (at most {max})", text.len())));
            }
            let ok = match rule {
                Text::Any => true,
                Text::Decimal => Decimal::from_str_exact(&text).is_ok(),
                Text::DecimalOrEmpty => text.is_empty() || Decimal::from_str_exact(&text).is_ok(),
                Text::Time => jiff::Timestamp::from_str(&text).is_ok(),
                Text::OneOf(words) => words.contains(&text.as_str()),
            };
            if !ok {
                let want = match rule {
                    Text::Any => String::new(),
                    Text::Decimal => "an exact decimal".into(),
                    Text::DecimalOrEmpty => "an exact decimal or empty".into(),
                    Text::Time => "an RFC 3339 time".into(),
                    Text::OneOf(words) => format!("one of {}", words.join(", ")),
                };
                return Err(self.bad(path, format!("'{}' is not {want}", shown(&text))));
            }
        }
        Ok(())
    }

    /// A map of named text fields: each value a map holding only `fields`, each of its rule.
    fn record(&self, obj: &ObjId, path: &str, fields: Fields) -> Result<(), ShapeError> {
        for k in self.keys(obj, path, fields.len() + SPARE_KEYS)? {
            let field_path = join(path, &shown(&k));
            let Some((_, rule)) = fields.iter().find(|(name, _)| *name == k) else {
                return Err(self.bad(&field_path, "not a field of this map"));
            };
            self.text(obj, &k, &field_path, *rule, MAX_ORDER_FIELD)?;
        }
        Ok(())
    }

    fn journal(&self) -> Result<(), ShapeError> {
        for k in self.keys(&ROOT, "", MAX_RECORDS)? {
            let path = shown(&k);
            if !crate::journal::is_record_key(&k) {
                return Err(self.bad(&path, "not a record number from 1 to 2^63 - 1, zero-padded to 12 digits"));
            }
            for (value, obj) in self.values(&ROOT, &k, &path)? {
                match &value {
                    Value::Scalar(s) => match s.as_ref() {
                        ScalarValue::Str(t) => {
                            if t.len() > MAX_RECORD {
                                return Err(self.bad(&path, format!("{} bytes (at most {MAX_RECORD})", t.len())));
                            }
                            crate::journal::check_text(t).map_err(|reason| self.bad(&path, reason))?;
                        }
                        _ => return Err(self.bad(&path, format!("a text was expected, found {}", kind_of(&value)))),
                    },
                    // The first layout: a map of named fields (read so records written before
                    // an upgrade still reach HQ).
                    Value::Object(ObjType::Map) => {
                        for field in self.keys(&obj, &path, RECORD_MAP.len() + SPARE_KEYS)? {
                            let field_path = join(&path, &shown(&field));
                            if field == "seq" {
                                continue;
                            }
                            if !RECORD_MAP.contains(&field.as_str()) {
                                return Err(self.bad(&field_path, "not a field of a journal record"));
                            }
                            self.text(&obj, &field, &field_path, Text::Any, MAX_RECORD)?;
                        }
                        // And it reads as a record: every field there, the fields apart.
                        let text = crate::journal::map_record_text(self.doc, &obj)
                            .map_err(|e| self.bad(&path, e.to_string()))?
                            .map_err(|reason| self.bad(&path, reason))?;
                        crate::journal::check_text(&text).map_err(|reason| self.bad(&path, reason))?;
                    }
                    _ => return Err(self.bad(&path, format!("a text was expected, found {}", kind_of(&value)))),
                }
            }
        }
        Ok(())
    }

    fn stock(&self) -> Result<(), ShapeError> {
        let key_ok = |k: &str| !k.is_empty() && k.len() <= MAX_STOCK_KEY && !k.chars().any(char::is_control);
        for location in self.keys(&ROOT, "", MAX_LOCATIONS)? {
            let path = shown(&location);
            if !key_ok(&location) {
                return Err(self
                    .bad(&path, format!("a location name is 1 to {MAX_STOCK_KEY} bytes without control characters")));
            }
            for loc in self.maps(&ROOT, &location, &path)? {
                for sku in self.keys(&loc, &path, MAX_COUNTERS)? {
                    let sku_path = join(&path, &shown(&sku));
                    if !key_ok(&sku) {
                        return Err(self.bad(
                            &sku_path,
                            format!("a SKU is 1 to {MAX_STOCK_KEY} bytes without control characters"),
                        ));
                    }
                    for (value, _) in self.values(&loc, &sku, &sku_path)? {
                        let counter =
                            matches!(&value, Value::Scalar(s) if matches!(s.as_ref(), ScalarValue::Counter(_)));
                        if !counter {
                            return Err(
                                self.bad(&sku_path, format!("a counter was expected, found {}", kind_of(&value)))
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn order(&self) -> Result<(), ShapeError> {
        let root = self.keys(&ROOT, "", ORDER_ROOT.len() + SPARE_KEYS)?;
        for k in &root {
            if !ORDER_ROOT.contains(&k.as_str()) {
                return Err(self.bad(&shown(k), "not a part of an order document"));
            }
        }
        if !root.iter().any(|k| k == "order") {
            return Err(self.bad("order", "missing: an order document holds HQ's order"));
        }
        for (key, fields) in
            [("order", HEADER), ("stage", STAGE), ("notified", NOTICE), ("checkin", CHECKIN), ("shipment", SHIPMENT)]
        {
            for obj in self.maps(&ROOT, key, key)? {
                self.record(&obj, key, fields)?;
            }
        }
        for (key, fields) in [("lines", LINE), ("picks", PICK)] {
            for all in self.maps(&ROOT, key, key)? {
                for n in self.keys(&all, key, MAX_ORDER_ENTRIES)? {
                    let path = join(key, &shown(&n));
                    if !line_key(&n) {
                        return Err(self.bad(&path, "not a line number"));
                    }
                    for obj in self.maps(&all, &n, &path)? {
                        self.record(&obj, &path, fields)?;
                    }
                }
            }
        }
        for all in self.maps(&ROOT, "handovers", "handovers")? {
            for k in self.keys(&all, "handovers", MAX_ORDER_ENTRIES)? {
                let path = join("handovers", &shown(&k));
                if k.is_empty() || k.len() > MAX_STOCK_KEY {
                    return Err(self.bad(&path, format!("a handover key is 1 to {MAX_STOCK_KEY} bytes")));
                }
                for obj in self.maps(&all, &k, &path)? {
                    for field in self.keys(&obj, &path, HANDOVER.len() + 1 + SPARE_KEYS)? {
                        if field == "lines" {
                            let lines_path = join(&path, "lines");
                            for lines in self.maps(&obj, "lines", &lines_path)? {
                                for n in self.keys(&lines, &lines_path, MAX_ORDER_ENTRIES)? {
                                    let line_path = join(&lines_path, &shown(&n));
                                    if !line_key(&n) {
                                        return Err(self.bad(&line_path, "not a line number"));
                                    }
                                    self.text(&lines, &n, &line_path, Text::Decimal, MAX_ORDER_FIELD)?;
                                }
                            }
                            continue;
                        }
                        let field_path = join(&path, &shown(&field));
                        let Some((_, rule)) = HANDOVER.iter().find(|(name, _)| *name == field) else {
                            return Err(self.bad(&field_path, "not a field of this map"));
                        };
                        self.text(&obj, &field, &field_path, *rule, MAX_ORDER_FIELD)?;
                    }
                }
            }
        }
        // What the fields do not say alone (a substitute's price, required fields): the
        // whole reads as an order.
        OrderDoc::read(self.doc, self.name).map_err(|e| self.bad("", e.to_string()))?;
        Ok(())
    }
}

/// What a value is, in words.
fn kind_of(value: &Value<'_>) -> String {
    match value {
        Value::Object(ObjType::Map) => "a map".into(),
        Value::Object(ObjType::Table) => "a table".into(),
        Value::Object(ObjType::List) => "a list".into(),
        Value::Object(ObjType::Text) => "a text object".into(),
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(_) => "a text".into(),
            ScalarValue::Counter(_) => "a counter".into(),
            ScalarValue::Int(i) => format!("the integer {i}"),
            ScalarValue::Uint(i) => format!("the integer {i}"),
            ScalarValue::F64(f) => format!("the number {f}"),
            ScalarValue::Boolean(b) => format!("the boolean {b}"),
            ScalarValue::Null => "null".into(),
            ScalarValue::Bytes(_) => "bytes".into(),
            ScalarValue::Timestamp(_) => "a timestamp".into(),
            ScalarValue::Unknown { .. } => "an unknown value".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use automerge::transaction::Transactable;
    use till_domain::pickup::{Fulfilment, OrderLine, PaidAt, PickupOrder};

    use super::*;
    use crate::{GENESIS, JournalDoc, RecordFields, StockDoc};

    fn id(text: &str) -> DocId {
        DocId::parse(text).unwrap()
    }

    fn refused(doc: &AutoCommit, id_text: &str, path: &str, why: &str) {
        let err = validate(doc, &id(id_text)).unwrap_err();
        assert_eq!(err.doc, id_text);
        assert!(err.path == path && err.reason.contains(why), "expected {path}: {why}; got {err}");
    }

    fn order() -> PickupOrder {
        PickupOrder {
            id: "shopify:1".into(),
            number: "#1001".into(),
            currency: "EUR".into(),
            store: "AMS".into(),
            fulfilment: Fulfilment::Pickup,
            paid_at: PaidAt::Online,
            lines: vec![OrderLine {
                n: 1,
                sku: "MUG".into(),
                title: "Mug".into(),
                quantity: Decimal::new(2, 0),
                price: Decimal::new(1250, 2),
            }],
            picks: BTreeMap::new(),
            ..PickupOrder::default()
        }
    }

    fn published() -> AutoCommit {
        let mut doc = AutoCommit::new();
        OrderDoc::publish(&mut doc, &order()).unwrap();
        doc
    }

    fn obj(doc: &AutoCommit, parent: &ObjId, key: &str) -> ObjId {
        match doc.get(parent, key).unwrap() {
            Some((Value::Object(_), id)) => id,
            other => panic!("{key}: {other:?}"),
        }
    }

    const ORDER: &str = "order/AMS/o1";

    #[test]
    fn a_published_order_with_the_stores_progress_passes() {
        let mut doc = published();
        let at: jiff::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let pick = till_domain::pickup::Pick {
            picked: Decimal::ONE,
            substitute: None,
            by: "1".into(),
            register: "R1".into(),
            at,
        };
        OrderDoc::put_pick(&mut doc, 1, &pick).unwrap();
        OrderDoc::put_stage(&mut doc, &till_domain::pickup::Stage { bin: "B".into(), by: "1".into(), at }).unwrap();
        let handover = till_domain::pickup::Handover {
            key: "R1/s1".into(),
            register: "R1".into(),
            sale: "s1".into(),
            token_id: "t".into(),
            by: "1".into(),
            id_check: String::new(),
            at,
            lines: [(1, Decimal::ONE)].into(),
        };
        OrderDoc::put_handover(&mut doc, &handover).unwrap();
        validate(&doc, &id(ORDER)).unwrap();
        validate(&AutoCommit::new(), &id("stock/AMS")).unwrap();
    }

    #[test]
    fn each_kind_of_bad_order_document_is_refused_by_name() {
        // Without HQ's order (the register's progress alone): what HQ used to store.
        let mut doc = AutoCommit::new();
        doc.put_object(ROOT, "picks", ObjType::Map).unwrap();
        refused(&doc, ORDER, "order", "missing");
        let mut doc = published();
        doc.put(ROOT, "note", "hello").unwrap();
        refused(&doc, ORDER, "note", "not a part of an order document");
        let mut doc = published();
        doc.put(ROOT, "stage", "B-3").unwrap();
        refused(&doc, ORDER, "stage", "a map was expected, found a text");
        let mut doc = published();
        let header = obj(&doc, &ROOT, "order");
        doc.put(&header, "fulfilment", "drone").unwrap();
        refused(&doc, ORDER, "order.fulfilment", "'drone' is not one of pickup, ship");
        let mut doc = published();
        let header = obj(&doc, &ROOT, "order");
        doc.put(&header, "vip", "yes").unwrap();
        refused(&doc, ORDER, "order.vip", "not a field of this map");
        let mut doc = published();
        let header = obj(&doc, &ROOT, "order");
        doc.put(&header, "email", 5_i64).unwrap();
        refused(&doc, ORDER, "order.email", "a text was expected, found the integer 5");
        let mut doc = published();
        let header = obj(&doc, &ROOT, "order");
        doc.put(&header, "number", "x".repeat(MAX_ORDER_FIELD + 1)).unwrap();
        refused(&doc, ORDER, "order.number", "bytes (at most");
        let mut doc = published();
        let lines = obj(&doc, &ROOT, "lines");
        let line = obj(&doc, &lines, "1");
        doc.put(&line, "quantity", "two").unwrap();
        refused(&doc, ORDER, "lines.1.quantity", "'two' is not an exact decimal");
        let mut doc = published();
        let lines = obj(&doc, &ROOT, "lines");
        doc.put_object(&lines, "first", ObjType::Map).unwrap();
        refused(&doc, ORDER, "lines.first", "not a line number");
        let mut doc = published();
        let picks = obj(&doc, &ROOT, "picks");
        let pick = doc.put_object(&picks, "1", ObjType::Map).unwrap();
        doc.put(&pick, "at", "yesterday").unwrap();
        refused(&doc, ORDER, "picks.1.at", "'yesterday' is not an RFC 3339 time");
        // A required field missing: the order does not read.
        let mut doc = published();
        let picks = obj(&doc, &ROOT, "picks");
        let pick = doc.put_object(&picks, "1", ObjType::Map).unwrap();
        doc.put(&pick, "picked", "1").unwrap();
        refused(&doc, ORDER, "(root)", "picks.1.at");
        let mut doc = published();
        let handovers = obj(&doc, &ROOT, "handovers");
        let h = doc.put_object(&handovers, "R1/s", ObjType::Map).unwrap();
        let lines = doc.put_object(&h, "lines", ObjType::Map).unwrap();
        doc.put(&lines, "1", "lots").unwrap();
        refused(&doc, ORDER, "handovers.R1/s.lines.1", "'lots' is not an exact decimal");
    }

    #[test]
    fn every_side_of_a_conflict_is_checked() {
        let mut a = published();
        a.commit();
        let mut b = a.fork();
        let header = obj(&a, &ROOT, "order");
        a.put(&header, "currency", "EUR").unwrap();
        a.commit();
        let header = obj(&b, &ROOT, "order");
        b.put(&header, "currency", 978_i64).unwrap();
        b.commit();
        a.merge(&mut b).unwrap();
        refused(&a, ORDER, "order.currency", "the integer 978");
    }

    #[test]
    fn each_kind_of_bad_stock_document_is_refused_by_name() {
        let mut doc = AutoCommit::new();
        StockDoc::create(&mut doc, "floor", "MUG", 5).unwrap();
        validate(&doc, &id("stock/AMS")).unwrap();
        let floor = obj(&doc, &ROOT, "floor");
        doc.put(&floor, "PLATE", 7_i64).unwrap();
        refused(&doc, "stock/AMS", "floor.PLATE", "a counter was expected, found the integer 7");
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "floor", ScalarValue::counter(3)).unwrap();
        refused(&doc, "stock/AMS", "floor", "a map was expected, found a counter");
        let mut doc = AutoCommit::new();
        let loc = doc.put_object(ROOT, "floor", ObjType::Map).unwrap();
        doc.put(&loc, "", ScalarValue::counter(3)).unwrap();
        refused(&doc, "stock/AMS", "floor.", "a SKU is 1 to 256 bytes");
        let mut doc = AutoCommit::new();
        doc.put_object(ROOT, "back\nroom", ObjType::Map).unwrap();
        refused(&doc, "stock/AMS", "back\\nroom", "a location name is 1 to 256 bytes");
    }

    #[test]
    fn each_kind_of_bad_journal_document_is_refused_by_name() {
        let name = "journal/AMS/R1/2026-11-27";
        let record = RecordFields {
            seq: 1,
            kind: "sale",
            reference: "s1",
            at: "2026-11-27T10:00:00Z",
            amount: "1.00",
            grand_total: "1.00",
            payload: "{}",
            prev_hash: GENESIS,
        };
        let mut doc = AutoCommit::new();
        JournalDoc::append(&mut doc, &record, &record.hash()).unwrap();
        validate(&doc, &id(name)).unwrap();
        let mut bad = doc.fork();
        bad.put(ROOT, "note", "x").unwrap();
        refused(&bad, name, "note", "zero-padded to 12 digits");
        let mut bad = doc.fork();
        bad.put(ROOT, "000000000002", 2_i64).unwrap();
        refused(&bad, name, "000000000002", "a text was expected, found the integer 2");
        let mut bad = doc.fork();
        bad.put(ROOT, "000000000002", "sale\u{1f}s2").unwrap();
        refused(&bad, name, "000000000002", "2 fields where a record has 8");
        let mut bad = doc.fork();
        let legacy = bad.put_object(ROOT, "000000000002", ObjType::Map).unwrap();
        bad.put(&legacy, "colour", "red").unwrap();
        refused(&bad, name, "000000000002.colour", "not a field of a journal record");
    }

    /// Found by the fuzzer (tests/fuzz/docs.rs): a record of the first layout that passed
    /// the check but that no reader could read — an empty map, a missing field, a field
    /// before the payload holding the separator (its fields would shift when read).
    #[test]
    fn a_first_layout_record_passes_only_when_it_reads() {
        let name = "journal/AMS/R1/2026-11-27";
        let hash = "a".repeat(64);
        let full = [
            ("seq", "1"),
            ("kind", "sale"),
            ("ref", "s1"),
            ("at", "2026-11-27T10:00:00Z"),
            ("amount", "1.00"),
            ("grand_total", "1.00"),
            ("hash", hash.as_str()),
            ("prev_hash", GENESIS),
            ("payload", "{}"),
        ];
        let legacy = |fields: &[(&str, &str)]| {
            let mut doc = AutoCommit::new();
            let record = doc.put_object(ROOT, "000000000001", ObjType::Map).unwrap();
            for (k, v) in fields {
                doc.put(&record, *k, *v).unwrap();
            }
            doc
        };
        let doc = legacy(&full);
        validate(&doc, &id(name)).unwrap();
        assert_eq!(JournalDoc::records_after(&doc, 0, name).unwrap()[0].check, hash);

        refused(&legacy(&[]), name, "000000000001", "kind is missing");
        refused(&legacy(&full[..8]), name, "000000000001", "payload is missing");
        let mut shifted = full;
        shifted[1] = ("kind", "sale\u{1f}x");
        refused(&legacy(&shifted), name, "000000000001", "kind holds U+001F");
        let mut bad_hash = full;
        bad_hash[6] = ("hash", "not hex");
        refused(&legacy(&bad_hash), name, "000000000001", "the check is not");
    }
}
