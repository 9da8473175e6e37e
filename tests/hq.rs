//! HQ against hostile input, and HQ's conflicts: real `till-hq` and `till` processes on
//! loopback (SQLite, or PostgreSQL when TILL_TEST_PG names a server).
#![allow(clippy::unwrap_used, missing_docs)]

use till_tests::TempRegister;
use till_tests::fleet::hq_sales;
use till_tests::hq::{HqProcess, database_url};
use till_tests::proxy::{Chaos, Proxy, body_of, header_of, http, with_body};

fn sell(till: &TempRegister, scan: &str) {
    let out = till.command(&["sale", "--scan", scan, "--tender", "cash:100"]).output().unwrap();
    assert!(out.status.success(), "sale: {}", String::from_utf8_lossy(&out.stderr));
}

fn status_of(till: &TempRegister) -> serde_json::Value {
    till.json(&["sync", "status"])
}

#[test]
fn hostile_requests_get_4xx_store_nothing_and_the_server_keeps_serving() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "hostile"));
    let proxy = Proxy::start(&hq.url, Chaos::default(), 1);
    let till = TempRegister::selling_offline("AMS-01", "R1", 5, 11);
    till.enroll(&proxy.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    let booked = hq_sales(&hq);
    assert_eq!(booked.len(), 5);
    let report = hq.admin_json(&["report", "sales"]);
    let captured = proxy.captured();
    let doc_request = captured.iter().find(|r| header_of(r, "x-till-doc").is_some()).unwrap().clone();
    let credential = header_of(&doc_request, "authorization").unwrap();
    let doc = header_of(&doc_request, "x-till-doc").unwrap();

    // A corrupt sync message: every byte flipped, then truncated halves.
    let body = body_of(&doc_request);
    let flipped: Vec<u8> = body.iter().map(|b| !b).collect();
    assert_eq!(proxy.send_raw(&with_body(&doc_request, &flipped)), 400);
    assert_eq!(proxy.send_raw(&with_body(&doc_request, &body[..body.len() / 2])), 400);
    assert_eq!(proxy.send_raw(&with_body(&doc_request, b"")), 400);
    // Oversized: refused before it is read.
    let huge = vec![0x43u8; 65 << 20];
    let (status, _) =
        http(&hq.url, "POST", "/v1/sync/doc", &[("authorization", &credential), ("x-till-doc", &doc)], &huge);
    assert_eq!(status, 413);
    // A valid body from an unenrolled register (made-up credential), and from none.
    let forged = "Bearer 0123456789abcdef0123456789abcdef0123456789abcdef";
    let (status, _) = http(&hq.url, "POST", "/v1/sync/doc", &[("authorization", forged), ("x-till-doc", &doc)], &body);
    assert_eq!(status, 401);
    let (status, _) = http(&hq.url, "POST", "/v1/sync/doc", &[("x-till-doc", &doc)], &body);
    assert_eq!(status, 401);
    // Garbage JSON, a bad document id, another register's journal.
    let (status, _) = http(&hq.url, "POST", "/v1/sync/digests", &[("authorization", &credential)], b"{\"docs\": 7");
    assert_eq!(status, 400);
    let (status, _) =
        http(&hq.url, "POST", "/v1/sync/doc", &[("authorization", &credential), ("x-till-doc", "../../etc")], &body);
    assert_eq!(status, 400);
    let other = doc.replace("/R1/", "/R2/");
    let (status, _) =
        http(&hq.url, "POST", "/v1/sync/doc", &[("authorization", &credential), ("x-till-doc", &other)], &body);
    assert_eq!(status, 403);
    // The enrollment token is single-use: another register cannot take it.
    let enroll = captured.iter().find(|r| String::from_utf8_lossy(r).starts_with("POST /v1/enroll")).unwrap();
    assert_eq!(proxy.send_raw(enroll), 200, "the same enrollment, repeated after a lost answer, succeeds");
    let stolen =
        String::from_utf8_lossy(&body_of(enroll)).replace(&till.setting("sync.credential").unwrap(), &"f".repeat(64));
    assert_eq!(proxy.send_raw(&with_body(enroll, stolen.as_bytes())), 401, "a used token enrolls no one else");

    assert_eq!(hq_sales(&hq), booked, "nothing stored");
    assert_eq!(hq.admin_json(&["report", "sales"]), report);
    assert_eq!(http(&hq.url, "GET", "/v1/health", &[], b"").0, 200, "still serving");

    // Revoked: the register's next sync is refused and brings nothing.
    sell(&till, "TOTE-1");
    let out = hq.admin(&["register", "revoke", "--store", "AMS-01", "--register", "R1"]);
    assert!(out.status.success());
    let out = till.command(&["sync", "--json"]).output().unwrap();
    assert!(!out.status.success());
    let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(error["error"]["code"], "sync", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("401"), "{error}");
    assert_eq!(hq_sales(&hq), booked, "a revoked register stores nothing");
    for request in &captured {
        let status = proxy.send_raw(request);
        assert_eq!(status, 401, "replayed requests of a revoked register");
    }
    assert_eq!(hq_sales(&hq), booked);
    assert_eq!(status_of(&till)["pending_sales"], 1);
}

