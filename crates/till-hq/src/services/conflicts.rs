//! Conflicts as a manager and a store see them: listed, resolved on the record — a broken
//! chain's resolution lets its register's journal be booked on from the record accepted.

use till_protocol::StoreConflict;

use super::{Hq, ingest};
use crate::books::conflicts::{self, Conflict, ConflictKind};
use crate::books::returns;
use crate::db::with_tx;
use crate::error::HqError;

impl Hq {
    /// Conflicts, open first, then by when they were raised.
    pub fn conflicts(&self, include_resolved: bool) -> Result<Vec<Conflict>, HqError> {
        with_tx(self.db(), |tx| conflicts::list(tx, include_resolved))
    }

    /// The open conflicts of `store`, as its registers are shown them.
    pub fn store_conflicts(&self, store: &str) -> Result<Vec<StoreConflict>, HqError> {
        Ok(self
            .conflicts(false)?
            .into_iter()
            .filter(|c| c.store == store)
            .map(|c| StoreConflict {
                kind: c.kind,
                subject: c.subject,
                register: c.register,
                detail: c.detail,
                needs: c.needs,
                raised_at: c.raised_at,
            })
            .collect())
    }

    /// Resolves conflict `id` with a note saying what was done. A broken chain's
    /// resolution accepts the offending record and lets materializing resume from it —
    /// at once when HQ can compute its hash or the manager gives it (`anchor`: the
    /// register's own hash of that record), else once the register has sent its own.
    pub fn resolve(
        &self,
        id: &str,
        note: &str,
        anchor: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<Conflict, HqError> {
        if note.trim().is_empty() {
            return Err(HqError::BadRequest("say what was done: --note TEXT".into()));
        }
        if let Some(hash) = anchor
            && !till_docs::is_record_hash(hash)
        {
            return Err(HqError::BadRequest(format!("--anchor '{hash}': a record hash is 64 lowercase hex digits")));
        }
        with_tx(self.db(), |tx| {
            let found = tx.one(&format!("SELECT {} FROM conflicts WHERE id = $1", Conflict::COLUMNS), &[id.into()])?;
            let Some(c) = found.as_ref().map(Conflict::from_row).transpose()? else {
                return Err(HqError::NotFound(format!("no conflict {id}")));
            };
            if !c.resolved_at.is_empty() {
                return Err(HqError::BadRequest(format!("conflict {id} was already resolved at {}", c.resolved_at)));
            }
            tx.exec(
                "UPDATE conflicts SET resolved_at = $2, resolution = $3 WHERE id = $1",
                &[id.into(), now.to_string().into(), note.into()],
            )?;
            let broken = c.kind == ConflictKind::BrokenChain.as_str();
            if anchor.is_some() && !broken {
                return Err(HqError::BadRequest(format!("--anchor is for a broken chain; {id} is {}", c.kind)));
            }
            if c.kind == ConflictKind::OnlineReturnExceedsFulfilled.as_str() {
                returns::release(tx, &c.subject)?;
            }
            if broken {
                let key = format!("{}/{}", c.store, c.register);
                tx.lock(&key)?;
                tx.exec(
                    "UPDATE registers SET halted = '', accept_seq = through_seq + 1, accept_hash = $3 WHERE key = $1 AND halted = $2",
                    &[key.as_str().into(), id.into(), anchor.unwrap_or_default().into()],
                )?;
                ingest::materialize(tx, &key, now)?;
            }
            Ok(())
        })?;
        self.conflicts(true)?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| HqError::Internal(format!("conflict {id} vanished")))
    }
}
