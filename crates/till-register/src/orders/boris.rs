//! BORIS — buy online, return in store. The register finds the online order by its number
//! with the customer's e-mail, or by its code (the pickup token the customer shows) — at
//! HQ, or offline among the orders this store fulfilled — takes lines back
//! into stock here, and refunds as store credit, in cash, or to the online tender — which
//! HQ lists for the webstore to execute once the return reaches it.
//!
//! A return line names the order where a receipted return names a sale: its `OriginalLine`
//! carries the order's id (`CHANNEL:ID`; sale ids are UUIDs, so the two never collide) and
//! number, so "what was returned already" is the same query for both, and HQ books the
//! return against the order.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use till_domain::{Cart, Disposition, Money, OriginalLine, Quantity, RefundTarget, ReturnLine, SaleRecord, TenderKind};
use till_sync::Remote;
use till_token::Verifier;

use super::ONLINE_TENDER;
use super::{OrderError, hq_decimal};
use crate::{Authority, Register, RegisterError, Settle};
pub use till_protocol::FindOrder;

/// An online order as far as a return needs it.
#[derive(Debug, Clone)]
pub struct OnlineOrder {
    /// HQ's id.
    pub id: String,
    /// What the customer sees.
    pub number: String,
    /// Customer email.
    pub email: String,
    /// ISO 4217 code.
    pub currency: String,
    /// The lines.
    pub lines: Vec<OnlineLine>,
    /// `hq` (HQ answered) or `store` (offline: this store's own copy).
    pub source: &'static str,
}

/// One line of an online order and what may come back of it.
#[derive(Debug, Clone)]
pub struct OnlineLine {
    /// Line number.
    pub n: u32,
    /// SKU.
    pub sku: String,
    /// Title.
    pub title: String,
    /// Price per unit paid.
    pub price: Decimal,
    /// Units that reached the customer.
    pub fulfilled: Decimal,
    /// Units returned already (at HQ or here).
    pub returned: Decimal,
}

impl OnlineLine {
    /// Units that may still come back.
    pub fn returnable(&self) -> Decimal {
        (self.fulfilled - self.returned).max(Decimal::ZERO)
    }
}

/// Where the refund of an online order's return goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlineRefund {
    /// Store credit under a new code.
    StoreCredit,
    /// Cash from the drawer.
    Cash,
    /// Back to the online payment: HQ lists it for the webstore to execute.
    Online,
}

impl std::str::FromStr for OnlineRefund {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "credit" | "store_credit" => Ok(OnlineRefund::StoreCredit),
            "cash" => Ok(OnlineRefund::Cash),
            "online" => Ok(OnlineRefund::Online),
            other => Err(format!("'{other}': expected credit, cash or online")),
        }
    }
}

impl Register {
    /// Finds an online order to take goods back from, by its number with the customer's
    /// e-mail or by its code: HQ first (any store's or the DC's orders); when HQ cannot be
    /// reached, this store's own orders (pickups and shipments it fulfilled).
    pub fn find_online_order(&mut self, query: &FindOrder) -> Result<OnlineOrder, RegisterError> {
        let query = FindOrder {
            number: query.number.trim().to_string(),
            email: query.email.trim().to_string(),
            code: query.code.trim().to_string(),
        };
        if query.code.is_empty() && (query.number.is_empty() || query.email.is_empty()) {
            return Err(OrderError::LookupNeeds.into());
        }
        let found = match Remote::hq_of(self.store()) {
            Ok(remote) => match till_sync::client::find_order(&remote, &query) {
                Ok(found) => Some(found),
                // HQ refusing a register that asked too often is an answer, not an outage.
                Err(e) if e.is_offline() && !matches!(e, till_sync::SyncError::Refused { status: 429, .. }) => {
                    tracing::info!("HQ out of reach ({e}); looking among this store's orders");
                    None
                }
                Err(e) => return Err(e.into()),
            },
            Err(_) => None,
        };
        let mut order = match found {
            Some(f) => {
                let mut lines = Vec::new();
                for l in &f.order.lines {
                    let returned = f.returned.get(&l.n.to_string()).map(|q| hq_decimal("returned", q)).transpose()?;
                    lines.push(OnlineLine {
                        n: l.n as u32,
                        sku: l.sku.clone(),
                        title: l.title.clone(),
                        price: hq_decimal("price", &l.price)?,
                        fulfilled: if l.fulfilled.is_empty() {
                            Decimal::ZERO
                        } else {
                            hq_decimal("fulfilled", &l.fulfilled)?
                        },
                        returned: returned.unwrap_or_default(),
                    });
                }
                let h = f.order;
                let email = query.email.clone();
                OnlineOrder { id: h.id, number: h.number, email, currency: h.currency, lines, source: "hq" }
            }
            None => {
                let o = self.own_order(&query)?;
                let lines = o
                    .lines
                    .iter()
                    .map(|l| {
                        let sub = o.picks.get(&l.n).and_then(|p| p.substitute.as_ref());
                        let shipped = o.shipment.as_ref().and(o.picks.get(&l.n)).map_or(Decimal::ZERO, |p| p.picked);
                        OnlineLine {
                            n: l.n,
                            sku: sub.map_or(l.sku.clone(), |s| s.sku.clone()),
                            title: l.title.clone(),
                            price: sub.map_or(l.price, |s| s.price),
                            fulfilled: o.handed_over(l.n) + shipped,
                            returned: Decimal::ZERO,
                        }
                    })
                    .collect();
                OnlineOrder { id: o.id, number: o.number, email: o.email, currency: o.currency, lines, source: "store" }
            }
        };
        // Returns made here that HQ may not have yet: the larger count holds.
        for line in &mut order.lines {
            let here = self.store.returned_quantity(&order.id, line.n)?;
            line.returned = line.returned.max(here);
        }
        Ok(order)
    }

