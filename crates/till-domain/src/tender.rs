//! Tenders and settlement: cash with change and cash rounding, card through an external
//! terminal (reference, brand and last four digits only), custom tenders, mixed.

use rust_decimal::Decimal;

use crate::card_screen::looks_like_card_number;
use crate::money::{Money, MoneyError, RoundingMode, round_to_increment, truncate_to_increment};
use crate::sale::DocumentKind;

/// Card details the register may keep. The card number itself never reaches Till.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDetails {
    /// Scheme, e.g. `VISA`.
    pub brand: String,
    /// The last four digits printed on the receipt; empty when the terminal is not
    /// integrated and the cashier only keyed the amount.
    pub last4: String,
    /// The terminal's transaction reference.
    pub reference: String,
}

impl CardDetails {
    /// Validates what a terminal returned: `last4` empty or exactly four digits, and
    /// nothing that looks like a card number anywhere.
    pub fn new(brand: &str, last4: &str, reference: &str) -> Result<CardDetails, TenderError> {
        if !last4.is_empty() && (last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit())) {
            return Err(TenderError::Card(format!("last4 must be exactly 4 digits, got '{last4}'")));
        }
        for (field, value) in [("brand", brand), ("reference", reference)] {
            if looks_like_card_number(value) {
                return Err(TenderError::Card(format!(
                    "the card {field} looks like a card number; only brand, last 4 digits and the terminal reference may be kept"
                )));
            }
        }
        Ok(CardDetails {
            brand: brand.trim().to_uppercase(),
            last4: last4.to_string(),
            reference: reference.trim().to_string(),
        })
    }
}

/// A kind of tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenderKind {
    /// Notes and coins: may exceed what is due (change is given) and is cash-rounded.
    Cash,
    /// A card paid on an external terminal.
    Card(CardDetails),
    /// A store-defined tender (voucher, cheque, …) that gives no change.
    Custom(String),
    /// Store credit under a code (issued by refunds, spent like money).
    StoreCredit(String),
}

impl TenderKind {
    /// A short code for reports: `cash`, `card`, or the custom tender's name.
    pub fn code(&self) -> &str {
        match self {
            TenderKind::Cash => "cash",
            TenderKind::Card(_) => "card",
            TenderKind::Custom(name) => name,
            TenderKind::StoreCredit(_) => "store_credit",
        }
    }
}

/// What the customer handed over for one tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tender {
    /// The kind.
    pub kind: TenderKind,
    /// The amount tendered.
    pub amount: Money,
}

/// One tender as settled: what it paid toward the sale and what was handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The kind.
    pub kind: TenderKind,
    /// What this tender pays toward the sale (after cash rounding, before change).
    pub amount: Money,
    /// What was handed over; exceeds `amount` only for cash that got change.
    pub tendered: Money,
}

/// Cash rounding: cash settles to a multiple of `increment` (e.g. 0.05), with `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CashRounding {
    /// The smallest cash amount in circulation, e.g. 0.05.
    pub increment: Decimal,
    /// How a remainder is rounded.
    pub mode: RoundingMode,
}

/// A fully paid sale's money: total, cash rounding, payments and change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// The sale total before cash rounding.
    pub total: Money,
    /// The cash-rounding adjustment (e.g. −0.02), recorded so every report reconciles.
    pub cash_rounding: Money,
    /// Payments in the order tendered.
    pub payments: Vec<Payment>,
    /// Cash handed back.
    pub change: Money,
}

impl Settlement {
    /// What was actually collected: total plus cash rounding.
    pub fn collected(&self) -> Result<Money, MoneyError> {
        self.total.checked_add(self.cash_rounding)
    }
}

