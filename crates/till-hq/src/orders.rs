//! Omnichannel orders at HQ: orders from webstores (Shopify webhooks, the generic JSON
//! API) stored with their lines matched to the catalog, routed to a location by
//! [`crate::routing`], their stock reserved, and every decision kept with why.
//!
//! Architecture invariant: a request changes an order in one transaction — the delivery
//! or idempotency record, the order, its lines, conflicts, reservations and the routing
//! decision — so nothing is ever half-stored; all order writes take the `orders` lock, so
//! two HQ processes on one PostgreSQL database never reserve the same stock twice.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use till_docs::{DocId, StockDoc};

use crate::conflicts::{ConflictKind, raise};
use crate::db::{Tx, with_tx};
use crate::routing::{self, Delivery, Holding, Site, Want};
use crate::{Hq, HqError};

/// Order statuses.
pub const STATUSES: [&str; 7] =
    ["received", "routed", "partially_routed", "unroutable", "cancelled", "partially_fulfilled", "fulfilled"];

/// An order as a webstore sent it, in HQ's terms.
#[derive(Debug, Clone)]
pub struct IncomingOrder {
    /// `shopify`, or the webstore's channel name.
    pub channel: String,
    /// The webstore's id of the order.
    pub external_id: String,
    /// The number customers see (`#1001`).
    pub number: String,
    /// Customer email ("" when none).
    pub email: String,
    /// ISO 4217 currency of the prices.
    pub currency: String,
    /// When it was placed (the webstore's clock).
    pub placed_at: String,
    /// The webstore's last change to it ("" unknown): an older update is ignored.
    pub updated_at: String,
    /// The lines.
    pub lines: Vec<IncomingLine>,
    /// Pickup or ship.
    pub delivery: IncomingDelivery,
    /// The webstore cancelled it.
    pub cancelled: bool,
    /// The webstore marked it fulfilled.
    pub fulfilled: bool,
    /// The webstore captured the payment (else the customer pays at the counter).
    pub paid_online: bool,
}

/// One line of an incoming order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingLine {
    /// The webstore's line id.
    pub external_id: String,
    /// SKU as sent ("" none).
    pub sku: String,
    /// Barcode as sent ("" none).
    pub barcode: String,
    /// The webstore's variant id ("" none).
    pub variant_id: String,
    /// Title as sent.
    pub title: String,
    /// Quantity (pieces).
    pub quantity: Decimal,
    /// Unit price.
    pub price: Decimal,
}

/// How an incoming order reaches the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingDelivery {
    /// Collected at a store, named as the webstore names it (an HQ location id or a
    /// location's `--shopify-location` name).
    Pickup {
        /// The name or id.
        location: String,
    },
    /// Shipped.
    Ship {
        /// Latitude, when known.
        lat: Option<Decimal>,
        /// Longitude, when known.
        lon: Option<Decimal>,
        /// Postal code.
        zip: String,
        /// ISO country code.
        country_code: String,
        /// City.
        city: String,
    },
}

impl IncomingDelivery {
    fn to_json(&self) -> Value {
        match self {
            IncomingDelivery::Pickup { location } => json!({"method": "pickup", "location": location}),
            IncomingDelivery::Ship { lat, lon, zip, country_code, city } => json!({
                "method": "ship", "lat": lat.map(|d| d.to_string()), "lon": lon.map(|d| d.to_string()),
                "zip": zip, "country_code": country_code, "city": city,
            }),
        }
    }
}

/// What the webstore's message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// A new order (a repeat of one HQ holds changes nothing).
    Create,
    /// A change to an order.
    Update,
    /// The order was cancelled.
    Cancel,
}

/// A location as configured.
#[derive(Debug, Clone, Serialize)]
pub struct LocationRow {
    /// Id (a store code or a DC's).
    pub id: String,
    /// `store` or `dc`.
    pub kind: String,
    /// Latitude.
    pub lat: String,
    /// Longitude.
    pub lon: String,
    /// Offers pickup.
    pub pickup: bool,
    /// Ships orders.
    pub ship: bool,
    /// Units of each SKU held back.
    pub safety_buffer: String,
    /// Cost of a shipment from here.
    pub cost: String,
    /// SLA in hours.
    pub sla_hours: i64,
    /// Its pickup location name in Shopify ("" none).
    pub shopify_location: String,
}

