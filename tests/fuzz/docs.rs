//! Sync documents and messages (till-docs and Automerge's sync protocol), as another
//! machine sends them: journal, stock and order documents loaded from any bytes, checked
//! by the shape validation every receiver runs, then read; documents changed in ways their
//! kind does not allow; sync messages decoded and applied. A document that passes the
//! shape check reads without error; a refusal is a typed error with a message. The seeds
//! are made by code from the domain types (below), so they follow the format as it moves.

use std::collections::BTreeMap;

use automerge::sync::{Message, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, ScalarValue};
use proptest::prelude::*;
use proptest::sample::Index;
use rust_decimal::Decimal;
use till_docs::{
    ActorId, AutoCommit, DocId, GENESIS, JournalDoc, MAX_COUNTER, MAX_INCREMENT, OrderDoc, RecordFields, StockDoc,
    heads_from_text, heads_to_text, load, order_key, validate,
};
use till_domain::pickup::{Fulfilment, OrderLine, PaidAt, Pick, PickupOrder, Stage};

use crate::corpus::{self, COMMON_TOKENS};

const JOURNAL: &str = "journal/AMS/R1/2026-11-27";
const STOCK: &str = "stock/AMS";

fn order_id() -> String {
    format!("order/AMS/{}", order_key("shopify:1001"))
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

/// A day's journal with three chained records.
fn journal() -> AutoCommit {
    let mut doc = AutoCommit::new();
    let mut prev = GENESIS.to_string();
    for seq in 1..=3u64 {
        let (amount, total) = (format!("{seq}2.50"), format!("{}", seq * 12));
        let payload = format!("{{\"sale\":\"s-{seq}\",\"lines\":[{{\"sku\":\"MUG\",\"qty\":\"1\"}}]}}");
        let fields = RecordFields {
            seq,
            kind: "sale",
            reference: "s-1",
            at: "2026-11-27T10:00:00Z",
            amount: &amount,
            grand_total: &total,
            payload: &payload,
            prev_hash: &prev,
        };
        let hash = fields.hash();
        JournalDoc::append(&mut doc, &fields, &hash).unwrap();
        prev = hash;
    }
    doc.commit();
    doc
}

/// A store's stock: two locations, a few counters, some increments.
fn stock() -> AutoCommit {
    let mut doc = AutoCommit::new();
    for (loc, sku, n) in [("AMS-floor", "MUG", 12), ("AMS-floor", "TEE-M", 4), ("AMS-back", "MUG", 30)] {
        StockDoc::create(&mut doc, loc, sku, n).unwrap();
    }
    doc.commit();
    StockDoc::increment(&mut doc, "AMS-floor", "MUG", -2).unwrap();
    doc.commit();
    doc
}

/// An order as HQ publishes it, with the store's pick and stage.
fn order() -> AutoCommit {
    let order = PickupOrder {
        id: "shopify:1001".into(),
        number: "#1001".into(),
        email: "anna@example.com".into(),
        currency: "EUR".into(),
        store: "AMS".into(),
        fulfilment: Fulfilment::Pickup,
        paid_at: PaidAt::Online,
        token_id: "tok".into(),
        lines: vec![
            OrderLine {
                n: 1,
                sku: "MUG".into(),
                title: "Mug".into(),
                quantity: Decimal::TWO,
                price: Decimal::new(1250, 2),
            },
            OrderLine {
                n: 2,
                sku: "TEE-M".into(),
                title: "Tee".into(),
                quantity: Decimal::ONE,
                price: Decimal::new(1995, 2),
            },
        ],
        picks: BTreeMap::new(),
        ..PickupOrder::default()
    };
    let mut doc = AutoCommit::new();
    OrderDoc::publish(&mut doc, &order).unwrap();
    doc.commit();
    let pick = Pick {
        picked: Decimal::TWO,
        substitute: None,
        by: "1".into(),
        register: "R1".into(),
        at: at("2026-11-27T10:00:00Z"),
    };
    OrderDoc::put_pick(&mut doc, 1, &pick).unwrap();
    OrderDoc::put_stage(&mut doc, &Stage { bin: "B-3".into(), by: "1".into(), at: at("2026-11-27T10:01:00Z") })
        .unwrap();
    doc.commit();
    doc
}

fn seeds() -> Vec<(String, AutoCommit)> {
    vec![(JOURNAL.into(), journal()), (STOCK.into(), stock()), (order_id(), order())]
}

/// The saved seeds, and each one's changes alone (what a sync round carries).
fn seed_bytes() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (_, mut doc) in seeds() {
        out.push(doc.save());
        out.push(doc.save_nocompress());
        let changes: Vec<u8> = doc.get_changes(&[]).iter().flat_map(|c| c.raw_bytes().to_vec()).collect();
        out.push(changes);
    }
    out
}

