//! HQ's half of store fulfilment: it publishes each routed order to the stores that fulfil
//! it (one `order/STORE/KEY` document per store), signs pickup tokens, and takes back what
//! the stores did — picks, staging, handovers, shipments — as the order's fulfilment, its
//! history, and conflicts (goods handed over twice on two offline registers); a DC's lines
//! are shipped from HQ. The order's status follows what left.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use till_docs::{ActorId, DocId, OrderDoc};
use till_domain::pickup::{Fulfilment, OrderLine, PaidAt, PickupOrder};
use till_token::Claims;

use super::Hq;
use crate::books::conflicts::{ConflictKind, raise};
use crate::books::orders::{self, OrderView, find_order, view};
use crate::books::{docs, events, fulfilments, locations, reservations, stock};
use crate::db::rows::OrderLineRow;
use crate::db::{Tx, with_tx};
use crate::domain::status::{OrderEvent, transition};
use crate::error::{HqError, internal};

/// How long a pickup token is valid after HQ first routes the order.
pub const TOKEN_DAYS: i64 = 14;

impl Hq {
    /// HQ's public key for pickup tokens (hex), made on first use.
    pub fn pickup_key(&self) -> Result<String, HqError> {
        with_tx(self.db(), |tx| Ok(self.key_file().load(tx)?.issuer.public_key()))
    }

    /// HQ's pickup keys oldest first, each endorsed by the one before it; the last signs.
    pub fn pickup_key_history(&self) -> Result<Vec<till_protocol::PickupKeyStep>, HqError> {
        with_tx(self.db(), |tx| Ok(self.key_file().load(tx)?.history))
    }

    /// Replaces the pickup signing key with a new one the current key endorses
    /// (`till-hq keys rotate-pickup`): registers take it at their next sync; tokens signed
    /// before no longer verify (HQ signs them again with the new key when asked). Returns
    /// the history after.
    pub fn rotate_pickup_key(&self) -> Result<Vec<till_protocol::PickupKeyStep>, HqError> {
        with_tx(self.db(), |tx| Ok(self.key_file().rotate(tx)?.history))
    }