/// Why tenders do not settle a sale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenderError {
    /// A tender of zero or less.
    #[error("tender amounts must be greater than zero ({kind} {amount})")]
    NotPositive {
        /// The tender kind.
        kind: String,
        /// The amount given.
        amount: Money,
    },
    /// Not enough was tendered; the sale cannot complete.
    #[error("underpaid: {due} due, {paid} tendered ({short} short)")]
    Underpaid {
        /// Due (after cash rounding when paying cash).
        due: Money,
        /// Tendered.
        paid: Money,
        /// Missing.
        short: Money,
    },
    /// A tender that gives no change exceeds what is due.
    #[error("{kind} tenders total {amount} but only {due} is due; only cash gives change")]
    NonCashOverpays {
        /// The tender kind.
        kind: String,
        /// The sum of non-cash tenders.
        amount: Money,
        /// What was due.
        due: Money,
    },
    /// A refund larger than the tenders it may go to can take.
    #[error("the refund of {refund} cannot be paid out: {short} more than the allowed tenders can take")]
    RefundNotCovered {
        /// The whole refund.
        refund: Money,
        /// What is left over.
        short: Money,
    },
    /// Card details that must not be kept, or are malformed.
    #[error("card details refused: {0}")]
    Card(String),
    /// A refund to the original tenders of goods that came back without their receipt.
    #[error("a refund to the original tender needs the receipt")]
    OriginalNeedsReceipt,
    /// Tenders were given for an exchange that comes to nothing due.
    #[error("tenders given, but nothing is due: {}", owed_text(*.owed))]
    NothingDue {
        /// What goes back to the customer (zero for an even exchange).
        owed: Money,
    },
    /// A refund was asked for a document the customer pays for.
    #[error("{due} is due from the customer; take tenders, not a refund")]
    DueNotOwed {
        /// What is due.
        due: Money,
    },
    /// Tenders were given for a document that owes the customer money.
    #[error("{owed} is owed to the customer; say where the refund goes (original, cash or credit)")]
    OwedNotDue {
        /// What is owed.
        owed: Money,
    },
    /// Arithmetic overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

fn owed_text(owed: Money) -> String {
    if owed.is_zero() { "nothing is owed either way".to_string() } else { format!("{owed} goes back") }
}

/// Settles `total` with `tenders`.
///
/// Non-cash tenders pay exact amounts and may not exceed what is due. Whatever is left is
/// paid in cash; with `cash_rounding` set, that remainder is rounded to the increment and
/// the difference recorded as `cash_rounding`. Cash above the rounded remainder is change.
/// A sale settles only when fully paid.
pub fn settle(
    total: Money,
    tenders: &[Tender],
    cash_rounding: Option<CashRounding>,
    minor_units: u32,
) -> Result<Settlement, TenderError> {
    for t in tenders {
        if t.amount.is_negative() || t.amount.is_zero() {
            return Err(TenderError::NotPositive { kind: t.kind.code().to_string(), amount: t.amount });
        }
    }
    let is_cash = |t: &&Tender| t.kind == TenderKind::Cash;
    let non_cash = Money::sum(tenders.iter().filter(|t| !is_cash(t)).map(|t| t.amount))?;
    let cash = Money::sum(tenders.iter().filter(is_cash).map(|t| t.amount))?;
    let has_cash = tenders.iter().any(|t| is_cash(&t));

    if non_cash > total {
        let kind = tenders.iter().find(|t| !is_cash(t)).map_or("non-cash", |t| t.kind.code());
        return Err(TenderError::NonCashOverpays { kind: kind.to_string(), amount: non_cash, due: total });
    }
    let remaining = total.checked_sub(non_cash)?;
    let (cash_due, rounding) = match (has_cash, cash_rounding) {
        (true, Some(r)) => {
            let due = round_to_increment(remaining, r.increment, r.mode, minor_units)?;
            (due, due.checked_sub(remaining)?)
        }
        _ => (remaining, Money::ZERO),
    };
    if cash < cash_due {
        let paid = non_cash.checked_add(cash)?;
        let due = non_cash.checked_add(cash_due)?;
        return Err(TenderError::Underpaid { due, paid, short: due.checked_sub(paid)? });
    }
    let mut payments = Vec::with_capacity(tenders.len());
    let mut cash_left = cash_due;
    for t in tenders {
        let amount = if is_cash(&t) {
            let applied = t.amount.min(cash_left);
            cash_left = cash_left.checked_sub(applied)?;
            applied
        } else {
            t.amount
        };
        payments.push(Payment { kind: t.kind.clone(), amount, tendered: t.amount });
    }
    let scaled = |m: Money| {
        let mut d = m.amount();
        d.rescale(minor_units.max(d.scale()));
        Money::new(d)
    };
    Ok(Settlement { total, cash_rounding: scaled(rounding), payments, change: scaled(cash.checked_sub(cash_due)?) })
}

