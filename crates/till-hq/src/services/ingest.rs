//! From staged journal records to HQ's books: materialized strictly in each register's
//! chain order — each sale exactly once, keyed by its id, only after HQ has computed the
//! record's full hash from it and HQ's hash of the record before, and found the
//! register's check (and, on a document's first record, its full link) to agree.

use crate::books::conflicts::{ConflictKind, raise};
use crate::books::journal::{halt, short};
use crate::books::{journal, registers, sales};
use crate::db::Tx;
use crate::error::HqError;

/// Materializes the register's staged records that follow on from the last one, in
/// order, stopping at a gap (the record has not arrived yet), a broken link, or a record a
/// manager accepted whose hash the register has not sent yet ([`anchor`]).
pub(crate) fn materialize(tx: &mut dyn Tx, key: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    let Some(reg) = registers::register(tx, key)? else { return Ok(()) };
    let (store, register) = (reg.store, reg.register);
    let (mut through, mut last_hash, accept, accept_hash) =
        (reg.through_seq, reg.last_hash, reg.accept_seq, reg.accept_hash);
    if !reg.halted.is_empty() {
        return Ok(());
    }
    let mut grand_total = None;
    'batches: loop {
        let records = journal::staged_after(tx, key, through)?;
        if records.is_empty() {
            break;
        }
        for record in records {
            if record.seq != through + 1 {
                break 'batches; // a gap: the next record has not arrived yet
            }
            let accepted = record.seq == accept;
            // The chain goes on from HQ's own hash of each record; past a broken link a
            // manager accepted, from the register's hash of that record, which only the
            // register can tell (HQ asks for it: `anchor`).
            let own = if !record.prev_hash.is_empty() && record.prev_hash != last_hash {
                Err(format!(
                    "record {} points back to {} but HQ's last record of {key} is {}",
                    record.seq,
                    short(&record.prev_hash),
                    short(&last_hash)
                ))
            } else {
                record.chain_hash(&last_hash).ok_or_else(|| {
                    format!(
                        "record {} does not match its check: altered after it was written, or it does not follow on from HQ's record {through}",
                        record.seq
                    )
                })
            };
            let hash = match own {
                Err(_) if accepted && !accept_hash.is_empty() => Ok(accept_hash.clone()),
                // A day's first record carries its full link: its own hash, as the register
                // computed it, follows from that (and its check confirms it).
                Err(_) if accepted && !record.prev_hash.is_empty() => match record.chain_hash(&record.prev_hash) {
                    Some(hash) => Ok(hash),
                    None => break 'batches,
                },
                Err(_) if accepted => break 'batches,
                own => own,
            };
            // Booked only if its chain holds; an unreadable sale a manager accepted is passed
            // over. Either problem stops materializing this register until resolved.
            let hash = match hash {
                Ok(hash) if record.kind == "sale" => match sales::book(tx, key, &store, &register, &record, now)? {
                    Err(problem) if !accepted => Err(problem),
                    _ => Ok(hash),
                },
                other => other,
            };
            let hash = match hash {
                Ok(hash) => hash,
                Err(detail) => {
                    let id = raise(
                        tx,
                        ConflictKind::BrokenChain,
                        &format!("{key}/{}", record.seq),
                        &store,
                        &register,
                        &detail,
                        now,
                    )?;
                    halt(tx, key, &id)?;
                    break 'batches;
                }
            };
            through = record.seq;
            last_hash = hash;
            grand_total = Some(record.grand_total.clone());
        }
    }
    if let Some(total) = grand_total {
        tx.exec(
            "UPDATE registers SET through_seq = $2, last_hash = $3, grand_total = $4 WHERE key = $1",
            &[key.into(), (through as i64).into(), last_hash.into(), total.into()],
        )?;
    }
    Ok(())
}

/// Takes the register's full hash of the record a manager accepted, if it is the one HQ
/// waits for and begins with the check HQ holds, and materializes on from it. A hash that
/// does not (HQ holds another machine's record under that number), or none (`""`: the
/// register does not hold the record), raises the broken chain again and halts, so a
/// manager sees it (and may resolve it with the hash to go on from); that refusal is the
/// inner `Err`, to be committed.
pub(crate) fn anchor(
    tx: &mut dyn Tx,
    key: &str,
    seq: u64,
    hash: &str,
    now: jiff::Timestamp,
) -> Result<Result<(), String>, HqError> {
    tx.lock(key)?;
    let reg = registers::register(tx, key)?.filter(|r| !r.revoked);
    let Some(reg) = reg else { return Err(HqError::Unauthorized(format!("register {key} is revoked"))) };
    if reg.awaiting_hash_of() != Some(seq) {
        return Err(HqError::Conflict(format!("HQ is not waiting for the hash of record {seq} of {key}")));
    }
    if !hash.is_empty() && !till_docs::is_record_hash(hash) {
        return Err(HqError::BadRequest("hash: 64 lowercase hex digits".into()));
    }
    let check = journal::check_of(tx, key, seq)?
        .ok_or_else(|| HqError::Conflict(format!("record {seq} of {key} has not arrived")))?;
    let refused = if hash.is_empty() {
        format!(
            "HQ asked {key} for its hash of record {seq}, which a manager accepted, and it does not hold that record (restored from an older backup, or replaced)"
        )
    } else if !hash.starts_with(&check) {
        format!(
            "{key}'s own hash of record {seq} ({}) does not begin with the check HQ holds ({}): HQ holds another machine's record {seq}",
            short(hash),
            short(&check)
        )
    } else {
        tx.exec("UPDATE registers SET accept_hash = $2 WHERE key = $1", &[key.into(), hash.into()])?;
        materialize(tx, key, now)?;
        return Ok(Ok(()));
    };
    let subject = format!("{key}/{seq}/anchor");
    let id = raise(tx, ConflictKind::BrokenChain, &subject, &reg.store, &reg.register, &refused, now)?;
    halt(tx, key, &id)?;
    Ok(Err(refused))
}
