//! A register's journal for one business day, as a replicated document: one text per
//! record under the root, keyed by the zero-padded sequence number, holding the fields the
//! record's hash covers and a **check** — the first [`CHECK_LEN`] hex digits of that hash —
//! separated by U+001F (see [`JournalDoc::append`]). The full previous hash is carried only
//! by the first record of each document.
//!
//! Why a check and not the whole hash: HQ recomputes every record's full hash itself with
//! [`RecordFields::hash`] (the function the register's store chains its journal with),
//! from the record and HQ's own hash of the record before, so the register's hash adds
//! only the confirmation that both chains agree. 64 bits confirm that (an altered or
//! misplaced record passes with odds of 1 in 2^64), while the full hashes were the
//! largest part of the bytes on the wire: 64 hex digits of entropy per sale, twice (its
//! own and the next record's link). Once per document (a business day) the full previous
//! hash is compared too. Where HQ cannot compute the register's hash (a record a manager
//! accepted despite a broken chain), it asks the register for it (`till_sync`'s anchor).
//!
//! Why one text and not a map of named fields: each Automerge operation costs the sale's
//! transaction about 9 µs, and a map of nine fields was ~80 µs of every sale's commit
//! (one text: ~5 µs); it is also smaller on the wire (docs/benchmarks.md).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use sha2::{Digest, Sha256};

use crate::{DocError, Result};

/// Hex digits of a record's hash its document carries (its check): 64 bits.
pub const CHECK_LEN: usize = 16;

/// The hash the first record of a register points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of a journal record that its hash covers, as text.
#[derive(Debug, Clone, Copy)]
pub struct RecordFields<'a> {
    /// Sequence number, 1, 2, 3… per register.
    pub seq: u64,
    /// `sale`, `audit`, `cash` or `z`.
    pub kind: &'a str,
    /// What it refers to (sale id, action, movement id, Z number).
    pub reference: &'a str,
    /// When (RFC 3339).
    pub at: &'a str,
    /// What it adds to the grand total.
    pub amount: &'a str,
    /// The grand total after it.
    pub grand_total: &'a str,
    /// Canonical JSON.
    pub payload: &'a str,
    /// The previous record's hash ([`GENESIS`] for the first).
    pub prev_hash: &'a str,
}

impl RecordFields<'_> {
    /// SHA-256 over every field and the previous record's hash, unit-separated, in hex.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.seq.to_string();
        for part in
            [&seq, self.kind, self.reference, self.at, self.amount, self.grand_total, self.prev_hash, self.payload]
        {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        hex::encode(h.finalize())
    }
}

/// A journal record read back from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Sequence number.
    pub seq: u64,
    /// Kind.
    pub kind: String,
    /// Reference.
    pub reference: String,
    /// When.
    pub at: String,
    /// Amount.
    pub amount: String,
    /// Grand total after it.
    pub grand_total: String,
    /// Canonical JSON.
    pub payload: String,
    /// The previous record's full hash: carried by the first record of a document only
    /// (empty otherwise).
    pub prev_hash: String,
    /// The register's hash of it, cut to its first [`CHECK_LEN`] hex digits (or longer:
    /// any prefix of at least that many digits).
    pub check: String,
}

impl StoredRecord {
    /// The fields its hash covers, following on from a record whose hash is `prev`.
    pub fn fields<'a>(&'a self, prev: &'a str) -> RecordFields<'a> {
        RecordFields {
            seq: self.seq,
            kind: &self.kind,
            reference: &self.reference,
            at: &self.at,
            amount: &self.amount,
            grand_total: &self.grand_total,
            payload: &self.payload,
            prev_hash: prev,
        }
    }

    /// Its full hash when it follows on from the record hashed `prev` as the register
    /// wrote it; `None` when its check says otherwise (altered after it was written, or
    /// it follows on from another record).
    pub fn chain_hash(&self, prev: &str) -> Option<String> {
        let hash = self.fields(prev).hash();
        hash.starts_with(&self.check).then_some(hash)
    }
}

