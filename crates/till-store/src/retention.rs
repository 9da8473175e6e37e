//! Retention of the register's finished outbox rows: printed reprints and skipped or
//! dropped print jobs, sent and failed mail, sent and failed endless-aisle orders are
//! deleted once past their table's retention. Each finished row carries `done_at` (unix
//! seconds, under a partial index), so a pass reads only what is due and deletes at most
//! a bounded number of rows per table: its cost does not grow with the history.
//!
//! Never pruned: a printed original (a later print of its receipt must be a DUPLICATE),
//! anything still waiting, and everything a report, the journal or a reprint reads (sales,
//! journal, stock, audit): a receipt is rebuilt from its sale, not from its print job.

use rusqlite::params;

use crate::{Result, Store};

/// The instants (unix seconds) before which each table's finished rows go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneBefore {
    /// Print jobs finished before this.
    pub print_jobs: i64,
    /// Mail sent or failed before this.
    pub mail: i64,
    /// Endless-aisle orders sent or failed before this.
    pub orders: i64,
}

/// What one retention pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    /// Print jobs.
    pub print_jobs: usize,
    /// Mail messages.
    pub mail: usize,
    /// Endless-aisle orders.
    pub orders: usize,
}

impl Pruned {
    /// Rows deleted in all.
    pub fn total(&self) -> usize {
        self.print_jobs + self.mail + self.orders
    }
}

/// The tables retention prunes, each with its partial index on `done_at`.
const TABLES: [&str; 3] = ["print_jobs", "mail_outbox", "order_outbox"];

impl Store {
    /// Deletes up to `limit` rows per table finished before `before`, oldest first, in
    /// one transaction (none when nothing is due: the check is one index probe per table).
    pub fn prune_outboxes(&mut self, before: PruneBefore, limit: u32) -> Result<Pruned> {
        let cutoffs = [before.print_jobs, before.mail, before.orders];
        let mut due = [false; 3];
        for ((table, cutoff), due) in TABLES.iter().zip(cutoffs).zip(due.iter_mut()) {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE done_at IS NOT NULL AND done_at < ?1)");
            *due = self.conn.prepare_cached(&sql)?.query_row([cutoff], |r| r.get(0))?;
        }
        if !due.contains(&true) {
            return Ok(Pruned::default());
        }
        let tx = self.conn.transaction()?;
        let mut deleted = [0usize; 3];
        for (i, table) in TABLES.iter().enumerate() {
            if due[i] {
                let key = if *table == "order_outbox" { "rowid" } else { "id" };
                let sql = format!(
                    "DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} \
                     WHERE done_at IS NOT NULL AND done_at < ?1 ORDER BY done_at LIMIT ?2)"
                );
                deleted[i] = tx.prepare_cached(&sql)?.execute(params![cutoffs[i], limit])?;
            }
        }
        tx.commit()?;
        Ok(Pruned { print_jobs: deleted[0], mail: deleted[1], orders: deleted[2] })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{MailOutcome, NewMail, PrintOutcome};

    const DAY: i64 = 86_400;

    fn mail(store: &mut Store, n: u32) -> i64 {
        store
            .queue_mail(&NewMail {
                kind: "ready_for_pickup".into(),
                reference: format!("shopify:{n}"),
                recipient: "anna@example.com".into(),
                subject: "Ready".into(),
                body: "Ready.\n".into(),
                created_at: "2026-01-01T00:00:00Z".into(),
            })
            .unwrap()
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn retention_prunes_finished_rows_in_bounded_passes_and_keeps_originals_and_live_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("r.sqlite")).unwrap();
        // Print jobs and orders refer to sales; none here, so the foreign key is off.
        store.conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let (old, recent) = (10 * DAY, 40 * DAY);
        let at = "2026-01-01T00:00:00Z";
        let printed = |store: &Store, seq, copy, when| {
            let id = store.queue_print(seq, copy, false, at).unwrap();
            store.record_print(id, PrintOutcome::Printed { at, stale: false }, when).unwrap();
            id
        };
        let original = printed(&store, 1, 0, old);
        printed(&store, 1, 1, old);
        printed(&store, 1, 2, old);
        store.queue_print(2, 0, true, at).unwrap();
        store.skip_print(2, old).unwrap();
        let dropped = store.queue_print(3, 0, true, at).unwrap();
        store.record_print(dropped, PrintOutcome::Dropped("too old"), recent).unwrap();
        let waiting = store.queue_print(4, 0, true, at).unwrap();
        let (sent, failed, live) = (mail(&mut store, 1), mail(&mut store, 2), mail(&mut store, 3));
        store.record_mail(sent, MailOutcome::Sent(at), old).unwrap();
        store.record_mail(failed, MailOutcome::Failed("550"), old).unwrap();
        store.record_mail(live, MailOutcome::Retry { error: "away", next_attempt_at: old }, old).unwrap();
        for id in ["A", "B", "C"] {
            store
                .conn
                .execute("INSERT INTO order_outbox (id, body, created_at) VALUES (?1, '{}', ?2)", [id, at])
                .unwrap();
        }
        store.order_sent("A", "routed", at, old).unwrap();
        store.order_failed("B", "HQ refused it (400): no", old).unwrap();

