//! Reconciling registers with HQ through real processes: the `till-hq` binary on a real
//! database (SQLite, or PostgreSQL when TILL_TEST_PG names a server), `till` processes
//! syncing through a loopback proxy that drops, duplicates, delays and reorders, HQ and
//! registers killed with SIGKILL mid-sync, and the whole outbox replayed ten times.
//!
//! TILL_CHAOS_SEED reproduces a run; TILL_SYNC_SALES sets the sales per register.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use till_register::{FixedClock, Register, SeededIds};
use till_tests::hq::{HqProcess, database_url};
use till_tests::proxy::{Chaos, Proxy, Rng};
use till_tests::{demo_register, ring_random_sale, till_bin};

/// A register under test: its directory and codes.
struct Till {
    dir: tempfile::TempDir,
    store: String,
    register: String,
}

impl Till {
    /// A demo register of `store`/`register` whose sales so far were made over the last
    /// three days while offline: `sales` of them, varied by `seed`.
    fn selling_offline(store: &str, register: &str, sales: u64, seed: u64) -> Till {
        let start = Timestamp::now() - SignedDuration::from_hours(72);
        let clock = Arc::new(FixedClock::new(start));
        let edit =
            |c: String| c.replace("AMS-01", store).replace("register = \"R1\"", &format!("register = \"{register}\""));
        let (dir, mut reg) = demo_register(edit, clock.clone(), Box::new(SeededIds::new(seed)));
        let mut rng = Rng::new(seed);
        let step = SignedDuration::from_secs(72 * 3600 / (sales.max(1) as i64 + 1));
        for _ in 0..sales {
            clock.advance(step);
            ring_random_sale(&mut reg, &mut |n| rng.below(n));
        }
        Till { dir, store: store.to_string(), register: register.to_string() }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(till_bin());
        c.arg("--data-dir").arg(self.path()).args(args).env("TILL_LOG", "error");
        c
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.command(&all).output().unwrap();
        assert!(out.status.success(), "till {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn enroll(&self, hq: &str, token: &str) {
        let out = self.command(&["enroll", "--hq", hq, "--token", token]).output().unwrap();
        assert!(out.status.success(), "enroll: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts `till sync` in the background.
    fn spawn_sync(&self) -> Child {
        self.command(&["sync", "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    }

    /// Runs `till sync` to the end; whether it succeeded.
    fn sync(&self) -> bool {
        self.command(&["sync", "--json"]).output().unwrap().status.success()
    }

    fn open(&self) -> Register {
        Register::open(self.path(), Arc::new(till_register::SystemClock), Box::new(till_register::RandomIds)).unwrap()
    }

    /// The register's sale ids, from its own database.
    fn sale_ids(&self) -> BTreeSet<String> {
        let conn = rusqlite::Connection::open(self.path().join(till_register::DATABASE_FILE)).unwrap();
        let mut stmt = conn.prepare("SELECT id FROM sales").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// Its own totals, as its X report states them, in the shape HQ's report uses.
    fn own_totals(&self) -> serde_json::Value {
        let x = self.open().x_report().unwrap();
        totals_json(
            x.totals.sales,
            x.totals.total.amount(),
            x.grand_total.amount(),
            x.totals.taxes.iter().map(|t| (t.rate, t.net.amount(), t.tax.amount(), t.gross.amount())).collect(),
            x.totals.tenders.iter().map(|t| (t.tender.clone(), t.count, t.amount.amount())).collect(),
        )
    }
}

fn totals_json(
    sales: u64,
    total: Decimal,
    grand: Decimal,
    taxes: Vec<(Decimal, Decimal, Decimal, Decimal)>,
    tenders: Vec<(String, u64, Decimal)>,
) -> serde_json::Value {
    serde_json::json!({
        "sales": sales,
        "total": total.normalize().to_string(),
        "grand_total": grand.normalize().to_string(),
        "taxes": taxes.iter().map(|(r, n, t, g)| [r, n, t, g].map(|d| d.normalize().to_string())).collect::<Vec<_>>(),
        "tenders": tenders.iter().map(|(name, count, amount)| (name.clone(), *count, amount.normalize().to_string())).collect::<Vec<_>>(),
    })
}

fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// HQ's report per register (`STORE/REGISTER` → totals in [`totals_json`]'s shape).
fn hq_totals(hq: &HqProcess) -> BTreeMap<String, serde_json::Value> {
    hq.admin_json(&["report", "sales"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = format!("{}/{}", r["store"].as_str().unwrap(), r["register"].as_str().unwrap());
            let taxes = r["taxes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (dec(&t["rate"]), dec(&t["net"]), dec(&t["tax"]), dec(&t["gross"])))
                .collect();
            let tenders = r["tenders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t["tender"].as_str().unwrap().to_string(), t["count"].as_u64().unwrap(), dec(&t["amount"])))
                .collect();
            let totals =
                totals_json(r["sales"].as_u64().unwrap(), dec(&r["total"]), dec(&r["grand_total"]), taxes, tenders);
            (key, totals)
        })
        .collect()
}

/// HQ's booked sales: id → register key, and how many rows each id has.
fn hq_sales(hq: &HqProcess) -> Vec<(String, String)> {
    hq.admin_json(&["report", "receipts"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                format!("{}/{}", r["store"].as_str().unwrap(), r["register"].as_str().unwrap()),
            )
        })
        .collect()
}

fn seed() -> u64 {
    let seed = std::env::var("TILL_CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261127);
    println!("TILL_CHAOS_SEED={seed}");
    seed
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// Every SKU a register's stock ledger moved.
fn moved_skus(till: &Till) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(till.path().join(till_register::DATABASE_FILE)).unwrap();
    let mut stmt = conn.prepare("SELECT DISTINCT sku FROM stock_movements").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn offline_registers_reconcile_exactly_once_through_a_hostile_network() {
    let seed = seed();
    let sales = env_u64("TILL_SYNC_SALES", 300);
    let work = tempfile::tempdir().unwrap();
    let mut hq = HqProcess::start(&database_url(work.path(), "jepsen"));
    let proxy = Proxy::start(&hq.url, Chaos::default(), seed);

    // Two registers of one store and one of another, each a few days of offline sales.
    let tills = [
        Till::selling_offline("AMS-01", "R1", sales, seed ^ 1),
        Till::selling_offline("AMS-01", "R2", sales, seed ^ 2),
        Till::selling_offline("AMS-02", "R1", sales, seed ^ 3),
    ];
    // HQ knew what was on the shelves before the outage.
    let initial = Decimal::from(10_000);
    let mut received: BTreeSet<(String, String)> = BTreeSet::new();
    for till in &tills {
        for sku in moved_skus(till) {
            if received.insert((till.store.clone(), sku.clone())) {
                let location = format!("{}-floor", till.store);
                let qty = initial.to_string();
                let out = hq.admin(&[
                    "stock",
                    "receive",
                    "--store",
                    &till.store,
                    "--location",
                    &location,
                    "--sku",
                    &sku,
                    "--qty",
                    &qty,
                ]);
                assert!(out.status.success());
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
        let mut children: Vec<Child> = tills.iter().map(Till::spawn_sync).collect();
        std::thread::sleep(Duration::from_millis(rng.below(400)));
        if rng.chance(300) {
            hq.restart();
            proxy.set_upstream(&hq.url);
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