/// Whether `check` is a record's check: [`CHECK_LEN`] to 64 lowercase hex digits.
fn is_check(check: &str) -> bool {
    (CHECK_LEN..=64).contains(&check.len()) && is_hex(check)
}

/// Whether `text` is a record's full hash: 64 lowercase hex digits.
pub fn is_record_hash(text: &str) -> bool {
    text.len() == 64 && is_hex(text)
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reading and appending journal records in a day's document.
pub struct JournalDoc;

fn key(seq: u64) -> String {
    format!("{seq:012}")
}

/// Separates a record's fields in its text (canonical JSON never holds it raw, and the
/// payload comes last, so it may hold anything).
const SEP: char = '\u{1f}';

/// Fields in a record's text: kind, ref, at, amount, grand total, check, previous hash
/// (empty but on a document's first record), payload.
const FIELDS: usize = 8;

impl JournalDoc {
    /// Adds a record whose full hash is `hash` (uncommitted: the caller commits, so one
    /// change may carry several), as the text `kind␟ref␟at␟amount␟grand_total␟check␟prev␟
    /// payload`. It holds `hash`'s check, and the full previous hash when the document holds
    /// no earlier record — so a document rebuilt from the journal in order holds the same
    /// values. A record already present under its number is left as it is.
    pub fn append(doc: &mut AutoCommit, record: &RecordFields<'_>, hash: &str) -> Result<()> {
        let k = key(record.seq);
        if doc.get(ROOT, k.as_str())?.is_some() {
            return Ok(());
        }
        let first = doc.map_range(ROOT, ..k.clone()).next().is_none();
        let check = hash.get(..CHECK_LEN).unwrap_or(hash);
        let prev = if first { record.prev_hash } else { "" };
        let fields =
            [record.kind, record.reference, record.at, record.amount, record.grand_total, check, prev, record.payload];
        if fields[..FIELDS - 1].iter().any(|f| f.contains(SEP)) {
            return Err(DocError::BadRecord {
                doc: "journal".into(),
                key: k,
                reason: "a field before the payload holds U+001F, which separates them".into(),
            });
        }
        let mut text = String::with_capacity(fields.iter().map(|f| f.len() + 1).sum());
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                text.push(SEP);
            }
            text.push_str(field);
        }
        doc.put(ROOT, k.as_str(), text)?;
        Ok(())
    }

    /// The highest sequence number in the document (0 if none).
    pub fn last_seq(doc: &AutoCommit) -> u64 {
        doc.keys(ROOT).last().and_then(|k| k.parse().ok()).unwrap_or(0)
    }

    /// Record numbers that hold two different records: two writers used the same number
    /// (a cloned register, or one restored from a backup that then went on selling). The
    /// document shows one of them; the other must never be silently taken for it. The
    /// same record written twice (a document rebuilt from SQLite) is not a fork.
    pub fn forks(doc: &AutoCommit) -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for k in doc.keys(ROOT).collect::<Vec<_>>() {
            let values = doc.get_all(ROOT, k.as_str())?;
            if values.len() < 2 {
                continue;
            }
            // Compared by check: the same record written twice may differ only in whether
            // it carries the previous hash (a document rebuilt from the middle of a day).
            // (A record of the first layout, a map, compares by the start of its hash.)
            let mut hashes: Vec<Option<String>> = Vec::with_capacity(values.len());
            for (value, obj) in &values {
                let check = match value {
                    Value::Scalar(s) => s.as_str().and_then(|t| t.split(SEP).nth(5)).map(str::to_string),
                    Value::Object(ObjType::Map) => map_text(doc, obj, "hash")?,
                    Value::Object(_) => None,
                };
                hashes.push(check.map(|c| c.chars().take(CHECK_LEN).collect()));
            }
            if hashes.windows(2).any(|w| w[0] != w[1]) {
                out.push(k.parse().unwrap_or(0));
            }
        }
        Ok(out)
    }

    /// The records numbered above `after`, in order. `name` labels errors.
    pub fn records_after(doc: &AutoCommit, after: u64, name: &str) -> Result<Vec<StoredRecord>> {
        let start = key(after.saturating_add(1));
        let keys: Vec<String> = doc.map_range(ROOT, start..).map(|item| item.key.to_string()).collect();
        keys.iter().map(|k| read_record(doc, k, name)).collect()
    }
}

