//! Endless aisle (kiosk and cashier): search the chain's catalog with each location's
//! stock (HQ's snapshot, saying how old it is), and order goods for ship-to-home or for
//! pickup at another store, paid here. The order and the sale that pays for it are one
//! transaction; the sale moves no stock here (the goods leave from elsewhere). The order
//! waits in the outbox until a sync round delivers it to HQ, which routes it like any
//! webstore order (channel `aisle-STORE`, idempotent by the order's id) — so an order taken
//! offline is routed when the register reconnects.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;
use serde_json::json;
use till_domain::{Cart, Item, PricedCart, Quantity, SaleRecord, Tender, Unit};
use till_store::{ChainStockPage, OutboxOrder, StockAt};
use till_sync::{Remote, SyncError};

use super::{OrderError, hq_decimal};
use crate::checkout::{Carries, CheckoutError};
use crate::{Authority, Register, RegisterError, Settle};

/// A catalog item with where the chain has it.
#[derive(Debug, Clone)]
pub struct AisleItem {
    /// The item at this register's price.
    pub item: Item,
    /// Location and units an order may take, per HQ's last snapshot.
    pub stock: Vec<StockAt>,
    /// When that snapshot was taken (`None`: never fetched).
    pub snapshot_at: Option<String>,
    /// Its age in seconds now.
    pub age_seconds: Option<i64>,
}

/// Where an endless-aisle order goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AisleDelivery {
    /// Shipped to the customer.
    Ship {
        /// Latitude and longitude (exact decimal text), if known: routing prefers near stock.
        coordinates: Option<(String, String)>,
        /// Postcode.
        zip: String,
        /// City.
        city: String,
        /// ISO country code.
        country_code: String,
    },
    /// Collected at another store.
    Pickup {
        /// That store's location id.
        location: String,
    },
}

/// `delivery` as HQ's order API takes it.
fn delivery_json(delivery: &AisleDelivery) -> serde_json::Value {
    match delivery {
        AisleDelivery::Pickup { location } => json!({"method": "pickup", "location": location}),
        AisleDelivery::Ship { coordinates, zip, city, country_code } => {
            let mut d = json!({"method": "ship", "zip": zip, "city": city, "country_code": country_code});
            if let Some((lat, lon)) = coordinates {
                d["latitude"] = json!(lat);
                d["longitude"] = json!(lon);
            }
            d
        }
    }
}

/// Whether HQ's refusal is for good: a 4xx answer about the order itself (malformed,
/// forbidden, conflicting, too large). An unauthenticated register (401), a timeout (408)
/// or HQ asking to slow down (429) is not the order's fault: it stays waiting, like a
/// server error or a network failure.
fn refused_for_good(e: &SyncError) -> Option<(u16, &str)> {
    match e {
        SyncError::Refused { status, message, .. }
            if (400..500).contains(status) && !matches!(status, 401 | 408 | 429) =>
        {
            Some((*status, message.as_str()))
        }
        _ => None,
    }
}

impl Register {
    /// Catalog items matching `text`, each with the chain's stock by location.
    pub fn aisle_search(&self, text: &str, limit: usize) -> Result<Vec<AisleItem>, RegisterError> {
        let now = self.now();
        self.search(text, limit)?
            .into_iter()
            .map(|item| {
                let (stock, snapshot_at) = self.store.chain_stock(&item.sku)?;
                let age_seconds = snapshot_at
                    .as_deref()
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                    .map(|t| (now.as_second() - t.as_second()).max(0));
                Ok(AisleItem { item, stock, snapshot_at, age_seconds })
            })
            .collect()
    }