        let before = PruneBefore { print_jobs: 30 * DAY, mail: 30 * DAY, orders: 30 * DAY };
        assert_eq!(
            store.prune_outboxes(before, 1).unwrap(),
            Pruned { print_jobs: 1, mail: 1, orders: 1 },
            "at most the limit per table and pass"
        );
        assert_eq!(store.prune_outboxes(before, 1).unwrap(), Pruned { print_jobs: 1, mail: 1, orders: 1 });
        assert_eq!(store.prune_outboxes(before, 1).unwrap(), Pruned { print_jobs: 1, mail: 0, orders: 0 });
        assert_eq!(store.prune_outboxes(before, 1).unwrap(), Pruned::default(), "nothing else is due");
        let ids: Vec<i64> = store.print_jobs(false, 10).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![waiting, dropped, original], "the printed original, a recent drop, the waiting job");
        assert_eq!(store.mail_jobs(false, 10).unwrap().iter().map(|j| j.id).collect::<Vec<_>>(), vec![live]);
        let orders: Vec<String> = store.outbox_orders(false).unwrap().into_iter().map(|o| o.id).collect();
        assert_eq!(orders, vec!["C".to_string()], "only the waiting order");
        // A later cutoff takes the recent drop too; the original and the waiting job stay.
        let later = PruneBefore { print_jobs: 50 * DAY, mail: 50 * DAY, orders: 50 * DAY };
        assert_eq!(store.prune_outboxes(later, 100).unwrap().print_jobs, 1);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM print_jobs"), 2);
    }

    #[test]
    fn an_upgraded_register_dates_its_finished_rows_so_retention_can_find_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite");
        let store = Store::create(&path).unwrap();
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(crate::schema::BACK_TO_V7).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF; PRAGMA user_version = 7;
             INSERT INTO print_jobs (sale_seq, kick, created_at, state, printed_at, copy) VALUES
               (1, 1, '2026-01-01T10:00:00Z', 'printed', '2026-01-01T10:00:05Z', 0),
               (1, 0, '2026-01-02T10:00:00Z', 'printed', '2026-01-02T10:00:05Z', 1),
               (2, 0, '2026-01-03T10:00:00Z', 'skipped', NULL, 0),
               (3, 1, '2026-01-04T10:00:00Z', 'waiting', NULL, 0);
             INSERT INTO mail_outbox (kind, ref, recipient, subject, body, created_at, state, sent_at) VALUES
               ('ready_for_pickup', 'o1', 'a@b.c', 's', 'b', '2026-01-01T10:00:00Z', 'sent', '2026-01-01T11:00:00Z');
             INSERT INTO order_outbox (id, body, created_at, state, sent_at) VALUES
               ('A', '{}', '2026-01-01T10:00:00Z', 'sent', '2026-01-01T10:30:00.5Z'),
               ('B', '{}', '2026-01-01T10:00:00Z', 'waiting', NULL);",
        )
        .unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        let dated = |sql: &str| -> Vec<Option<i64>> {
            let mut stmt = store.conn.prepare(sql).unwrap();
            stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
        };
        let t = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_second();
        assert_eq!(
            dated("SELECT done_at FROM print_jobs ORDER BY id"),
            vec![None, Some(t("2026-01-02T10:00:05Z")), Some(t("2026-01-03T10:00:00Z")), None],
            "a printed original is kept for good, a waiting job is live"
        );
        assert_eq!(dated("SELECT done_at FROM mail_outbox"), vec![Some(t("2026-01-01T11:00:00Z"))]);
        assert_eq!(dated("SELECT done_at FROM order_outbox ORDER BY id"), vec![Some(t("2026-01-01T10:30:00Z")), None]);
    }
}
