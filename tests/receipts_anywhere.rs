//! A receipt good at every register (#16 §3), with real processes: `till-hq` behind a
//! loopback WAN, registers of two stores (`till` on real SQLite files). HQ's receipt
//! lookup is authenticated as a register, scoped to the register's store unless the chain
//! allows every store, logged with the order lookups, rate-limited with them, and bounded
//! against hostile input. The multi-register story (HQ and LAN paths, no line returned
//! twice) is the scenario folder `tests/scenarios/receipt-any-register`.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::Value;
use till_tests::chain::Chain;
use till_tests::pickup::{Wan, refused, register};
use till_tests::proxy::http;

/// R1 of Amsterdam sells two totes, paid in cash, and syncs; the receipt number.
fn amsterdam_sale(chain: &Chain, wan: &Wan) -> String {
    let r1 = register(chain, wan, "AMS-01", "R1");
    let sale = r1.json(&["sale", "--scan", "TOTE-1*2", "--tender", "cash:50"]);
    till_tests::pickup::sync(&r1);
    sale["receipt"].as_str().unwrap().to_string()
}

#[test]
fn a_receipt_is_found_at_hq_in_its_store_and_in_others_only_when_the_chain_allows() {
    let chain = Chain::start("receipts_scope");
    let wan = Wan::up(&chain);
    let receipt = amsterdam_sale(&chain, &wan);
    let r2 = register(&chain, &wan, "AMS-01", "R2");
    let found = r2.json(&["receipt", "find", &receipt]);
    assert_eq!((found["source"].as_str(), found["register"].as_str()), (Some("hq"), Some("R1")), "{found:#}");
    assert_eq!(found["found"]["lines"][0]["returnable"], "2");
    // Another store: the code names the store; the chain returns in the store of purchase.
    let utrecht = register(&chain, &wan, "UTR-01", "R1");
    let code = format!("till:AMS-01/{receipt}");
    let (code_, text) = refused(&utrecht, &["receipt", "find", &code]);
    assert!(text.contains("only in the store of purchase"), "{code_}: {text}");
    assert_eq!(chain.hq.admin_json(&["returns-scope"])["returns_scope"], "store");
    assert_eq!(chain.hq.admin_json(&["returns-scope", "chain"])["returns_scope"], "chain");
    let found = utrecht.json(&["receipt", "find", &code]);
    assert_eq!((found["source"].as_str(), found["store"].as_str()), (Some("hq"), Some("AMS-01")));
    // Utrecht takes one back in cash; the return names the original by its code, and
    // HQ counts it against the sale for Amsterdam's R2.
    let back = utrecht.json(&["return", "--receipt", &code, "--line", "1:1", "--refund", "cash"]);
    assert_eq!(back["lines"][0]["returning"]["of_receipt"], code.as_str(), "{back:#}");
    till_tests::pickup::sync(&utrecht);
    let found = r2.json(&["receipt", "find", &receipt]);
    assert_eq!(found["found"]["lines"][0]["returnable"], "1", "{found:#}");
    // A receipt HQ never booked.
    let (code_, text) = refused(&r2, &["receipt", "find", "R1-000099"]);
    assert_eq!(code_, "receipt_not_found", "{text}");
    assert!(text.contains("HQ has not booked it"), "{text}");
    // Every lookup is logged, found or not, with what was asked.
    let log = chain.hq.admin_json(&["lookups"]);
    let seen: Vec<(String, String, bool)> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["via"] == "receipt")
        .map(|l| (l["register"].as_str().unwrap().into(), l["asked"].as_str().unwrap().into(), l["order_id"] != ""))
        .collect();
    let asked = |who: &str, what: &str, found: bool| {
        seen.iter().filter(|(w, a, f)| w == who && a == what && *f == found).count()
    };
    let sale = format!("AMS-01/{receipt}");
    assert_eq!(asked("AMS-01/R2", &sale, true), 2, "{log:#}");
    assert_eq!(asked("UTR-01/R1", &sale, false), 1, "the refused one is logged as found nothing: {log:#}");
    assert_eq!(asked("UTR-01/R1", &sale, true), 2, "find and return: {log:#}");
    assert_eq!(asked("AMS-01/R2", "AMS-01/R1-000099", false), 1, "{log:#}");
}

#[test]
fn receipt_lookups_count_toward_the_registers_rate_limit() {
    let chain = Chain::start("receipts_rate");
    let wan = Wan::up(&chain);
    let receipt = amsterdam_sale(&chain, &wan);
    let r2 = register(&chain, &wan, "AMS-01", "R2");
    for n in 0..10 {
        let (_, text) = refused(&r2, &["receipt", "find", &format!("R1-{:06}", 500 + n)]);
        assert!(text.contains("HQ has not booked it"), "{text}");
    }
    let (_, text) = refused(&r2, &["receipt", "find", &receipt]);
    assert!(text.contains("HQ allows") && text.contains("try again later"), "{text}");
    // Per register: another register of the store still finds it.
    let r3 = register(&chain, &wan, "AMS-01", "R3");
    assert_eq!(r3.json(&["receipt", "find", &receipt])["source"], "hq");
}

