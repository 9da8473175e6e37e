//! Journal records as they arrive from registers' journal documents: staged in any order,
//! any number of times (keyed by register and number), read back in chain order for
//! booking; a second record under a known number is a fork, raised as a conflict.

use std::collections::HashSet;

use till_docs::StoredRecord;

use super::conflicts::{self, ConflictKind, raise};
use crate::db::rows::{JOURNAL_COLUMNS, stored_record};
use crate::db::{Tx, Val, values};
use crate::error::HqError;

/// Stages records of a register's journal document; a record already staged under the
/// same number with another check is a fork of the chain, raised as a conflict. The
/// `hash` column holds the record's check as the document carries it.
pub(crate) fn stage(
    tx: &mut dyn Tx,
    key: &str,
    doc: &str,
    records: &[StoredRecord],
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let (store, register) = key.split_once('/').unwrap_or((key, ""));
    for chunk in records.chunks(STAGE_BATCH) {
        let mut params: Vec<Val> = Vec::with_capacity(chunk.len() * 11);
        for r in chunk {
            params.extend([
                key.into(),
                (r.seq as i64).into(),
                r.kind.as_str().into(),
                r.reference.as_str().into(),
                r.at.as_str().into(),
                r.amount.as_str().into(),
                r.grand_total.as_str().into(),
                r.payload.as_str().into(),
                r.prev_hash.as_str().into(),
                r.check.as_str().into(),
                doc.into(),
            ]);
        }
        let inserted = tx.query(
            &format!(
                "INSERT INTO journal (register_key, seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash, doc) \
                 VALUES {} ON CONFLICT DO NOTHING RETURNING seq",
                values(chunk.len(), 11)
            ),
            &params,
        )?;
        let inserted: HashSet<u64> =
            inserted.iter().map(|row| row.of("journal").count("seq")).collect::<Result<_, _>>()?;
        for r in chunk.iter().filter(|r| !inserted.contains(&r.seq)) {
            let held = check_of(tx, key, r.seq)?.unwrap_or_default();
            if held != r.check {
                raise(
                    tx,
                    ConflictKind::BrokenChain,
                    &format!("{key}/{}", r.seq),
                    store,
                    register,
                    &format!(
                        "record {} arrived twice with different contents (check {} held, {} received): two registers share an identity, or one was restored from a backup",
                        r.seq,
                        short(&held),
                        short(&r.check)
                    ),
                    now,
                )?;
            }
        }
    }
    Ok(())
}

/// Records staged per statement.
const STAGE_BATCH: usize = 200;

/// Raises the conflict for two different records under one number of a register's
/// journal (found when their changes merged).
pub(crate) fn fork(tx: &mut dyn Tx, key: &str, seq: u64, now: jiff::Timestamp) -> Result<(), HqError> {
    let (store, register) = key.split_once('/').unwrap_or((key, ""));
    raise(
        tx,
        ConflictKind::BrokenChain,
        &format!("{key}/{seq}"),
        store,
        register,
        &format!(
            "two different records are numbered {seq}: two machines sell as {key} (a cloned disk, or a backup restored while the original went on selling); only the first to arrive is booked"
        ),
        now,
    )?;
    Ok(())
}

/// The first 12 characters of a hash, for messages (any text a register sent: cut on a
/// character boundary).
pub(crate) fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// Stops materializing `key` on conflict `id`, reopening the conflict if it had been
/// resolved (a fork warning resolved earlier that now blocks the chain must be seen).
pub(crate) fn halt(tx: &mut dyn Tx, key: &str, id: &str) -> Result<(), HqError> {
    tx.exec("UPDATE registers SET halted = $2 WHERE key = $1", &[key.into(), id.into()])?;
    conflicts::reopen(tx, id)
}

/// The next staged records of register `key` after record `after` (at most 1000), in
/// order; they need not follow on (a record may not have arrived yet).
pub(crate) fn staged_after(tx: &mut dyn Tx, key: &str, after: u64) -> Result<Vec<StoredRecord>, HqError> {
    let rows = tx.query(
        &format!("SELECT {JOURNAL_COLUMNS} FROM journal WHERE register_key = $1 AND seq > $2 ORDER BY seq LIMIT 1000"),
        &[key.into(), (after as i64).into()],
    )?;
    Ok(rows.iter().map(stored_record).collect::<Result<_, _>>()?)
}

/// The check (what the document carries of its hash) of record `seq` of register `key`,
/// if it has arrived.
pub(crate) fn check_of(tx: &mut dyn Tx, key: &str, seq: u64) -> Result<Option<String>, HqError> {
    match tx.one("SELECT hash FROM journal WHERE register_key = $1 AND seq = $2", &[key.into(), (seq as i64).into()])? {
        Some(r) => Ok(Some(r.of("journal").text("hash")?)),
        None => Ok(None),
    }
}