/// A location to add or change: where it is and what it does ([`Site`]), and its name in
/// Shopify.
#[derive(Debug, Clone)]
pub struct LocationSpec {
    /// The location as routing sees it.
    pub site: Site,
    /// The pickup location's name in Shopify ("" none).
    pub shopify_location: String,
}

/// One SKU's stock at a location, as routing sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    /// SKU.
    pub sku: String,
    /// HQ's counters.
    pub on_hand: String,
    /// Reserved by orders.
    pub reserved: String,
    /// Held back.
    pub safety_buffer: String,
    /// What an order may take.
    pub available: String,
}

/// An order as listed.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    /// `CHANNEL:EXTERNAL_ID`.
    pub id: String,
    /// Channel.
    pub channel: String,
    /// The webstore's id.
    pub external_id: String,
    /// The number customers see.
    pub number: String,
    /// Status.
    pub status: String,
    /// Customer email.
    pub email: String,
    /// Currency.
    pub currency: String,
    /// When it was placed.
    pub placed_at: String,
    /// Pickup or ship, as sent.
    pub delivery: Value,
    /// Lines with where each is routed and its reservation.
    pub lines: Vec<LineView>,
    /// The last routing decision.
    pub explanation: Value,
    /// Every decision and change, oldest first.
    pub history: Vec<Value>,
    /// The Shopify shop it came from ("" for others).
    pub shop_domain: String,
}

/// An order line as listed.
#[derive(Debug, Clone, Serialize)]
pub struct LineView {
    /// Line number.
    pub n: i64,
    /// The webstore's line id.
    pub external_id: String,
    /// SKU as sent.
    pub ordered_sku: String,
    /// Catalog SKU matched ("" unknown).
    pub sku: String,
    /// `sku`, `barcode` or "" (unknown).
    pub matched_by: String,
    /// Title.
    pub title: String,
    /// Quantity.
    pub quantity: String,
    /// Unit price.
    pub price: String,
    /// Routed location ("" none).
    pub location: String,
    /// The reservation of the current routing, if any.
    pub reservation: Option<Value>,
    /// Why it is not routed ("" when it is).
    pub why: String,
    /// Units handed over or shipped so far.
    pub fulfilled: String,
}

/// What a webstore's message did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The order.
    pub order_id: String,
    /// What happened (`created`, `duplicate`, `updated`, `cancelled`, `ignored: …`).
    pub outcome: String,
    /// True when this message had been received before and nothing was done again.
    pub replayed: bool,
}

fn dec(what: &str, text: &str) -> Result<Decimal, HqError> {
    Decimal::from_str_exact(text).map_err(|_| HqError::Internal(format!("stored {what} '{text}' is not a decimal")))
}

fn check_decimal(what: &str, value: Decimal, min: Decimal) -> Result<(), HqError> {
    if value < min {
        return Err(HqError::BadRequest(format!("{what} {value} is below {min}")));
    }
    Ok(())
}