/// The record number key `k` names: 1 to 2^63 - 1, zero-padded to 12 digits.
fn record_seq(k: &str) -> Option<u64> {
    k.parse::<u64>().ok().filter(|n| *n > 0 && *n <= i64::MAX as u64 && key(*n) == k)
}

/// Whether `k` is a record's key (see [`record_seq`]).
pub(crate) fn is_record_key(k: &str) -> bool {
    record_seq(k).is_some()
}

/// Splits a record's text into its fields, refusing one without [`FIELDS`] fields or a
/// well-formed check; the reason in words.
fn split_text(text: &str) -> std::result::Result<[&str; FIELDS], String> {
    let parts: Vec<&str> = text.splitn(FIELDS, SEP).collect();
    let Ok(parts) = <[&str; FIELDS]>::try_from(parts.as_slice()) else {
        return Err(format!("{} fields where a record has {FIELDS}", parts.len()));
    };
    if !is_check(parts[5]) {
        return Err(format!("the check is not {CHECK_LEN} to 64 lowercase hex digits"));
    }
    Ok(parts)
}

/// Checks a record's text (see [`split_text`]).
pub(crate) fn check_text(text: &str) -> std::result::Result<(), String> {
    split_text(text).map(|_| ())
}

fn read_record(doc: &AutoCommit, k: &str, name: &str) -> Result<StoredRecord> {
    let bad = |reason: String| DocError::BadRecord { doc: name.to_string(), key: k.to_string(), reason };
    let seq = record_seq(k)
        .ok_or_else(|| bad("the key is not a record number from 1 to 2^63 - 1, zero-padded to 12 digits".into()))?;
    let text = match doc.get(ROOT, k)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(v) => v.to_string(),
            _ => return Err(bad("not a text".into())),
        },
        // The first layout (before one text per record): a map of named fields, its hash
        // in full, the previous hash on every record. Read so that records written before
        // an upgrade still reach HQ.
        Some((Value::Object(ObjType::Map), obj)) => map_record_text(doc, &obj)?.map_err(bad)?,
        _ => return Err(bad("not a text".into())),
    };
    let [kind, reference, at, amount, grand_total, check, prev_hash, payload] = split_text(&text).map_err(bad)?;
    Ok(StoredRecord {
        seq,
        kind: kind.into(),
        reference: reference.into(),
        at: at.into(),
        amount: amount.into(),
        grand_total: grand_total.into(),
        payload: payload.into(),
        prev_hash: prev_hash.into(),
        check: check.into(),
    })
}

/// A record of the first layout (map `obj` of named fields) as the text of the one-text
/// layout, or the reason it is not one: a field missing or not text, or a field before the
/// payload holding the separator (its fields would shift when the text is split).
pub(crate) fn map_record_text(doc: &AutoCommit, obj: &automerge::ObjId) -> Result<std::result::Result<String, String>> {
    let mut fields = Vec::with_capacity(FIELDS);
    for field in ["kind", "ref", "at", "amount", "grand_total", "hash", "prev_hash", "payload"] {
        let Some(text) = map_text(doc, obj, field)? else {
            return Ok(Err(format!("{field} is missing or not text")));
        };
        if field != "payload" && text.contains(SEP) {
            return Ok(Err(format!("{field} holds U+001F, which separates a record's fields")));
        }
        fields.push(text);
    }
    Ok(Ok(fields.join(&SEP.to_string())))
}

