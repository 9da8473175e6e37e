//! HQ's side of the sync protocol (see `till_protocol`): digests, and one Automerge sync
//! exchange per request — stateless between requests, so any HQ process can answer any
//! request and an interrupted exchange simply starts over.

use automerge::sync::{Message, State, SyncDoc};
use till_docs::{DocId, DocKind, JournalDoc, StockDoc};
use till_protocol::{DigestRequest, DigestResponse, MAX_DIGEST_DOCS, register_may_sync};

use super::{Hq, fulfilment, ingest, routing};
use crate::books::conflicts::{ConflictKind, raise};
use crate::books::registers::{self, RegisterView, through};
use crate::books::{catalog, docs, journal, stock};
use crate::db::with_tx;
use crate::error::{HqError, internal};

/// Order documents changed this long before a register's last completed round are still
/// listed to it: several HQ processes' clocks may differ a little (and timestamps are
/// compared as text, exact to the second).
const ORDERS_MARGIN_SECONDS: i64 = 300;

/// A register clock further than this from HQ's is raised as a conflict.
const MAX_SKEW_SECONDS: i64 = 300;

/// What one doc exchange answers: HQ's next sync message (if it has one) and, for a
/// journal document, the register's last record HQ holds in chain order.
pub struct Exchange {
    /// The reply message, encoded.
    pub reply: Option<Vec<u8>>,
    /// For journal documents: through-sequence after this request.
    pub through: Option<u64>,
}

/// Whether `who` may read and write document `id` (see [`register_may_sync`]).
fn may_access(who: &RegisterView, id: &DocId) -> bool {
    register_may_sync(&who.store, &who.register, id)
}

/// A message or document refused by `till_docs::budget`: 400 when it is malformed, 413
/// when it is over a budget; the text names the budget and the figures.
fn over_budget(e: till_docs::budget::BudgetError) -> HqError {
    if e.is_malformed() { HqError::BadRequest(e.to_string()) } else { HqError::TooLarge(e.to_string()) }
}

fn parse_id(id: &str) -> Result<DocId, HqError> {
    DocId::parse(id).map_err(|e| HqError::BadRequest(e.to_string()))
}

impl Hq {
    /// Answers a register's digests with HQ's, and records its clock skew if too large.
    pub fn digests(
        &self,
        who: &RegisterView,
        req: &DigestRequest,
        now: jiff::Timestamp,
    ) -> Result<DigestResponse, HqError> {
        if req.docs.len() > MAX_DIGEST_DOCS {
            return Err(HqError::BadRequest(format!(
                "{} documents in one digest request (at most {MAX_DIGEST_DOCS})",
                req.docs.len()
            )));
        }
        let mut ids = Vec::with_capacity(req.docs.len() + 1);
        for id in req.docs.keys() {
            let id = parse_id(id)?;
            if !may_access(who, &id) {
                return Err(HqError::Forbidden(format!("register {} may not sync document {id}", who.key)));
            }
            ids.push(id);
        }
        let stock = DocId::stock(&who.store).map_err(|e| HqError::Internal(e.to_string()))?;
        if !ids.contains(&stock) {
            ids.push(stock);
        }
        let clock: Option<jiff::Timestamp> = req.clock.parse().ok();
        let orders_prefix = format!("order/{}/", who.store);
        with_tx(self.db(), |tx| {
            if let Some(clock) = clock {
                let skew = clock.as_second() - now.as_second();
                if skew.abs() > MAX_SKEW_SECONDS {
                    let day = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
                    raise(
                        tx,
                        ConflictKind::ClockSkew,
                        &format!("{}@{day}", who.key),
                        &who.store,
                        &who.register,
                        &format!("register clock {clock} is {skew} s off HQ's {now}"),
                        now,
                    )?;
                }
            }
            let mut out = DigestResponse { as_of: now.as_second(), ..DigestResponse::default() };
            for id in &ids {
                if let Some(digest) = docs::digest_of(tx, id)? {
                    out.docs.insert(id.to_string(), digest);
                }
            }
            // The store's order documents it has not asked about: new orders reach it. Only
            // those changed since the register's last completed round (with a margin for
            // the clocks of several HQ processes), else every round would list every order
            // the store ever had.
            let since = match req.orders_since {
                Some(t) => jiff::Timestamp::from_second(t.saturating_sub(ORDERS_MARGIN_SECONDS))
                    .map_err(|e| HqError::BadRequest(format!("orders_since: {e}")))?
                    .to_string(),
                None => String::new(),
            };
            for (id, digest) in docs::order_digests_since(tx, &who.store, &since)? {
                if id.starts_with(&orders_prefix) {
                    out.docs.entry(id).or_insert(digest);
                }
            }
            let keys = self.key_file().load(tx)?;
            out.pickup_key = Some(keys.issuer.public_key());
            out.pickup_key_history = keys.history;
            out.through_seq = through(tx, &who.key)?;
            out.anchor_wanted = who.awaiting_hash_of;
            out.catalogs = catalog::in_force_after(tx, now, req.catalog_version)?;
            out.configs = super::config::configs_after(tx, &who.store, &who.register, req.config_version)?;
            out.peer_key = registers::peer_key(tx, &who.store)?;
            Ok(out)
        })
    }

