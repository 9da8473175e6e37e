//! Prices a cart: line amounts, promotions, manual discounts, order discounts and tax.
//!
//! The order is fixed and documented so results are reproducible:
//! 1. each line's gross = unit price × quantity, rounded to the minor unit;
//! 2. item promotions by (priority, id); a piece already used by one promotion is not
//!    used by another (no stacking);
//! 3. manual line discounts, on what is left of the line;
//! 4. the best spend-threshold promotion reached, then the manual order discount, each
//!    spread over the lines in proportion to what is left of them (largest remainder, so
//!    the cents add up), so that tax is computed on what the customer really pays;
//! 5. tax per the store's policy.
//!
//! Every discount is capped at what is left of its line, so no line goes negative, and
//! ties are broken by line content rather than by line number, so the order in which items
//! were scanned never changes a total.

use std::cmp::Ordering;

use jiff::Timestamp;
use rust_decimal::Decimal;

use crate::cart::{Cart, CartLine, Discount, LineId, PriceOverride, ReturnLine};
use crate::catalog::{Component, PriceSource};
use crate::money::{Money, MoneyError};
use crate::promotion::{Promotion, PromotionRule};
use crate::quantity::{Quantity, Unit};
use crate::returns::restocking_fee;
use crate::tax::{PriceBasis, TaxAmount, TaxClass, TaxPolicy};

/// What priced a cart: the tax policy, the promotions on file and the moment of sale.
#[derive(Debug, Clone, Copy)]
pub struct PricingContext<'a> {
    /// The store's tax policy (also gives the rounding mode and minor units).
    pub policy: TaxPolicy,
    /// Every promotion on file; inactive ones are skipped.
    pub promotions: &'a [Promotion],
    /// The moment used for promotion windows.
    pub now: Timestamp,
}

/// Where a line adjustment came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdjustmentKind {
    /// A promotion (its id).
    Promotion(String),
    /// The cashier's discount on this line.
    LineDiscount,
    /// This line's share of the cashier's order discount.
    OrderDiscount,
    /// A restocking fee kept back from a return's refund (a negative adjustment).
    RestockingFee,
}

/// `promotion:ID`, `line_discount` or `order_discount`: how an adjustment's source is
/// written in records and exports.
impl std::fmt::Display for AdjustmentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdjustmentKind::Promotion(id) => write!(f, "promotion:{id}"),
            AdjustmentKind::LineDiscount => f.write_str("line_discount"),
            AdjustmentKind::OrderDiscount => f.write_str("order_discount"),
            AdjustmentKind::RestockingFee => f.write_str("restocking_fee"),
        }
    }
}

/// One discount on one line, with the text that explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// Its source.
    pub kind: AdjustmentKind,
    /// Explanation shown on the receipt.
    pub label: String,
    /// The amount taken off (positive).
    pub amount: Money,
}

/// A cart line with its amounts worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    /// The cart line's number.
    pub id: LineId,
    /// SKU sold.
    pub sku: String,
    /// Name as shown.
    pub name: String,
    /// Category at the time of sale.
    pub category: Option<String>,
    /// Pieces or kilograms.
    pub quantity: Quantity,
    /// Piece or weight.
    pub unit: Unit,
    /// The catalog price per unit at the time of sale.
    pub list_price: Money,
    /// Where the catalog price came from.
    pub price_source: PriceSource,
    /// A cashier's price override, if any (it replaced `list_price`).
    pub price_override: Option<PriceOverride>,
    /// Unit price × quantity, rounded.
    pub gross: Money,
    /// Discounts on this line, in the order they were applied.
    pub adjustments: Vec<Adjustment>,
    /// What the line comes to: `gross − Σ adjustments`, never negative, in the store's
    /// price basis (with tax for inclusive stores, without for exclusive ones).
    pub total: Money,
    /// Tax class and rate.
    pub tax_class: TaxClass,
    /// Unit cost, for stock valuation.
    pub cost: Option<Money>,
    /// Components consumed from stock.
    pub components: Vec<Component>,
    /// For a line taking goods back: what it refunds and why (its amounts are negative).
    pub returning: Option<ReturnLine>,
}

