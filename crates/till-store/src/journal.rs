//! The fiscal journal: append-only, numbered 1, 2, 3… without gaps, each record holding
//! the hash of the one before it and the perpetual grand total. Any edit to a record, or
//! to the sale tables a record describes, is found by [`Store::verify_journal`].

use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{Result, Store, codec, payload};

use till_docs::{GENESIS, RecordFields};

/// What a journal record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JournalKind {
    /// A completed document: sale, return or exchange (its amount moves the grand total).
    Sale,
    /// A sensitive action: who did it, who approved it.
    Audit,
    /// Cash moved without a sale (float, paid in/out, drop, no-sale opening).
    Cash,
    /// A Z report closing a cash session.
    Z,
}

impl JournalKind {
    fn as_str(self) -> &'static str {
        match self {
            JournalKind::Sale => "sale",
            JournalKind::Audit => "audit",
            JournalKind::Cash => "cash",
            JournalKind::Z => "z",
        }
    }
}

/// A journal record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    /// Its number.
    pub seq: u64,
    /// `sale`, `audit`, `cash` or `z`.
    pub kind: String,
    /// What it refers to (sale id, action, movement id, Z number).
    pub reference: String,
    /// When.
    pub at: jiff::Timestamp,
    /// What it adds to the grand total.
    pub amount: Decimal,
    /// The grand total after it.
    pub grand_total: Decimal,
    /// Its canonical JSON.
    pub payload: String,
    /// Its hash.
    pub hash: String,
}

/// A sensitive action to record in the journal's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// What was done (`price_override`, `reprint`, `pin_failed`, …).
    pub action: String,
    /// Who did it (`None` while the register is being set up).
    pub staff: Option<String>,
    /// Who approved it, when approval was needed.
    pub approver: Option<String>,
    /// What it was about, in words (line, amounts, receipt, note).
    pub detail: String,
}

impl crate::Store {
    /// The latest `limit` audit records, newest first: when, and what (from the journal,
    /// where each was written with the action it covers).
    pub fn audit_log(&self, limit: u32) -> Result<Vec<(String, AuditEntry)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, at, payload FROM journal WHERE kind = 'audit' ORDER BY seq DESC LIMIT ?1")?;
        let rows =
            stmt.query_map([limit], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, payload) = row?;
            let v: serde_json::Value = serde_json::from_str(&payload)
                .map_err(|e| crate::StoreError::Corrupt(format!("journal record {seq}: audit payload: {e}")))?;
            let text = |k: &str| v[k].as_str().map(str::to_string);
            out.push((
                at,
                AuditEntry {
                    action: text("action").unwrap_or_default(),
                    staff: text("staff"),
                    approver: text("approver"),
                    detail: text("detail").unwrap_or_default(),
                },
            ));
        }
        Ok(out)
    }
}

/// Appends an audit record (no amount) in `tx`.
pub(crate) fn append_audit(tx: &rusqlite::Connection, entry: &AuditEntry, at: &str) -> Result<i64> {
    let payload = payload::audit(entry, at)?;
    append(tx, JournalKind::Audit, &entry.action, at, Decimal::ZERO, &payload)
}

/// Appends a record in `tx`.
pub(crate) fn append(
    tx: &rusqlite::Connection,
    kind: JournalKind,
    reference: &str,
    at: &str,
    amount: Decimal,
    payload: &str,
) -> Result<i64> {
    let last: Option<(i64, String, String)> = tx
        .prepare_cached("SELECT seq, hash, grand_total FROM journal ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (seq, prev, grand) = match last {
        Some((seq, hash, grand)) => {
            (seq + 1, hash, codec::decimal(&grand, || format!("journal.grand_total of record {seq}"))?)
        }
        None => (1, GENESIS.to_string(), Decimal::ZERO),
    };
    let grand_total = grand
        .checked_add(amount)
        .ok_or_else(|| {
            crate::StoreError::Conflict(format!("the journal's grand total would overflow after record {}", seq - 1))
        })?
        .to_string();
    let amount = amount.to_string();
    let hash = RecordFields {
        seq: seq as u64,
        kind: kind.as_str(),
        reference,
        at,
        amount: &amount,
        grand_total: &grand_total,
        payload,
        prev_hash: &prev,
    }
    .hash();
    tx.prepare_cached(
        "INSERT INTO journal (seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![seq, kind.as_str(), reference, at, amount, grand_total, payload, prev, hash])?;
    Ok(seq)
}

/// The first thing wrong with the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalProblem {
    /// The journal record at fault (its sequence number).
    pub seq: u64,
    /// The receipt it records, when it records a sale.
    pub receipt: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for JournalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.receipt {
            Some(r) => write!(f, "journal record {} (receipt {r}): {}", self.seq, self.reason),
            None => write!(f, "journal record {}: {}", self.seq, self.reason),
        }
    }
}