impl Hq {
    /// Adds a location orders may be routed to, or changes it.
    pub fn add_location(&self, location: &LocationSpec, now: jiff::Timestamp) -> Result<LocationRow, HqError> {
        let spec = &location.site;
        DocId::stock(&spec.id).map_err(|e| HqError::BadRequest(format!("location id: {e}")))?;
        if spec.kind != "store" && spec.kind != "dc" {
            return Err(HqError::BadRequest(format!("--kind '{}': expected store or dc", spec.kind)));
        }
        if spec.lat.abs() > Decimal::from(90) || spec.lon.abs() > Decimal::from(180) {
            return Err(HqError::BadRequest(format!("coordinates {}, {} are not on Earth", spec.lat, spec.lon)));
        }
        check_decimal("--safety-buffer", spec.safety_buffer, Decimal::ZERO)?;
        check_decimal("--cost", spec.cost, Decimal::ZERO)?;
        if spec.sla_hours < 0 {
            return Err(HqError::BadRequest(format!("--sla-hours {} is negative", spec.sla_hours)));
        }
        with_tx(self.db(), |tx| {
            tx.lock("orders")?;
            tx.exec(
                "INSERT INTO locations (id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours, \
                 shopify_location, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, lat = excluded.lat, lon = excluded.lon, \
                 pickup = excluded.pickup, ship = excluded.ship, safety_buffer = excluded.safety_buffer, \
                 cost = excluded.cost, sla_hours = excluded.sla_hours, shopify_location = excluded.shopify_location, \
                 updated_at = excluded.updated_at",
                &[
                    spec.id.as_str().into(),
                    spec.kind.as_str().into(),
                    spec.lat.to_string().into(),
                    spec.lon.to_string().into(),
                    i64::from(spec.pickup).into(),
                    i64::from(spec.ship).into(),
                    spec.safety_buffer.to_string().into(),
                    spec.cost.to_string().into(),
                    spec.sla_hours.into(),
                    location.shopify_location.as_str().into(),
                    now.to_string().into(),
                ],
            )?;
            Ok(())
        })?;
        self.locations()?
            .into_iter()
            .find(|l| l.id == spec.id)
            .ok_or_else(|| HqError::Internal(format!("location {} vanished", spec.id)))
    }

