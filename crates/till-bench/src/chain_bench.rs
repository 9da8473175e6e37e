//! `till-chain-bench`: the chain's stock at chain size (#16 §4), measured in one run.
//!
//! HQ in process behind its real HTTP router on loopback (SQLite), L locations with S SKUs
//! each in their stock documents, R real registers (each on its own SQLite file, spread
//! over the stores) syncing through the real client:
//!
//! 1. HQ under load: every register runs sync rounds back to back (a sale every other
//!    round, so stock documents change) — first as before #16, fetching the whole chain
//!    snapshot after every round (the baseline, same run), then as now, refreshing from its
//!    watermark every few rounds. Round and fetch times as the registers see them on
//!    loopback (HQ's time plus a loopback hop).
//! 2. Bytes per refresh when nothing changed, against the full snapshot's bytes.
//! 3. A sale's commit on a register while, on other connections to its file, a chain stock
//!    refresh runs from 0 (every row, paged) and a catalog of S SKUs is imported into it,
//!    both over and over; against the same sales with nothing else running.
//!
//! Defaults are CI-cheap (5 locations x 2,000 SKUs, 10 registers); `--full` is the issue's
//! size (50 x 20,000, 200 registers). The first register fetches every row; the others
//! start from its watermark (simulated: what HQ serves them afterwards is the same). See
//! `docs/benchmarks.md`.

// Floats appear only in timing statistics; money is `rust_decimal`.
#![allow(clippy::float_arithmetic)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use clap::Parser;
use rust_decimal::Decimal;
use till_domain::{Cart, Money, Tender, TenderKind};
use till_register::{Authority, Durability, Register, SeededIds, Settle, StoreOptions};

#[path = "stats.rs"]
#[allow(dead_code)]
mod stats;
use stats::Samples;

/// Measures the chain's stock: HQ's round and refresh times under load, bytes per quiet
/// refresh, and a sale's commit during a refresh and a catalog import.
#[derive(Parser, Debug)]
#[command(name = "till-chain-bench", version, about)]
struct Args {
    /// Locations (stores), each with its stock document.
    #[arg(long, default_value_t = 5)]
    locations: u64,
    /// SKUs in each location's stock document (and in the catalog imported in part 3).
    #[arg(long, default_value_t = 2_000)]
    skus: u64,
    /// Registers, spread over the locations.
    #[arg(long, default_value_t = 10)]
    registers: u64,
    /// Sync rounds each register runs under load.
    #[arg(long, default_value_t = 10)]
    rounds: u64,
    /// A register refreshes the chain stock every this many rounds.
    #[arg(long, default_value_t = 3)]
    refresh_every: u64,
    /// Sales timed in part 3 (baseline, and again under load).
    #[arg(long, default_value_t = 200)]
    sales: u64,
    /// The size: 50 locations x 20,000 SKUs, 200 registers.
    #[arg(long)]
    full: bool,
}

const DEMO_CONFIG: &str = include_str!("../../../assets/demo/store.toml");
const DEMO_CATALOG: &str = "assets/demo/catalog.csv";
/// The demo items registers sell (HQ holds stock of them too, so sales move counters).
const SOLD: [&str; 4] = ["TOTE-1", "NOTE-A5", "SOAP-LAV", "COFFEE-250"];

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn store_code(i: u64) -> String {
    format!("S{:02}", i + 1)
}

/// HQ in process on a loopback port, on `db`.
fn start_hq(db: &str) -> Result<(Arc<till_hq::Hq>, String)> {
    let hq = Arc::new(till_hq::Hq::open(db)?);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}", listener.local_addr()?);
    let served = hq.clone();
    std::thread::spawn(move || -> Result<()> {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            till_hq::http::serve(served, listener, false).await
        })?;
        Ok(())
    });
    Ok((hq, url))
}

/// One POST with a JSON body to HQ as the register holding `credential`, over a plain
/// socket: the answer's body size and the time to it.
fn post(url: &str, path: &str, credential: &str, body: &str) -> Result<(usize, Duration)> {
    let host = url.trim_start_matches("http://");
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(host)?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: {host}\r\nauthorization: Bearer {credential}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let took = started.elapsed();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").context("no end of headers")?;
    let head = String::from_utf8_lossy(&answer[..split]);
    ensure!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
    Ok((answer.len() - split - 4, took))
}

