//! Reconciling registers with HQ through real processes: two `till-hq` processes serving
//! one real database (SQLite, or PostgreSQL when TILL_TEST_PG names a server), `till`
//! processes syncing through a loopback proxy that spreads requests over both, drops,
//! duplicates, delays and reorders them, HQ processes and registers killed with SIGKILL
//! mid-sync, and the whole outbox replayed ten times.
//!
//! TILL_CHAOS_SEED reproduces a run; TILL_SYNC_SALES sets the sales per register.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Child;
use std::time::Duration;

use rust_decimal::Decimal;
use till_tests::fleet::{dec, hq_sales, hq_totals};
use till_tests::hq::{HqProcess, database_url};
use till_tests::proxy::{Chaos, Proxy, Rng};
use till_tests::{TempRegister, env_u64};

fn seed() -> u64 {
    let seed = std::env::var("TILL_CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261127);
    println!("TILL_CHAOS_SEED={seed}");
    seed
}

#[test]
fn offline_registers_reconcile_exactly_once_through_a_hostile_network() {
    let seed = seed();
    let sales = env_u64("TILL_SYNC_SALES", 300);
    let work = tempfile::tempdir().unwrap();
    let db = database_url(work.path(), "jepsen");
    let mut hq = HqProcess::start(&db);
    let mut hq2 = HqProcess::start(&db);
    let proxy = Proxy::start(&hq.url, Chaos::default(), seed);
    proxy.set_upstreams(&[&hq.url, &hq2.url]);

    // Two registers of one store and one of another, each a few days of offline sales.
    let tills = [
        TempRegister::selling_offline("AMS-01", "R1", sales, seed ^ 1),
        TempRegister::selling_offline("AMS-01", "R2", sales, seed ^ 2),
        TempRegister::selling_offline("AMS-02", "R1", sales, seed ^ 3),
    ];
    // HQ knew what was on the shelves before the outage.
    let initial = Decimal::from(10_000);
    let mut received: BTreeSet<(String, String)> = BTreeSet::new();
    for till in &tills {
        for sku in till.moved_skus() {
            if received.insert((till.store.clone(), sku.clone())) {
                hq.receive(&till.store, &sku, &initial.to_string());
            }
        }
    }
    for till in &tills {
        till.enroll(&proxy.url, &hq.token(&till.store, &till.register));
    }

    // The network comes back, badly: lost requests and answers, duplicates, delays, old
    // messages slipped in; registers and HQ killed mid-sync.
    proxy.set_chaos(Chaos { drop_request: 150, drop_response: 150, duplicate: 100, replay_old: 100, max_delay_ms: 30 });
    let mut rng = Rng::new(seed);
    let rounds = env_u64("TILL_SYNC_ROUNDS", 20);
    let (mut hq_kills, mut till_kills) = (0, 0);
    for _ in 0..rounds {
        let mut children: Vec<Child> = tills.iter().map(TempRegister::spawn_sync).collect();
        std::thread::sleep(Duration::from_millis(rng.below(400)));
        if rng.chance(300) {
            // One of the two HQ processes dies mid-write and comes back on a new port.
            if rng.chance(500) {
                hq.restart()
            } else {
                hq2.restart()
            }
            proxy.set_upstreams(&[&hq.url, &hq2.url]);
            hq_kills += 1;
        }
        for child in &mut children {
            if rng.chance(250) {
                let _ = child.kill();
                till_kills += 1;
            }
        }
        for mut child in children {
            let _ = child.wait();
        }
    }

    // Then the network heals; every register syncs until HQ confirms everything.
    proxy.set_chaos(Chaos::default());
    for till in &tills {
        let mut synced = false;
        for _ in 0..5 {
            if till.sync() && till.json(&["sync", "status"])["pending_sales"] == 0 {
                synced = true;
                break;
            }
        }
        assert!(synced, "{}/{} did not finish syncing: {}", till.store, till.register, till.json(&["sync", "status"]));
    }
    // A last round each, so every register also holds the others' stock increments.
    for till in &tills {
        assert!(till.sync());
    }
    let stats = proxy.stats();
    println!("proxy: {stats:?}; HQ killed {hq_kills} times, registers {till_kills} times",);

    // Lost = 0, duplicated = 0, unexpected = 0.
    let booked = hq_sales(&hq);
    let mut by_id: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, key) in &booked {
        by_id.entry(id).or_default().push(key);
    }
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for till in &tills {
        for id in till.sale_ids() {
            expected.insert(id, format!("{}/{}", till.store, till.register));
        }
    }
    let lost: Vec<_> = expected.keys().filter(|id| !by_id.contains_key(id.as_str())).collect();
    let duplicated: Vec<_> = by_id.iter().filter(|(_, keys)| keys.len() > 1).collect();
    let unexpected: Vec<_> = by_id.keys().filter(|id| !expected.contains_key(**id)).collect();
    assert!(lost.is_empty(), "lost at HQ: {lost:?}");
    assert!(duplicated.is_empty(), "duplicated at HQ: {duplicated:?}");
    assert!(unexpected.is_empty(), "unexpected at HQ: {unexpected:?}");
    for (id, key) in &booked {
        assert_eq!(&expected[id], key, "sale {id} booked to the wrong register");
    }
    assert_eq!(booked.len() as u64, 3 * sales);

    // Per register, HQ's totals are the register's own.
    let totals = hq_totals(&hq);
    for till in &tills {
        let key = format!("{}/{}", till.store, till.register);
        assert_eq!(totals[&key], till.own_totals(), "{key}: HQ's totals differ from the register's");
    }
    assert_eq!(hq.admin_json(&["conflicts"]), serde_json::json!([]), "no conflicts");

    // Stock converged and is conserved: HQ's counter = what HQ received + every
    // register's movements, and the store's registers see the same number.
    for store in ["AMS-01", "AMS-02"] {
        let rows = hq.admin_json(&["stock", "show", "--store", store]);
        for row in rows.as_array().unwrap() {
            let sku = row["sku"].as_str().unwrap();
            let movements: Decimal =
                tills.iter().filter(|t| t.store == store).map(|t| t.open().stock(sku).unwrap()).sum();
            assert_eq!(dec(&row["quantity"]), initial + movements, "{store} {sku}: initial + movements");
            for till in tills.iter().filter(|t| t.store == store) {
                let seen = till.json(&["stock", sku]);
                assert_eq!(seen["store_quantity"], row["quantity"], "{store}/{} sees {sku}", till.register);
            }
        }
    }

    // The whole outbox, replayed ten times: HQ answers each (no 5xx) and books nothing new.
    let report_before = hq.admin_json(&["report", "sales"]);
    let captured = proxy.captured();
    assert!(!captured.is_empty());
    for _ in 0..10 {
        for request in &captured {
            let status = proxy.send_raw(request);
            assert!((200..500).contains(&status), "a replayed request got {status}");
        }
    }
    assert_eq!(hq.admin_json(&["report", "sales"]), report_before, "replays changed HQ's books");
    assert_eq!(hq_sales(&hq).len(), booked.len());
}
