//! The JSON shapes the screen reads (camelCase; money and quantities as decimal strings —
//! the screen formats them, it never computes with them). Built from the register's
//! types here, at the boundary only.

use serde::Serialize;
use till_domain::{PricedCart, SaleRecord};

/// A signed-in staff member.
#[derive(Serialize, Clone)]
pub struct OperatorView {
    /// Staff code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Role name.
    pub role: String,
}

impl From<&till_register::Operator> for OperatorView {
    fn from(o: &till_register::Operator) -> Self {
        OperatorView { code: o.code.clone(), name: o.name.clone(), role: o.role.name.clone() }
    }
}

/// How keyboard-wedge scans are told from typing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WedgeView {
    /// The longest gap between two keys of one scan.
    pub max_gap_ms: u64,
    /// The fewest characters of a scan.
    pub min_length: usize,
    /// What the scanner sends before a code.
    pub prefix: String,
    /// The key that ends a scan.
    pub suffix: String,
}

/// What the window needs to start.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Store id (none before setup).
    pub store: Option<String>,
    /// Register id.
    pub register: Option<String>,
    /// The data directory.
    pub data_dir: String,
    /// The app's version.
    pub version: String,
    /// Kiosk mode.
    pub kiosk: bool,
    /// The screen's locale (BCP 47).
    pub locale: String,
    /// The store's currency.
    pub currency: Option<String>,
    /// The data directory holds no register yet: offer to create one or enroll.
    pub needs_setup: bool,
    /// Who is signed in.
    pub operator: Option<OperatorView>,
    /// Scanner timing.
    pub wedge: WedgeView,
}

/// An adjustment on a line (a promotion or discount), as printed.
#[derive(Serialize)]
pub struct AdjustmentView {
    /// What it is.
    pub label: String,
    /// How much (negative: off the price).
    pub amount: String,
}

/// A cart line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineView {
    /// Line number (for edits).
    pub line: u32,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Quantity (pieces or kg).
    pub quantity: String,
    /// `each` or `kg`.
    pub unit: String,
    /// Price per unit.
    pub unit_price: String,
    /// The line's amount after its adjustments.
    pub total: String,
    /// Promotions and discounts on it.
    pub adjustments: Vec<AdjustmentView>,
}

/// The cart as priced now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CartView {
    /// Sold lines.
    pub lines: Vec<LineView>,
    /// Before discounts.
    pub subtotal: String,
    /// Every discount.
    pub discount_total: String,
    /// Tax in it.
    pub tax_total: String,
    /// To pay.
    pub total: String,
    /// Currency code.
    pub currency: String,
    /// The parked cart it was resumed from.
    pub parked_from: Option<u64>,
}

impl CartView {
    /// The view of `priced` (a cart resumed from `parked_from`).
    pub fn new(priced: &PricedCart, currency: &str, parked_from: Option<u64>) -> CartView {
        CartView {
            lines: priced
                .lines
                .iter()
                .map(|l| LineView {
                    line: l.id.0,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity.value().normalize().to_string(),
                    unit: l.unit.as_str().to_string(),
                    unit_price: l.list_price.to_string(),
                    total: l.total.to_string(),
                    adjustments: l
                        .adjustments
                        .iter()
                        .map(|a| AdjustmentView { label: a.label.clone(), amount: a.amount.to_string() })
                        .collect(),
                })
                .collect(),
            subtotal: priced.subtotal.to_string(),
            discount_total: priced.discount_total.to_string(),
            tax_total: priced.tax_total.to_string(),
            total: priced.total.to_string(),
            currency: currency.to_string(),
            parked_from,
        }
    }
}

/// A completed sale or return.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleDone {
    /// Its receipt number.
    pub receipt: String,
    /// The total settled.
    pub total: String,
    /// Change given.
    pub change: String,
    /// The receipt as text.
    pub receipt_text: String,
    /// Its receipt was queued for the printer.
    pub printed: bool,
}

impl SaleDone {
    /// The view of a committed `sale`.
    pub fn new(sale: &SaleRecord, receipt_text: String, printed: bool) -> SaleDone {
        SaleDone {
            receipt: sale.receipt.to_string(),
            total: sale.settlement.total.to_string(),
            change: sale.settlement.change.to_string(),
            receipt_text,
            printed,
        }
    }
}

/// The status bar.
#[derive(Serialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// Reached HQ last time (`None`: not enrolled with an HQ).
    pub online: Option<bool>,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// The oldest of them, seconds ago.
    pub oldest_pending_age_s: Option<i64>,
    /// The last successful sync.
    pub last_sync: Option<String>,
    /// The printer's state (`None`: no printer configured).
    pub printer: Option<String>,
}