/// A register `code` of `store` in `dir` with the demo catalog, enrolled with HQ.
fn register(hq: &till_hq::Hq, url: &str, dir: &Path, store: &str, code: &str, seed: u64) -> Result<Register> {
    let config = DEMO_CONFIG
        .replace("store = \"AMS-01\"", &format!("store = \"{store}\""))
        .replace("register = \"R1\"", &format!("register = \"{code}\""))
        .replace("location = \"AMS-01-floor\"", &format!("location = \"{store}-floor\""));
    Register::init(dir, &config, "store.toml")?;
    let fast = StoreOptions { vfs: None, durability: Durability::Normal };
    let mut reg =
        Register::open_with(dir, &fast, Arc::new(till_register::SystemClock), Box::new(SeededIds::new(seed)))?;
    reg.import_catalog(&repo().join(DEMO_CATALOG), &mut |_| {})?;
    let token = hq.add_register(store, code, jiff::Timestamp::now())?;
    let request =
        till_register::Enrollment { url, token: &token, trust: till_register::HqTrust::OsRoots, re_enroll: false };
    reg.enroll(&mut Authority::setup(), &request)?;
    Ok(reg)
}

/// Rings one sale of `sku` paid in cash; the commit's time.
fn sell(reg: &mut Register, sku: &str) -> Result<Duration> {
    let mut cart = Cart::new();
    reg.scan(&mut cart, sku, None)?;
    let total = reg.price(&cart)?.total;
    let tender = Tender { kind: TenderKind::Cash, amount: Money::new(total.amount().ceil() + Decimal::TEN) };
    let started = Instant::now();
    reg.complete_sale(&cart, Settle::Tenders(&[tender]), &mut Authority::setup())?;
    Ok(started.elapsed())
}

fn show(label: &str, s: &Samples) -> String {
    format!(
        "{label}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        s.median().as_secs_f64() * 1e3,
        s.percentile(99).as_secs_f64() * 1e3,
        s.max().as_secs_f64() * 1e3,
        s.sorted().len()
    )
}

/// What a register fetches of the chain's stock in the load phase.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fetch {
    /// The whole snapshot after every round (before #16).
    Snapshot,
    /// The changes since its watermark every `refresh_every` rounds (now).
    Changes,
}

/// What one register's thread brings back: round times, fetch times, failed fetches, and
/// the register.
type Outcome = (Vec<Duration>, Vec<Duration>, Vec<String>, Register);

