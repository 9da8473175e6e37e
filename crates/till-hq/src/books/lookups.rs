//! The log of registers' order lookups for returns (BORIS): who asked for which order, how,
//! and whether it was found. It is the audit trail of who saw which customer's order, and
//! the count the lookup's rate limit reads.

use serde::Serialize;

use crate::db::Tx;
use crate::error::HqError;

/// One logged lookup.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    /// When (RFC 3339).
    pub at: String,
    /// The asking register (`STORE/REGISTER`).
    pub register: String,
    /// `number+email` or `code`.
    pub via: String,
    /// The order number as asked (empty for a code).
    pub asked: String,
    /// The order found ("" when none matched).
    pub order_id: String,
}

/// Logs a lookup.
pub(crate) fn record(tx: &mut dyn Tx, l: &Lookup) -> Result<(), HqError> {
    tx.exec(
        "INSERT INTO order_lookups (at, register, via, asked, order_id) VALUES ($1, $2, $3, $4, $5)",
        &[
            l.at.as_str().into(),
            l.register.as_str().into(),
            l.via.as_str().into(),
            l.asked.as_str().into(),
            l.order_id.as_str().into(),
        ],
    )?;
    Ok(())
}

/// How many lookups `register` made since `since` (RFC 3339), and how many of them found
/// nothing.
pub(crate) fn since(tx: &mut dyn Tx, register: &str, since: &str) -> Result<(u64, u64), HqError> {
    let count = |tx: &mut dyn Tx, sql: &str| -> Result<u64, HqError> {
        let row = tx.one(sql, &[register.into(), since.into()])?;
        Ok(row.map(|r| r.of("order_lookups").count("n")).transpose()?.unwrap_or(0))
    };
    let all = count(tx, "SELECT COUNT(*) AS n FROM order_lookups WHERE register = $1 AND at >= $2")?;
    let misses =
        count(tx, "SELECT COUNT(*) AS n FROM order_lookups WHERE register = $1 AND at >= $2 AND order_id = ''")?;
    Ok((all, misses))
}

/// The logged lookups, newest first, of `register` (all registers when empty), at most `limit`.
pub(crate) fn list(tx: &mut dyn Tx, register: &str, limit: u32) -> Result<Vec<Lookup>, HqError> {
    let rows = tx.query(
        "SELECT at, register, via, asked, order_id FROM order_lookups \
         WHERE $1 = '' OR register = $1 ORDER BY at DESC LIMIT $2",
        &[register.into(), i64::from(limit).into()],
    )?;
    rows.iter()
        .map(|r| {
            let f = r.of("order_lookups");
            Ok(Lookup {
                at: f.text("at")?,
                register: f.text("register")?,
                via: f.text("via")?,
                asked: f.text("asked")?,
                order_id: f.text("order_id")?,
            })
        })
        .collect()
}