#[test]
fn credential_rotation_survives_a_crash_between_issue_and_save() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "rotate"));
    let till = TempRegister::selling_offline("AMS-01", "R1", 2, 12);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    let old = till.setting("sync.credential").unwrap();

    // The register saved its next credential and HQ accepted it; then the register died
    // before recording that the rotation was done.
    let next = "n".repeat(64);
    till.set_setting("sync.next_credential", &next);
    let body = serde_json::json!({"next": next}).to_string();
    let (status, _) =
        http(&hq.url, "POST", "/v1/rotate", &[("authorization", &format!("Bearer {old}"))], body.as_bytes());
    assert_eq!(status, 200);

    // On restart the register finishes the rotation and syncs with the new credential.
    sell(&till, "TOTE-1");
    assert!(till.sync(), "sync after the interrupted rotation");
    assert_eq!(till.setting("sync.credential").as_deref(), Some(next.as_str()));
    assert_eq!(till.setting("sync.next_credential"), None);
    assert_eq!(hq_sales(&hq).len(), 3);
    // The old credential is retired once the new one was used: replaying it fails.
    let (status, _) = http(
        &hq.url,
        "POST",
        "/v1/sync/digests",
        &[("authorization", &format!("Bearer {old}"))],
        b"{\"clock\":\"\",\"docs\":{}}",
    );
    assert_eq!(status, 401);
    // And a plain rotation works end to end.
    let out = till.command(&["sync", "rotate"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_ne!(till.setting("sync.credential").as_deref(), Some(next.as_str()));
    assert!(till.sync());
}

#[test]
fn conflicts_are_raised_by_type_listed_with_what_they_need_and_resolved_on_record() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "conflicts"));
    // R1 and R2 draw the same sale ids (a cloned id generator): a collision.
    let r1 = TempRegister::selling_offline("AMS-01", "R1", 3, 21);
    let r2 = TempRegister::selling_offline("AMS-01", "R2", 3, 21);
    let r3 = TempRegister::selling_offline("AMS-01", "R3", 2, 23);
    for t in [&r1, &r2, &r3] {
        t.enroll(&hq.url, &hq.token(&t.store, &t.register));
    }
    // Only one tote on the shelf, as far as HQ knows; R3 sells three.
    hq.receive("AMS-01", "TOTE-1", "1");
    assert!(r3.sync(), "R3 receives the counter and sends the sales that waited for it");
    // R3's disk is cloned onto a second machine; both go on selling as R3.
    let r3b = r3.cloned();
    sell(&r3, "TOTE-1*3");
    sell(&r3b, "NOTE-A5");
    for t in [&r1, &r2, &r3, &r3b] {
        assert!(t.sync(), "{}", t.register);
    }
    // A register whose clock is years off.
    let out = r1.command(&["sync"]).env("TILL_NOW", "2020-01-01T00:00:00Z").output().unwrap();
    assert!(out.status.success());

    let list = hq.admin_json(&["conflicts"]);
    let kinds: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    for kind in ["sale_id_collision", "broken_chain", "clock_skew", "stock_below_zero"] {
        assert!(kinds.contains(&kind), "{kind} missing from {list}");
    }
    for c in list.as_array().unwrap() {
        assert!(!c["needs"].as_str().unwrap().is_empty(), "{c} says what it needs");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "sale_id_collision").count(), 3, "R2's three sales collide: {list}");
    // The colliding sales are not counted twice: HQ booked R1's.
    let booked = hq_sales(&hq);
    assert_eq!(booked.iter().filter(|(_, k)| k == "AMS-01/R2").count(), 0);
    assert_eq!(booked.iter().filter(|(_, k)| k == "AMS-01/R1").count(), 3);
    let stock = hq.admin_json(&["stock", "show", "--store", "AMS-01"]);
    let tote = stock.as_array().unwrap().iter().find(|r| r["sku"] == "TOTE-1").unwrap();
    let sold: rust_decimal::Decimal = [&r1, &r2, &r3].iter().map(|t| t.open().stock("TOTE-1").unwrap()).sum();
    assert_eq!(
        tote["quantity"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap(),
        sold + rust_decimal::Decimal::ONE
    );
    assert!(sold + rust_decimal::Decimal::ONE < rust_decimal::Decimal::ZERO);

    // Resolving is recorded, and the open list no longer shows it.
    let skew = list.as_array().unwrap().iter().find(|c| c["kind"] == "clock_skew").unwrap();
    let id = skew["id"].as_str().unwrap();
    let resolved = hq.admin_json(&["conflicts", "resolve", id, "--note", "NTP enabled on R1"]);
    assert_eq!(resolved["resolution"], "NTP enabled on R1");
    assert!(!resolved["resolved_at"].as_str().unwrap().is_empty());
    let open = hq.admin_json(&["conflicts"]);
    assert!(open.as_array().unwrap().iter().all(|c| c["id"] != id));
    let all = hq.admin_json(&["conflicts", "--all"]);
    assert!(all.as_array().unwrap().iter().any(|c| c["id"] == id && c["resolution"] == "NTP enabled on R1"));
    let again = hq.admin(&["conflicts", "resolve", id, "--note", "twice"]);
    assert!(!again.status.success(), "a conflict is resolved once");
}