impl PricedLine {
    /// The unit price charged before discounts (override or list price).
    pub fn unit_price(&self) -> Money {
        self.price_override.as_ref().map_or(self.list_price, |o| o.price)
    }
}

/// A priced cart: lines, tax breakdown and totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCart {
    /// Sold lines (voided lines are left out).
    pub lines: Vec<PricedLine>,
    /// Inclusive or exclusive prices.
    pub basis: PriceBasis,
    /// Σ line gross, before discounts.
    pub subtotal: Money,
    /// Σ every adjustment.
    pub discount_total: Money,
    /// Per rate; `tax` sums to `tax_total`.
    pub taxes: Vec<TaxAmount>,
    /// Σ tax.
    pub tax_total: Money,
    /// What the customer owes, before any cash rounding.
    pub total: Money,
}

/// Pricing failed (only on arithmetic overflow).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// An amount overflowed.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Per-line working state while pricing.
struct Work<'c> {
    line: &'c CartLine,
    /// Order of the line by content, used to break ties independently of scan order.
    rank: usize,
    unit_price: Money,
    gross: Money,
    left: Money,
    /// Pieces already used by an item promotion (weighed lines: 0 or 1 for "all").
    used: u32,
    adjustments: Vec<Adjustment>,
}

impl Work<'_> {
    /// What is left of a line that sells; zero for a return line.
    fn selling_left(&self) -> Money {
        if self.line.returning.is_some() { Money::ZERO } else { self.left }
    }

    /// Pieces (or 1 for a weighed line) not yet used by an item promotion.
    fn free_units(&self) -> u32 {
        if self.line.returning.is_some() {
            return 0;
        }
        match self.line.item.unit {
            Unit::Each => self.line.quantity.whole().unwrap_or(0).saturating_sub(self.used),
            Unit::Kilogram => 1 - self.used.min(1),
        }
    }

    /// Takes `amount` (capped at what is left) off this line.
    fn take(&mut self, kind: AdjustmentKind, label: &str, amount: Money) -> Result<(), MoneyError> {
        let amount = amount.min(self.left);
        if amount.is_zero() || amount.is_negative() {
            return Ok(());
        }
        self.left = self.left.checked_sub(amount)?;
        match self.adjustments.iter_mut().find(|a| a.kind == kind && a.label == label) {
            Some(existing) => existing.amount = existing.amount.checked_add(amount)?,
            None => self.adjustments.push(Adjustment { kind, label: label.to_string(), amount }),
        }
        Ok(())
    }
}

