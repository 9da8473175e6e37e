//! Routing orders at HQ: which location fills which line, decided by the pure rules of
//! [`crate::domain::routing`] from the locations, HQ's counters and the reservations read
//! here; the lines reserved, the decision kept with why, and the order published to the
//! stores that fulfil it — in the caller's transaction, under the `orders` lock.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use till_docs::ActorId;

use super::{Hq, fulfilment};
use crate::books::orders::{self, OrderView, find_order, view};
use crate::books::{events, locations, reservations, stock};
use crate::db::{Tx, with_tx};
use crate::domain::routing::{self, Delivery, Holding, Want};
use crate::domain::status::{OrderEvent, transition};
use crate::error::HqError;

impl Hq {
    /// Routes order `id` again from scratch (after a short pick, new stock, or a fixed
    /// catalog), optionally never again at `exclude` (a store that rejected it).
    pub fn reroute(
        &self,
        order: &str,
        reason: &str,
        exclude: Option<&str>,
        now: jiff::Timestamp,
    ) -> Result<OrderView, HqError> {
        if reason.trim().is_empty() {
            return Err(HqError::BadRequest("say why: --reason TEXT".into()));
        }
        let id = with_tx(self.db(), |tx| {
            tx.lock("orders")?;
            let id = find_order(tx, order)?;
            let status = orders::order(tx, &id)?.map(|o| o.status);
            if let Some(s) = status.filter(|s| s.is_closed()) {
                return Err(HqError::BadRequest(format!("order {id} is {s}: nothing to route")));
            }
            match exclude {
                Some(location) => reject(tx, &self.actor, &id, location, reason, now)?,
                None => route(tx, &self.actor, &id, &format!("rerouted: {reason}"), now)?,
            }
            Ok(id)
        })?;
        with_tx(self.db(), |tx| view(tx, &id))
    }
}

/// Location `location` rejected order `id` (in the caller's transaction, under the
/// `orders` lock): it is never routed there again, and is routed afresh.
pub(crate) fn reject(
    tx: &mut dyn Tx,
    actor: &ActorId,
    id: &str,
    location: &str,
    reason: &str,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    if tx.one("SELECT 1 FROM locations WHERE id = $1", &[location.into()])?.is_none() {
        return Err(HqError::NotFound(format!("no location {location} (till-hq location list)")));
    }
    tx.exec(
        "INSERT INTO order_exclusions (order_id, location, reason, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (order_id, location) DO UPDATE SET reason = excluded.reason, at = excluded.at",
        &[id.into(), location.into(), reason.into(), now.to_string().into()],
    )?;
    route(tx, actor, id, &format!("rejected by {location}: {reason}"), now)
}

/// Routes order `id` (in the caller's transaction, under the `orders` lock): releases
/// its reservations, decides, reserves, records the decision.
pub(crate) fn route(
    tx: &mut dyn Tx,
    actor: &ActorId,
    id: &str,
    trigger: &str,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    reservations::end(tx, id, "released", trigger, now)?;
    let order = orders::held(tx, id)?;
    let from = order.status;
    let delivery = order.delivery;
    let round = order.round + 1;
    let sites = locations::sites(tx)?;
    let mut wants = Vec::new();
    let mut unknown = Vec::new();
    for l in orders::lines(tx, id)? {
        if l.sku.is_empty() {
            unknown.push((
                l.n,
                format!(
                    "line {} ('{}', SKU '{}', barcode '{}') matches no catalog item: see till-hq conflicts",
                    l.n, l.title, l.ordered_sku, l.barcode
                ),
            ));
        } else {
            wants.push(Want { n: l.n, sku: l.sku, quantity: l.quantity });
        }
    }
    let excluded: BTreeMap<String, String> = tx
        .query("SELECT location, reason FROM order_exclusions WHERE order_id = $1", &[id.into()])?
        .iter()
        .map(|r| Ok((r.of("order_exclusions").text("location")?, r.of("order_exclusions").text("reason")?)))
        .collect::<Result<_, HqError>>()?;
    let text = |k: &str| delivery.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let coordinate = |k: &str| -> Result<Option<Decimal>, HqError> {
        match delivery.get(k).and_then(Value::as_str) {
            Some(t) => Decimal::from_str_exact(t)
                .map(Some)
                .map_err(|_| HqError::Internal(format!("stored orders.delivery of {id}: {k} '{t}' is not a decimal"))),
            None => Ok(None),
        }
    };
    let mode = if text("method") == "pickup" {
        let asked = text("location");
        let location =
            sites.iter().find(|s| s.id == asked).map(|s| s.id.clone()).or(locations::shopify_name(tx, &asked)?);
        Delivery::Pickup { location, asked }
    } else {
        Delivery::Ship { to: coordinate("lat")?.zip(coordinate("lon")?) }
    };
    let mut holdings = BTreeMap::new();
    for site in &sites {
        let on_hand = stock::on_hand(tx, actor, &site.id)?;
        let reserved = reservations::reserved(tx, &site.id)?;
        for w in &wants {
            holdings.insert(
                (site.id.clone(), w.sku.clone()),
                Holding {
                    on_hand: on_hand.get(&w.sku).copied().unwrap_or_default(),
                    reserved: reserved.get(&w.sku).copied().unwrap_or_default(),
                },
            );
        }
    }
    let (event, mut explanation, routed, unrouted) = if sites.is_empty() {
        let why = "no locations are configured (till-hq location add), so nothing was routed; \
                   add them, then till-hq order reroute";
        let unrouted: Vec<(i64, String)> =
            wants.iter().map(|w| (w.n, why.to_string())).chain(unknown.iter().cloned()).collect();
        (OrderEvent::NoLocations, json!({"rule": "none", "winner": null, "summary": why}), Vec::new(), unrouted)
    } else {
        let decision = routing::route(&routing::Input {
            delivery: &mode,
            sites: &sites,
            excluded: &excluded,
            holdings: &holdings,
            lines: &wants,
            unknown: &unknown,
        });
        (decision.event, decision.explanation, decision.routed, decision.unrouted)
    };
    let status = transition(from, event)?;
    explanation["at"] = json!(now.to_string());
    explanation["trigger"] = json!(trigger);
    explanation["round"] = json!(round);
    for (n, location, quantity) in &routed {
        let sku = wants.iter().find(|w| w.n == *n).map(|w| w.sku.clone()).unwrap_or_default();
        reservations::reserve(tx, id, round, *n, location, &sku, *quantity, now)?;
        tx.exec(
            "UPDATE order_lines SET location = $3, why = '' WHERE order_id = $1 AND n = $2",
            &[id.into(), (*n).into(), location.as_str().into()],
        )?;
    }
    for (n, why) in &unrouted {
        tx.exec(
            "UPDATE order_lines SET location = '', why = $3 WHERE order_id = $1 AND n = $2",
            &[id.into(), (*n).into(), why.as_str().into()],
        )?;
    }
    let summary = explanation["summary"].as_str().unwrap_or_default().to_string();
    tx.exec(
        "UPDATE orders SET status = $2, round = $3, explanation = $4, updated_at = $5 WHERE id = $1",
        &[id.into(), status.as_str().into(), round.into(), explanation.to_string().into(), now.to_string().into()],
    )?;
    events::record(tx, id, now, status.as_str(), &format!("{trigger}: {summary}"))?;
    fulfilment::publish(tx, actor, id, &format!("routed elsewhere ({trigger})"), now)
}