    /// Every location, by id.
    pub fn locations(&self) -> Result<Vec<LocationRow>, HqError> {
        with_tx(self.db(), |tx| {
            Ok(tx
                .query(
                    "SELECT id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours, shopify_location \
                     FROM locations ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|r| LocationRow {
                    id: r.text(0),
                    kind: r.text(1),
                    lat: r.text(2),
                    lon: r.text(3),
                    pickup: r.int(4) != 0,
                    ship: r.int(5) != 0,
                    safety_buffer: r.text(6),
                    cost: r.text(7),
                    sla_hours: r.int(8),
                    shopify_location: r.text(9),
                })
                .collect())
        })
    }

    /// What orders may take at `location`, per SKU it holds or has reserved.
    pub fn availability(&self, location: &str) -> Result<Vec<Availability>, HqError> {
        with_tx(self.db(), |tx| {
            let sites = sites(tx)?;
            let site = sites
                .iter()
                .find(|s| s.id == location)
                .ok_or_else(|| HqError::NotFound(format!("no location {location} (till-hq location list)")))?;
            let on_hand = self.on_hand(tx, location)?;
            let reserved = reserved(tx, location)?;
            let mut skus: Vec<&String> = on_hand.keys().chain(reserved.keys()).collect();
            skus.sort();
            skus.dedup();
            Ok(skus
                .into_iter()
                .map(|sku| {
                    let h = on_hand.get(sku).copied().unwrap_or_default();
                    let r = reserved.get(sku).copied().unwrap_or_default();
                    Availability {
                        sku: sku.clone(),
                        on_hand: h.normalize().to_string(),
                        reserved: r.normalize().to_string(),
                        safety_buffer: site.safety_buffer.normalize().to_string(),
                        available: (h - r - site.safety_buffer).max(Decimal::ZERO).normalize().to_string(),
                    }
                })
                .collect())
        })
    }

    /// Sellable stock per SKU at a location: its `stock/ID` counters, every location in
    /// that document except damaged ones (`…/damaged`).
    fn on_hand(&self, tx: &mut dyn Tx, location: &str) -> Result<BTreeMap<String, Decimal>, HqError> {
        let id = DocId::stock(location).map_err(|e| HqError::BadRequest(e.to_string()))?;
        let doc = self.load_doc(tx, &id)?;
        let mut out = BTreeMap::new();
        for (loc, sku, micro) in StockDoc::all(&doc).map_err(|e| HqError::Internal(e.to_string()))? {
            if loc.ends_with("/damaged") {
                continue;
            }
            *out.entry(sku).or_insert(Decimal::ZERO) += Decimal::new(micro, 6);
        }
        Ok(out)
    }

    /// Takes an order message from a webstore in `tx` (the caller holds the `orders`
    /// lock): creates, updates or cancels the order and routes it when that is due.
    pub(crate) fn take_order(
        &self,
        tx: &mut dyn Tx,
        order: &IncomingOrder,
        intent: Intent,
        shop_domain: &str,
        now: jiff::Timestamp,
    ) -> Result<Outcome, HqError> {
        let id = format!("{}:{}", order.channel, order.external_id);
        let outcome = |text: &str| Ok(Outcome { order_id: id.clone(), outcome: text.to_string(), replayed: false });
        let held = tx.one("SELECT status, source_updated_at FROM orders WHERE id = $1", &[id.as_str().into()])?;
        let Some(held) = held else {
            let cancelled = order.cancelled || intent == Intent::Cancel;
            let status = if cancelled { "cancelled" } else { "received" };
            tx.exec(
                "INSERT INTO orders (id, channel, external_id, number, email, currency, placed_at, source_updated_at, \
                 delivery, status, shop_domain, created_at, updated_at, paid_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
                &[
                    id.as_str().into(),
                    order.channel.as_str().into(),
                    order.external_id.as_str().into(),
                    order.number.as_str().into(),
                    order.email.as_str().into(),
                    order.currency.as_str().into(),
                    order.placed_at.as_str().into(),
                    order.updated_at.as_str().into(),
                    order.delivery.to_json().to_string().into(),
                    status.into(),
                    shop_domain.into(),
                    now.to_string().into(),
                    (if order.paid_online { "online" } else { "counter" }).into(),
                ],
            )?;
            put_lines(tx, &id, order, now)?;
            event(tx, &id, now, "received", &format!("{} order {} received", order.channel, order.number))?;
            if cancelled {
                event(tx, &id, now, "cancelled", "cancelled by the webstore before HQ routed it")?;
                return outcome("cancelled");
            }
            if order.fulfilled {
                tx.exec("UPDATE orders SET status = 'fulfilled' WHERE id = $1", &[id.as_str().into()])?;
                event(tx, &id, now, "fulfilled", "already fulfilled when HQ received it")?;
                return outcome("created");
            }
            self.route_in(tx, &id, "created", now)?;
            return outcome("created");
        };
        let status = held.text(0);
        if intent == Intent::Create {
            return outcome("duplicate: the order is already held");
        }
        if status == "cancelled" || status == "fulfilled" {
            return outcome(&format!("ignored: the order is {status}"));
        }
        if is_older(&order.updated_at, &held.text(1)) {
            return outcome(&format!(
                "ignored: older (updated_at {}) than the version held ({})",
                order.updated_at,
                held.text(1)
            ));
        }
        tx.exec(
            "UPDATE orders SET number = $2, email = $3, source_updated_at = $4, updated_at = $5 WHERE id = $1",
            &[
                id.as_str().into(),
                order.number.as_str().into(),
                order.email.as_str().into(),
                order.updated_at.as_str().into(),
                now.to_string().into(),
            ],
        )?;
        if order.cancelled || intent == Intent::Cancel {
            cancel_in(tx, &id, "cancelled by the webstore", now)?;
            self.publish_order(tx, &id, "cancelled by the webstore", now)?;
            return outcome("cancelled");
        }
        if order.fulfilled {
            end_reservations(tx, &id, "fulfilled", "fulfilled", now)?;
            tx.exec("UPDATE orders SET status = 'fulfilled' WHERE id = $1", &[id.as_str().into()])?;
            event(tx, &id, now, "fulfilled", "the webstore marked it fulfilled")?;
            self.publish_order(tx, &id, "fulfilled by the webstore", now)?;
            return outcome("fulfilled");
        }
        let delivery = order.delivery.to_json().to_string();
        let same_delivery = tx
            .one("SELECT delivery FROM orders WHERE id = $1", &[id.as_str().into()])?
            .is_some_and(|r| r.text(0) == delivery);
        let held_lines: Vec<(String, String, String, String)> = tx
            .query(
                "SELECT external_id, ordered_sku, barcode, quantity FROM order_lines WHERE order_id = $1 ORDER BY n",
                &[id.as_str().into()],
            )?
            .iter()
            .map(|r| (r.text(0), r.text(1), r.text(2), r.text(3)))
            .collect();
        let new_lines: Vec<(String, String, String, String)> = order
            .lines
            .iter()
            .map(|l| (l.external_id.clone(), l.sku.clone(), l.barcode.clone(), l.quantity.to_string()))
            .collect();
        if same_delivery && held_lines == new_lines {
            event(tx, &id, now, "updated", "the webstore changed nothing routing depends on")?;
            return outcome("updated");
        }
        tx.exec("UPDATE orders SET delivery = $2 WHERE id = $1", &[id.as_str().into(), delivery.into()])?;
        tx.exec("DELETE FROM order_lines WHERE order_id = $1", &[id.as_str().into()])?;
        put_lines(tx, &id, order, now)?;
        self.route_in(tx, &id, "updated: the webstore changed its lines or delivery", now)?;
        outcome("updated")
    }

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
            let status = tx.one("SELECT status FROM orders WHERE id = $1", &[id.as_str().into()])?.map(|r| r.text(0));
            if let Some(s) = status.filter(|s| s == "cancelled" || s == "fulfilled") {
                return Err(HqError::BadRequest(format!("order {id} is {s}: nothing to route")));
            }
            match exclude {
                Some(location) => self.reject_in(tx, &id, location, reason, now)?,
                None => self.route_in(tx, &id, &format!("rerouted: {reason}"), now)?,
            }
            Ok(id)
        })?;
        self.order(&id)
    }

    /// Location `location` rejected order `id` (in the caller's transaction, under the
    /// `orders` lock): it is never routed there again, and is routed afresh.
    pub(crate) fn reject_in(
        &self,
        tx: &mut dyn Tx,
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
        self.route_in(tx, id, &format!("rejected by {location}: {reason}"), now)
    }

    /// Routes order `id` (in the caller's transaction, under the `orders` lock): releases
    /// its reservations, decides, reserves, records the decision.
    fn route_in(&self, tx: &mut dyn Tx, id: &str, trigger: &str, now: jiff::Timestamp) -> Result<(), HqError> {
        end_reservations(tx, id, "released", trigger, now)?;
        let order = tx
            .one("SELECT delivery, round FROM orders WHERE id = $1", &[id.into()])?
            .ok_or_else(|| HqError::NotFound(format!("no order {id}")))?;
        let delivery: Value = serde_json::from_str(&order.text(0))
            .map_err(|e| HqError::Internal(format!("stored delivery of {id}: {e}")))?;
        let round = order.int(1) + 1;
        let sites = sites(tx)?;
        let mut wants = Vec::new();
        let mut unknown = Vec::new();
        for r in tx.query(
            "SELECT n, sku, quantity, ordered_sku, barcode, title FROM order_lines WHERE order_id = $1 ORDER BY n",
            &[id.into()],
        )? {
            if r.text(1).is_empty() {
                unknown.push((
                    r.int(0),
                    format!(
                        "line {} ('{}', SKU '{}', barcode '{}') matches no catalog item: see till-hq conflicts",
                        r.int(0),
                        r.text(5),
                        r.text(3),
                        r.text(4)
                    ),
                ));
            } else {
                wants.push(Want { n: r.int(0), sku: r.text(1), quantity: dec("quantity", &r.text(2))? });
            }
        }
        let excluded: BTreeMap<String, String> = tx
            .query("SELECT location, reason FROM order_exclusions WHERE order_id = $1", &[id.into()])?
            .iter()
            .map(|r| (r.text(0), r.text(1)))
            .collect();
        let text = |k: &str| delivery.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let coordinate =
            |k: &str| delivery.get(k).and_then(Value::as_str).and_then(|t| Decimal::from_str_exact(t).ok());
        let mode = if text("method") == "pickup" {
            let asked = text("location");
            let location = sites.iter().find(|s| s.id == asked).map(|s| s.id.clone()).or(shopify_name(tx, &asked)?);
            Delivery::Pickup { location, asked }
        } else {
            Delivery::Ship { to: coordinate("lat").zip(coordinate("lon")) }
        };
        let mut holdings = BTreeMap::new();
        for site in &sites {
            let on_hand = self.on_hand(tx, &site.id)?;
            let reserved = reserved(tx, &site.id)?;
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
        let (status, mut explanation, routed, unrouted) = if sites.is_empty() {
            let why = "no locations are configured (till-hq location add), so nothing was routed; \
                       add them, then till-hq order reroute";
            let unrouted: Vec<(i64, String)> =
                wants.iter().map(|w| (w.n, why.to_string())).chain(unknown.iter().cloned()).collect();
            ("received", json!({"rule": "none", "winner": null, "summary": why}), Vec::new(), unrouted)
        } else {
            let decision = routing::route(&routing::Input {
                delivery: &mode,
                sites: &sites,
                excluded: &excluded,
                holdings: &holdings,
                lines: &wants,
                unknown: &unknown,
            });
            (decision.status, decision.explanation, decision.routed, decision.unrouted)
        };
        explanation["at"] = json!(now.to_string());
        explanation["trigger"] = json!(trigger);
        explanation["round"] = json!(round);
        for (n, location, quantity) in &routed {
            let sku = wants.iter().find(|w| w.n == *n).map(|w| w.sku.clone()).unwrap_or_default();
            tx.exec(
                "INSERT INTO reservations (order_id, round, n, location, sku, quantity, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'active', $7)",
                &[
                    id.into(),
                    round.into(),
                    (*n).into(),
                    location.as_str().into(),
                    sku.into(),
                    quantity.to_string().into(),
                    now.to_string().into(),
                ],
            )?;
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
            &[id.into(), status.into(), round.into(), explanation.to_string().into(), now.to_string().into()],
        )?;
        event(tx, id, now, status, &format!("{trigger}: {summary}"))?;
        self.publish_order(tx, id, &format!("routed elsewhere ({trigger})"), now)
    }

    /// Every order (with one status, if given), newest first.
    pub fn orders(&self, status: Option<&str>) -> Result<Vec<OrderView>, HqError> {
        if let Some(s) = status
            && !STATUSES.contains(&s)
        {
            return Err(HqError::BadRequest(format!("--status '{s}': expected one of {}", STATUSES.join(", "))));
        }
        with_tx(self.db(), |tx| {
            let ids: Vec<String> = tx
                .query("SELECT id, status FROM orders ORDER BY created_at DESC, id", &[])?
                .iter()
                .filter(|r| status.is_none_or(|s| s == r.text(1)))
                .map(|r| r.text(0))
                .collect();
            ids.iter().map(|id| view(tx, id)).collect()
        })
    }

    /// One order, by id (`CHANNEL:ID`) or by its number when that is unique.
    pub fn order(&self, order: &str) -> Result<OrderView, HqError> {
        with_tx(self.db(), |tx| {
            let id = find_order(tx, order)?;
            view(tx, &id)
        })
    }
}

