//! HQ's half of store fulfilment: it publishes each routed order to the stores that fulfil
//! it (one `order/STORE/KEY` document per store), signs pickup tokens, and takes back what
//! the stores did — picks, staging, handovers, shipments — as the order's fulfilment, its
//! history, and conflicts (goods handed over twice on two offline registers).
//!
//! The signing key is made once per HQ database (`hq_meta.pickup_key_seed`); every HQ
//! process on that database signs with it, and registers get its public half at
//! enrollment and in every digest answer.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use sha2::Digest as _;
use till_docs::{DocId, OrderDoc};
use till_domain::pickup::{Fulfilment, OrderLine, PaidAt, PickupOrder};
use till_token::{Claims, Issuer};

use crate::conflicts::{ConflictKind, raise};
use crate::db::{Tx, with_tx};
use crate::orders::{end_reservations, event};
use crate::{Hq, HqError};

/// How long a pickup token is valid after HQ first routes the order.
pub const TOKEN_DAYS: i64 = 14;

const SEED: &str = "pickup_key_seed";

fn internal(e: impl std::fmt::Display) -> HqError {
    HqError::Internal(e.to_string())
}

/// HQ's token issuer: the seed is made on first use (32 bytes: SHA-256 over four random
/// v4 UUIDs) and kept; two processes racing to make it keep the first.
pub(crate) fn issuer(tx: &mut dyn Tx) -> Result<Issuer, HqError> {
    let fresh = {
        let mut h = sha2::Sha256::new();
        for _ in 0..4 {
            h.update(uuid::Uuid::new_v4().as_bytes());
        }
        hex::encode(h.finalize())
    };
    tx.exec(
        "INSERT INTO hq_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        &[SEED.into(), fresh.into()],
    )?;
    let seed = tx
        .one("SELECT value FROM hq_meta WHERE key = $1", &[SEED.into()])?
        .map(|r| r.text(0))
        .ok_or_else(|| internal("pickup key seed missing"))?;
    let bytes = hex::decode(&seed).map_err(|e| internal(format!("pickup key seed: {e}")))?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| internal("pickup key seed is not 32 bytes"))?;
    Ok(Issuer::from_seed(seed))
}

/// The orders documents of order `id` HQ holds: (store, document id).
fn docs_of(tx: &mut dyn Tx, id: &str) -> Result<Vec<(String, String)>, HqError> {
    // The key is letters and digits (a hash): no LIKE wildcard in it.
    let pattern = format!("order/%/{}", till_docs::order_key(id));
    Ok(tx
        .query("SELECT id, store FROM docs WHERE id LIKE $1", &[pattern.as_str().into()])?
        .iter()
        .map(|r| (r.text(1), r.text(0)))
        .collect())
}

impl Hq {
    /// HQ's public key for pickup tokens (hex), made on first use.
    pub fn pickup_key(&self) -> Result<String, HqError> {
        with_tx(self.db(), |tx| Ok(issuer(tx)?.public_key()))
    }

    /// The pickup token of order `order` (id or unique number): what the webstore shows
    /// the customer as a QR code. Only a pickup order routed to its store has one.
    pub fn pickup_token(&self, order: &str) -> Result<String, HqError> {
        with_tx(self.db(), |tx| {
            let id = crate::orders::find_order(tx, order)?;
            let r = tx
                .one("SELECT pickup_token, pickup_expires FROM orders WHERE id = $1", &[id.as_str().into()])?
                .ok_or_else(|| HqError::NotFound(format!("no order {id}")))?;
            let (token_id, expires) = (r.text(0), r.text(1));
            let store = tx
                .one(
                    "SELECT location FROM order_lines WHERE order_id = $1 AND location <> '' LIMIT 1",
                    &[id.as_str().into()],
                )?
                .map(|r| r.text(0));
            let (Some(store), false) = (store, token_id.is_empty()) else {
                return Err(HqError::BadRequest(format!(
                    "order {id} has no pickup token: it is not a pickup order routed to a store"
                )));
            };
            let expires = expires.parse().map_err(|e| internal(format!("pickup_expires of {id}: {e}")))?;
            Ok(issuer(tx)?.sign(&Claims { order: id, store, token_id, expires }))
        })
    }