#[test]
fn documents_rebuilt_from_sqlite_merge_at_hq_without_changing_a_record() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "rebuild"));
    let till = TempRegister::selling_offline("AMS-01", "R1", 20, 31);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    let report = hq.admin_json(&["report", "sales"]);
    // The stored changes are lost; the register rebuilds its documents from the journal.
    let conn = rusqlite::Connection::open(till.database()).unwrap();
    conn.execute("DELETE FROM sync_changes WHERE doc LIKE 'journal/%'", []).unwrap();
    drop(conn);
    let out = till.command(&["sync", "rebuild"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(till.sync());
    assert_eq!(hq.admin_json(&["report", "sales"]), report, "the same records: nothing new, nothing twice");
    assert_eq!(hq.admin_json(&["conflicts"]), serde_json::json!([]));
    // And selling goes on from the rebuilt documents.
    sell(&till, "TOTE-1");
    assert!(till.sync());
    assert_eq!(hq_sales(&hq).len(), 21);
    assert_eq!(status_of(&till)["pending_sales"], 0);
    assert_eq!(hq.admin_json(&["conflicts"]), serde_json::json!([]));
}

#[test]
fn the_worker_backs_off_while_hq_is_down_and_catches_up_when_it_returns() {
    let work = tempfile::tempdir().unwrap();
    let mut hq = HqProcess::start(&database_url(work.path(), "worker"));
    let proxy = Proxy::start(&hq.url, Chaos::default(), 3);
    let till = TempRegister::selling_offline("AMS-01", "R1", 4, 41);
    till.enroll(&proxy.url, &hq.token("AMS-01", "R1"));
    hq.kill();
    let enrolled = proxy.stats().requests.load(std::sync::atomic::Ordering::SeqCst);
    let mut watcher = till
        .command(&["sync", "--watch", "--every", "1", "--json"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Selling never waits for the network.
    sell(&till, "TOTE-1");
    std::thread::sleep(std::time::Duration::from_secs(4));
    let attempts = proxy.stats().requests.load(std::sync::atomic::Ordering::SeqCst) - enrolled;
    // Backing off from 1 s (0.5-1, 1-2, 2-4 s…): at most a handful of attempts, not a loop.
    assert!((1..=6).contains(&attempts), "{attempts} attempts in 4 s while HQ was down");
    assert_eq!(status_of(&till)["online"], false);

    let db = hq.db.clone();
    let hq = HqProcess::start(&db);
    proxy.set_upstream(&hq.url);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while hq_sales(&hq).len() < 5 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert_eq!(hq_sales(&hq).len(), 5, "the worker delivered every sale once HQ was back");
}

/// The system clock, except that its first reading on the sync worker's thread panics: a
/// bug in the middle of a sync round.
struct PanicsOnceInSync(std::sync::atomic::AtomicBool);

impl till_register::Clock for PanicsOnceInSync {
    fn now(&self) -> jiff::Timestamp {
        let on_sync = std::thread::current().name() == Some("till-sync");
        if on_sync && !self.0.swap(true, std::sync::atomic::Ordering::SeqCst) {
            panic!("a bug in the middle of a sync round");
        }
        jiff::Timestamp::now()
    }
}

#[test]
fn the_worker_survives_a_panicking_round_says_so_and_delivers_on_the_next() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "worker_panic"));
    let till = TempRegister::selling_offline("AMS-01", "R1", 3, 43);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    let (tx, rx) = std::sync::mpsc::channel();
    let timing = till_register::WorkerTiming {
        interval: std::time::Duration::from_millis(200),
        base: std::time::Duration::from_millis(100),
        cap: std::time::Duration::from_millis(400),
    };
    let clock = std::sync::Arc::new(PanicsOnceInSync(std::sync::atomic::AtomicBool::new(false)));
    let worker = till_register::SyncWorker::spawn(till.data_dir().to_path_buf(), clock, timing, move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    let first = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the worker reports the failed round");
    assert!(!first.online, "{first:?}");
    let error = first.error.unwrap_or_default();
    assert!(error.contains("failed unexpectedly (panic: a bug in the middle of a sync round)"), "{error}");
    assert!(error.contains("the worker restarted it"), "{error}");
    let next = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the worker carries on");
    assert!(next.online, "{next:?}");
    worker.stop();
    assert_eq!(hq_sales(&hq).len(), 3, "the next round delivered every sale");
}

#[test]
fn registers_of_a_store_agree_on_stock_over_the_lan_while_hq_is_down() {
    let work = tempfile::tempdir().unwrap();
    let mut hq = HqProcess::start(&database_url(work.path(), "peers"));
    let proxy = Proxy::start(&hq.url, Chaos::default(), 5);
    let r1 = TempRegister::selling_offline("AMS-01", "R1", 0, 51);
    let r2 = TempRegister::selling_offline("AMS-01", "R2", 0, 52);
    let other = TempRegister::selling_offline("AMS-02", "R1", 0, 53);
    for t in [&r1, &r2, &other] {
        t.enroll(&proxy.url, &hq.token(&t.store, &t.register));
    }
    hq.receive("AMS-01", "TOTE-1", "10");
    assert!(r1.sync() && r2.sync());
    hq.kill();

    let (mut server, peer) = r2.serve_peer();

    sell(&r1, "TOTE-1*3");
    let out = r1.command(&["sync", "--peer", &peer]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r2.json(&["stock", "TOTE-1"])["store_quantity"], "7", "R2 sees R1's sale without HQ");
    sell(&r2, "TOTE-1");
    assert!(r1.command(&["sync", "--peer", &peer]).output().unwrap().status.success());
    assert_eq!(r1.json(&["stock", "TOTE-1"])["store_quantity"], "6", "and R1 sees R2's");
    // Another store's register, a client without the store's peer key, a journal: refused
    // (tests/tls.rs goes through each with curl; the peer serves HTTPS only).
    assert!(peer.starts_with("https://127.0.0.1:"), "{peer}");
    let out = other.command(&["sync", "--peer", &peer]).output().unwrap();
    assert!(!out.status.success(), "a register of another store is not a peer");
    let (status, _) =
        till_tests::peer::curl_peer(&peer, None, "/v1/sync/digests", br#"{"clock":"","docs":{}}"#, work.path());
    assert_eq!(status, None, "no TLS handshake without the store's peer key");
    let key = r1.setting("sync.peer_key").unwrap();
    let body = br#"{"clock":"","docs":{"journal/AMS-01/R1/2026-11-27":""}}"#;
    let (status, _) = till_tests::peer::curl_peer(&peer, Some(&key), "/v1/sync/digests", body, work.path());
    assert_eq!(status, Some(403), "peers never see a register's journal");
    let _ = server.kill();
    let _ = server.wait();

    // HQ returns: the increments that went round the LAN are counted once.
    let hq = HqProcess::start(&hq.db.clone());
    proxy.set_upstream(&hq.url);
    assert!(r1.sync() && r2.sync() && r1.sync());
    let stock = hq.admin_json(&["stock", "show", "--store", "AMS-01"]);
    let tote = stock.as_array().unwrap().iter().find(|r| r["sku"] == "TOTE-1").unwrap();
    assert_eq!(tote["quantity"], "6");
    assert_eq!(hq_sales(&hq).len(), 2);

    // R2 is revoked: the store's peer key changes, and R1 takes the new one when it syncs.
    let before = r1.setting("sync.peer_key").unwrap();
    assert!(hq.admin(&["register", "revoke", "--store", "AMS-01", "--register", "R2"]).status.success());
    assert!(r1.sync());
    let after = r1.setting("sync.peer_key").unwrap();
    assert_ne!(before, after, "a revoked register's peer key no longer opens the store's peers");
    assert_eq!(r2.setting("sync.peer_key").unwrap(), before);
}

#[test]
fn an_hq_restored_from_an_old_backup_gets_back_every_sale_it_lost() {
    // SQLite on purpose: the backup is a copy of HQ's file (the PostgreSQL equivalent
    // would be pg_dump/pg_restore; the register's side is the same).
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("hq.sqlite");
    let mut hq = HqProcess::start(&format!("sqlite:{}", file.display()));
    let proxy = Proxy::start(&hq.url, Chaos::default(), 9);
    let till = TempRegister::selling_offline("AMS-01", "R1", 10, 61);
    till.enroll(&proxy.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    hq.kill();
    let backup = work.path().join("backup");
    std::fs::create_dir(&backup).unwrap();
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", file.display());
        if std::path::Path::new(&from).exists() {
            std::fs::copy(&from, backup.join(format!("hq.sqlite{suffix}"))).unwrap();
        }
    }
    let hq = HqProcess::start(&format!("sqlite:{}", file.display()));
    proxy.set_upstream(&hq.url);
    sell(&till, "TOTE-1");
    sell(&till, "NOTE-A5");
    assert!(till.sync());
    assert_eq!(hq_sales(&hq).len(), 12);
    drop(hq);

    // HQ's disk dies; it is restored from the backup taken before the last two sales.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    till_tests::copy_files(&backup, work.path());
    let hq = HqProcess::start(&format!("sqlite:{}", file.display()));
    proxy.set_upstream(&hq.url);
    assert_eq!(hq_sales(&hq).len(), 10, "the restored HQ lost two sales");
    assert!(till.sync());
    assert_eq!(hq_sales(&hq).len(), 12, "the register sent them again");
    assert_eq!(hq.admin_json(&["conflicts"]), serde_json::json!([]));
}

/// Posts a sync message carrying the whole of `doc` as document `id` (what a hostile
/// register could send) and returns HQ's status and body.
fn send_whole_doc(url: &str, auth: &str, id: &str, doc: &mut automerge::AutoCommit) -> (u16, Vec<u8>) {
    use automerge::sync::{ChunkList, Message, MessageVersion};
    let message = Message {
        heads: doc.get_heads(),
        need: vec![],
        have: vec![],
        changes: ChunkList::from(doc.save()),
        flags: None,
        version: MessageVersion::V2,
    };
    http(url, "POST", "/v1/sync/doc", &[("authorization", auth), ("x-till-doc", id)], &message.encode())
}

#[test]
fn an_enrolled_register_sending_hostile_records_raises_a_conflict_and_hq_keeps_serving() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "hostile-records"));
    let till = TempRegister::selling_offline("AMS-01", "R1", 3, 71);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    let through = status_of(&till);
    assert_eq!(through["pending_sales"], 0);
    let auth = format!("Bearer {}", till.setting("sync.credential").unwrap());
    let records = hq.admin_json(&["register", "list"])[0]["through_seq"].as_u64().unwrap();

    // A record whose check (the start of its hash) is not hex digits is refused outright.
    let id = format!("journal/AMS-01/R1/{}", jiff::Timestamp::now().strftime("%Y-%m-%d"));
    let garbage = till_docs::RecordFields {
        seq: records + 1,
        kind: "sale",
        reference: "€€€",
        at: "yesterday",
        amount: "lots",
        grand_total: "∞",
        payload: "{\"id\": 5}",
        prev_hash: "a€€€€€€€€€€€€€€€",
    };
    let mut doc = till_docs::load(&[], &till_docs::ActorId::random()).unwrap();
    till_docs::JournalDoc::append(&mut doc, &garbage, "€€€€€€€€€€€€€€€€").unwrap();
    till_docs::commit(&mut doc);
    let (status, body) = send_whole_doc(&hq.url, &auth, &id, &mut doc);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("hex digits"), "{}", String::from_utf8_lossy(&body));
    assert_eq!(hq.admin_json(&["conflicts"]), serde_json::json!([]), "nothing stored");

    // The next record, with a multi-byte "previous hash" and garbage everywhere else.
    let mut doc = till_docs::load(&[], &till_docs::ActorId::random()).unwrap();
    till_docs::JournalDoc::append(&mut doc, &garbage, "0123456789abcdef").unwrap();
    till_docs::commit(&mut doc);
    let (status, _) = send_whole_doc(&hq.url, &auth, &id, &mut doc);
    assert_eq!(status, 200, "stored, staged, and refused at materializing");
    let conflicts = hq.admin_json(&["conflicts"]);
    assert_eq!(conflicts[0]["kind"], "broken_chain", "{conflicts}");
    assert_eq!(hq_sales(&hq).len(), 3, "nothing booked from it");

    // A record numbered beyond what SQL integers hold is refused outright.
    let mut doc = till_docs::load(&[], &till_docs::ActorId::random()).unwrap();
    let huge = till_docs::RecordFields { seq: u64::MAX, ..garbage };
    till_docs::JournalDoc::append(&mut doc, &huge, "0123456789abcdef").unwrap();
    till_docs::commit(&mut doc);
    let (status, body) = send_whole_doc(&hq.url, &auth, &id, &mut doc);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("2^63 - 1"), "{}", String::from_utf8_lossy(&body));

    // A register may only increment the counters HQ created: creating one is refused.
    hq.receive("AMS-01", "TOTE-1", "5");
    assert!(till.sync());
    let before = hq.admin_json(&["stock", "show", "--store", "AMS-01"]);
    let conn = rusqlite::Connection::open(till.database()).unwrap();
    let mut stock = automerge::AutoCommit::new();
    let mut stmt = conn.prepare("SELECT bytes FROM sync_changes WHERE doc = 'stock/AMS-01' ORDER BY id").unwrap();
    for bytes in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap() {
        stock.load_incremental(&bytes.unwrap()).unwrap();
    }
    assert!(till_docs::StockDoc::create(&mut stock, "AMS-01-floor", "FREE-MONEY", 1_000_000_000).unwrap());
    till_docs::commit(&mut stock);
    let (status, _) = send_whole_doc(&hq.url, &auth, "stock/AMS-01", &mut stock);
    assert_eq!(status, 400);
    assert_eq!(hq.admin_json(&["stock", "show", "--store", "AMS-01"]), before, "nothing stored");

    // HQ keeps serving everyone.
    assert_eq!(http(&hq.url, "GET", "/v1/health", &[], b"").0, 200);
    let other = TempRegister::selling_offline("AMS-01", "R2", 2, 72);
    other.enroll(&hq.url, &hq.token("AMS-01", "R2"));
    assert!(other.sync());
    assert_eq!(hq_sales(&hq).len(), 5);
}

