//! The closing-time figures, each measured against bare SQLite in this same run: the Z
//! report over a session of sales (on a fresh register, and after a long history), the
//! journal verification, and finding a receipt for a return among a million sales.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use till_domain::{Cart, Money, ReceiptNumber, SaleRecord, SalesTotals, Tender, TenderKind};

use crate::closing_baseline::{self as bare, BareSales, BareTotals};
use crate::fixture::SalesRegister;
use crate::generate::{self, SplitMix64};
use crate::report::{Figure, RateFigure, Report, Target};
use crate::stats::{Samples, human, timed};
use crate::{baseline, check_fresh, commits};

/// SKUs in the catalog the fixture registers sell from (their catalog size does not
/// matter to these figures; the sales do).
const FIXTURE_SKUS: u64 = 2_000;
/// Timed X reports on each side (they change nothing, so they can be repeated), and
/// timed bare Z reports (Till's Z closes the session, so it is timed once).
const X_RUNS: usize = 5;
const _: () = assert!(X_RUNS == 5, "the Z baseline's description says \"median of 5\"");
/// Timed journal verifications on each side.
const VERIFY_RUNS: usize = 3;
/// Untimed receipt lookups on each side before the timed ones.
const LOOKUP_WARMUP: usize = 1_000;
/// The store and register names in the benchmark configuration.
const STORE: &str = "BENCH";
/// See [`STORE`].
const REGISTER: &str = "R1";
/// What a Z report must take at most.
const Z_TARGET: Duration = Duration::from_millis(100);

/// How many of what the closing figures are made of.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Sales in the session the Z report closes.
    pub session_sales: u64,
    /// Sales in the register receipts are looked up in.
    pub sales: u64,
    /// Timed receipt lookups of each form.
    pub lookups: usize,
    /// Timed durable commits after the history.
    pub commits: usize,
}

/// Lines in each sale whose durable commit is timed after the history (as on the fresh
/// register).
const COMMIT_LINES: usize = 3;
/// Cash handed over for each of those sales: 1000.00 (every generated price is below
/// 300.00, so change is always given).
const COMMIT_TENDERED_CENTS: i64 = 100_000;

/// The fixture catalog and where the closing fixtures go.
pub struct Closing {
    root: PathBuf,
    csv: PathBuf,
    codes: Vec<String>,
    seed: u64,
    rng: SplitMix64,
}

impl Closing {
    /// Writes the small catalog the fixture registers sell from.
    pub fn prepare(root: &Path, seed: u64) -> Result<Closing> {
        let csv = root.join("closing-catalog.csv");
        let dirs = [
            "z-register",
            "z-bare.sqlite",
            "journal-register",
            "journal-bare.sqlite",
            "sales-register",
            "history-bare-commits.sqlite",
        ];
        let mut paths: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
        paths.push(root.join("sales-bare.sqlite"));
        paths.push(root.join("sales-journal-bare.sqlite"));
        paths.push(csv.clone());
        check_fresh(&paths.iter().map(PathBuf::as_path).collect::<Vec<_>>())?;
        let catalog = generate::write_catalog(&csv, FIXTURE_SKUS, seed ^ 0xC105_E000)?;
        let codes = catalog.items.iter().filter(|i| i.active).map(|i| i.barcode.clone()).collect();
        Ok(Closing { root: root.to_path_buf(), csv, codes, seed, rng: SplitMix64::new(seed ^ 0xF14D) })
    }

    /// A fixture register in `name` under the working directory.
    fn register(&self, name: &str, salt: u64, planned: u64, label: &'static str) -> Result<SalesRegister> {
        SalesRegister::create(&self.root.join(name), &self.csv, self.codes.clone(), self.seed ^ salt, planned, label)
    }
}

/// The rate across a fixture's run, for the report (nothing when it sold less than a step).
fn push_rate(report: &mut Report, key: &'static str, till: &SalesRegister, name: String) {
    let rate = till.rate();
    if rate.steps.is_empty() {
        return;
    }
    let rates = rate.steps.iter().map(|d| rate.step as f64 / d.as_secs_f64()).collect();
    report.rates.push(RateFigure { key, name, step: rate.step, rates });
}