    /// Publishes order `id` to the stores that fulfil it, in the caller's transaction:
    /// each store with routed lines gets (or updates) its document; a store that had the
    /// order and no longer has lines gets it marked withdrawn with `why`. A pickup order
    /// gets its token id the first time.
    pub(crate) fn publish_order(
        &self,
        tx: &mut dyn Tx,
        id: &str,
        why: &str,
        now: jiff::Timestamp,
    ) -> Result<(), HqError> {
        let o = tx
            .one(
                "SELECT number, email, currency, delivery, status, paid_at, pickup_token FROM orders WHERE id = $1",
                &[id.into()],
            )?
            .ok_or_else(|| HqError::NotFound(format!("no order {id}")))?;
        let delivery: serde_json::Value = serde_json::from_str(&o.text(3)).unwrap_or_default();
        let fulfilment = if delivery["method"] == "pickup" { Fulfilment::Pickup } else { Fulfilment::Ship };
        let live = !matches!(o.text(4).as_str(), "cancelled" | "fulfilled");
        let mut by_store: BTreeMap<String, Vec<OrderLine>> = BTreeMap::new();
        if live {
            for l in tx.query(
                "SELECT l.n, l.sku, l.title, l.quantity, l.price, l.location FROM order_lines l \
                 JOIN locations loc ON loc.id = l.location WHERE l.order_id = $1 AND loc.kind = 'store' ORDER BY l.n",
                &[id.into()],
            )? {
                let dec =
                    |i: usize| Decimal::from_str_exact(&l.text(i)).map_err(|e| internal(format!("order {id}: {e}")));
                by_store.entry(l.text(5)).or_default().push(OrderLine {
                    n: l.int(0) as u32,
                    sku: l.text(1),
                    title: l.text(2),
                    quantity: dec(3)?,
                    price: dec(4)?,
                });
            }
        }
        let mut token_id = o.text(6);
        if fulfilment == Fulfilment::Pickup && token_id.is_empty() && !by_store.is_empty() {
            token_id = uuid::Uuid::new_v4().simple().to_string();
            let expires =
                now.checked_add(jiff::SignedDuration::from_hours(24 * TOKEN_DAYS)).map_err(internal)?.to_string();
            tx.exec(
                "UPDATE orders SET pickup_token = $2, pickup_expires = $3 WHERE id = $1",
                &[id.into(), token_id.as_str().into(), expires.into()],
            )?;
        }
        let header = |store: &str, lines: Vec<OrderLine>, withdrawn: Option<String>| PickupOrder {
            id: id.to_string(),
            number: o.text(0),
            email: o.text(1),
            currency: o.text(2),
            store: store.to_string(),
            fulfilment,
            paid_at: if o.text(5) == "counter" { PaidAt::Counter } else { PaidAt::Online },
            token_id: if fulfilment == Fulfilment::Pickup { token_id.clone() } else { String::new() },
            withdrawn,
            lines,
            ..PickupOrder::default()
        };
        let mut targets: Vec<(String, PickupOrder)> =
            by_store.iter().map(|(s, lines)| (s.clone(), header(s, lines.clone(), None))).collect();
        for (store, _) in docs_of(tx, id)? {
            if !by_store.contains_key(&store) {
                targets.push((store.clone(), header(&store, Vec::new(), Some(why.to_string()))));
            }
        }
        for (store, order) in targets {
            let doc_id = DocId::order(&store, id).map_err(|e| HqError::BadRequest(e.to_string()))?;
            tx.lock(doc_id.as_str())?;
            let mut doc = self.load_doc(tx, &doc_id)?;
            OrderDoc::publish(&mut doc, &order).map_err(internal)?;
            if till_docs::commit(&mut doc).is_some() {
                crate::sync::save(tx, &doc_id, &mut doc, 0, now)?;
            }
        }
        Ok(())
    }

