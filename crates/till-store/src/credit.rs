//! Store credit: a ledger per code, credited by refunds and debited when spent. The
//! register keeps it locally for now; HQ becomes authoritative with sync (#4).

use rusqlite::{Connection, Transaction, params};
use rust_decimal::Decimal;
use till_domain::{Money, SaleRecord, TenderKind};

use crate::{Result, Store, StoreError, codec};

/// The balance of a store-credit code.
fn balance(conn: &Connection, code: &str) -> Result<Decimal> {
    let mut stmt = conn.prepare_cached("SELECT amount, id FROM store_credit WHERE code = ?1")?;
    let mut rows = stmt.query([code])?;
    let mut total = Decimal::ZERO;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(1)?;
        let amount = codec::decimal(&r.get::<_, String>(0)?, || format!("store_credit.amount of entry {id}"))?;
        total = total
            .checked_add(amount)
            .ok_or_else(|| StoreError::Corrupt(format!("store credit {code} overflows at entry {id}")))?;
    }
    Ok(total)
}

/// Credits refunds to store credit and debits store credit spent, refusing to spend
/// more than a code holds.
pub(crate) fn record_sale(tx: &Transaction<'_>, sale: &SaleRecord, seq: i64) -> Result<()> {
    let at = sale.at.to_string();
    for p in &sale.settlement.payments {
        let TenderKind::StoreCredit(code) = &p.kind else { continue };
        if p.amount > Money::ZERO {
            let held = balance(tx, code)?;
            if held < p.amount.amount() {
                return Err(StoreError::Conflict(format!(
                    "store credit {code} holds {held}; {} cannot be spent from it",
                    p.amount
                )));
            }
        }
        tx.prepare_cached("INSERT INTO store_credit (code, amount, sale_seq, at) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![code, p.amount.negated().to_string(), seq, at])?;
    }
    Ok(())
}

impl Store {
    /// What a store-credit code holds (zero for an unknown code).
    pub fn store_credit_balance(&self, code: &str) -> Result<Money> {
        Ok(Money::new(balance(&self.conn, code)?))
    }

    /// True when the code was ever issued.
    pub fn store_credit_exists(&self, code: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM store_credit WHERE code = ?1)")?
            .query_row([code], |r| r.get(0))?)
    }
}
