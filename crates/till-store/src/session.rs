//! Cash sessions: a drawer from its opening float to its Z report, the cash moved
//! without a sale in between, blind counts, and the numbered, immutable Z reports.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::journal::{self, AuditEntry, JournalKind};
use crate::payload::{self, CashMovement};
use crate::{Result, Store, StoreError, codec};

/// A cash session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashSessionRow {
    /// Its number.
    pub id: i64,
    /// When it opened (RFC 3339).
    pub opened_at: String,
    /// Who opened it.
    pub opened_by: Option<String>,
    /// The opening float.
    pub float: till_domain::Money,
    /// The float counted by denomination (JSON `[[denomination, pieces], …]`).
    pub float_count: String,
    /// When it closed.
    pub closed_at: Option<String>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Its Z report's number once closed.
    pub z_number: Option<u64>,
    /// The last blind count entered (JSON), if any.
    pub counted: Option<String>,
}

const SESSION_COLUMNS: &str = "id, opened_at, opened_by, float, float_count, closed_at, closed_by, z_number, counted";

fn read_session(r: &rusqlite::Row<'_>) -> rusqlite::Result<(CashSessionRow, String)> {
    let float: String = r.get(3)?;
    Ok((
        CashSessionRow {
            id: r.get(0)?,
            opened_at: r.get(1)?,
            opened_by: r.get(2)?,
            float: till_domain::Money::ZERO,
            float_count: r.get(4)?,
            closed_at: r.get(5)?,
            closed_by: r.get(6)?,
            z_number: r.get::<_, Option<i64>>(7)?.map(|n| n as u64),
            counted: r.get(8)?,
        },
        float,
    ))
}

fn finish(row: Option<(CashSessionRow, String)>) -> Result<Option<CashSessionRow>> {
    row.map(|(mut s, float)| {
        s.float = codec::money(&float, || format!("cash_sessions.float of session {}", s.id))?;
        Ok(s)
    })
    .transpose()
}

fn insert_movement(conn: &Connection, m: &mut CashMovement) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO cash_movements (session_id, kind, amount, reason, staff, approver, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![m.session, m.kind, m.amount, m.reason, m.staff, m.approver, m.at])?;
    m.id = conn.last_insert_rowid();
    let text = payload::cash(m)?;
    // Cash outside a sale moves no sales total: the record's amount is zero, the payload
    // carries what moved.
    journal::append(conn, JournalKind::Cash, &m.id.to_string(), &m.at, rust_decimal::Decimal::ZERO, &text)?;
    Ok(())
}

