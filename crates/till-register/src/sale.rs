//! Completing a document — sale, return or exchange — with every sensitive action in it
//! authorized before anything is written, and written in the same transaction; voiding
//! a cart; training sales; reprints.

use rust_decimal::Decimal;
use till_domain::{
    Action, Cart, Discount, Money, PricedCart, ReceiptNumber, RefundTarget, SaleRecord, Settlement, Tender, TenderKind,
    settle, settle_refund,
};
use till_store::{AuditEntry, SaleCommit};

use crate::auth::Authority;
use crate::returns::RefundMethod;
use crate::{Copy, Register, RegisterError};

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
}

impl Register {
    /// Refuses to start a sale when the disk is nearly full: better than failing in the
    /// middle of one.
    fn check_free_space(&self) -> Result<(), RegisterError> {
        let dir = self.store.path().parent().unwrap_or(self.store.path());
        let free =
            fs4::available_space(dir).map_err(|error| RegisterError::Io { path: dir.display().to_string(), error })?;
        if free < self.config.min_free_space {
            return Err(RegisterError::DiskFull(format!(
                "only {} MiB free on the register's disk (at least {} MiB are kept in reserve); free some space",
                free / (1024 * 1024),
                self.config.min_free_space / (1024 * 1024)
            )));
        }
        Ok(())
    }

    /// The sensitive actions a priced cart contains, each authorized (approvals used
    /// up), as the audit records the sale will carry.
    fn authorize_cart(
        &self,
        cart: &Cart,
        priced: &PricedCart,
        auth: &mut Authority,
    ) -> Result<Vec<AuditEntry>, RegisterError> {
        let limit = self.config.thresholds.discount_percent;
        let above = |off: Money, of: Money| -> bool {
            !of.is_zero() && off.amount() * Decimal::ONE_HUNDRED > limit * of.amount()
        };
        let mut audit = Vec::new();
        for line in cart.lines().iter().filter(|l| l.voided) {
            audit.push(self.authorize(
                auth,
                Action::VoidLine,
                format!("voided line {} ({} x {})", line.id.0, line.item.sku, line.quantity),
            )?);
        }
        for (cart_line, priced_line) in cart.active_lines().zip(&priced.lines) {
            if let Some(o) = &cart_line.price_override {
                let detail = format!(
                    "line {} ({}): {} instead of {}: {}",
                    priced_line.id.0, priced_line.sku, o.price, priced_line.list_price, o.reason
                );
                audit.push(self.authorize(auth, Action::PriceOverride, detail)?);
            }
            if let Some(discount) = cart_line.discount {
                let off = priced_line
                    .adjustments
                    .iter()
                    .filter(|a| a.kind == till_domain::AdjustmentKind::LineDiscount)
                    .map(|a| a.amount)
                    .fold(Money::ZERO, |a, b| a.checked_add(b).unwrap_or(a));
                let big = match discount {
                    Discount::Percent(p) => p > limit,
                    Discount::Amount(_) => above(off, priced_line.gross),
                };
                if big {
                    let detail =
                        format!("line {} ({}): {} off {}", priced_line.id.0, priced_line.sku, off, priced_line.gross);
                    audit.push(self.authorize(auth, Action::DiscountAboveThreshold, detail)?);
                }
            }
            if let Some(r) = &cart_line.returning {
                if r.original.is_none() {
                    let detail =
                        format!("{} x {} without a receipt, refund {}", cart_line.quantity, priced_line.sku, r.refund);
                    audit.push(self.authorize(auth, Action::ReturnWithoutReceipt, detail)?);
                }
                if let Some(note) = &r.override_note {
                    let from =
                        r.original.as_ref().map_or("no receipt".into(), |o| format!("{} line {}", o.receipt, o.line));
                    audit.push(self.authorize(
                        auth,
                        Action::ReturnOverride,
                        format!("{} from {from}: {note}", priced_line.sku),
                    )?);
                }
            }
        }
        if let Some(discount) = cart.order_discount() {
            let off: Money = Money::sum(
                priced
                    .lines
                    .iter()
                    .flat_map(|l| &l.adjustments)
                    .filter(|a| a.kind == till_domain::AdjustmentKind::OrderDiscount)
                    .map(|a| a.amount),
            )?;
            let selling = Money::sum(priced.lines.iter().filter(|l| l.returning.is_none()).map(|l| l.gross))?;
            let big = match discount {
                Discount::Percent(p) => p > limit,
                Discount::Amount(_) => above(off, selling),
            };
            if big {
                audit.push(self.authorize(
                    auth,
                    Action::DiscountAboveThreshold,
                    format!("order: {off} off {selling}"),
                )?);
            }
        }
        if priced.total.is_negative() && priced.total.negated() > self.config.thresholds.refund {
            audit.push(self.authorize(
                auth,
                Action::RefundAboveAmount,
                format!("refund of {}", priced.total.negated()),
            )?);
        }
        Ok(audit)
    }