    /// Takes `who`'s full hash of the journal record a manager accepted (HQ asked for it in
    /// the digest answer) and materializes on from it. The register's through-sequence
    /// after it is returned.
    pub fn anchor(&self, who: &RegisterView, seq: u64, hash: &str, now: jiff::Timestamp) -> Result<u64, HqError> {
        let (taken, through) =
            with_tx(self.db(), |tx| Ok((ingest::anchor(tx, &who.key, seq, hash, now)?, through(tx, &who.key)?)))?;
        taken.map_err(HqError::Conflict)?;
        Ok(through)
    }

    /// Takes one sync message for document `id` from `who` and answers it. Everything it
    /// brings is stored, staged and materialized in one transaction, or nothing is.
    pub fn sync_doc(
        &self,
        who: &RegisterView,
        id: &str,
        body: &[u8],
        now: jiff::Timestamp,
    ) -> Result<Exchange, HqError> {
        let id = parse_id(id)?;
        if !may_access(who, &id) {
            return Err(HqError::Forbidden(format!("register {} may not sync document {id}", who.key)));
        }
        // Within budget before Automerge inflates or builds anything (till_docs::budget).
        till_docs::budget::check_message(body).map_err(over_budget)?;
        let message = Message::decode(body).map_err(|e| HqError::BadRequest(format!("not a sync message: {e}")))?;
        with_tx(self.db(), |tx| {
            // A register's journal is materialized by one transaction at a time (several HQ
            // processes, or two requests of one register, on PostgreSQL); then the document.
            if matches!(id.kind(), DocKind::Journal { .. }) {
                tx.lock(&who.key)?;
            }
            // Order progress writes the order's rows: the same lock order as routing
            // (orders, then the document), so two processes never wait on each other.
            if matches!(id.kind(), DocKind::Order { .. }) {
                tx.lock("orders")?;
            }
            tx.lock(id.as_str())?;
            // Revoked since the request was authenticated: nothing is stored.
            let live = tx.one("SELECT 1 FROM registers WHERE key = $1 AND revoked = 0", &[who.key.as_str().into()])?;
            if live.is_none() {
                return Err(HqError::Unauthorized(format!("register {} is revoked", who.key)));
            }
            let (bytes, max_seq) = docs::held(tx, &id)?.unwrap_or_default();
            let mut doc = till_docs::load(&bytes, &self.actor)
                .map_err(|e| HqError::Internal(format!("stored document {id} cannot be loaded: {e}")))?;
            let before = doc.get_heads();
            let mut state = State::new();
            doc.sync()
                .receive_sync_message(&mut state, message.clone())
                .map_err(|e| HqError::BadRequest(format!("sync message for {id} refused: {e}")))?;
            let after = doc.get_heads();
            let mut journal = false;
            let mut short = None;
            if after != before {
                // The whole document in its kind's shape, before anything of it is used.
                till_docs::validate(&doc, &id).map_err(|e| HqError::BadRequest(e.to_string()))?;
                let mut new_max = max_seq;
                match id.kind() {
                    DocKind::Journal { .. } => {
                        journal = true;
                        for seq in JournalDoc::forks(&doc).map_err(internal)? {
                            journal::fork(tx, &who.key, seq, now)?;
                        }
                        let records = JournalDoc::records_after(&doc, max_seq, id.as_str())
                            .map_err(|e| HqError::BadRequest(e.to_string()))?;
                        new_max = records.last().map_or(max_seq, |r| r.seq);
                        journal::stage(tx, &who.key, id.as_str(), &records, now)?;
                    }
                    DocKind::Stock { store } => {
                        // What the register's changes do, operation by operation.
                        let held = till_docs::load(&bytes, &self.actor).map_err(internal)?;
                        let received = doc.get_changes(&before);
                        StockDoc::check_increments(&held, &received, id.as_str())
                            .map_err(|e| HqError::BadRequest(e.to_string()))?;
                        stock::below_zero(tx, &doc, &store, now)?
                    }
                    DocKind::Order { .. } => {
                        let held = till_docs::load(&bytes, &self.actor).map_err(internal)?;
                        let unchanged = till_docs::OrderDoc::hq_part_unchanged(&held, &doc, id.as_str())
                            .map_err(|e| HqError::BadRequest(e.to_string()))?;
                        if !unchanged {
                            return Err(HqError::BadRequest(format!(
                                "{id}: a register may not change what HQ wrote (the order and its lines)"
                            )));
                        }
                        short = fulfilment::store_progress(tx, &id, &held, &doc, now)?;
                    }
                }
                // No larger than its kind may be, and never more than one message could carry
                // whole to a register that holds none of it.
                till_docs::budget::check_stored(&id, &doc.save_nocompress()).map_err(over_budget)?;
                docs::save(tx, &id, &mut doc, new_max as i64, now)?;
                // A ship order short-picked at a store goes elsewhere — after the store's
                // copy is saved, so the withdrawal is written on top of it.
                if let Some((order, reason)) = short.take() {
                    routing::reject(tx, &self.actor, &order, id.store(), &reason, now)?;
                }
                if journal {
                    ingest::materialize(tx, &who.key, now)?;
                }
            }
            let reply = doc.sync().generate_sync_message(&mut state).map(Message::encode);
            let through = match id.kind() {
                DocKind::Journal { .. } => Some(through(tx, &who.key)?),
                DocKind::Stock { .. } | DocKind::Order { .. } => None,
            };
            Ok(Exchange { reply, through })
        })
    }
}
