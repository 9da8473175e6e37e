//! `journal`, `sales`, `sale_taxes` and `sale_tenders`: records staged from registers'
//! journals, and the sales booked from them.

use rust_decimal::Decimal;
use till_docs::StoredRecord;

use crate::db::{Row, RowError};

/// The columns [`stored_record`] reads from `journal`.
pub const JOURNAL_COLUMNS: &str = "seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash";

/// A row of `journal` as the record the register's document carried (`hash` holds its
/// check).
pub fn stored_record(row: &Row) -> Result<StoredRecord, RowError> {
    let r = row.of("journal");
    Ok(StoredRecord {
        seq: r.count("seq")?,
        kind: r.text("kind")?,
        reference: r.text("ref")?,
        at: r.text("at")?,
        amount: r.text("amount")?,
        grand_total: r.text("grand_total")?,
        payload: r.text("payload")?,
        prev_hash: r.text("prev_hash")?,
        check: r.text("hash")?,
    })
}

/// A row of `sales`: one sale booked once, by its id.
#[derive(Debug, Clone)]
pub struct SaleRow {
    /// Sale id.
    pub id: String,
    /// `STORE/REGISTER`.
    pub register_key: String,
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// Its journal record.
    pub seq: u64,
    /// Receipt number.
    pub receipt: String,
    /// `sale`, `return` or `exchange`.
    pub kind: String,
    /// When it was rung (the register's clock).
    pub at: String,
    /// Business day.
    pub business_date: String,
    /// Subtotal.
    pub subtotal: Decimal,
    /// Discounts.
    pub discount_total: Decimal,
    /// Tax.
    pub tax_total: Decimal,
    /// Total.
    pub total: Decimal,
    /// Cash rounding.
    pub cash_rounding: Decimal,
    /// Change given.
    pub change_given: Decimal,
    /// What its return lines refunded.
    pub returned: Decimal,
    /// SHA-256 of the journalled payload.
    pub content_hash: String,
}

impl SaleRow {
    /// The columns [`SaleRow::from_row`] reads.
    pub const COLUMNS: &str = "id, register_key, store, register, seq, receipt, kind, at, business_date, subtotal, \
                               discount_total, tax_total, total, cash_rounding, change_given, returned, content_hash";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<SaleRow, RowError> {
        let r = row.of("sales");
        Ok(SaleRow {
            id: r.text("id")?,
            register_key: r.text("register_key")?,
            store: r.text("store")?,
            register: r.text("register")?,
            seq: r.count("seq")?,
            receipt: r.text("receipt")?,
            kind: r.text("kind")?,
            at: r.text("at")?,
            business_date: r.text("business_date")?,
            subtotal: r.decimal("subtotal")?,
            discount_total: r.decimal("discount_total")?,
            tax_total: r.decimal("tax_total")?,
            total: r.decimal("total")?,
            cash_rounding: r.decimal("cash_rounding")?,
            change_given: r.decimal("change_given")?,
            returned: r.decimal("returned")?,
            content_hash: r.text("content_hash")?,
        })
    }
}

/// A row of `sale_taxes`: one rate of a booked sale.
#[derive(Debug, Clone)]
pub struct SaleTaxRow {
    /// The sale.
    pub sale_id: String,
    /// Its place in the sale's breakdown.
    pub n: i64,
    /// The rate's label.
    pub label: String,
    /// Rate, percent.
    pub rate: Decimal,
    /// Net amount.
    pub net: Decimal,
    /// Tax.
    pub tax: Decimal,
    /// Gross amount.
    pub gross: Decimal,
}

impl SaleTaxRow {
    /// The columns [`SaleTaxRow::from_row`] reads (qualified `t.` for a join).
    pub const COLUMNS: &str = "t.sale_id, t.n, t.label, t.rate, t.net, t.tax, t.gross";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<SaleTaxRow, RowError> {
        let r = row.of("sale_taxes");
        Ok(SaleTaxRow {
            sale_id: r.text("sale_id")?,
            n: r.int("n")?,
            label: r.text("label")?,
            rate: r.decimal("rate")?,
            net: r.decimal("net")?,
            tax: r.decimal("tax")?,
            gross: r.decimal("gross")?,
        })
    }
}

/// A row of `sale_tenders`: one payment of a booked sale.
#[derive(Debug, Clone)]
pub struct SaleTenderRow {
    /// The sale.
    pub sale_id: String,
    /// Its place in the sale.
    pub n: i64,
    /// The tender's name (a custom tender by its name).
    pub tender: String,
    /// Amount.
    pub amount: Decimal,
}

impl SaleTenderRow {
    /// The columns [`SaleTenderRow::from_row`] reads (qualified `p.` for a join).
    pub const COLUMNS: &str = "p.sale_id, p.n, p.tender, p.amount";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<SaleTenderRow, RowError> {
        let r = row.of("sale_tenders");
        Ok(SaleTenderRow {
            sale_id: r.text("sale_id")?,
            n: r.int("n")?,
            tender: r.text("tender")?,
            amount: r.decimal("amount")?,
        })
    }
}