/// Prices `cart` in `ctx`. Pure: same cart, same context, same result.
pub fn price_cart(cart: &Cart, ctx: &PricingContext<'_>) -> Result<PricedCart, PricingError> {
    let policy = ctx.policy;
    let round = |m: Money| Money::new(policy.mode.round(m.amount(), policy.minor_units));

    let mut work = Vec::new();
    for line in cart.active_lines() {
        let unit_price = line.unit_price();
        let mut w =
            Work { line, rank: 0, unit_price, gross: Money::ZERO, left: Money::ZERO, used: 0, adjustments: Vec::new() };
        match &line.returning {
            None => {
                w.gross = round(unit_price.checked_mul(line.quantity.value())?);
                w.left = w.gross;
            }
            Some(r) => {
                // Goods coming back: the refund is negative, a restocking fee keeps part of it.
                w.gross = r.refund.negated();
                let fee = restocking_fee(r.refund, r.fee_percent, policy.mode, policy.minor_units)?;
                w.left = w.gross.checked_add(fee)?;
                if !fee.is_zero() {
                    let label = format!("Restocking fee {}%", r.fee_percent.normalize());
                    w.adjustments.push(Adjustment {
                        kind: AdjustmentKind::RestockingFee,
                        label,
                        amount: fee.negated(),
                    });
                }
            }
        }
        work.push(w);
    }
    rank_by_content(&mut work);

    let mut promotions: Vec<&Promotion> =
        ctx.promotions.iter().filter(|p| p.is_active(ctx.now, cart.coupons())).collect();
    promotions.sort_by(|a, b| (a.priority, &a.id).cmp(&(b.priority, &b.id)));

    for promo in &promotions {
        apply_item_promotion(promo, &mut work, ctx)?;
    }

    for w in &mut work {
        if let Some(discount) = w.line.discount {
            let (amount, label) = match discount {
                Discount::Percent(p) => {
                    (round(w.left.checked_mul(p / Decimal::ONE_HUNDRED)?), format!("Discount {}%", p.normalize()))
                }
                Discount::Amount(a) => (a, "Discount".to_string()),
            };
            w.take(AdjustmentKind::LineDiscount, &label, amount)?;
        }
    }

    // Spend thresholds: only the tier worth most applies (on what is bought, not returned).
    let left_total = Money::sum(work.iter().map(Work::selling_left))?;
    let mut best: Option<(&Promotion, Money)> = None;
    for promo in &promotions {
        if let PromotionRule::SpendThreshold { threshold, reward } = &promo.rule
            && left_total >= *threshold
        {
            let value = discount_value(*reward, left_total, ctx)?;
            if best.is_none_or(|(_, v)| value > v) {
                best = Some((promo, value));
            }
        }
    }
    if let Some((promo, value)) = best {
        spread(&mut work, value, AdjustmentKind::Promotion(promo.id.clone()), &promo.name, ctx)?;
    }
    if let Some(discount) = cart.order_discount() {
        let left_total = Money::sum(work.iter().map(Work::selling_left))?;
        let value = discount_value(discount, left_total, ctx)?;
        let label = match discount {
            Discount::Percent(p) => format!("Order discount {}%", p.normalize()),
            Discount::Amount(_) => "Order discount".to_string(),
        };
        spread(&mut work, value, AdjustmentKind::OrderDiscount, &label, ctx)?;
    }

    let taxes = policy.breakdown(work.iter().map(|w| (&w.line.item.tax_class, w.left)))?;
    let tax_total = Money::sum(taxes.iter().map(|t| t.tax))?;
    let lines_total = Money::sum(work.iter().map(|w| w.left))?;
    let total = match policy.basis {
        PriceBasis::TaxInclusive => lines_total,
        PriceBasis::TaxExclusive => lines_total.checked_add(tax_total)?,
    };
    let subtotal = Money::sum(work.iter().map(|w| w.gross))?;
    let discount_total = subtotal.checked_sub(lines_total)?;
    let lines = work
        .into_iter()
        .map(|w| {
            let item = &w.line.item;
            PricedLine {
                id: w.line.id,
                sku: item.sku.clone(),
                name: item.name.clone(),
                category: item.category.clone(),
                quantity: w.line.quantity,
                unit: item.unit,
                list_price: item.price,
                price_source: item.price_source.clone(),
                price_override: w.line.price_override.clone(),
                gross: w.gross,
                adjustments: w.adjustments,
                total: w.left,
                tax_class: item.tax_class.clone(),
                cost: item.cost,
                components: item.components.clone(),
                returning: w.line.returning.clone(),
            }
        })
        .collect();
    Ok(PricedCart { lines, basis: policy.basis, subtotal, discount_total, taxes, tax_total, total })
}