/// Whether HQ holds document `id` (it lists a digest for it), asked as the register `auth`.
fn hq_holds(url: &str, auth: &str, id: &str) -> bool {
    let request = serde_json::json!({ "clock": jiff::Timestamp::now().to_string(), "docs": { id: "" } });
    let (status, body) =
        http(url, "POST", "/v1/sync/digests", &[("authorization", auth)], request.to_string().as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    answer["docs"].get(id).is_some()
}

#[test]
fn hq_refuses_an_order_document_without_its_order_and_a_stock_value_that_is_not_a_counter() {
    use automerge::transaction::Transactable;
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "shapes"));
    hq.receive("AMS-01", "TOTE-1", "5");
    let till = TempRegister::selling_offline("AMS-01", "R1", 1, 91);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    let auth = format!("Bearer {}", till.setting("sync.credential").unwrap());
    let body_text = |body: &[u8]| String::from_utf8_lossy(body).to_string();

    // An order document holding a register's progress but not HQ's order: once stored,
    // since nothing HQ wrote was "changed".
    let id = till_docs::DocId::order("AMS-01", "shopify:404").unwrap();
    let mut doc = automerge::AutoCommit::new();
    let picks = doc.put_object(automerge::ROOT, "picks", automerge::ObjType::Map).unwrap();
    let pick = doc.put_object(&picks, "1", automerge::ObjType::Map).unwrap();
    doc.put(&pick, "picked", "5").unwrap();
    doc.commit();
    let (status, body) = send_whole_doc(&hq.url, &auth, id.as_str(), &mut doc);
    assert_eq!(status, 400, "{}", body_text(&body));
    assert!(body_text(&body).contains(&format!("document {id}, order: missing")), "{}", body_text(&body));
    assert!(!hq_holds(&hq.url, &auth, id.as_str()), "nothing stored");

    // The store's stock as the register holds it, changed three ways a register may not.
    let before = hq.admin_json(&["stock", "show", "--store", "AMS-01"]);
    let held = || {
        let conn = rusqlite::Connection::open(till.database()).unwrap();
        let mut stock = automerge::AutoCommit::new();
        let mut stmt = conn.prepare("SELECT bytes FROM sync_changes WHERE doc = 'stock/AMS-01' ORDER BY id").unwrap();
        for bytes in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap() {
            stock.load_incremental(&bytes.unwrap()).unwrap();
        }
        let floor = match automerge::ReadDoc::get(&stock, automerge::ROOT, "AMS-01-floor").unwrap() {
            Some((_, obj)) => obj,
            None => panic!("no floor in the register's stock"),
        };
        (stock, floor)
    };
    // A value that is not a counter.
    let (mut stock, floor) = held();
    stock.put(&floor, "TOTE-1", 1_000_000_000_i64).unwrap();
    stock.commit();
    let (status, body) = send_whole_doc(&hq.url, &auth, "stock/AMS-01", &mut stock);
    assert_eq!(status, 400, "{}", body_text(&body));
    assert!(
        body_text(&body).contains("AMS-01-floor.TOTE-1: a counter was expected, found the integer 1000000000"),
        "{}",
        body_text(&body)
    );
    // A counter replaced by a new counter: the same keys, so the old check let it pass.
    let (mut stock, floor) = held();
    stock.put(&floor, "TOTE-1", automerge::ScalarValue::counter(1_000_000_000)).unwrap();
    stock.commit();
    let (status, body) = send_whole_doc(&hq.url, &auth, "stock/AMS-01", &mut stock);
    assert_eq!(status, 400, "{}", body_text(&body));
    assert!(body_text(&body).contains("puts a new counter (1000000000)"), "{}", body_text(&body));
    // The location map replaced by one holding the same counter.
    let (mut stock, _) = held();
    let floor = stock.put_object(automerge::ROOT, "AMS-01-floor", automerge::ObjType::Map).unwrap();
    stock.put(&floor, "TOTE-1", automerge::ScalarValue::counter(1_000_000_000)).unwrap();
    stock.commit();
    let (status, body) = send_whole_doc(&hq.url, &auth, "stock/AMS-01", &mut stock);
    assert_eq!(status, 400, "{}", body_text(&body));
    assert!(body_text(&body).contains("makes a Map"), "{}", body_text(&body));
    assert_eq!(hq.admin_json(&["stock", "show", "--store", "AMS-01"]), before, "nothing stored");

    // An honest increment still goes through.
    sell(&till, "TOTE-1");
    assert!(till.sync());
    assert_ne!(hq.admin_json(&["stock", "show", "--store", "AMS-01"]), before);
}

