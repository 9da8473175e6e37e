//! The bare-SQLite baselines of the closing-time figures: a bare copy of the sales a
//! fixture register holds (amounts as integer cents, the shape a minimal program would
//! choose), the totals a Z report needs computed by SQLite itself, a receipt found by its
//! number, and a hash chain over the same journal bytes verified with SHA-256.

use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;
use sha2::{Digest, Sha256};
use till_domain::{Money, SaleRecord, TenderKind};
use till_register::Register;

use crate::baseline;

/// Rows inserted per transaction while copying (the copy is not timed).
const BATCH: usize = 10_000;
/// The hash the first journal record points back to, as in Till's chain.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An amount in integer cents; refuses anything finer.
fn cents(m: Money) -> Result<i64> {
    let c = m.amount() * Decimal::ONE_HUNDRED;
    ensure!(c.fract().is_zero(), "{m} is not a whole number of cents");
    c.to_i64().with_context(|| format!("{m} does not fit in cents"))
}

/// The tender a payment counts under, as Till's reports name it.
fn tender_name(kind: &TenderKind) -> String {
    match kind {
        TenderKind::Cash => "cash".into(),
        TenderKind::Card(_) => "card".into(),
        TenderKind::Custom(name) => name.clone(),
        TenderKind::StoreCredit(_) => "store_credit".into(),
    }
}

/// A bare copy of sales being written: one open transaction, committed every [`BATCH`].
pub struct BareSales {
    conn: Connection,
    pending: usize,
}

impl BareSales {
    /// Creates the file at `path` with Till's pragmas (syncing off while it is filled).
    pub fn create(path: &Path) -> Result<BareSales> {
        let conn = baseline::open(path)?;
        conn.execute_batch(
            "CREATE TABLE sales (seq INTEGER PRIMARY KEY, number TEXT NOT NULL, id TEXT NOT NULL, \
               session_id INTEGER NOT NULL, at TEXT NOT NULL, subtotal INTEGER NOT NULL, discount INTEGER NOT NULL, \
               tax INTEGER NOT NULL, total INTEGER NOT NULL, change INTEGER NOT NULL, lines TEXT NOT NULL);
             CREATE TABLE sale_taxes (sale_seq INTEGER NOT NULL, seq INTEGER NOT NULL, rate TEXT NOT NULL, \
               net INTEGER NOT NULL, tax INTEGER NOT NULL, gross INTEGER NOT NULL, PRIMARY KEY (sale_seq, seq)) WITHOUT ROWID;
             CREATE TABLE payments (sale_seq INTEGER NOT NULL, seq INTEGER NOT NULL, tender TEXT NOT NULL, \
               amount INTEGER NOT NULL, PRIMARY KEY (sale_seq, seq)) WITHOUT ROWID;
             CREATE TABLE z_reports (number INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, at TEXT NOT NULL, \
               payload TEXT NOT NULL);
             PRAGMA synchronous=OFF;
             BEGIN;",
        )
        .with_context(|| format!("cannot create the bare sales tables in {}", path.display()))?;
        Ok(BareSales { conn, pending: 0 })
    }

