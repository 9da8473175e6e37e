//! Convergence, as a property: registers of two stores sell, HQ receives goods, and
//! registers sync with HQ through a proxy that loses a random share of requests and
//! answers, or not at all (partitions) — in a random order. After the network heals and
//! every register syncs, everything must agree: identical heads for every document,
//! identical projections (stock counters, sales totals) at HQ and at each register, and
//! stock conserved: received + every register's movements.
//!
//! HQ runs in process (the `till_hq` library behind its real HTTP router, on loopback).
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use rust_decimal::Decimal;
use till_register::{Register, SeededIds, SystemClock};
use till_tests::proxy::{Chaos, Proxy, Rng};
use till_tests::{DEMO_SKUS, demo_register, ring_random_sale};

/// What happens, in order.
#[derive(Debug, Clone)]
enum Op {
    /// Register `reg` rings a random sale (seeded by `seed`).
    Sell { reg: usize, seed: u64 },
    /// HQ receives `qty` of demo SKU `sku` at store `store`.
    Receive { store: usize, sku: usize, qty: u32 },
    /// Register `reg` syncs, losing `loss` per mille of requests and answers.
    Sync { reg: usize, loss: u32 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, any::<u64>()).prop_map(|(reg, seed)| Op::Sell { reg, seed }),
        1 => (0usize..2, 0..DEMO_SKUS.len(), 1u32..50).prop_map(|(store, sku, qty)| Op::Receive { store, sku, qty }),
        3 => (0usize..3, prop_oneof![Just(0u32), Just(300), Just(700), Just(1000)])
            .prop_map(|(reg, loss)| Op::Sync { reg, loss }),
    ]
}

const STORES: [&str; 2] = ["AMS-01", "AMS-02"];
/// The registers: two in the first store, one in the second.
const REGISTERS: [(usize, &str); 3] = [(0, "R1"), (0, "R2"), (1, "R1")];

/// HQ in process on a loopback port; the runtime lives as long as the test process.
fn start_hq(db: &str) -> (Arc<till_hq::Hq>, String) {
    let mut hq = till_hq::Hq::open(db).unwrap();
    if !db.starts_with("sqlite:") {
        hq = hq.with_pickup_key(till_hq::KeyFile::at(till_tests::hq::pg_key_file(db)));
    }
    let hq = Arc::new(hq);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = hq.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = till_hq::http::serve(served, listener, false).await;
        });
    });
    (hq, url)
}

fn location(store: usize) -> String {
    format!("{}-floor", STORES[store])
}

proptest! {
    #![proptest_config(till_tests::proptest_config(24))]

    #[test]
    fn random_partitions_and_losses_end_in_identical_heads_projections_and_conserved_stock(
        ops in prop::collection::vec(op(), 1..40),
        seed in any::<u64>(),
    ) {
        let work = tempfile::tempdir().unwrap();
        let db = till_tests::hq::database_url(work.path(), &format!("conv{}", seed % 1_000_000));
        let (hq, hq_url) = start_hq(&db);
        let proxy = Proxy::start(&hq_url, Chaos::default(), seed);
        let now = jiff::Timestamp::now();
        let mut regs: Vec<(tempfile::TempDir, Register)> = REGISTERS
            .iter()
            .enumerate()
            .map(|(i, (store, code))| {
                let edit = |c: String| c.replace("AMS-01", STORES[*store]).replace("register = \"R1\"", &format!("register = \"{code}\""));
                let (dir, _) = demo_register(edit, Arc::new(SystemClock), Box::new(SeededIds::new(seed ^ i as u64)));
                let mut reg = Register::open(dir.path(), Arc::new(SystemClock), Box::new(SeededIds::new(seed.rotate_left(i as u32 + 7)))).unwrap();
                let token = hq.add_register(STORES[*store], code, now).unwrap();
                let request = till_register::Enrollment { url: &proxy.url, token: &token, trust: till_register::HqTrust::OsRoots, re_enroll: false };
                reg.enroll(&mut till_register::Authority::setup(), &request).unwrap();
                (dir, reg)
            })
            .collect();
        let mut received: BTreeMap<(usize, &str), Decimal> = BTreeMap::new();

        for op in &ops {
            match op {
                Op::Sell { reg, seed } => {
                    let mut rng = Rng::new(*seed);
                    ring_random_sale(&mut regs[*reg].1, &mut |n| rng.below(n));
                }
                Op::Receive { store, sku, qty } => {
                    let qty = Decimal::from(*qty);
                    hq.receive_stock(STORES[*store], &location(*store), DEMO_SKUS[*sku], qty, jiff::Timestamp::now()).unwrap();
                    *received.entry((*store, DEMO_SKUS[*sku])).or_default() += qty;
                }
                Op::Sync { reg, loss } => {
                    proxy.set_chaos(Chaos { drop_request: *loss, drop_response: *loss, duplicate: 100, replay_old: 100, max_delay_ms: 0 });
                    let _ = regs[*reg].1.sync_once(None); // may fail: that is the point
                }
            }
        }

        // The network heals. Rounds until no register has anything left to exchange.
        proxy.set_chaos(Chaos::default());
        let mut quiet = false;
        for _ in 0..6 {
            let mut exchanged = 0;
            for (_, reg) in regs.iter_mut() {
                exchanged += reg.sync_once(None).unwrap().docs_exchanged;
            }
            if exchanged == 0 {
                quiet = true;
                break;
            }
        }
        prop_assert!(quiet, "sync did not settle");

        // Identical heads: every document a register holds is at HQ with the same heads.
        let at_hq: BTreeMap<String, String> = hq.doc_heads().unwrap().into_iter().collect();
        for (i, (_, reg)) in regs.iter().enumerate() {
            for (id, heads, _) in reg.store().replicated_docs().unwrap() {
                prop_assert_eq!(at_hq.get(id.as_str()), Some(&heads), "register {} document {}", i, id);
            }
        }
        // Identical projections: HQ's books are each register's own.
        let report = hq.sales_report(None).unwrap();
        for (i, (store, code)) in REGISTERS.iter().enumerate() {
            let x = regs[i].1.x_report(&till_register::Authority::setup()).unwrap();
            let at = report.iter().find(|r| r.store == STORES[*store] && r.register == *code).unwrap();
            prop_assert_eq!(&at.totals.taxes, &x.totals.taxes);
            prop_assert_eq!(&at.totals.tenders, &x.totals.tenders);
            prop_assert_eq!(at.totals.total, x.totals.total);
            prop_assert_eq!(at.totals.sales, x.totals.sales);
            prop_assert_eq!(at.grand_total, x.grand_total.amount());
        }
        // Stock conserved, and every register of a store sees HQ's counter.
        for (store, code) in STORES.iter().enumerate() {
            for (loc, sku, qty) in hq.stock(code).unwrap() {
                prop_assert_eq!(&loc, &location(store));
                let moved: Decimal = REGISTERS
                    .iter()
                    .enumerate()
                    .filter(|(_, (s, _))| *s == store)
                    .map(|(i, _)| regs[i].1.stock(&sku).unwrap())
                    .sum();
                let got = received.get(&(store, sku.as_str())).copied().unwrap_or_default();
                prop_assert_eq!(qty, got + moved, "{} {}: received {} + moved {}", code, sku, got, moved);
                for (i, _) in REGISTERS.iter().enumerate().filter(|(_, (s, _))| *s == store) {
                    prop_assert_eq!(regs[i].1.store_stock(&sku).unwrap(), Some(qty), "register {} sees {}", i, sku);
                }
            }
        }
    }
}