#[test]
fn a_broken_chain_a_manager_accepts_goes_on_from_the_registers_own_hash() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "accept"));
    let r1 = TempRegister::selling_offline("AMS-01", "R1", 2, 81);
    r1.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(r1.sync());
    // R1's disk is cloned; the original rings one more sale and syncs; the clone, which
    // the store then keeps, rings two of its own under the same record numbers.
    let r1b = r1.cloned();
    sell(&r1, "TOTE-1");
    assert!(r1.sync());
    let booked = hq_sales(&hq).len();
    assert_eq!(booked, 3);
    sell(&r1b, "NOTE-A5");
    sell(&r1b, "SOAP-LAV");
    assert!(r1b.sync());
    // The clone's first sale is a second record under a number HQ has; its second follows
    // on from a record HQ never booked: the chain breaks there, and HQ stops.
    let open = hq.admin_json(&["conflicts"]);
    let broken: Vec<&serde_json::Value> =
        open.as_array().unwrap().iter().filter(|c| c["kind"] == "broken_chain").collect();
    assert_eq!(broken.len(), 2, "{open}");
    let halt = broken.iter().find(|c| c["detail"].as_str().unwrap().contains("does not match its check")).unwrap();
    assert_eq!(hq_sales(&hq).len(), booked, "nothing booked past the break");
    let through = hq.admin_json(&["register", "list"])[0]["through_seq"].as_u64().unwrap();

    // A manager accepts the record: HQ cannot compute the clone's hash of it (it follows a
    // record HQ does not hold), so it waits for the register to send it.
    let halt_id = halt["id"].as_str().unwrap();
    let bad = hq.admin(&["conflicts", "resolve", halt_id, "--note", "x", "--anchor", "zz"]);
    assert!(!bad.status.success(), "an anchor that is not a hash is refused");
    hq.admin_json(&["conflicts", "resolve", halt_id, "--note", "R1 replaced by its clone"]);
    assert_eq!(hq_sales(&hq).len(), booked, "waiting for the register's hash of the accepted record");
    let waiting = |seq: u64| {
        let reg = &hq.admin_json(&["register", "list"])[0];
        assert_eq!((reg["halted"].as_str(), reg["awaiting_hash_of"].as_u64()), (Some(""), Some(seq)), "{reg}");
    };
    waiting(through + 1);
    let auth = format!("Bearer {}", r1b.setting("sync.credential").unwrap());
    let anchor = |seq: u64, hash: &str| {
        let body = serde_json::json!({"seq": seq, "hash": hash}).to_string();
        http(&hq.url, "POST", "/v1/sync/anchor", &[("authorization", &auth)], body.as_bytes()).0
    };
    assert_eq!(anchor(through + 2, &"0".repeat(64)), 409, "not the record HQ waits for");
    assert_eq!(anchor(through + 1, "not hex"), 400);
    waiting(through + 1);

    // A register whose own hash of that record is not the record HQ holds (here: its hash
    // altered) is refused, HQ raises that for a manager and stops asking, and the rest of
    // the register's round goes on.
    let conn = rusqlite::Connection::open(r1b.database()).unwrap();
    let seq = (through + 1) as i64;
    let own: String = conn.query_row("SELECT hash FROM journal WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
    let trigger: String =
        conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'journal_no_update'", [], |r| r.get(0)).unwrap();
    conn.execute_batch("DROP TRIGGER journal_no_update").unwrap();
    conn.execute("UPDATE journal SET hash = ?2 WHERE seq = ?1", rusqlite::params![seq, "f".repeat(64)]).unwrap();
    assert!(r1b.sync(), "the round goes on");
    assert_eq!(hq_sales(&hq).len(), booked);
    let reg = &hq.admin_json(&["register", "list"])[0];
    assert_eq!(reg["awaiting_hash_of"], serde_json::Value::Null, "{reg}");
    let refused = hq.admin_json(&["conflicts"]);
    let refused = refused
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["detail"].as_str().unwrap().contains("does not begin with the check"))
        .unwrap_or_else(|| panic!("{refused}"))
        .clone();
    assert_eq!(reg["halted"], refused["id"]);
    conn.execute("UPDATE journal SET hash = ?2 WHERE seq = ?1", rusqlite::params![seq, own]).unwrap();
    conn.execute_batch(&trigger).unwrap();

    // Resolved (the register was mended), HQ asks again; the clone's next sync sends its
    // hash, its sale is booked, and the next one verifies against it as any other.
    hq.admin_json(&["conflicts", "resolve", refused["id"].as_str().unwrap(), "--note", "hash mended"]);
    waiting(through + 1);
    assert!(r1b.sync());
    assert_eq!(hq_sales(&hq).len(), booked + 1);
    sell(&r1b, "CUPS-SET");
    assert!(r1b.sync());
    assert_eq!(hq_sales(&hq).len(), booked + 2);
    assert_eq!(hq.admin_json(&["register", "list"])[0]["through_seq"].as_u64().unwrap(), through + 2);
    assert_eq!(status_of(&r1b)["pending_sales"], 0);

    // The original, still running, sells on its own chain: its next record breaks HQ's
    // chain again. A manager who keeps it after all gives its own hash of that record (its
    // journal export shows it) and HQ goes on from there.
    sell(&r1, "SOAP-CIT");
    sell(&r1, "SOAP-CIT");
    sell(&r1, "SOAP-CIT");
    assert!(r1.sync());
    let next = through + 3;
    let open = hq.admin_json(&["conflicts"]);
    let halt = open
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["subject"] == format!("AMS-01/R1/{next}"))
        .unwrap_or_else(|| panic!("{open}"))
        .clone();
    assert_eq!(hq_sales(&hq).len(), booked + 2);
    let original = rusqlite::Connection::open(r1.database()).unwrap();
    let hash: String =
        original.query_row("SELECT hash FROM journal WHERE seq = ?1", [next as i64], |r| r.get(0)).unwrap();
    hq.admin_json(&["conflicts", "resolve", halt["id"].as_str().unwrap(), "--note", "kept R1", "--anchor", &hash]);
    assert_eq!(hq_sales(&hq).len(), booked + 3, "{}", hq.admin_json(&["conflicts"]));
    assert_eq!(hq.admin_json(&["register", "list"])[0]["through_seq"].as_u64().unwrap(), through + 3);
}

