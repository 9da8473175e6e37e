//! A register's journal for one business day, as a replicated document: one map per
//! record under the root, keyed by the zero-padded sequence number, holding the fields the
//! record's hash covers and a **check**: the first [`CHECK_LEN`] hex digits of that hash.
//! The full previous hash is carried only by the first record of each document.
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
    (CHECK_LEN..=64).contains(&check.len()) && check.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Reading and appending journal records in a day's document.
pub struct JournalDoc;

fn key(seq: u64) -> String {
    format!("{seq:012}")
}

/// The text fields every record holds, in [`StoredRecord`]'s order.
const TEXT_FIELDS: [&str; 7] = ["kind", "ref", "at", "amount", "grand_total", "payload", "hash"];

impl JournalDoc {
    /// Adds a record whose full hash is `hash` (uncommitted: the caller commits, so one
    /// change may carry several). It holds `hash`'s check, and the full previous hash when
    /// the document holds no earlier record — so a document rebuilt from the journal in
    /// order holds the same values. A record already present under its number is left.
    pub fn append(doc: &mut AutoCommit, record: &RecordFields<'_>, hash: &str) -> Result<()> {
        let k = key(record.seq);
        if doc.get(ROOT, k.as_str())?.is_some() {
            return Ok(());
        }
        let first = doc.map_range(ROOT, ..k.clone()).next().is_none();
        let obj = doc.put_object(ROOT, k.as_str(), ObjType::Map)?;
        doc.put(&obj, "seq", record.seq)?;
        let check = hash.get(..CHECK_LEN).unwrap_or(hash);
        let values = [record.kind, record.reference, record.at, record.amount, record.grand_total, record.payload];
        for (field, value) in TEXT_FIELDS.iter().zip(values.into_iter().chain([check])) {
            doc.put(&obj, *field, value)?;
        }
        if first {
            doc.put(&obj, "prev_hash", record.prev_hash)?;
        }
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
            let mut hashes = Vec::with_capacity(values.len());
            for (_, obj) in values {
                hashes.push(match doc.get(&obj, "hash")? {
                    Some((Value::Scalar(s), _)) => s.as_str().map(str::to_string),
                    _ => None,
                });
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

fn read_record(doc: &AutoCommit, k: &str, name: &str) -> Result<StoredRecord> {
    let bad = |reason: String| DocError::BadRecord { doc: name.to_string(), key: k.to_string(), reason };
    let obj = match doc.get(ROOT, k)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => return Err(bad("not a map".into())),
    };
    let seq = match doc.get(&obj, "seq")? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(n) if *n > 0 && *n <= i64::MAX as u64 => *n,
            ScalarValue::Int(n) if *n > 0 => *n as u64,
            _ => return Err(bad("seq is not a number from 1 to 2^63 - 1".into())),
        },
        _ => return Err(bad("seq is missing".into())),
    };
    if key(seq) != k {
        return Err(bad(format!("seq {seq} is filed under another number")));
    }
    let text = |field: &str| -> Result<Option<String>> {
        match doc.get(&obj, field)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(v) => Ok(Some(v.to_string())),
                _ => Err(bad(format!("{field} is not text"))),
            },
            None => Ok(None),
            Some(_) => Err(bad(format!("{field} is not text"))),
        }
    };
    let mut values = Vec::with_capacity(TEXT_FIELDS.len());
    for field in TEXT_FIELDS {
        values.push(text(field)?.ok_or_else(|| bad(format!("{field} is missing")))?);
    }
    let prev_hash = text("prev_hash")?.unwrap_or_default();
    let mut it = values.into_iter();
    let mut next = || it.next().unwrap_or_default();
    let record = StoredRecord {
        seq,
        kind: next(),
        reference: next(),
        at: next(),
        amount: next(),
        grand_total: next(),
        payload: next(),
        prev_hash,
        check: next(),
    };
    if !is_check(&record.check) {
        return Err(bad(format!("hash is not {CHECK_LEN} to 64 lowercase hex digits (the record's check)")));
    }
    Ok(record)
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
    fn a_record_without_a_proper_check_is_refused_by_name() {
        for check in ["", "0123456789abcde", "0123456789ABCDEF", "€€€€€€€€€€€€€€€€"] {
            let mut doc = load(&[], &ActorId::random()).unwrap();
            JournalDoc::append(&mut doc, &fields(7, GENESIS), check).unwrap();
            let err = JournalDoc::records_after(&doc, 0, "journal/X/R1/2026-11-27").unwrap_err().to_string();
            assert!(err.contains("record 000000000007") && err.contains("hex digits"), "{check}: {err}");
        }
        // A full hash is a check too (any prefix of at least 16 digits).
        let mut doc = load(&[], &ActorId::random()).unwrap();
        let full = fields(7, GENESIS).hash();
        let obj = doc.put_object(ROOT, key(7).as_str(), ObjType::Map).unwrap();
        doc.put(&obj, "seq", 7_u64).unwrap();
        for (field, value) in
            TEXT_FIELDS.iter().zip(["sale", "s1", "2026-11-27T10:00:00Z", "1.00", "1.00", "{}", &full])
        {
            doc.put(&obj, *field, value).unwrap();
        }
        let read = JournalDoc::records_after(&doc, 0, "t").unwrap();
        assert_eq!(read[0].chain_hash(GENESIS), Some(full));
    }
}
