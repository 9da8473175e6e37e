//! Customer mail through the store's SMTP server (`[mail]`): the "ready for pickup" notice,
//! queued in the register's outbox in the same transaction as the order document's
//! `notified` entry, and a worker pass that sends what waits. A server out of reach is
//! normal (offline is normal): the message waits and the next pass tries again; a server
//! that refuses a message for good (a 5xx reply) marks it failed with the server's reason.
//! Nothing here is on the sale path.

use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, SmtpTransport, Transport};
use till_docs::OrderDoc;
use till_domain::pickup::{Notice, PickupOrder};
use till_store::{MailJob, MailOutcome, NewMail};

use super::OutboxError;
use crate::orders::OrderError;
use crate::staff::StaffError;
use crate::{Authority, MailConfig, Register, RegisterError, SmtpSecurity};

/// How long connecting, or one SMTP command, may take before the attempt is given up.
const SMTP_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a worker holds a message it is sending (another worker leaves it alone).
const CLAIM_SECONDS: i64 = 60;

/// The wait after a message's first failed attempt; each further failure doubles it, up
/// to [`BACKOFF_MAX_SECONDS`].
pub const BACKOFF_FIRST_SECONDS: i64 = 60;

/// The longest wait between two attempts at one message.
pub const BACKOFF_MAX_SECONDS: i64 = 3600;

/// The wait before the next attempt at a message that has failed `attempts` times (1, 2,
/// 4, … minutes, at most an hour).
pub fn mail_backoff(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    BACKOFF_FIRST_SECONDS.saturating_mul(1 << doublings).min(BACKOFF_MAX_SECONDS)
}

/// The outbox kind of the "ready for pickup" notice.
const READY_KIND: &str = "ready_for_pickup";

/// What one pass of the mail worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MailRound {
    /// Messages the server took.
    pub sent: u64,
    /// Messages still waiting.
    pub waiting: u64,
    /// Messages failed in this pass: refused for good by the server, or given up on after
    /// `mail.max_attempts` attempts or `mail.give_up_after_hours`.
    pub failed: u64,
    /// Why the pass stopped early (the server is out of reach), if it did.
    pub blocked: Option<String>,
}

/// The subject and text of the "ready for pickup" notice for `order` at `store_name`
/// (and `store_address`, when known). Plain text, UTF-8; every customer-facing word is
/// here, so a translation replaces this one function.
pub fn ready_message(order: &PickupOrder, store_name: &str, store_address: Option<&str>) -> (String, String) {
    // One line whatever the webstore put in the order number (a header is one line).
    let subject: String = format!("Your order {} is ready for pickup at {store_name}", order.number)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut body = format!("Hello,\n\nYour order {} is ready for pickup at {store_name}.\n\n", order.number);
    for line in &order.lines {
        let ordered = line.quantity.normalize();
        let text = match order.picks.get(&line.n) {
            Some(p) if p.picked.is_zero() => format!("{}: not available ({ordered} ordered)", line.title),
            Some(p) => {
                let picked = p.picked.normalize();
                let mut text = format!("{} × {picked}", line.title);
                if picked < ordered {
                    text += &format!(" (of {ordered} ordered)");
                }
                if let Some(s) = &p.substitute {
                    text += &format!(" — replaced by {}, as you agreed", s.sku);
                }
                text
            }
            None => format!("{} × {ordered}", line.title),
        };
        body += &format!("  {text}\n");
    }
    body.push('\n');
    if let Some(address) = store_address {
        body += &format!("Where: {store_name}, {address}\n");
    }
    body += "Please bring the pickup code from your order confirmation.\n\n";
    body += &format!("{store_name}\n");
    (subject, body)
}

impl Register {
    /// The configured mail server, or why there is none.
    pub fn mail_config(&self) -> Result<&MailConfig, RegisterError> {
        Ok(self.config.mail.as_ref().ok_or(OutboxError::NoMailServer)?)
    }