/// The outcome of verifying the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalReport {
    /// Records read.
    pub records: u64,
    /// The perpetual grand total of the last good record.
    pub grand_total: Decimal,
    /// The hash of the last record.
    pub head: String,
    /// The first problem found, if any.
    pub problem: Option<JournalProblem>,
}

impl Store {
    /// Walks the whole chain: sequence without gaps, each hash recomputed, each previous
    /// hash matching, the grand total adding up, every sale record equal to the sale
    /// tables as they are now, and every stored sale journalled. Stops at the first problem.
    pub fn verify_journal(&self) -> Result<JournalReport> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash FROM journal ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut expected_seq = 1i64;
        let mut prev = GENESIS.to_string();
        let mut grand = Decimal::ZERO;
        let mut records = 0u64;
        let mut journalled_sales = 0u64;
        let report = |records, grand, head: &str, problem| JournalReport {
            records,
            grand_total: grand,
            head: head.to_string(),
            problem,
        };
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let kind: String = r.get(1)?;
            let reference: String = r.get(2)?;
            let at: String = r.get(3)?;
            let amount_text: String = r.get(4)?;
            let grand_text: String = r.get(5)?;
            let payload: String = r.get(6)?;
            let prev_hash: String = r.get(7)?;
            let hash: String = r.get(8)?;
            // The receipt is named only in a problem: parse the payload only then.
            let problem = |reason: String| {
                let receipt = serde_json::from_str::<Value>(&payload)
                    .ok()
                    .and_then(|v| v.get("receipt").and_then(Value::as_str).map(str::to_string));
                Some(JournalProblem { seq: seq as u64, receipt, reason })
            };
            if seq != expected_seq {
                let p = problem(format!("expected record {expected_seq} next; records are missing or out of order"));
                return Ok(report(records, grand, &prev, p));
            }
            if prev_hash != prev {
                return Ok(report(
                    records,
                    grand,
                    &prev,
                    problem("its previous-hash does not match the record before it".into()),
                ));
            }
            let fields = RecordFields {
                seq: seq as u64,
                kind: &kind,
                reference: &reference,
                at: &at,
                amount: &amount_text,
                grand_total: &grand_text,
                payload: &payload,
                prev_hash: &prev_hash,
            };
            if fields.hash() != hash {
                return Ok(report(
                    records,
                    grand,
                    &prev,
                    problem("its contents do not match its hash (the record was altered)".into()),
                ));
            }
            let (Ok(amount), Ok(stated)) =
                (Decimal::from_str_exact(&amount_text), Decimal::from_str_exact(&grand_text))
            else {
                return Ok(report(records, grand, &prev, problem("amount or grand total is not a number".into())));
            };
            match grand.checked_add(amount) {
                Some(sum) if sum == stated => {}
                Some(sum) => {
                    return Ok(report(records, grand, &prev, problem(format!("grand total {stated} should be {sum}"))));
                }
                None => return Ok(report(records, grand, &prev, problem("grand total overflows".into()))),
            }
            if kind == JournalKind::Sale.as_str() {
                journalled_sales += 1;
                let sale = match self.seq_of(&reference)? {
                    Some(seq) => self.load_sale(seq),
                    None => Err(crate::StoreError::NotFound(format!("sale {reference} is missing"))),
                };
                match sale {
                    Ok(sale) => {
                        if sale.cart.total.amount() != amount {
                            return Ok(report(
                                records,
                                grand,
                                &prev,
                                problem(format!(
                                    "sales.total is {} but the journal recorded {amount}",
                                    sale.cart.total
                                )),
                            ));
                        }
                        let rebuilt = payload::sale(&sale)?;
                        if rebuilt != payload {
                            let reason = format!(
                                "the stored sale no longer matches its journal record ({})",
                                first_difference(&payload, &rebuilt)
                            );
                            return Ok(report(records, grand, &prev, problem(reason)));
                        }
                    }
                    Err(e) => {
                        return Ok(report(records, grand, &prev, problem(format!("its sale cannot be read: {e}"))));
                    }
                }
            } else if let Some(reason) = self.check_record(&kind, &reference, &amount, &payload)? {
                return Ok(report(records, grand, &prev, problem(reason)));
            }
            prev = hash;
            grand = stated;
            records += 1;
            expected_seq += 1;
        }
        if let Some(reason) = self.unjournalled()? {
            let p = Some(JournalProblem { seq: records + 1, receipt: None, reason });
            return Ok(report(records, grand, &prev, p));
        }
        let sales = self.sale_count()?;
        if sales != journalled_sales {
            let orphan: Option<(i64, String)> = self
                .conn
                .query_row("SELECT seq, id FROM sales WHERE id NOT IN (SELECT ref FROM journal WHERE kind = 'sale') ORDER BY seq LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let reason = match orphan {
                Some((seq, id)) => format!("sale {id} (receipt sequence {seq}) has no journal record"),
                None => format!("{sales} sales stored but {journalled_sales} journalled"),
            };
            let p = Some(JournalProblem { seq: records + 1, receipt: None, reason });
            return Ok(report(records, grand, &prev, p));
        }
        Ok(report(records, grand, &prev, None))
    }

    /// Checks a non-sale record against the table it describes; `Some(reason)` when they
    /// disagree.
    fn check_record(&self, kind: &str, reference: &str, amount: &Decimal, payload: &str) -> Result<Option<String>> {
        if !amount.is_zero() {
            return Ok(Some(format!("a {kind} record must not move the grand total (amount {amount})")));
        }
        Ok(match kind {
            "audit" => None,
            "cash" => {
                let row = reference.parse::<i64>().ok().map(|id| {
                    self.conn
                        .query_row(
                            "SELECT id, session_id, kind, amount, reason, staff, approver, at FROM cash_movements WHERE id = ?1",
                            [id],
                            crate::session::read_movement,
                        )
                        .optional()
                });
                match row.transpose()?.flatten() {
                    None => Some(format!("cash movement {reference} is missing")),
                    Some(m) if payload::cash(&m)? != payload => Some(format!(
                        "cash movement {reference} no longer matches its journal record ({})",
                        first_difference(payload, &payload::cash(&m)?)
                    )),
                    Some(_) => None,
                }
            }
            "z" => match reference.parse::<u64>().ok().map(|n| self.z_report(n)).transpose()?.flatten() {
                None => Some(format!("Z report {reference} is missing")),
                Some(stored) if stored != payload => Some(format!(
                    "Z report {reference} no longer matches its journal record ({})",
                    first_difference(payload, &stored)
                )),
                Some(_) => None,
            },
            other => Some(format!("unknown record kind '{other}'")),
        })
    }

    /// A cash movement or Z report with no journal record, if any.
    fn unjournalled(&self) -> Result<Option<String>> {
        for (table, key, kind, what) in
            [("cash_movements", "id", "cash", "cash movement"), ("z_reports", "number", "z", "Z report")]
        {
            let missing: Option<i64> = self
                .conn
                .query_row(
                    &format!(
                        "SELECT {key} FROM {table} WHERE CAST({key} AS TEXT) NOT IN \
                         (SELECT ref FROM journal WHERE kind = '{kind}') ORDER BY {key} LIMIT 1"
                    ),
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(id) = missing {
                return Ok(Some(format!("{what} {id} has no journal record")));
            }
        }
        Ok(None)
    }

    /// Calls `each` with every journal record in order (for exports).
    pub fn each_journal_record(&self, each: &mut dyn FnMut(JournalRecord) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, kind, ref, at, amount, grand_total, payload, hash FROM journal ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let place = |col: &str| format!("journal.{col} of record {seq}");
            each(JournalRecord {
                seq: seq as u64,
                kind: r.get(1)?,
                reference: r.get(2)?,
                at: codec::timestamp(&r.get::<_, String>(3)?, || place("at"))?,
                amount: codec::decimal(&r.get::<_, String>(4)?, || place("amount"))?,
                grand_total: codec::decimal(&r.get::<_, String>(5)?, || place("grand_total"))?,
                payload: r.get(6)?,
                hash: r.get(7)?,
            })?;
        }
        Ok(())
    }

    /// The chain hash of journal record `seq`, if it exists (HQ asks for it to go on past
    /// a broken link a manager accepted).
    pub fn journal_hash(&self, seq: u64) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT hash FROM journal WHERE seq = ?1", [seq as i64], |r| r.get(0)).optional()?)
    }

    /// The perpetual grand total and the number of journal records.
    pub fn journal_head(&self) -> Result<(u64, Decimal)> {
        let last: Option<(i64, String)> = self
            .conn
            .query_row("SELECT seq, grand_total FROM journal ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match last {
            Some((seq, g)) => Ok((seq as u64, codec::decimal(&g, || format!("journal.grand_total of record {seq}"))?)),
            None => Ok((0, Decimal::ZERO)),
        }
    }
}

/// Names the first field whose value differs between two payloads, for the error.
fn first_difference(recorded: &str, now: &str) -> String {
    let (Ok(a), Ok(b)) = (serde_json::from_str::<Value>(recorded), serde_json::from_str::<Value>(now)) else {
        return "payload unreadable".into();
    };
    fn walk(path: String, a: &Value, b: &Value) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                x.iter().find_map(|(k, v)| walk(format!("{path}.{k}"), v, y.get(k).unwrap_or(&Value::Null)))
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                x.iter().zip(y).enumerate().find_map(|(i, (v, w))| walk(format!("{path}[{i}]"), v, w))
            }
            _ if a == b => None,
            _ => Some(format!("{}: journal has {a}, tables have {b}", path.trim_start_matches('.'))),
        }
    }
    walk(String::new(), &a, &b).unwrap_or_else(|| "payloads differ".into())
}