/// The text field `field` of map `obj`, if it is one.
fn map_text(doc: &AutoCommit, obj: &automerge::ObjId, field: &str) -> Result<Option<String>> {
    Ok(match doc.get(obj, field)? {
        Some((Value::Scalar(s), _)) => s.as_str().map(str::to_string),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{commit, load};
    use automerge::ActorId;

    fn fields(seq: u64, prev: &str) -> RecordFields<'_> {
        RecordFields {
            seq,
            kind: "sale",
            reference: "s1",
            at: "2026-11-27T10:00:00Z",
            amount: "1.00",
            grand_total: "1.00",
            payload: "{}",
            prev_hash: prev,
        }
    }

    #[test]
    fn records_round_trip_and_rebuilt_documents_merge_without_change() {
        let mut a = load(&[], &ActorId::random()).unwrap();
        let one = fields(1, GENESIS);
        let h1 = one.hash();
        JournalDoc::append(&mut a, &one, &h1).unwrap();
        commit(&mut a).unwrap();
        let two = fields(2, &h1);
        let h2 = two.hash();
        JournalDoc::append(&mut a, &two, &h2).unwrap();
        commit(&mut a).unwrap();
        let records = JournalDoc::records_after(&a, 0, "t").unwrap();
        assert_eq!(records.len(), 2);
        // The document carries checks, the first record its full link; HQ recomputes the
        // full hashes from its own chain.
        assert_eq!(records[0].check, h1[..CHECK_LEN]);
        assert_eq!((records[0].prev_hash.as_str(), records[1].prev_hash.as_str()), (GENESIS, ""));
        assert_eq!(records[0].chain_hash(GENESIS).as_deref(), Some(h1.as_str()));
        assert_eq!(records[1].chain_hash(&h1).as_deref(), Some(h2.as_str()));
        assert_eq!(records[1].chain_hash(GENESIS), None, "following on from another record");
        let altered = StoredRecord { amount: "100.00".into(), ..records[1].clone() };
        assert_eq!(altered.chain_hash(&h1), None, "altered after it was written");
        assert_eq!(JournalDoc::last_seq(&a), 2);
        assert_eq!(JournalDoc::records_after(&a, 1, "t").unwrap()[0].seq, 2);

        // Another actor rebuilds the same records: merged, the records read the same.
        let mut b = load(&[], &ActorId::random()).unwrap();
        JournalDoc::append(&mut b, &one, &h1).unwrap();
        JournalDoc::append(&mut b, &two, &h2).unwrap();
        commit(&mut b).unwrap();
        a.merge(&mut b).unwrap();
        assert_eq!(JournalDoc::records_after(&a, 0, "t").unwrap(), records);

        // A third writer numbers a different record 2: a fork, found.
        let mut c = load(&[], &ActorId::random()).unwrap();
        let other = RecordFields { reference: "s-other", ..fields(2, &h1) };
        JournalDoc::append(&mut c, &other, &other.hash()).unwrap();
        commit(&mut c).unwrap();
        assert_eq!(JournalDoc::forks(&a).unwrap(), Vec::<u64>::new(), "the same records twice: no fork");
        a.merge(&mut c).unwrap();
        assert_eq!(JournalDoc::forks(&a).unwrap(), vec![2]);
    }

    #[test]
    fn a_record_that_is_not_one_is_refused_by_name() {
        for check in ["", "0123456789abcde", "0123456789ABCDEF", "€€€€€€€€€€€€€€€€"] {
            let mut doc = load(&[], &ActorId::random()).unwrap();
            JournalDoc::append(&mut doc, &fields(7, GENESIS), check).unwrap();
            let err = JournalDoc::records_after(&doc, 0, "journal/X/R1/2026-11-27").unwrap_err().to_string();
            assert!(err.contains("record 000000000007") && err.contains("hex digits"), "{check}: {err}");
        }
        let refused = |k: &str, value: ScalarValue, why: &str| {
            let mut doc = load(&[], &ActorId::random()).unwrap();
            doc.put(ROOT, k, value).unwrap();
            let err = JournalDoc::records_after(&doc, 0, "t").unwrap_err().to_string();
            assert!(err.contains(why), "{k}: {err}");
        };
        refused("000000000007", ScalarValue::Int(5), "not a text");
        refused("000000000007", ScalarValue::Str("sale\u{1f}s1\u{1f}{}".into()), "3 fields where a record has 8");
        refused("7", ScalarValue::Str("x".into()), "zero-padded");
        refused("999999999999999999999", ScalarValue::Str("x".into()), "2^63 - 1");
        // A full hash is a check too (any prefix of at least 16 digits).
        let full = fields(7, GENESIS).hash();
        let mut doc = load(&[], &ActorId::random()).unwrap();
        let text = ["sale", "s1", "2026-11-27T10:00:00Z", "1.00", "1.00", &full, GENESIS, "{}"].join("\u{1f}");
        doc.put(ROOT, "000000000007", text).unwrap();
        let read = JournalDoc::records_after(&doc, 0, "t").unwrap();
        assert_eq!(read[0].chain_hash(GENESIS), Some(full));
    }

    #[test]
    fn records_of_the_first_layout_still_read_and_a_rebuild_over_them_is_no_fork() {
        // Written before an upgrade: a map of named fields, the full hash and link.
        let mut doc = load(&[], &ActorId::random()).unwrap();
        let one = fields(1, GENESIS);
        let h1 = one.hash();
        let obj = doc.put_object(ROOT, key(1).as_str(), ObjType::Map).unwrap();
        doc.put(&obj, "seq", 1_u64).unwrap();
        for (field, value) in [
            ("kind", "sale"),
            ("ref", "s1"),
            ("at", "2026-11-27T10:00:00Z"),
            ("amount", "1.00"),
            ("grand_total", "1.00"),
            ("payload", "{}"),
            ("prev_hash", GENESIS),
            ("hash", &h1),
        ] {
            doc.put(&obj, field, value).unwrap();
        }
        commit(&mut doc).unwrap();
        let read = JournalDoc::records_after(&doc, 0, "t").unwrap();
        assert_eq!((read[0].prev_hash.as_str(), read[0].chain_hash(GENESIS)), (GENESIS, Some(h1.clone())));
        // The same record rebuilt in today's layout by another writer: merged, not a fork.
        let mut rebuilt = load(&[], &ActorId::random()).unwrap();
        JournalDoc::append(&mut rebuilt, &one, &h1).unwrap();
        commit(&mut rebuilt).unwrap();
        doc.merge(&mut rebuilt).unwrap();
        assert_eq!(JournalDoc::forks(&doc).unwrap(), Vec::<u64>::new());
        assert_eq!(JournalDoc::records_after(&doc, 0, "t").unwrap()[0].chain_hash(GENESIS), Some(h1));
    }

    #[test]
    fn a_payload_may_hold_the_separator_escaped_or_not() {
        let mut doc = load(&[], &ActorId::random()).unwrap();
        let odd = RecordFields { payload: "{\"note\":\"a\u{1f}b\"}", ..fields(1, GENESIS) };
        JournalDoc::append(&mut doc, &odd, &odd.hash()).unwrap();
        let read = JournalDoc::records_after(&doc, 0, "t").unwrap();
        assert_eq!(read[0].payload, odd.payload);
        assert_eq!(read[0].chain_hash(GENESIS), Some(odd.hash()));
        let bad = RecordFields { reference: "s\u{1f}1", ..fields(2, GENESIS) };
        assert!(JournalDoc::append(&mut doc, &bad, &bad.hash()).is_err(), "a separator outside the payload");
    }
}
