//! Locations online orders are routed to, and what orders may take at each: per location
//! and SKU, and the chain's stock a register's endless aisle shows.

use rust_decimal::Decimal;
use serde::Serialize;
use till_docs::{ActorId, DocId};
use till_protocol::{ChainStockChanges, ChainStockRow, ChainStockSince};

use super::Hq;
use crate::books::{chain_stock, chain_stock_marks, locations, reservations, stock};
use crate::db::rows::LocationRow;
use crate::db::{Tx, with_read, with_tx};
use crate::domain::routing::Site;
use crate::error::{HqError, internal};

/// A location as configured, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
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

impl From<LocationRow> for LocationView {
    fn from(l: LocationRow) -> Self {
        let s = l.site;
        LocationView {
            id: s.id,
            kind: s.kind,
            lat: s.lat.to_string(),
            lon: s.lon.to_string(),
            pickup: s.pickup,
            ship: s.ship,
            safety_buffer: s.safety_buffer.to_string(),
            cost: s.cost.to_string(),
            sla_hours: s.sla_hours,
            shopify_location: l.shopify_location,
        }
    }
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

fn check_decimal(what: &str, value: Decimal, min: Decimal) -> Result<(), HqError> {
    if value < min {
        return Err(HqError::BadRequest(format!("{what} {value} is below {min}")));
    }
    Ok(())
}

impl Hq {
    /// Adds a location orders may be routed to, or changes it.
    pub fn add_location(&self, location: &LocationSpec, now: jiff::Timestamp) -> Result<LocationView, HqError> {
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
            chain_stock_marks::location_changed(tx, &spec.id)?;
            Ok(())
        })?;
        self.locations()?
            .into_iter()
            .find(|l| l.id == spec.id)
            .ok_or_else(|| HqError::Internal(format!("location {} vanished", spec.id)))
    }

    /// Every location, by id.
    pub fn locations(&self) -> Result<Vec<LocationView>, HqError> {
        with_tx(self.db(), |tx| Ok(locations::all(tx)?.into_iter().map(LocationView::from).collect()))
    }

    /// What orders may take at `location`, per SKU it holds or has reserved.
    pub fn availability(&self, location: &str) -> Result<Vec<Availability>, HqError> {
        with_tx(self.db(), |tx| {
            let sites = locations::sites(tx)?;
            let site = sites
                .iter()
                .find(|s| s.id == location)
                .ok_or_else(|| HqError::NotFound(format!("no location {location} (till-hq location list)")))?;
            Ok(stock_at(tx, &self.actor, site)?
                .into_iter()
                .map(|s| Availability {
                    sku: s.sku,
                    on_hand: s.on_hand.normalize().to_string(),
                    reserved: s.reserved.normalize().to_string(),
                    safety_buffer: site.safety_buffer.normalize().to_string(),
                    available: s.available.normalize().to_string(),
                })
                .collect())
        })
    }

    /// The chain's stock for endless aisle: every location's available units of every SKU
    /// it has any of (the materialised table, brought up to date first).
    pub fn chain_stock(&self) -> Result<Vec<ChainStockRow>, HqError> {
        chain_stock::fold(self.db(), &self.actor, jiff::Timestamp::now())?;
        with_read(self.db(), chain_stock::snapshot)
    }

    /// The chain's stock rows changed after `since` of `epoch`, one page of at most
    /// `limit` rows (0: the default page), brought up to date first; `now` names the
    /// epoch when the table is first built.
    pub fn chain_stock_changes(
        &self,
        since: &ChainStockSince,
        now: jiff::Timestamp,
    ) -> Result<ChainStockChanges, HqError> {
        chain_stock::fold(self.db(), &self.actor, now)?;
        let limit = if since.limit == 0 { chain_stock::DEFAULT_PAGE } else { since.limit };
        let page = with_read(self.db(), |tx| chain_stock::changes(tx, since.since, &since.epoch, limit))?;
        Ok(ChainStockChanges {
            at: now.to_string(),
            epoch: page.epoch,
            reset: page.reset,
            rows: page.rows,
            next: page.next,
            more: page.more,
        })
    }
}

/// One SKU's stock at a location: HQ's counters, what orders reserved, and what an order
/// may still take (never below zero).
struct StockAt {
    sku: String,
    on_hand: Decimal,
    reserved: Decimal,
    available: Decimal,
}

/// The stock at `site` of every SKU it holds or has reserved, by SKU.
fn stock_at(tx: &mut dyn Tx, actor: &ActorId, site: &Site) -> Result<Vec<StockAt>, HqError> {
    let on_hand = stock::on_hand(tx, actor, &site.id)?;
    let reserved = reservations::reserved(tx, &site.id)?;
    let mut skus: Vec<&String> = on_hand.keys().chain(reserved.keys()).collect();
    skus.sort();
    skus.dedup();
    skus.into_iter()
        .map(|sku| {
            let on_hand = on_hand.get(sku).copied().unwrap_or_default();
            let reserved = reserved.get(sku).copied().unwrap_or_default();
            let available = on_hand
                .checked_sub(reserved)
                .and_then(|a| a.checked_sub(site.safety_buffer))
                .ok_or_else(|| internal(format!("the stock of {sku} at {} overflows", site.id)))?
                .max(Decimal::ZERO);
            Ok(StockAt { sku: sku.clone(), on_hand, reserved, available })
        })
        .collect()
}
