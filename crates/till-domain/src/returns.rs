//! Return rules and refund arithmetic: the window per category or product, final-sale
//! items, restocking fees, and each return's share of what was paid.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;

use crate::catalog::{Component, Item, PriceSource};
use crate::money::{Currency, Money, MoneyError, RoundingMode};
use crate::pricing::PricedLine;
use crate::quantity::{Quantity, QuantityError};
use crate::tender::RefundMethod;

/// Where refunds for returns without a receipt may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReceiptRefund {
    /// Store credit only (the safe default: cash without proof of purchase invites fraud).
    StoreCreditOnly,
    /// Any refund method.
    Any,
}

/// What happens to returned goods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Back into sellable stock, at its cost.
    Restock,
    /// Into the damaged location, written off at its cost.
    Damaged,
}

impl Disposition {
    /// The spelling in records (`restock`, `damaged`).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Restock => "restock",
            Disposition::Damaged => "damaged",
        }
    }
}

impl std::str::FromStr for Disposition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "restock" => Ok(Disposition::Restock),
            "damaged" => Ok(Disposition::Damaged),
            other => Err(format!("unknown disposition '{other}' (restock or damaged)")),
        }
    }
}

/// A store's return rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRules {
    /// Days after the sale a return is accepted, unless a category or product says else.
    pub window_days: u32,
    /// Return window per category.
    pub category_window_days: BTreeMap<String, u32>,
    /// Categories sold as final (no returns).
    pub final_sale_categories: Vec<String>,
    /// Restocking fee in percent of the refund, per category (none when absent).
    pub restocking_fee_percent: BTreeMap<String, Decimal>,
    /// Reasons that never carry a restocking fee: the shop's fault, not the customer's.
    pub fee_exempt_reasons: Vec<String>,
    /// Reason codes a return must give one of.
    pub reasons: Vec<String>,
    /// Where no-receipt refunds may go.
    pub no_receipt_refund: NoReceiptRefund,
    /// How far back "the lowest recent price" of a no-receipt return looks.
    pub no_receipt_price_days: u32,
    /// Days of its store peers' sales a register keeps copies of, so their receipts are
    /// returned here with the WAN down.
    pub peer_sales_days: u32,
}

impl Default for ReturnRules {
    fn default() -> Self {
        ReturnRules {
            window_days: 30,
            category_window_days: BTreeMap::new(),
            final_sale_categories: Vec::new(),
            restocking_fee_percent: BTreeMap::new(),
            fee_exempt_reasons: vec!["defective".into(), "not_as_described".into()],
            reasons: vec!["changed_mind".into(), "defective".into(), "wrong_size".into(), "not_as_described".into()],
            no_receipt_refund: NoReceiptRefund::StoreCreditOnly,
            no_receipt_price_days: 90,
            peer_sales_days: 90,
        }
    }
}

/// What the catalog says about returning one item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnTerms {
    /// The item's category.
    pub category: Option<String>,
    /// The product is sold as final.
    pub final_sale: bool,
    /// The product's own return window, overriding its category's.
    pub window_days: Option<u32>,
}

/// Why the rules refuse a return (a manager may override, with a note).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnRefusal {
    /// Sold too long ago.
    #[error("sold {days} days ago; the return window is {window} days")]
    OutsideWindow {
        /// Days since the sale.
        days: i64,
        /// The window.
        window: u32,
    },
    /// Final sale.
    #[error("sold as final sale")]
    FinalSale,
}

/// Why a return cannot be taken as asked: not a rule a manager may override, but a
/// request that does not add up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReturnPlanError {
    /// More of a line than is left to return (or none of it is left).
    #[error("line {line} of {receipt}: {left} left to return ({sold} sold, {returned} returned)")]
    NotThatMany {
        /// The receipt the line is on.
        receipt: String,
        /// The line's number.
        line: u32,
        /// What may still come back.
        left: Decimal,
        /// What was sold.
        sold: Quantity,
        /// What came back already (earlier returns and this cart).
        returned: Decimal,
    },
    /// A reason that is not one of the store's.
    #[error("reason '{reason}' is not one of the store's reasons ({})", .reasons.join(", "))]
    UnknownReason {
        /// The reason given.
        reason: String,
        /// The store's reasons.
        reasons: Vec<String>,
    },
    /// Goods without a receipt are refunded as store credit only, by the store's rules.
    #[error("returns without a receipt are refunded as store credit (--refund credit)")]
    NoReceiptCreditOnly,
    /// The quantity does not fit the item's unit.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// Arithmetic overflow.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// How much of a sold line comes back, and what that refunds before any fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineReturn {
    /// The quantity returned.
    pub quantity: Quantity,
    /// Its share of what the line cost.
    pub refund: Money,
}

