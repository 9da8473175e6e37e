//! The cash drawer: the X report, a Z report's figures, cash movements, a drawer opened.

use serde::Serialize;
use till_domain::{Money, SalesTotals, TaxAmount, TaxTotal, XReport, ZReport};
use ts_rs::TS;

use crate::Dec;

/// Tax at one rate.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TaxView {
    /// Class name(s) at this rate.
    pub label: String,
    /// Rate in percent.
    pub rate: Dec,
    /// Net amount.
    pub net: Dec,
    pub tax: Dec,
    /// Gross amount.
    pub gross: Dec,
}

impl TaxView {
    fn of(label: &str, rate: rust_decimal::Decimal, net: Money, tax: Money, gross: Money) -> TaxView {
        TaxView {
            label: label.to_string(),
            rate: Dec::of(rate),
            net: Dec::of(net),
            tax: Dec::of(tax),
            gross: Dec::of(gross),
        }
    }
}

impl From<&TaxAmount> for TaxView {
    fn from(t: &TaxAmount) -> Self {
        TaxView::of(&t.label, t.rate, t.net, t.tax, t.gross)
    }
}

impl From<&TaxTotal> for TaxView {
    fn from(t: &TaxTotal) -> Self {
        TaxView::of(&t.label, t.rate, t.net, t.tax, t.gross)
    }
}

/// What one tender took over a session.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TenderTotalView {
    /// `cash`, `card`, `store_credit` or a custom tender.
    pub tender: String,
    /// Payments with it.
    pub count: u64,
    /// Their amount.
    pub amount: Dec,
}

/// The first and last receipt numbers of a session.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReceiptRange {
    pub first: u64,
    pub last: u64,
}

/// The drawer's movements over a session (`paid_out` and `drops` positive: what left).
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrawerView {
    /// The opening float.
    pub float: Dec,
    /// Cash put in.
    pub paid_in: Dec,
    /// Cash taken out for expenses.
    pub paid_out: Dec,
    /// Cash taken to the safe.
    pub drops: Dec,
    /// Openings without a sale.
    pub no_sales: u64,
}

/// What a tender should hold now.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExpectedView {
    pub tender: String,
    /// What it should hold.
    pub amount: Dec,
}

/// The X report (`docs/cli.md`, "report x"): the open session's figures, or every sale
/// the register made when none is open. Resets nothing.
#[derive(Debug, Clone, Serialize, TS)]
pub struct XReportView {
    pub store: String,
    pub register: String,
    pub currency: String,
    /// When it was taken.
    pub at: String,
    /// The open cash session (`null`: none is open).
    pub session: Option<u64>,
    /// Documents: sales, returns and exchanges.
    pub documents: u64,
    /// The same count (kept for scripts that read it).
    pub sales: u64,
    /// Of which returns and exchanges.
    pub returns: u64,
    /// First and last receipt.
    pub receipts: Option<ReceiptRange>,
    /// Before discounts.
    pub subtotal: Dec,
    /// Every discount.
    pub discount_total: Dec,
    /// The return lines (negative, already in `subtotal`).
    pub returned: Dec,
    pub tax_total: Dec,
    pub total: Dec,
    /// Cash rounding.
    pub cash_rounding: Dec,
    /// Change given.
    pub change: Dec,
    /// Tax per rate.
    pub taxes: Vec<TaxView>,
    /// What each tender took.
    pub tenders: Vec<TenderTotalView>,
    /// The drawer's movements (`null`: no session open).
    pub drawer: Option<DrawerView>,
    /// What each tender should hold now (empty when withheld).
    pub expected: Vec<ExpectedView>,
    /// True when the reader may not see what each tender should hold (no
    /// `view_expected`: a cashier counts the drawer blind).
    pub expected_withheld: bool,
    /// The perpetual grand total.
    pub grand_total: Dec,
    /// Journal records so far.
    pub journal_records: u64,
}

fn taxes(t: &SalesTotals) -> Vec<TaxView> {
    t.taxes.iter().map(TaxView::from).collect()
}

fn tenders(t: &SalesTotals) -> Vec<TenderTotalView> {
    t.tenders
        .iter()
        .map(|x| TenderTotalView { tender: x.tender.clone(), count: x.count, amount: Dec::of(x.amount) })
        .collect()
}

