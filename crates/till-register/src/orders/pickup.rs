//! Online orders at the store, offline: the pickup queue (pick, short-pick, substitute,
//! stage, ready notice, curbside check-in), token verification with HQ's public key, the
//! handover — a journal sale committed in the same transaction as the order document's
//! handover entry — and ship-from-store (pick, pack, carrier and tracking).
//!
//! Goods that leave for an online order always leave through a journal sale: stock goes
//! down by the sale's movements, the receipt prints, and HQ books it like any sale. What
//! the customer paid online is tendered as `online` (the webstore holds that money);
//! counter-paid orders take the cashier's tenders. Prices are the order's, never the
//! register's promotions.

use rust_decimal::Decimal;
use till_docs::{DocId, DocKind, OrderDoc};
use till_domain::pickup::{CheckIn, Handover, HandoverLine, PaidAt, Pick, PickupOrder, Shipment, Stage, Substitute};
use till_domain::{
    Cart, Money, PriceSource, PricedCart, PricingContext, Quantity, SaleRecord, Tender, TenderKind, price_cart,
};
use till_domain::{TextField, screen_text};
use till_store::DocChange;
use till_token::Verifier;

use super::OrderError;
use crate::checkout::Carries;
use crate::staff::StaffError;
use crate::{Authority, Register, RegisterError, Settle};

/// The tender an order paid on the webstore is settled with at handover.
pub const ONLINE_TENDER: &str = "online";

/// A pickup token checked at this register: the order it opens and what may be handed
/// over now.
#[derive(Debug, Clone)]
pub struct VerifiedPickup {
    /// The order, as this register's copy has it.
    pub order: PickupOrder,
    /// What a full handover now gives.
    pub lines: Vec<HandoverLine>,
}

/// The store's online orders, and the order documents that could not be read.
#[derive(Debug, Clone, Default)]
pub struct PickupList {
    /// Every order that reads, by number.
    pub orders: Vec<PickupOrder>,
    /// Order documents left out: malformed (received before they were checked, or altered).
    pub unreadable: Vec<UnreadableOrder>,
}

/// An order document left out of the pickup list, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadableOrder {
    /// The document's id (`order/STORE/KEY`).
    pub doc: String,
    /// What is wrong with it.
    pub reason: String,
}

fn staff(auth: &Authority) -> Result<String, RegisterError> {
    Ok(auth.staff_code().map(str::to_string).ok_or(StaffError::NotSignedIn)?)
}

impl Register {
    /// Every online order this store has (from HQ, directly or through a peer), by number.
    /// An order document that does not read is left out (see [`Register::pickup_list`]).
    pub fn pickup_orders(&mut self) -> Result<Vec<PickupOrder>, RegisterError> {
        Ok(self.pickup_list()?.orders)
    }

