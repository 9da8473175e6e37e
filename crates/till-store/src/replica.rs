//! The register's side of replication: the Automerge documents it writes, kept in the
//! same SQLite file as the records they carry.
//!
//! Every transaction that appends journal records ends with [`Replica::seal`], which
//! adds those records to their business day's journal document and stores the change
//! (`sync_changes`) and the document's new heads (`sync_docs`) in that same transaction.
//! `sync_docs.last_seq` says which record was last put in a document, so a
//! transaction that did not seal (or a register that replicated nothing before) is
//! caught up by the next seal: a record is never left out and never added twice.
//!
//! The documents are cached in memory between transactions. The cache is checked
//! against the heads stored in `sync_docs` before each use and reloaded when they differ
//! (another process wrote, or a transaction holding a cached change rolled back), so a
//! stored change never depends on one that was not stored.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use till_docs::{ActorId, AutoCommit, DocId, JournalDoc, RecordFields, heads_to_text};

use crate::{Result, Store, StoreError};

/// The last journal record put in a journal document (kept per document in
/// `sync_docs.last_seq`, which each seal updates anyway), read as the last entry of the
/// index on `last_seq`: one lookup, however many documents the register holds.
fn docs_through(conn: &Connection) -> Result<i64> {
    Ok(conn.prepare_cached("SELECT COALESCE(MAX(last_seq), 0) FROM sync_docs")?.query_row([], |r| r.get(0))?)
}

/// A journal row as read for sealing: its number, then kind, ref, at, amount, grand total,
/// payload, previous hash and hash.
type JournalRow = (i64, [String; 8]);

/// Who this register is in document ids, and the time zone its business days are in.
#[derive(Debug, Clone)]
pub struct ReplicaIdentity {
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// The store's time zone (a record's business day is its date there).
    pub timezone: jiff::tz::TimeZone,
}

/// Replication state of one open store.
pub(crate) struct Replica {
    /// Fresh per process start (per open store): two processes never share an actor.
    actor: ActorId,
    identity: Option<ReplicaIdentity>,
    cache: HashMap<DocId, AutoCommit>,
}

impl From<till_docs::DocError> for StoreError {
    fn from(e: till_docs::DocError) -> Self {
        StoreError::Corrupt(format!("replicated document: {e}"))
    }
}

impl Replica {
    pub(crate) fn new() -> Replica {
        Replica { actor: ActorId::random(), identity: None, cache: HashMap::new() }
    }

    pub(crate) fn identity(&self) -> Option<&ReplicaIdentity> {
        self.identity.as_ref()
    }

    pub(crate) fn set_identity(&mut self, identity: ReplicaIdentity) {
        self.identity = Some(identity);
    }