    /// Copies one committed sale: its totals, tax breakdown, payments, and its lines as
    /// JSON (what a return screen shows).
    pub fn add(&mut self, sale: &SaleRecord) -> Result<()> {
        let seq = sale.receipt.seq as i64;
        let c = &sale.cart;
        let lines: Vec<_> = c
            .lines
            .iter()
            .map(|l| json!([l.id.0, l.sku, l.name, l.quantity.value().to_string(), l.total.to_string()]))
            .collect();
        let session = sale.session.context("a fixture sale has no cash session")? as i64;
        self.conn
            .prepare_cached(
                "INSERT INTO sales (seq, number, id, session_id, at, subtotal, discount, tax, total, change, lines) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                seq,
                sale.receipt.to_string(),
                sale.id,
                session,
                sale.at.to_string(),
                cents(c.subtotal)?,
                cents(c.discount_total)?,
                cents(c.tax_total)?,
                cents(c.total)?,
                cents(sale.settlement.change)?,
                serde_json::Value::Array(lines).to_string(),
            ])
            .with_context(|| format!("cannot copy sale {}", sale.receipt))?;
        for (i, t) in c.taxes.iter().enumerate() {
            self.conn
                .prepare_cached(
                    "INSERT INTO sale_taxes (sale_seq, seq, rate, net, tax, gross) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![seq, i as i64, t.rate.to_string(), cents(t.net)?, cents(t.tax)?, cents(t.gross)?])?;
        }
        for (i, p) in sale.settlement.payments.iter().enumerate() {
            self.conn
                .prepare_cached("INSERT INTO payments (sale_seq, seq, tender, amount) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![seq, i as i64, tender_name(&p.kind), cents(p.amount)?])?;
        }
        self.pending += 1;
        if self.pending >= BATCH {
            self.conn.execute_batch("COMMIT; BEGIN;").context("cannot commit the bare copy")?;
            self.pending = 0;
        }
        Ok(())
    }

    /// Commits the rest and builds the indexes: receipt number (unique) and session.
    pub fn finish(self) -> Result<()> {
        self.conn
            .execute_batch(
                "COMMIT;
                 CREATE UNIQUE INDEX sales_number ON sales (number);
                 CREATE INDEX sales_session ON sales (session_id);
                 PRAGMA synchronous=FULL;
                 PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .context("cannot index the bare sales")
    }
}

/// What a Z report needs, as bare SQLite computes it over one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BareTotals {
    /// Sales in the session.
    pub sales: i64,
    /// Σ subtotal, discount, tax, total, change (cents).
    pub sums: [i64; 5],
    /// Per tax rate: rate, Σ net, Σ tax, Σ gross.
    pub taxes: Vec<(String, i64, i64, i64)>,
    /// Per tender: name, payments, Σ amount.
    pub tenders: Vec<(String, i64, i64)>,
}

/// The totals of session `session`: one aggregate over its sales (through the session
/// index) and two grouped joins (tax by rate, payments by tender).
pub fn totals(conn: &Connection, session: i64) -> Result<BareTotals> {
    let (sales, sums) = conn
        .prepare_cached(
            "SELECT count(*), sum(subtotal), sum(discount), sum(tax), sum(total), sum(change) \
             FROM sales WHERE session_id = ?1",
        )?
        .query_row([session], |r| {
            // SQLite sums integers exactly (an overflow is an error); over no rows, NULL.
            let sum = |i: usize| r.get::<_, Option<i64>>(i).map(Option::unwrap_or_default);
            Ok((r.get::<_, i64>(0)?, [sum(1)?, sum(2)?, sum(3)?, sum(4)?, sum(5)?]))
        })
        .context("cannot sum the session's sales")?;
    let taxes = conn
        .prepare_cached(
            "SELECT t.rate, sum(t.net), sum(t.tax), sum(t.gross) FROM sales s JOIN sale_taxes t ON t.sale_seq = s.seq \
             WHERE s.session_id = ?1 GROUP BY t.rate ORDER BY t.rate DESC",
        )?
        .query_map([session], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .context("cannot sum the session's taxes")?;
    let tenders = conn
        .prepare_cached(
            "SELECT p.tender, count(*), sum(p.amount) FROM sales s JOIN payments p ON p.sale_seq = s.seq \
             WHERE s.session_id = ?1 GROUP BY p.tender ORDER BY p.tender",
        )?
        .query_map([session], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .context("cannot sum the session's payments")?;
    Ok(BareTotals { sales, sums, taxes, tenders })
}

/// The bare Z report: in one `BEGIN IMMEDIATE` transaction, the session's totals, the
/// next Z number, the report row (its totals as JSON) inserted, committed durably.
pub fn z_report(conn: &mut Connection, session: i64, at: &str) -> Result<BareTotals> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).context("cannot begin the bare Z")?;
    let t = totals(&tx, session)?;
    let number: i64 = tx.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM z_reports", [], |r| r.get(0))?;
    let payload = json!({
        "number": number, "session": session, "at": at, "sales": t.sales, "sums": t.sums,
        "taxes": t.taxes, "tenders": t.tenders,
    })
    .to_string();
    tx.execute(
        "INSERT INTO z_reports (number, session_id, at, payload) VALUES (?1, ?2, ?3, ?4)",
        params![number, session, at, payload],
    )
    .context("cannot write the bare Z")?;
    tx.commit().context("cannot commit the bare Z")?;
    Ok(t)
}

/// A receipt as the bare lookup returns it: seq, sale id, time, total (cents), lines JSON.
pub type BareReceipt = (i64, String, String, i64, String);

/// The indexed lookup a return rests on.
pub const RECEIPT_SQL: &str = "SELECT seq, id, at, total, lines FROM sales WHERE number = ?1";

/// Finds a receipt by its number on an open bare connection.
pub fn find_receipt(conn: &Connection, number: &str) -> Result<Option<BareReceipt>> {
    conn.prepare_cached(RECEIPT_SQL)
        .context("cannot prepare the receipt lookup")?
        .query_row([number], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()
        .with_context(|| format!("cannot look up receipt {number}"))
}

/// Copies the register's journal, byte for byte, into a bare table at `path`; returns the
/// records copied. Read through `Store::each_journal_record` (untimed): the bench opens
/// no Till database file itself.
pub fn copy_journal(register: &Register, path: &Path) -> Result<u64> {
    let conn = baseline::open(path)?;
    conn.execute_batch(
        "CREATE TABLE journal (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, at TEXT NOT NULL, \
           amount TEXT NOT NULL, grand_total TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, \
           hash TEXT NOT NULL);
         PRAGMA synchronous=OFF;
         BEGIN;",
    )
    .with_context(|| format!("cannot create the bare journal in {}", path.display()))?;
    let mut prev = GENESIS.to_string();
    let mut copied = 0u64;
    let mut failure = None;
    register
        .store()
        .each_journal_record(&mut |r| {
            let result = conn
                .prepare_cached(
                    "INSERT INTO journal (seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        r.seq as i64,
                        r.kind,
                        r.reference,
                        r.at.to_string(),
                        r.amount.to_string(),
                        r.grand_total.to_string(),
                        r.payload,
                        prev,
                        r.hash
                    ])
                });
            if let Err(e) = result {
                failure.get_or_insert(e);
            }
            prev = r.hash;
            copied += 1;
            Ok(())
        })
        .context("cannot read the register's journal")?;
    if let Some(e) = failure {
        return Err(e).context("cannot copy a journal record");
    }
    conn.execute_batch("COMMIT; PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(TRUNCATE);")
        .context("cannot commit the bare journal")?;
    Ok(copied)
}