fn actor() -> ActorId {
    ActorId::from(b"fuzz".to_vec())
}

/// Checks `doc` as each kind of document: a shape the check passes reads without error.
fn check_doc(doc: &AutoCommit) -> Result<(), TestCaseError> {
    for id in [JOURNAL.to_string(), STOCK.to_string(), order_id()] {
        let id = DocId::parse(&id).unwrap();
        match validate(doc, &id) {
            Ok(()) => match id.as_str() {
                JOURNAL => {
                    let records = JournalDoc::records_after(doc, 0, JOURNAL);
                    prop_assert!(records.is_ok(), "passed the shape check but does not read: {:?}", records.err());
                    let _ = JournalDoc::forks(doc);
                    let _ = JournalDoc::last_seq(doc);
                }
                STOCK => {
                    let all = StockDoc::all(doc);
                    prop_assert!(all.is_ok(), "passed the shape check but does not read: {:?}", all.err());
                }
                _ => {
                    let read = OrderDoc::read(doc, id.as_str());
                    prop_assert!(read.is_ok(), "passed the shape check but does not read: {:?}", read.err());
                }
            },
            Err(e) => {
                prop_assert_eq!(e.doc.as_str(), id.as_str());
                prop_assert!(!e.reason.trim().is_empty() && !e.path.is_empty(), "{}", e);
            }
        }
    }
    Ok(())
}

/// One change a misbehaving writer might make to a document.
#[derive(Debug, Clone)]
enum DocEdit {
    /// Put a scalar at a key of the object picked.
    Put(Index, String, Scalar),
    /// Put an empty map, list or text at a key of the object picked.
    Object(Index, String, u8),
    /// Delete a key of the object picked.
    Delete(Index, Index),
    /// Increment a key of the object picked (a counter or not).
    Increment(Index, Index, i64),
}

#[derive(Debug, Clone)]
enum Scalar {
    Str(String),
    Int(i64),
    Uint(u64),
    F64(f64),
    Bool(bool),
    Counter(i64),
    Null,
    Bytes(Vec<u8>),
    Timestamp(i64),
}

impl Scalar {
    fn value(&self) -> ScalarValue {
        match self {
            Scalar::Str(s) => ScalarValue::Str(s.as_str().into()),
            Scalar::Int(n) => ScalarValue::Int(*n),
            Scalar::Uint(n) => ScalarValue::Uint(*n),
            Scalar::F64(n) => ScalarValue::F64(*n),
            Scalar::Bool(b) => ScalarValue::Boolean(*b),
            Scalar::Counter(n) => ScalarValue::counter(*n),
            Scalar::Null => ScalarValue::Null,
            Scalar::Bytes(b) => ScalarValue::Bytes(b.clone()),
            Scalar::Timestamp(t) => ScalarValue::Timestamp(*t),
        }
    }
}

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        4 => prop_oneof![
            Just(String::new()),
            Just("2026-02-30T25:00:00Z".to_string()),
            Just("-1".to_string()),
            Just("1e400".to_string()),
            Just("79228162514264337593543950336".to_string()),
            Just("sale\u{1f}s-1\u{1f}2026-11-27T10:00:00Z\u{1f}1\u{1f}1\u{1f}abcd\u{1f}\u{1f}{}".to_string()),
            Just("\u{1f}".repeat(20)),
            (1usize..20_000).prop_map(|n| "q".repeat(n)),
            "\\PC{0,30}",
        ].prop_map(Scalar::Str),
        1 => any::<i64>().prop_map(Scalar::Int),
        1 => any::<u64>().prop_map(Scalar::Uint),
        1 => prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(1.5), any::<f64>()].prop_map(Scalar::F64),
        1 => any::<bool>().prop_map(Scalar::Bool),
        // Counters and increments stay where their sum cannot overflow here: a register's
        // increments are bounded by StockDoc::check_increments (MAX_INCREMENT), and
        // Automerge adds them unchecked when a counter is read.
        2 => (-MAX_COUNTER..MAX_COUNTER).prop_map(Scalar::Counter),
        1 => Just(Scalar::Null),
        1 => prop::collection::vec(any::<u8>(), 0..16).prop_map(Scalar::Bytes),
        1 => any::<i64>().prop_map(Scalar::Timestamp),
    ]
}

