//! `till-sync-bench`: what reconciling with HQ costs, measured in one run.
//!
//! 1. One register with N offline sales (5 lines on average) reconciled with an HQ over
//!    loopback (HQ in process, behind its real HTTP router): wall time, and bytes on the
//!    wire against the same sales as zstd-compressed JSON (the journal's own sale JSON),
//!    measured in the same run.
//! 2. Steady state: sync rounds when nothing changed — time and bytes per round.
//! 3. HQ ingest: R registers syncing at the same moment, each with S sales — sales
//!    materialized per second, on SQLite and (with --pg) on PostgreSQL.
//!
//! See `docs/benchmarks.md` for the figures and the command.

// Floats appear only in timing statistics; money is `rust_decimal`.
#![allow(clippy::float_arithmetic)]

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use automerge::transaction::Transactable;
use clap::Parser;
use rust_decimal::Decimal;
use till_domain::{CardDetails, Cart, Money, Tender, TenderKind};
use till_register::{Authority, Durability, FixedClock, Register, SeededIds, Settle, StoreOptions};

/// Measures sync with HQ: one register's backlog, steady state, and many registers at once.
#[derive(Parser, Debug)]
#[command(name = "till-sync-bench", version, about)]
struct Args {
    /// Offline sales reconciled by the single register.
    #[arg(long, default_value_t = 10_000)]
    sales: u64,
    /// Registers syncing at once for the ingest figure.
    #[arg(long, default_value_t = 50)]
    registers: u64,
    /// Sales per register for the ingest figure.
    #[arg(long, default_value_t = 200)]
    sales_per_register: u64,
    /// Steady-state rounds timed.
    #[arg(long, default_value_t = 20)]
    rounds: u32,
    /// Also run HQ on this PostgreSQL server (`postgres://USER@HOST:PORT/DB`; the
    /// benchmark creates and drops its own databases there with `psql`).
    #[arg(long, value_name = "URL")]
    pg: Option<String>,
    /// Seed of every random pick.
    #[arg(long, default_value_t = 20_261_127)]
    seed: u64,
    /// SKUs in the catalog whose representation is measured (file vs Automerge; 0 skips).
    #[arg(long, default_value_t = 100_000)]
    catalog_skus: u64,
}

/// The million-SKU benchmark's catalog generator, reused for the catalog figure.
#[allow(dead_code)]
#[path = "generate.rs"]
mod generate;

const DEMO_CONFIG: &str = include_str!("../../../assets/demo/store.toml");
const DEMO_CATALOG: &str = "assets/demo/catalog.csv";
const SKUS: [&str; 12] = [
    "TEE-S-BLK",
    "TEE-M-BLK",
    "TEE-L-BLK",
    "TEE-M-WHT",
    "HOOD-M",
    "TOTE-1",
    "COFFEE-250",
    "CUPS-SET",
    "STROOP-8",
    "NOTE-A5",
    "SOAP-LAV",
    "SOAP-CIT",
];

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A demo register `code` in `dir` with `sales` offline sales of 1–9 lines (5 on average),
/// built fast (no fsync), then reopened as a selling register.
fn register_with_sales(dir: &Path, code: &str, sales: u64, seed: u64) -> Result<Register> {
    let config = DEMO_CONFIG.replace("register = \"R1\"", &format!("register = \"{code}\""));
    Register::init(dir, &config, "store.toml")?;
    let clock = Arc::new(FixedClock::new(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48)));
    let fast = StoreOptions { vfs: None, durability: Durability::Off };
    let mut reg = Register::open_with(dir, &fast, clock.clone(), Box::new(SeededIds::new(seed)))?;
    reg.import_catalog(&repo().join(DEMO_CATALOG), &mut |_| {})?;
    let mut rng = generate::SplitMix64::new(seed);
    let card = CardDetails::new("VISA", "4242", "T").map_err(anyhow::Error::msg)?;
    for _ in 0..sales {
        clock.advance(jiff::SignedDuration::from_secs(10));
        let mut cart = Cart::new();
        for _ in 0..1 + rng.below(9) {
            reg.scan(&mut cart, SKUS[rng.below(SKUS.len() as u64) as usize], Some(Decimal::from(1 + rng.below(2))))?;
        }
        let total = reg.price(&cart)?.total;
        let tender = if rng.below(2) == 0 {
            Tender { kind: TenderKind::Card(card.clone()), amount: total }
        } else {
            Tender { kind: TenderKind::Cash, amount: Money::new((total.amount() / Decimal::TEN).ceil() * Decimal::TEN) }
        };
        reg.complete_sale(&cart, Settle::Tenders(&[tender]), &mut Authority::setup())?;
    }
    drop(reg);
    Ok(Register::open(dir, Arc::new(till_register::SystemClock), Box::new(SeededIds::new(seed ^ 0xD0AB1E)))?)
}

