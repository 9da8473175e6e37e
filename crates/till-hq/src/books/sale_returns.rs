//! Receipts good at every register (#16 §3): each return line booked against the sale it
//! takes back from (whichever register rang either), and a sale found by its store and
//! receipt number with the journal records of the sale and of its returns.

use rust_decimal::Decimal;

use crate::db::{Tx, Val, insert_rows};
use crate::error::HqError;

/// One return line of a booked document that names a sale (not an online order).
pub(crate) struct TakenBack<'a> {
    /// The return document's line.
    pub line: u32,
    /// The sale it takes back from.
    pub of_sale: &'a str,
    /// That sale's line.
    pub of_line: u32,
    /// How much.
    pub quantity: Decimal,
}

/// Books the return lines of document `return_id` (journal record `seq` of register `key`).
pub(crate) fn book(
    tx: &mut dyn Tx,
    return_id: &str,
    key: &str,
    seq: u64,
    lines: &[TakenBack<'_>],
) -> Result<(), HqError> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut params: Vec<Val> = Vec::with_capacity(lines.len() * 7);
    for l in lines {
        params.extend([
            return_id.into(),
            i64::from(l.line).into(),
            l.of_sale.into(),
            i64::from(l.of_line).into(),
            l.quantity.to_string().into(),
            key.into(),
            (seq as i64).into(),
        ]);
    }
    insert_rows(
        tx,
        "INSERT INTO sale_returns (return_id, line, of_sale, of_line, quantity, register_key, seq)",
        7,
        &params,
    )
}

/// A booked sale found by receipt, with its journal record.
pub(crate) struct Found {
    /// Sale id.
    pub id: String,
    /// Store.
    pub store: String,
    /// Register.
    pub register: String,
    /// Receipt number.
    pub receipt: String,
    /// The sale's canonical JSON.
    pub payload: String,
}

/// The sale with receipt number `receipt` of store `store`, if HQ booked it.
pub(crate) fn find(tx: &mut dyn Tx, store: &str, receipt: &str) -> Result<Option<Found>, HqError> {
    let row = tx.one(
        "SELECT s.id, s.store, s.register, s.receipt, j.payload FROM sales s \
         JOIN journal j ON j.register_key = s.register_key AND j.seq = s.seq \
         WHERE s.store = $1 AND s.receipt = $2 ORDER BY s.register_key LIMIT 1",
        &[store.into(), receipt.into()],
    )?;
    let Some(row) = row else { return Ok(None) };
    let f = row.of("sales");
    Ok(Some(Found {
        id: f.text("id")?,
        store: f.text("store")?,
        register: f.text("register")?,
        receipt: f.text("receipt")?,
        payload: f.text("payload")?,
    }))
}

/// The journal records (canonical JSON) of the documents that took lines of sale `id`
/// back, at most `limit`, in the order they were booked.
pub(crate) fn returns_of(tx: &mut dyn Tx, id: &str, limit: usize) -> Result<Vec<String>, HqError> {
    let rows = tx.query(
        "SELECT j.payload FROM journal j JOIN \
         (SELECT DISTINCT register_key, seq FROM sale_returns WHERE of_sale = $1) r \
         ON j.register_key = r.register_key AND j.seq = r.seq ORDER BY j.register_key, j.seq LIMIT $2",
        &[id.into(), (limit as i64).into()],
    )?;
    rows.iter().map(|r| Ok(r.of("journal").text("payload")?)).collect()
}
