//! Print jobs: a receipt waiting for the printer, kept in the register's database so a
//! printer that is off, out of paper or unplugged loses nothing and blocks no sale.

use rusqlite::params;

use crate::{Result, Store};

/// A print job as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrintJob {
    /// Its number.
    pub id: i64,
    /// The sale's receipt sequence number.
    pub sale_seq: i64,
    /// Kick the drawer after printing.
    pub kick: bool,
    /// 0 for the original receipt, n for its n-th reprint (printed DUPLICATE n).
    pub copy: u32,
    /// When it was queued.
    pub created_at: String,
    /// `waiting`, `printed` or `skipped` (no paper wanted).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt did not print.
    pub last_error: Option<String>,
    /// When it printed.
    pub printed_at: Option<String>,
}

impl Store {
    /// Queues receipt `sale_seq` for the printer as `copy` (0: the original).
    pub fn queue_print(&self, sale_seq: i64, copy: u32, kick: bool, at: &str) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO print_jobs (sale_seq, copy, kick, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![sale_seq, copy, kick, at],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The print jobs of receipt `sale_seq`, oldest first.
    pub fn print_jobs_of(&self, sale_seq: i64) -> Result<Vec<PrintJob>> {
        self.select_jobs("WHERE sale_seq = ?1 ORDER BY id ASC", sale_seq)
    }

    /// Jobs, newest first; only waiting ones if `waiting`.
    pub fn print_jobs(&self, waiting: bool, limit: u32) -> Result<Vec<PrintJob>> {
        let filter =
            if waiting { "WHERE state = 'waiting' ORDER BY id ASC LIMIT ?1" } else { "ORDER BY id DESC LIMIT ?1" };
        self.select_jobs(filter, i64::from(limit))
    }

    fn select_jobs(&self, filter: &str, arg: i64) -> Result<Vec<PrintJob>> {
        let sql = format!(
            "SELECT id, sale_seq, copy, kick, created_at, state, attempts, last_error, printed_at FROM print_jobs {filter}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([arg], |r| {
            Ok(PrintJob {
                id: r.get(0)?,
                sale_seq: r.get(1)?,
                copy: r.get(2)?,
                kick: r.get(3)?,
                created_at: r.get(4)?,
                state: r.get(5)?,
                attempts: r.get(6)?,
                last_error: r.get(7)?,
                printed_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Drops receipt `sale_seq`'s waiting jobs (the customer wanted no paper).
    pub fn skip_print(&self, sale_seq: i64) -> Result<()> {
        self.conn
            .execute("UPDATE print_jobs SET state = 'skipped' WHERE sale_seq = ?1 AND state = 'waiting'", [sale_seq])?;
        Ok(())
    }

    /// Records an attempt: printed at `at`, or still waiting because of `error`.
    pub fn record_print(&self, id: i64, result: std::result::Result<&str, &str>) -> Result<()> {
        match result {
            Ok(at) => self.conn.execute(
                "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL, printed_at = ?2 WHERE id = ?1",
                params![id, at],
            )?,
            Err(error) => self.conn.execute(
                "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id, error],
            )?,
        };
        Ok(())
    }
}
