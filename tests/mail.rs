//! The "ready for pickup" email, end to end with real processes: `till-hq` routes a
//! Shopify pickup order to Amsterdam, a register (the `till` binary on a real SQLite file)
//! picks and stages it and tells the customer through a real SMTP server — aiosmtpd
//! (PyPI, in a virtual environment this test makes under the target directory) with a
//! handler that keeps each message and reads it back with Python's own email parser.
//! With the server stopped the mail waits (the command still succeeds, and a sale goes
//! through meanwhile); `till mail work` sends it once the server is back. An order
//! without an email, a register without `[mail]`, and an address the server refuses for
//! good (550) each end as they should.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use serde_json::Value;
use till_tests::chain::Chain;
use till_tests::pickup::{Wan, deliver_pickup, deliver_pickup_with, order, refused, register, register_with, sync};
use till_tests::smtp::SmtpServer;
use till_tests::{TempRegister, stderr, stdout};

fn smtp() -> SmtpServer {
    SmtpServer::start(Path::new(env!("CARGO_TARGET_TMPDIR")))
}

/// The `[mail]` section for a register sending through `server`.
fn mail_section(server: &SmtpServer) -> String {
    format!(
        "[mail]\nsmtp = \"{}\"\nfrom = \"Harbour & Co <shop@example.com>\"\nstore_address = \"Prinsengracht 1, Amsterdam\"\n",
        server.url()
    )
}

/// Picks every line of `order` in full and stages it in a bin.
fn pick_and_stage(reg: &TempRegister, number: &str, lines: u32) {
    for n in 1..=lines {
        let picked = reg.json(&["pickup", "show", number])["lines"][(n - 1) as usize]["quantity"].clone();
        reg.json(&["pickup", "pick", number, "--line", &n.to_string(), "--qty", picked.as_str().unwrap()]);
    }
    assert_eq!(reg.json(&["pickup", "stage", number, "--bin", "B-2"])["status"], "ready");
}