/// Every register at once: `rounds` rounds back to back, a sale every other round, and
/// the chain stock fetched as `fetch` says. Round and fetch times, and the registers back.
fn load(regs: Vec<Register>, args: &Args, url: &str, fetch: Fetch) -> Result<(Samples, Samples, Vec<Register>)> {
    let barrier = Arc::new(Barrier::new(regs.len() + 1));
    let handles: Vec<_> = regs
        .into_iter()
        .enumerate()
        .map(|(i, mut reg)| {
            let barrier = barrier.clone();
            let (rounds, every, url) = (args.rounds, args.refresh_every.max(1), url.to_string());
            std::thread::spawn(move || -> Result<Outcome> {
                let credential = reg.store().setting("sync.credential")?.context("no credential")?;
                let (mut round_times, mut fetch_times, mut failed) = (Vec::new(), Vec::new(), Vec::new());
                barrier.wait();
                for n in 0..rounds {
                    if (n + i as u64).is_multiple_of(2) {
                        sell(&mut reg, SOLD[(n as usize + i) % SOLD.len()])?;
                    }
                    let t = Instant::now();
                    if reg.sync_once(None).is_ok() {
                        round_times.push(t.elapsed());
                    }
                    // A fetch HQ refuses (503: it sheds load) is counted, not timed.
                    match fetch {
                        Fetch::Snapshot => match post(&url, "/v1/aisle/stock", &credential, "{}") {
                            Ok((_, took)) => fetch_times.push(took),
                            Err(e) => failed.push(e.to_string().lines().next().unwrap_or_default().to_string()),
                        },
                        Fetch::Changes if (n + 1).is_multiple_of(every) => {
                            let t = Instant::now();
                            match reg.aisle_refresh() {
                                Ok(_) => fetch_times.push(t.elapsed()),
                                Err(e) => failed.push(e.to_string()),
                            }
                        }
                        Fetch::Changes => {}
                    }
                }
                Ok((round_times, fetch_times, failed, reg))
            })
        })
        .collect();
    barrier.wait();
    let (mut rounds, mut fetches, mut failed, mut regs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for h in handles {
        let (a, b, c, reg) = h.join().map_err(|_| anyhow::anyhow!("a register thread panicked"))??;
        rounds.extend(a);
        fetches.extend(b);
        failed.extend(c);
        regs.push(reg);
    }
    if let Some(first) = failed.first() {
        println!("  {} fetches refused or failed under load (the first: {first})", failed.len());
    }
    Ok((Samples::new(rounds)?, Samples::new(fetches)?, regs))
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.full {
        (args.locations, args.skus, args.registers) = (50, 20_000, 200);
    }
    println!(
        "chain: {} locations x {} SKUs, {} registers, {} rounds each (a refresh every {})",
        args.locations, args.skus, args.registers, args.rounds, args.refresh_every
    );
    let work = tempfile::tempdir()?;
    let (hq, url) = start_hq(&format!("sqlite:{}", work.path().join("hq.sqlite").display()))?;
    let now = jiff::Timestamp::now();
    let started = Instant::now();
    for l in 0..args.locations {
        let store = store_code(l);
        let site = till_hq::domain::routing::Site {
            id: store.clone(),
            kind: "store".into(),
            lat: Decimal::new(52_000 + l as i64, 3),
            lon: Decimal::new(4_900 + l as i64, 3),
            pickup: true,
            ship: true,
            safety_buffer: Decimal::ONE,
            cost: Decimal::new(495, 2),
            sla_hours: 24,
        };
        hq.add_location(&till_hq::LocationSpec { site, shopify_location: String::new() }, now)?;
        let mut lines: Vec<(String, Decimal)> =
            (0..args.skus).map(|i| (format!("SKU-{i:06}"), Decimal::from(1 + (i * 7 + l) % 40))).collect();
        lines.extend(SOLD.iter().map(|s| (s.to_string(), Decimal::from(100_000))));
        hq.receive_stock_many(&store, &format!("{store}-floor"), &lines, now)?;
    }
    eprintln!("stock documents written in {:.1} s", started.elapsed().as_secs_f64());

    // The registers, each enrolled and through its first round (its store's stock
    // document, the first chain stock fetch: every row, paged).
    let started = Instant::now();
    let mut regs = Vec::new();
    for r in 0..args.registers {
        let store = store_code(r % args.locations);
        let code = format!("R{}", r / args.locations + 1);
        let dir = work.path().join(format!("{store}-{code}"));
        let mut reg = register(&hq, &url, &dir, &store, &code, r + 1)?;
        if let Some(first) = regs.first() {
            // Simulated: the others start from the first register's watermark rather than
            // each fetching every row (which measures the register, not HQ; part 3 does).
            let first: &Register = first;
            for key in ["aisle.chain_stock_epoch", "aisle.chain_stock_since", "aisle.chain_stock_generation"] {
                if let Some(value) = first.store().setting(key)? {
                    reg.store().set_setting(key, &value)?;
                }
            }
            let now = jiff::Timestamp::now().as_second().to_string();
            reg.store().set_setting("aisle.chain_stock_refreshed", &now)?;
        }
        reg.sync_once(None)?;
        regs.push(reg);
    }
    let rows: u64 = regs[0].store().chain_stock_watermark()?.since;
    eprintln!("{} registers enrolled and synced in {:.1} s", regs.len(), started.elapsed().as_secs_f64());

    // Baselines: one register's round with HQ idle; the whole snapshot (what every
    // register fetched after every round before).
    let credential = regs[0].store().setting("sync.credential")?.context("no credential")?;
    let mut idle = Vec::new();
    for n in 0..20_usize {
        if n.is_multiple_of(2) {
            sell(&mut regs[0], SOLD[n % SOLD.len()])?;
        }
        let t = Instant::now();
        regs[0].sync_once(None)?;
        idle.push(t.elapsed());
    }
    let idle = Samples::new(idle)?;
    let mut snapshot = Vec::new();
    let mut snapshot_bytes = 0;
    for _ in 0..5 {
        let (bytes, took) = post(&url, "/v1/aisle/stock", &credential, "{}")?;
        snapshot_bytes = bytes;
        snapshot.push(took);
    }
    let snapshot = Samples::new(snapshot)?;

    // 1. Every register at once, rounds back to back with a sale every other round: first
    //    as before #16 (the whole snapshot after every round), then as now (a refresh from
    //    the watermark every `refresh_every` rounds).
    let (before_rounds, before_fetches, back) = load(regs, &args, &url, Fetch::Snapshot)?;
    let (rounds, refreshes, mut regs) = load(back, &args, &url, Fetch::Changes)?;
    println!("rows in the chain stock: {rows} change numbers handed out by the first fetch");
    println!("{}", show("one register's round, HQ idle", &idle));
    println!("{}", show("the whole snapshot, HQ idle", &snapshot));
    println!("{}", show("before #16, under load: sync round", &before_rounds));
    println!("{}", show("before #16, under load: the whole snapshot after it", &before_fetches));
    println!("{}", show("now, under load: sync round", &rounds));
    println!("{}", show("now, under load: chain stock refresh from the watermark", &refreshes));
    let round_ratio = rounds.percentile(99).as_secs_f64() / before_rounds.percentile(99).as_secs_f64();
    let refresh_ratio = refreshes.percentile(99).as_secs_f64() / before_fetches.percentile(99).as_secs_f64();
    println!("  round p99, now / before: {round_ratio:.2}x (target <= 1x: {})", verdict(round_ratio <= 1.0));
    println!(
        "  refresh p99 now / snapshot p99 before: {refresh_ratio:.2}x (target <= 0.5x: {})",
        verdict(refresh_ratio <= 0.5)
    );

    // 2. Bytes per refresh when nothing changed (after a refresh brought everything).
    regs[0].aisle_refresh()?;
    let mark = regs[0].store().chain_stock_watermark()?;
    let quiet = format!("{{\"epoch\":\"{}\",\"since\":{}}}", mark.epoch, mark.since);
    let (quiet_bytes, _) = post(&url, "/v1/aisle/stock/changes", &credential, &quiet)?;
    println!(
        "bytes per refresh, nothing changed: {quiet_bytes} B; the whole snapshot: {snapshot_bytes} B ({:.0}x) (target: < 512 B whatever the SKUs: {})",
        snapshot_bytes as f64 / quiet_bytes.max(1) as f64,
        verdict(quiet_bytes < 512)
    );

    // 3. A sale's commit, alone, then while a refresh from 0 and a catalog import run on
    //    other connections to the same register file.
    let mut seller = regs.swap_remove(0);
    let dir = seller.store().path().parent().context("register dir")?.to_path_buf();
    drop(regs);
    let mut alone = Vec::new();
    for n in 0..args.sales {
        alone.push(sell(&mut seller, SOLD[n as usize % SOLD.len()])?);
    }
    let alone = Samples::new(alone)?;
    let catalog = work.path().join("catalog.jsonl");
    let lines: Vec<String> = (0..args.skus)
        .map(|i| {
            serde_json::json!({"type": "product", "handle": format!("sku-{i}"), "title": format!("Item {i}"),
                               "variants": [{"sku": format!("SKU-{i:06}"), "price": format!("{}.95", 1 + i % 50)}]})
            .to_string()
        })
        .collect();
    std::fs::write(&catalog, lines.join("\n"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let open = |seed: u64| -> Result<Register> {
        Ok(Register::open(&dir, Arc::new(till_register::SystemClock), Box::new(SeededIds::new(seed)))?)
    };
    let (mut refresher, mut importer) = (open(9_001)?, open(9_002)?);
    let refreshing = {
        let stop = stop.clone();
        std::thread::spawn(move || -> Result<u64> {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                // From 0: every row of the chain, a page per transaction.
                refresher.store().set_setting("aisle.chain_stock_since", "0")?;
                refresher.aisle_refresh()?;
                n += 1;
            }
            Ok(n)
        })
    };
    let importing = {
        let stop = stop.clone();
        std::thread::spawn(move || -> Result<(u64, u64)> {
            let (mut n, mut chunks) = (0, 0);
            while !stop.load(Ordering::Relaxed) {
                chunks += importer.import_catalog(&catalog, &mut |_| {})?.chunks;
                n += 1;
            }
            Ok((n, chunks))
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let mut loaded = Vec::new();
    for n in 0..args.sales {
        loaded.push(sell(&mut seller, SOLD[n as usize % SOLD.len()])?);
    }
    stop.store(true, Ordering::Relaxed);
    let full_refreshes = refreshing.join().map_err(|_| anyhow::anyhow!("the refresher panicked"))??;
    let (imports, chunks) = importing.join().map_err(|_| anyhow::anyhow!("the importer panicked"))??;
    let loaded = Samples::new(loaded)?;
    println!("{}", show("sale commit, nothing else running", &alone));
    println!(
        "{}",
        show(
            &format!("sale commit during {full_refreshes} full refreshes and {imports} imports ({chunks} chunks)"),
            &loaded
        )
    );
    let extra = loaded.percentile(99).saturating_sub(alone.percentile(99));
    println!(
        "  p99 {:.1}x the baseline's, {:.1} ms more (target: at most 10 ms more: {})",
        loaded.percentile(99).as_secs_f64() / alone.percentile(99).as_secs_f64(),
        extra.as_secs_f64() * 1e3,
        verdict(extra <= Duration::from_millis(10))
    );
    Ok(())
}
