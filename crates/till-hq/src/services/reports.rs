//! HQ's sales report per register, totalled with the same rules as the register's own
//! X and Z reports (`till_domain::SalesTotals`), so the two agree to the cent.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use till_domain::{Money, SalesTotals};

use super::Hq;
use crate::db::rows::{RegisterRow, SaleRow, SaleTaxRow, SaleTenderRow};
use crate::db::with_tx;
use crate::error::HqError;

/// One register's books at HQ.
#[derive(Debug, Clone)]
pub struct RegisterSales {
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// Totals of the sales booked.
    pub totals: SalesTotals,
    /// The register's perpetual grand total after the last record materialized.
    pub grand_total: Decimal,
    /// The last journal record materialized.
    pub through_seq: u64,
    /// Whether materializing is stopped by a broken-chain conflict.
    pub halted: bool,
}

fn overflow() -> HqError {
    HqError::Internal("report totals overflow".into())
}

/// One booked sale, for listings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BookedSale {
    /// Sale id.
    pub id: String,
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// Receipt number.
    pub receipt: String,
    /// `sale`, `return` or `exchange`.
    pub kind: String,
    /// When it was rung (the register's clock).
    pub at: String,
    /// Its total.
    pub total: String,
}

impl Hq {
    /// Every booked sale (of one store, if given), by register and receipt.
    pub fn booked_sales(&self, store: Option<&str>) -> Result<Vec<BookedSale>, HqError> {
        with_tx(self.db(), |tx| {
            let rows = tx.query(&format!("SELECT {} FROM sales ORDER BY register_key, seq", SaleRow::COLUMNS), &[])?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let sale = SaleRow::from_row(r)?;
                if store.is_none_or(|s| s == sale.store) {
                    out.push(BookedSale {
                        id: sale.id,
                        store: sale.store,
                        register: sale.register,
                        receipt: sale.receipt,
                        kind: sale.kind,
                        at: sale.at,
                        total: sale.total.to_string(),
                    });
                }
            }
            Ok(out)
        })
    }

    /// Every register's sales (of one store, if given), by store and register.
    pub fn sales_report(&self, store: Option<&str>) -> Result<Vec<RegisterSales>, HqError> {
        with_tx(self.db(), |tx| {
            let mut out: BTreeMap<String, RegisterSales> = BTreeMap::new();
            for r in &tx.query(&format!("SELECT {} FROM registers ORDER BY key", RegisterRow::COLUMNS), &[])? {
                let reg = RegisterRow::from_row(r)?;
                if store.is_some_and(|s| s != reg.store) {
                    continue;
                }
                out.insert(
                    reg.key,
                    RegisterSales {
                        store: reg.store,
                        register: reg.register,
                        totals: SalesTotals::default(),
                        grand_total: reg.grand_total,
                        through_seq: reg.through_seq,
                        halted: !reg.halted.is_empty(),
                    },
                );
            }
            let sales = tx.query(&format!("SELECT {} FROM sales ORDER BY register_key, seq", SaleRow::COLUMNS), &[])?;
            for r in &sales {
                let sale = SaleRow::from_row(r)?;
                let Some(reg) = out.get_mut(&sale.register_key) else { continue };
                let t = &mut reg.totals;
                t.sales += 1;
                if sale.kind != "sale" {
                    t.returns += 1;
                }
                let add = |m: Money, amount: Decimal| -> Result<Money, HqError> {
                    Ok(Money::new(m.amount().checked_add(amount).ok_or_else(overflow)?))
                };
                t.subtotal = add(t.subtotal, sale.subtotal)?;
                t.discount_total = add(t.discount_total, sale.discount_total)?;
                t.tax_total = add(t.tax_total, sale.tax_total)?;
                t.total = add(t.total, sale.total)?;
                t.cash_rounding = add(t.cash_rounding, sale.cash_rounding)?;
                t.change = add(t.change, sale.change_given)?;
                t.returned = add(t.returned, sale.returned)?;
                let receipt_seq = receipt_seq(&sale.receipt)?;
                t.receipts = Some(t.receipts.map_or((receipt_seq, receipt_seq), |(first, _)| (first, receipt_seq)));
            }
            for r in &tx.query(
                &format!(
                    "SELECT s.register_key, {} FROM sale_taxes t JOIN sales s ON s.id = t.sale_id \
                     ORDER BY s.register_key, s.seq, t.n",
                    SaleTaxRow::COLUMNS
                ),
                &[],
            )? {
                let Some(reg) = out.get_mut(&r.of("sales").text("register_key")?) else { continue };
                let tax = SaleTaxRow::from_row(r)?;
                reg.totals.add_tax(&tax.label, tax.rate, tax.net, tax.tax, tax.gross).ok_or_else(overflow)?;
            }
            for r in &tx.query(
                &format!(
                    "SELECT s.register_key, {} FROM sale_tenders p JOIN sales s ON s.id = p.sale_id \
                     ORDER BY s.register_key, s.seq, p.n",
                    SaleTenderRow::COLUMNS
                ),
                &[],
            )? {
                let Some(reg) = out.get_mut(&r.of("sales").text("register_key")?) else { continue };
                let tender = SaleTenderRow::from_row(r)?;
                reg.totals.add_tender(&tender.tender, tender.amount).ok_or_else(overflow)?;
            }
            Ok(out.into_values().collect())
        })
    }
}

/// The number a receipt (`REGISTER-000123`) ends in.
fn receipt_seq(receipt: &str) -> Result<u64, HqError> {
    receipt
        .rsplit('-')
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| HqError::Internal(format!("stored sales.receipt: '{receipt}' does not end in a number")))
}