impl From<&XReport> for XReportView {
    fn from(x: &XReport) -> Self {
        let t = &x.totals;
        XReportView {
            store: x.store.clone(),
            register: x.register.clone(),
            currency: x.currency.clone(),
            at: x.at.to_string(),
            session: x.session,
            documents: t.sales,
            sales: t.sales,
            returns: t.returns,
            receipts: t.receipts.map(|(first, last)| ReceiptRange { first, last }),
            subtotal: Dec::of(t.subtotal),
            discount_total: Dec::of(t.discount_total),
            returned: Dec::of(t.returned),
            tax_total: Dec::of(t.tax_total),
            total: Dec::of(t.total),
            cash_rounding: Dec::of(t.cash_rounding),
            change: Dec::of(t.change),
            taxes: taxes(t),
            tenders: tenders(t),
            drawer: x.drawer.as_ref().map(|d| DrawerView {
                float: Dec::of(d.float),
                paid_in: Dec::of(d.paid_in),
                paid_out: Dec::of(d.paid_out),
                drops: Dec::of(d.drops),
                no_sales: d.no_sales,
            }),
            expected: x
                .expected
                .iter()
                .map(|(tender, m)| ExpectedView { tender: tender.clone(), amount: Dec::of(m) })
                .collect(),
            expected_withheld: x.expected_withheld,
            grand_total: Dec::of(x.grand_total),
            journal_records: x.journal_records,
        }
    }
}

/// Sales in one hour of the day (the store's time), for the X report's chart.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HourTotal {
    /// Hour 0–23.
    pub hour: u8,
    /// What was sold in it (returns negative).
    pub total: Dec,
}

/// The X report for the Manager screen: its figures, sales by hour, and the printed layout.
#[derive(Debug, Clone, Serialize, TS)]
pub struct XReportReply {
    pub report: XReportView,
    /// Sales by hour, hours with sales only.
    pub by_hour: Vec<HourTotal>,
    /// The report as printed.
    pub text: String,
}

impl XReportReply {
    /// The reply for `report`, its hours and its printed `text`.
    pub fn new(report: &XReport, by_hour: &[(u8, Money)], text: String) -> XReportReply {
        XReportReply {
            report: XReportView::from(report),
            by_hour: by_hour.iter().map(|(hour, total)| HourTotal { hour: *hour, total: Dec::of(total) }).collect(),
            text,
        }
    }
}

/// Expected against counted for one tender at a close.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BalanceView {
    pub tender: String,
    /// What it should hold.
    pub expected: Dec,
    /// What was counted.
    pub counted: Dec,
    /// Counted less expected (negative: short).
    pub over_short: Dec,
}

/// A Z report for the Manager screen: its number, the figures a manager checks, and the
/// printed layout. (Scripts read the Z as stored and journalled, `till.z-report` v1.)
#[derive(Debug, Clone, Serialize, TS)]
pub struct ZReportReply {
    /// The Z report's number.
    pub number: u64,
    /// Expected against counted per tender.
    pub balances: Vec<BalanceView>,
    /// Tax per rate.
    pub taxes: Vec<TaxView>,
    /// What each tender took.
    pub tenders: Vec<TenderTotalView>,
    /// The session's total.
    pub total: Dec,
    /// The report as printed.
    pub text: String,
}

impl ZReportReply {
    /// The reply for `z` and its printed `text`.
    pub fn new(z: &ZReport, text: String) -> ZReportReply {
        ZReportReply {
            number: z.number,
            balances: z
                .balances
                .iter()
                .map(|b| BalanceView {
                    tender: b.tender.clone(),
                    expected: Dec::of(b.expected),
                    counted: Dec::of(b.counted),
                    over_short: b.over_short().map_or_else(Dec::of, Dec::of),
                })
                .collect(),
            taxes: taxes(&z.totals),
            tenders: tenders(&z.totals),
            total: Dec::of(z.totals.total),
            text,
        }
    }
}

/// Cash moved without a sale.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CashMovementView {
    /// The movement's number.
    pub movement: i64,
    /// Its cash session.
    pub session: i64,
    /// `paid_in`, `paid_out`, `drop` or `no_sale`.
    pub kind: String,
    /// Signed: negative when cash left the drawer.
    pub amount: Dec,
    pub reason: String,
    /// Who approved it, when it needed approval.
    pub approver: Option<String>,
}

impl From<&till_register::CashMovement> for CashMovementView {
    fn from(m: &till_register::CashMovement) -> Self {
        CashMovementView {
            movement: m.id,
            session: m.session,
            kind: m.kind.clone(),
            amount: Dec(m.amount.clone()),
            reason: m.reason.clone(),
            approver: m.approver.clone(),
        }
    }
}

/// A cash session opened with its float.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DrawerOpened {
    /// The session's number.
    pub session: u64,
    /// The float counted.
    pub float: Dec,
}