/// The demo catalog with TOTE-1 at `tote` and the dotted notebook archived (retired).
fn catalog_v2(dir: &std::path::Path, tote: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(till_tests::repo().join("assets/demo/catalog.csv")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.contains(",TOTE-1,") {
                line.replace(",12.50,", &format!(",{tote},"))
            } else if line.starts_with("dotted-notebook,") {
                let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
                fields.resize(36, String::new());
                fields[35] = "archived".into();
                fields.join(",")
            } else {
                line.to_string()
            }
        })
        .collect();
    let path = dir.join("catalog-v2.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn sold_catalog(till: &TempRegister) -> Vec<Option<String>> {
    let conn = rusqlite::Connection::open(till.database()).unwrap();
    let mut stmt = conn.prepare("SELECT catalog FROM sales ORDER BY seq").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_catalog_published_at_hq_reaches_the_registers_and_offline_price_changes_are_raised() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "catalog"));
    let demo = till_tests::repo().join("assets/demo/catalog.csv");
    let published = hq.admin_json(&["catalog", "import", demo.to_str().unwrap()]);
    assert_eq!(published["version"], 1);
    // A file with a bad row publishes nothing and says which row.
    let bad = work.path().join("bad.csv");
    let text = std::fs::read_to_string(&demo).unwrap().replace(",12.50,", ",twelve,");
    std::fs::write(&bad, text).unwrap();
    let out = hq.admin(&["catalog", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv: line 10") && err.contains("nothing was published"), "{err}");

    let till = TempRegister::selling_offline("AMS-01", "R1", 0, 81);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    assert_eq!(status_of(&till)["catalog_version"], "1");
    sell(&till, "TOTE-1");

    // HQ publishes version 2 (a new tote price, the notebook retired) while the register
    // is offline: it goes on selling on version 1.
    let v2 = catalog_v2(work.path(), "14.00");
    assert_eq!(hq.admin_json(&["catalog", "import", v2.to_str().unwrap()])["version"], 2);
    sell(&till, "TOTE-1");
    sell(&till, "NOTE-A5");
    assert_eq!(sold_catalog(&till), vec![Some("1".into()); 3]);

    assert!(till.sync());
    let conflicts = hq.admin_json(&["conflicts"]);
    let kinds: Vec<&str> = conflicts.as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "price_changed_offline").count(), 1, "{conflicts}");
    assert_eq!(kinds.iter().filter(|k| **k == "sku_retired").count(), 1, "{conflicts}");
    let price = conflicts.as_array().unwrap().iter().find(|c| c["kind"] == "price_changed_offline").unwrap();
    assert!(price["detail"].as_str().unwrap().contains("12.50") && price["detail"].as_str().unwrap().contains("14.00"));
    assert_eq!(hq_sales(&hq).len(), 3, "the sales stand as rung");

    // Now on version 2: the new price, the label, and the retired item refused.
    assert_eq!(status_of(&till)["catalog_version"], "2");
    let sale = till.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    assert_eq!(sale["total"], "14.00", "{sale}");
    let out = till.command(&["sale", "--scan", "NOTE-A5", "--tender", "cash:20"]).output().unwrap();
    assert!(!out.status.success(), "a retired item is not for sale");
    assert_eq!(sold_catalog(&till).last().unwrap().as_deref(), Some("2"));
    assert!(till.sync());
    assert_eq!(
        hq.admin_json(&["conflicts"]).as_array().unwrap().len(),
        2,
        "a sale on the current catalog raises nothing"
    );

    // Version 3 is a delta: only the tote's row. Sold offline on version 2, the tote
    // raises a conflict; a hoodie (unchanged since version 1) raises none.
    let text = std::fs::read_to_string(&demo).unwrap();
    let header = text.lines().next().unwrap();
    let tote = text.lines().find(|l| l.contains(",TOTE-1,")).unwrap().replace(",12.50,", ",15.00,");
    let delta = work.path().join("tote-price.csv");
    std::fs::write(&delta, format!("{header}\n{tote}\n")).unwrap();
    assert_eq!(hq.admin_json(&["catalog", "import", delta.to_str().unwrap()])["version"], 3);
    sell(&till, "TOTE-1");
    sell(&till, "HOOD-M");
    assert!(till.sync());
    let conflicts = hq.admin_json(&["conflicts"]);
    assert_eq!(conflicts.as_array().unwrap().len(), 3, "only the tote: {conflicts}");
    assert_eq!(status_of(&till)["catalog_version"], "3");
    let sale = till.json(&["sale", "--scan", "TOTE-1", "--scan", "HOOD-M", "--tender", "cash:100"]);
    assert_eq!(sale["lines"][0]["unit_price"], "15.00", "{sale}");
    let list = hq.admin_json(&["catalog", "list"]);
    assert_eq!(list[0]["version"], 3);
}

