//! HQ at the edge, tried as an attacker would with real sockets against the real `till-hq`
//! binary on loopback: a huge body to an unauthenticated route is refused before it is
//! read, a sync document from nobody is refused before its body is read, and a crowd of
//! connections trickling their headers neither keeps HQ from answering nor stays open, and
//! a client that keeps failing authentication is held back.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use till_tests::hq::{HqProcess, database_url};

fn addr(hq: &HqProcess) -> String {
    hq.url.trim_start_matches("http://").to_string()
}

/// Posts `total` bytes (in 64 KiB writes) to `path` after `head`'s headers, stopping when
/// HQ stops reading; returns the status HQ answered and how many body bytes got out.
fn flood(hq: &HqProcess, head: &str, total: usize) -> (u16, usize) {
    let mut conn = TcpStream::connect(addr(hq)).unwrap();
    conn.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    conn.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'x'; 64 << 10];
    let mut sent = 0;
    while sent < total {
        match conn.write(&chunk[..chunk.len().min(total - sent)]) {
            Ok(n) if n > 0 => sent += n,
            _ => break,
        }
    }
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let status = String::from_utf8_lossy(&answer).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, sent)
}

fn health(hq: &HqProcess) -> u16 {
    let mut conn = TcpStream::connect(addr(hq)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    conn.write_all(b"GET /v1/health HTTP/1.1\r\nhost: hq\r\nconnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn huge_bodies_are_refused_before_they_are_read() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "edge_bodies"));
    let big = 64 << 20;
    // Declared: refused on the header, before a byte of the body is read.
    let head = format!(
        "POST /v1/enroll HTTP/1.1\r\nhost: hq\r\ncontent-type: application/json\r\ncontent-length: {big}\r\n\r\n"
    );
    let (status, sent) = flood(&hq, &head, big);
    assert_eq!(status, 413);
    assert!(sent < 16 << 20, "HQ stopped reading early: {sent} bytes got out of 64 MiB");
    // Chunked, no length: read up to the 64 KiB limit and no further.
    let head = "POST /v1/enroll HTTP/1.1\r\nhost: hq\r\ntransfer-encoding: chunked\r\n\r\n";
    let mut conn = TcpStream::connect(addr(&hq)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    conn.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    conn.write_all(head.as_bytes()).unwrap();
    let mut sent = 0usize;
    let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
    while sent < big && conn.write_all(chunk.as_bytes()).is_ok() {
        sent += 0x10000;
    }
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 413"), "{}", String::from_utf8_lossy(&answer));
    assert!(sent < 16 << 20, "{sent} bytes got out");
    // A sync document from nobody: 401 before its (64 MiB-limited) body is read.
    let head = format!(
        "POST /v1/sync/doc HTTP/1.1\r\nhost: hq\r\nauthorization: Bearer junk\r\nx-till-doc: stock/AMS-01\r\ncontent-length: {}\r\n\r\n",
        32 << 20
    );
    let (status, sent) = flood(&hq, &head, 32 << 20);
    assert_eq!(status, 401);
    assert!(sent < 16 << 20, "{sent} bytes got out before the credential was refused");
    assert_eq!(health(&hq), 200);
}

/// The open-file limit of this process (the HQ it starts inherits it).
fn open_files_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(1024)
}

#[test]
fn a_thousand_connections_trickling_their_headers_neither_block_hq_nor_stay_open() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "edge_slowloris"));
    // A thousand, or as many as this process may open with room to spare.
    let n = 1000.min(open_files_limit().saturating_sub(200));
    println!("{n} trickling connections (open-file limit {})", open_files_limit());
    let mut crowd: Vec<TcpStream> = (0..n)
        .map(|_| {
            let mut c = TcpStream::connect(addr(&hq)).unwrap();
            c.write_all(b"POST /v1/enroll HTTP/1.1\r\nhost: hq\r\n").unwrap();
            c
        })
        .collect();
    for c in &mut crowd {
        let _ = c.write_all(b"x-slow: 1\r\n");
    }
    // HQ still answers, at once (the bound is generous: a liveness check, not a timing).
    assert_eq!(health(&hq), 200);
    // The header timeout (10 s) closes the crowd: each read ends.
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut closed = 0;
    for c in &mut crowd {
        let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(10));
        c.set_read_timeout(Some(left)).unwrap();
        let mut buf = [0u8; 512];
        // HQ closes it (0 bytes, or a reset), possibly after a 408 answer.
        loop {
            match c.read(&mut buf) {
                Ok(0) => {
                    closed += 1;
                    break;
                }
                Ok(_) => continue,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => break,
                Err(_) => {
                    closed += 1; // reset by HQ
                    break;
                }
            }
        }
    }
    assert_eq!(closed, n, "every trickling connection was closed by HQ");
    assert_eq!(health(&hq), 200);
}

