//! The cart being rung up: lines, quantity changes, voids, manual discounts, price
//! overrides and coupons. Pricing it is [`crate::pricing::price_cart`]'s job.

use rust_decimal::Decimal;

use crate::catalog::Item;
use crate::money::Money;
use crate::quantity::{Quantity, QuantityError, Unit};
use crate::returns::Disposition;

/// A line's identity within its cart: 1, 2, 3… in the order lines were added. Voided
/// lines keep their number so the receipt and the audit trail can refer to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineId(pub u32);

/// A manual discount, on a line or on the whole order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// Percent off, 0 < p ≤ 100.
    Percent(Decimal),
    /// A fixed amount off (capped so no line goes negative).
    Amount(Money),
}

/// A cashier-entered price replacing the catalog price; it needs permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceOverride {
    /// The new price per unit.
    pub price: Money,
    /// Why the price was changed.
    pub reason: String,
}

/// The sale line a returned item was bought on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalLine {
    /// The original sale's id.
    pub sale_id: String,
    /// Its receipt number, for the receipt and the audit trail.
    pub receipt: String,
    /// Its sequence number on this register.
    pub seq: u64,
    /// The line number on that sale.
    pub line: u32,
}

/// What a return line gives back. Its amounts are fixed when the line is added (the
/// share of what was paid), so promotions and discounts never touch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLine {
    /// Where it was bought; `None` for a return without a receipt.
    pub original: Option<OriginalLine>,
    /// The refund before any restocking fee (positive).
    pub refund: Money,
    /// The restocking fee in percent of the refund (zero for none).
    pub fee_percent: Decimal,
    /// The reason code.
    pub reason: String,
    /// Back to stock or written off.
    pub disposition: Disposition,
    /// A manager's note when the return rules were overridden.
    pub override_note: Option<String>,
}

/// One line of the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    /// The line's number.
    pub id: LineId,
    /// The item as looked up when it was scanned.
    pub item: Item,
    /// How many pieces, or how many kilograms.
    pub quantity: Quantity,
    /// A manual line discount.
    pub discount: Option<Discount>,
    /// A manual price, which needs permission.
    pub price_override: Option<PriceOverride>,
    /// Voided lines stay in the cart for the record but are not sold.
    pub voided: bool,
    /// For a line that takes goods back: what it refunds.
    pub returning: Option<ReturnLine>,
}

impl CartLine {
    /// The unit price in force: the override, else the catalog price.
    pub fn unit_price(&self) -> Money {
        self.price_override.as_ref().map_or(self.item.price, |o| o.price)
    }
}

/// Why a cart operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    /// No such line.
    #[error("line {0} is not in the cart")]
    NoSuchLine(u32),
    /// The line was voided already.
    #[error("line {0} is voided")]
    LineVoided(u32),
    /// The quantity is not valid for the item.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// The discount is out of range.
    #[error("invalid discount: {0}")]
    Discount(String),
    /// A price override below zero.
    #[error("an override price cannot be negative (got {0})")]
    NegativePrice(Money),
    /// Return lines are fixed when added; they take no discount, override or new quantity.
    #[error("line {0} returns goods; remove it and add it again to change it")]
    ReturnLineFixed(u32),
    /// A price override without a reason.
    #[error("a price override needs a reason")]
    MissingReason,
    /// The coupon code is already on the cart.
    #[error("coupon {0} is already applied")]
    DuplicateCoupon(String),
}

/// A cart: lines plus order-level discount and coupon codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cart {
    lines: Vec<CartLine>,
    order_discount: Option<Discount>,
    coupons: Vec<String>,
    resumed_from: Option<u64>,
}

impl Cart {
    /// An empty cart.
    pub fn new() -> Cart {
        Cart::default()
    }

    /// Every line, voided ones included, in the order they were added.
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    /// Lines that will be sold.
    pub fn active_lines(&self) -> impl Iterator<Item = &CartLine> {
        self.lines.iter().filter(|l| !l.voided)
    }

    /// True when nothing is to be sold.
    pub fn is_empty(&self) -> bool {
        self.active_lines().next().is_none()
    }

    /// The order-level manual discount.
    pub fn order_discount(&self) -> Option<Discount> {
        self.order_discount
    }

    /// Coupon codes entered, normalised to upper case.
    pub fn coupons(&self) -> &[String] {
        &self.coupons
    }

    /// The parked cart this one was resumed from: completing (or parking again) takes
    /// that one off the parked list in the same transaction, so it cannot be sold twice.
    pub fn resumed_from(&self) -> Option<u64> {
        self.resumed_from
    }

    /// Records which parked cart this one was resumed from.
    pub fn set_resumed_from(&mut self, parked: u64) {
        self.resumed_from = Some(parked);
    }