/// Verifies the bare journal's hash chain: every record read in order, its fields hashed
/// with SHA-256 exactly as Till hashes them, the hash and the link to the previous
/// record compared, the numbering checked. Returns the records verified; a broken chain
/// is an error (the copy would not be the same bytes).
pub fn verify_journal(conn: &Connection) -> Result<u64> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash FROM journal ORDER BY seq",
        )
        .context("cannot prepare the journal scan")?;
    let mut rows = stmt.query([]).context("cannot read the bare journal")?;
    let mut prev = GENESIS.to_string();
    let mut expected = 1i64;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let seq_text = seq.to_string();
        let prev_hash = r.get_ref(7)?.as_str()?;
        if seq != expected || prev_hash != prev {
            bail!("bare journal record {seq}: out of order or not linked to the one before");
        }
        let mut h = Sha256::new();
        for part in [seq_text.as_str(), r.get_ref(1)?.as_str()?, r.get_ref(2)?.as_str()?, r.get_ref(3)?.as_str()?] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        for i in [4, 5, 7, 6] {
            h.update(r.get_ref(i)?.as_str()?.as_bytes());
            h.update([0x1f]);
        }
        let hash = hex::encode(h.finalize());
        if hash != r.get_ref(8)?.as_str()? {
            bail!(
                "bare journal record {seq}: its hash does not match its contents (the copy differs from Till's bytes)"
            );
        }
        prev = hash;
        expected += 1;
    }
    Ok((expected - 1) as u64)
}
