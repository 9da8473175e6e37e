//! A committed document (sale, return, exchange) as scripts read it, what the tender
//! dialog hears back, a receipt looked up for a return, and parked carts.

use serde::Serialize;
use till_domain::{SaleRecord, TenderKind};
use ts_rs::TS;

use crate::Dec;
use crate::drawer::TaxView;

/// An adjustment on a sold line.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SaleLineAdjustmentView {
    /// `promotion:ID`, `line_discount`, `order_discount` or `restocking_fee`.
    pub source: String,
    /// As printed.
    pub label: String,
    /// How much.
    pub amount: Dec,
}

/// What a line taken back refunds, and why.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReturningView {
    /// The receipt it was bought on (`null` without a receipt).
    pub of_receipt: Option<String>,
    /// The line on that receipt.
    pub of_line: Option<u32>,
    /// The reason code.
    pub reason: String,
    /// `restock` or `damaged`.
    #[ts(type = "'restock' | 'damaged'")]
    pub disposition: &'static str,
    /// The line's share of what was paid (positive).
    pub refund: Dec,
    /// The restocking fee in percent.
    pub fee_percent: Dec,
    /// A manager's note overriding the return rules.
    pub override_note: Option<String>,
}

/// A line of a committed document.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SaleLineView {
    pub line: u32,
    pub sku: String,
    pub name: String,
    /// Quantity (positive, also on a return).
    pub quantity: Dec,
    /// `each` or `kg`.
    #[ts(type = "'each' | 'kg'")]
    pub unit: String,
    /// Price per unit charged.
    pub unit_price: Dec,
    /// Whether a cashier replaced the catalog price.
    pub price_overridden: bool,
    /// Unit price × quantity.
    pub gross: Dec,
    /// Promotions, discounts, fees.
    pub adjustments: Vec<SaleLineAdjustmentView>,
    /// What the line comes to.
    pub total: Dec,
    /// Its tax rate.
    pub tax_rate: Dec,
    /// On a line taken back: what it refunds.
    pub returning: Option<ReturningView>,
}

/// A tender of a committed document.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TenderView {
    /// `cash`, `card`, `store_credit`, or the custom tender's name.
    pub kind: String,
    /// What it paid (negative on a refund).
    pub amount: Dec,
    /// What was handed over (cash before change).
    pub tendered: Dec,
    /// A card's brand.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub brand: Option<String>,
    /// A card's last four digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub last4: Option<String>,
    /// The terminal's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reference: Option<String>,
    /// A store credit's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}

/// A committed document: a sale, a return or an exchange (`docs/cli.md`, "Documents").
#[derive(Debug, Clone, Serialize, TS)]
pub struct SaleView {
    /// Receipt number (`R1-000042`).
    pub receipt: String,
    /// The code printed on the receipt (`till:STORE/RECEIPT`).
    pub receipt_code: String,
    /// `sale`, `return` or `exchange`.
    #[ts(type = "'sale' | 'return' | 'exchange'")]
    pub kind: &'static str,
    /// The document's id.
    pub id: String,
    pub store: String,
    /// When (RFC 3339).
    pub at: String,
    /// The business day it belongs to.
    pub business_date: String,
    pub currency: String,
    pub lines: Vec<SaleLineView>,
    /// Before discounts.
    pub subtotal: Dec,
    /// Every discount.
    pub discount_total: Dec,
    /// Tax in it.
    pub tax_total: Dec,
    /// Tax per rate.
    pub taxes: Vec<TaxView>,
    /// Before cash rounding.
    pub total: Dec,
    /// Cash rounding.
    pub cash_rounding: Dec,
    /// Total plus cash rounding.
    pub collected: Dec,
    /// How it was paid (or refunded).
    pub tenders: Vec<TenderView>,
    /// Change given.
    pub change: Dec,
    /// Coupons applied.
    pub coupons: Vec<String>,
    /// Who rang it up.
    pub staff: Option<String>,
    /// Its cash session (`null` for a training sale).
    pub session: Option<u64>,
    /// The configuration version its prices and tax were computed under (`local-N`,
    /// `hq-N`; `null` on documents from before versions were kept).
    pub config_version: Option<String>,
}