    /// Takes what a store's registers did to order document `id` (already checked to
    /// leave HQ's part alone): new fulfilment lines, history, double handovers as
    /// conflicts, and the order's status. Returns the order and why, when a ship order
    /// was short-picked before anything left: the caller routes it elsewhere (a pickup
    /// order stays — the customer chose that store — and its history says how to move it).
    pub(crate) fn store_progress(
        &self,
        tx: &mut dyn Tx,
        doc_id: &DocId,
        before: &automerge::AutoCommit,
        after: &automerge::AutoCommit,
        now: jiff::Timestamp,
    ) -> Result<Option<(String, String)>, HqError> {
        let name = doc_id.as_str();
        let bad = |e: till_docs::DocError| HqError::BadRequest(e.to_string());
        let Some(order) = OrderDoc::read(after, name).map_err(bad)? else { return Ok(None) };
        let old = OrderDoc::read(before, name).map_err(bad)?;
        let store = doc_id.store();
        let id = order.id.as_str();
        if old.as_ref().map(|o| o.status()) != Some(order.status()) {
            event(tx, id, now, &format!("store_{}", order.status().as_str()), &format!("at store {store}"))?;
        }
        for (n, pick) in &order.picks {
            let line = order.lines.iter().find(|l| l.n == *n);
            let was = old.as_ref().and_then(|o| o.picks.get(n));
            if was != Some(pick)
                && let Some(line) = line
            {
                let what = match (&pick.substitute, pick.picked < line.quantity) {
                    (Some(s), _) => format!("substituted {} at {} ({})", s.sku, s.price, s.consent),
                    (None, true) if order.fulfilment == Fulfilment::Ship => {
                        format!("short pick: {} of {}; the order is routed elsewhere", pick.picked, line.quantity)
                    }
                    (None, true) => format!(
                        "short pick: {} of {}; till-hq order reject {id} --location {store} routes it elsewhere",
                        pick.picked, line.quantity
                    ),
                    (None, false) => format!("picked {}", pick.picked),
                };
                event(
                    tx,
                    id,
                    now,
                    "store_pick",
                    &format!("line {n} at {store}: {what} (register {}, staff {})", pick.register, pick.by),
                )?;
            }
        }
        if let Some(stage) = order.stage.as_ref().filter(|s| old.as_ref().and_then(|o| o.stage.as_ref()) != Some(*s)) {
            event(
                tx,
                id,
                now,
                "store_staged",
                &format!("in bin {} at {store} (staff {}, {})", stage.bin, stage.by, stage.at),
            )?;
        }
        if let Some(n) = order.notified.as_ref().filter(|n| old.as_ref().and_then(|o| o.notified.as_ref()) != Some(*n))
        {
            event(tx, id, now, "store_notified", &format!("ready notice to {} ({})", n.to, n.at))?;
        }
        if let Some(c) = order.checkin.as_ref().filter(|c| old.as_ref().and_then(|o| o.checkin.as_ref()) != Some(*c)) {
            event(tx, id, now, "store_checkin", &format!("customer waiting at {} ({})", c.spot, c.at))?;
        }
        for h in &order.handovers {
            for (n, q) in &h.lines {
                record_fulfilment(
                    tx,
                    id,
                    &h.key,
                    *n,
                    store,
                    *q,
                    "handover",
                    &format!(
                        "register {} sale {} (id check: {})",
                        h.register,
                        h.sale,
                        if h.id_check.is_empty() { "none" } else { &h.id_check }
                    ),
                    now,
                )?;
            }
        }
        if let Some(s) = &order.shipment {
            for line in &order.lines {
                let q = order.picks.get(&line.n).map_or(Decimal::ZERO, |p| p.picked);
                if q > Decimal::ZERO {
                    let detail = format!("{} {}", s.carrier, s.tracking);
                    record_fulfilment(
                        tx,
                        id,
                        &format!("{store}/shipment"),
                        line.n,
                        store,
                        q,
                        "shipment",
                        &detail,
                        now,
                    )?;
                }
            }
        }
        for over in order.over_handed() {
            raise(
                tx,
                ConflictKind::PickupHandedOverTwice,
                &format!("{id}/{store}/{}", over.n),
                store,
                "",
                &format!(
                    "order {} line {}: {} handed over, {} could be — {}",
                    order.number,
                    over.n,
                    over.handed,
                    over.allowed,
                    over.handovers.join("; ")
                ),
                now,
            )?;
        }
        settle_status(tx, id, now)?;
        let short = order.lines.iter().find_map(|l| {
            let p = order.picks.get(&l.n)?;
            let new = old.as_ref().and_then(|o| o.picks.get(&l.n)) != Some(p);
            (new && p.substitute.is_none() && p.picked < l.quantity)
                .then(|| format!("short pick: line {} ({}) {} of {}", l.n, l.sku, p.picked, l.quantity))
        });
        let reroute = order.fulfilment == Fulfilment::Ship
            && order.withdrawn.is_none()
            && order.shipment.is_none()
            && order.handovers.is_empty();
        Ok(short.filter(|_| reroute).map(|why| (order.id.clone(), why)))
    }