/// The newer-than test for a webstore's `updated_at`: an update stamped before the version
/// HQ holds arrived late and is ignored. Unparseable or missing times never ignore.
fn is_older(incoming: &str, held: &str) -> bool {
    match (incoming.parse::<jiff::Timestamp>(), held.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a < b,
        _ => false,
    }
}

/// The HQ location whose Shopify pickup name is `name` (case-insensitive).
fn shopify_name(tx: &mut dyn Tx, name: &str) -> Result<Option<String>, HqError> {
    if name.is_empty() {
        return Ok(None);
    }
    Ok(tx
        .query("SELECT id, shopify_location FROM locations ORDER BY id", &[])?
        .iter()
        .find(|r| !r.text(1).is_empty() && r.text(1).eq_ignore_ascii_case(name.trim()))
        .map(|r| r.text(0)))
}

/// The HQ location whose Shopify pickup name is one of `names`, for deciding whether a
/// Shopify shipping line is a local pickup.
pub(crate) fn pickup_location_named(tx: &mut dyn Tx, names: &[&str]) -> Result<Option<String>, HqError> {
    for name in names {
        if let Some(id) = shopify_name(tx, name)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

fn sites(tx: &mut dyn Tx) -> Result<Vec<Site>, HqError> {
    tx.query("SELECT id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours FROM locations ORDER BY id", &[])?
        .iter()
        .map(|r| {
            Ok(Site {
                id: r.text(0),
                kind: r.text(1),
                lat: dec("latitude", &r.text(2))?,
                lon: dec("longitude", &r.text(3))?,
                pickup: r.int(4) != 0,
                ship: r.int(5) != 0,
                safety_buffer: dec("safety buffer", &r.text(6))?,
                cost: dec("cost", &r.text(7))?,
                sla_hours: r.int(8),
            })
        })
        .collect()
}

/// Active reservations per SKU at a location.
fn reserved(tx: &mut dyn Tx, location: &str) -> Result<BTreeMap<String, Decimal>, HqError> {
    let mut out = BTreeMap::new();
    for r in
        tx.query("SELECT sku, quantity FROM reservations WHERE state = 'active' AND location = $1", &[location.into()])?
    {
        let q = dec("reserved quantity", &r.text(1))?;
        *out.entry(r.text(0)).or_insert(Decimal::ZERO) += q;
    }
    Ok(out)
}

/// Stores an order's lines, matching each to the catalog; an unknown one is a conflict.
fn put_lines(tx: &mut dyn Tx, id: &str, order: &IncomingOrder, now: jiff::Timestamp) -> Result<(), HqError> {
    for (i, line) in order.lines.iter().enumerate() {
        let n = i as i64 + 1;
        let matched = crate::catalog::match_line(tx, &line.sku, &line.barcode)?;
        let (sku, by) = match &matched {
            Some((sku, by, true)) => (sku.clone(), *by),
            _ => (String::new(), ""),
        };
        if sku.is_empty() {
            let what = match &matched {
                Some((sku, _, false)) => format!("matches catalog SKU {sku}, which is retired"),
                _ => "matches no catalog SKU or barcode".to_string(),
            };
            raise(
                tx,
                ConflictKind::OrderLineUnknown,
                &format!("{id}/line {n}"),
                "",
                "",
                &format!(
                    "order {} ({id}) line {n} '{}' (SKU '{}', barcode '{}', variant {}) {what}; it is not routed",
                    order.number, line.title, line.sku, line.barcode, line.variant_id
                ),
                now,
            )?;
        }
        tx.exec(
            "INSERT INTO order_lines (order_id, n, external_id, ordered_sku, barcode, variant_id, title, quantity, \
             price, sku, matched_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            &[
                id.into(),
                n.into(),
                line.external_id.as_str().into(),
                line.sku.as_str().into(),
                line.barcode.as_str().into(),
                line.variant_id.as_str().into(),
                line.title.as_str().into(),
                line.quantity.to_string().into(),
                line.price.to_string().into(),
                sku.into(),
                by.into(),
            ],
        )?;
    }
    Ok(())
}

/// Ends the order's active reservations (`released` gives the stock back; `fulfilled`
/// means it left with the customer and the store's counters now say so).
pub(crate) fn end_reservations(
    tx: &mut dyn Tx,
    id: &str,
    state: &str,
    reason: &str,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    tx.exec(
        "UPDATE reservations SET state = $2, ended_at = $3, reason = $4 WHERE order_id = $1 AND state = 'active'",
        &[id.into(), state.into(), now.to_string().into(), reason.into()],
    )?;
    Ok(())
}

/// Cancels order `id`: its reservations are released.
fn cancel_in(tx: &mut dyn Tx, id: &str, reason: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    end_reservations(tx, id, "released", reason, now)?;
    tx.exec(
        "UPDATE orders SET status = 'cancelled', updated_at = $2 WHERE id = $1",
        &[id.into(), now.to_string().into()],
    )?;
    event(tx, id, now, "cancelled", &format!("{reason}; reservations released"))
}

pub(crate) fn event(tx: &mut dyn Tx, id: &str, now: jiff::Timestamp, what: &str, detail: &str) -> Result<(), HqError> {
    let n = tx
        .one("SELECT COALESCE(MAX(n), 0) + 1 FROM order_events WHERE order_id = $1", &[id.into()])?
        .map_or(1, |r| r.int(0));
    tx.exec(
        "INSERT INTO order_events (order_id, n, at, event, detail) VALUES ($1, $2, $3, $4, $5)",
        &[id.into(), n.into(), now.to_string().into(), what.into(), detail.into()],
    )?;
    Ok(())
}

/// The order `text` names: its id, or its number when only one order has it.
pub(crate) fn find_order(tx: &mut dyn Tx, text: &str) -> Result<String, HqError> {
    if tx.one("SELECT 1 FROM orders WHERE id = $1", &[text.into()])?.is_some() {
        return Ok(text.to_string());
    }
    let ids: Vec<String> = tx
        .query("SELECT id FROM orders WHERE number = $1 ORDER BY id", &[text.into()])?
        .iter()
        .map(|r| r.text(0))
        .collect();
    match ids.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(HqError::NotFound(format!("no order {text} (till-hq orders lists them)"))),
        many => {
            Err(HqError::BadRequest(format!("number {text} is on several orders ({}): use the id", many.join(", "))))
        }
    }
}