/// An amount in cents, to compare Till's totals with the bare ones.
fn cents(m: Money) -> Result<i64> {
    (m.amount() * Decimal::ONE_HUNDRED).to_i64().with_context(|| format!("{m} does not fit in cents"))
}

/// Fails unless Till's and the bare side's totals agree (the two computed the same Z).
fn same_totals(till: &SalesTotals, bare: &BareTotals) -> Result<()> {
    ensure!(till.sales == bare.sales as u64, "Till counted {} sales, bare SQLite {}", till.sales, bare.sales);
    ensure!(cents(till.total)? == bare.sums[3], "Till's total {} differs from bare {} cents", till.total, bare.sums[3]);
    for (name, count, amount) in &bare.tenders {
        let t = till.tenders.iter().find(|t| &t.tender == name).with_context(|| format!("Till has no {name} total"))?;
        ensure!(t.count == *count as u64 && cents(t.amount)? == *amount, "the {name} totals differ");
    }
    Ok(())
}

/// Times the X report (repeated) and the Z report (once: it closes the session) of the
/// open session on both sides, and appends them to the report.
fn time_x_and_z(
    till: &mut SalesRegister,
    bare_path: &Path,
    keys: [&'static str; 2],
    names: [String; 2],
    groups: [&'static str; 2],
    report: &mut Report,
) -> Result<()> {
    let session = till.register().current_session()?.context("no session is open")? as i64;
    // The blind count comes first at a real close; it reads the X report (untimed here).
    till.blind_count()?;
    let mut conn = baseline::open(bare_path)?;
    bare::totals(&conn, session)?;
    let mut tx = Vec::with_capacity(X_RUNS);
    let mut bx = Vec::with_capacity(X_RUNS);
    for _ in 0..X_RUNS {
        let (x, t) = timed(|| till.x_report());
        std::hint::black_box(x?);
        tx.push(t);
        let (b, t) = timed(|| bare::totals(&conn, session));
        std::hint::black_box(b?);
        bx.push(t);
    }
    let (tx, bx) = (Samples::new(tx)?, Samples::new(bx)?);
    report.figures.push(Figure {
        key: keys[0],
        group: groups[0],
        name: names[0].clone(),
        till: tx.median(),
        bare: bx.median(),
        bare_op: "the same aggregates as the Z (sales, tax by rate, payments by tender), read only",
        target: Target::None,
    });
    let (z, tz) = timed(|| till.close());
    let z = z?;
    let at = z.closed_at.to_string();
    // A session closes once, so Till's Z is one sample; the bare Z can be repeated (each
    // run writes one more report row), and its median steadies the ratio against the
    // noise of a single fsync.
    let mut bz = Vec::with_capacity(X_RUNS);
    for _ in 0..X_RUNS {
        let (b, t) = timed(|| bare::z_report(&mut conn, session, &at));
        same_totals(&z.totals, &b?)?;
        bz.push(t);
    }
    let bz = Samples::new(bz)?;
    report.figures.push(Figure {
        key: keys[1],
        group: groups[1],
        name: names[1].clone(),
        till: tz,
        bare: bz.median(),
        bare_op: "median of 5: BEGIN IMMEDIATE; count + sums over the session's sales (session index), tax sums \
                  grouped by rate and payment sums grouped by tender (joins on the sale key); next Z number; INSERT \
                  the Z row; COMMIT",
        target: Target::Below(Z_TARGET),
    });
    report.details.push((format!("{}: bare runs", groups[1]), runs(&bz)));
    Ok(())
}

/// A file's size in MiB.
fn mib(path: &Path) -> String {
    std::fs::metadata(path).map_or_else(|_| "unknown".into(), |m| format!("{:.1} MiB", m.len() as f64 / 1048576.0))
}

/// Figure: the Z report of a fresh register's one session of `n` sales.
pub fn z_report(c: &mut Closing, n: u64, report: &mut Report) -> Result<()> {
    let bare_path = c.root.join("z-bare.sqlite");
    let mut till = c.register("z-register", 0x2, n, "Z fixture")?;
    let mut copy = BareSales::create(&bare_path)?;
    till.open_drawer()?;
    till.ring(n, &mut |sale| copy.add(sale))?;
    copy.finish()?;
    let built = till.elapsed();
    let mut till = till.reopen_durable()?;
    eprintln!("  {n} sales rung in {}; timing X and Z …", human(built));
    time_x_and_z(
        &mut till,
        &bare_path,
        ["x_report", "z_report"],
        [
            format!("X report, session of {n} sales, median of {X_RUNS}"),
            format!("Z report (close), session of {n} sales, one close"),
        ],
        ["X report", "Z report"],
        report,
    )?;
    report.details.push(("Z fixture: sales rung (sync off)".into(), format!("{n} in {}", human(built))));
    Ok(())
}

/// Figure: verifying a journal of at least `records` records, rung in sessions of
/// `session_sales` sales, each closed with a Z report.
pub fn journal(c: &mut Closing, records: u64, session_sales: u64, report: &mut Report) -> Result<()> {
    let bare_path = c.root.join("journal-bare.sqlite");
    let mut till = c.register("journal-register", 0x3, records, "journal fixture")?;
    let mut sessions = 0;
    loop {
        let have = till.journal_records()?;
        if have >= records {
            break;
        }
        till.open_drawer()?;
        // Each sale is one record; opening, counting and closing add one each.
        till.ring(session_sales.min(records - have).max(1), &mut |_| Ok(()))?;
        till.count_and_close()?;
        sessions += 1;
    }
    let built = till.elapsed();
    let rung = till.rung();
    push_rate(report, "rate_journal_fixture", &till, format!("journal fixture, {rung} sales in {sessions} sessions"));
    let till = till.reopen_durable()?;
    eprintln!("  {rung} sales in {sessions} sessions rung in {}; verifying …", human(built));
    let (records, tv, bv) = time_verify(&till, &bare_path, VERIFY_RUNS)?;
    report.figures.push(Figure {
        key: "journal_verify",
        group: "journal verify",
        name: format!("Journal verify, {records} records, median of {VERIFY_RUNS}"),
        till: tv.median(),
        bare: bv.median(),
        bare_op: VERIFY_OP,
        target: Target::None,
    });
    let d = &mut report.details;
    d.push((
        "journal fixture".into(),
        format!(
            "{records} records: {rung} sales in {sessions} sessions with their floats, counts and Z reports; rung in {}",
            human(built)
        ),
    ));
    d.push(("journal verify, all runs".into(), format!("Till {}, bare {}", runs(&tv), runs(&bv))));
    Ok(())
}

/// What the bare journal verification does.
const VERIFY_OP: &str = "SELECT every record ORDER BY seq; SHA-256 over the same fields and bytes Till hashes; \
                         compare hash, link and numbering";

/// Copies the register's journal into a bare file at `bare_path` (checking the copy by
/// verifying its chain, untimed), then times `runs` verifications on each side,
/// alternating. Returns the records and both sides' samples.
fn time_verify(till: &SalesRegister, bare_path: &Path, runs: usize) -> Result<(u64, Samples, Samples)> {
    let copied = bare::copy_journal(till.register(), bare_path)?;
    let conn = baseline::open(bare_path)?;
    ensure!(bare::verify_journal(&conn)? == copied, "the bare journal copy is incomplete");
    let mut tv = Vec::with_capacity(runs);
    let mut bv = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (r, t) = timed(|| till.register().verify_journal());
        let r = r.context("cannot verify the journal")?;
        if let Some(p) = r.problem {
            bail!("Till found a problem in the fixture journal: {p}");
        }
        ensure!(r.records == copied, "Till verified {} records, the copy has {copied}", r.records);
        tv.push(t);
        let (b, t) = timed(|| bare::verify_journal(&conn));
        b?;
        bv.push(t);
    }
    Ok((copied, Samples::new(tv)?, Samples::new(bv)?))
}

/// The samples of a few runs, fastest first, for the details.
fn runs(s: &Samples) -> String {
    s.sorted().iter().map(|d| human(*d)).collect::<Vec<_>>().join(" / ")
}

/// Figures on a register of `sizes.sales` sales: the Z report of its last session of
/// `sizes.session_sales` sales after all the others, and finding receipts for returns.
pub fn history(c: &mut Closing, sizes: Sizes, report: &mut Report) -> Result<()> {
    let bare_path = c.root.join("sales-bare.sqlite");
    let n = sizes.sales;
    let per = sizes.session_sales;
    let mut till = c.register("sales-register", 0x4, n, "sales fixture")?;
    let mut copy = BareSales::create(&bare_path)?;
    let mut sessions = 0u64;
    while till.rung() < n {
        till.open_drawer()?;
        sessions += 1;
        let left = n - till.rung();
        // The session being closed at the end holds `per` sales; the ones before are
        // full sessions of `per` (the first may hold fewer).
        let this = if left.is_multiple_of(per) { per } else { left % per };
        till.ring(this.min(left), &mut |sale| copy.add(sale))?;
        if till.rung() < n {
            till.count_and_close()?;
        }
    }
    copy.finish()?;
    let built = till.elapsed();
    push_rate(report, "rate_sales_fixture", &till, format!("sales fixture, {n} sales in {sessions} sessions"));
    let mut till = till.reopen_durable()?;
    eprintln!("  {n} sales in {sessions} sessions rung in {}; timing X and Z of the last session …", human(built));
    let before = n - per.min(n);
    time_x_and_z(
        &mut till,
        &bare_path,
        ["x_report_history", "z_report_history"],
        [
            format!("X report, session of {per} sales after {before} others, median of {X_RUNS}"),
            format!("Z report (close), session of {per} sales after {before} others, one close"),
        ],
        ["X report (history)", "Z report (history)"],
        report,
    )?;
    report.details.push((
        "sales fixture".into(),
        format!(
            "{n} sales in {sessions} sessions rung in {} ({:.0} sales/s, sync off, closes included); register database {}, bare copy {}",
            human(built),
            n as f64 / built.as_secs_f64(),
            mib(&till.dir.join(till_register::DATABASE_FILE)),
            mib(&bare_path)
        ),
    ));
    eprintln!("  durable commit after {n} sales ({} of each side) …", sizes.commits);
    commit_after_history(c, &mut till, n, sizes.commits, report)?;
    eprintln!("  receipt lookups ({} of each form) …", sizes.lookups);
    lookups(c, &till, &bare_path, n, sizes.lookups, report)?;
    eprintln!("  verifying the whole journal once …");
    let (records, tv, bv) = time_verify(&till, &c.root.join("sales-journal-bare.sqlite"), 1)?;
    report.figures.push(Figure {
        key: "journal_verify_all",
        group: "journal verify",
        name: format!("Journal verify, {records} records ({n} sales), one run"),
        till: tv.median(),
        bare: bv.median(),
        bare_op: VERIFY_OP,
        target: Target::None,
    });
    Ok(())
}

/// The register holding the history, its timed sales paid with `tenders`.
struct HistoryRegister<'a> {
    till: &'a mut SalesRegister,
    tenders: [Tender; 1],
}

