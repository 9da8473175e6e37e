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

impl SalesTotals {
    /// Adds tax collected at one rate to that rate's row (rows stay highest rate first),
    /// merging class names that share the rate (`standard/food`). `None` on overflow.
    ///
    /// The register's reports and HQ's both total through here, so they agree.
    pub fn add_tax(&mut self, label: &str, rate: Decimal, net: Decimal, tax: Decimal, gross: Decimal) -> Option<()> {
        let at = match self.taxes.iter().position(|t| t.rate <= rate) {
            Some(i) if self.taxes[i].rate == rate => i,
            Some(i) => {
                self.taxes.insert(i, TaxTotal::empty(rate));
                i
            }
            None => {
                self.taxes.push(TaxTotal::empty(rate));
                self.taxes.len() - 1
            }
        };
        let row = &mut self.taxes[at];
        for name in label.split('/') {
            if !row.label.split('/').any(|n| n == name) {
                row.label = if row.label.is_empty() { name.to_string() } else { format!("{}/{name}", row.label) };
            }
        }
        row.net = Money::new(row.net.amount().checked_add(net)?);
        row.tax = Money::new(row.tax.amount().checked_add(tax)?);
        row.gross = Money::new(row.gross.amount().checked_add(gross)?);
        Some(())
    }

    /// Adds one payment to its tender's row (rows stay sorted by name). `None` on overflow.
    pub fn add_tender(&mut self, tender: &str, amount: Decimal) -> Option<()> {
        let at = match self.tenders.binary_search_by(|t| t.tender.as_str().cmp(tender)) {
            Ok(i) => i,
            Err(i) => {
                self.tenders.insert(i, TenderTotal { tender: tender.to_string(), count: 0, amount: Money::ZERO });
                i
            }
        };
        let row = &mut self.tenders[at];
        row.count += 1;
        row.amount = Money::new(row.amount.amount().checked_add(amount)?);
        Some(())
    }
}

impl TaxTotal {
    fn empty(rate: Decimal) -> TaxTotal {
        TaxTotal { label: String::new(), rate, net: Money::ZERO, tax: Money::ZERO, gross: Money::ZERO }
    }
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
    /// What each tender should hold now, for a session (empty when withheld).
    pub expected: Vec<(String, Money)>,
    /// True when the reader may not see `expected` (no `view_expected`): a cashier counts
    /// the drawer blind.
    pub expected_withheld: bool,
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