/// How far tenders go toward a total, as [`settle`] will settle it: what a payment screen
/// shows while tenders are added, so it never says what the register will not do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderPreview {
    /// What the tenders must cover: the total, cash-rounded when cash is among them.
    pub due: Money,
    /// Tendered so far.
    pub tendered: Money,
    /// Still to pay (zero once covered).
    pub remaining: Money,
    /// What the rest comes to in cash: rounded to the cash increment (zero once covered).
    pub remaining_in_cash: Money,
    /// The change cash gives back (zero until covered).
    pub change: Money,
}

/// Previews settling `total` with `tenders` ([`settle`]'s rules): covered, with its change;
/// or what is still due, exactly and in cash. Refusals other than underpaying (a card
/// paying more than is due, a tender of zero) are [`settle`]'s.
pub fn preview_tenders(
    total: Money,
    tenders: &[Tender],
    cash_rounding: Option<CashRounding>,
    minor_units: u32,
) -> Result<TenderPreview, TenderError> {
    let tendered = Money::sum(tenders.iter().map(|t| t.amount))?;
    match settle(total, tenders, cash_rounding, minor_units) {
        Ok(s) => Ok(TenderPreview {
            due: s.collected()?,
            tendered,
            remaining: Money::ZERO,
            remaining_in_cash: Money::ZERO,
            change: s.change,
        }),
        Err(TenderError::Underpaid { due, short, .. }) => {
            // What cash would have to bring: the rest after the other tenders, rounded as
            // cash is, less the cash already given.
            let non_cash = Money::sum(tenders.iter().filter(|t| t.kind != TenderKind::Cash).map(|t| t.amount))?;
            let cash = tendered.checked_sub(non_cash)?;
            let rest = total.checked_sub(non_cash)?;
            let rest = match cash_rounding {
                Some(r) => round_to_increment(rest, r.increment, r.mode, minor_units)?,
                None => rest,
            };
            let remaining_in_cash = rest.checked_sub(cash)?.max(Money::ZERO);
            Ok(TenderPreview { due, tendered, remaining: short, remaining_in_cash, change: Money::ZERO })
        }
        Err(e) => Err(e),
    }
}

/// Where (part of) a refund may go, and how much it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundTarget {
    /// The tender refunded to.
    pub kind: TenderKind,
    /// The most it may take (what was paid with it, less what it already got back);
    /// `None` for no limit.
    pub limit: Option<Money>,
}

