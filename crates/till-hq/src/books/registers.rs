//! Registers as HQ's books know them: who they are, how far their journal is booked, and
//! whether booking is halted or waits for a hash.

use serde::Serialize;

use crate::db::Tx;
use crate::db::rows::RegisterRow;
use crate::error::HqError;

/// A register as HQ knows it, once authenticated, and as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterView {
    /// `STORE/REGISTER`.
    pub key: String,
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// Enrolled (has a credential).
    pub enrolled: bool,
    /// Revoked: every request refused.
    pub revoked: bool,
    /// Last journal record materialized in chain order.
    pub through_seq: u64,
    /// When it last synced.
    pub last_seen: String,
    /// The conflict that stopped materializing its journal (empty when none).
    pub halted: String,
    /// The record a manager accepted despite a broken chain whose hash HQ waits for from
    /// the register before it goes on (it asks at the register's next sync).
    pub awaiting_hash_of: Option<u64>,
}

impl From<&RegisterRow> for RegisterView {
    fn from(r: &RegisterRow) -> Self {
        RegisterView {
            key: r.key.clone(),
            store: r.store.clone(),
            register: r.register.clone(),
            enrolled: !r.credential_hash.is_empty(),
            revoked: r.revoked,
            through_seq: r.through_seq,
            last_seen: r.last_seen.clone(),
            halted: r.halted.clone(),
            awaiting_hash_of: r.awaiting_hash_of(),
        }
    }
}

/// Register `key`'s row as it is now.
pub(crate) fn register(tx: &mut dyn Tx, key: &str) -> Result<Option<RegisterRow>, HqError> {
    let found = tx.one(&format!("SELECT {} FROM registers WHERE key = $1", RegisterRow::COLUMNS), &[key.into()])?;
    Ok(found.as_ref().map(RegisterRow::from_row).transpose()?)
}

/// The last journal record of register `key` booked in chain order (0: none).
pub(crate) fn through(tx: &mut dyn Tx, key: &str) -> Result<u64, HqError> {
    match tx.one("SELECT through_seq FROM registers WHERE key = $1", &[key.into()])? {
        Some(r) => Ok(r.of("registers").count("through_seq")?),
        None => Ok(0),
    }
}

/// The store's current peer key, once one of its registers has enrolled.
pub(crate) fn peer_key(tx: &mut dyn Tx, store: &str) -> Result<Option<String>, HqError> {
    match tx.one("SELECT peer_key FROM stores WHERE store = $1", &[store.into()])? {
        Some(r) => Ok(Some(r.of("stores").text("peer_key")?)),
        None => Ok(None),
    }
}
