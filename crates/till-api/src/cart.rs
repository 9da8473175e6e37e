//! The cart on screen, as priced now.

use serde::Serialize;
use till_domain::PricedCart;
use ts_rs::TS;

use crate::Dec;

/// An adjustment on a line (a promotion or discount), as printed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AdjustmentView {
    /// What it is.
    pub label: String,
    /// How much (positive: off the price).
    pub amount: Dec,
}

/// A line of the cart on screen.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CartLineView {
    /// Line number (for edits).
    pub line: u32,
    pub sku: String,
    pub name: String,
    /// Quantity (pieces or kg).
    pub quantity: Dec,
    /// `each` or `kg`.
    #[ts(type = "'each' | 'kg'")]
    pub unit: String,
    /// Price per unit.
    pub unit_price: Dec,
    /// The line's amount after its adjustments.
    pub total: Dec,
    /// Promotions and discounts on it.
    pub adjustments: Vec<AdjustmentView>,
}

/// The cart as priced now.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CartView {
    /// Sold lines.
    pub lines: Vec<CartLineView>,
    /// Before discounts.
    pub subtotal: Dec,
    /// Every discount.
    pub discount_total: Dec,
    /// Tax in it.
    pub tax_total: Dec,
    /// To pay.
    pub total: Dec,
    /// Currency code.
    pub currency: String,
    /// The parked cart it was resumed from.
    pub parked_from: Option<u64>,
}

impl CartView {
    /// The view of `priced` in `currency` (a cart resumed from `parked_from`).
    pub fn new(priced: &PricedCart, currency: &str, parked_from: Option<u64>) -> CartView {
        CartView {
            lines: priced
                .lines
                .iter()
                .map(|l| CartLineView {
                    line: l.id.0,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: Dec::of(l.quantity.value().normalize()),
                    unit: l.unit.as_str().to_string(),
                    unit_price: Dec::of(l.list_price),
                    total: Dec::of(l.total),
                    adjustments: l
                        .adjustments
                        .iter()
                        .map(|a| AdjustmentView { label: a.label.clone(), amount: Dec::of(a.amount) })
                        .collect(),
                })
                .collect(),
            subtotal: Dec::of(priced.subtotal),
            discount_total: Dec::of(priced.discount_total),
            tax_total: Dec::of(priced.tax_total),
            total: Dec::of(priced.total),
            currency: currency.to_string(),
            parked_from,
        }
    }
}

/// What a scan did: the cart, and warnings to show (an expired item).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ScanView {
    /// The cart after the scan.
    pub cart: CartView,
    /// What the cashier should be told; the sale goes on.
    pub warnings: Vec<String>,
}