/// A key: one the document already has (picked later), a record or field name, or any text.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("000000000001".to_string()),
        Just("000000000004".to_string()),
        Just("1".to_string()),
        Just("999999999999".to_string()),
        Just("order".to_string()),
        Just("lines".to_string()),
        Just("picks".to_string()),
        Just("handovers".to_string()),
        Just("stage".to_string()),
        Just("quantity".to_string()),
        Just("price".to_string()),
        Just("sku".to_string()),
        Just("at".to_string()),
        Just("AMS-floor".to_string()),
        Just("MUG".to_string()),
        (1usize..400).prop_map(|n| "k".repeat(n)),
        "\\PC{0,12}",
    ]
}

fn doc_edit() -> impl Strategy<Value = DocEdit> {
    prop_oneof![
        4 => (any::<Index>(), key(), scalar()).prop_map(|(o, k, v)| DocEdit::Put(o, k, v)),
        1 => (any::<Index>(), key(), 0u8..3).prop_map(|(o, k, t)| DocEdit::Object(o, k, t)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(o, k)| DocEdit::Delete(o, k)),
        2 => (any::<Index>(), any::<Index>(), -2 * MAX_INCREMENT..2 * MAX_INCREMENT)
            .prop_map(|(o, k, n)| DocEdit::Increment(o, k, n)),
    ]
}

/// Every map object of `doc`, the root first.
fn maps(doc: &AutoCommit) -> Vec<automerge::ObjId> {
    let mut out = vec![ROOT];
    let mut i = 0;
    while i < out.len() {
        let obj = out[i].clone();
        for k in doc.keys(&obj).collect::<Vec<_>>() {
            if let Ok(Some((automerge::Value::Object(ObjType::Map), id))) = doc.get(&obj, k.as_str()) {
                out.push(id);
            }
        }
        i += 1;
    }
    out
}

fn apply_doc(doc: &mut AutoCommit, edits: &[DocEdit]) {
    for e in edits {
        let objs = maps(doc);
        let pick = |i: &Index| objs[i.index(objs.len())].clone();
        let existing = |doc: &AutoCommit, obj: &automerge::ObjId, k: &Index| {
            let keys: Vec<String> = doc.keys(obj).collect();
            if keys.is_empty() { None } else { Some(keys[k.index(keys.len())].clone()) }
        };
        // The edits may be refused by Automerge (e.g. incrementing a text): that is fine.
        match e {
            DocEdit::Put(o, k, v) => {
                let _ = doc.put(pick(o), k.as_str(), v.value());
            }
            DocEdit::Object(o, k, t) => {
                let ty = [ObjType::Map, ObjType::List, ObjType::Text][*t as usize];
                let _ = doc.put_object(pick(o), k.as_str(), ty);
            }
            DocEdit::Delete(o, k) => {
                let obj = pick(o);
                if let Some(key) = existing(doc, &obj, k) {
                    let _ = doc.delete(&obj, key.as_str());
                }
            }
            DocEdit::Increment(o, k, n) => {
                let obj = pick(o);
                if let Some(key) = existing(doc, &obj, k) {
                    let _ = doc.increment(&obj, key.as_str(), *n);
                }
            }
        }
    }
    doc.commit();
}

const AUTOMERGE_TOKENS: &[&[u8]] = &[
    &[0x85, 0x6f, 0x4a, 0x83],
    &[0x00],
    &[0x01],
    &[0x02],
    &[0x7f],
    &[0xff, 0xff, 0xff, 0xff, 0x0f],
    &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
    &[0x42],
    &[0x43],
];

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| AUTOMERGE_TOKENS.iter().chain(COMMON_TOKENS).copied().collect())
}

