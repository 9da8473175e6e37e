//! The mail outbox: messages to customers (the "ready for pickup" notice), kept in the
//! register's database so a mail server out of reach loses nothing and blocks no sale.
//! A message is queued in the transaction of what it tells; the mail worker sends it.

use rusqlite::{Connection, params};
use till_docs::{AutoCommit, DocId};

use crate::{Result, Store};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// What kind of message (`ready_for_pickup`).
    pub kind: String,
    /// What it is about (the order's id).
    pub reference: String,
    /// The address it goes to.
    pub recipient: String,
    /// Its subject line.
    pub subject: String,
    /// Its text (text/plain, UTF-8).
    pub body: String,
    /// When it was queued (RFC 3339).
    pub created_at: String,
}

/// A queued message as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailJob {
    /// Its number.
    pub id: i64,
    /// What kind of message (`ready_for_pickup`).
    pub kind: String,
    /// What it is about (the order's id).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The address it goes to.
    pub recipient: String,
    /// Its subject line.
    pub subject: String,
    /// Its text.
    pub body: String,
    /// When it was queued.
    pub created_at: String,
    /// `waiting`, `sent` or `failed` (the server refused it for good, or it was tried
    /// too often or for too long).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt did not send it.
    pub last_error: Option<String>,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// While waiting after a failed attempt: not tried again before this (unix seconds).
    pub next_attempt_at: Option<i64>,
}