    /// Every online order this store has, by number, and the order documents that do not
    /// have an order's shape (named, with why): one malformed document never hides the
    /// others.
    pub fn pickup_list(&mut self) -> Result<PickupList, RegisterError> {
        let mut list = PickupList::default();
        for id in self.order_docs()? {
            let mut doc = self.store.doc_copy(&id)?;
            if doc.get_heads().is_empty() {
                continue;
            }
            let read = till_docs::validate(&doc, &id)
                .map_err(till_docs::DocError::from)
                .and_then(|()| OrderDoc::read(&doc, id.as_str()));
            match read {
                Ok(Some(order)) => list.orders.push(order),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "an order document that does not read is left out");
                    list.unreadable.push(UnreadableOrder { doc: id.to_string(), reason: e.to_string() });
                }
            }
        }
        list.orders.sort_by(|a, b| a.number.cmp(&b.number));
        Ok(list)
    }

    fn order_docs(&self) -> Result<Vec<DocId>, RegisterError> {
        Ok(self
            .store
            .replicated_docs()?
            .into_iter()
            .map(|(id, ..)| id)
            .filter(|id| matches!(id.kind(), DocKind::Order { .. }) && id.store() == self.config.store)
            .collect())
    }

    pub(crate) fn read_order(&mut self, id: &DocId) -> Result<Option<PickupOrder>, RegisterError> {
        let doc = self.store.doc_copy(id)?;
        OrderDoc::read(&doc, id.as_str()).map_err(|e| RegisterError::Store(e.into()))
    }

    /// The order `text` names: its number (`#1001` or `1001`), HQ's id, or the customer's
    /// email when only one open order has it.
    pub fn pickup_order(&mut self, text: &str) -> Result<PickupOrder, RegisterError> {
        let text = text.trim();
        let bare = text.trim_start_matches('#');
        let orders = self.pickup_orders()?;
        let found: Vec<&PickupOrder> = orders
            .iter()
            .filter(|o| {
                o.id == text
                    || o.number.trim_start_matches('#') == bare
                    || (!o.email.is_empty() && o.email.eq_ignore_ascii_case(text))
            })
            .collect();
        match found.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(OrderError::NoSuchOrder(text.to_string()).into()),
            many => {
                let numbers = many.iter().map(|o| o.number.clone()).collect();
                Err(OrderError::Ambiguous { text: text.to_string(), numbers }.into())
            }
        }
    }

    pub(crate) fn order_doc_id(&self, order: &PickupOrder) -> Result<DocId, RegisterError> {
        DocId::order(&self.config.store, &order.id).map_err(|e| RegisterError::Store(e.into()))
    }

    fn change_order(
        &mut self,
        order: &PickupOrder,
        f: impl FnOnce(&mut till_docs::AutoCommit) -> till_docs::Result<()>,
    ) -> Result<PickupOrder, RegisterError> {
        let id = self.order_doc_id(order)?;
        self.store.change_doc(&id, f)?;
        Ok(self.read_order(&id)?.ok_or_else(|| OrderError::Vanished(order.number.clone()))?)
    }

    /// Records a pick of line `n`: `picked` units (fewer than ordered is a short pick), or
    /// a substitute the customer agreed to.
    pub fn pick(
        &mut self,
        order: &str,
        n: u32,
        picked: Decimal,
        substitute: Option<Substitute>,
        auth: &Authority,
    ) -> Result<PickupOrder, RegisterError> {
        let by = staff(auth)?;
        if let Some(s) = &substitute {
            screen_text(TextField::SubstitutionConsent, &s.consent)?;
        }
        let order = self.pickup_order(order)?;
        order.check_pick(n, picked, substitute.as_ref())?;
        if let Some(s) = &substitute {
            self.lookup(&s.sku)?;
        }
        let pick = Pick { picked, substitute, by, register: self.config.register.clone(), at: self.now() };
        self.change_order(&order, |doc| OrderDoc::put_pick(doc, n, &pick))
    }

    /// Stages the picked goods in `bin`.
    pub fn stage(&mut self, order: &str, bin: &str, auth: &Authority) -> Result<PickupOrder, RegisterError> {
        let by = staff(auth)?;
        screen_text(TextField::StagingBin, bin)?;
        let order = self.pickup_order(order)?;
        order.check_pickup_step("staging", bin, "the bin")?;
        let stage = Stage { bin: bin.trim().to_string(), by, at: self.now() };
        self.change_order(&order, |doc| OrderDoc::put_stage(doc, &stage))
    }

    /// Curbside: the customer has arrived at `spot`.
    pub fn check_in(&mut self, order: &str, spot: &str) -> Result<PickupOrder, RegisterError> {
        screen_text(TextField::CheckInSpot, spot)?;
        let order = self.pickup_order(order)?;
        order.check_pickup_step("check-in", spot, "the parking spot")?;
        let checkin = CheckIn { spot: spot.trim().to_string(), at: self.now() };
        self.change_order(&order, |doc| OrderDoc::put_checkin(doc, &checkin))
    }

    /// Checks a pickup token offline: HQ's signature, this store, not expired, the order's
    /// current token, and something left to hand over (else: where it was handed over).
    pub fn verify_pickup(&mut self, token: &str) -> Result<VerifiedPickup, RegisterError> {
        let key = self.store.setting(till_sync::client::PICKUP_KEY_SETTING)?.ok_or(OrderError::NoPickupKey)?;
        let claims = Verifier::from_hex(&key)?.verify(token, &self.config.store, self.now())?;
        let id = DocId::order(&self.config.store, &claims.order).map_err(|e| RegisterError::Store(e.into()))?;
        let order = self.read_order(&id)?.ok_or_else(|| OrderError::NotHereYet(claims.order.clone()))?;
        if order.token_id != claims.token_id {
            return Err(OrderError::TokenReplaced(order.number).into());
        }
        let lines = order.plan_handover(None)?;
        Ok(VerifiedPickup { order, lines })
    }

    /// What handing over `wanted` (or everything picked and not yet handed over) for
    /// `token` would be, priced at the order's prices and committed nowhere: what the
    /// screen shows, and the total a counter-paid order's tenders must cover. Refused as
    /// [`Register::hand_over`] would refuse it.
    pub fn quote_handover(
        &mut self,
        token: &str,
        wanted: Option<&[(u32, Decimal)]>,
    ) -> Result<(VerifiedPickup, PricedCart), RegisterError> {
        let order = self.verify_pickup(token)?.order;
        let lines = order.plan_handover(wanted)?;
        let (_, priced) = self.order_cart(&order, &lines)?;
        Ok((VerifiedPickup { order, lines }, priced))
    }

    /// Hands over what the token's order has picked (or the `wanted` lines and units, for a
    /// partial pickup): one journal sale at the order's prices — tendered `online`, or with
    /// `tenders` for an order paid at the counter — and the handover entry on the order, in
    /// one transaction. `id_check` records the identity document seen ("" none).
    pub fn hand_over(
        &mut self,
        token: &str,
        wanted: Option<&[(u32, Decimal)]>,
        id_check: &str,
        tenders: &[Tender],
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        let by = staff(auth)?;
        screen_text(TextField::IdCheckNote, id_check)?;
        let verified = self.verify_pickup(token)?;
        let order = verified.order;
        let lines = order.plan_handover(wanted)?;
        let sale_id = self.ids.sale_id();
        let handover = Handover {
            key: format!("{}/{sale_id}", self.config.register),
            register: self.config.register.clone(),
            sale: sale_id.clone(),
            token_id: order.token_id.clone(),
            by,
            id_check: id_check.trim().to_string(),
            at: self.now(),
            lines: lines.iter().map(|l| (l.n, l.quantity)).collect(),
        };
        let apply = |doc: &mut till_docs::AutoCommit| OrderDoc::put_handover(doc, &handover);
        self.fulfil(&order, &lines, sale_id, tenders, auth, &apply)
    }

    /// Ship-from-store: records the parcel (carrier, tracking) of a picked ship order; the
    /// goods leave through a sale tendered `online`, in the same transaction.
    pub fn ship(
        &mut self,
        order: &str,
        carrier: &str,
        tracking: &str,
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        let by = staff(auth)?;
        screen_text(TextField::Carrier, carrier)?;
        let order = self.pickup_order(order)?;
        let lines = order.check_ship(carrier, tracking)?;
        let shipment =
            Shipment { carrier: carrier.trim().into(), tracking: tracking.trim().into(), by, at: self.now() };
        let apply = |doc: &mut till_docs::AutoCommit| OrderDoc::put_shipment(doc, &shipment);
        let sale_id = self.ids.sale_id();
        self.fulfil(&order, &lines, sale_id, &[], auth, &apply)
    }

    /// The sale that takes `lines` of `order` out of the store, committed with `apply`.
    fn fulfil(
        &mut self,
        order: &PickupOrder,
        lines: &[HandoverLine],
        sale_id: String,
        tenders: &[Tender],
        auth: &mut Authority,
        apply: &dyn Fn(&mut till_docs::AutoCommit) -> till_docs::Result<()>,
    ) -> Result<SaleRecord, RegisterError> {
        let (cart, priced) = self.order_cart(order, lines)?;
        let online;
        let tenders = match order.paid_at {
            PaidAt::Online => {
                online = [Tender { kind: TenderKind::Custom(ONLINE_TENDER.into()), amount: priced.total }];
                &online[..]
            }
            PaidAt::Counter => tenders,
        };
        let id = self.order_doc_id(order)?;
        let carries = Carries { doc_change: Some(DocChange { id: &id, apply }), order: None };
        self.commit_document(sale_id, &cart, priced, Settle::Tenders(tenders), auth, carries)
    }

    /// The cart of `lines` of `order` at the order's prices (no promotions), priced.
    fn order_cart(&self, order: &PickupOrder, lines: &[HandoverLine]) -> Result<(Cart, PricedCart), RegisterError> {
        if order.currency != self.config.currency.code() {
            let (number, order, register) =
                (order.number.clone(), order.currency.clone(), self.config.currency.code().to_string());
            return Err(OrderError::SellsIn { number, order, register }.into());
        }
        let mut cart = Cart::new();
        for l in lines {
            let mut item = self.lookup(&l.sku)?;
            item.price = self.config.currency.round(Money::new(l.price), self.config.policy.mode);
            let unit = item.unit;
            item.price_source = PriceSource::List(format!("order {}", order.number));
            cart.add(item, Quantity::new(l.quantity, unit)?)?;
        }
        let ctx = PricingContext { policy: self.config.policy, promotions: &[], now: self.now() };
        let priced = price_cart(&cart, &ctx)?;
        Ok((cart, priced))
    }
}