/// Settles a refund (`total` below zero): pays it out to `targets` in order, each up to
/// its limit. A cash refund that takes the rest is cash-rounded (and checked against its
/// limit once rounded), the difference recorded like a sale's. Payments are negative. A
/// refund the targets cannot take fails.
///
/// `ceiling` is what the original sale has left to give back (what it collected, less
/// earlier refunds): the refund never exceeds it, so neither the sale's cash rounding
/// nor the rounding of several partial cash refunds can pay out more than was taken.
/// What the ceiling holds back (cents) is recorded as cash rounding.
pub fn settle_refund(
    total: Money,
    targets: &[RefundTarget],
    cash_rounding: Option<CashRounding>,
    minor_units: u32,
    ceiling: Option<Money>,
) -> Result<Settlement, TenderError> {
    let mut owed = total.negated();
    let mut payments = Vec::new();
    let mut rounding = Money::ZERO;
    if let Some(ceiling) = ceiling
        && owed > ceiling
    {
        rounding = owed.checked_sub(ceiling.max(Money::ZERO))?;
        owed = ceiling.max(Money::ZERO);
    }
    let mut room = ceiling;
    for target in targets {
        if owed.is_zero() || owed.is_negative() {
            break;
        }
        // Cash that can take the rest pays it rounded, as cash was taken; the limit is
        // compared with the rounded amount, since the cash paid in was rounded too.
        let rounded = match cash_rounding {
            Some(r) if target.kind == TenderKind::Cash => {
                Some(round_to_increment(owed, r.increment, r.mode, minor_units)?)
            }
            _ => None,
        };
        // Rounding up must not break the ceiling: then cash rounds toward zero.
        let rounded = match (rounded, room, cash_rounding) {
            (Some(up), Some(room), Some(r)) if up > room => {
                Some(truncate_to_increment(owed, r.increment, minor_units)?)
            }
            _ => rounded,
        };
        let amount = match rounded {
            Some(rounded) if target.limit.is_none_or(|limit| rounded <= limit) => {
                // Paying out more than owed by rounding up (or less, down) is the adjustment.
                rounding = rounding.checked_add(owed.checked_sub(rounded)?)?;
                owed = Money::ZERO;
                rounded
            }
            _ => {
                let amount = target.limit.map_or(owed, |limit| owed.min(limit));
                owed = owed.checked_sub(amount)?;
                amount
            }
        };
        room = room.map(|r| r.checked_sub(amount)).transpose()?;
        if !amount.is_zero() {
            payments.push(Payment { kind: target.kind.clone(), amount: amount.negated(), tendered: amount.negated() });
        }
    }
    if owed > Money::ZERO {
        return Err(TenderError::RefundNotCovered { refund: total.negated(), short: owed });
    }
    let mut zero = Decimal::ZERO;
    zero.rescale(minor_units);
    let mut rounded = rounding.amount();
    rounded.rescale(minor_units.max(rounded.scale()));
    Ok(Settlement { total, cash_rounding: Money::new(rounded), payments, change: Money::new(zero) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const NICKEL: Option<CashRounding> = Some(CashRounding { increment: dec!(0.05), mode: RoundingMode::HalfUp });

    fn cash(a: Decimal) -> Tender {
        Tender { kind: TenderKind::Cash, amount: Money::new(a) }
    }
    fn card(a: Decimal) -> Tender {
        let details = CardDetails::new("visa", "4242", "T-1").unwrap();
        Tender { kind: TenderKind::Card(details), amount: Money::new(a) }
    }

    #[test]
    fn cash_sale_is_rounded_and_recorded() {
        let s = settle(Money::new(dec!(4.97)), &[cash(dec!(5))], NICKEL, 2).unwrap();
        assert_eq!(s.total.amount(), dec!(4.97));
        assert_eq!(s.cash_rounding.amount(), dec!(-0.02));
        assert_eq!(s.payments[0].amount.amount(), dec!(4.95));
        assert_eq!(s.change.amount(), dec!(0.05));
    }

    #[test]
    fn card_only_is_never_rounded() {
        let s = settle(Money::new(dec!(4.97)), &[card(dec!(4.97))], NICKEL, 2).unwrap();
        assert!(s.cash_rounding.is_zero());
        assert!(s.change.is_zero());
    }

    #[test]
    fn mixed_tender_rounds_only_the_cash_part() {
        // 10.03 due: 5.00 on card, 5.03 left in cash → 5.05 at 0.05 rounding.
        let s = settle(Money::new(dec!(10.03)), &[card(dec!(5.00)), cash(dec!(10))], NICKEL, 2).unwrap();
        assert_eq!(s.cash_rounding.amount(), dec!(0.02));
        assert_eq!(s.payments[0].amount.amount(), dec!(5.00));
        assert_eq!(s.payments[1].amount.amount(), dec!(5.05));
        assert_eq!(s.change.amount(), dec!(4.95));
        assert_eq!(s.collected().unwrap().amount(), dec!(10.05));
    }

    #[test]
    fn underpaid_sales_do_not_settle() {
        let err = settle(Money::new(dec!(12.34)), &[cash(dec!(10))], None, 2).unwrap_err();
        assert_eq!(err.to_string(), "underpaid: 12.34 due, 10 tendered (2.34 short)");
        assert!(settle(Money::new(dec!(1)), &[], None, 2).is_err());
    }

    #[test]
    fn card_cannot_overpay() {
        let err = settle(Money::new(dec!(3)), &[card(dec!(5))], None, 2).unwrap_err();
        assert!(matches!(err, TenderError::NonCashOverpays { .. }), "{err}");
    }

    #[test]
    fn refunds_go_to_their_targets_in_order_up_to_each_limit() {
        let card = TenderKind::Card(CardDetails::new("VISA", "4242", "T-1").unwrap());
        let targets = [
            RefundTarget { kind: card.clone(), limit: Some(Money::new(dec!(6.00))) },
            RefundTarget { kind: TenderKind::Cash, limit: None },
        ];
        let s = settle_refund(Money::new(dec!(-10.03)), &targets, NICKEL, 2, None).unwrap();
        assert_eq!(
            s.payments[0],
            Payment { kind: card, amount: Money::new(dec!(-6.00)), tendered: Money::new(dec!(-6.00)) }
        );
        assert_eq!(s.payments[1].amount.amount(), dec!(-4.05), "4.03 in cash, rounded to 4.05");
        assert_eq!(s.cash_rounding.amount(), dec!(-0.02));
        assert_eq!(s.collected().unwrap().amount(), dec!(-10.05));
        let only_card = [RefundTarget { kind: TenderKind::Cash, limit: Some(Money::new(dec!(2))) }];
        let err = settle_refund(Money::new(dec!(-5)), &only_card, None, 2, None).unwrap_err();
        assert_eq!(err.to_string(), "the refund of 5 cannot be paid out: 3 more than the allowed tenders can take");
    }

    #[test]
    fn a_capped_cash_refund_is_rounded_before_it_is_capped() {
        // 2.99 paid as 2.27 card, 0.40 voucher and 0.32 due in cash, collected as 0.30:
        // refunding it all gives the cash back rounded, as it was taken.
        let card = TenderKind::Card(CardDetails::new("visa", "4242", "T-1").unwrap());
        let targets = [
            RefundTarget { kind: card, limit: Some(Money::new(dec!(2.27))) },
            RefundTarget { kind: TenderKind::Custom("voucher".into()), limit: Some(Money::new(dec!(0.40))) },
            RefundTarget { kind: TenderKind::Cash, limit: Some(Money::new(dec!(0.30))) },
        ];
        let s = settle_refund(Money::new(dec!(-2.99)), &targets, NICKEL, 2, None).unwrap();
        assert_eq!(s.payments[2].amount.amount(), dec!(-0.30));
        assert_eq!(s.cash_rounding.amount(), dec!(0.02));
        assert_eq!(s.collected().unwrap().amount(), dec!(-2.97));
    }

    #[test]
    fn a_refund_never_pays_out_more_than_the_sale_has_left() {
        let cash = [RefundTarget { kind: TenderKind::Cash, limit: None }];
        // 10.02 rang up, 10.00 taken in cash: all of it back is 10.00.
        let s = settle_refund(Money::new(dec!(-10.02)), &cash, NICKEL, 2, Some(Money::new(dec!(10.00)))).unwrap();
        assert_eq!(s.payments[0].amount.amount(), dec!(-10.00));
        assert_eq!(s.collected().unwrap().amount(), dec!(-10.00));
        // 3.33 owed with 3.34 left: rounding up to 3.35 would break the ceiling.
        let s = settle_refund(Money::new(dec!(-3.33)), &cash, NICKEL, 2, Some(Money::new(dec!(3.34)))).unwrap();
        assert_eq!(s.payments[0].amount.amount(), dec!(-3.30));
        assert_eq!(s.cash_rounding.amount(), dec!(0.03));
        // Nothing left: nothing paid out, the whole amount recorded as held back.
        let s = settle_refund(Money::new(dec!(-0.02)), &cash, NICKEL, 2, Some(Money::ZERO)).unwrap();
        assert!(s.payments.is_empty());
    }

    #[test]
    fn card_numbers_are_refused() {
        assert!(CardDetails::new("VISA", "4242", "4111 1111 1111 1111").is_err());
        assert!(CardDetails::new("VISA", "4242", "4111.1111.1111.1111").is_err());
        assert!(CardDetails::new("VISA", "4242", "4111/1111/1111/1111").is_err());
        assert!(CardDetails::new("VISA", "4242", "5555-5555-5555-4444").is_err());
        assert!(CardDetails::new("VISA", "4242", "T-2026-11-27-000982").is_ok(), "a dated reference is not a card");
        assert!(CardDetails::new("VISA", "4242", "1234 5678 9012 3456").is_ok(), "fails the Luhn check");
        assert!(CardDetails::new("VISA", "42424", "ok").is_err());
        assert!(CardDetails::new("4111111111111111", "1111", "ok").is_err());
        assert!(CardDetails::new("VISA", "1111", "AUTH-123456").is_ok());
        assert!(CardDetails::new("", "", "").is_ok(), "a non-integrated terminal gives no details");
    }
}

/// Where a refund goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundMethod {
    /// Back to the tenders the sale was paid with, each at most what it paid (less what
    /// it already got back), cards first, cash last.
    Original,
    /// In cash.
    Cash,
    /// As store credit under a new code.
    StoreCredit,
}

impl RefundMethod {
    /// The spelling a cashier or script uses (`original`, `cash`, `credit`).
    pub fn as_str(self) -> &'static str {
        match self {
            RefundMethod::Original => "original",
            RefundMethod::Cash => "cash",
            RefundMethod::StoreCredit => "credit",
        }
    }
}