/// How one attempt to send a message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome<'a> {
    /// The server took it, at this time.
    Sent(&'a str),
    /// Not this time (server out of reach, a transient refusal): it stays waiting, and is
    /// not tried again before `next_attempt_at` (unix seconds).
    Retry {
        /// Why not.
        error: &'a str,
        /// When it may be tried again.
        next_attempt_at: i64,
    },
    /// Not sent, for good (a 5xx reply; too many attempts): it is not tried again.
    Failed(&'a str),
}

fn insert(conn: &Connection, mail: &NewMail) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO mail_outbox (kind, ref, recipient, subject, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![mail.kind, mail.reference, mail.recipient, mail.subject, mail.body, mail.created_at])?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Queues `mail` on its own.
    pub fn queue_mail(&mut self, mail: &NewMail) -> Result<i64> {
        self.write(|tx, _| insert(tx, mail))
    }

    /// Changes replicated document `id` with `f` and queues `mail`, in one transaction:
    /// a message is never queued without the record of it in the document, nor recorded
    /// as sent-for without being queued. Returns `f`'s value and the message's number.
    pub fn change_doc_and_queue_mail<T>(
        &mut self,
        id: &DocId,
        f: impl FnOnce(&mut AutoCommit) -> till_docs::Result<T>,
        mail: &NewMail,
    ) -> Result<(T, i64)> {
        self.write(|tx, replica| {
            let job = insert(tx, mail)?;
            let value = f(replica.doc(tx, id)?)?;
            replica.store_local_change(tx, id)?;
            Ok((value, job))
        })
    }

    /// Messages, newest first; only waiting ones (oldest first) if `waiting`.
    pub fn mail_jobs(&self, waiting: bool, limit: u32) -> Result<Vec<MailJob>> {
        let filter =
            if waiting { "WHERE state = 'waiting' ORDER BY id ASC LIMIT ?1" } else { "ORDER BY id DESC LIMIT ?1" };
        self.select_mail(filter, params![i64::from(limit)])
    }

    /// The waiting messages due for an attempt at `now` (unix seconds: their back-off
    /// has passed), oldest first.
    pub fn mail_due(&self, now: i64, limit: u32) -> Result<Vec<MailJob>> {
        self.select_mail(
            "WHERE state = 'waiting' AND (next_attempt_at IS NULL OR next_attempt_at <= ?1) ORDER BY id ASC LIMIT ?2",
            params![now, i64::from(limit)],
        )
    }

    /// The messages about `reference` (an order's id), oldest first.
    pub fn mail_jobs_about(&self, reference: &str) -> Result<Vec<MailJob>> {
        self.select_mail("WHERE ref = ?1 ORDER BY id ASC", params![reference])
    }

    /// Message `id`.
    pub fn mail_job(&self, id: i64) -> Result<Option<MailJob>> {
        Ok(self.select_mail("WHERE id = ?1", params![id])?.pop())
    }

    fn select_mail(&self, filter: &str, args: impl rusqlite::Params) -> Result<Vec<MailJob>> {
        let sql = format!(
            "SELECT id, kind, ref, recipient, subject, body, created_at, state, attempts, last_error, sent_at, \
             next_attempt_at FROM mail_outbox {filter}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok(MailJob {
                id: r.get(0)?,
                kind: r.get(1)?,
                reference: r.get(2)?,
                recipient: r.get(3)?,
                subject: r.get(4)?,
                body: r.get(5)?,
                created_at: r.get(6)?,
                state: r.get(7)?,
                attempts: r.get(8)?,
                last_error: r.get(9)?,
                sent_at: r.get(10)?,
                next_attempt_at: r.get(11)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Claims waiting message `id` for sending until `until` (unix seconds), unless another
    /// worker (the app's, a `till mail work`) holds it past `now`: two workers never send
    /// one message at the same time. A claim ends with [`Store::record_mail`], or lapses.
    pub fn claim_mail(&self, id: i64, now: i64, until: i64) -> Result<bool> {
        self.claim("mail_outbox", id, now, until)
    }

    /// Claims waiting row `id` of outbox `table` (`print_jobs`, `mail_outbox`) until `until`,
    /// unless a claim on it lasts past `now`: whether this worker got it.
    pub(crate) fn claim(&self, table: &'static str, id: i64, now: i64, until: i64) -> Result<bool> {
        let sql = format!(
            "UPDATE {table} SET claimed_until = ?3 \
             WHERE id = ?1 AND state = 'waiting' AND (claimed_until IS NULL OR claimed_until <= ?2)"
        );
        Ok(self.conn.prepare_cached(&sql)?.execute(params![id, now, until])? == 1)
    }

    /// Records an attempt to send message `id` at `now` (unix seconds) and releases its
    /// claim.
    pub fn record_mail(&self, id: i64, outcome: MailOutcome<'_>, now: i64) -> Result<()> {
        let mut stmt;
        match outcome {
            MailOutcome::Sent(at) => {
                stmt = self.conn.prepare_cached(
                    "UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, last_error = NULL, sent_at = ?2, \
                     claimed_until = NULL, next_attempt_at = NULL, done_at = ?3 WHERE id = ?1",
                )?;
                stmt.execute(params![id, at, now])?
            }
            MailOutcome::Retry { error, next_attempt_at } => {
                stmt = self.conn.prepare_cached(
                    "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2, claimed_until = NULL, \
                     next_attempt_at = ?3 WHERE id = ?1",
                )?;
                stmt.execute(params![id, error, next_attempt_at])?
            }
            MailOutcome::Failed(error) => {
                stmt = self.conn.prepare_cached(
                    "UPDATE mail_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2, \
                     claimed_until = NULL, next_attempt_at = NULL, done_at = ?3 WHERE id = ?1",
                )?;
                stmt.execute(params![id, error, now])?
            }
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn mail(n: u32) -> NewMail {
        NewMail {
            kind: "ready_for_pickup".into(),
            reference: format!("shopify:{n}"),
            recipient: "anna@example.com".into(),
            subject: format!("Your order #{n} is ready for pickup at Harbour & Co"),
            body: "Ready.\n".into(),
            created_at: "2026-11-27T10:15:00Z".into(),
        }
    }

    #[test]
    fn a_mail_waits_is_claimed_once_and_ends_sent_or_failed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("r.sqlite")).unwrap();
        let a = store.queue_mail(&mail(1)).unwrap();
        let b = store.queue_mail(&mail(2)).unwrap();
        let waiting: Vec<i64> = store.mail_jobs(true, 10).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(waiting, vec![a, b], "oldest first");
        assert!(store.claim_mail(a, 100, 130).unwrap());
        assert!(!store.claim_mail(a, 110, 140).unwrap(), "held by the first worker");
        store
            .record_mail(a, MailOutcome::Retry { error: "Connection error: refused", next_attempt_at: 160 }, 101)
            .unwrap();
        let job = store.mail_job(a).unwrap().unwrap();
        assert_eq!((job.state.as_str(), job.attempts), ("waiting", 1));
        assert_eq!(job.last_error.as_deref(), Some("Connection error: refused"));
        assert_eq!(job.next_attempt_at, Some(160));
        let due = |now| store.mail_due(now, 10).unwrap().iter().map(|j| j.id).collect::<Vec<_>>();
        assert_eq!((due(159), due(160)), (vec![b], vec![a, b]), "backing off until 160");
        assert!(store.claim_mail(a, 111, 141).unwrap(), "released by the attempt");
        store.record_mail(a, MailOutcome::Sent("2026-11-27T10:16:00Z"), 112).unwrap();
        assert!(!store.claim_mail(a, 200, 230).unwrap(), "a sent mail is never sent again");
        assert!(store.claim_mail(b, 100, 130).unwrap());
        assert!(store.claim_mail(b, 131, 160).unwrap(), "a lapsed claim (a worker that died) is taken over");
        store.record_mail(b, MailOutcome::Failed("permanent error (550): no such mailbox"), 132).unwrap();
        assert!(store.mail_jobs(true, 10).unwrap().is_empty());
        let all = store.mail_jobs(false, 10).unwrap();
        assert_eq!(
            all.iter().map(|j| (j.id, j.state.as_str(), j.attempts)).collect::<Vec<_>>(),
            vec![(b, "failed", 1), (a, "sent", 2)]
        );
        assert_eq!(all[1].sent_at.as_deref(), Some("2026-11-27T10:16:00Z"));
        assert_eq!(store.mail_jobs_about("shopify:2").unwrap()[0].id, b);
    }

    #[test]
    fn the_notice_and_its_mail_commit_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("r.sqlite")).unwrap();
        let id = DocId::order("AMS-01", "shopify:1").unwrap();
        let notice =
            till_domain::pickup::Notice { to: "anna@example.com".into(), at: "2026-11-27T10:15:00Z".parse().unwrap() };
        let put = |doc: &mut AutoCommit| till_docs::OrderDoc::put_notice(doc, &notice);
        let ((), job) = store.change_doc_and_queue_mail(&id, put, &mail(1)).unwrap();
        assert_eq!(store.mail_jobs_about("shopify:1").unwrap()[0].id, job);
        let heads = store.replicated_docs().unwrap();
        assert_eq!(heads.len(), 1, "the change is stored with the mail");

        let refuse = |_: &mut AutoCommit| -> till_docs::Result<()> {
            Err(till_docs::DocError::BadRecord { doc: "d".into(), key: "k".into(), reason: "no".into() })
        };
        assert!(store.change_doc_and_queue_mail(&id, refuse, &mail(2)).is_err());
        assert!(store.mail_jobs_about("shopify:2").unwrap().is_empty(), "no mail without its notice");
        assert_eq!(store.replicated_docs().unwrap(), heads);
    }
}
