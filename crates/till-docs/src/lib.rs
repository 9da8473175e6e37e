//! The documents Till replicates with Automerge, and nothing else: what each is called,
//! what it holds, how a record is hashed, and how two replicas tell cheaply whether they
//! differ. No I/O: the register's store and HQ keep the bytes; `till-sync` moves them.
//!
//! Documents are many and small:
//! - `journal/STORE/REGISTER/YYYY-MM-DD` — one register's journal records for one
//!   business day. One writer (that register), append-only, keyed by sequence number,
//!   so a document rebuilt from SQLite merges with the one sent before without changing
//!   a record.
//! - `stock/STORE` — inventory counters of one store, per location and SKU, in millionths
//!   of a unit. Only HQ creates a counter; registers only increment, so concurrent sales
//!   at several registers add up instead of overwriting each other.
//! - `order/STORE/KEY` — one online order as one store fulfils it: HQ writes what to
//!   fulfil, the store's registers what they picked, staged and handed over.

pub mod budget;
mod digest;
mod id;
mod journal;
mod order;
mod shape;
mod stock;

pub use automerge::{ActorId, AutoCommit, Change, ChangeHash};
pub use digest::{digest, heads_from_text, heads_to_text};
pub use id::{DocId, DocKind};
pub use journal::{CHECK_LEN, GENESIS, JournalDoc, RecordFields, StoredRecord, is_record_hash};
pub use order::{OrderDoc, order_key};
pub use shape::{
    MAX_COUNTERS, MAX_LOCATIONS, MAX_ORDER_ENTRIES, MAX_ORDER_FIELD, MAX_RECORD, MAX_RECORDS, MAX_STOCK_KEY,
    ShapeError, validate,
};
pub use stock::{MAX_COUNTER, MAX_INCREMENT, StockDoc};

/// What went wrong reading or writing a replicated document.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// Automerge refused the bytes or the operation.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A document id that does not name a known document.
    #[error("bad document id '{id}': {reason}")]
    BadId {
        /// The id as given.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A record in a document is missing a field or holds the wrong type.
    #[error("document {doc}, record {key}: {reason}")]
    BadRecord {
        /// The document.
        doc: String,
        /// The record key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A document whose shape is not its kind's, or a change its writer may not make.
    #[error(transparent)]
    Shape(#[from] ShapeError),
}

/// Result of document operations.
pub type Result<T> = std::result::Result<T, DocError>;

/// Loads a document from stored bytes (a full save, concatenated changes, or both).
pub fn load(bytes: &[u8], actor: &ActorId) -> Result<AutoCommit> {
    let mut doc = AutoCommit::new().with_actor(actor.clone());
    if !bytes.is_empty() {
        doc.load_incremental(bytes)?;
    }
    Ok(doc)
}

/// Commits the pending operations of `doc` and returns the change's hash and bytes, or
/// `None` when nothing was changed. The bytes are not compressed: compressing each change
/// was a sizeable part of a sale's commit, and a store compacts its changes into one
/// compressed document off the sale path instead (much smaller than the changes
/// compressed one by one).
pub fn commit(doc: &mut AutoCommit) -> Option<(ChangeHash, Vec<u8>)> {
    doc.commit()?;
    let change = doc.get_last_local_change()?;
    Some((change.hash(), change.raw_bytes().to_vec()))
}