/// HQ in process on a loopback port, on `db`.
fn start_hq(db: &str) -> Result<(Arc<till_hq::Hq>, String)> {
    let mut hq = till_hq::Hq::open(db)?;
    if !db.starts_with("sqlite:") {
        // HQ on PostgreSQL is given its pickup key file; one per benchmark database.
        let name: String = db.rsplit('/').next().unwrap_or("hq").chars().filter(char::is_ascii_alphanumeric).collect();
        hq = hq.with_pickup_key(till_hq::KeyFile::at(std::env::temp_dir().join(format!("{name}.pickup-key"))));
    }
    let hq = Arc::new(hq);
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

/// A fresh PostgreSQL database `name` beside `base`'s, through psql.
fn fresh_pg(base: &str, name: &str) -> Result<String> {
    for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
        let out = std::process::Command::new("psql").args([base, "-qc", &sql]).output().context("running psql")?;
        ensure!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let (prefix, _) = base.rsplit_once('/').context("postgres URL ends with /DB")?;
    Ok(format!("{prefix}/{name}"))
}

/// The register's sales as JSON (the journal's sale payloads), raw and zstd-compressed.
fn json_baseline(dir: &Path) -> Result<(usize, usize, Duration)> {
    let conn = rusqlite::Connection::open(dir.join(till_register::DATABASE_FILE))?;
    let mut stmt = conn.prepare("SELECT payload FROM journal WHERE kind = 'sale' ORDER BY seq")?;
    let payloads: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let json = format!("[{}]", payloads.join(","));
    // What the journal documents (one per business day) weigh saved with and without
    // Automerge's own compression, and zstd'd whole.
    let mut docs = conn.prepare("SELECT doc, bytes FROM sync_changes WHERE doc LIKE 'journal/%' ORDER BY id")?;
    let mut by_doc: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    for row in docs.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))? {
        let (doc, bytes) = row?;
        by_doc.entry(doc).or_default().extend(bytes);
    }
    let (mut deflated, mut plain, mut z3) = (0, 0, 0);
    for bytes in by_doc.values() {
        let mut doc = automerge::AutoCommit::new();
        doc.load_incremental(bytes)?;
        let p = doc.save_nocompress();
        deflated += doc.save().len();
        plain += p.len();
        z3 += zstd::encode_all(p.as_slice(), 3)?.len();
    }
    println!(
        "journal documents ({}): save() {deflated} B, save_nocompress() {plain} B, zstd-3 of that {z3} B",
        by_doc.len()
    );
    // The same JSON with each record's chain hash beside it, whole and as the check the
    // documents carry: what verifying the chain costs, compressed the same way.
    let mut hashes = conn.prepare("SELECT payload, hash FROM journal WHERE kind = 'sale' ORDER BY seq")?;
    let rows: Vec<(String, String)> =
        hashes.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    for (label, len) in [("SHA-256 chain hash", 64), ("check (its first 16 hex digits)", till_docs::CHECK_LEN)] {
        let json: Vec<String> = rows
            .iter()
            .map(|(payload, hash)| format!("{{\"hash\":\"{}\",\"sale\":{payload}}}", &hash[..len]))
            .collect();
        let size = zstd::encode_all(format!("[{}]", json.join(",")).as_bytes(), 3)?.len();
        println!("the same sales as JSON with each record's {label}, zstd-3: {size} B");
    }
    let started = Instant::now();
    let compressed = zstd::encode_all(json.as_bytes(), 3)?;
    Ok((json.len(), compressed.len(), started.elapsed()))
}

