//! What returns need to know about earlier sales: how much of a line was already taken
//! back, what was already refunded to each tender, and what an item sold for lately.
//!
//! Returned quantities are keyed by the original sale's id (not its local number), so
//! returns synced from other registers (#4) count the same way.

use rust_decimal::Decimal;
use till_domain::{Money, Payment, TenderKind};

use crate::{Result, Store, codec};

impl Store {
    /// How much of line `line` of sale `sale_id` has been returned so far.
    pub fn returned_quantity(&self, sale_id: &str, line: u32) -> Result<Decimal> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT quantity, sale_seq FROM sale_lines WHERE return_of_sale = ?1 AND return_of_line = ?2",
        )?;
        let mut rows = stmt.query(rusqlite::params![sale_id, line])?;
        let mut total = Decimal::ZERO;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(1)?;
            total +=
                codec::decimal(&r.get::<_, String>(0)?, || format!("sale_lines.quantity of receipt sequence {seq}"))?;
        }
        Ok(total)
    }

    /// Refunds already paid out for returns of sale `sale_id` (negative payments).
    pub fn refunds_of(&self, sale_id: &str) -> Result<Vec<Payment>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.kind, p.name, p.card_last4, p.card_reference, p.amount, p.sale_seq FROM payments p \
             WHERE p.sale_seq IN (SELECT DISTINCT sale_seq FROM sale_lines WHERE return_of_sale = ?1)",
        )?;
        let mut rows = stmt.query([sale_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(5)?;
            let amount =
                codec::money(&r.get::<_, String>(4)?, || format!("payments.amount of receipt sequence {seq}"))?;
            if !amount.is_negative() {
                continue;
            }
            let name = || r.get::<_, Option<String>>(1).map(Option::unwrap_or_default);
            let kind = match r.get::<_, String>(0)?.as_str() {
                "cash" => TenderKind::Cash,
                "card" => TenderKind::Card(till_domain::CardDetails {
                    brand: name()?,
                    last4: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    reference: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                }),
                "store_credit" => TenderKind::StoreCredit(name()?),
                _ => TenderKind::Custom(name()?),
            };
            out.push(Payment { kind, amount, tendered: amount });
        }
        Ok(out)
    }

    /// The lowest price per unit `sku` was sold at since `since`, if it sold at all: the
    /// shelf price charged (price list or override), before promotions and discounts —
    /// a piece given free by "3 for 2" did not sell for nothing.
    pub fn lowest_recent_unit_price(&self, sku: &str, since: jiff::Timestamp) -> Result<Option<Money>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.gross, l.quantity, s.at, s.seq FROM sale_lines l JOIN sales s ON s.seq = l.sale_seq \
             WHERE l.sku = ?1 AND l.returned = 0",
        )?;
        let mut rows = stmt.query([sku])?;
        let mut lowest: Option<Decimal> = None;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(3)?;
            let at = codec::timestamp(&r.get::<_, String>(2)?, || format!("sales.at of receipt sequence {seq}"))?;
            if at < since {
                continue;
            }
            let place = || format!("sale_lines of receipt sequence {seq}");
            let gross = codec::decimal(&r.get::<_, String>(0)?, place)?;
            let quantity = codec::decimal(&r.get::<_, String>(1)?, place)?;
            if quantity.is_zero() {
                continue;
            }
            let unit = gross / quantity;
            lowest = Some(lowest.map_or(unit, |l| l.min(unit)));
        }
        Ok(lowest.map(Money::new))
    }
}