#[test]
fn a_sale_claiming_a_catalog_version_hq_never_published_raises_a_conflict_and_stands() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "unknown-catalog"));
    let demo = till_tests::repo().join("assets/demo/catalog.csv");
    assert_eq!(hq.admin_json(&["catalog", "import", demo.to_str().unwrap()])["version"], 1);
    let till = TempRegister::selling_offline("AMS-01", "R1", 0, 83);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    sell(&till, "TOTE-1");
    // The register's data altered (or carried over from another HQ): it claims version 7,
    // then a version that is no number at all.
    for claimed in ["7", "v9'; --"] {
        let conn = rusqlite::Connection::open(till.database()).unwrap();
        conn.execute("UPDATE settings SET value = ?1 WHERE key = 'catalog.version'", [claimed]).unwrap();
        drop(conn);
        sell(&till, "TOTE-1");
    }
    assert_eq!(sold_catalog(&till), vec![Some("1".into()), Some("7".into()), Some("v9'; --".into())]);
    assert!(till.sync());
    let conflicts = hq.admin_json(&["conflicts"]);
    let unknown: Vec<&serde_json::Value> =
        conflicts.as_array().unwrap().iter().filter(|c| c["kind"] == "unknown_catalog_version").collect();
    assert_eq!(unknown.len(), 2, "one per sale claiming an unpublished version, none for version 1: {conflicts}");
    assert!(unknown.iter().any(|c| c["detail"].as_str().unwrap().contains("catalog version \"7\"")), "{conflicts}");
    assert!(unknown.iter().all(|c| c["detail"].as_str().unwrap().contains("never published")), "{conflicts}");
    assert_eq!(hq_sales(&hq).len(), 3, "the sales stand as rung");
}