fn enroll(hq: &till_hq::Hq, url: &str, reg: &mut Register, code: &str) -> Result<()> {
    let token = hq.add_register("AMS-01", code, jiff::Timestamp::now())?;
    let request =
        till_register::Enrollment { url, token: &token, trust: till_register::HqTrust::OsRoots, re_enroll: false };
    reg.enroll(&mut till_register::Authority::setup(), &request)?;
    Ok(())
}

fn backlog(args: &Args, db: &str, label: &str) -> Result<()> {
    let work = tempfile::tempdir()?;
    eprintln!("[{label}] ringing {} offline sales…", args.sales);
    let mut reg = register_with_sales(work.path(), "R1", args.sales, args.seed)?;
    let (json, zstd_bytes, zstd_time) = json_baseline(work.path())?;
    let (hq, url) = start_hq(db)?;
    enroll(&hq, &url, &mut reg, "R1")?;
    let started = Instant::now();
    let report = reg.sync_once(None)?;
    let took = started.elapsed();
    let booked = hq.booked_sales(None)?.len() as u64;
    ensure!(booked == args.sales, "HQ booked {booked} of {} sales", args.sales);
    let wire = report.bytes_sent + report.bytes_received;
    println!(
        "[{label}] backlog: {} sales reconciled in {:.2} s (target < 5 s: {})",
        args.sales,
        took.as_secs_f64(),
        if took < Duration::from_secs(5) { "PASS" } else { "MISS" }
    );
    println!(
        "[{label}]   wire {} B ({} requests; sent {} B, received {} B) vs JSON {} B, zstd-3 JSON {} B ({:.1} ms to compress): {:.2}x zstd JSON (target <= 1.5x: {})",
        wire,
        report.requests,
        report.bytes_sent,
        report.bytes_received,
        json,
        zstd_bytes,
        zstd_time.as_secs_f64() * 1e3,
        wire as f64 / zstd_bytes as f64,
        if (wire as f64) <= 1.5 * zstd_bytes as f64 { "PASS" } else { "MISS" }
    );
    // Steady state: nothing changed.
    let mut bytes = 0;
    let mut requests = 0;
    let started = Instant::now();
    for _ in 0..args.rounds {
        let r = reg.sync_once(None)?;
        bytes += r.bytes_sent + r.bytes_received;
        requests += r.requests;
        ensure!(r.docs_exchanged == 0, "a steady-state round exchanged {} documents", r.docs_exchanged);
    }
    let per = started.elapsed() / args.rounds.max(1);
    println!(
        "[{label}] steady state: {:.2} ms, {} request(s), {} B per round when nothing changed",
        per.as_secs_f64() * 1e3,
        requests / u64::from(args.rounds.max(1)),
        bytes / u64::from(args.rounds.max(1))
    );
    Ok(())
}