#[test]
fn bad_credentials_in_a_crowd_never_open_more_database_connections_than_the_pool_holds() {
    let Ok(base) = std::env::var("TILL_TEST_PG") else {
        println!("skipped: no PostgreSQL (TILL_TEST_PG unset; ./test sets it)");
        return;
    };
    let url = till_tests::hq::fresh_pg_database(&base, "edge_pool");
    let hq = HqProcess::start(&url);
    let db = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    let open = move || -> usize {
        let sql = format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}'");
        let out = std::process::Command::new("psql").args([base.as_str(), "-Atc", &sql]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut most = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                most = most.max(open());
            }
            most
        })
    };
    // A long lock on the registers table: every authentication blocks holding its
    // connection, so the crowd presses the pool as hard as it can.
    let locker = std::process::Command::new("psql")
        .args([
            url.as_str(),
            "-qc",
            "BEGIN; LOCK TABLE registers IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let crowd: Vec<_> = (0..300)
        .map(|i| {
            let addr = addr(&hq);
            std::thread::spawn(move || {
                let body = b"{\"docs\": {}}";
                let mut conn = TcpStream::connect(addr).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                let head = format!(
                    "POST /v1/sync/digests HTTP/1.1\r\nhost: hq\r\nauthorization: Bearer wrong-{i}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                conn.write_all(head.as_bytes()).unwrap();
                conn.write_all(body).unwrap();
                let mut answer = Vec::new();
                let _ = conn.read_to_end(&mut answer);
                String::from_utf8_lossy(&answer).split_whitespace().nth(1).and_then(|c| c.parse::<u16>().ok()).unwrap_or(0)
            })
        })
        .collect();
    let statuses: Vec<u16> = crowd.into_iter().map(|t| t.join().unwrap()).collect();
    let _ = { locker }.wait();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let most = watcher.join().unwrap();
    // (Loopback is never held back by the failures: every one of them is 401 or 503.)
    assert!(statuses.iter().all(|s| *s == 401 || *s == 503), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 401).count() > 0, "{statuses:?}");
    // HQ's pool (MAX_OPEN = 32 in crates/till-hq/src/db/pg.rs), the locker's and the
    // watcher's psql; 64 requests at once would open 64 without the bound.
    println!("at most {most} connections open to the database");
    assert!(most <= 32 + 2, "{most} connections open at once");
    assert!(most >= 24, "the crowd did press the pool ({most} open at most)");
    assert_eq!(health(&hq), 200);
}

#[test]
fn wrong_credentials_are_refused_while_a_writer_holds_the_database() {
    let work = tempfile::tempdir().unwrap();
    let url = database_url(work.path(), "edge_auth_read");
    let Some(path) = url.strip_prefix("sqlite:").map(str::to_string) else {
        println!("skipped: SQLite only (PostgreSQL never locks a reader out)");
        return;
    };
    let hq = HqProcess::start(&url);
    // Another process's long write: HQ's writers wait behind it (30 s busy timeout).
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE; UPDATE hq_meta SET value = value WHERE key = 'schema_version';").unwrap();
    let mut conn = TcpStream::connect(addr(&hq)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = b"{\"docs\": {}}";
    let head = format!(
        "POST /v1/sync/digests HTTP/1.1\r\nhost: hq\r\nauthorization: Bearer wrong\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    // Answered from the reading connection, not after the writer's lock (20 s < 30 s).
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 401"), "{}", String::from_utf8_lossy(&answer));
    writer.execute_batch("COMMIT").unwrap();
}

/// Sends one request with `head`'s extra headers and `body` to `path`; returns the status
/// and the whole answer.
fn request(hq: &HqProcess, path: &str, extra: &str, body: &str) -> (u16, String) {
    let mut conn = TcpStream::connect(addr(hq)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: hq\r\n{extra}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    (answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0), answer)
}

#[test]
fn a_client_that_keeps_failing_authentication_is_held_back_and_no_one_else_is() {
    let work = tempfile::tempdir().unwrap();
    // Behind a proxy on this machine: the client is the address the proxy forwards.
    let hq = HqProcess::start_with(&database_url(work.path(), "edge_backoff"), &["--plain-http-behind-proxy"]);
    let token = hq.token("AMS-01", "R1");
    let credential = "c".repeat(64);
    let enroll =
        format!(r#"{{"token": "{token}", "store": "AMS-01", "register": "R1", "credential": "{credential}"}}"#);
    let (status, answer) = request(&hq, "/v1/enroll", "x-forwarded-for: 198.51.100.1\r\n", &enroll);
    assert_eq!(status, 200, "{answer}");
    let clock = format!(r#"{{"clock": "{}", "docs": {{}}}}"#, jiff::Timestamp::now());
    let digests = clock.as_str();
    let from = |ip: &str, cred: &str| format!("x-forwarded-for: 10.0.0.9, {ip}\r\nauthorization: Bearer {cred}\r\n");

    // An attacker guessing credentials: a burst of 401s, then 429 before any look-up.
    let mut statuses = Vec::new();
    for i in 0..40 {
        statuses.push(request(&hq, "/v1/sync/digests", &from("203.0.113.7", &format!("guess-{i}")), digests).0);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 30, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 10, "{statuses:?}");
    let (status, answer) = request(&hq, "/v1/enroll", &from("203.0.113.7", "x"), &enroll);
    assert_eq!(status, 429, "enrollment too: {answer}");
    assert!(answer.to_lowercase().contains("retry-after:"), "{answer}");
    assert!(answer.contains("too many failed authentications from 203.0.113.7"), "{answer}");
    // The real register, from its own address, is not held back; nor is anyone on HQ's machine.
    assert_eq!(request(&hq, "/v1/sync/digests", &from("198.51.100.1", &credential), digests).0, 200);
    assert_eq!(request(&hq, "/v1/sync/digests", &format!("authorization: Bearer {credential}\r\n"), digests).0, 200);
    assert_eq!(health(&hq), 200);
    // The attacker's bucket refills: one more try after the refill time (10 s).
    std::thread::sleep(Duration::from_secs(11));
    assert_eq!(request(&hq, "/v1/sync/digests", &from("203.0.113.7", "guess-again"), digests).0, 401);
    assert_eq!(request(&hq, "/v1/sync/digests", &from("203.0.113.7", "guess-more"), digests).0, 429);
}

#[test]
fn a_body_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "edge_body_deadline"));
    let mut conn = TcpStream::connect(addr(&hq)).unwrap();
    conn.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    conn.write_all(
        b"POST /v1/enroll HTTP/1.1\r\nhost: hq\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n",
    )
    .unwrap();
    // A byte every 5 s keeps the connection busy but never finishes the body: the deadline
    // (120 s from the first byte asked for) is not pushed back by each byte.
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < Duration::from_secs(200) {
        let _ = conn.write_all(b" ");
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_secs(5)),
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?} after {:?}", start.elapsed());
    assert!(answer.contains("did not arrive within 120s"), "{answer}");
    assert_eq!(health(&hq), 200);
}

#[test]
fn a_registers_last_seen_is_not_written_by_every_request() {
    let work = tempfile::tempdir().unwrap();
    let url = database_url(work.path(), "edge_last_seen");
    let Some(path) = url.strip_prefix("sqlite:").map(str::to_string) else {
        println!("skipped: reads the SQLite file");
        return;
    };
    let hq = HqProcess::start(&url);
    let token = hq.token("AMS-01", "R1");
    let credential = "d".repeat(64);
    let enroll =
        format!(r#"{{"token": "{token}", "store": "AMS-01", "register": "R1", "credential": "{credential}"}}"#);
    assert_eq!(request(&hq, "/v1/enroll", "", &enroll).0, 200);
    let seen = || -> String {
        let db = rusqlite::Connection::open(&path).unwrap();
        db.query_row("SELECT last_seen FROM registers WHERE key = 'AMS-01/R1'", [], |r| r.get(0)).unwrap()
    };
    let digests = format!(r#"{{"clock": "{}", "docs": {{}}}}"#, jiff::Timestamp::now());
    let auth = format!("authorization: Bearer {credential}\r\n");
    assert_eq!(request(&hq, "/v1/sync/digests", &auth, &digests).0, 200);
    let first = seen();
    assert!(!first.is_empty(), "the first request is seen");
    std::thread::sleep(Duration::from_millis(1100));
    for _ in 0..5 {
        assert_eq!(request(&hq, "/v1/sync/digests", &auth, &digests).0, 200);
    }
    assert_eq!(seen(), first, "written at most once a minute, not by each request");
}
