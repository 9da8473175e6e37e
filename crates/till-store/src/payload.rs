//! The canonical JSON the journal records: fields in a fixed order, decimals as strings.
//! Written at commit, and rebuilt from the tables by verification, so both must come from
//! these functions.

use rust_decimal::Decimal;
use serde::Serialize;
use till_domain::{AdjustmentKind, Money, PriceSource, SaleRecord, TenderKind};

use crate::Result;
use crate::journal::AuditEntry;

/// Version of the sale payload layout; bump when [`sale`] changes.
const SALE_PAYLOAD_VERSION: u32 = 1;

/// Writes anything displayable as a JSON string, without an intermediate `String`.
struct Text<T>(T);

impl<T: std::fmt::Display> Serialize for Text<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Serialize)]
struct SalePayload<'a> {
    version: u32,
    kind: &'static str,
    id: &'a str,
    receipt: Text<&'a till_domain::ReceiptNumber>,
    store: &'a str,
    at: Text<jiff::Timestamp>,
    business_date: Text<jiff::civil::Date>,
    currency: &'a str,
    prices_include_tax: bool,
    lines: Vec<LinePayload<'a>>,
    taxes: Vec<TaxPayload<'a>>,
    subtotal: Text<Money>,
    discount_total: Text<Money>,
    tax_total: Text<Money>,
    total: Text<Money>,
    cash_rounding: Text<Money>,
    change: Text<Money>,
    payments: Vec<PaymentPayload<'a>>,
    coupons: &'a [String],
    staff: Option<&'a str>,
    session: Option<u64>,
    /// Only when the prices came from an HQ catalog (older payloads stay byte for byte).
    #[serde(skip_serializing_if = "Option::is_none")]
    catalog: Option<&'a str>,
    /// The configuration version (absent on records from before versions were kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    config_version: Option<&'a str>,
}

#[derive(Serialize)]
struct LinePayload<'a> {
    line: u32,
    sku: &'a str,
    name: &'a str,
    category: Option<&'a str>,
    quantity: Text<till_domain::Quantity>,
    unit: &'static str,
    list_price: Text<Money>,
    price_source: Text<&'a PriceSource>,
    #[serde(rename = "override")]
    price_override: Option<OverridePayload<'a>>,
    gross: Text<Money>,
    total: Text<Money>,
    tax_class: &'a str,
    tax_rate: Text<Decimal>,
    cost: Option<Text<Money>>,
    adjustments: Vec<AdjustmentPayload<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    returning: Option<ReturnPayload<'a>>,
}

#[derive(Serialize)]
struct ReturnPayload<'a> {
    of_receipt: Option<&'a str>,
    of_sale: Option<&'a str>,
    of_line: Option<u32>,
    reason: &'a str,
    disposition: &'static str,
    refund: Text<Money>,
    fee_percent: Text<Decimal>,
    override_note: Option<&'a str>,
}

#[derive(Serialize)]
struct OverridePayload<'a> {
    price: Text<Money>,
    reason: &'a str,
}

#[derive(Serialize)]
struct AdjustmentPayload<'a> {
    kind: Text<&'a AdjustmentKind>,
    label: &'a str,
    amount: Text<Money>,
}

#[derive(Serialize)]
struct TaxPayload<'a> {
    label: &'a str,
    rate: Text<Decimal>,
    net: Text<Money>,
    tax: Text<Money>,
    gross: Text<Money>,
}