    /// True when any line carries a price override (which needs permission).
    pub fn has_price_override(&self) -> bool {
        self.active_lines().any(|l| l.price_override.is_some())
    }

    /// Adds `quantity` of `item`. Scanning a piece item that is already on an undiscounted,
    /// un-overridden line adds to that line; weighed items always get a line of their own.
    pub fn add(&mut self, item: Item, quantity: Quantity) -> Result<LineId, CartError> {
        if item.unit == Unit::Each
            && let Some(line) = self.lines.iter_mut().find(|l| {
                !l.voided
                    && l.returning.is_none()
                    && l.item == item
                    && l.discount.is_none()
                    && l.price_override.is_none()
            })
        {
            line.quantity = Quantity::new(line.quantity.value() + quantity.value(), item.unit)?;
            return Ok(line.id);
        }
        self.push_line(item, quantity, None)
    }

    /// Adds a line taking `quantity` of `item` back, refunding what `returning` says.
    pub fn add_return(&mut self, item: Item, quantity: Quantity, returning: ReturnLine) -> Result<LineId, CartError> {
        self.push_line(item, quantity, Some(returning))
    }

    /// Appends a new line, numbered after the last (voided lines keep their numbers).
    fn push_line(
        &mut self,
        item: Item,
        quantity: Quantity,
        returning: Option<ReturnLine>,
    ) -> Result<LineId, CartError> {
        Quantity::new(quantity.value(), item.unit)?;
        let id = LineId(self.lines.len() as u32 + 1);
        self.lines.push(CartLine {
            id,
            item,
            quantity,
            discount: None,
            price_override: None,
            voided: false,
            returning,
        });
        Ok(id)
    }

    /// True when some line takes goods back.
    pub fn has_returns(&self) -> bool {
        self.active_lines().any(|l| l.returning.is_some())
    }

    fn line_mut(&mut self, id: LineId) -> Result<&mut CartLine, CartError> {
        let line = self.lines.iter_mut().find(|l| l.id == id).ok_or(CartError::NoSuchLine(id.0))?;
        if line.voided {
            return Err(CartError::LineVoided(id.0));
        }
        Ok(line)
    }

    /// A line that sells (not a return line), for changes only selling lines take.
    fn selling_line_mut(&mut self, id: LineId) -> Result<&mut CartLine, CartError> {
        let line = self.line_mut(id)?;
        if line.returning.is_some() {
            return Err(CartError::ReturnLineFixed(id.0));
        }
        Ok(line)
    }

    /// Sets a line's quantity.
    pub fn set_quantity(&mut self, id: LineId, quantity: Decimal) -> Result<(), CartError> {
        let line = self.selling_line_mut(id)?;
        line.quantity = Quantity::new(quantity, line.item.unit)?;
        Ok(())
    }

    /// Voids a line (it stays listed, is not sold).
    pub fn void_line(&mut self, id: LineId) -> Result<(), CartError> {
        self.line_mut(id)?.voided = true;
        Ok(())
    }

    /// Puts a manual discount on a line, replacing any earlier one.
    pub fn discount_line(&mut self, id: LineId, discount: Discount) -> Result<(), CartError> {
        validate_discount(discount)?;
        self.selling_line_mut(id)?.discount = Some(discount);
        Ok(())
    }

    /// Puts a manual discount on the whole order, replacing any earlier one.
    pub fn discount_order(&mut self, discount: Discount) -> Result<(), CartError> {
        validate_discount(discount)?;
        self.order_discount = Some(discount);
        Ok(())
    }

    /// Replaces a line's unit price; the sale will be flagged as needing permission.
    pub fn override_price(&mut self, id: LineId, price: Money, reason: &str) -> Result<(), CartError> {
        if price.is_negative() {
            return Err(CartError::NegativePrice(price));
        }
        if reason.trim().is_empty() {
            return Err(CartError::MissingReason);
        }
        self.selling_line_mut(id)?.price_override = Some(PriceOverride { price, reason: reason.to_string() });
        Ok(())
    }

    /// Adds a coupon code (case-insensitive). Whether it exists is the caller's check.
    pub fn add_coupon(&mut self, code: &str) -> Result<(), CartError> {
        let code = code.trim().to_uppercase();
        if self.coupons.contains(&code) {
            return Err(CartError::DuplicateCoupon(code));
        }
        self.coupons.push(code);
        Ok(())
    }
}

fn validate_discount(discount: Discount) -> Result<(), CartError> {
    match discount {
        Discount::Percent(p) if p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED => {
            Err(CartError::Discount(format!("{p}% is not between 0 and 100")))
        }
        Discount::Amount(a) if a.is_negative() || a.is_zero() => {
            Err(CartError::Discount(format!("amount {a} must be greater than zero")))
        }
        _ => Ok(()),
    }
}
