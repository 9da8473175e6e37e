//! Completing a document — sale, return or exchange — with every sensitive action in it
//! authorized before anything is written, and written in the same transaction; voiding
//! a cart; training sales; reprints.

use till_domain::{
    Action, ApprovalLimits, Cart, ExchangeSettlement, Money, PricedCart, ReceiptNumber, RefundMethod, RefundSource,
    RefundTarget, SaleRecord, Settlement, Tender, TenderError, TenderKind, exchange_settlement, refund_targets,
    sensitive_actions, settle, settle_refund,
};
use till_store::{AuditEntry, SaleCommit};

use super::CheckoutError;
use crate::{Authority, Copy, Register, RegisterError};

/// What a sale carries out besides itself, in its own transaction.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Carries<'a> {
    /// A change to a replicated document (an order's handover or shipment).
    pub doc_change: Option<till_store::DocChange<'a>>,
    /// An endless-aisle order it pays for (id, order API body): its goods leave from
    /// elsewhere, so no stock moves here.
    pub order: Option<(&'a str, &'a str)>,
}

/// How a document is settled.
#[derive(Debug, Clone, Copy)]
pub enum Settle<'a> {
    /// The customer pays (or nothing is due): these tenders.
    Tenders(&'a [Tender]),
    /// The customer is owed money: refund it this way.
    Refund(RefundMethod),
    /// The customer is owed money: refund it to these targets, in order (a return of an
    /// online order, which has no sale here to refund against).
    RefundTo(&'a [RefundTarget]),
    /// Goods back and goods out in one document: these tenders pay what is due, a refund
    /// this way pays out what is owed, and an even exchange takes neither
    /// ([`till_domain::exchange_settlement`]; tenders when nothing is due are refused).
    Exchange {
        /// Tenders for what is due.
        tenders: &'a [Tender],
        /// Where a refund goes.
        refund: RefundMethod,
    },
}

impl Register {
    /// Refuses to start a sale when the disk is nearly full: better than failing in the
    /// middle of one.
    fn check_free_space(&self) -> Result<(), RegisterError> {
        let dir = self.store.path().parent().unwrap_or(self.store.path());
        let free =
            fs4::available_space(dir).map_err(|error| RegisterError::Io { path: dir.display().to_string(), error })?;
        if free < self.config.min_free_space {
            let (free_mib, reserve_mib) = (free / (1024 * 1024), self.config.min_free_space / (1024 * 1024));
            return Err(RegisterError::LowDisk { free_mib, reserve_mib });
        }
        Ok(())
    }

    /// The sensitive actions a priced cart contains ([`till_domain::sensitive_actions`]),
    /// each authorized (approvals used up), as the audit records the sale will carry.
    fn authorize_cart(
        &self,
        cart: &Cart,
        priced: &PricedCart,
        auth: &mut Authority,
    ) -> Result<Vec<AuditEntry>, RegisterError> {
        let t = &self.config.thresholds;
        let limits = ApprovalLimits { discount_percent: t.discount_percent, refund: t.refund };
        sensitive_actions(cart, priced, &limits)?
            .into_iter()
            .map(|a| self.authorize(auth, a.action, a.detail))
            .collect()
    }

    /// Where a refund may go, in order ([`till_domain::refund_targets`]); and, for a
    /// return of a plain sale with its receipt, the most the sale has left to give back.
    fn refund_targets(
        &mut self,
        cart: &Cart,
        method: RefundMethod,
    ) -> Result<(Vec<RefundTarget>, Option<Money>), RegisterError> {
        let returning = || cart.active_lines().filter_map(|l| l.returning.as_ref());
        let named = returning().find_map(|r| r.original.as_ref()).cloned();
        let without_receipt = returning().any(|r| r.original.is_none());
        self.config.returns.check_refund_method(without_receipt, method)?;
        // Returns of a sale are looked up by its id: refunds of it paid out here, and at
        // other registers as HQ or the store peers' copies know them (#16 §3).
        let original = match &named {
            Some(o) => {
                let found = self.original_sale(&o.sale_id, &o.receipt)?;
                if method == RefundMethod::Original {
                    self.check_original_tenders(&found)?;
                }
                let mut refunded = self.store.refunds_of(&found.sale.id)?;
                refunded.extend(found.refunds_elsewhere());
                Some((found.sale, refunded))
            }
            None => None,
        };
        let source = original.as_ref().map(|(sale, refunded)| RefundSource {
            kind: sale.kind(),
            settlement: &sale.settlement,
            refunded,
        });
        let ceiling = source.as_ref().map(RefundSource::ceiling).transpose()?.flatten();
        let ids = &mut self.ids;
        let targets = refund_targets(method, source.as_ref(), || ids.secret_code())?;
        Ok((targets, ceiling))
    }

    /// Settles a priced cart: tenders for what is due, or a refund for what is owed.
    fn settle_cart(&mut self, cart: &Cart, priced: &PricedCart, how: Settle<'_>) -> Result<Settlement, RegisterError> {
        let minor = self.config.currency.minor_units();
        let rounding = self.config.cash_rounding;
        let how = match how {
            Settle::Exchange { tenders, refund } => match exchange_settlement(priced.total, !tenders.is_empty())? {
                ExchangeSettlement::Pay => Settle::Tenders(tenders),
                ExchangeSettlement::Refund => Settle::Refund(refund),
                ExchangeSettlement::Even => Settle::Tenders(&[]),
            },
            how => how,
        };
        match (how, priced.total.is_negative()) {
            (Settle::Tenders(tenders), false) => Ok(settle(priced.total, tenders, rounding, minor)?),
            (Settle::Refund(method), true) => {
                let (targets, ceiling) = self.refund_targets(cart, method)?;
                Ok(settle_refund(priced.total, &targets, rounding, minor, ceiling)?)
            }
            (Settle::RefundTo(targets), true) => Ok(settle_refund(priced.total, targets, rounding, minor, None)?),
            (Settle::Refund(_) | Settle::RefundTo(_), false) if priced.total.is_zero() => {
                Ok(settle(priced.total, &[], rounding, minor)?)
            }
            (Settle::Refund(_) | Settle::RefundTo(_) | Settle::Exchange { .. }, false) => {
                Err(TenderError::DueNotOwed { due: priced.total }.into())
            }
            (Settle::Tenders(_) | Settle::Exchange { .. }, true) => {
                Err(TenderError::OwedNotDue { owed: priced.total.negated() }.into())
            }
        }
    }

    /// The open cash session, opening one with no float when none is (the sale's
    /// cashier opens it; a drawer should be opened with its float first).
    fn session_for_sale(&mut self, auth: &Authority) -> Result<u64, RegisterError> {
        if let Some(session) = self.store.current_session()? {
            return Ok(session.id as u64);
        }
        let at = self.clock.now().to_string();
        let float = self.config.currency.round(Money::ZERO, self.config.policy.mode);
        let empty = crate::Count::default().to_json();
        Ok(self.store.open_session_unless_open(&at, auth.staff_code(), float, &empty)?.0 as u64)
    }

    /// Completes a document: prices the cart, authorizes every sensitive action in it
    /// (price overrides, big discounts, voided lines, returns without receipt or against
    /// the rules, big refunds), settles it, and commits it durably with its audit records.
    /// Returns only after the commit; on any error nothing is stored.
    pub fn complete_sale(
        &mut self,
        cart: &Cart,
        how: Settle<'_>,
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        let id = self.ids.sale_id();
        self.complete_sale_as(id, cart, how, auth)
    }

    /// [`Register::complete_sale`] under an idempotency `key` (a UUID) that a front end
    /// keeps until it sees the answer: the first call commits the sale with the key as its
    /// id; a retry after the answer was lost (a crash, a timeout) returns the sale committed
    /// then and sells nothing twice — even once the cart on screen was cleared.
    pub fn complete_sale_once(
        &mut self,
        key: &str,
        cart: &Cart,
        how: Settle<'_>,
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        let id = uuid::Uuid::parse_str(key.trim())
            .map_err(|e| RegisterError::Input(format!("payment key '{key}' is not a UUID: {e}")))?
            .hyphenated()
            .to_string();
        if let Some(sale) = self.store.sale_by_id(&id)? {
            tracing::info!(receipt = %sale.receipt, "payment retried: the sale was committed before");
            return Ok(sale);
        }
        self.complete_sale_as(id, cart, how, auth)
    }

    fn complete_sale_as(
        &mut self,
        id: String,
        cart: &Cart,
        how: Settle<'_>,
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        if cart.is_empty() {
            return Err(CheckoutError::EmptyCart.into());
        }
        let priced = self.price(cart)?;
        self.commit_document(id, cart, priced, how, auth, Carries::default())
    }

    /// Authorizes, settles and commits a priced document with what it `carries` (an
    /// order's handover, an endless-aisle order), then queues its receipt.
    pub(crate) fn commit_document(
        &mut self,
        id: String,
        cart: &Cart,
        priced: PricedCart,
        how: Settle<'_>,
        auth: &mut Authority,
        carries: Carries<'_>,
    ) -> Result<SaleRecord, RegisterError> {
        self.check_free_space()?;
        super::screen_cart(cart)?;
        let audit = self.authorize_cart(cart, &priced, auth)?;
        let settlement = self.settle_cart(cart, &priced, how)?;
        let session = self.session_for_sale(auth)?;
        let sale = self.new_record(id, cart, priced, settlement, auth, Some(session));
        let commit = SaleCommit {
            location: if carries.order.is_some() { None } else { Some(&self.config.location) },
            resumed_from: cart.resumed_from(),
            audit: &audit,
            doc_change: carries.doc_change,
            order: carries.order,
        };
        let committed = self.store.commit_sale(sale, &commit)?;
        tracing::info!(receipt = %committed.receipt, total = %committed.cart.total, "sale committed");
        self.queue_receipt(&committed);
        Ok(committed)
    }

    /// The record of a document about to be committed, stamped now; its sequence number
    /// is assigned by the commit. A sale joins cash session `session`; a training sale
    /// (`None`) joins none and is numbered on the training register (`R1-T`).
    fn new_record(
        &self,
        id: String,
        cart: &Cart,
        priced: PricedCart,
        settlement: Settlement,
        auth: &Authority,
        session: Option<u64>,
    ) -> SaleRecord {
        let at = self.clock.now();
        let register = match session {
            Some(_) => self.config.register.clone(),
            None => format!("{}-T", self.config.register),
        };
        SaleRecord {
            id,
            receipt: ReceiptNumber { register, seq: 0 },
            store: self.config.store.clone(),
            at,
            business_date: at.to_zoned_datetime(self.config.timezone.clone()).date(),
            currency: self.config.currency.code().to_string(),
            cart: priced,
            settlement,
            coupons: cart.coupons().to_vec(),
            staff: auth.staff_code().map(str::to_string),
            session,
            catalog: self.catalog_version.clone(),
            config: self.config_version.clone(),
        }
    }

    /// A training sale: priced and settled like a real one, printed as "not a receipt",
    /// kept under its own numbering — never in totals, stock or the journal.
    pub fn complete_training_sale(
        &mut self,
        cart: &Cart,
        tenders: &[Tender],
        auth: &Authority,
    ) -> Result<SaleRecord, RegisterError> {
        if cart.is_empty() {
            return Err(CheckoutError::EmptyCart.into());
        }
        if cart.has_returns() {
            return Err(CheckoutError::TrainingSellsOnly.into());
        }
        super::screen_cart(cart)?;
        let priced = self.price(cart)?;
        let settlement = settle(priced.total, tenders, self.config.cash_rounding, self.config.currency.minor_units())?;
        let id = self.ids.sale_id();
        let mut sale = self.new_record(id, cart, priced, settlement, auth, None);
        let at = sale.at;
        let seq = self.store.record_training_sale(&at.to_string(), &|seq| {
            let mut numbered = sale.clone();
            numbered.receipt.seq = seq;
            till_store::sale_payload(&numbered)
        })?;
        sale.receipt.seq = seq;
        Ok(sale)
    }

    /// Cancels a cart that has lines ([`Action::VoidSale`]); nothing is sold, the audit
    /// chain records what was on it, and a cart resumed from the parked list leaves it.
    pub fn void_cart(&mut self, cart: &Cart, auth: &mut Authority) -> Result<(), RegisterError> {
        if cart.is_empty() {
            return Err(CheckoutError::EmptyCart.into());
        }
        let lines: Vec<String> = cart.active_lines().map(|l| format!("{} x {}", l.quantity, l.item.sku)).collect();
        let entry = self.authorize(auth, Action::VoidSale, format!("cart voided: {}", lines.join(", ")))?;
        Ok(self.store.record_void(&entry, &self.clock.now().to_string(), cart.resumed_from())?)
    }

    /// A reprint of a receipt ([`Action::Reprint`]), marked DUPLICATE with its number;
    /// every reprint is counted in the audit chain.
    pub fn reprint(&mut self, number: &str, auth: &mut Authority) -> Result<(SaleRecord, Copy), RegisterError> {
        let sale = self.receipt(number)?;
        let detail = format!("receipt {}", sale.receipt);
        let copies = self.store.count_audits(till_domain::Action::Reprint.as_str(), &detail)?;
        let entry = self.authorize(auth, Action::Reprint, detail)?;
        self.store.record_audit(&entry, &self.clock.now().to_string())?;
        Ok((sale, Copy::Duplicate(copies as u32 + 1)))
    }
}

impl Register {
    /// How far `tenders` go toward `total` as this register will settle it (its cash
    /// rounding): what a payment screen shows while tenders are added.
    pub fn preview_tenders(
        &self,
        total: Money,
        tenders: &[Tender],
    ) -> Result<till_domain::TenderPreview, RegisterError> {
        let minor = self.config.currency.minor_units();
        Ok(till_domain::preview_tenders(total, tenders, self.config.cash_rounding, minor)?)
    }

    /// A tender as a cashier or script writes it: `cash:20`, `card:12.34[:BRAND:LAST4[:REF]]`,
    /// `credit:AMOUNT:CODE`, or one of the store's own tenders (`voucher:10`).
    pub fn parse_tender(&self, text: &str) -> Result<Tender, RegisterError> {
        let parts: Vec<&str> = text.split(':').collect();
        let [kind, amount, rest @ ..] = parts.as_slice() else {
            return Err(RegisterError::Input("expected KIND:AMOUNT, e.g. cash:20 or card:12.34".into()));
        };
        let amount = self.config.currency.parse_amount(amount)?;
        let kind = match (kind.to_ascii_lowercase().as_str(), rest) {
            ("cash", []) => TenderKind::Cash,
            ("card", [brand, last4, reference @ ..]) if reference.len() <= 1 => {
                TenderKind::Card(till_domain::CardDetails::new(brand, last4, reference.first().copied().unwrap_or(""))?)
            }
            ("card", []) => TenderKind::Card(till_domain::CardDetails::new("", "", "")?),
            ("credit", [code]) => TenderKind::StoreCredit(code.trim().to_uppercase()),
            (name, []) if self.config.custom_tenders.iter().any(|t| t.eq_ignore_ascii_case(name)) => {
                TenderKind::Custom(name.to_string())
            }
            _ => {
                let custom = &self.config.custom_tenders;
                let others =
                    if custom.is_empty() { String::new() } else { format!(" or one of {}", custom.join(", ")) };
                return Err(RegisterError::Input(format!(
                    "unknown tender; use cash:AMOUNT, card:AMOUNT[:BRAND:LAST4[:REF]], credit:AMOUNT:CODE{others}"
                )));
            }
        };
        Ok(Tender { kind, amount })
    }
}