#[test]
fn a_register_lists_the_open_conflicts_of_its_own_store_only() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "store-conflicts"));
    let ams = TempRegister::selling_offline("AMS-01", "R1", 1, 41);
    let utr = TempRegister::selling_offline("UTR-01", "R1", 1, 42);
    for t in [&ams, &utr] {
        t.enroll(&hq.url, &hq.token(&t.store, &t.register));
        assert!(t.sync(), "{}", t.store);
        assert_eq!(t.json(&["sync", "conflicts"]), serde_json::json!([]), "{}: nothing open yet", t.store);
    }
    // UTR-01's register clock is years off: HQ raises a clock skew for that store.
    let out = utr.command(&["sync"]).env("TILL_NOW", "2020-01-01T00:00:00Z").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mine = utr.json(&["sync", "conflicts"]);
    let list = mine.as_array().unwrap();
    assert_eq!(list.len(), 1, "{mine}");
    assert_eq!(list[0]["kind"], "clock_skew");
    assert_eq!(list[0]["register"], "R1");
    assert!(list[0]["subject"].as_str().unwrap().starts_with("UTR-01/R1@"), "{mine}");
    assert!(!list[0]["needs"].as_str().unwrap().is_empty());
    assert!(!list[0]["raised_at"].as_str().unwrap().is_empty());
    assert_eq!(ams.json(&["sync", "conflicts"]), serde_json::json!([]), "another store's conflict is not AMS-01's");
    let text = utr.command(&["sync", "conflicts"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("clock_skew UTR-01/R1@"));

    // Resolved at HQ: gone from the store's list.
    let id = hq.admin_json(&["conflicts"]).as_array().unwrap()[0]["id"].as_str().unwrap().to_string();
    hq.admin_json(&["conflicts", "resolve", &id, "--note", "NTP enabled"]);
    assert_eq!(utr.json(&["sync", "conflicts"]), serde_json::json!([]));

    // HQ out of reach: the register's offline error; never enrolled: not_enrolled.
    drop(hq);
    let code_of = |t: &TempRegister| {
        let out = t.command(&["sync", "conflicts", "--json"]).output().unwrap();
        assert!(!out.status.success());
        let error: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        error["error"]["code"].as_str().unwrap().to_string()
    };
    assert_eq!(code_of(&utr), "offline");
    assert_eq!(code_of(&TempRegister::selling_offline("AMS-01", "R2", 0, 43)), "not_enrolled");
}

#[test]
fn a_password_in_the_database_url_is_never_echoed_in_errors_or_logs() {
    for url in [
        "postgres://till:s3cret-pw@127.0.0.1:1/hq",
        "postgres://till@127.0.0.1:1/hq?password=s3cret-pw",
        "mysql://till:s3cret-pw@127.0.0.1/hq",
    ] {
        let out = std::process::Command::new(till_tests::till_hq_bin())
            .args(["--db", url, "report", "sales"])
            .env("TILL_LOG", "debug")
            .output()
            .unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!out.status.success(), "{url}: {said}");
        assert!(!said.contains("s3cret-pw"), "{url}: the password was echoed: {said}");
        assert!(said.contains("***"), "{url}: the database is named with its password hidden: {said}");
    }
}

/// HQ's SQLite database, its WAL and SHM are readable by their owner only.
#[cfg(unix)]
#[test]
fn hq_sqlite_files_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("hq.sqlite");
    let hq = HqProcess::start(&format!("sqlite:{}", path.display()));
    let till = TempRegister::selling_offline("AMS-01", "R1", 2, 5);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    assert!(till.sync());
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    drop(hq);
}