/// Ranks lines by their content (SKU, price, quantity, manual changes) so that tie-breaks
/// do not depend on the order lines were scanned in.
fn rank_by_content(work: &mut [Work<'_>]) {
    type Key<'k> = (&'k str, Money, Quantity, Option<(u8, Decimal)>, Option<(Money, &'k str)>);
    fn key<'k>(w: &'k Work<'_>) -> Key<'k> {
        let l = w.line;
        let discount = l.discount.map(|d| match d {
            Discount::Percent(p) => (0u8, p),
            Discount::Amount(a) => (1u8, a.amount()),
        });
        let price_override = l.price_override.as_ref().map(|o| (o.price, o.reason.as_str()));
        (l.item.sku.as_str(), w.unit_price, l.quantity, discount, price_override)
    }
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by(|&a, &b| key(&work[a]).cmp(&key(&work[b])));
    for (rank, i) in order.into_iter().enumerate() {
        work[i].rank = rank;
    }
}

/// The value of a percent or amount discount on `base`, capped at `base`.
fn discount_value(discount: Discount, base: Money, ctx: &PricingContext<'_>) -> Result<Money, MoneyError> {
    let p = ctx.policy;
    Ok(match discount {
        Discount::Percent(pct) => {
            Money::new(p.mode.round(base.checked_mul(pct / Decimal::ONE_HUNDRED)?.amount(), p.minor_units))
        }
        Discount::Amount(a) => a,
    }
    .min(base))
}

/// One piece of a line, for the promotions that count pieces.
#[derive(Clone, Copy)]
struct Piece {
    line: usize,
    price: Money,
    rank: usize,
}

/// Free pieces of lines matching `eligible`, dearest first (ties by line content).
fn pieces(work: &[Work<'_>], eligible: impl Fn(&CartLine) -> bool) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, w) in work.iter().enumerate() {
        if w.line.item.unit == Unit::Each && eligible(w.line) {
            for _ in 0..w.free_units() {
                out.push(Piece { line: i, price: w.unit_price, rank: w.rank });
            }
        }
    }
    out.sort_by(|a, b| b.price.cmp(&a.price).then(a.rank.cmp(&b.rank)));
    out
}

fn apply_item_promotion(promo: &Promotion, work: &mut [Work<'_>], ctx: &PricingContext<'_>) -> Result<(), MoneyError> {
    let policy = ctx.policy;
    let round = |m: Money| Money::new(policy.mode.round(m.amount(), policy.minor_units));
    let kind = || AdjustmentKind::Promotion(promo.id.clone());
    match &promo.rule {
        PromotionRule::PercentOff { target, percent } => {
            for w in work.iter_mut().filter(|w| target.matches(&w.line.item)) {
                let free = w.free_units();
                if free == 0 {
                    continue;
                }
                let base = match w.line.item.unit {
                    Unit::Each => w.unit_price.checked_mul(Decimal::from(free))?,
                    Unit::Kilogram => w.gross,
                };
                let amount = round(base.checked_mul(*percent / Decimal::ONE_HUNDRED)?);
                w.used += free;
                w.take(kind(), &promo.name, amount)?;
            }
        }
        PromotionRule::AmountOff { target, amount } => {
            for w in work.iter_mut().filter(|w| target.matches(&w.line.item)) {
                let free = w.free_units();
                if free == 0 {
                    continue;
                }
                let units = match w.line.item.unit {
                    Unit::Each => Decimal::from(free),
                    Unit::Kilogram => w.line.quantity.value(),
                };
                w.used += free;
                w.take(kind(), &promo.name, round(amount.checked_mul(units)?))?;
            }
        }
        PromotionRule::BuyXGetY { buy, buy_quantity, get, get_quantity, percent } => {
            let all = pieces(work, |l| buy.matches(&l.item) || get.matches(&l.item));
            let is_buy = |k: usize| buy.matches(&work[all[k].line].line.item);
            let is_get = |k: usize| get.matches(&work[all[k].line].line.item);
            let mut used = vec![false; all.len()];
            // Both cursors only move forward: a piece passed over is either used or not
            // eligible for that role, and stays so.
            let (mut buy_at, mut get_at) = (0, 0);
            let mut rewards = Vec::new();
            'groups: loop {
                let mut buys = Vec::new();
                while buys.len() < *buy_quantity as usize {
                    if buy_at == all.len() {
                        break 'groups;
                    }
                    if !used[buy_at] && is_buy(buy_at) {
                        buys.push(buy_at);
                    }
                    buy_at += 1;
                }
                let mut gets = Vec::new();
                let mut probe = get_at;
                while gets.len() < *get_quantity as usize {
                    if probe == all.len() {
                        break 'groups;
                    }
                    if !used[probe] && !buys.contains(&probe) && is_get(probe) {
                        gets.push(probe);
                    }
                    probe += 1;
                }
                get_at = probe;
                for &k in buys.iter().chain(&gets) {
                    used[k] = true;
                }
                rewards.extend(gets);
            }
            for (k, piece) in all.iter().enumerate() {
                if used[k] {
                    work[piece.line].used += 1;
                }
            }
            for k in rewards {
                let piece = all[k];
                let amount = round(piece.price.checked_mul(*percent / Decimal::ONE_HUNDRED)?);
                work[piece.line].take(kind(), &promo.name, amount)?;
            }
        }
        PromotionRule::MixAndMatch { target, quantity, price } => {
            let eligible = pieces(work, |l| target.matches(&l.item));
            for set in eligible.chunks_exact(*quantity as usize) {
                let set_total = Money::sum(set.iter().map(|p| p.price))?;
                let saving = set_total.checked_sub(*price)?;
                if saving.is_negative() || saving.is_zero() {
                    // Sets are formed dearest first: no later set saves either, and
                    // pieces that gain nothing stay free for other promotions.
                    break;
                }
                for p in set {
                    work[p.line].used += 1;
                }
                let weights: Vec<(Money, usize)> = set.iter().map(|p| (p.price, p.rank)).collect();
                for (p, share) in set.iter().zip(allocate(saving, &weights, policy.minor_units)?) {
                    work[p.line].take(kind(), &promo.name, share)?;
                }
            }
        }
        PromotionRule::SpendThreshold { .. } => {}
    }
    Ok(())
}

/// Spreads `value` over the lines in proportion to what is left of each.
fn spread(
    work: &mut [Work<'_>],
    value: Money,
    kind: AdjustmentKind,
    label: &str,
    ctx: &PricingContext<'_>,
) -> Result<(), MoneyError> {
    let weights: Vec<(Money, usize)> = work.iter().map(|w| (w.selling_left(), w.rank)).collect();
    let shares = allocate(value, &weights, ctx.policy.minor_units)?;
    for (w, share) in work.iter_mut().zip(shares) {
        w.take(kind.clone(), label, share)?;
    }
    Ok(())
}

/// Splits `total` into shares proportional to `weights` (amount, tie-break rank), in whole
/// minor units, by the largest-remainder method: the shares sum exactly to `total`, and
/// no share exceeds its weight when `total` does not exceed the sum of the weights.
pub(crate) fn allocate(total: Money, weights: &[(Money, usize)], minor_units: u32) -> Result<Vec<Money>, MoneyError> {
    let overflow = MoneyError::Overflow("allocation");
    let scale = Decimal::from(10u64.pow(minor_units));
    let weight_sum = Money::sum(weights.iter().map(|w| w.0))?.amount();
    if weight_sum.is_zero() || total.is_zero() {
        return Ok(vec![Money::ZERO; weights.len()]);
    }
    let units = total.amount().checked_mul(scale).ok_or(overflow.clone())?.trunc();
    let mut shares = Vec::with_capacity(weights.len());
    let mut given = Decimal::ZERO;
    for (w, _) in weights {
        let exact = units.checked_mul(w.amount()).ok_or(overflow.clone())? / weight_sum;
        let floor = exact.floor();
        given += floor;
        shares.push((floor, exact - floor));
    }
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| match shares[b].1.cmp(&shares[a].1) {
        Ordering::Equal => weights[a].1.cmp(&weights[b].1),
        other => other,
    });
    let mut left = units - given;
    for i in order {
        if left <= Decimal::ZERO {
            break;
        }
        if shares[i].1 > Decimal::ZERO {
            shares[i].0 += Decimal::ONE;
            left -= Decimal::ONE;
        }
    }
    Ok(shares
        .into_iter()
        .map(|(s, _)| {
            let mut amount = s / scale;
            amount.rescale(minor_units);
            Money::new(amount)
        })
        .collect())
}