impl From<&SaleRecord> for SaleView {
    fn from(s: &SaleRecord) -> Self {
        let cart = &s.cart;
        // Both amounts were checked when the sale settled; a sum out of range cannot occur.
        let collected = s.settlement.collected().map_or_else(Dec::of, Dec::of);
        SaleView {
            receipt: s.receipt.to_string(),
            receipt_code: s.receipt_code(),
            kind: s.kind().as_str(),
            id: s.id.clone(),
            store: s.store.clone(),
            at: s.at.to_string(),
            business_date: s.business_date.to_string(),
            currency: s.currency.clone(),
            lines: cart
                .lines
                .iter()
                .map(|l| SaleLineView {
                    line: l.id.0,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: Dec::of(l.quantity),
                    unit: l.unit.as_str().to_string(),
                    unit_price: Dec::of(l.unit_price()),
                    price_overridden: l.price_override.is_some(),
                    gross: Dec::of(l.gross),
                    adjustments: l
                        .adjustments
                        .iter()
                        .map(|a| SaleLineAdjustmentView {
                            source: a.kind.to_string(),
                            label: a.label.clone(),
                            amount: Dec::of(a.amount),
                        })
                        .collect(),
                    total: Dec::of(l.total),
                    tax_rate: Dec::of(l.tax_class.rate),
                    returning: l.returning.as_ref().map(|r| ReturningView {
                        of_receipt: r.original.as_ref().map(|o| o.receipt.clone()),
                        of_line: r.original.as_ref().map(|o| o.line),
                        reason: r.reason.clone(),
                        disposition: r.disposition.as_str(),
                        refund: Dec::of(r.refund),
                        fee_percent: Dec::of(r.fee_percent),
                        override_note: r.override_note.clone(),
                    }),
                })
                .collect(),
            subtotal: Dec::of(cart.subtotal),
            discount_total: Dec::of(cart.discount_total),
            tax_total: Dec::of(cart.tax_total),
            taxes: cart.taxes.iter().map(TaxView::from).collect(),
            total: Dec::of(cart.total),
            cash_rounding: Dec::of(s.settlement.cash_rounding),
            collected,
            tenders: s
                .settlement
                .payments
                .iter()
                .map(|p| {
                    let mut t = TenderView {
                        kind: p.kind.code().to_string(),
                        amount: Dec::of(p.amount),
                        tendered: Dec::of(p.tendered),
                        brand: None,
                        last4: None,
                        reference: None,
                        code: None,
                    };
                    match &p.kind {
                        TenderKind::Card(c) => {
                            t.brand = Some(c.brand.clone());
                            t.last4 = Some(c.last4.clone());
                            t.reference = Some(c.reference.clone());
                        }
                        TenderKind::StoreCredit(code) => t.code = Some(code.clone()),
                        _ => {}
                    }
                    t
                })
                .collect(),
            change: Dec::of(s.settlement.change),
            coupons: s.coupons.clone(),
            staff: s.staff.clone(),
            session: s.session,
            config_version: s.config.clone(),
        }
    }
}

/// What the screen hears when a document committed: enough for the change-due screen, and
/// the receipt's text.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SaleDone {
    /// Its receipt number.
    pub receipt: String,
    /// The total settled.
    pub total: Dec,
    /// Change given.
    pub change: Dec,
    /// The receipt as text.
    pub receipt_text: String,
    /// Its receipt was queued for the printer.
    pub printed: bool,
}

impl SaleDone {
    /// The answer for committed `sale`, its receipt laid out as `receipt_text`.
    pub fn new(sale: &SaleRecord, receipt_text: String, printed: bool) -> SaleDone {
        SaleDone {
            receipt: sale.receipt.to_string(),
            total: Dec::of(sale.settlement.total),
            change: Dec::of(sale.settlement.change),
            receipt_text,
            printed,
        }
    }
}

/// A line of a receipt looked up for a return, with what is left to take back.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReceiptLineView {
    pub line: u32,
    pub sku: String,
    pub name: String,
    /// Sold.
    pub quantity: Dec,
    /// Still returnable.
    pub returnable: Dec,
    /// What the line came to.
    pub total: Dec,
}

/// A receipt looked up for a return.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReceiptView {
    pub receipt: String,
    /// When it was rung up.
    pub at: String,
    pub total: Dec,
    pub lines: Vec<ReceiptLineView>,
    /// The receipt as text.
    pub text: String,
}

impl ReceiptView {
    /// The view of `sale` with what is `left` to return per line, and its text.
    pub fn new(sale: &SaleRecord, left: &[(u32, rust_decimal::Decimal)], text: String) -> ReceiptView {
        ReceiptView {
            receipt: sale.receipt.to_string(),
            at: sale.at.to_string(),
            total: Dec::of(sale.cart.total),
            lines: sale
                .cart
                .lines
                .iter()
                .map(|l| {
                    let returnable = left.iter().find(|(id, _)| *id == l.id.0).map(|(_, q)| *q).unwrap_or_default();
                    ReceiptLineView {
                        line: l.id.0,
                        sku: l.sku.clone(),
                        name: l.name.clone(),
                        quantity: Dec::of(l.quantity.value().normalize()),
                        returnable: Dec::of(returnable.normalize()),
                        total: Dec::of(l.total),
                    }
                })
                .collect(),
            text,
        }
    }
}

/// A parked cart as listed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ParkedView {
    pub id: u64,
    /// The cashier's label.
    pub label: String,
    /// When it was parked.
    pub parked_at: String,
}

/// A parked cart as the resume dialog lists it: priced again now.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ParkedCartView {
    pub id: u64,
    /// The cashier's label.
    pub label: String,
    /// When it was parked.
    pub parked_at: String,
    /// How many lines.
    pub lines: u64,
    /// What it comes to now.
    pub total: Dec,
}

/// How far the tenders go, as the register will settle them (its cash rounding included).
#[derive(Debug, Clone, Serialize, TS)]
pub struct TenderPreviewView {
    /// What the tenders must cover: the total, cash-rounded when cash is among them.
    pub due: Dec,
    /// Tendered so far.
    pub tendered: Dec,
    /// Still to pay (zero once covered).
    pub remaining: Dec,
    /// What the rest comes to in cash (rounded to the cash increment).
    pub remaining_in_cash: Dec,
    /// The change cash gives back (zero until covered).
    pub change: Dec,
}

impl From<&till_domain::TenderPreview> for TenderPreviewView {
    fn from(p: &till_domain::TenderPreview) -> Self {
        TenderPreviewView {
            due: Dec::of(p.due),
            tendered: Dec::of(p.tendered),
            remaining: Dec::of(p.remaining),
            remaining_in_cash: Dec::of(p.remaining_in_cash),
            change: Dec::of(p.change),
        }
    }
}