impl commits::TimedSeller for HistoryRegister<'_> {
    fn sell(&mut self, cart: &Cart) -> Result<(SaleRecord, Duration)> {
        self.till.timed_sale(cart, &self.tenders)
    }

    fn housekeep(&mut self) -> Result<()> {
        self.till.maintain()
    }
}

/// Figure: the durable commit of a 3-line cash sale on the register that holds the
/// history, against the bare one-row commit in a file of its own, alternating as on the
/// fresh register (`figures::commit`). The sales go into a new session (the last one was
/// just closed); the clock moves on as between fixture sales.
fn commit_after_history(
    c: &Closing,
    till: &mut SalesRegister,
    history: u64,
    commits: usize,
    report: &mut Report,
) -> Result<()> {
    let bare_path = c.root.join("history-bare-commits.sqlite");
    let mut log = baseline::CommitLog::create(&bare_path)?;
    let tenders = [Tender { kind: TenderKind::Cash, amount: Money::new(Decimal::new(COMMIT_TENDERED_CENTS, 2)) }];
    let carts = (0..commits + commits::WARMUP).map(|_| till.random_cart(COMMIT_LINES)).collect::<Result<Vec<_>>>()?;
    let till_wal = commits::wal_path(&till.dir.join(till_register::DATABASE_FILE));
    let bare_wal = commits::wal_path(&bare_path);
    let mut seller = HistoryRegister { till, tenders };
    let times = commits::time_commits(&carts, &mut log, [&till_wal, &bare_wal], &mut seller)?;
    let what = format!("Durable commit after {history} sales, {COMMIT_LINES}-line cash sale");
    commits::push_figures(report, ["commit_history_p50", "commit_history_p99"], "commit (history)", &what, &times);
    Ok(())
}