/// Plans the return of `wanted` units (`None`: all that is left) of `line`, sold on
/// `receipt`, of which `returned` came back already (earlier returns, and lines already
/// on this cart). Never more than is left; the refund is the line's telescoping share
/// ([`refund_share`]), so returns in parts add up to exactly what the line cost.
pub fn plan_line_return(
    receipt: &str,
    line: &PricedLine,
    returned: Decimal,
    wanted: Option<Decimal>,
    mode: RoundingMode,
    minor_units: u32,
) -> Result<LineReturn, ReturnPlanError> {
    let sold = line.quantity;
    let left = sold.value() - returned;
    let quantity = wanted.unwrap_or(left);
    if quantity <= Decimal::ZERO || quantity > left {
        return Err(ReturnPlanError::NotThatMany {
            receipt: receipt.to_string(),
            line: line.id.0,
            left,
            sold,
            returned,
        });
    }
    let quantity = Quantity::new(quantity, line.unit)?;
    let refund = refund_share(line.total, sold.value(), returned, quantity.value(), mode, minor_units)?;
    Ok(LineReturn { quantity, refund })
}

/// The refund for goods returned without proof of what was paid: the lowest price they
/// sold for lately (`lowest_recent`), never above today's `price`, times the quantity,
/// rounded to the currency.
pub fn no_receipt_refund(
    price: Money,
    lowest_recent: Option<Money>,
    quantity: Quantity,
    currency: &Currency,
    mode: RoundingMode,
) -> Result<Money, MoneyError> {
    let unit = lowest_recent.map_or(price, |recent| recent.min(price));
    Ok(currency.round(unit.checked_mul(quantity.value())?, mode))
}

impl PricedLine {
    /// The item a sold line returns as: what was charged per unit, its tax class and cost
    /// as sold, with the bundle's `components` (they go back to stock).
    pub fn returned_item(&self, components: Vec<Component>) -> Item {
        Item {
            sku: self.sku.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            price: self.unit_price(),
            price_source: PriceSource::Base,
            cost: self.cost,
            unit: self.unit,
            tax_class: self.tax_class.clone(),
            components,
        }
    }
}

impl ReturnRules {
    /// Refuses a reason that is not one of the store's.
    pub fn check_reason(&self, reason: &str) -> Result<(), ReturnPlanError> {
        if self.reasons.iter().any(|r| r == reason) {
            return Ok(());
        }
        Err(ReturnPlanError::UnknownReason { reason: reason.to_string(), reasons: self.reasons.clone() })
    }

    /// Refuses a refund method the rules do not allow: goods back without a receipt go to
    /// store credit unless the store allows any method.
    pub fn check_refund_method(&self, without_receipt: bool, method: RefundMethod) -> Result<(), ReturnPlanError> {
        if without_receipt
            && self.no_receipt_refund == NoReceiptRefund::StoreCreditOnly
            && method != RefundMethod::StoreCredit
        {
            return Err(ReturnPlanError::NoReceiptCreditOnly);
        }
        Ok(())
    }

    /// The refund methods the rules allow, in the order a screen offers them: to the
    /// original tenders (only with a receipt), cash, store credit.
    pub fn refund_methods(&self, without_receipt: bool) -> Vec<RefundMethod> {
        [RefundMethod::Original, RefundMethod::Cash, RefundMethod::StoreCredit]
            .into_iter()
            .filter(|m| !(without_receipt && *m == RefundMethod::Original))
            .filter(|m| self.check_refund_method(without_receipt, *m).is_ok())
            .collect()
    }

    /// Since when a register keeps copies of its store peers' sales, at `now`.
    pub fn peer_sales_since(&self, now: Timestamp) -> Timestamp {
        now.checked_sub(SignedDuration::from_hours(24 * i64::from(self.peer_sales_days))).unwrap_or(now)
    }

    /// Since when "the lowest recent price" of a no-receipt return looks, at `now`.
    pub fn no_receipt_price_since(&self, now: Timestamp) -> Timestamp {
        now.checked_sub(SignedDuration::from_hours(24 * i64::from(self.no_receipt_price_days))).unwrap_or(now)
    }

    /// The window that applies to an item.
    pub fn window_for(&self, terms: &ReturnTerms) -> u32 {
        terms
            .window_days
            .or_else(|| terms.category.as_ref().and_then(|c| self.category_window_days.get(c).copied()))
            .unwrap_or(self.window_days)
    }

    /// Checks a return of an item sold at `sold_at`, at `now`.
    pub fn check(&self, terms: &ReturnTerms, sold_at: Timestamp, now: Timestamp) -> Result<(), ReturnRefusal> {
        let final_category = terms.category.as_ref().is_some_and(|c| self.final_sale_categories.contains(c));
        if terms.final_sale || final_category {
            return Err(ReturnRefusal::FinalSale);
        }
        let window = self.window_for(terms);
        let elapsed = now.duration_since(sold_at);
        if elapsed > SignedDuration::from_hours(24 * i64::from(window)) {
            return Err(ReturnRefusal::OutsideWindow { days: elapsed.as_hours() / 24, window });
        }
        Ok(())
    }

