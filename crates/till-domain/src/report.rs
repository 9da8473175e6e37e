//! Report figures: totals over a range of sales, by rate and by tender. The X report
//! shows them without closing anything; the Z report (cash sessions) closes a period.

use jiff::Timestamp;

use crate::money::Money;
use rust_decimal::Decimal;

/// Tax collected at one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxTotal {
    /// Class name(s) at this rate.
    pub label: String,
    /// Rate in percent.
    pub rate: Decimal,
    /// Net amount.
    pub net: Money,
    /// Tax.
    pub tax: Money,
    /// Gross amount.
    pub gross: Money,
}

/// Takings of one tender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderTotal {
    /// `cash`, `card` or a custom tender's name.
    pub tender: String,
    /// Number of payments.
    pub count: u64,
    /// Amount applied to sales (cash is net of change).
    pub amount: Money,
}

/// Totals over a range of completed sales.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SalesTotals {
    /// Number of sales.
    pub sales: u64,
    /// First and last receipt sequence numbers covered.
    pub receipts: Option<(u64, u64)>,
    /// Σ gross before discounts.
    pub subtotal: Money,
    /// Σ discounts.
    pub discount_total: Money,
    /// Σ tax.
    pub tax_total: Money,
    /// Σ sale totals (before cash rounding).
    pub total: Money,
    /// Σ cash-rounding adjustments.
    pub cash_rounding: Money,
    /// Σ change handed back.
    pub change: Money,
    /// Per rate, highest rate first.
    pub taxes: Vec<TaxTotal>,
    /// Per tender, by name.
    pub tenders: Vec<TenderTotal>,
}

/// An X report: where the register stands now, resetting nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XReport {
    /// Store id.
    pub store: String,
    /// Register id.
    pub register: String,
    /// Currency code.
    pub currency: String,
    /// When the report was taken.
    pub at: Timestamp,
    /// Totals of the sales covered.
    pub totals: SalesTotals,
    /// The journal's perpetual grand total.
    pub grand_total: Money,
    /// Number of journal records.
    pub journal_records: u64,
}
