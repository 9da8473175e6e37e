//! Automerge input under a budget (`till_docs::budget`), through real processes: a sync
//! message of ~2 MiB whose compressed change inflates to 2 GiB, sent with a valid register
//! credential to HQ and with the store's peer key to `till serve-peer`, is refused without
//! either process growing; and a register whose documents were compacted (saved whole,
//! compressed) still syncs with HQ and with a peer under the same budget.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use automerge::sync::{ChunkList, Message, MessageVersion};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use rust_decimal_macros::dec;
use till_domain::Cart;
use till_register::{Authority, Settle};
use till_tests::TempRegister;
use till_tests::fleet::hq_sales;
use till_tests::hq::{HqProcess, database_url};

/// Peak resident memory HQ or a peer may reach while refusing a bomb.
const PEAK_RSS_LIMIT: u64 = 256 << 20;

/// A v1 sync message carrying one compressed change chunk (type 2): a real change followed
/// by 2 GiB of zeros (trailing bytes of a change are its "extra bytes", which Automerge
/// keeps), deflated to about 2 MiB. Built once per test process.
fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "k", "v").unwrap();
        doc.commit();
        let raw = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
        // magic (4), checksum (4), type (1), uLEB length, body
        let mut start = 9;
        while raw[start] & 0x80 != 0 {
            start += 1;
        }
        let body = &raw[start + 1..];
        let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        deflater.write_all(body).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..2048 {
            deflater.write_all(&zeros).unwrap();
        }
        let deflated = deflater.finish().unwrap();
        let mut chunk = raw[..8].to_vec();
        chunk.push(2);
        let mut n = deflated.len() as u64;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            chunk.push(if n == 0 { byte } else { byte | 0x80 });
            if n == 0 {
                break;
            }
        }
        chunk.extend(deflated);
        let message = Message {
            heads: vec![],
            need: vec![],
            have: vec![],
            changes: ChunkList::from(vec![chunk]),
            flags: None,
            version: MessageVersion::V1,
        }
        .encode();
        assert!((1 << 20..3 << 20).contains(&message.len()), "the bomb is {} bytes", message.len());
        message
    })
}

/// Peak resident memory of process `pid` (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// POSTs `body` to HQ's `path` with `headers`; the status and the body of the answer.
fn post(hq: &HqProcess, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut conn = TcpStream::connect(hq.url.trim_start_matches("http://")).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut head =
        format!("POST {path} HTTP/1.1\r\nhost: hq\r\nconnection: close\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = conn.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    let status = answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

#[test]
fn a_decompression_bomb_with_a_register_credential_is_refused_and_hq_stays_small() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "budget_bomb"));
    let till = TempRegister::selling_offline("AMS-01", "R1", 0, 71);
    till.enroll(&hq.url, &hq.token("AMS-01", "R1"));
    let credential = till.setting("sync.credential").unwrap();
    let bearer = format!("Bearer {credential}");
    for doc in ["stock/AMS-01", "journal/AMS-01/R1/2026-11-27"] {
        let headers = [("authorization", bearer.as_str()), ("x-till-doc", doc)];
        let (status, body) = post(&hq, "/v1/sync/doc", &headers, bomb());
        assert_eq!(status, 413, "{doc}: {body}");
        assert!(body.contains("too_large") && body.contains("bytes (inflated)"), "{body}");
    }
    let peak = peak_rss(hq.pid());
    assert!(peak < PEAK_RSS_LIMIT, "HQ's peak RSS reached {} MiB", peak >> 20);
    let (status, _) = post(&hq, "/v1/health", &[], b"");
    assert_ne!(status, 0, "HQ still answers");
    let mut conn = TcpStream::connect(hq.url.trim_start_matches("http://")).unwrap();
    conn.write_all(b"GET /v1/health HTTP/1.1\r\nhost: hq\r\nconnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Nothing was stored, and the register still syncs.
    assert!(till.sync());
}