    /// Where a refund may go, in order, with what each tender may still take; and, for a
    /// return of a plain sale with its receipt, the most the sale has left to give back
    /// (what it collected less what its returns paid out).
    fn refund_targets(
        &mut self,
        cart: &Cart,
        method: RefundMethod,
    ) -> Result<(Vec<RefundTarget>, Option<Money>), RegisterError> {
        let original = cart
            .active_lines()
            .filter_map(|l| l.returning.as_ref())
            .find_map(|r| r.original.as_ref())
            .map(|o| o.receipt.clone());
        let without_receipt = cart.active_lines().filter_map(|l| l.returning.as_ref()).any(|r| r.original.is_none());
        if without_receipt
            && self.config.returns.no_receipt_refund == till_domain::NoReceiptRefund::StoreCreditOnly
            && method != RefundMethod::StoreCredit
        {
            return Err(RegisterError::Input(
                "returns without a receipt are refunded as store credit (--refund credit)".into(),
            ));
        }
        // Returns of a sale are looked up by its id, so refunds made on other registers
        // count once they arrive with HQ sync.
        let (sale, refunded) = match &original {
            Some(receipt) => {
                let sale = self.find_receipt(receipt)?;
                let refunded = self.store.refunds_of(&sale.id)?;
                (Some(sale), refunded)
            }
            None => (None, Vec::new()),
        };
        // Only a plain sale's collected amount is what its goods were worth; an exchange's
        // new goods were paid partly by what came back, so it sets no ceiling.
        let ceiling = match &sale {
            Some(sale) if sale.kind() == till_domain::DocumentKind::Sale => {
                let back = Money::sum(refunded.iter().map(|r| r.amount.negated()))?;
                Some(sale.settlement.collected()?.checked_sub(back)?)
            }
            _ => None,
        };
        let targets = match method {
            RefundMethod::Cash => vec![RefundTarget { kind: TenderKind::Cash, limit: None }],
            RefundMethod::StoreCredit => {
                vec![RefundTarget { kind: TenderKind::StoreCredit(self.ids.secret_code()), limit: None }]
            }
            RefundMethod::Original => {
                let Some(sale) = &sale else {
                    return Err(RegisterError::Input("a refund to the original tender needs the receipt".into()));
                };
                let mut targets: Vec<RefundTarget> = Vec::new();
                // Cards and other tenders first, cash last: cash is what the drawer can give.
                let mut payments: Vec<_> =
                    sale.settlement.payments.iter().filter(|p| !p.amount.is_negative()).collect();
                payments.sort_by_key(|p| p.kind == TenderKind::Cash);
                for p in payments {
                    let back = Money::sum(refunded.iter().filter(|r| r.kind == p.kind).map(|r| r.amount.negated()))?;
                    let already = Money::sum(targets.iter().filter(|t| t.kind == p.kind).filter_map(|t| t.limit))?;
                    let limit = p.amount.checked_sub(back)?.checked_sub(already)?;
                    if limit > Money::ZERO {
                        targets.push(RefundTarget { kind: p.kind.clone(), limit: Some(limit) });
                    }
                }
                targets
            }
        };
        Ok((targets, ceiling))
    }

    /// Settles a priced cart: tenders for what is due, or a refund for what is owed.
    fn settle_cart(&mut self, cart: &Cart, priced: &PricedCart, how: Settle<'_>) -> Result<Settlement, RegisterError> {
        let minor = self.config.currency.minor_units();
        match (how, priced.total.is_negative()) {
            (Settle::Tenders(tenders), false) => Ok(settle(priced.total, tenders, self.config.cash_rounding, minor)?),
            (Settle::Refund(method), true) => {
                let (targets, ceiling) = self.refund_targets(cart, method)?;
                Ok(settle_refund(priced.total, &targets, self.config.cash_rounding, minor, ceiling)?)
            }
            (Settle::RefundTo(targets), true) => {
                Ok(settle_refund(priced.total, targets, self.config.cash_rounding, minor, None)?)
            }
            (Settle::Refund(_) | Settle::RefundTo(_), false) if priced.total.is_zero() => {
                Ok(settle(priced.total, &[], self.config.cash_rounding, minor)?)
            }
            (Settle::Refund(_) | Settle::RefundTo(_), false) => Err(RegisterError::Input(format!(
                "{} is due from the customer; take tenders, not a refund",
                priced.total
            ))),
            (Settle::Tenders(_), true) => Err(RegisterError::Input(format!(
                "{} is owed to the customer; say where the refund goes (original, cash or credit)",
                priced.total.negated()
            ))),
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
        if cart.is_empty() {
            return Err(RegisterError::EmptyCart);
        }
        let priced = self.price(cart)?;
        let id = self.ids.sale_id();
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
        let audit = self.authorize_cart(cart, &priced, auth)?;
        let settlement = self.settle_cart(cart, &priced, how)?;
        let session = self.session_for_sale(auth)?;
        let mut sale = self.new_record(self.config.register.clone(), cart, priced, settlement, auth, Some(session));
        sale.id = id;
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
    /// is assigned by the commit.
    fn new_record(
        &mut self,
        register: String,
        cart: &Cart,
        priced: PricedCart,
        settlement: Settlement,
        auth: &Authority,
        session: Option<u64>,
    ) -> SaleRecord {
        let at = self.clock.now();
        SaleRecord {
            id: self.ids.sale_id(),
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
            return Err(RegisterError::EmptyCart);
        }
        if cart.has_returns() {
            return Err(RegisterError::Input("training mode sells only".into()));
        }
        let priced = self.price(cart)?;
        let settlement = settle(priced.total, tenders, self.config.cash_rounding, self.config.currency.minor_units())?;
        let register = format!("{}-T", self.config.register);
        let mut sale = self.new_record(register, cart, priced, settlement, auth, None);
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
            return Err(RegisterError::EmptyCart);
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