/// Figure: `find_receipt` for random receipts, typed as printed and scanned as the code
/// on the receipt, against the bare indexed lookup by number.
fn lookups(
    c: &mut Closing,
    till: &SalesRegister,
    bare_path: &Path,
    n: u64,
    count: usize,
    report: &mut Report,
) -> Result<()> {
    let conn = baseline::open(bare_path)?;
    // Independent random receipts for each form, so no lookup finds the pages of its
    // sale already in SQLite's cache from the lookup before it; the bare side looks up
    // the typed ones (in its own file).
    let mut pick = |k: usize| -> Vec<u64> { (0..k).map(|_| 1 + c.rng.below(n)).collect() };
    let (warm, typed_seqs, scanned_seqs) = (pick(LOOKUP_WARMUP), pick(count), pick(count));
    let number = |seq: u64| ReceiptNumber { register: REGISTER.into(), seq }.to_string();
    let till_find = |text: &str, seq: u64| -> Result<Duration> {
        let start = Instant::now();
        let sale = till
            .register()
            .find_receipt(till.authority(), text)
            .with_context(|| format!("cannot find receipt {text}"))?;
        let elapsed = start.elapsed();
        ensure!(sale.receipt.seq == seq, "{text} found receipt {}", sale.receipt);
        Ok(elapsed)
    };
    let bare_find = |text: &str, seq: u64| -> Result<Duration> {
        let start = Instant::now();
        let row = bare::find_receipt(&conn, text)?;
        let elapsed = start.elapsed();
        ensure!(row.is_some_and(|r| r.0 == seq as i64), "the bare lookup of {text} found another row");
        Ok(elapsed)
    };
    for &s in &warm {
        till_find(&number(s), s)?;
        bare_find(&number(s), s)?;
    }
    let (mut typed, mut scanned, mut plain) = (Vec::new(), Vec::new(), Vec::new());
    for (&t, &s) in typed_seqs.iter().zip(&scanned_seqs) {
        let printed = number(t);
        typed.push(till_find(&printed, t)?);
        plain.push(bare_find(&printed, t)?);
        scanned.push(till_find(&format!("till:{STORE}/{}", number(s)), s)?);
    }
    let (typed, scanned, plain) = (Samples::new(typed)?, Samples::new(scanned)?, Samples::new(plain)?);
    let bare_op =
        "SELECT seq, id, at, total, lines FROM sales WHERE number = ?1 (unique index, lines as JSON in the row)";
    let example = number(typed_seqs[0]);
    for (key, p, form, s) in [
        ("receipt_typed_p50", 50, format!("typed as printed (\"{example}\")"), &typed),
        ("receipt_typed_p99", 99, format!("typed as printed (\"{example}\")"), &typed),
        ("receipt_scanned_p50", 50, format!("scanned (\"till:{STORE}/{example}\")"), &scanned),
        ("receipt_scanned_p99", 99, format!("scanned (\"till:{STORE}/{example}\")"), &scanned),
    ] {
        report.figures.push(Figure {
            key,
            group: "receipt lookup",
            name: format!("Return lookup among {n} sales, {form}, p{p} of {count}"),
            till: s.percentile(p),
            bare: plain.percentile(p),
            bare_op,
            target: Target::None,
        });
    }
    report.details.push((
        "receipt lookup max".into(),
        format!("Till typed {}, scanned {}; bare {}", human(typed.max()), human(scanned.max()), human(plain.max())),
    ));
    Ok(())
}