fn ingest(args: &Args, db: &str, label: &str) -> Result<()> {
    let work = tempfile::tempdir()?;
    eprintln!("[{label}] ringing {} sales on each of {} registers…", args.sales_per_register, args.registers);
    let (hq, url) = start_hq(db)?;
    let mut regs = Vec::new();
    for i in 0..args.registers {
        let code = format!("R{}", i + 1);
        let dir = work.path().join(&code);
        let mut reg = register_with_sales(&dir, &code, args.sales_per_register, args.seed ^ (i + 1))?;
        enroll(&hq, &url, &mut reg, &code)?;
        regs.push(reg);
    }
    let barrier = Arc::new(Barrier::new(regs.len() + 1));
    let handles: Vec<_> = regs
        .into_iter()
        .map(|mut reg| {
            let barrier = barrier.clone();
            std::thread::spawn(move || -> Result<()> {
                barrier.wait();
                // A register whose round failed (HQ busy) tries again, as the worker would.
                for _ in 0..20 {
                    if reg.sync_once(None).is_ok() && reg.sync_status()?.pending_sales == 0 {
                        return Ok(());
                    }
                }
                anyhow::bail!("a register did not finish syncing")
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    for h in handles {
        h.join().map_err(|_| anyhow::anyhow!("a register thread panicked"))??;
    }
    let took = started.elapsed();
    let total = args.registers * args.sales_per_register;
    let booked = hq.booked_sales(None)?.len() as u64;
    ensure!(booked == total, "HQ booked {booked} of {total} sales");
    println!(
        "[{label}] ingest: {} registers x {} sales synced at once in {:.2} s: {:.0} sales/s",
        args.registers,
        args.sales_per_register,
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64()
    );
    Ok(())
}

/// What a catalog costs as files (snapshot, delta) and as an Automerge document, so the
/// choice between them is measured: build and load time, bytes, a 1 % price change.
fn catalog_figure(skus: u64, seed: u64) -> Result<()> {
    let work = tempfile::tempdir()?;
    let csv_path = work.path().join("catalog.csv");
    generate::write_catalog(&csv_path, skus, seed)?;
    let bytes = std::fs::read(&csv_path)?;
    let zstd_snapshot = zstd::encode_all(bytes.as_slice(), 3)?.len();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let headers = reader.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).context("column");
    let (sku, title, price, barcode, kind) =
        (col("Variant SKU")?, col("Title")?, col("Variant Price")?, col("Variant Barcode")?, col("Type")?);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    // The same four fields the document below holds, as a file: a like-for-like size.
    let mut same = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        same.write_record([&r[sku], &r[title], &r[price], &r[barcode], &r[kind]])?;
    }
    let same_fields = zstd::encode_all(same.into_inner()?.as_slice(), 3)?.len();
    let started = Instant::now();
    let mut doc = automerge::AutoCommit::new();
    for r in &rows {
        let item = doc.put_object(automerge::ROOT, &r[sku], automerge::ObjType::Map)?;
        for (field, i) in [("title", title), ("price", price), ("barcode", barcode), ("type", kind)] {
            doc.put(&item, field, &r[i])?;
        }
    }
    doc.commit();
    let built = started.elapsed();
    let saved = doc.save();
    let started = Instant::now();
    let loaded = automerge::AutoCommit::load(&saved)?;
    let load = started.elapsed();
    drop(loaded);
    // A 1 % price change, as an Automerge change and as a delta file (header + rows).
    let mut rng = generate::SplitMix64::new(seed);
    let mut delta = csv::Writer::from_writer(Vec::new());
    delta.write_record(&headers)?;
    let mut delta_same = csv::Writer::from_writer(Vec::new());
    let changed = (rows.len() / 100).max(1);
    for _ in 0..changed {
        let r = &rows[rng.below(rows.len() as u64) as usize];
        let item = match automerge::ReadDoc::get(&doc, automerge::ROOT, &r[sku])? {
            Some((_, id)) => id,
            None => continue,
        };
        doc.put(&item, "price", "9.99")?;
        let mut fields: Vec<String> = r.iter().map(str::to_string).collect();
        fields[price] = "9.99".into();
        delta.write_record(&fields)?;
        delta_same.write_record([&r[sku], &r[title], "9.99", &r[barcode], &r[kind]])?;
    }
    doc.commit();
    let change = doc.get_last_local_change().map(|mut c| c.bytes().len()).unwrap_or(0);
    let delta = zstd::encode_all(delta.into_inner()?.as_slice(), 3)?.len();
    let delta_same = zstd::encode_all(delta_same.into_inner()?.as_slice(), 3)?.len();
    println!(
        "catalog of {} SKUs: CSV {} B, zstd-3 {zstd_snapshot} B; the 4 fields the document holds, zstd-3 {same_fields} B | Automerge document {} B, built in {:.2} s, loaded in {:.2} s",
        rows.len(),
        bytes.len(),
        saved.len(),
        built.as_secs_f64(),
        load.as_secs_f64()
    );
    println!(
        "  a 1 % price change ({changed} SKUs): delta CSV zstd-3 {delta} B (4 fields: {delta_same} B) | Automerge change {change} B"
    );
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.catalog_skus > 0 {
        catalog_figure(args.catalog_skus, args.seed)?;
    }
    let work = tempfile::tempdir()?;
    let sqlite = |name: &str| format!("sqlite:{}", work.path().join(format!("{name}.sqlite")).display());
    backlog(&args, &sqlite("backlog"), "sqlite")?;
    ingest(&args, &sqlite("ingest"), "sqlite")?;
    if let Some(pg) = &args.pg {
        backlog(&args, &fresh_pg(pg, "till_bench_backlog")?, "postgres")?;
        ingest(&args, &fresh_pg(pg, "till_bench_ingest")?, "postgres")?;
    }
    Ok(())
}
