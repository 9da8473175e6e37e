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
    /// Number of documents (sales, returns, exchanges).
    pub sales: u64,
    /// Of which returns and exchanges.
    pub returns: u64,
    /// Σ return lines (negative): what was taken back.
    pub returned: Money,
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

/// Cash that moved through the drawer outside sales, over a session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DrawerSummary {
    /// The opening float.
    pub float: Money,
    /// Paid in (positive).
    pub paid_in: Money,
    /// Paid out (positive: what left the drawer).
    pub paid_out: Money,
    /// Safe drops (positive: what left the drawer).
    pub drops: Money,
    /// Times the drawer was opened without a sale.
    pub no_sales: u64,
}

/// An X report: where the register (or its open cash session) stands now, resetting
/// nothing.
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
    /// The open cash session it covers (`None`: everything since the register began).
    pub session: Option<u64>,
    /// Totals of the documents covered.
    pub totals: SalesTotals,
    /// The drawer's movements, for a session.
    pub drawer: Option<DrawerSummary>,
    /// What each tender should hold now, for a session.
    pub expected: Vec<(String, Money)>,
    /// The journal's perpetual grand total.
    pub grand_total: Money,
    /// Number of journal records.
    pub journal_records: u64,
}

/// A Z report: a cash session closed, numbered and final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZReport {
    /// Its number (1, 2, 3… per register).
    pub number: u64,
    /// Store id.
    pub store: String,
    /// Register id.
    pub register: String,
    /// Currency code.
    pub currency: String,
    /// The session it closes.
    pub session: u64,
    /// When the session opened.
    pub opened_at: Timestamp,
    /// When it closed.
    pub closed_at: Timestamp,
    /// Who opened it.
    pub opened_by: Option<String>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Totals of the session's documents.
    pub totals: SalesTotals,
    /// The drawer's movements.
    pub drawer: DrawerSummary,
    /// Expected against counted, per tender.
    pub balances: Vec<crate::cash::TenderBalance>,
    /// The journal's perpetual grand total at closing.
    pub grand_total: Money,
}