#[test]
fn the_same_bomb_against_a_peer_is_refused_and_the_peer_stays_small() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "budget_peer_bomb"));
    let r1 = TempRegister::selling_offline("AMS-01", "R1", 0, 72);
    let r2 = TempRegister::selling_offline("AMS-01", "R2", 0, 73);
    for t in [&r1, &r2] {
        t.enroll(&hq.url, &hq.token(&t.store, &t.register));
    }
    let key = r1.setting("sync.peer_key").unwrap();
    let (mut server, peer) = r2.serve_peer();
    let (status, body) = till_tests::peer::curl_peer_doc(&peer, &key, "stock/AMS-01", bomb(), work.path());
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, Some(413), "{body}");
    assert!(body.contains("bytes (inflated)"), "{body}");
    let peak = peak_rss(server.id());
    assert!(peak < PEAK_RSS_LIMIT, "serve-peer's peak RSS reached {} MiB", peak >> 20);
    assert_eq!(till_tests::peer::peer_health(&peer, &key, work.path()), Some(200));
    // And a real exchange still goes through.
    let out = r1.command(&["sync", "--peer", &peer]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = server.kill();
    let _ = server.wait();
}

/// Rows of the documents `doc` matches (a LIKE pattern) in the register's `sync_changes` that are whole saved documents
/// (compacted), not single changes.
fn saved_parts(till: &TempRegister, doc: &str) -> i64 {
    let conn = rusqlite::Connection::open(till.database()).unwrap();
    conn.query_row("SELECT COUNT(*) FROM sync_changes WHERE doc LIKE ?1 AND hash = ''", [doc], |r| r.get(0)).unwrap()
}

#[test]
fn a_register_with_compacted_documents_syncs_with_hq_and_a_peer_under_the_budget() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "budget_compacted"));
    let r1 = TempRegister::selling_offline("AMS-01", "R1", 0, 74);
    let r2 = TempRegister::selling_offline("AMS-01", "R2", 0, 75);
    for t in [&r1, &r2] {
        t.enroll(&hq.url, &hq.token(&t.store, &t.register));
    }
    hq.receive("AMS-01", "TOTE-1", "1000");
    assert!(r1.sync() && r2.sync());

    // R1 sells 300 totes, each followed by the stock increment a sync round would make,
    // then housekeeping compacts its journal day and its stock document (saved whole,
    // compressed column by column).
    let sales = till_register::COMPACT_AFTER as usize + 44;
    {
        let mut reg = r1.open();
        for _ in 0..sales {
            let mut cart = Cart::new();
            reg.scan(&mut cart, "TOTE-1", None).unwrap();
            reg.complete_sale(&cart, Settle::Tenders(&[till_tests::cash(dec!(20))]), &mut Authority::setup()).unwrap();
            reg.store_mut().replicate_stock().unwrap();
        }
        reg.maintain().unwrap();
    }
    assert_eq!(saved_parts(&r1, "stock/AMS-01"), 1, "the stock document was compacted");
    assert!(saved_parts(&r1, "journal/%") >= 1, "a journal day was compacted");

    // A LAN exchange: R2 holds only HQ's counter, so R1 sends its whole document.
    let (mut server, peer) = r2.serve_peer();
    let out = r1.command(&["sync", "--peer", &peer]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = server.kill();
    let _ = server.wait();
    let left = (1000 - sales).to_string();
    assert_eq!(r2.json(&["stock", "TOTE-1"])["store_quantity"], left.as_str(), "R2 sees R1's sales");

    // A round with HQ: every sale booked once, the stock agrees.
    assert!(r1.sync() && r2.sync());
    assert_eq!(hq_sales(&hq).len(), sales);
    let stock = hq.admin_json(&["stock", "show", "--store", "AMS-01"]);
    let tote = stock.as_array().unwrap().iter().find(|r| r["sku"] == "TOTE-1").unwrap();
    assert_eq!(tote["quantity"], left.as_str());
}