    /// Tells the customer of pickup order `order` that it is ready: queues the notice in
    /// the outbox and records it on the order (`notified`), in one transaction. Only a live
    /// pickup order that is staged, with an email address; an order already notified (here
    /// or on another register) only with `resend`. Sending is the mail worker's
    /// ([`Register::send_pending_mail`]): the notice is queued whether or not the server is
    /// reachable now.
    pub fn notify_ready(&mut self, order: &str, resend: bool, auth: &Authority) -> Result<PickupOrder, RegisterError> {
        auth.staff_code().ok_or(StaffError::NotSignedIn)?;
        let config = self.mail_config()?.clone();
        let order = self.pickup_order(order)?;
        let to = order.check_notify(resend)?.to_string();
        to.parse::<Address>().map_err(|e| OutboxError::NotAnAddress {
            order: order.number.clone(),
            to: to.clone(),
            reason: e.to_string(),
        })?;
        if let Some(waiting) = self.store.mail_jobs_about(&order.id)?.into_iter().find(|j| j.state == "waiting") {
            let error = waiting.last_error.map(|e| format!(" ({e})")).unwrap_or_default();
            return Err(OutboxError::StillWaiting { order: order.number, queued: waiting.created_at, error }.into());
        }
        let (subject, body) = ready_message(&order, &config.store_name, config.store_address.as_deref());
        let now = self.now();
        let mail = NewMail {
            kind: READY_KIND.into(),
            reference: order.id.clone(),
            recipient: to.clone(),
            subject,
            body,
            created_at: now.to_string(),
        };
        let notice = Notice { to, at: now };
        let id = self.order_doc_id(&order)?;
        self.store.change_doc_and_queue_mail(&id, |doc| OrderDoc::put_notice(doc, &notice), &mail)?;
        Ok(self.read_order(&id)?.ok_or_else(|| OrderError::Vanished(order.number.clone()))?)
    }

    /// The messages about `order` (its notices), oldest first.
    pub fn order_mail(&self, order: &PickupOrder) -> Result<Vec<MailJob>, RegisterError> {
        Ok(self.store.mail_jobs_about(&order.id)?)
    }

    /// Messages in the outbox, newest first (only waiting ones, oldest first, if
    /// `waiting`).
    pub fn mail_jobs(&self, waiting: bool) -> Result<Vec<MailJob>, RegisterError> {
        Ok(self.store.mail_jobs(waiting, 200)?)
    }

    /// One pass of the mail worker over the waiting messages whose back-off has passed,
    /// oldest first, each claimed first so two workers never send one message. A server
    /// out of reach (or a password file that cannot be read) leaves them waiting with the
    /// reason; a transient refusal (4xx) leaves that message waiting; either way the message
    /// is not tried again before its back-off (1, 2, 4 … minutes, at most an hour) and is
    /// failed once it has been tried `mail.max_attempts` times or is older than
    /// `mail.give_up_after_hours`. A permanent refusal (5xx) fails it with the server's
    /// reason. Never touches a sale.
    pub fn send_pending_mail(&self) -> Result<MailRound, RegisterError> {
        let config = self.mail_config()?;
        let due = self.store.mail_due(self.now().as_second(), 200)?;
        let mut round = MailRound::default();
        let Some(first) = due.first() else {
            round.waiting = self.store.mail_jobs(true, 200)?.len() as u64;
            return Ok(round);
        };
        let transport = match self.smtp_transport(config) {
            Ok(t) => t,
            Err(reason) => {
                let now = self.now();
                if self.store.claim_mail(first.id, now.as_second(), now.as_second() + CLAIM_SECONDS)? {
                    round.failed += u64::from(self.retry_or_fail(config, first, &reason, now)?);
                }
                round.waiting = self.store.mail_jobs(true, 200)?.len() as u64;
                round.blocked = Some(reason);
                return Ok(round);
            }
        };
        for job in &due {
            let now = self.now();
            if !self.store.claim_mail(job.id, now.as_second(), now.as_second() + CLAIM_SECONDS)? {
                continue; // another worker is sending it
            }
            let message = match self.message(config, job, now) {
                Ok(m) => m,
                Err(reason) => {
                    self.store.record_mail(job.id, MailOutcome::Failed(&reason), now.as_second())?;
                    round.failed += 1;
                    continue;
                }
            };
            match transport.send(&message) {
                Ok(_) => {
                    let now = self.now();
                    self.store.record_mail(job.id, MailOutcome::Sent(&now.to_string()), now.as_second())?;
                    round.sent += 1;
                }
                Err(e) if e.is_permanent() => {
                    let reason = format!("{} refused it: {e}", config.url);
                    self.store.record_mail(job.id, MailOutcome::Failed(&reason), self.now().as_second())?;
                    round.failed += 1;
                }
                Err(e) => {
                    let reason = format!("{}: {e}", config.url);
                    round.failed += u64::from(self.retry_or_fail(config, job, &reason, self.now())?);
                    if !e.is_transient() {
                        // Out of reach: the others would wait for the same timeout.
                        round.blocked = Some(reason);
                        break;
                    }
                }
            }
        }
        round.waiting = self.store.mail_jobs(true, 200)?.len() as u64;
        Ok(round)
    }