/// Real sync messages: a peer with nothing asking, and a peer holding each seed answering.
fn message_seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (_, mut doc) in seeds() {
        let mut empty = AutoCommit::new();
        let (mut theirs, mut ours) = (State::new(), State::new());
        let ask = empty.sync().generate_sync_message(&mut theirs).unwrap();
        out.push(ask.clone().encode());
        doc.sync().receive_sync_message(&mut ours, ask).unwrap();
        if let Some(answer) = doc.sync().generate_sync_message(&mut ours) {
            out.push(answer.encode());
        }
    }
    out
}

proptest! {
    #![proptest_config(corpus::config(1024))]

    #[test]
    fn documents_from_any_bytes(input in prop_oneof![
        1 => corpus::bytes(1024),
        4 => corpus::mutated(seed_bytes(), dict()),
    ]) {
        match load(&input, &actor()) {
            Ok(doc) => check_doc(&doc)?,
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }

    #[test]
    fn documents_changed_against_their_shape(which in 0usize..3, edits in prop::collection::vec(doc_edit(), 1..6)) {
        let (_, mut doc) = seeds().swap_remove(which);
        apply_doc(&mut doc, &edits);
        check_doc(&doc)?;
        // And as the bytes a receiver gets.
        let loaded = load(&doc.save(), &actor()).unwrap();
        check_doc(&loaded)?;
    }

    #[test]
    fn stock_changes_by_a_register(edits in prop::collection::vec(doc_edit(), 1..5)) {
        // A register's changes to HQ's stock: only increments of HQ's counters may pass.
        let mut held = stock();
        let mut theirs = held.fork().with_actor(ActorId::from(b"register".to_vec()));
        apply_doc(&mut theirs, &edits);
        let changes = theirs.get_changes(&held.get_heads());
        if let Err(e) = StockDoc::check_increments(&held, &changes, STOCK) {
            prop_assert!(!e.reason.trim().is_empty(), "{}", e);
        }
    }

    #[test]
    fn sync_messages_from_any_bytes(input in prop_oneof![
        1 => corpus::bytes(512),
        4 => corpus::mutated(message_seeds(), dict()),
    ]) {
        match Message::decode(&input) {
            // (Not encoded again: Automerge decodes a message with unsorted hashes that its
            // encoder then panics on; Till only ever encodes the messages it generates.)
            Ok(message) => {
                let mut doc = AutoCommit::new();
                let mut state = State::new();
                if doc.sync().receive_sync_message(&mut state, message).is_ok() {
                    check_doc(&doc)?;
                    let _ = doc.sync().generate_sync_message(&mut state);
                }
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }

    #[test]
    fn document_ids_and_heads_of_any_text(text in prop_oneof![
        "\\PC{0,60}",
        "(journal|stock|order|x)(/[A-Za-z0-9_.-]{0,10}){0,4}",
        "journal/[A-Z]{3}/R[0-9]/[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[0-9a-f]{0,130}(,[0-9a-f]{64}){0,2}",
    ]) {
        match DocId::parse(&text) {
            Ok(id) => {
                prop_assert_eq!(id.as_str(), text.as_str());
                let _ = id.kind();
                prop_assert_eq!(DocId::parse(id.as_str()).unwrap(), id);
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
        if let Some(heads) = heads_from_text(&text) {
            prop_assert_eq!(heads_from_text(&heads_to_text(&heads)).unwrap(), heads);
        }
    }
}

/// The seeds pass their own kind's check and read.
#[test]
fn the_seeds_are_valid() {
    for (id, doc) in seeds() {
        validate(&doc, &DocId::parse(&id).unwrap()).unwrap();
        let loaded = load(&doc.clone().save(), &actor()).unwrap();
        validate(&loaded, &DocId::parse(&id).unwrap()).unwrap();
    }
    assert_eq!(JournalDoc::records_after(&journal(), 0, JOURNAL).unwrap().len(), 3);
    assert!(OrderDoc::read(&order(), &order_id()).unwrap().is_some());
    assert_eq!(StockDoc::all(&stock()).unwrap().len(), 3);
    assert!(message_seeds().len() >= 6);
    let _ = ObjType::Map;
}