impl Store {
    /// The open cash session, if any.
    pub fn current_session(&self) -> Result<Option<CashSessionRow>> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {SESSION_COLUMNS} FROM cash_sessions WHERE closed_at IS NULL"))?
            .query_row([], read_session)
            .optional()?;
        finish(row)
    }

    /// A cash session by number.
    pub fn session(&self, id: i64) -> Result<Option<CashSessionRow>> {
        let row = self
            .conn
            .prepare_cached(&format!("SELECT {SESSION_COLUMNS} FROM cash_sessions WHERE id = ?1"))?
            .query_row([id], read_session)
            .optional()?;
        finish(row)
    }

    /// Opens a cash session with its float (recorded as the session's first cash
    /// movement). Fails when one is open already.
    pub fn open_session(
        &mut self,
        at: &str,
        staff: Option<&str>,
        float: till_domain::Money,
        float_count: &str,
    ) -> Result<i64> {
        match self.open_session_unless_open(at, staff, float, float_count)? {
            (id, true) => Ok(id),
            (id, false) => {
                Err(StoreError::Conflict(format!("cash session {id} is open; close it with a Z report first")))
            }
        }
    }

    /// The open session, or a new one with this float when none is open — decided inside
    /// one transaction, so two processes never open two. Returns (session, opened now).
    pub fn open_session_unless_open(
        &mut self,
        at: &str,
        staff: Option<&str>,
        float: till_domain::Money,
        float_count: &str,
    ) -> Result<(i64, bool)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open: Option<i64> =
            tx.query_row("SELECT id FROM cash_sessions WHERE closed_at IS NULL", [], |r| r.get(0)).optional()?;
        if let Some(id) = open {
            return Ok((id, false));
        }
        tx.execute(
            "INSERT INTO cash_sessions (opened_at, opened_by, float, float_count) VALUES (?1, ?2, ?3, ?4)",
            params![at, staff, float.to_string(), float_count],
        )?;
        let id = tx.last_insert_rowid();
        let mut m = CashMovement {
            id: 0,
            session: id,
            kind: "float".into(),
            amount: float.to_string(),
            reason: "opening float".into(),
            staff: staff.map(str::to_string),
            approver: None,
            at: at.to_string(),
        };
        insert_movement(&tx, &mut m)?;
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok((id, true))
    }

    /// Records cash moved without a sale (paid in/out, drop, no-sale opening) and its
    /// audit records, in one transaction. Returns the movement with its id.
    pub fn record_cash_movement(&mut self, mut movement: CashMovement, audit: &[AuditEntry]) -> Result<CashMovement> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert_movement(&tx, &mut movement)?;
        for entry in audit {
            journal::append_audit(&tx, entry, &movement.at)?;
        }
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(movement)
    }

    /// The cash movements of a session, in order.
    pub fn cash_movements(&self, session: i64) -> Result<Vec<CashMovement>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, session_id, kind, amount, reason, staff, approver, at FROM cash_movements WHERE session_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([session], read_movement)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stores a blind count for the open session (replacing an earlier one).
    pub fn record_count(&mut self, session: i64, counted: &str, at: &str, audit: &AuditEntry) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE cash_sessions SET counted = ?2 WHERE id = ?1 AND closed_at IS NULL",
            params![session, counted],
        )?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!("cash session {session} is not open")));
        }
        journal::append_audit(&tx, audit, at)?;
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Closes a session with its Z report: the next Z number, the report stored and
    /// journalled, the session marked closed — all in one transaction, or none of it.
    pub fn close_session(
        &mut self,
        session: i64,
        at: &str,
        staff: Option<&str>,
        z_payload: &dyn Fn(u64) -> Result<String>,
        audit: &[AuditEntry],
    ) -> Result<(u64, String)> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let number: i64 = tx.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM z_reports", [], |r| r.get(0))?;
        let changed = tx.execute(
            "UPDATE cash_sessions SET closed_at = ?2, closed_by = ?3, z_number = ?4 WHERE id = ?1 AND closed_at IS NULL",
            params![session, at, staff, number],
        )?;
        if changed == 0 {
            return Err(StoreError::Conflict(format!("cash session {session} is not open")));
        }
        let payload = z_payload(number as u64)?;
        tx.execute(
            "INSERT INTO z_reports (number, session_id, at, payload) VALUES (?1, ?2, ?3, ?4)",
            params![number, session, at, payload],
        )?;
        journal::append(&tx, JournalKind::Z, &number.to_string(), at, rust_decimal::Decimal::ZERO, &payload)?;
        for entry in audit {
            journal::append_audit(&tx, entry, at)?;
        }
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok((number as u64, payload))
    }

    /// A Z report's stored payload.
    pub fn z_report(&self, number: u64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT payload FROM z_reports WHERE number = ?1")?
            .query_row([number as i64], |r| r.get(0))
            .optional()?)
    }

    /// The highest Z number so far (0 before the first).
    pub fn last_z_number(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(number), 0) FROM z_reports", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// How many audit records of `action` say exactly `detail` (e.g. reprints of one
    /// receipt).
    pub fn count_audits(&self, action: &str, detail: &str) -> Result<u64> {
        Ok(self.conn.prepare_cached(
            "SELECT count(*) FROM journal WHERE kind = 'audit' AND ref = ?1 AND json_extract(payload, '$.detail') = ?2",
        )?
        .query_row([action, detail], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Writes an audit record on its own (a reprint, a voided cart…).
    pub fn record_audit(&mut self, entry: &AuditEntry, at: &str) -> Result<()> {
        self.record_void(entry, at, None)
    }

    /// Records a voided cart's audit record and, if the cart was resumed from the parked
    /// list, takes it off that list — both or neither.
    pub fn record_void(&mut self, entry: &AuditEntry, at: &str, resumed_from: Option<u64>) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        journal::append_audit(&tx, entry, at)?;
        if let Some(id) = resumed_from {
            crate::parked::take(&tx, id)?;
        }
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a training sale's payload under its own numbering; returns that number.
    /// Training sales touch no totals, no stock and not the journal.
    pub fn record_training_sale(&mut self, at: &str, payload_for: &dyn Fn(u64) -> Result<String>) -> Result<u64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM training_sales", [], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO training_sales (seq, at, payload) VALUES (?1, ?2, ?3)",
            params![seq, at, payload_for(seq as u64)?],
        )?;
        tx.commit()?;
        Ok(seq as u64)
    }
}

pub(crate) fn read_movement(r: &rusqlite::Row<'_>) -> rusqlite::Result<CashMovement> {
    Ok(CashMovement {
        id: r.get(0)?,
        session: r.get(1)?,
        kind: r.get(2)?,
        amount: r.get(3)?,
        reason: r.get(4)?,
        staff: r.get(5)?,
        approver: r.get(6)?,
        at: r.get(7)?,
    })
}

impl Store {
    /// When each sale or return of cash session `session` (all of them if `None`) was
    /// rung, and its total, in the order rung — for the X report's chart by hour.
    pub fn sale_times(&self, session: Option<i64>) -> Result<Vec<(String, rust_decimal::Decimal)>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT at, total FROM sales WHERE ?1 IS NULL OR session_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([session], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (at, total) = row?;
            let total = rust_decimal::Decimal::from_str_exact(&total)
                .map_err(|_| crate::StoreError::Corrupt(format!("sale total '{total}' is not a decimal")))?;
            out.push((at, total));
        }
        Ok(out)
    }
}