    /// Records a failed attempt at `job` for `reason` at `now`: it waits for its back-off,
    /// or, tried `mail.max_attempts` times or older than `mail.give_up_after_hours`, is
    /// failed with the last reason. Returns whether it failed.
    fn retry_or_fail(
        &self,
        config: &MailConfig,
        job: &MailJob,
        reason: &str,
        now: jiff::Timestamp,
    ) -> Result<bool, RegisterError> {
        let attempts = job.attempts + 1;
        let queued = job.created_at.parse::<jiff::Timestamp>().map_or(now.as_second(), |t| t.as_second());
        let age = now.as_second() - queued;
        if attempts >= i64::from(config.max_attempts) || age >= config.give_up_after_seconds {
            let why = format!(
                "not sent after {attempts} attempt(s) over {} min (mail.max_attempts {}, mail.give_up_after_hours {}); \
                 last: {reason}",
                age.max(0) / 60,
                config.max_attempts,
                config.give_up_after_seconds / 3600
            );
            self.store.record_mail(job.id, MailOutcome::Failed(&why), now.as_second())?;
            return Ok(true);
        }
        let next_attempt_at = now.as_second() + mail_backoff(attempts);
        self.store.record_mail(job.id, MailOutcome::Retry { error: reason, next_attempt_at }, now.as_second())?;
        Ok(false)
    }