/// Moves `reg`'s clock `seconds` on (the back-off between attempts is the register's time,
/// passed in: nothing sleeps).
fn later(reg: &mut TempRegister, seconds: i64) {
    let now: jiff::Timestamp = reg.now.as_deref().unwrap().parse().unwrap();
    reg.now = Some((now + jiff::SignedDuration::from_secs(seconds)).to_string());
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"][name].as_str().unwrap_or_else(|| panic!("no {name} header: {message:#}"))
}

#[test]
fn the_ready_mail_reaches_the_smtp_server_and_waits_while_the_server_is_down() {
    let mut server = smtp();
    let chain = Chain::start("mail_ready");
    chain.receive("AMS-01", "TOTE-1", "5");
    chain.receive("AMS-01", "MUG-1", "4");
    let wan = Wan::up(&chain);
    let mut reg = register_with(&chain, &wan, "AMS-01", "R1", &mail_section(&server));
    let id = deliver_pickup(&chain, 7101, &[("TOTE-1", 2), ("MUG-1", 1)]);
    sync(&reg);

    // Not staged yet: nothing is queued, and the message says what to do.
    let (code, text) = refused(&reg, &["pickup", "ready", "#7101"]);
    assert_eq!(code, "pickup", "{text}");
    assert!(text.contains("order #7101 is new, not staged for pickup"), "{text}");
    assert_eq!(reg.json(&["mail", "jobs"]), serde_json::json!([]));

    pick_and_stage(&reg, "#7101", 2);
    let ready = reg.json(&["pickup", "ready", "#7101"]);
    assert_eq!(ready["mail"]["state"], "sent", "{ready:#}");
    assert_eq!(ready["order"]["notified"]["to"], "jon@example.com", "{ready:#}");
    let got = server.messages();
    assert_eq!(got.len(), 1, "{got:#?}");
    let m = &got[0];
    assert_eq!(m["rcpt_tos"], serde_json::json!(["jon@example.com"]), "{m:#}");
    assert_eq!(m["mail_from"], "shop@example.com");
    assert_eq!(header(m, "subject"), "Your order #7101 is ready for pickup at Harbour & Co");
    assert_eq!(header(m, "to"), "jon@example.com");
    assert_eq!(header(m, "from"), "Harbour & Co <shop@example.com>");
    assert!(header(m, "message-id").starts_with("<till.AMS-01.R1.mail"), "{m:#}");
    assert_eq!((m["content_type"].as_str(), m["charset"].as_str()), (Some("text/plain"), Some("utf-8")));
    let body = m["body"].as_str().unwrap();
    for says in [
        "Your order #7101 is ready for pickup at Harbour & Co.",
        "Item TOTE-1 × 2",
        "Item MUG-1 × 1",
        "Where: Harbour & Co, Prinsengracht 1, Amsterdam",
        "bring the pickup code from your order confirmation",
    ] {
        assert!(body.contains(says), "{says:?} not in:\n{body}");
    }

    // Told once: again only on purpose.
    let (code, text) = refused(&reg, &["pickup", "ready", "#7101"]);
    assert_eq!(code, "pickup", "{text}");
    assert!(text.contains("already told it is ready (jon@example.com"), "{text}");

    // The mail server goes away. The notice is still recorded and its mail waits; the
    // command succeeds and says so.
    deliver_pickup(&chain, 7102, &[("TOTE-1", 1)]);
    sync(&reg);
    pick_and_stage(&reg, "#7102", 1);
    server.stop();
    let out = reg.till(&["pickup", "ready", "#7102"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("order #7102: ready mail to jon@example.com waiting for the mail server"),
        "{}",
        stdout(&out)
    );
    let waiting = reg.json(&["mail", "jobs", "--waiting"]);
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting:#}");
    assert_eq!(waiting[0]["attempts"], 1);
    assert!(waiting[0]["last_error"].as_str().unwrap().contains(&server.url()), "{waiting:#}");
    assert_eq!(reg.json(&["pickup", "show", "#7102"])["notified"]["to"], "jon@example.com");
    // Asking again while it waits does not queue a second one, even with --resend.
    let (_, text) = refused(&reg, &["pickup", "ready", "#7102", "--resend"]);
    assert!(text.contains("still waiting to be sent"), "{text}");
    // The counter keeps selling meanwhile.
    let sale = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:50"]);
    assert!(sale["receipt"].is_string(), "{sale:#}");
    // Backing off: not tried again for a minute after the failed attempt, then again.
    let first_try: jiff::Timestamp = reg.now.as_deref().unwrap().parse().unwrap();
    let next: jiff::Timestamp = waiting[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.as_second() - first_try.as_second(), 60, "{waiting:#}");
    let round = reg.json(&["mail", "work"]);
    assert_eq!((round["sent"].as_u64(), round["waiting"].as_u64()), (Some(0), Some(1)), "{round:#}");
    assert!(round["blocked"].is_null(), "nothing due yet, nothing tried: {round:#}");
    assert_eq!(reg.json(&["mail", "jobs", "--waiting"])[0]["attempts"], 1);
    later(&mut reg, 60);
    let round = reg.json(&["mail", "work"]);
    assert_eq!((round["sent"].as_u64(), round["waiting"].as_u64()), (Some(0), Some(1)), "{round:#}");
    assert!(round["blocked"].is_string(), "{round:#}");
    let waiting = reg.json(&["mail", "jobs", "--waiting"]);
    let next: jiff::Timestamp = waiting[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.as_second() - first_try.as_second(), 60 + 120, "the wait doubles: {waiting:#}");
    assert_eq!(server.messages().len(), 1);

    // The server is back: the worker sends it once its wait is over.
    server.resume();
    later(&mut reg, 120);
    let round = reg.json(&["mail", "work"]);
    assert_eq!((round["sent"].as_u64(), round["waiting"].as_u64()), (Some(1), Some(0)), "{round:#}");
    let got = server.messages();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert_eq!(header(&got[1], "subject"), "Your order #7102 is ready for pickup at Harbour & Co");
    let jobs = reg.json(&["mail", "jobs"]);
    let states: Vec<(&str, i64)> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["state"].as_str().unwrap(), j["attempts"].as_i64().unwrap()))
        .collect();
    assert_eq!(states, vec![("sent", 3), ("sent", 1)], "newest first: {jobs:#}");
    assert!(reg.json(&["mail", "jobs", "--waiting"]).as_array().unwrap().is_empty());
    // Nothing more to send: another pass sends nothing twice.
    reg.json(&["mail", "work"]);
    assert_eq!(server.messages().len(), 2);

    // A deliberate resend goes once more.
    let again = reg.json(&["pickup", "ready", "#7101", "--resend"]);
    assert_eq!(again["mail"]["state"], "sent", "{again:#}");
    assert_eq!(server.messages().len(), 3);

    // HQ learns that the customer was told.
    sync(&reg);
    let history = order(&chain, &id)["history"].to_string();
    assert!(history.contains("ready notice to jon@example.com"), "{history}");
}