#[derive(Serialize)]
struct PaymentPayload<'a> {
    kind: &'static str,
    detail: Option<PaymentDetail<'a>>,
    amount: Text<Money>,
    tendered: Text<Money>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PaymentDetail<'a> {
    Card { brand: &'a str, last4: &'a str, reference: &'a str },
    Custom(&'a str),
    StoreCredit { code: &'a str },
}

/// The canonical JSON of a sale (fields in a fixed order, decimals as strings). Written
/// into the journal at commit, and rebuilt from the sale tables by verification.
pub(crate) fn sale(sale: &SaleRecord) -> Result<String> {
    let cart = &sale.cart;
    let lines = cart
        .lines
        .iter()
        .map(|l| LinePayload {
            line: l.id.0,
            sku: &l.sku,
            name: &l.name,
            category: l.category.as_deref(),
            quantity: Text(l.quantity),
            unit: l.unit.as_str(),
            list_price: Text(l.list_price),
            price_source: Text(&l.price_source),
            price_override: l
                .price_override
                .as_ref()
                .map(|o| OverridePayload { price: Text(o.price), reason: &o.reason }),
            gross: Text(l.gross),
            total: Text(l.total),
            tax_class: &l.tax_class.name,
            tax_rate: Text(l.tax_class.rate),
            cost: l.cost.map(Text),
            adjustments: l
                .adjustments
                .iter()
                .map(|a| AdjustmentPayload { kind: Text(&a.kind), label: &a.label, amount: Text(a.amount) })
                .collect(),
            returning: l.returning.as_ref().map(|r| {
                let original = r.original.as_ref();
                ReturnPayload {
                    of_receipt: original.map(|o| o.receipt.as_str()),
                    of_sale: original.map(|o| o.sale_id.as_str()),
                    of_line: original.map(|o| o.line),
                    reason: &r.reason,
                    disposition: r.disposition.as_str(),
                    refund: Text(r.refund),
                    fee_percent: Text(r.fee_percent),
                    override_note: r.override_note.as_deref(),
                }
            }),
        })
        .collect();
    let taxes = cart
        .taxes
        .iter()
        .map(|t| TaxPayload {
            label: &t.label,
            rate: Text(t.rate),
            net: Text(t.net),
            tax: Text(t.tax),
            gross: Text(t.gross),
        })
        .collect();
    let payments = sale
        .settlement
        .payments
        .iter()
        .map(|p| {
            let (kind, detail) = match &p.kind {
                TenderKind::Cash => ("cash", None),
                TenderKind::Card(c) => {
                    ("card", Some(PaymentDetail::Card { brand: &c.brand, last4: &c.last4, reference: &c.reference }))
                }
                TenderKind::Custom(n) => ("custom", Some(PaymentDetail::Custom(n))),
                TenderKind::StoreCredit(code) => ("store_credit", Some(PaymentDetail::StoreCredit { code })),
            };
            PaymentPayload { kind, detail, amount: Text(p.amount), tendered: Text(p.tendered) }
        })
        .collect();
    let payload = SalePayload {
        version: SALE_PAYLOAD_VERSION,
        kind: sale.kind().as_str(),
        id: &sale.id,
        receipt: Text(&sale.receipt),
        store: &sale.store,
        at: Text(sale.at),
        business_date: Text(sale.business_date),
        currency: &sale.currency,
        prices_include_tax: cart.basis == till_domain::PriceBasis::TaxInclusive,
        lines,
        taxes,
        subtotal: Text(cart.subtotal),
        discount_total: Text(cart.discount_total),
        tax_total: Text(cart.tax_total),
        total: Text(cart.total),
        cash_rounding: Text(sale.settlement.cash_rounding),
        change: Text(sale.settlement.change),
        payments,
        coupons: &sale.coupons,
        staff: sale.staff.as_deref(),
        session: sale.session,
        catalog: sale.catalog.as_deref(),
        config_version: sale.config.as_deref(),
    };
    serde_json::to_string(&payload).map_err(|e| crate::StoreError::Corrupt(format!("sale {}: {e}", sale.id)))
}

#[derive(Serialize)]
struct AuditPayload<'a> {
    action: &'a str,
    staff: Option<&'a str>,
    approver: Option<&'a str>,
    detail: &'a str,
    at: &'a str,
}

/// The canonical JSON of an audit record.
pub(crate) fn audit(entry: &AuditEntry, at: &str) -> Result<String> {
    let payload = AuditPayload {
        action: &entry.action,
        staff: entry.staff.as_deref(),
        approver: entry.approver.as_deref(),
        detail: &entry.detail,
        at,
    };
    serde_json::to_string(&payload).map_err(|e| crate::StoreError::Corrupt(format!("audit record: {e}")))
}

/// A cash movement without a sale, as recorded in `cash_movements` and the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CashMovement {
    /// Its id in `cash_movements`.
    pub id: i64,
    /// The cash session.
    pub session: i64,
    /// `float`, `paid_in`, `paid_out`, `drop` or `no_sale`.
    pub kind: String,
    /// Into the drawer: positive; out of it: negative.
    pub amount: String,
    /// Why.
    pub reason: String,
    /// Who.
    pub staff: Option<String>,
    /// Who approved.
    pub approver: Option<String>,
    /// When.
    pub at: String,
}

/// The canonical JSON of a cash movement.
pub(crate) fn cash(movement: &CashMovement) -> Result<String> {
    serde_json::to_string(movement).map_err(|e| crate::StoreError::Corrupt(format!("cash movement: {e}")))
}