    /// The restocking fee percent for a category and reason (zero when none, or when the
    /// reason is exempt).
    pub fn fee_percent(&self, category: Option<&str>, reason: &str) -> Decimal {
        if self.fee_exempt_reasons.iter().any(|r| r == reason) {
            return Decimal::ZERO;
        }
        category.and_then(|c| self.restocking_fee_percent.get(c).copied()).unwrap_or(Decimal::ZERO)
    }
}

/// The refund for returning `quantity` of a line that came to `line_total` for `sold`
/// units, of which `returned_before` were already returned. Shares telescope, so however
/// a line is returned in parts, the parts add up to exactly what was paid.
pub fn refund_share(
    line_total: Money,
    sold: Decimal,
    returned_before: Decimal,
    quantity: Decimal,
    mode: RoundingMode,
    minor_units: u32,
) -> Result<Money, MoneyError> {
    let overflow = MoneyError::Overflow("refund share");
    let share = |units: Decimal| -> Result<Decimal, MoneyError> {
        let value = line_total
            .amount()
            .checked_mul(units)
            .ok_or(overflow.clone())?
            .checked_div(sold)
            .ok_or(overflow.clone())?;
        Ok(mode.round(value, minor_units))
    };
    let after = returned_before.checked_add(quantity).ok_or(overflow.clone())?;
    Ok(Money::new(share(after)?.checked_sub(share(returned_before)?).ok_or(overflow)?))
}

/// A restocking fee of `percent` on `refund`.
pub fn restocking_fee(
    refund: Money,
    percent: Decimal,
    mode: RoundingMode,
    minor_units: u32,
) -> Result<Money, MoneyError> {
    let fee = refund.checked_mul(percent / Decimal::ONE_HUNDRED)?;
    Ok(Money::new(mode.round(fee.amount(), minor_units)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn refund_methods_offered_follow_the_receipt_and_the_no_receipt_rule() {
        use RefundMethod::{Cash, Original, StoreCredit};
        let mut rules = ReturnRules::default();
        assert_eq!(rules.refund_methods(false), [Original, Cash, StoreCredit]);
        assert_eq!(rules.refund_methods(true), [StoreCredit]);
        rules.no_receipt_refund = NoReceiptRefund::Any;
        assert_eq!(rules.refund_methods(true), [Cash, StoreCredit], "no original tender without a receipt");
    }

    #[test]
    fn partial_refunds_add_up_to_what_was_paid() {
        let total = Money::new(dec!(10.00));
        let r = |before, q| refund_share(total, dec!(3), before, q, RoundingMode::HalfUp, 2).unwrap().amount();
        let parts = [r(dec!(0), dec!(1)), r(dec!(1), dec!(1)), r(dec!(2), dec!(1))];
        assert_eq!(parts, [dec!(3.33), dec!(3.34), dec!(3.33)]);
        assert_eq!(parts.iter().sum::<Decimal>(), dec!(10.00));
        assert_eq!(r(dec!(0), dec!(3)), dec!(10.00));
    }

    #[test]
    fn windows_final_sale_and_fees() {
        let mut rules = ReturnRules::default();
        rules.category_window_days.insert("Electronics".into(), 14);
        rules.final_sale_categories.push("Clearance".into());
        rules.restocking_fee_percent.insert("Electronics".into(), dec!(15));
        let sold = ts("2026-11-01T10:00:00Z");
        let tee = ReturnTerms { category: Some("Tees".into()), ..Default::default() };
        assert!(rules.check(&tee, sold, ts("2026-11-30T10:00:00Z")).is_ok());
        assert_eq!(
            rules.check(&tee, sold, ts("2026-12-02T10:00:00Z")),
            Err(ReturnRefusal::OutsideWindow { days: 31, window: 30 })
        );
        let phone = ReturnTerms { category: Some("Electronics".into()), ..Default::default() };
        assert!(rules.check(&phone, sold, ts("2026-11-20T10:00:00Z")).is_err());
        let own = ReturnTerms { window_days: Some(60), ..phone.clone() };
        assert!(rules.check(&own, sold, ts("2026-11-20T10:00:00Z")).is_ok(), "a product's own window wins");
        let clearance = ReturnTerms { category: Some("Clearance".into()), ..Default::default() };
        assert_eq!(rules.check(&clearance, sold, sold), Err(ReturnRefusal::FinalSale));
        assert_eq!(rules.fee_percent(Some("Electronics"), "changed_mind"), dec!(15));
        assert_eq!(rules.fee_percent(Some("Electronics"), "defective"), dec!(0), "the shop's fault: no fee");
        let fee = restocking_fee(Money::new(dec!(19.99)), dec!(15), RoundingMode::HalfUp, 2).unwrap();
        assert_eq!(fee.amount(), dec!(3.00));
    }
}