#[test]
fn no_email_no_mail_server_and_an_address_the_server_refuses_each_end_as_they_should() {
    let server = smtp();
    let chain = Chain::start("mail_refused");
    chain.receive("AMS-01", "TOTE-1", "5");
    let wan = Wan::up(&chain);
    let reg = register_with(&chain, &wan, "AMS-01", "R1", &mail_section(&server));
    let plain = register(&chain, &wan, "AMS-01", "R2");
    deliver_pickup_with(&chain, 7201, &[("TOTE-1", 1)], |o| o["email"] = Value::Null);
    deliver_pickup_with(&chain, 7202, &[("TOTE-1", 1)], |o| o["email"] = "reject-me@example.com".into());
    sync(&reg);
    sync(&plain);

    // A register without [mail] says so.
    let (code, text) = refused(&plain, &["pickup", "ready", "#7201"]);
    assert_eq!(code, "input", "{text}");
    assert!(text.contains("no mail server is configured ([mail]"), "{text}");

    // No email on the order: refused, nothing queued, nothing recorded on the order.
    pick_and_stage(&reg, "#7201", 1);
    let (code, text) = refused(&reg, &["pickup", "ready", "#7201"]);
    assert_eq!(code, "pickup", "{text}");
    assert!(text.contains("order #7201 has no customer email"), "{text}");
    assert_eq!(reg.json(&["pickup", "show", "#7201"])["notified"], Value::Null);
    assert_eq!(reg.json(&["mail", "jobs"]), serde_json::json!([]));

    // The server refuses the address for good: the mail is failed with the server's
    // reason and not tried again; the command still succeeds (the notice is recorded).
    pick_and_stage(&reg, "#7202", 1);
    let out = reg.till(&["pickup", "ready", "#7202"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("refused:") && stdout(&out).contains("no such mailbox here"), "{}", stdout(&out));
    let jobs = reg.json(&["mail", "jobs"]);
    assert_eq!(jobs[0]["state"], "failed", "{jobs:#}");
    assert!(jobs[0]["last_error"].as_str().unwrap().contains("550"), "{jobs:#}");
    let round = reg.json(&["mail", "work"]);
    assert_eq!((round["sent"].as_u64(), round["waiting"].as_u64()), (Some(0), Some(0)), "{round:#}");
    assert_eq!(reg.json(&["mail", "jobs"])[0]["attempts"], 1, "a refused mail is not tried again");
    assert!(server.messages().is_empty());
}

/// A mail server away for good: the message is tried with a doubling wait between
/// attempts, then failed after `mail.max_attempts` with the last reason, and no worker
/// tries it again; `till mail jobs` shows it failed.
#[test]
fn a_mail_the_server_never_takes_is_failed_after_its_attempts_with_the_last_reason() {
    let mut server = smtp();
    let chain = Chain::start("mail_gives_up");
    chain.receive("AMS-01", "TOTE-1", "5");
    let wan = Wan::up(&chain);
    let section = format!("{}max_attempts = 3\ngive_up_after_hours = 24\n", mail_section(&server));
    let mut reg = register_with(&chain, &wan, "AMS-01", "R1", &section);
    deliver_pickup(&chain, 7301, &[("TOTE-1", 1)]);
    sync(&reg);
    pick_and_stage(&reg, "#7301", 1);
    server.stop();
    let out = reg.till(&["pickup", "ready", "#7301"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    for (wait, attempts) in [(60, 2), (120, 3)] {
        later(&mut reg, wait - 1);
        reg.json(&["mail", "work"]);
        assert_eq!(reg.json(&["mail", "jobs"])[0]["attempts"], attempts - 1, "still backing off");
        later(&mut reg, 1);
        reg.json(&["mail", "work"]);
        assert_eq!(reg.json(&["mail", "jobs"])[0]["attempts"], attempts);
    }
    let jobs = reg.json(&["mail", "jobs"]);
    assert_eq!((jobs[0]["state"].as_str(), jobs[0]["next_attempt_at"].as_str()), (Some("failed"), None), "{jobs:#}");
    let reason = jobs[0]["last_error"].as_str().unwrap();
    assert!(reason.starts_with("not sent after 3 attempt(s) over 3 min"), "{reason}");
    assert!(reason.contains(&server.url()), "the last error is kept: {reason}");
    let text = stdout(&reg.till(&["mail", "jobs"]));
    assert!(text.contains("failed (3 attempt(s))"), "{text}");
    later(&mut reg, 3600);
    server.resume();
    let round = reg.json(&["mail", "work"]);
    assert_eq!((round["sent"].as_u64(), round["waiting"].as_u64()), (Some(0), Some(0)), "{round:#}");
    assert!(server.messages().is_empty(), "a failed mail is not sent later");
}
