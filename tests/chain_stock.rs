//! The chain's stock at scale (#16 §4), with real processes: HQ (`till-hq` on SQLite, or
//! PostgreSQL when TILL_TEST_PG names a server) serves what changed since a register's
//! watermark in bounded pages — nothing when nothing changed, a full fetch from 0 when the
//! watermark is not its own — and a register (`till` on a real SQLite file) applies each
//! page in its own transaction, so a sale commits while a refresh is between pages.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use serde_json::{Value, json};
use till_tests::TempRegister;
use till_tests::chain::Chain;
use till_tests::pickup::{Wan, deliver_pickup, register};
use till_tests::proxy::http;
use till_tests::stderr;

/// One page from HQ's changes route, as `credential`'s register.
fn page(chain: &Chain, credential: &str, ask: Value) -> (Value, usize) {
    let auth = format!("Bearer {credential}");
    let (status, body) = http(
        &chain.hq.url,
        "POST",
        "/v1/aisle/stock/changes",
        &[("authorization", &auth), ("content-type", "application/json")],
        ask.to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    (serde_json::from_slice(&body).unwrap(), body.len())
}

/// A row as (location, sku, available, pickup).
fn row(r: &Value) -> (String, String, String, bool) {
    (
        r["location"].as_str().unwrap().to_string(),
        r["sku"].as_str().unwrap().to_string(),
        r["available"].as_str().unwrap().to_string(),
        r["pickup"].as_bool().unwrap(),
    )
}

/// Every page from `since` of `epoch`, `limit` rows at a time: the rows, the last page, and
/// how many pages.
fn all_pages(chain: &Chain, credential: &str, epoch: &str, since: u64, limit: u64) -> (Vec<Value>, Value, usize) {
    let (mut rows, mut pages) = (Vec::new(), 0);
    let (mut epoch, mut since) = (epoch.to_string(), since);
    loop {
        let (p, _) = page(chain, credential, json!({"epoch": epoch, "since": since, "limit": limit}));
        pages += 1;
        let got = p["rows"].as_array().unwrap();
        assert!(got.len() as u64 <= limit, "a page holds at most the limit: {p:#}");
        rows.extend(got.iter().cloned());
        epoch = p["epoch"].as_str().unwrap().to_string();
        since = p["next"].as_u64().unwrap();
        if !p["more"].as_bool().unwrap() {
            return (rows, p, pages);
        }
        assert!(pages < 100, "paging does not end");
    }
}

#[test]
fn hq_serves_the_chain_stock_changed_since_a_watermark_in_bounded_pages() {
    let chain = Chain::start("chainstock_pages");
    for (location, sku, qty) in [
        ("AMS-01", "TOTE-1", "5"),
        ("AMS-01", "MUG-1", "4"),
        ("AMS-01", "NOTE-A5", "3"),
        ("UTR-01", "TOTE-1", "6"),
        ("DC-01", "MUG-1", "7"),
    ] {
        chain.receive(location, sku, qty);
    }
    let wan = Wan::up(&chain);
    let reg = register(&chain, &wan, "UTR-01", "R1");
    let credential = reg.setting("sync.credential").unwrap();

    // A fetch from 0, two rows a page: every location's stock, as the whole snapshot says.
    let (rows, last, pages) = all_pages(&chain, &credential, "", 0, 2);
    assert!(pages >= 3, "five rows, two a page: {pages} pages");
    let fetched: BTreeSet<_> = rows.iter().map(row).collect();
    let auth = format!("Bearer {credential}");
    let (status, body) = http(&chain.hq.url, "POST", "/v1/aisle/stock", &[("authorization", &auth)], b"{}");
    assert_eq!(status, 200);
    let snapshot: Value = serde_json::from_slice(&body).unwrap();
    let whole: BTreeSet<_> = snapshot["rows"].as_array().unwrap().iter().map(row).collect();
    assert_eq!(fetched, whole, "the pages add up to the snapshot");
    assert!(fetched.contains(&("AMS-01".into(), "MUG-1".into(), "3".into(), true)), "4 less the buffer: {fetched:?}");
    assert_eq!(fetched.len(), 5, "{fetched:?}");
    let epoch = last["epoch"].as_str().unwrap().to_string();
    let watermark = last["next"].as_u64().unwrap();
    assert!(!epoch.is_empty() && watermark > 0, "{last:#}");

    // Nothing changed: an empty page, whatever the catalog's size.
    let (quiet, bytes) = page(&chain, &credential, json!({"epoch": epoch, "since": watermark}));
    assert_eq!(quiet["rows"], json!([]), "{quiet:#}");
    assert_eq!(
        (quiet["next"].as_u64(), quiet["more"].as_bool(), quiet["reset"].as_bool()),
        (Some(watermark), Some(false), Some(false))
    );
    assert!(bytes < 200, "a quiet refresh is small: {bytes} bytes");

    // Goods in at Amsterdam: only that row comes.
    chain.receive("AMS-01", "MUG-1", "2");
    let (changed, _, _) = all_pages(&chain, &credential, &epoch, watermark, 100);
    assert_eq!(changed.iter().map(row).collect::<Vec<_>>(), vec![("AMS-01".into(), "MUG-1".into(), "5".into(), true)]);
    let (_, p, _) = all_pages(&chain, &credential, &epoch, watermark, 100);
    let watermark = p["next"].as_u64().unwrap();

    // An order reserves a tote at Amsterdam: what an order may take there goes down by one.
    let _id = deliver_pickup(&chain, 8101, &[("TOTE-1", 1)]);
    let (changed, p, _) = all_pages(&chain, &credential, &epoch, watermark, 100);
    assert_eq!(changed.iter().map(row).collect::<Vec<_>>(), vec![("AMS-01".into(), "TOTE-1".into(), "3".into(), true)]);
    let watermark = p["next"].as_u64().unwrap();

    // A sale at the Utrecht register syncs: its tote row changes, nothing else.
    let out = reg.till(&["sale", "--scan", "TOTE-1", "--tender", "cash:50"]);
    assert!(out.status.success(), "sale: {}", stderr(&out));
    let out = reg.till(&["sync"]);
    assert!(out.status.success(), "sync: {}", stderr(&out));
    let (changed, _, _) = all_pages(&chain, &credential, &epoch, watermark, 100);
    assert_eq!(changed.iter().map(row).collect::<Vec<_>>(), vec![("UTR-01".into(), "TOTE-1".into(), "4".into(), true)]);

    // A watermark of another epoch, or ahead of HQ's: a full fetch from 0, said so.
    for ask in [json!({"epoch": "1999", "since": watermark}), json!({"epoch": epoch, "since": watermark + 1000})] {
        let (p, _) = page(&chain, &credential, ask.clone());
        assert_eq!(p["reset"], true, "{ask}: {p:#}");
        assert_eq!(p["epoch"], epoch.as_str());
        let (rows, _, _) = all_pages(&chain, &credential, "", 0, 100);
        let firsts: BTreeSet<_> = p["rows"].as_array().unwrap().iter().map(row).collect();
        assert_eq!(firsts, rows.iter().map(row).collect(), "the reset page is the fetch from 0");
    }
    // A page asked larger than HQ allows is capped, not refused.
    let (p, _) = page(&chain, &credential, json!({"since": 0, "limit": 100_000_000u64}));
    assert_eq!(p["more"], false);
}

#[test]
fn a_register_refreshes_from_its_watermark_and_after_an_hq_reset_drops_what_the_full_fetch_lacks() {
    let chain = Chain::start("chainstock_register");
    chain.receive("AMS-01", "MUG-1", "4");
    chain.receive("DC-01", "MUG-1", "5");
    let wan = Wan::up(&chain);
    let utr = register(&chain, &wan, "UTR-01", "R1"); // its first round fetches from 0
    let stock = |reg: &TempRegister| {
        let hits = reg.json(&["aisle", "search", "mug"]);
        hits.as_array().unwrap().iter().find(|h| h["sku"] == "MUG-1").unwrap()["stock"].clone()
    };
    assert_eq!(
        stock(&utr),
        json!([{"location": "AMS-01", "available": "3", "pickup": true}, {"location": "DC-01", "available": "5", "pickup": false}])
    );
    let epoch = utr.setting("aisle.chain_stock_epoch").unwrap();
    let since: u64 = utr.setting("aisle.chain_stock_since").unwrap().parse().unwrap();

    // A sync round within `stock_refresh_minutes` does not ask; `till aisle refresh` does,
    // from the watermark: one changed row.
    chain.receive("AMS-01", "MUG-1", "2");
    let out = utr.till(&["sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stock(&utr)[0]["available"], "3", "not due yet");
    let r = utr.json(&["aisle", "refresh"]);
    assert_eq!((r["rows"].as_u64(), r["reset"].as_bool()), (Some(1), Some(false)), "{r:#}");
    assert_eq!(stock(&utr)[0]["available"], "5");
    assert!(utr.setting("aisle.chain_stock_since").unwrap().parse::<u64>().unwrap() > since);
    let r = utr.json(&["aisle", "refresh"]);
    assert_eq!(r["rows"], 0, "nothing changed: {r:#}");

    // A row the register holds that HQ's new numbering no longer has (HQ restored from
    // elsewhere): the register's watermark is not HQ's, so HQ starts it from 0, and the
    // stale row goes once the fetch is in.
    let generation = utr.setting("aisle.chain_stock_generation").unwrap();
    assert!(generation.starts_with(&format!("{epoch}@")), "{generation}");
    let conn = rusqlite::Connection::open(utr.database()).unwrap();
    conn.execute(
        "INSERT INTO chain_stock (location, sku, available, pickup, epoch) VALUES ('GONE-01', 'MUG-1', '9', 1, ?1)",
        [&generation],
    )
    .unwrap();
    conn.execute("UPDATE settings SET value = 'an-older-hq' WHERE key = 'aisle.chain_stock_epoch'", []).unwrap();
    drop(conn);
    let r = utr.json(&["aisle", "refresh"]);
    assert_eq!(r["reset"], true, "{r:#}");
    assert_eq!(r["dropped"], 1, "{r:#}");
    let locations: Vec<_> = stock(&utr).as_array().unwrap().iter().map(|s| s["location"].clone()).collect();
    assert_eq!(locations, vec![json!("AMS-01"), json!("DC-01")]);
    assert_eq!(utr.setting("aisle.chain_stock_epoch").unwrap(), epoch);
    assert_ne!(utr.setting("aisle.chain_stock_generation").unwrap(), generation, "a new generation");
    assert_eq!(utr.setting("aisle.chain_stock_sweep"), None, "the sweep is done");
}

/// A stand-in HQ on loopback for the changes route: page one at once, page two only when
/// the test says so — so the register's refresh waits between its two pages for as long as
/// the test likes. Answers every request with the page its `since` asks for.
fn paused_hq() -> (String, mpsc::Sender<()>, std::thread::JoinHandle<Vec<u64>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (go, wait) = mpsc::channel::<()>();
    let server = std::thread::spawn(move || {
        let mut asked = Vec::new();
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let since = serde_json::from_slice::<Value>(&body).unwrap()["since"].as_u64().unwrap();
            asked.push(since);
            let answer = if since == 0 {
                json!({"at": "2026-12-01T10:00:00Z", "epoch": "E1", "next": 2, "more": true, "rows": [
                    {"location": "AMS-01", "sku": "MUG-1", "available": "3", "pickup": true},
                    {"location": "DC-01", "sku": "MUG-1", "available": "5", "pickup": false}]})
            } else {
                wait.recv().unwrap();
                json!({"at": "2026-12-01T10:00:01Z", "epoch": "E1", "next": 3, "more": false, "rows": [
                    {"location": "AMS-01", "sku": "MUG-1", "available": "0", "pickup": true}]})
            };
            let text = answer.to_string();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
            stream.write_all(response.as_bytes()).unwrap();
            if since != 0 {
                return asked;
            }
        }
        asked
    });
    (url, go, server)
}

#[test]
fn a_sale_commits_while_a_chain_stock_refresh_waits_between_its_pages() {
    let reg = TempRegister::demo_with_staff();
    let (url, go, server) = paused_hq();
    reg.set_setting("sync.hq_url", &url);
    reg.set_setting("sync.credential", "a-credential-for-the-stand-in");
    let mut refresh =
        reg.command(&["--json", "aisle", "refresh"]).stdout(std::process::Stdio::piped()).spawn().unwrap();

    // Page one is in (its own transaction, committed): the watermark says so.
    while reg.setting("aisle.chain_stock_since").as_deref() != Some("2") {
        assert!(refresh.try_wait().unwrap().is_none(), "the refresh ended before page two");
        std::thread::yield_now();
    }
    // The refresh is waiting for page two. A sale commits meanwhile, and so does its stock move.
    let sale = reg.json(&["sale", "--scan", "COFFEE-250", "--tender", "cash:50"]);
    assert!(sale["total"].is_string(), "{sale:#}");
    assert_eq!(reg.setting("aisle.chain_stock_since").as_deref(), Some("2"), "the refresh is still between pages");
    go.send(()).unwrap();
    let out = refresh.wait_with_output().unwrap();
    assert!(out.status.success(), "refresh: {}", stderr(&out));
    let done: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((done["pages"].as_u64(), done["rows"].as_u64()), (Some(2), Some(3)), "{done:#}");
    assert_eq!(server.join().unwrap(), vec![0, 2], "page two asked from page one's watermark");
    // Amsterdam's row at 0 went; the DC's stays.
    let conn = rusqlite::Connection::open(reg.database()).unwrap();
    let rows: Vec<(String, String)> = conn
        .prepare("SELECT location, available FROM chain_stock ORDER BY location")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, vec![("DC-01".to_string(), "5".to_string())]);
}

/// A JSONL catalog of `n` products (SKU `BULK-i`, priced `price`).
fn catalog(dir: &std::path::Path, n: usize, price: &str) -> std::path::PathBuf {
    let path = dir.join(format!("catalog-{n}-{price}.jsonl"));
    let lines: Vec<String> = (0..n)
        .map(|i| {
            json!({"type": "product", "handle": format!("bulk-{i}"), "title": format!("Bulk item {i}"),
                   "variants": [{"sku": format!("BULK-{i}"), "price": price}]})
            .to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn a_catalog_import_into_a_catalog_with_rows_commits_in_chunks_and_a_sale_goes_between_them() {
    use std::sync::Arc;
    use till_register::{Authority, RandomIds, Register, Settle, SystemClock};
    let (dir, mut importer) = till_tests::demo_register(|c| c, Arc::new(SystemClock), Box::new(RandomIds));
    let file = catalog(dir.path(), 3000, "2.00");
    // Another connection to the same register, as the app's sale screen has.
    let mut seller = Register::open(dir.path(), Arc::new(SystemClock), Box::new(RandomIds)).unwrap();
    let mut sold = Vec::new();
    let report = importer
        .import_catalog(&file, &mut |p| {
            let _ = p;
            if sold.is_empty() {
                // After the first batch, between two chunks of the import: the sale takes
                // the lock and commits while the rest of the file waits.
                assert!(seller.lookup("BULK-2999").is_err(), "the import is under way");
                let mut cart = till_domain::Cart::new();
                seller.scan(&mut cart, "TOTE-1", None).unwrap();
                let tender = till_tests::cash(rust_decimal::Decimal::from(20));
                sold.push(seller.complete_sale(&cart, Settle::Tenders(&[tender]), &mut Authority::setup()).unwrap());
            }
        })
        .unwrap();
    assert!(!report.bulk, "the demo catalog was there");
    assert!(report.chunks >= 3000 / 128, "chunks of 128 rows: {} chunks", report.chunks);
    assert_eq!(sold.len(), 1, "the sale went between two chunks");
    assert_eq!(importer.lookup("BULK-2999").unwrap().price.amount().to_string(), "2.00");
    assert_eq!(importer.store().sale_count().unwrap(), 1);

    // A file that breaks at its end imports nothing, chunks or not: it is read through first.
    let broken = catalog(dir.path(), 3000, "3.00");
    let mut bytes = std::fs::read(&broken).unwrap();
    bytes.extend_from_slice(b"\n\xff\xfe\n");
    std::fs::write(&broken, bytes).unwrap();
    let e = importer.import_catalog(&broken, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("line 3001"), "{e}");
    assert_eq!(importer.lookup("BULK-0").unwrap().price.amount().to_string(), "2.00", "nothing of it was written");
}

#[test]
fn hq_serves_stock_changes_only_to_a_register_and_bounds_hostile_asks() {
    let chain = Chain::start("chain_stock_hostile");
    let wan = Wan::up(&chain);
    let r1 = register(&chain, &wan, "AMS-01", "R1");
    let post = |headers: &[(&str, &str)], body: &[u8]| {
        let (status, answer) = http(&chain.hq.url, "POST", "/v1/aisle/stock/changes", headers, body);
        (status, serde_json::from_slice::<Value>(&answer).unwrap_or(Value::Null))
    };
    let json = ("content-type", "application/json");
    assert_eq!(post(&[json], br#"{"epoch":"","since":0}"#).0, 401, "no credential");
    let bearer = format!("Bearer {}", r1.setting("sync.credential").unwrap());
    let auth = ("authorization", bearer.as_str());
    let huge = format!(r#"{{"epoch":"{}","since":0}}"#, "e".repeat(1 << 20));
    for (body, wanted) in
        [(huge.into_bytes(), 413), (b"not json".to_vec(), 400), (br#"{"epoch":"","since":-1}"#.to_vec(), 400)]
    {
        let (status, answer) = post(&[json, auth], &body);
        assert_eq!(status, wanted, "{answer:#}");
        assert!(answer["message"].as_str().unwrap_or_default().len() < 300, "bounded: {answer:#}");
    }
    // A limit past the cap is served as the cap, never more.
    let (status, answer) = post(&[json, auth], br#"{"epoch":"","since":0,"limit":1000000000}"#);
    assert_eq!(status, 200, "{answer:#}");
    assert!(answer["rows"].as_array().unwrap().len() <= 10_000);
}
