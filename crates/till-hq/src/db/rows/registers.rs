//! `registers`: each register's identity, credentials and how far its journal is booked.

use rust_decimal::Decimal;

use crate::db::{Row, RowError};

/// A row of `registers` (all but `created_at`).
#[derive(Debug, Clone)]
pub struct RegisterRow {
    /// `STORE/REGISTER`.
    pub key: String,
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// SHA-256 of the enrollment token ("" once revoked).
    pub token_hash: String,
    /// When the token expires ("" once used).
    pub token_expires: String,
    /// SHA-256 of the device credential ("" until enrolled).
    pub credential_hash: String,
    /// SHA-256 of a rotated credential not yet used ("" none).
    pub next_hash: String,
    /// Every request refused.
    pub revoked: bool,
    /// Last journal record materialized in chain order.
    pub through_seq: u64,
    /// HQ's hash of that record.
    pub last_hash: String,
    /// The register's perpetual grand total after it.
    pub grand_total: Decimal,
    /// The conflict that stopped materializing (empty when none).
    pub halted: String,
    /// A record a manager accepted despite its chain (0: none).
    pub accept_seq: u64,
    /// The register's own hash of that record, once known ("" until then).
    pub accept_hash: String,
    /// When it last synced.
    pub last_seen: String,
}

impl RegisterRow {
    /// The columns [`RegisterRow::from_row`] reads.
    pub const COLUMNS: &str = "key, store, register, token_hash, token_expires, credential_hash, next_hash, revoked, \
                               through_seq, last_hash, grand_total, halted, accept_seq, accept_hash, last_seen";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<RegisterRow, RowError> {
        let r = row.of("registers");
        Ok(RegisterRow {
            key: r.text("key")?,
            store: r.text("store")?,
            register: r.text("register")?,
            token_hash: r.text("token_hash")?,
            token_expires: r.text("token_expires")?,
            credential_hash: r.text("credential_hash")?,
            next_hash: r.text("next_hash")?,
            revoked: r.flag("revoked")?,
            through_seq: r.count("through_seq")?,
            last_hash: r.text("last_hash")?,
            grand_total: r.decimal("grand_total")?,
            halted: r.text("halted")?,
            accept_seq: r.count("accept_seq")?,
            accept_hash: r.text("accept_hash")?,
            last_seen: r.text("last_seen")?,
        })
    }

    /// The record a manager accepted despite a broken chain whose hash HQ waits for from
    /// the register before it goes on: while booking is not halted, the register's own
    /// hash of it is not known yet, and it is beyond what is booked.
    pub fn awaiting_hash_of(&self) -> Option<u64> {
        (self.halted.is_empty() && self.accept_hash.is_empty() && self.accept_seq > self.through_seq)
            .then_some(self.accept_seq)
    }
}