impl std::str::FromStr for RefundMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "original" => Ok(RefundMethod::Original),
            "cash" => Ok(RefundMethod::Cash),
            "credit" | "store_credit" => Ok(RefundMethod::StoreCredit),
            other => Err(format!("unknown refund method '{other}' (original, cash or credit)")),
        }
    }
}

/// The sale a return refunds against: what kind of document it was, how it was settled,
/// and what returns of it already paid out (negative payments, from any register).
#[derive(Debug, Clone, Copy)]
pub struct RefundSource<'a> {
    /// A plain sale, or an exchange.
    pub kind: DocumentKind,
    /// How it was paid.
    pub settlement: &'a Settlement,
    /// Refunds already paid out for its returns.
    pub refunded: &'a [Payment],
}

impl RefundSource<'_> {
    /// The most the sale has left to give back: what it collected less what its returns
    /// paid out. Only a plain sale sets one: an exchange's new goods were paid partly by
    /// what came back, so there the line shares alone bound the refund.
    pub fn ceiling(&self) -> Result<Option<Money>, MoneyError> {
        if self.kind != DocumentKind::Sale {
            return Ok(None);
        }
        let back = Money::sum(self.refunded.iter().map(|r| r.amount.negated()))?;
        Ok(Some(self.settlement.collected()?.checked_sub(back)?))
    }
}