fn view(tx: &mut dyn Tx, id: &str) -> Result<OrderView, HqError> {
    let r = tx
        .one(
            "SELECT id, channel, external_id, number, status, email, currency, placed_at, delivery, explanation, \
             shop_domain, round FROM orders WHERE id = $1",
            &[id.into()],
        )?
        .ok_or_else(|| HqError::NotFound(format!("no order {id}")))?;
    let parse = |text: String| -> Value { serde_json::from_str(&text).unwrap_or(Value::Null) };
    let round = r.int(11);
    let reservations: BTreeMap<i64, Value> = tx
        .query(
            "SELECT n, location, quantity, state, reason FROM reservations WHERE order_id = $1 AND round = $2",
            &[id.into(), round.into()],
        )?
        .iter()
        .map(|x| {
            (x.int(0), json!({"location": x.text(1), "quantity": x.text(2), "state": x.text(3), "reason": x.text(4)}))
        })
        .collect();
    let done = crate::pickup::fulfilled(tx, id)?;
    let lines = tx
        .query(
            "SELECT n, external_id, ordered_sku, sku, matched_by, title, quantity, price, location, why \
             FROM order_lines WHERE order_id = $1 ORDER BY n",
            &[id.into()],
        )?
        .iter()
        .map(|l| LineView {
            n: l.int(0),
            external_id: l.text(1),
            ordered_sku: l.text(2),
            sku: l.text(3),
            matched_by: l.text(4),
            title: l.text(5),
            quantity: l.text(6),
            price: l.text(7),
            location: l.text(8),
            reservation: reservations.get(&l.int(0)).cloned(),
            why: l.text(9),
            fulfilled: done.get(&l.int(0)).copied().unwrap_or_default().to_string(),
        })
        .collect();
    let history = tx
        .query("SELECT at, event, detail FROM order_events WHERE order_id = $1 ORDER BY n", &[id.into()])?
        .iter()
        .map(|e| json!({"at": e.text(0), "event": e.text(1), "detail": e.text(2)}))
        .collect();
    Ok(OrderView {
        id: r.text(0),
        channel: r.text(1),
        external_id: r.text(2),
        number: r.text(3),
        status: r.text(4),
        email: r.text(5),
        currency: r.text(6),
        placed_at: r.text(7),
        delivery: parse(r.text(8)),
        lines,
        explanation: parse(r.text(9)),
        history,
        shop_domain: r.text(10),
    })
}