    /// The pickup token of order `order` (id or unique number): what the webstore shows
    /// the customer as a QR code. Only a pickup order routed to its store has one.
    pub fn pickup_token(&self, order: &str) -> Result<String, HqError> {
        with_tx(self.db(), |tx| {
            let id = find_order(tx, order)?;
            let o = orders::held(tx, &id)?;
            let (token_id, expires) = (o.pickup_token, o.pickup_expires);
            let store = orders::lines(tx, &id)?.into_iter().map(|l| l.location).find(|l| !l.is_empty());
            let (Some(store), false) = (store, token_id.is_empty()) else {
                return Err(HqError::BadRequest(format!(
                    "order {id} has no pickup token: it is not a pickup order routed to a store"
                )));
            };
            let expires = expires.parse().map_err(|e| internal(format!("pickup_expires of {id}: {e}")))?;
            Ok(self.key_file().load(tx)?.issuer.sign(&Claims { order: id, store, token_id, expires }))
        })
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
    ) -> Result<OrderView, HqError> {
        if carrier.trim().is_empty() || tracking.trim().is_empty() {
            return Err(HqError::BadRequest("--carrier and --tracking must not be empty".into()));
        }
        let id = with_tx(self.db(), |tx| {
            tx.lock("orders")?;
            let id = find_order(tx, order)?;
            let kind = locations::find(tx, location)?.map(|l| l.site.kind);
            if kind.as_deref() != Some("dc") {
                return Err(HqError::BadRequest(format!(
                    "{location} is not a DC: stores record their shipments at the register (till pickup ship)"
                )));
            }
            let lines: Vec<OrderLineRow> =
                orders::lines(tx, &id)?.into_iter().filter(|l| l.location == location).collect();
            if lines.is_empty() {
                return Err(HqError::BadRequest(format!("order {id} has no lines routed to {location}")));
            }
            let reference = format!("{location}:{tracking}");
            for OrderLineRow { n, sku, quantity, .. } in &lines {
                let q = *quantity;
                let held = tx.one(
                    "SELECT 1 FROM order_fulfilments WHERE order_id = $1 AND ref = $2 AND n = $3",
                    &[id.as_str().into(), reference.as_str().into(), (*n).into()],
                )?;
                if held.is_none() {
                    stock::receive(tx, &self.actor, location, location, sku, -q, now)?;
                    fulfilments::record(
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
        with_tx(self.db(), |tx| view(tx, &id))
    }
}

/// Publishes order `id` to the stores that fulfil it, in the caller's transaction:
/// each store with routed lines gets (or updates) its document; a store that had the
/// order and no longer has lines gets it marked withdrawn with `why`. A pickup order
/// gets its token id the first time.
pub(crate) fn publish(
    tx: &mut dyn Tx,
    actor: &ActorId,
    id: &str,
    why: &str,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let o = orders::held(tx, id)?;
    let fulfilment = if o.delivery["method"] == "pickup" { Fulfilment::Pickup } else { Fulfilment::Ship };
    let live = !o.status.is_closed();
    let mut by_store: BTreeMap<String, Vec<OrderLine>> = BTreeMap::new();
    if live {
        let stores: BTreeSet<String> =
            locations::sites(tx)?.into_iter().filter(|s| s.kind == "store").map(|s| s.id).collect();
        for l in orders::lines(tx, id)?.into_iter().filter(|l| stores.contains(&l.location)) {
            let n = u32::try_from(l.n).map_err(|_| internal(format!("order {id}: line number {}", l.n)))?;
            by_store.entry(l.location).or_default().push(OrderLine {
                n,
                sku: l.sku,
                title: l.title,
                quantity: l.quantity,
                price: l.price,
            });
        }
    }
    let mut token_id = o.pickup_token.clone();
    if fulfilment == Fulfilment::Pickup && token_id.is_empty() && !by_store.is_empty() {
        token_id = uuid::Uuid::new_v4().simple().to_string();
        let expires = now.checked_add(jiff::SignedDuration::from_hours(24 * TOKEN_DAYS)).map_err(internal)?.to_string();
        tx.exec(
            "UPDATE orders SET pickup_token = $2, pickup_expires = $3 WHERE id = $1",
            &[id.into(), token_id.as_str().into(), expires.into()],
        )?;
    }
    let header = |store: &str, lines: Vec<OrderLine>, withdrawn: Option<String>| PickupOrder {
        id: id.to_string(),
        number: o.number.clone(),
        email: o.email.clone(),
        currency: o.currency.clone(),
        store: store.to_string(),
        fulfilment,
        paid_at: if o.paid_at == "counter" { PaidAt::Counter } else { PaidAt::Online },
        token_id: if fulfilment == Fulfilment::Pickup { token_id.clone() } else { String::new() },
        withdrawn,
        lines,
        ..PickupOrder::default()
    };
    let mut targets: Vec<(String, PickupOrder)> =
        by_store.iter().map(|(s, lines)| (s.clone(), header(s, lines.clone(), None))).collect();
    for (store, _) in docs::of_order(tx, id)? {
        if !by_store.contains_key(&store) {
            targets.push((store.clone(), header(&store, Vec::new(), Some(why.to_string()))));
        }
    }
    for (store, order) in targets {
        let doc_id = DocId::order(&store, id).map_err(|e| HqError::BadRequest(e.to_string()))?;
        tx.lock(doc_id.as_str())?;
        let mut doc = docs::load(tx, actor, &doc_id)?;
        OrderDoc::publish(&mut doc, &order).map_err(internal)?;
        if till_docs::commit(&mut doc).is_some() {
            docs::save(tx, &doc_id, &mut doc, 0, now)?;
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
        events::record(tx, id, now, &format!("store_{}", order.status().as_str()), &format!("at store {store}"))?;
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
            events::record(
                tx,
                id,
                now,
                "store_pick",
                &format!("line {n} at {store}: {what} (register {}, staff {})", pick.register, pick.by),
            )?;
        }
    }
    if let Some(stage) = order.stage.as_ref().filter(|s| old.as_ref().and_then(|o| o.stage.as_ref()) != Some(*s)) {
        events::record(
            tx,
            id,
            now,
            "store_staged",
            &format!("in bin {} at {store} (staff {}, {})", stage.bin, stage.by, stage.at),
        )?;
    }
    if let Some(n) = order.notified.as_ref().filter(|n| old.as_ref().and_then(|o| o.notified.as_ref()) != Some(*n)) {
        events::record(tx, id, now, "store_notified", &format!("ready notice to {} ({})", n.to, n.at))?;
    }
    if let Some(c) = order.checkin.as_ref().filter(|c| old.as_ref().and_then(|o| o.checkin.as_ref()) != Some(*c)) {
        events::record(tx, id, now, "store_checkin", &format!("customer waiting at {} ({})", c.spot, c.at))?;
    }
    for h in &order.handovers {
        for (n, q) in &h.lines {
            fulfilments::record(
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
                fulfilments::record(tx, id, &format!("{store}/shipment"), line.n, store, q, "shipment", &detail, now)?;
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

/// Sets the order's status from its fulfilment: `fulfilled` when every line has left
/// (its reservations end as fulfilled: the stores' and DC's counters already say so),
/// `partially_fulfilled` when some has.
fn settle_status(tx: &mut dyn Tx, id: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    let done = fulfilments::fulfilled(tx, id)?;
    if done.is_empty() {
        return Ok(());
    }
    let status = orders::held(tx, id)?.status;
    if status.is_closed() {
        return Ok(());
    }
    let mut all = true;
    for line in orders::lines(tx, id)? {
        let got = done.get(&line.n).copied().unwrap_or_default();
        if got < line.quantity {
            all = false;
        } else {
            reservations::fulfil_line(tx, id, line.n, now)?;
        }
    }
    let new = transition(status, if all { OrderEvent::AllLeft } else { OrderEvent::PartlyLeft })?;
    if new != status {
        if all {
            reservations::end(tx, id, "fulfilled", "every line left a store or the DC", now)?;
        }
        orders::set_status(tx, id, new, now)?;
        events::record(tx, id, now, new.as_str(), "from the stores' handovers and shipments")?;
    }
    Ok(())
}