#[test]
fn hq_answers_receipt_lookups_only_to_a_register_and_bounds_hostile_input() {
    let chain = Chain::start("receipts_hostile");
    let wan = Wan::up(&chain);
    let _ = amsterdam_sale(&chain, &wan);
    let r2 = register(&chain, &wan, "AMS-01", "R2");
    let url = chain.hq.url.clone();
    let find = |headers: &[(&str, &str)], body: &[u8]| -> (u16, Value) {
        let (status, answer) = http(&url, "POST", "/v1/receipts/find", headers, body);
        (status, serde_json::from_slice(&answer).unwrap_or(Value::Null))
    };
    let json = ("content-type", "application/json");
    let (status, _) = find(&[json], br#"{"receipt":"R1-000001"}"#);
    assert_eq!(status, 401, "no credential");
    let (status, _) = find(&[json, ("authorization", "Bearer not-a-credential")], br#"{"receipt":"R1-000001"}"#);
    assert_eq!(status, 401, "a wrong credential");
    let bearer = format!("Bearer {}", r2.setting("sync.credential").unwrap());
    let auth = ("authorization", bearer.as_str());
    let (status, answer) = find(&[json, auth], br#"{"receipt":"R1-000001"}"#);
    assert_eq!(status, 200, "{answer:#}");
    assert_eq!((answer["store"].as_str(), answer["register"].as_str()), (Some("AMS-01"), Some("R1")));
    assert!(answer["sale"].as_str().unwrap().contains("\"sku\":\"TOTE-1\""), "the sale as journalled: {answer:#}");
    // Hostile input: a long receipt, junk, not JSON, a body past the limit — each refused
    // with a short message, nothing looked up.
    let long = format!(r#"{{"receipt":"R1-{}"}}"#, "9".repeat(100_000));
    for (body, status_wanted) in [
        (long.into_bytes(), 413),
        (format!(r#"{{"receipt":"R1-{}"}}"#, "9".repeat(500)).into_bytes(), 400),
        (br#"{"receipt":"till:AMS 01/R1-1"}"#.to_vec(), 400),
        (br#"{"receipt":"42"}"#.to_vec(), 400),
        (b"not json".to_vec(), 400),
    ] {
        let (status, answer) = find(&[json, auth], &body);
        assert_eq!(status, status_wanted, "{answer:#}");
        assert!(answer["message"].as_str().unwrap_or_default().len() < 300, "bounded: {answer:#}");
    }
    let log = chain.hq.admin_json(&["lookups"]);
    assert_eq!(log.as_array().unwrap().len(), 1, "only the well-formed lookup is logged: {log:#}");
}

#[test]
fn a_peer_serves_its_recent_sales_only_to_its_store_and_bounds_what_it_reads() {
    let chain = Chain::start("receipts_peer");
    let wan = Wan::up(&chain);
    let r1 = register(&chain, &wan, "AMS-01", "R1");
    let sale = r1.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    let (mut server, peer) = r1.serve_peer();
    let work = tempfile::tempdir().unwrap();
    let ask = br#"{"since":"2020-01-01T00:00:00Z"}"#;
    let (status, _) = till_tests::peer::curl_peer(&peer, None, "/v1/peer/sales", ask, work.path());
    assert_eq!(status, None, "no TLS handshake without the store's peer key");
    let key = r1.setting("sync.peer_key").unwrap();
    let (status, body) = till_tests::peer::curl_peer(&peer, Some(&key), "/v1/peer/sales", ask, work.path());
    assert_eq!(status, Some(200));
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((answer["store"].as_str(), answer["register"].as_str()), (Some("AMS-01"), Some("R1")));
    let payload = answer["sales"][0]["payload"].as_str().unwrap();
    assert!(payload.contains(sale["id"].as_str().unwrap()) && payload.contains("\"staff\":null"), "{payload}");
    // After what the asker holds: nothing more.
    let after = br#"{"since":"2020-01-01T00:00:00Z","after":{"R1":1}}"#;
    let (_, body) = till_tests::peer::curl_peer(&peer, Some(&key), "/v1/peer/sales", after, work.path());
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["sales"], serde_json::json!([]));
    // Junk: refused with a short message.
    let junk = format!(r#"{{"since":"{}"}}"#, "9".repeat(10_000));
    let (status, body) = till_tests::peer::curl_peer(&peer, Some(&key), "/v1/peer/sales", junk.as_bytes(), work.path());
    assert_eq!(status, Some(400));
    assert!(body.len() < 300, "bounded: {}", String::from_utf8_lossy(&body));
    // A register of another store is not a peer: its round (and the copy) is refused.
    let other = register(&chain, &wan, "UTR-01", "R1");
    assert!(!other.command(&["sync", "--peer", &peer]).output().unwrap().status.success());
    // R2 copies it; the receipt is then found there with the WAN down.
    let r2 = register(&chain, &wan, "AMS-01", "R2");
    assert!(r2.command(&["sync", "--peer", &peer]).output().unwrap().status.success());
    let _ = server.kill();
    let _ = server.wait();
    wan.cut();
    let found = r2.json(&["receipt", "find", sale["receipt"].as_str().unwrap()]);
    assert_eq!(found["source"], "peer", "{found:#}");
}

#[test]
fn a_sale_paid_partly_with_store_credit_is_refunded_elsewhere_in_cash_or_credit_only() {
    let chain = Chain::start("receipts_tenders");
    let wan = Wan::up(&chain);
    let r1 = register(&chain, &wan, "AMS-01", "R1");
    // R1 issues store credit (a return of its own sale), then a sale paid with it and cash.
    let first = r1.json(&["sale", "--scan", "MUG-1", "--tender", "cash:20"]);
    let receipt = first["receipt"].as_str().unwrap();
    let credit = r1.json(&["return", "--receipt", receipt, "--line", "1", "--refund", "credit"]);
    let code = credit["tenders"][0]["code"].as_str().unwrap().to_string();
    let tender = format!("credit:12.50:{code}");
    let sale = r1.json(&["sale", "--scan", "TOTE-1", "--tender", &tender, "--tender", "cash:10"]);
    let receipt = sale["receipt"].as_str().unwrap().to_string();
    till_tests::pickup::sync(&r1);
    let r2 = register(&chain, &wan, "AMS-01", "R2");
    let (code_, text) = refused(&r2, &["return", "--receipt", &receipt, "--line", "1"]);
    assert_eq!(code_, "original_tender_elsewhere", "{text}");
    assert!(text.contains("only register R1 can refund") && text.contains("--refund cash"), "{text}");
    let back = r2.json(&["return", "--receipt", &receipt, "--line", "1", "--refund", "cash"]);
    assert_eq!(back["tenders"][0]["kind"], "cash", "{back:#}");
    assert_eq!(back["tenders"][0]["amount"], "-19.95", "{back:#}");
}

#[test]
fn the_sync_worker_copies_its_store_peers_sales_by_itself_with_the_wan_down() {
    use std::io::{BufRead, BufReader};
    let chain = Chain::start("receipts_peer_worker");
    let wan = Wan::up(&chain);
    let r1 = register(&chain, &wan, "AMS-01", "R1");
    let sale = r1.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    let (mut server, peer) = r1.serve_peer();
    let r2 =
        till_tests::pickup::register_with(&chain, &wan, "AMS-01", "R2", &format!("[peers]\nurls = [\"{peer}\"]\n"));
    // HQ out of reach: the worker's HQ round fails, its round with the peer does not.
    wan.cut();
    let mut watch = r2
        .command(&["sync", "--watch", "--every", "1", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let round: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let _ = watch.kill();
    let _ = watch.wait();
    assert_eq!((round["online"].as_bool(), round["peers_reached"].as_u64()), (Some(false), Some(1)), "{round}");
    assert_eq!(round["peers_failed"], serde_json::json!([]), "{round}");
    // The seller switched off too: the copy is what R2 returns against.
    let _ = server.kill();
    let _ = server.wait();
    let found = r2.json(&["receipt", "find", sale["receipt"].as_str().unwrap()]);
    assert_eq!(found["source"], "peer", "{found:#}");
}

#[test]
fn the_background_work_serves_the_store_peers_on_the_configured_address() {
    use std::sync::Arc;
    use till_register::{BackgroundWork, FixedClock, RandomIds, Register};
    let chain = Chain::start("receipts_peer_server");
    let wan = Wan::up(&chain);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let listen = format!("[peers]\nlisten = \"127.0.0.1:{port}\"\n");
    let r1 = till_tests::pickup::register_with(&chain, &wan, "AMS-01", "R1", &listen);
    let sale = r1.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    // What the app's background task runs: once enrolled, the peer server starts.
    let clock = Arc::new(FixedClock::new(jiff::Timestamp::now()));
    let mut reg = Register::open(r1.data_dir(), clock, Box::new(RandomIds)).unwrap();
    let mut work = BackgroundWork::all();
    let _ = reg.background_pass(&mut work);
    let r2 = register(&chain, &wan, "AMS-01", "R2");
    let peer = format!("https://127.0.0.1:{port}");
    // The server binds on its own thread: a few tries while it comes up.
    let synced = (0..50).any(|_| {
        let ok = r2.command(&["sync", "--peer", &peer]).output().unwrap().status.success();
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        ok
    });
    assert!(synced, "R2 could not sync with R1's background peer server at {peer}");
    wan.cut();
    let found = r2.json(&["receipt", "find", sale["receipt"].as_str().unwrap()]);
    assert_eq!(found["source"], "peer", "{found:#}");
}