    /// Places an endless-aisle order for `lines` (SKU, whole units), paid now with
    /// `tenders`: one transaction holds the sale and the queued order. Returns the order's
    /// id and the sale.
    pub fn aisle_order(
        &mut self,
        lines: &[(String, Decimal)],
        delivery: &AisleDelivery,
        email: &str,
        tenders: &[Tender],
        auth: &mut Authority,
    ) -> Result<(String, SaleRecord), RegisterError> {
        if email.trim().is_empty() || !email.contains('@') {
            return Err(OrderError::EmailNeeded(email.to_string()).into());
        }
        if let AisleDelivery::Pickup { location } = delivery
            && *location == self.config.store
        {
            return Err(OrderError::PickupHere(location.clone()).into());
        }
        // The snapshot knows which locations take pickups (a DC does not); a location it
        // does not list at all is left to HQ, which says why if it cannot route there.
        if let AisleDelivery::Pickup { location } = delivery {
            for (sku, _) in lines {
                let (stock, _) = self.store.chain_stock(sku)?;
                if stock.iter().any(|s| s.location == *location && !s.pickup) {
                    return Err(OrderError::NoPickupAt(location.clone()).into());
                }
            }
        }
        let cart = self.aisle_cart(lines)?;
        let priced = self.price(&cart)?;
        let sale_id = self.ids.sale_id();
        let id = sale_id.clone();
        let channel = format!("aisle-{}", self.config.store);
        let order_lines: Vec<_> = priced
            .lines
            .iter()
            .map(|l| {
                // What the customer paid per unit, after promotions and discounts.
                let unit = (l.total.amount() / l.quantity.value()).round_dp_with_strategy(
                    self.config.currency.minor_units(),
                    rust_decimal::RoundingStrategy::MidpointNearestEven,
                );
                json!({"id": l.id.0.to_string(), "sku": l.sku, "title": l.name,
                       "quantity": l.quantity.value().to_u64(),
                       "price": unit.to_string()})
            })
            .collect();
        let delivery = delivery_json(delivery);
        let body = json!({
            "channel": channel,
            "id": id,
            "number": format!("{}-{}", self.config.register, &id[id.len().saturating_sub(8)..]),
            "email": email.trim(),
            "currency": self.config.currency.code(),
            "created_at": self.now().to_string(),
            "lines": order_lines,
            "delivery": delivery,
            "payment": "online",
        })
        .to_string();
        let carries = Carries { doc_change: None, order: Some((&id, &body)) };
        let sale = self.commit_document(sale_id, &cart, priced, Settle::Tenders(tenders), auth, carries)?;
        Ok((format!("{channel}:{id}"), sale))
    }

    /// What an endless-aisle order for `lines` would charge now (nothing is stored): the
    /// due amount a screen tenders against before [`Register::aisle_order`].
    pub fn aisle_quote(&self, lines: &[(String, Decimal)]) -> Result<PricedCart, RegisterError> {
        self.price(&self.aisle_cart(lines)?)
    }

    /// The cart an endless-aisle order for `lines` sells: whole pieces of piece items.
    fn aisle_cart(&self, lines: &[(String, Decimal)]) -> Result<Cart, RegisterError> {
        if lines.is_empty() {
            return Err(CheckoutError::EmptyCart.into());
        }
        let mut cart = Cart::new();
        for (sku, qty) in lines {
            let item = self.lookup(sku)?;
            if item.unit != Unit::Each || !qty.fract().is_zero() || *qty <= Decimal::ZERO {
                return Err(OrderError::WholePieces { sku: sku.clone(), quantity: *qty }.into());
            }
            cart.add(item, Quantity::new(*qty, Unit::Each)?)?;
        }
        Ok(cart)
    }

    /// The endless-aisle orders placed here (`waiting`: only those HQ has not taken).
    pub fn aisle_orders(&self, waiting: bool) -> Result<Vec<OutboxOrder>, RegisterError> {
        Ok(self.store.outbox_orders(waiting)?)
    }

    /// Places failed endless-aisle order `id` again (HQ refused it; the customer has paid):
    /// the same order, or with `delivery` instead of the one HQ refused, queued for the
    /// next sync round under the same id (HQ stored nothing of a refused order). The other
    /// way out is to refund its sale (a return of its receipt). A signed-in staff member only.
    pub fn replace_aisle_order(
        &mut self,
        id: &str,
        delivery: Option<&AisleDelivery>,
        auth: &Authority,
    ) -> Result<OutboxOrder, RegisterError> {
        auth.staff_code().ok_or(crate::staff::StaffError::NotSignedIn)?;
        let id = id.rsplit_once(':').map_or(id, |(_, id)| id);
        let order = self.store.outbox_order(id)?.ok_or_else(|| OrderError::NoAisleOrder(id.to_string()))?;
        if order.state != "failed" {
            return Err(OrderError::NotFailed { id: order.id, state: order.state }.into());
        }
        let mut body: serde_json::Value = serde_json::from_str(&order.body)
            .map_err(|e| till_store::StoreError::Corrupt(format!("order_outbox {id}: body is not JSON ({e})")))?;
        if let Some(delivery) = delivery {
            if let AisleDelivery::Pickup { location } = delivery
                && *location == self.config.store
            {
                return Err(OrderError::PickupHere(location.clone()).into());
            }
            body["delivery"] = delivery_json(delivery);
        }
        self.store.order_requeue(id, &body.to_string())?;
        Ok(self.store.outbox_order(id)?.ok_or_else(|| OrderError::NoAisleOrder(id.to_string()))?)
    }