    /// Puts the journal records not yet in a document into their day's document, in `tx`.
    pub(crate) fn seal(&mut self, tx: &Connection) -> Result<()> {
        let Some(identity) = self.identity.clone() else { return Ok(()) };
        let through = docs_through(tx)?;
        let mut stmt = tx.prepare_cached(
            "SELECT seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash FROM journal WHERE seq > ?1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([through], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                [r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
            ))
        })?;
        // Grouped by document first: a cached document is checked once, before any
        // operation is added to it, and each touched document gets one change.
        let mut by_doc: Vec<(DocId, Vec<JournalRow>)> = Vec::new();
        for row in rows {
            let (seq, fields) = row?;
            let at = &fields[2];
            let when: jiff::Timestamp =
                at.parse().map_err(|e| StoreError::Corrupt(format!("journal.at of record {seq}: '{at}' ({e})")))?;
            let day = when.to_zoned_datetime(identity.timezone.clone()).date().to_string();
            let id = DocId::journal(&identity.store, &identity.register, &day)?;
            match by_doc.iter_mut().find(|(d, _)| *d == id) {
                Some((_, records)) => records.push((seq, fields)),
                None => by_doc.push((id, vec![(seq, fields)])),
            }
        }
        drop(stmt);
        for (id, records) in &by_doc {
            let doc = self.doc(tx, id)?;
            for (seq, [kind, reference, at, amount, grand_total, payload, prev_hash, hash]) in records {
                let fields =
                    RecordFields { seq: *seq as u64, kind, reference, at, amount, grand_total, payload, prev_hash };
                JournalDoc::append(doc, &fields, hash)?;
            }
            self.store_local_change(tx, id)?;
            let last = records.iter().map(|(seq, _)| *seq).max().unwrap_or(0);
            tx.prepare_cached("UPDATE sync_docs SET last_seq = MAX(last_seq, ?2) WHERE doc = ?1")?
                .execute(params![id.as_str(), last])?;
        }
        Ok(())
    }

    /// Commits the cached document's pending operations as one change, stored in `tx`.
    pub(crate) fn store_local_change(&mut self, tx: &Connection, id: &DocId) -> Result<()> {
        let Some(doc) = self.cache.get_mut(id) else { return Ok(()) };
        if let Some((hash, bytes)) = till_docs::commit(doc) {
            insert_change(tx, id, &hash.to_string(), &bytes)?;
            record_stored(tx, id, Some(&heads_to_text(&doc.get_heads())), 1, bytes.len())?;
        }
        Ok(())
    }

    /// The document `id`, from the cache when it is current, else loaded from `tx`.
    pub(crate) fn doc(&mut self, tx: &Connection, id: &DocId) -> Result<&mut AutoCommit> {
        let stored: String = tx
            .prepare_cached("SELECT heads FROM sync_docs WHERE doc = ?1")?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        let current = match self.cache.get_mut(id) {
            Some(doc) => heads_to_text(&doc.get_heads()) == stored,
            None => false,
        };
        if !current {
            let doc = till_docs::load(&load_bytes(tx, id)?, &self.actor)?;
            self.cache.insert(id.clone(), doc);
        }
        self.cache.get_mut(id).ok_or_else(|| StoreError::NotFound(format!("document {id}")))
    }

    /// Forgets cached documents (after a failed transaction that may have touched them).
    pub(crate) fn forget(&mut self) {
        self.cache.clear();
    }
}

/// Changes a document may pile up in `sync_changes` before [`Store::compact_docs_if_due`]
/// folds them into one saved document (and not before they weigh as much as the saved
/// document they would join: see there).
pub const COMPACT_AFTER: i64 = 256;

/// The documents due for compaction: more than [`COMPACT_AFTER`] changes stored since the
/// last compaction, weighing at least as much as the saved part. The number is written
/// out, not bound, so that SQLite sees the partial index `sync_docs_compact_due` (schema
/// version 6), which holds exactly these documents, answers it: the query reads the due
/// documents and nothing else. A test holds the two to the same number.
pub(crate) const DUE_FOR_COMPACTION: &str =
    "SELECT doc FROM sync_docs WHERE pending_changes > 256 AND pending_bytes >= saved_bytes ORDER BY doc";

