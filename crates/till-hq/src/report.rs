//! HQ's sales report per register, totalled with the same rules as the register's own
//! X and Z reports (`till_domain::SalesTotals`), so the two agree to the cent.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use till_domain::{Money, SalesTotals};

use crate::db::with_tx;
use crate::{Hq, HqError};

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

fn bad(what: &str, text: &str) -> HqError {
    HqError::Internal(format!("stored {what} '{text}' is not a decimal"))
}

fn dec(what: &str, text: &str) -> Result<Decimal, HqError> {
    Decimal::from_str_exact(text).map_err(|_| bad(what, text))
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
            let rows = tx.query(
                "SELECT id, store, register, receipt, kind, at, total FROM sales ORDER BY register_key, seq",
                &[],
            )?;
            Ok(rows
                .iter()
                .filter(|r| store.is_none_or(|s| s == r.text(1)))
                .map(|r| BookedSale {
                    id: r.text(0),
                    store: r.text(1),
                    register: r.text(2),
                    receipt: r.text(3),
                    kind: r.text(4),
                    at: r.text(5),
                    total: r.text(6),
                })
                .collect())
        })
    }

    /// Every register's sales (of one store, if given), by store and register.
    pub fn sales_report(&self, store: Option<&str>) -> Result<Vec<RegisterSales>, HqError> {
        with_tx(self.db(), |tx| {
            let mut out: BTreeMap<String, RegisterSales> = BTreeMap::new();
            for r in tx.query(
                "SELECT key, store, register, grand_total, through_seq, halted FROM registers ORDER BY key",
                &[],
            )? {
                if store.is_some_and(|s| s != r.text(1)) {
                    continue;
                }
                out.insert(
                    r.text(0),
                    RegisterSales {
                        store: r.text(1),
                        register: r.text(2),
                        totals: SalesTotals::default(),
                        grand_total: dec("grand total", &r.text(3))?,
                        through_seq: r.int(4) as u64,
                        halted: !r.text(5).is_empty(),
                    },
                );
            }
            let sales = tx.query(
                "SELECT register_key, kind, subtotal, discount_total, tax_total, total, cash_rounding, change_given, \
                 returned, receipt, seq FROM sales ORDER BY register_key, seq",
                &[],
            )?;
            for r in sales {
                let Some(reg) = out.get_mut(&r.text(0)) else { continue };
                let t = &mut reg.totals;
                t.sales += 1;
                if r.text(1) != "sale" {
                    t.returns += 1;
                }
                let add = |m: Money, col: usize, what: &str| -> Result<Money, HqError> {
                    Ok(Money::new(m.amount().checked_add(dec(what, &r.text(col))?).ok_or_else(overflow)?))
                };
                t.subtotal = add(t.subtotal, 2, "subtotal")?;
                t.discount_total = add(t.discount_total, 3, "discount")?;
                t.tax_total = add(t.tax_total, 4, "tax")?;
                t.total = add(t.total, 5, "total")?;
                t.cash_rounding = add(t.cash_rounding, 6, "cash rounding")?;
                t.change = add(t.change, 7, "change")?;
                t.returned = add(t.returned, 8, "returned")?;
                let receipt_seq = r.text(9).rsplit('-').next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
                t.receipts = Some(t.receipts.map_or((receipt_seq, receipt_seq), |(first, _)| (first, receipt_seq)));
            }
            for r in tx.query(
                "SELECT s.register_key, t.label, t.rate, t.net, t.tax, t.gross FROM sale_taxes t \
                 JOIN sales s ON s.id = t.sale_id ORDER BY s.register_key, s.seq, t.n",
                &[],
            )? {
                let Some(reg) = out.get_mut(&r.text(0)) else { continue };
                reg.totals
                    .add_tax(
                        &r.text(1),
                        dec("rate", &r.text(2))?,
                        dec("net", &r.text(3))?,
                        dec("tax", &r.text(4))?,
                        dec("gross", &r.text(5))?,
                    )
                    .ok_or_else(overflow)?;
            }
            for r in tx.query(
                "SELECT s.register_key, p.tender, p.amount FROM sale_tenders p JOIN sales s ON s.id = p.sale_id \
                 ORDER BY s.register_key, s.seq, p.n",
                &[],
            )? {
                let Some(reg) = out.get_mut(&r.text(0)) else { continue };
                reg.totals.add_tender(&r.text(1), dec("tender amount", &r.text(2))?).ok_or_else(overflow)?;
            }
            Ok(out.into_values().collect())
        })
    }
}