    /// The SMTP connection settings of `config`: TLS as configured, a short timeout, and
    /// the password read from its file now (so a changed password needs no restart).
    fn smtp_transport(&self, config: &MailConfig) -> Result<SmtpTransport, String> {
        let tls_error = |e: lettre::transport::smtp::Error| format!("{}: {e}", config.url);
        let builder = match config.security {
            SmtpSecurity::Plain => SmtpTransport::builder_dangerous(config.host.as_str()),
            SmtpSecurity::Tls => SmtpTransport::relay(&config.host).map_err(tls_error)?,
            SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&config.host).map_err(tls_error)?,
        };
        let mut builder = builder.port(config.port).timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(file)) = (&config.username, &config.password_file) {
            let path = self.dir.join(file);
            let password = std::fs::read_to_string(&path)
                .map_err(|e| format!("mail.password_file {}: {e}", path.display()))?
                .trim_end_matches(['\r', '\n'])
                .to_string();
            if password.is_empty() {
                return Err(format!("mail.password_file {}: the file is empty", path.display()));
            }
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(builder.build())
    }

    /// Message `job` as it goes out: from the store, to the customer, text/plain UTF-8,
    /// with a Message-ID that names this register and the message's number (a resend
    /// after a lost answer is recognisable as the same message).
    fn message(&self, config: &MailConfig, job: &MailJob, now: jiff::Timestamp) -> Result<Message, String> {
        let from: Mailbox = config.from.parse().map_err(|e| format!("mail.from '{}': {e}", config.from))?;
        let to: Mailbox = job.recipient.parse().map_err(|e| format!("'{}' is not an address: {e}", job.recipient))?;
        let message_id =
            format!("<till.{}.{}.mail{}@{}>", self.config.store, self.config.register, job.id, from.email.domain());
        Message::builder()
            .from(from)
            .to(to)
            .subject(job.subject.clone())
            .message_id(Some(message_id))
            .date(SystemTime::try_from(now).unwrap_or_else(|_| SystemTime::now()))
            .header(ContentType::TEXT_PLAIN)
            .body(job.body.clone())
            .map_err(|e| format!("message {}: {e}", job.id))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use rust_decimal_macros::dec;
    use till_domain::pickup::{Fulfilment, OrderLine, PaidAt, Pick, Substitute};

    use super::*;

    #[test]
    fn the_mail_back_off_doubles_from_a_minute_to_at_most_an_hour() {
        let waits: Vec<i64> = (1..=9).map(mail_backoff).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!((mail_backoff(0), mail_backoff(i64::MAX)), (60, 3600));
    }

    #[test]
    fn the_ready_message_names_the_order_its_lines_the_store_and_the_pickup_code() {
        let at: jiff::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let pick = |picked, substitute| Pick { picked, substitute, by: "1".into(), register: "R1".into(), at };
        let line = |n, title: &str, quantity| OrderLine {
            n,
            sku: format!("SKU-{n}"),
            title: title.into(),
            quantity,
            price: dec!(9.95),
        };
        let order = PickupOrder {
            id: "shopify:1".into(),
            number: "#1001".into(),
            email: "anna@example.com".into(),
            currency: "EUR".into(),
            store: "AMS-01".into(),
            fulfilment: Fulfilment::Pickup,
            paid_at: PaidAt::Online,
            token_id: "t".into(),
            withdrawn: None,
            lines: vec![
                line(1, "Canvas Tote", dec!(2)),
                line(2, "Stoneware Mug", dec!(3)),
                line(3, "Tea", dec!(1)),
                line(4, "Cups", dec!(1)),
            ],
            picks: BTreeMap::from([
                (1, pick(dec!(2), None)),
                (2, pick(dec!(1.000), None)),
                (3, pick(dec!(0), None)),
                (
                    4,
                    pick(
                        dec!(1),
                        Some(Substitute { sku: "CUPS-SET".into(), price: dec!(5), consent: "phoned".into() }),
                    ),
                ),
            ]),
            stage: None,
            notified: None,
            checkin: None,
            handovers: vec![],
            shipment: None,
        };
        let (subject, body) = ready_message(&order, "Harbour & Co", Some("Prinsengracht 1, Amsterdam"));
        assert_eq!(subject, "Your order #1001 is ready for pickup at Harbour & Co");
        assert_eq!(
            body,
            "Hello,\n\nYour order #1001 is ready for pickup at Harbour & Co.\n\n\
             \x20 Canvas Tote × 2\n\
             \x20 Stoneware Mug × 1 (of 3 ordered)\n\
             \x20 Tea: not available (1 ordered)\n\
             \x20 Cups × 1 — replaced by CUPS-SET, as you agreed\n\n\
             Where: Harbour & Co, Prinsengracht 1, Amsterdam\n\
             Please bring the pickup code from your order confirmation.\n\nHarbour & Co\n"
        );
        let (_, body) = ready_message(&order, "AMS-01", None);
        assert!(!body.contains("Where:"), "{body}");
        let odd = PickupOrder { number: "#1001\r\nBcc: x@example.com".into(), ..order };
        assert_eq!(
            ready_message(&odd, "AMS-01", None).0,
            "Your order #1001  Bcc: x@example.com is ready for pickup at AMS-01"
        );
    }
}
