//! Promotion definitions and when they are in force. Applying them is part of pricing
//! ([`crate::pricing`]), so every discount lands, explained, on the line it affects.

use jiff::Timestamp;
use rust_decimal::Decimal;

use crate::cart::Discount;
use crate::catalog::Item;
use crate::money::Money;
use crate::quantity::Quantity;

/// The most pieces a promotion rule may count: the per-line quantity limit.
const MAX_PIECES: u32 = Quantity::MAX_PIECES;

/// Which items a promotion looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every item.
    All,
    /// Items with one of these SKUs.
    Skus(Vec<String>),
    /// Items in one of these categories.
    Categories(Vec<String>),
}

impl Target {
    /// True when `item` is in the target.
    pub fn matches(&self, item: &Item) -> bool {
        match self {
            Target::All => true,
            Target::Skus(skus) => skus.iter().any(|s| s == &item.sku),
            Target::Categories(cats) => item.category.as_ref().is_some_and(|c| cats.iter().any(|t| t == c)),
        }
    }
}

/// What a promotion does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromotionRule {
    /// Percent off every targeted unit.
    PercentOff {
        /// Items concerned.
        target: Target,
        /// Percent off, 0 < p ≤ 100.
        percent: Decimal,
    },
    /// A fixed amount off each targeted piece (or each kilogram of a weighed item).
    AmountOff {
        /// Items concerned.
        target: Target,
        /// Amount off per unit.
        amount: Money,
    },
    /// Buy `buy_quantity` of `buy`, get `get_quantity` of `get` at `percent` off
    /// (100 = free). Pieces only. The dearest eligible pieces fill the groups first.
    BuyXGetY {
        /// Items that qualify.
        buy: Target,
        /// How many must be bought per group.
        buy_quantity: u32,
        /// Items rewarded.
        get: Target,
        /// How many are rewarded per group.
        get_quantity: u32,
        /// Percent off the rewarded pieces.
        percent: Decimal,
    },
    /// Any `quantity` pieces of the target for `price` together ("3 for 10").
    MixAndMatch {
        /// The group of items.
        target: Target,
        /// Pieces per set.
        quantity: u32,
        /// Price of a full set.
        price: Money,
    },
    /// When the order (after item promotions) reaches `threshold`, take `reward` off it.
    /// Of several thresholds reached, only the one worth most applies (tiers).
    SpendThreshold {
        /// Minimum spend.
        threshold: Money,
        /// Percent or amount off the order.
        reward: Discount,
    },
}

/// A promotion: a rule, a name shown on the receipt, an optional coupon code and window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// Stable identifier.
    pub id: String,
    /// Shown on the line it discounts ("3 for 10").
    pub name: String,
    /// What it does.
    pub rule: PromotionRule,
    /// When set, the promotion applies only when this code (upper case) is on the cart.
    pub coupon: Option<String>,
    /// First moment it applies.
    pub starts: Option<Timestamp>,
    /// First moment it no longer applies.
    pub ends: Option<Timestamp>,
    /// Lower applies first; ties are broken by id so application is deterministic.
    pub priority: i32,
}

impl Promotion {
    /// True when the promotion is in force at `now` for a cart holding `coupons`.
    pub fn is_active(&self, now: Timestamp, coupons: &[String]) -> bool {
        self.starts.is_none_or(|s| s <= now)
            && self.ends.is_none_or(|e| now < e)
            && self.coupon.as_ref().is_none_or(|c| coupons.iter().any(|have| have == c))
    }

    /// Checks the rule's numbers, naming the promotion in the error.
    pub fn validate(&self) -> Result<(), String> {
        let percent_ok = |p: &Decimal| *p > Decimal::ZERO && *p <= Decimal::ONE_HUNDRED;
        let problem = match &self.rule {
            PromotionRule::PercentOff { percent, .. } if !percent_ok(percent) => {
                Some(format!("percent {percent} is not in (0, 100]"))
            }
            PromotionRule::AmountOff { amount, .. } if amount.is_negative() || amount.is_zero() => {
                Some(format!("amount {amount} must be positive"))
            }
            PromotionRule::BuyXGetY { buy_quantity, get_quantity, percent, .. } => {
                if *buy_quantity == 0 || *get_quantity == 0 {
                    Some("buy and get quantities must be at least 1".to_string())
                } else if *buy_quantity > MAX_PIECES || *get_quantity > MAX_PIECES {
                    Some(format!("buy and get quantities must be at most {MAX_PIECES}"))
                } else if !percent_ok(percent) {
                    Some(format!("percent {percent} is not in (0, 100]"))
                } else {
                    None
                }
            }
            PromotionRule::MixAndMatch { quantity, price, .. } => {
                if *quantity < 2 {
                    Some("a mix-and-match set needs at least 2 pieces".to_string())
                } else if *quantity > MAX_PIECES {
                    Some(format!("a mix-and-match set has at most {MAX_PIECES} pieces"))
                } else if price.is_negative() {
                    Some(format!("set price {price} cannot be negative"))
                } else {
                    None
                }
            }
            PromotionRule::SpendThreshold { threshold, reward } => match reward {
                _ if threshold.is_negative() => Some("threshold cannot be negative".to_string()),
                Discount::Percent(p) if !percent_ok(p) => Some(format!("percent {p} is not in (0, 100]")),
                Discount::Amount(a) if a.is_negative() || a.is_zero() => Some(format!("amount {a} must be positive")),
                _ => None,
            },
            _ => None,
        };
        match problem {
            Some(p) => Err(format!("promotion '{}': {p}", self.id)),
            None => Ok(()),
        }
    }
}
