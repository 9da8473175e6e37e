//! HQ's side of the sync protocol (see `till_sync`): digests, and one Automerge sync
//! exchange per request — stateless between requests, so any HQ process can answer any
//! request and an interrupted exchange simply starts over.

use automerge::sync::{Message, State, SyncDoc};
use rust_decimal::Decimal;
use till_docs::{DocId, DocKind, JournalDoc, StockDoc, digest, heads_to_text};
use till_sync::wire::{DigestRequest, DigestResponse};

use crate::auth::RegisterRow;
use crate::conflicts::{ConflictKind, raise};
use crate::db::{Tx, with_tx};
use crate::{Hq, HqError, ingest};

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

/// Whether `who` may read and write document `id`: its own journals, its store's stock.
fn may_access(who: &RegisterRow, id: &DocId) -> bool {
    match id.kind() {
        DocKind::Journal { store, register, .. } => store == who.store && register == who.register,
        DocKind::Stock { store } | DocKind::Order { store, .. } => store == who.store,
    }
}

fn parse_id(id: &str) -> Result<DocId, HqError> {
    DocId::parse(id).map_err(|e| HqError::BadRequest(e.to_string()))
}

impl Hq {
    /// Answers a register's digests with HQ's, and records its clock skew if too large.
    pub fn digests(
        &self,
        who: &RegisterRow,
        req: &DigestRequest,
        now: jiff::Timestamp,
    ) -> Result<DigestResponse, HqError> {
        if req.docs.len() > 10_000 {
            return Err(HqError::BadRequest(format!(
                "{} documents in one digest request (at most 10000)",
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
                let found = tx.one("SELECT digest FROM docs WHERE id = $1", &[id.as_str().into()])?;
                if let Some(r) = found {
                    out.docs.insert(id.to_string(), r.text(0));
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
            for r in tx.query(
                "SELECT id, digest FROM docs WHERE store = $1 AND updated_at > $2 AND id LIKE 'order/%'",
                &[who.store.as_str().into(), since.into()],
            )? {
                let id = r.text(0);
                if id.starts_with(&orders_prefix) {
                    out.docs.entry(id).or_insert_with(|| r.text(1));
                }
            }
            out.pickup_key = Some(crate::pickup::issuer(tx)?.public_key());
            out.through_seq = through(tx, &who.key)?;
            out.anchor_wanted = who.awaiting_hash_of;
            out.catalogs = crate::catalog::in_force_after(tx, now, req.catalog_version)?;
            out.peer_key = tx
                .one("SELECT peer_key FROM stores WHERE store = $1", &[who.store.as_str().into()])?
                .map(|r| r.text(0));
            Ok(out)
        })
    }

    /// Takes `who`'s full hash of the journal record a manager accepted (HQ asked for it in
    /// the digest answer) and materializes on from it. The register's through-sequence
    /// after it is returned.
    pub fn anchor(&self, who: &RegisterRow, seq: u64, hash: &str, now: jiff::Timestamp) -> Result<u64, HqError> {
        let (taken, through) =
            with_tx(self.db(), |tx| Ok((ingest::anchor(tx, &who.key, seq, hash, now)?, through(tx, &who.key)?)))?;
        taken.map_err(HqError::Conflict)?;
        Ok(through)
    }

    /// Takes one sync message for document `id` from `who` and answers it. Everything it
    /// brings is stored, staged and materialized in one transaction, or nothing is.
    pub fn sync_doc(
        &self,
        who: &RegisterRow,
        id: &str,
        body: &[u8],
        now: jiff::Timestamp,
    ) -> Result<Exchange, HqError> {
        let id = parse_id(id)?;
        if !may_access(who, &id) {
            return Err(HqError::Forbidden(format!("register {} may not sync document {id}", who.key)));
        }
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
            let held = tx.one("SELECT bytes, max_seq FROM docs WHERE id = $1", &[id.as_str().into()])?;
            let (bytes, max_seq) = held.map(|r| (r.bytes(0), r.int(1) as u64)).unwrap_or_default();
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
                let mut new_max = max_seq;
                match id.kind() {
                    DocKind::Journal { .. } => {
                        journal = true;
                        for seq in JournalDoc::forks(&doc).map_err(internal)? {
                            ingest::fork(tx, &who.key, seq, now)?;
                        }
                        let records = JournalDoc::records_after(&doc, max_seq, id.as_str())
                            .map_err(|e| HqError::BadRequest(e.to_string()))?;
                        new_max = records.last().map_or(max_seq, |r| r.seq);
                        ingest::stage(tx, &who.key, id.as_str(), &records, now)?;
                    }
                    DocKind::Stock { store } => {
                        let held = till_docs::load(&bytes, &self.actor).map_err(internal)?;
                        if !StockDoc::only_increments(&held, &doc).map_err(internal)? {
                            return Err(HqError::BadRequest(format!(
                                "{id}: a register may only increment the counters HQ created"
                            )));
                        }
                        below_zero(tx, &doc, &store, now)?
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
                        short = self.store_progress(tx, &id, &held, &doc, now)?;
                    }
                }
                save(tx, &id, &mut doc, new_max as i64, now)?;
                // A ship order short-picked at a store goes elsewhere — after the store's
                // copy is saved, so the withdrawal is written on top of it.
                if let Some((order, reason)) = short.take() {
                    self.reject_in(tx, &order, id.store(), &reason, now)?;
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

    /// Records goods received at a store location (HQ only): creates the SKU's counter
    /// with `quantity` if it has none, else adds to it. Returns the counter's value.
    pub fn receive_stock(
        &self,
        store: &str,
        location: &str,
        sku: &str,
        quantity: Decimal,
        now: jiff::Timestamp,
    ) -> Result<Decimal, HqError> {
        with_tx(self.db(), |tx| self.receive_stock_in(tx, store, location, sku, quantity, now))
    }

    /// [`Hq::receive_stock`] in the caller's transaction (a negative `quantity` takes goods
    /// out: a DC's shipment).
    pub(crate) fn receive_stock_in(
        &self,
        tx: &mut dyn Tx,
        store: &str,
        location: &str,
        sku: &str,
        quantity: Decimal,
        now: jiff::Timestamp,
    ) -> Result<Decimal, HqError> {
        let id = DocId::stock(store).map_err(|e| HqError::BadRequest(e.to_string()))?;
        let micro = to_micro(quantity)?;
        tx.lock(id.as_str())?;
        let mut doc = self.load_doc(tx, &id)?;
        let created = StockDoc::create(&mut doc, location, sku, micro).map_err(internal)?;
        if !created {
            StockDoc::increment(&mut doc, location, sku, micro).map_err(internal)?;
        }
        till_docs::commit(&mut doc);
        save(tx, &id, &mut doc, 0, now)?;
        let value = StockDoc::value(&doc, location, sku).map_err(internal)?.unwrap_or_default();
        Ok(Decimal::new(value, 6).normalize())
    }

    /// Document `id` as HQ holds it (empty when it holds none), read in `tx`.
    pub(crate) fn load_doc(&self, tx: &mut dyn Tx, id: &DocId) -> Result<automerge::AutoCommit, HqError> {
        let bytes = tx.one("SELECT bytes FROM docs WHERE id = $1", &[id.as_str().into()])?.map(|r| r.bytes(0));
        till_docs::load(&bytes.unwrap_or_default(), &self.actor)
            .map_err(|e| HqError::Internal(format!("stored document {id} cannot be loaded: {e}")))
    }

    /// Every counter of a store: location, SKU, quantity.
    pub fn stock(&self, store: &str) -> Result<Vec<(String, String, Decimal)>, HqError> {
        let id = DocId::stock(store).map_err(|e| HqError::BadRequest(e.to_string()))?;
        let doc = with_tx(self.db(), |tx| self.load_doc(tx, &id))?;
        Ok(StockDoc::all(&doc)
            .map_err(internal)?
            .into_iter()
            .map(|(l, s, v)| (l, s, Decimal::new(v, 6).normalize()))
            .collect())
    }

    /// The heads of every document HQ holds (for tests and diagnostics).
    pub fn doc_heads(&self) -> Result<Vec<(String, String)>, HqError> {
        with_tx(self.db(), |tx| {
            Ok(tx
                .query("SELECT id, heads FROM docs ORDER BY id", &[])?
                .iter()
                .map(|r| (r.text(0), r.text(1)))
                .collect())
        })
    }
}

fn internal(e: impl std::fmt::Display) -> HqError {
    HqError::Internal(e.to_string())
}

fn to_micro(quantity: Decimal) -> Result<i64, HqError> {
    use rust_decimal::prelude::ToPrimitive;
    quantity
        .checked_mul(Decimal::from(1_000_000))
        .filter(|m| m.fract().is_zero())
        .and_then(|m| m.to_i64())
        .ok_or_else(|| HqError::BadRequest(format!("quantity {quantity} is finer than a millionth or too large")))
}

fn through(tx: &mut dyn Tx, key: &str) -> Result<u64, HqError> {
    Ok(tx.one("SELECT through_seq FROM registers WHERE key = $1", &[key.into()])?.map_or(0, |r| r.int(0) as u64))
}

pub(crate) fn save(
    tx: &mut dyn Tx,
    id: &DocId,
    doc: &mut automerge::AutoCommit,
    max_seq: i64,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let heads = doc.get_heads();
    tx.exec(
        "INSERT INTO docs (id, store, bytes, heads, digest, max_seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads, digest = excluded.digest, \
         max_seq = excluded.max_seq, updated_at = excluded.updated_at",
        &[
            id.as_str().into(),
            id.store().into(),
            doc.save().into(),
            heads_to_text(&heads).into(),
            digest(&heads).into(),
            max_seq.into(),
            now.to_string().into(),
        ],
    )?;
    Ok(())
}

/// Raises a conflict for each counter of the store below zero.
fn below_zero(tx: &mut dyn Tx, doc: &automerge::AutoCommit, store: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    for (location, sku, value) in StockDoc::all(doc).map_err(internal)? {
        if value < 0 {
            raise(
                tx,
                ConflictKind::StockBelowZero,
                &format!("{store}/{location}/{sku}"),
                store,
                "",
                &format!("{sku} at {location} is at {}", Decimal::new(value, 6).normalize()),
                now,
            )?;
        }
    }
    Ok(())
}