/// Replaces the stored changes of `id` (all of them: `tx` is a write transaction) with the
/// document saved whole — the same changes, compressed column by column. Its heads must
/// be the heads stored for it, or nothing is changed.
fn compact(tx: &Connection, id: &DocId) -> Result<()> {
    let last: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM sync_changes WHERE doc = ?1")?
        .query_row([id.as_str()], |r| r.get(0))?;
    let mut doc = till_docs::load(&load_bytes(tx, id)?, &ActorId::random())?;
    let stored: String = tx
        .prepare_cached("SELECT heads FROM sync_docs WHERE doc = ?1")?
        .query_row([id.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or_default();
    if heads_to_text(&doc.get_heads()) != stored {
        return Err(StoreError::Corrupt(format!("document {id}: its stored changes do not end at its stored heads")));
    }
    let saved = doc.save();
    tx.prepare_cached("DELETE FROM sync_changes WHERE doc = ?1 AND id <= ?2")?.execute(params![id.as_str(), last])?;
    // A saved document has no single change hash: the column is left empty.
    insert_change(tx, id, "", &saved)?;
    tx.prepare_cached("UPDATE sync_docs SET pending_changes = 0, pending_bytes = 0, saved_bytes = ?2 WHERE doc = ?1")?
        .execute(params![id.as_str(), saved.len() as i64])?;
    Ok(())
}

/// Every stored change of `id`, concatenated in the order they were stored.
pub(crate) fn load_bytes(conn: &Connection, id: &DocId) -> Result<Vec<u8>> {
    let mut stmt = conn.prepare_cached("SELECT bytes FROM sync_changes WHERE doc = ?1 ORDER BY id")?;
    let mut out = Vec::new();
    for bytes in stmt.query_map([id.as_str()], |r| r.get::<_, Vec<u8>>(0))? {
        out.extend_from_slice(&bytes?);
    }
    Ok(out)
}

/// Stores a change (callers store each change once: a new local change, or a received one
/// the document did not hold).
pub(crate) fn insert_change(conn: &Connection, id: &DocId, hash: &str, bytes: &[u8]) -> Result<()> {
    conn.prepare_cached("INSERT INTO sync_changes (doc, hash, bytes) VALUES (?1, ?2, ?3)")?.execute(params![
        id.as_str(),
        hash,
        bytes
    ])?;
    Ok(())
}

/// Records what a write stored of document `id` in `sync_changes`: its heads after
/// (`None`: unchanged) and `changes` change rows of `bytes` bytes added — the counters
/// compaction finds due documents by, kept in the row the write updates anyway.
pub(crate) fn record_stored(
    conn: &Connection,
    id: &DocId,
    heads: Option<&str>,
    changes: i64,
    bytes: usize,
) -> Result<()> {
    let bytes = bytes as i64;
    match heads {
        Some(heads) => conn
            .prepare_cached(
                "INSERT INTO sync_docs (doc, heads, pending_changes, pending_bytes) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (doc) DO UPDATE SET heads = excluded.heads, \
                 pending_changes = pending_changes + excluded.pending_changes, \
                 pending_bytes = pending_bytes + excluded.pending_bytes",
            )?
            .execute(params![id.as_str(), heads, changes, bytes])?,
        // Changes the document could not apply yet (their dependencies missing) leave its
        // heads alone; a document not held yet has no row, and its counters start with
        // the first change it applies — they only decide when compaction is due.
        None => conn
            .prepare_cached(
                "UPDATE sync_docs SET pending_changes = pending_changes + ?2, pending_bytes = pending_bytes + ?3 \
                 WHERE doc = ?1",
            )?
            .execute(params![id.as_str(), changes, bytes])?,
    };
    Ok(())
}

/// The replicated documents as the register holds them, for sync.
impl crate::Store {
    /// Replicates from now on as `identity`, first putting any journal records written
    /// before (by an older Till, or before the identity was known) into their documents.
    pub fn replicate_as(&mut self, identity: ReplicaIdentity) -> Result<()> {
        self.replica.set_identity(identity);
        let through = docs_through(&self.conn)?;
        let last: i64 = self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
        if last > through {
            self.write(|tx, replica| replica.seal(tx))?;
        }
        Ok(())
    }

    /// Rebuilds every journal document from the journal table (after the stored changes
    /// were lost or damaged). The rebuilt documents hold the same records under the same
    /// numbers, so merging them with the copies HQ already has changes no record.
    pub fn rebuild_journal_docs(&mut self) -> Result<()> {
        self.write(|tx, replica| {
            tx.execute("DELETE FROM sync_changes WHERE doc LIKE 'journal/%'", [])?;
            tx.execute("DELETE FROM sync_docs WHERE doc LIKE 'journal/%'", [])?;
            replica.forget();
            replica.seal(tx)
        })
    }

    /// Compacts each document holding more than [`COMPACT_AFTER`] stored changes, which
    /// together weigh at least as much as its saved part, into one saved document, a
    /// transaction each. Off the sale path (`Register::maintain`): a sale stores its change
    /// uncompressed, and a day's journal saved whole is a fraction of its changes' size, and
    /// loads faster. Waiting until the changes weigh as much as the saved part keeps the
    /// work per sale constant however large the day grows (each save rewrites the whole
    /// document). Finding the due documents reads only them (per-document counters under a
    /// partial index), never the stored changes of the others: a pass costs the same after
    /// years of history. Returns how many documents it compacted; one that cannot be is
    /// left as it is, with a warning.
    pub fn compact_docs_if_due(&mut self) -> Result<usize> {
        let due: Vec<String> = self
            .conn
            .prepare_cached(DUE_FOR_COMPACTION)?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        // A document that cannot be compacted stays as it is (and is said so): the others,
        // and the rest of the housekeeping, go on.
        let mut done = 0;
        for id in &due {
            match DocId::parse(id).map_err(StoreError::from).and_then(|id| self.write(|tx, _| compact(tx, &id))) {
                Ok(()) => done += 1,
                Err(e) => tracing::warn!(doc = %id, error = %e, "cannot compact a replicated document"),
            }
        }
        Ok(done)
    }

    /// Who this register replicates as, once [`Store::replicate_as`] was called.
    pub fn replica_identity(&self) -> Option<&ReplicaIdentity> {
        self.replica.identity()
    }

    /// Every replicated document stored, with its heads and the heads the other side last
    /// confirmed (both as text, see [`till_docs::heads_to_text`]).
    pub fn replicated_docs(&self) -> Result<Vec<(DocId, String, String)>> {
        let mut stmt = self.conn.prepare_cached("SELECT doc, heads, acked FROM sync_docs ORDER BY doc")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, heads, acked) = row?;
            out.push((DocId::parse(&id)?, heads, acked));
        }
        Ok(out)
    }

    /// A copy of document `id` as stored (empty if none), to run a sync exchange on
    /// without holding the database: sales go on meanwhile.
    pub fn doc_copy(&mut self, id: &DocId) -> Result<AutoCommit> {
        let Store { conn, replica, .. } = self;
        Ok(replica.doc(conn, id)?.fork())
    }

    /// Stores changes received for document `id` (applied to the register's copy too);
    /// changes already held are skipped by hash. Returns the document's heads after.
    pub fn store_received(&mut self, id: &DocId, changes: Vec<till_docs::Change>) -> Result<String> {
        if changes.is_empty() {
            return Ok(self
                .replicated_docs()?
                .into_iter()
                .find(|(d, ..)| d == id)
                .map(|(_, h, _)| h)
                .unwrap_or_default());
        }
        self.write(|tx, replica| {
            let doc = replica.doc(tx, id)?;
            let before = doc.get_heads();
            let new: Vec<till_docs::Change> =
                changes.into_iter().filter(|c| doc.get_change_by_hash(&c.hash()).is_none()).collect();
            doc.apply_changes(new.iter().cloned()).map_err(till_docs::DocError::from)?;
            let (count, mut bytes) = (new.len() as i64, 0);
            for mut change in new {
                let hash = change.hash().to_string();
                let stored = change.bytes();
                bytes += stored.len();
                insert_change(tx, id, &hash, &stored)?;
            }
            let heads = heads_to_text(&doc.get_heads());
            let moved = heads != heads_to_text(&before);
            if moved || count > 0 {
                record_stored(tx, id, moved.then_some(heads.as_str()), count, bytes)?;
            }
            Ok(heads)
        })
    }

    /// Changes replicated document `id` with `f` and stores the change, in one
    /// transaction (a pick, a staging: store-side work on a shared document).
    pub fn change_doc<T>(&mut self, id: &DocId, f: impl FnOnce(&mut AutoCommit) -> till_docs::Result<T>) -> Result<T> {
        self.write(|tx, replica| {
            let value = f(replica.doc(tx, id)?)?;
            replica.store_local_change(tx, id)?;
            Ok(value)
        })
    }

    /// Records that the other side holds document `id` at `heads` (text).
    pub fn set_acked(&self, id: &DocId, heads: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE sync_docs SET acked = ?2 WHERE doc = ?1")?
            .execute(params![id.as_str(), heads])?;
        Ok(())
    }

    /// Runs `f` in an immediate transaction with the replica; forgets cached documents if
    /// it fails, so nothing uncommitted is built on.
    pub(crate) fn write<T>(&mut self, f: impl FnOnce(&Connection, &mut Replica) -> Result<T>) -> Result<T> {
        let Store { conn, replica, .. } = self;
        let result = (|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let value = f(&tx, replica)?;
            tx.commit()?;
            Ok(value)
        })();
        if result.is_err() {
            replica.forget();
        }
        result
    }
}

