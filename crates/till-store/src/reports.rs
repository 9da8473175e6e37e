//! Totals over completed sales, for X (and later Z) reports. Built from the same stored
//! rows the receipts are printed from, so they agree to the cent.

use rust_decimal::Decimal;

use till_domain::{Money, SalesTotals};

use crate::codec;
use crate::{Result, Store};

impl Store {
    /// Totals over the documents of one cash session, or (with `None`) over every
    /// document ever rung on this register.
    pub fn sales_totals(&self, session: Option<i64>) -> Result<SalesTotals> {
        // Two statements, not one `?1 IS NULL OR session_id = ?1`: SQLite cannot use the
        // session index for that, and a Z report would read the register's whole history.
        let in_scope = if session.is_some() { "session_id = ?1" } else { "?1 IS NULL" };
        let mut t = SalesTotals::default();
        let mut sums = [Decimal::ZERO; 6];
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT seq, subtotal, discount_total, tax_total, total, cash_rounding, change, kind FROM sales \
             WHERE {in_scope} ORDER BY seq"
        ))?;
        let mut rows = stmt.query([session])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let amount = |i: usize, col: &str| -> Result<Decimal> {
                codec::decimal(&r.get::<_, String>(i)?, || format!("sales.{col} of receipt sequence {seq}"))
            };
            for (i, col) in
                ["subtotal", "discount_total", "tax_total", "total", "cash_rounding", "change"].into_iter().enumerate()
            {
                sums[i] = add(sums[i], amount(i + 1, col)?)?;
            }
            t.sales += 1;
            if r.get::<_, String>(7)? != "sale" {
                t.returns += 1;
            }
            let seq = seq as u64;
            t.receipts = Some(t.receipts.map_or((seq, seq), |(first, _)| (first, seq)));
        }

        [t.subtotal, t.discount_total, t.tax_total, t.total, t.cash_rounding, t.change] = sums.map(Money::new);
        let scope = format!("sale_seq IN (SELECT seq FROM sales WHERE {in_scope})");

        let mut returned = Decimal::ZERO;
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT total, sale_seq FROM sale_lines WHERE returned = 1 AND {scope}"))?;
        let mut rows = stmt.query([session])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(1)?;
            let total =
                codec::decimal(&r.get::<_, String>(0)?, || format!("sale_lines.total of receipt sequence {seq}"))?;
            returned = add(returned, total)?;
        }
        t.returned = Money::new(returned);

        let overflow = || crate::StoreError::Corrupt("report totals overflow".into());
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT label, rate, net, tax, gross, sale_seq FROM sale_taxes WHERE {scope}"))?;
        let mut rows = stmt.query([session])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(5)?;
            let at = || format!("sale_taxes of receipt sequence {seq}");
            let amount = |i: usize| codec::decimal(&r.get::<_, String>(i)?, at);
            t.add_tax(&r.get::<_, String>(0)?, amount(1)?, amount(2)?, amount(3)?, amount(4)?).ok_or_else(overflow)?;
        }

        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT kind, name, amount, sale_seq FROM payments WHERE {scope}"))?;
        let mut rows = stmt.query([session])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(3)?;
            let kind: String = r.get(0)?;
            let name: Option<String> = r.get(1)?;
            let tender = if kind == "custom" { name.unwrap_or(kind) } else { kind };
            let amount = codec::decimal(&r.get::<_, String>(2)?, || format!("payments of receipt sequence {seq}"))?;
            t.add_tender(&tender, amount).ok_or_else(overflow)?;
        }
        Ok(t)
    }
}

/// Adds two stored amounts; a sum out of range means the stored values are corrupt.
fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(|| crate::StoreError::Corrupt(format!("report totals overflow adding {b} to {a}")))
}