    /// Takes `picks` (line, units) of online order `text` back into this store's stock
    /// (or written off as damaged) for `reason`, refunded as `refund` says. One journal
    /// document, like any return.
    pub fn return_online(
        &mut self,
        query: &FindOrder,
        picks: &[(u32, Decimal)],
        reason: &str,
        disposition: Disposition,
        refund: OnlineRefund,
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        self.config.returns.check_reason(reason)?;
        if picks.is_empty() {
            return Err(OrderError::NoLines.into());
        }
        let order = self.find_online_order(query)?;
        if order.currency != self.config.currency.code() {
            let (number, order, register) = (order.number, order.currency, self.config.currency.code().to_string());
            return Err(OrderError::RefundsIn { number, order, register }.into());
        }
        let mut asked: BTreeMap<u32, Decimal> = BTreeMap::new();
        for (n, q) in picks {
            *asked.entry(*n).or_default() += *q;
        }
        let mut cart = Cart::new();
        let mode = self.config.policy.mode;
        for (n, qty) in asked {
            let line = order
                .lines
                .iter()
                .find(|l| l.n == n)
                .ok_or_else(|| OrderError::NoSuchLine { number: order.number.clone(), line: n })?;
            if qty <= Decimal::ZERO || qty > line.returnable() {
                return Err(OrderError::NotThatMany {
                    number: order.number.clone(),
                    line: n,
                    sku: line.sku.clone(),
                    asked: qty,
                    left: line.returnable(),
                    received: line.fulfilled,
                    returned: line.returned,
                }
                .into());
            }
            let item = self.lookup(&line.sku)?;
            let unit = item.unit;
            let refund = self.config.currency.round(Money::new(line.price).checked_mul(qty)?, mode);
            let returning = ReturnLine {
                original: Some(OriginalLine {
                    sale_id: order.id.clone(),
                    receipt: order.number.clone(),
                    seq: 0,
                    line: n,
                }),
                refund,
                fee_percent: Decimal::ZERO,
                reason: reason.to_string(),
                disposition,
                override_note: None,
            };
            cart.add_return(item, Quantity::new(qty, unit)?, returning)?;
        }
        let target = match refund {
            OnlineRefund::StoreCredit => TenderKind::StoreCredit(self.ids.secret_code()),
            OnlineRefund::Cash => TenderKind::Cash,
            OnlineRefund::Online => TenderKind::Custom(ONLINE_TENDER.into()),
        };
        let targets = [RefundTarget { kind: target, limit: None }];
        let priced = self.price(&cart)?;
        let id = self.ids.sale_id();
        self.commit_document(id, &cart, priced, Settle::RefundTo(&targets), auth, Default::default())
    }

    /// Offline: this store's own order that `query` names — the number and the customer's
    /// e-mail, or a code HQ signed (whatever its store and expiry: it proves the order).
    fn own_order(&mut self, query: &FindOrder) -> Result<till_domain::pickup::PickupOrder, RegisterError> {
        let orders = self.pickup_orders()?;
        let found = if query.code.is_empty() {
            let bare = query.number.trim_start_matches('#');
            orders.into_iter().find(|o| {
                (o.id == query.number || o.number.trim_start_matches('#') == bare)
                    && !o.email.is_empty()
                    && o.email.eq_ignore_ascii_case(&query.email)
            })
        } else {
            let key = self.store.setting(till_sync::client::PICKUP_KEY_SETTING)?.ok_or(OrderError::NoPickupKey)?;
            let claims = Verifier::from_hex(&key)?.signed(&query.code)?;
            orders.into_iter().find(|o| o.id == claims.order && o.token_id == claims.token_id)
        };
        found.ok_or_else(|| {
            let named = if query.code.is_empty() {
                format!("{} with that e-mail", query.number)
            } else {
                "with that code".into()
            };
            OrderError::NotOwnOrder(named).into()
        })
    }
}