/// Setting: the last stock movement turned into counter increments (or set waiting).
const STOCK_THROUGH: &str = "stock_docs_through";

impl crate::Store {
    /// Turns the stock movements not yet replicated into increments of the store's
    /// inventory counters, in one transaction. A movement whose counter HQ has not created
    /// yet waits (summed per location and SKU) and is applied once the counter arrives.
    /// Returns how many location/SKU sums are still waiting.
    pub fn replicate_stock(&mut self) -> Result<u64> {
        let Some(identity) = self.replica.identity().cloned() else { return Ok(0) };
        let id = DocId::stock(&identity.store)?;
        self.write(|tx, replica| {
            let through: i64 = tx
                .query_row("SELECT value FROM settings WHERE key = ?1", [STOCK_THROUGH], |r| r.get::<_, String>(0))
                .optional()?
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            let mut sums: std::collections::BTreeMap<(String, String), i64> = Default::default();
            let mut last = through;
            {
                let mut stmt = tx.prepare_cached(
                    "SELECT id, location, sku, micro_units FROM stock_movements WHERE id > ?1 ORDER BY id",
                )?;
                let rows = stmt.query_map([through], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
                })?;
                for row in rows {
                    let (mid, location, sku, micro) = row?;
                    *sums.entry((location, sku)).or_default() += micro;
                    last = mid;
                }
                let mut waiting = tx.prepare_cached("SELECT location, sku, micro_units FROM sync_stock_waiting")?;
                for row in waiting.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))? {
                    let (location, sku, micro): (String, String, i64) = row?;
                    *sums.entry((location, sku)).or_default() += micro;
                }
            }
            tx.execute("DELETE FROM sync_stock_waiting", [])?;
            let doc = replica.doc(tx, &id)?;
            let mut still_waiting = 0;
            for ((location, sku), micro) in sums {
                if micro != 0 && !till_docs::StockDoc::increment(doc, &location, &sku, micro)? {
                    tx.prepare_cached(
                        "INSERT INTO sync_stock_waiting (location, sku, micro_units) VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![location, sku, micro])?;
                    still_waiting += 1;
                }
            }
            replica.store_local_change(tx, &id)?;
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![STOCK_THROUGH, last.to_string()],
            )?;
            Ok(still_waiting)
        })
    }

    /// The store's stock of `sku` at `location` as the replicated counters say (all
    /// registers' sales that reached this one, plus HQ's receipts), if HQ created the
    /// counter; in the SKU's unit.
    pub fn replicated_stock(&mut self, location: &str, sku: &str) -> Result<Option<rust_decimal::Decimal>> {
        let Some(identity) = self.replica.identity().cloned() else { return Ok(None) };
        let id = DocId::stock(&identity.store)?;
        let Store { conn, replica, .. } = self;
        let doc = replica.doc(conn, &id)?;
        Ok(till_docs::StockDoc::value(doc, location, sku)?.map(|m| rust_decimal::Decimal::new(m, 6).normalize()))
    }

    /// Journal sales HQ has not confirmed: how many, and when the oldest was made.
    pub fn unsynced_sales(&self, hq_through: u64) -> Result<(u64, Option<String>)> {
        Ok(self.conn.query_row(
            "SELECT count(*), MIN(at) FROM journal WHERE kind = 'sale' AND seq > ?1",
            [hq_through as i64],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)),
        )?)
    }
}