/// Where a refund may go, in order, with what each may take. To the original tenders:
/// cards and other tenders first, cash last (cash is what the drawer can give), each
/// capped at what it paid less what it got back already; cash or a new store credit
/// (its code drawn by `new_credit_code`, only then) take any amount.
pub fn refund_targets(
    method: RefundMethod,
    source: Option<&RefundSource<'_>>,
    new_credit_code: impl FnOnce() -> String,
) -> Result<Vec<RefundTarget>, TenderError> {
    match method {
        RefundMethod::Cash => Ok(vec![RefundTarget { kind: TenderKind::Cash, limit: None }]),
        RefundMethod::StoreCredit => {
            Ok(vec![RefundTarget { kind: TenderKind::StoreCredit(new_credit_code()), limit: None }])
        }
        RefundMethod::Original => {
            let source = source.ok_or(TenderError::OriginalNeedsReceipt)?;
            let mut payments: Vec<&Payment> =
                source.settlement.payments.iter().filter(|p| !p.amount.is_negative()).collect();
            payments.sort_by_key(|p| p.kind == TenderKind::Cash);
            let mut targets: Vec<RefundTarget> = Vec::new();
            for p in payments {
                let back = Money::sum(source.refunded.iter().filter(|r| r.kind == p.kind).map(|r| r.amount.negated()))?;
                let already = Money::sum(targets.iter().filter(|t| t.kind == p.kind).filter_map(|t| t.limit))?;
                let limit = p.amount.checked_sub(back)?.checked_sub(already)?;
                if limit > Money::ZERO {
                    targets.push(RefundTarget { kind: p.kind.clone(), limit: Some(limit) });
                }
            }
            Ok(targets)
        }
    }
}

/// How a document that may both take goods back and sell new ones is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeSettlement {
    /// The customer pays the difference with tenders.
    Pay,
    /// The customer is owed the difference: a refund.
    Refund,
    /// Even: nothing to pay, nothing to refund.
    Even,
}

/// Which way an exchange coming to `total` is settled; tenders given (`tenders_given`)
/// when nothing is due are refused rather than ignored.
pub fn exchange_settlement(total: Money, tenders_given: bool) -> Result<ExchangeSettlement, TenderError> {
    if tenders_given && total <= Money::ZERO {
        return Err(TenderError::NothingDue { owed: total.negated() });
    }
    Ok(if total.is_negative() {
        ExchangeSettlement::Refund
    } else if total.is_zero() {
        ExchangeSettlement::Even
    } else {
        ExchangeSettlement::Pay
    })
}
