//! Print jobs: a receipt waiting for the printer, kept in the register's database so a
//! printer that is off, out of paper or unplugged loses nothing and blocks no sale. A
//! worker claims a job before printing it, so two workers (the app's, a `till printer
//! work`) never print one original twice.

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
    /// `waiting`, `printed`, `skipped` (no paper wanted) or `dropped` (too old when the
    /// printer came back, and the store drops those: reprint it from the sale).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt did not print (or why it was dropped).
    pub last_error: Option<String>,
    /// When it printed.
    pub printed_at: Option<String>,
    /// It was older than the printer's `stale_after_minutes` when the printer came back:
    /// printed without its drawer kick, or dropped.
    pub stale: bool,
}

/// How one attempt at a print job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintOutcome<'a> {
    /// Printed at this time (`stale`: late, so without its drawer kick).
    Printed {
        /// When (RFC 3339).
        at: &'a str,
        /// Printed late, without the drawer kick.
        stale: bool,
    },
    /// Not printed this time (the printer is not ready): it stays waiting.
    Retry(&'a str),
    /// Too old when the printer came back, and the store drops those: not printed.
    Dropped(&'a str),
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

    /// Print job `id`.
    pub fn print_job(&self, id: i64) -> Result<Option<PrintJob>> {
        Ok(self.select_jobs("WHERE id = ?1", id)?.pop())
    }

    fn select_jobs(&self, filter: &str, arg: i64) -> Result<Vec<PrintJob>> {
        let sql = format!(
            "SELECT id, sale_seq, copy, kick, created_at, state, attempts, last_error, printed_at, stale \
             FROM print_jobs {filter}"
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
                stale: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Drops receipt `sale_seq`'s waiting jobs (the customer wanted no paper) at `now`
    /// (unix seconds).
    pub fn skip_print(&self, sale_seq: i64, now: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET state = 'skipped', done_at = ?2, claimed_until = NULL \
             WHERE sale_seq = ?1 AND state = 'waiting'",
            params![sale_seq, now],
        )?;
        Ok(())
    }

    /// Claims waiting job `id` for printing until `until` (unix seconds), unless another
    /// worker holds it past `now`: two workers never print one job. A claim ends with
    /// [`Store::record_print`], or lapses (a worker that died).
    pub fn claim_print(&self, id: i64, now: i64, until: i64) -> Result<bool> {
        self.claim("print_jobs", id, now, until)
    }

    /// Records an attempt at job `id` at `now` (unix seconds) and releases its claim. A
    /// printed original is kept for good (a later print of the receipt is a duplicate);
    /// every other finished job may be pruned once past its retention.
    pub fn record_print(&self, id: i64, outcome: PrintOutcome<'_>, now: i64) -> Result<()> {
        let mut stmt;
        match outcome {
            PrintOutcome::Printed { at, stale } => {
                stmt = self.conn.prepare_cached(
                    "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL, \
                     printed_at = ?2, stale = ?3, claimed_until = NULL, \
                     done_at = CASE WHEN copy = 0 THEN NULL ELSE ?4 END WHERE id = ?1",
                )?;
                stmt.execute(params![id, at, stale, now])?
            }
            PrintOutcome::Retry(error) => {
                stmt = self.conn.prepare_cached(
                    "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2, claimed_until = NULL WHERE id = ?1",
                )?;
                stmt.execute(params![id, error])?
            }
            PrintOutcome::Dropped(reason) => {
                stmt = self.conn.prepare_cached(
                    "UPDATE print_jobs SET state = 'dropped', stale = 1, last_error = ?2, claimed_until = NULL, \
                     done_at = ?3 WHERE id = ?1",
                )?;
                stmt.execute(params![id, reason, now])?
            }
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::Store;

    use super::PrintOutcome;

    #[test]
    fn a_print_job_is_claimed_by_one_worker_and_a_lapsed_claim_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("r.sqlite")).unwrap();
        // Print jobs refer to sales; none here, so the foreign key is off for this test.
        store.conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let a = store.queue_print(1, 0, true, "2026-11-27T10:00:00Z").unwrap();
        let b = store.queue_print(2, 0, false, "2026-11-27T10:01:00Z").unwrap();
        assert!(store.claim_print(a, 100, 160).unwrap());
        assert!(!store.claim_print(a, 120, 180).unwrap(), "held by the first worker");
        store.record_print(a, PrintOutcome::Retry("paper out"), 130).unwrap();
        assert!(store.claim_print(a, 131, 191).unwrap(), "released by the attempt");
        store.record_print(a, PrintOutcome::Printed { at: "2026-11-27T12:00:00Z", stale: true }, 140).unwrap();
        assert!(!store.claim_print(a, 200, 260).unwrap(), "a printed job is never printed again");
        let job = store.print_job(a).unwrap().unwrap();
        assert_eq!((job.state.as_str(), job.attempts, job.stale), ("printed", 2, true));
        assert!(store.claim_print(b, 100, 160).unwrap());
        assert!(store.claim_print(b, 161, 221).unwrap(), "a lapsed claim (a worker that died) is taken over");
        store.record_print(b, PrintOutcome::Dropped("too old"), 170).unwrap();
        let job = store.print_job(b).unwrap().unwrap();
        assert_eq!((job.state.as_str(), job.last_error.as_deref(), job.stale), ("dropped", Some("too old"), true));
        assert!(store.print_jobs(true, 10).unwrap().is_empty());
    }
}