    /// After a sync round with HQ: delivers the waiting endless-aisle orders (stopping at
    /// the first network failure). An order HQ refuses for good (a 4xx answer about the
    /// order, [`refused_for_good`]) becomes `failed` with HQ's reason — the customer has
    /// paid, so a person must re-place it or refund the sale; any other failure leaves it
    /// waiting with the reason, and the rest go on. Then refreshes the chain stock when
    /// it is due (`[aisle] stock_refresh_minutes` since the last refresh, or never
    /// fetched). Returns how many orders HQ took.
    pub(crate) fn aisle_round(&mut self, remote: &Remote) -> Result<u64, RegisterError> {
        let mut sent = 0;
        for order in self.store.outbox_orders(true)? {
            match till_sync::client::send_aisle_order(remote, &order.body) {
                Ok(status) => {
                    let now = self.now();
                    self.store.order_sent(&order.id, &status, &now.to_string(), now.as_second())?;
                    sent += 1;
                }
                Err(e) if e.is_offline() => {
                    self.store.order_not_sent(&order.id, &e.to_string())?;
                    return Err(e.into());
                }
                Err(e) => match refused_for_good(&e) {
                    Some((status, message)) => {
                        tracing::warn!(order = %order.id, status, message, "HQ refused an endless-aisle order");
                        let reason = format!("HQ refused it ({status}): {message}");
                        self.store.order_failed(&order.id, &reason, self.now().as_second())?;
                    }
                    None => {
                        tracing::warn!(order = %order.id, error = %e, "an endless-aisle order did not reach HQ");
                        self.store.order_not_sent(&order.id, &e.to_string())?;
                    }
                },
            }
        }
        if self.chain_stock_due()? {
            self.refresh_chain_stock(remote)?;
        }
        Ok(sent)
    }

    /// Whether the chain stock is due for a refresh after a sync round: never fetched, or
    /// the configured minutes passed since the last refresh finished.
    fn chain_stock_due(&self) -> Result<bool, RegisterError> {
        let mark = self.store.chain_stock_watermark()?;
        let every = i64::from(self.config.stock_refresh_minutes) * 60;
        Ok(match mark.refreshed_at {
            None => true,
            Some(at) => self.now().as_second() - at >= every || mark.sweeping,
        })
    }

    /// Refreshes the chain stock from this register's HQ now (the Aisle screen opening,
    /// `till aisle refresh`): see [`Register::refresh_chain_stock`].
    pub fn aisle_refresh(&mut self) -> Result<ChainStockRefresh, RegisterError> {
        let remote = Remote::hq_of(self.store())?;
        self.refresh_chain_stock(&remote)
    }

    /// Asks HQ what changed in the chain's stock since this register's watermark and
    /// applies it page by page, each page in its own short write transaction (a sale
    /// waits behind one page at most, never behind the whole refresh). A watermark HQ does
    /// not know (an HQ reset, a new numbering) makes HQ start from 0: the rows that fetch
    /// does not bring (an older generation) are dropped at its end, a chunk per
    /// transaction. An interrupted fetch from 0 goes on from its watermark next time and
    /// still drops them at its end.
    pub fn refresh_chain_stock(&mut self, remote: &Remote) -> Result<ChainStockRefresh, RegisterError> {
        let mark = self.store.chain_stock_watermark()?;
        let (mut epoch, mut since) = (mark.epoch, mark.since);
        // A new fetch from 0 starts a new generation of rows (one interrupted goes on).
        let mut fresh = since == 0 && !mark.sweeping;
        let mut refresh = ChainStockRefresh::default();
        loop {
            let ask = till_protocol::ChainStockSince { epoch: epoch.clone(), since, limit: CHAIN_STOCK_PAGE };
            let page = till_sync::client::fetch_chain_stock_changes(remote, &ask)?;
            if page.reset {
                fresh = true;
                refresh.reset = true;
            }
            let mut rows = Vec::with_capacity(page.rows.len());
            for r in page.rows {
                let available = hq_decimal(&format!("chain stock {}@{}", r.sku, r.location), &r.available)?;
                rows.push(StockAt { location: r.location, sku: r.sku, available, pickup: r.pickup });
            }
            self.store.apply_chain_stock_page(&ChainStockPage {
                rows: &rows,
                epoch: &page.epoch,
                next: page.next,
                at: &page.at,
                fresh,
            })?;
            fresh = false;
            refresh.pages += 1;
            refresh.rows += rows.len() as u64;
            epoch = page.epoch;
            since = page.next;
            if !page.more {
                break;
            }
        }
        refresh.dropped = self.store.sweep_chain_stock(self.now().as_second(), CHAIN_STOCK_PAGE as usize)?;
        refresh.watermark = since;
        Ok(refresh)
    }
}

/// Rows a register asks for per page of chain stock changes (one write transaction each).
pub const CHAIN_STOCK_PAGE: u64 = 500;

/// What a chain stock refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChainStockRefresh {
    /// Pages fetched (each applied in its own transaction).
    pub pages: u64,
    /// Rows applied.
    pub rows: u64,
    /// HQ did not know the watermark and started from 0.
    pub reset: bool,
    /// Rows dropped at the end of a fetch from 0 (not in HQ's current epoch).
    pub dropped: u64,
    /// The watermark now.
    pub watermark: u64,
}
