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
use till_store::{OutboxOrder, StockAt};
use till_sync::Remote;

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
        let delivery = match delivery {
            AisleDelivery::Pickup { location } => json!({"method": "pickup", "location": location}),
            AisleDelivery::Ship { coordinates, zip, city, country_code } => {
                let mut d = json!({"method": "ship", "zip": zip, "city": city, "country_code": country_code});
                if let Some((lat, lon)) = coordinates {
                    d["latitude"] = json!(lat);
                    d["longitude"] = json!(lon);
                }
                d
            }
        };
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

    /// After a sync round with HQ: delivers the waiting endless-aisle orders (stopping at
    /// the first network failure; a refusal is recorded on the order and the rest go on),
    /// then refreshes the chain stock snapshot. Returns how many orders HQ took.
    pub(crate) fn aisle_round(&mut self, remote: &Remote) -> Result<u64, RegisterError> {
        let mut sent = 0;
        for order in self.store.outbox_orders(true)? {
            match till_sync::client::send_aisle_order(remote, &order.body) {
                Ok(status) => {
                    self.store.order_sent(&order.id, &status, &self.now().to_string())?;
                    sent += 1;
                }
                Err(e) if e.is_offline() => {
                    self.store.order_not_sent(&order.id, &e.to_string())?;
                    return Err(e.into());
                }
                Err(e) => {
                    tracing::warn!(order = %order.id, error = %e, "HQ refused an endless-aisle order");
                    self.store.order_not_sent(&order.id, &e.to_string())?;
                }
            }
        }
        let snapshot = till_sync::client::fetch_chain_stock(remote)?;
        let mut rows = Vec::with_capacity(snapshot.rows.len());
        for r in snapshot.rows {
            let available = hq_decimal(&format!("chain stock {}@{}", r.sku, r.location), &r.available)?;
            rows.push(StockAt { location: r.location, sku: r.sku, available, pickup: r.pickup });
        }
        self.store.replace_chain_stock(&rows, &snapshot.at)?;
        Ok(sent)
    }
}