    /// Records that a DC shipped its lines of `order` (HQ fulfils DC lines itself): its
    /// counters go down, the reservations end, the order's status follows.
    pub fn ship_from_dc(
        &self,
        order: &str,
        location: &str,
        carrier: &str,
        tracking: &str,
        now: jiff::Timestamp,
    ) -> Result<crate::orders::OrderView, HqError> {
        if carrier.trim().is_empty() || tracking.trim().is_empty() {
            return Err(HqError::BadRequest("--carrier and --tracking must not be empty".into()));
        }
        let id = with_tx(self.db(), |tx| {
            tx.lock("orders")?;
            let id = crate::orders::find_order(tx, order)?;
            let kind = tx.one("SELECT kind FROM locations WHERE id = $1", &[location.into()])?.map(|r| r.text(0));
            if kind.as_deref() != Some("dc") {
                return Err(HqError::BadRequest(format!(
                    "{location} is not a DC: stores record their shipments at the register (till pickup ship)"
                )));
            }
            let lines: Vec<(i64, String, String)> = tx
                .query(
                    "SELECT n, sku, quantity FROM order_lines WHERE order_id = $1 AND location = $2 ORDER BY n",
                    &[id.as_str().into(), location.into()],
                )?
                .iter()
                .map(|r| (r.int(0), r.text(1), r.text(2)))
                .collect();
            if lines.is_empty() {
                return Err(HqError::BadRequest(format!("order {id} has no lines routed to {location}")));
            }
            let reference = format!("{location}:{tracking}");
            for (n, sku, quantity) in &lines {
                let q = Decimal::from_str_exact(quantity).map_err(internal)?;
                let held = tx.one(
                    "SELECT 1 FROM order_fulfilments WHERE order_id = $1 AND ref = $2 AND n = $3",
                    &[id.as_str().into(), reference.as_str().into(), (*n).into()],
                )?;
                if held.is_none() {
                    self.receive_stock_in(tx, location, location, sku, -q, now)?;
                    record_fulfilment(
                        tx,
                        &id,
                        &reference,
                        *n as u32,
                        location,
                        q,
                        "shipment",
                        &format!("{carrier} {tracking}"),
                        now,
                    )?;
                }
            }
            settle_status(tx, &id, now)?;
            Ok(id)
        })?;
        self.order(&id)
    }
}

#[allow(clippy::too_many_arguments)]
fn record_fulfilment(
    tx: &mut dyn Tx,
    id: &str,
    reference: &str,
    n: u32,
    location: &str,
    quantity: Decimal,
    how: &str,
    detail: &str,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let held = tx.one(
        "SELECT 1 FROM order_fulfilments WHERE order_id = $1 AND ref = $2 AND n = $3",
        &[id.into(), reference.into(), (n as i64).into()],
    )?;
    if held.is_some() {
        return Ok(());
    }
    tx.exec(
        "INSERT INTO order_fulfilments (order_id, ref, n, location, quantity, how, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            id.into(),
            reference.into(),
            (n as i64).into(),
            location.into(),
            quantity.to_string().into(),
            how.into(),
            detail.into(),
            now.to_string().into(),
        ],
    )?;
    event(tx, id, now, how, &format!("line {n}: {quantity} at {location} — {detail}"))
}

/// Units of each line fulfilled (handed over or shipped), over every location.
pub(crate) fn fulfilled(tx: &mut dyn Tx, id: &str) -> Result<BTreeMap<i64, Decimal>, HqError> {
    let mut out = BTreeMap::new();
    for r in tx.query("SELECT n, quantity FROM order_fulfilments WHERE order_id = $1", &[id.into()])? {
        *out.entry(r.int(0)).or_insert(Decimal::ZERO) += Decimal::from_str_exact(&r.text(1)).map_err(internal)?;
    }
    Ok(out)
}

/// Sets the order's status from its fulfilment: `fulfilled` when every line has left
/// (its reservations end as fulfilled: the stores' and DC's counters already say so),
/// `partially_fulfilled` when some has.
fn settle_status(tx: &mut dyn Tx, id: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    let done = fulfilled(tx, id)?;
    if done.is_empty() {
        return Ok(());
    }
    let status =
        tx.one("SELECT status FROM orders WHERE id = $1", &[id.into()])?.map(|r| r.text(0)).unwrap_or_default();
    if matches!(status.as_str(), "cancelled" | "fulfilled") {
        return Ok(());
    }
    let mut all = true;
    for r in tx.query("SELECT n, quantity FROM order_lines WHERE order_id = $1", &[id.into()])? {
        let q = Decimal::from_str_exact(&r.text(1)).map_err(internal)?;
        let got = done.get(&r.int(0)).copied().unwrap_or_default();
        if got < q {
            all = false;
        } else {
            tx.exec(
                "UPDATE reservations SET state = 'fulfilled', ended_at = $3, reason = 'left the store' \
                 WHERE order_id = $1 AND n = $2 AND state = 'active'",
                &[id.into(), r.int(0).into(), now.to_string().into()],
            )?;
        }
    }
    let new = if all { "fulfilled" } else { "partially_fulfilled" };
    if new != status {
        if all {
            end_reservations(tx, id, "fulfilled", "every line left a store or the DC", now)?;
        }
        tx.exec(
            "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1",
            &[id.into(), new.into(), now.to_string().into()],
        )?;
        event(tx, id, now, new, "from the stores' handovers and shipments")?;
    }
    Ok(())
}
