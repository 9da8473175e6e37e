//! A register's journal for one business day, as a replicated document: one map per
//! record under the root, keyed by the zero-padded sequence number, holding exactly the
//! fields the record's hash covers. HQ recomputes that hash with [`RecordFields::hash`],
//! the same function the register's store chains its journal with.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use sha2::{Digest, Sha256};

use crate::{DocError, Result};

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
    /// Previous record's hash.
    pub prev_hash: String,
    /// Its hash as the register computed it.
    pub hash: String,
}

impl StoredRecord {
    /// The fields its hash covers.
    pub fn fields(&self) -> RecordFields<'_> {
        RecordFields {
            seq: self.seq,
            kind: &self.kind,
            reference: &self.reference,
            at: &self.at,
            amount: &self.amount,
            grand_total: &self.grand_total,
            payload: &self.payload,
            prev_hash: &self.prev_hash,
        }
    }

    /// Whether the stored hash is the hash of the stored fields.
    pub fn hash_matches(&self) -> bool {
        self.fields().hash() == self.hash
    }
}

/// Reading and appending journal records in a day's document.
pub struct JournalDoc;

fn key(seq: u64) -> String {
    format!("{seq:012}")
}

const TEXT_FIELDS: [&str; 8] = ["kind", "ref", "at", "amount", "grand_total", "payload", "prev_hash", "hash"];

impl JournalDoc {
    /// Adds a record (uncommitted: the caller commits, so one change may carry several).
    /// A record already present under its number is left as it is.
    pub fn append(doc: &mut AutoCommit, record: &RecordFields<'_>, hash: &str) -> Result<()> {
        let k = key(record.seq);
        if doc.get(ROOT, k.as_str())?.is_some() {
            return Ok(());
        }
        let obj = doc.put_object(ROOT, k.as_str(), ObjType::Map)?;
        doc.put(&obj, "seq", record.seq)?;
        let values = [
            record.kind,
            record.reference,
            record.at,
            record.amount,
            record.grand_total,
            record.payload,
            record.prev_hash,
        ];
        for (field, value) in TEXT_FIELDS.iter().zip(values.into_iter().chain([hash])) {
            doc.put(&obj, *field, value)?;
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
    let mut text = Vec::with_capacity(TEXT_FIELDS.len());
    for field in TEXT_FIELDS {
        match doc.get(&obj, field)? {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(v) => text.push(v.to_string()),
                _ => return Err(bad(format!("{field} is not text"))),
            },
            _ => return Err(bad(format!("{field} is missing"))),
        }
    }
    let mut it = text.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(StoredRecord {
        seq,
        kind: next(),
        reference: next(),
        at: next(),
        amount: next(),
        grand_total: next(),
        payload: next(),
        prev_hash: next(),
        hash: next(),
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
        JournalDoc::append(&mut a, &two, &two.hash()).unwrap();
        commit(&mut a).unwrap();
        let records = JournalDoc::records_after(&a, 0, "t").unwrap();
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(StoredRecord::hash_matches));
        assert_eq!(JournalDoc::last_seq(&a), 2);
        assert_eq!(JournalDoc::records_after(&a, 1, "t").unwrap()[0].seq, 2);

        // Another actor rebuilds the same records: merged, the records read the same.
        let mut b = load(&[], &ActorId::random()).unwrap();
        JournalDoc::append(&mut b, &one, &h1).unwrap();
        JournalDoc::append(&mut b, &two, &two.hash()).unwrap();
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
}
