//! The measurements: each function runs Till's side and the bare-SQLite side of one
//! figure in this same run and appends the results to the [`Report`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rust_decimal::Decimal;
use till_domain::{Cart, Money, SaleRecord, Tender, TenderKind};

use crate::generate::{Catalog, SplitMix64, title_words};
use crate::report::{Figure, Report, Target};
use crate::stats::{Samples, human, timed};
use crate::till_side;
use crate::{baseline, commits};

/// Lines in the cart a scan is added to.
const CART_LINES: usize = 50;
/// Lines in each committed sale.
const SALE_LINES: usize = 3;
/// Cash handed over for each committed sale; every generated price is below 300.00, so
/// three lines never cost more and change is always given.
const TENDERED_CENTS: i64 = 100_000;
/// Search results asked for, as on the sell screen.
const SEARCH_LIMIT: usize = 20;

/// Where everything lives and what the run is made of.
pub struct Bench<'a> {
    /// The register's data directory.
    pub till_dir: PathBuf,
    /// The bare catalog database.
    pub bare_path: PathBuf,
    /// The bare commit-log database.
    pub commit_path: PathBuf,
    /// The generated Shopify CSV.
    pub csv_path: PathBuf,
    /// The generated catalog.
    pub catalog: &'a Catalog,
    /// Indices of items that can be sold (not drafts), for random scans.
    pub sellable: Vec<usize>,
    /// Random source for picking codes and queries.
    pub rng: SplitMix64,
}

impl Bench<'_> {
    /// A random sellable barcode.
    fn barcode(&mut self) -> &str {
        let i = self.sellable[self.rng.index(self.sellable.len())];
        &self.catalog.items[i].barcode
    }

    /// `n` random sellable barcodes.
    fn barcodes(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.barcode().to_string()).collect()
    }
}

/// A file's size in MiB, for the details.
fn file_size(path: &Path) -> String {
    std::fs::metadata(path)
        .map_or_else(|_| "unknown".to_string(), |m| format!("{:.1} MiB", m.len() as f64 / (1024.0 * 1024.0)))
}

/// Figure 1: bulk load. Bare: rows + unique barcode index + FTS5 over the title in one
/// transaction. Till: `init`, `open`, `import_catalog` of the CSV (parsing included).
pub fn import(b: &mut Bench<'_>, report: &mut Report) -> Result<()> {
    let n = b.catalog.items.len();
    eprintln!("  bare bulk load of {n} rows …");
    let bare = baseline::bulk_load(&b.bare_path, &b.catalog.items)?;
    eprintln!("  bare load took {}; Till import …", human(bare.total));
    let (till_report, till) = till_side::init_and_import(&b.till_dir, &b.csv_path)?;
    eprintln!("  Till import took {}", human(till));
    if till_report.variants != n as u64 {
        bail!("Till imported {} variants, the file has {n}", till_report.variants);
    }
    let optimize = baseline::optimize_fts(&b.bare_path)?;
    report.figures.push(Figure {
        key: "import",
        group: "import",
        name: format!("Catalog import, {n} SKUs"),
        till,
        bare: bare.total,
        bare_op: "rows inserted with a prepared statement + CREATE UNIQUE INDEX (barcode) + FTS5 over title, one transaction",
        target: Target::RatioAtMost(2.0),
    });
    let d = &mut report.details;
    d.push(("bare load: rows".into(), human(bare.rows)));
    d.push(("bare load: unique barcode index".into(), human(bare.index)));
    d.push(("bare load: FTS5 inserts".into(), human(bare.fts)));
    d.push(("bare load: commit".into(), human(bare.commit)));
    d.push(("bare FTS optimize (run after the timed load so searches compare like with like)".into(), human(optimize)));
    d.push((
        "Till import report".into(),
        format!(
            "{} products, {} variants, {} warnings, {} rejected, bulk mode: {}",
            till_report.products,
            till_report.variants,
            till_report.warnings.len(),
            till_report.rejected.len(),
            till_report.bulk
        ),
    ));
    d.push(("Till database size".into(), file_size(&b.till_dir.join(till_register::DATABASE_FILE))));
    d.push(("bare database size".into(), file_size(&b.bare_path)));
    Ok(())
}

/// Figure 2: cold start to first scan, in process and as a CLI process.
pub fn cold_start(b: &mut Bench<'_>, starts: usize, report: &mut Report) -> Result<()> {
    let mut till = Vec::with_capacity(starts);
    let mut bare = Vec::with_capacity(starts);
    for _ in 0..starts {
        let code = b.barcode().to_string();
        let (r, t) = timed(|| till_side::open_and_lookup(&b.till_dir, &code));
        r?;
        till.push(t);
        let (r, t) = timed(|| baseline::open_and_lookup(&b.bare_path, &code));
        if r?.is_none() {
            bail!("bare lookup of {code} found nothing");
        }
        bare.push(t);
    }
    let (till, bare) = (Samples::new(till)?, Samples::new(bare)?);
    let bare_op = "open the file with the same pragmas, prepare and run the indexed barcode lookup";
    let limit = Target::Below(Duration::from_millis(200));
    report.figures.push(Figure {
        key: "cold_start_median",
        group: "cold start",
        name: format!("Cold start: open + first lookup, in process, median of {starts}"),
        till: till.median(),
        bare: bare.median(),
        bare_op,
        target: limit,
    });
    report.figures.push(Figure {
        key: "cold_start_max",
        group: "cold start",
        name: format!("Cold start: open + first lookup, in process, max of {starts}"),
        till: till.max(),
        bare: bare.max(),
        bare_op,
        target: limit,
    });

    let binary = till_side::cli_binary()?;
    if !binary.exists() {
        report.notes.push(format!(
            "the `till` CLI was not found at {}; the CLI cold-start lines were skipped (build it with `cargo build --release -p till-cli`)",
            binary.display()
        ));
        return Ok(());
    }
    let mut cli = Vec::with_capacity(starts);
    for _ in 0..starts {
        let code = b.barcode().to_string();
        cli.push(till_side::cli_lookup(&binary, &b.till_dir, &code)?);
    }
    let cli = Samples::new(cli)?;
    let bare_op_cli = "(no process) open the file with the same pragmas + indexed lookup, in process";
    report.figures.push(Figure {
        key: "cold_start_cli_median",
        group: "cold start (CLI)",
        name: format!("Cold start: `till lookup` process, median of {starts}"),
        till: cli.median(),
        bare: bare.median(),
        bare_op: bare_op_cli,
        target: limit,
    });
    report.figures.push(Figure {
        key: "cold_start_cli_max",
        group: "cold start (CLI)",
        name: format!("Cold start: `till lookup` process, max of {starts}"),
        till: cli.max(),
        bare: bare.max(),
        bare_op: bare_op_cli,
        target: limit,
    });
    report.details.push(("`till` binary".into(), binary.display().to_string()));
    Ok(())
}

/// Figure 3: scan → priced line in a 50-line cart, against the bare indexed lookup.
pub fn scan(b: &mut Bench<'_>, samples: usize, report: &mut Report) -> Result<()> {
    let register = till_side::open(&b.till_dir)?;
    let bare = baseline::open(&b.bare_path)?;
    let mut cart = Cart::new();
    while cart.lines().len() < CART_LINES {
        let code = b.barcode().to_string();
        register.scan(&mut cart, &code, None).with_context(|| format!("cannot scan {code}"))?;
    }
    let codes = b.barcodes(samples);
    let warmup = samples.min(1000);

    let till_scan = |code: &str| -> Result<Duration> {
        let mut c = cart.clone();
        let start = Instant::now();
        register.scan(&mut c, code, None).with_context(|| format!("cannot scan {code}"))?;
        let priced = register.price(&c).context("cannot price the cart")?;
        let elapsed = start.elapsed();
        std::hint::black_box(priced);
        Ok(elapsed)
    };
    let bare_lookup = |code: &str| -> Result<Duration> {
        let start = Instant::now();
        let row = baseline::lookup(&bare, code)?;
        let elapsed = start.elapsed();
        if row.is_none() {
            bail!("bare lookup of {code} found nothing");
        }
        std::hint::black_box(row);
        Ok(elapsed)
    };
    for code in &codes[..warmup] {
        till_scan(code)?;
        bare_lookup(code)?;
    }
    let till = Samples::new(codes.iter().map(|c| till_scan(c)).collect::<Result<_>>()?)?;
    let bare_s = Samples::new(codes.iter().map(|c| bare_lookup(c)).collect::<Result<_>>()?)?;
    let bare_op = "SELECT id, sku, title, price FROM items WHERE barcode = ?1 (prepare_cached)";
    report.figures.push(Figure {
        key: "scan_p50",
        group: "scan",
        name: format!("Scan → priced line, {CART_LINES}-line cart, p50 of {samples}"),
        till: till.percentile(50),
        bare: bare_s.percentile(50),
        bare_op,
        target: Target::None,
    });
    report.figures.push(Figure {
        key: "scan_p99",
        group: "scan",
        name: format!("Scan → priced line, {CART_LINES}-line cart, p99 of {samples}"),
        till: till.percentile(99),
        bare: bare_s.percentile(99),
        bare_op,
        target: Target::Below(Duration::from_micros(100)),
    });
    report
        .details
        .push(("scan → priced line, max".into(), format!("Till {}, bare {}", human(till.max()), human(bare_s.max()))));
    Ok(())
}

/// `count` search queries made of title words: one or two words, the last cut to a
/// three-letter prefix a third of the time, in lower case as typed.
fn queries(b: &mut Bench<'_>, count: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let i = b.sellable[b.rng.index(b.sellable.len())];
        let words = title_words(&b.catalog.items[i].title);
        if words.is_empty() {
            continue;
        }
        let two = words.len() >= 2 && b.rng.chance(50);
        let start = b.rng.index(if two { words.len() - 1 } else { words.len() });
        let mut picked: Vec<String> =
            words[start..start + if two { 2 } else { 1 }].iter().map(|w| w.to_lowercase()).collect();
        if b.rng.chance(33)
            && let Some(last) = picked.last_mut()
            && last.chars().count() > 3
        {
            *last = last.chars().take(3).collect();
        }
        out.push(picked.join(" "));
    }
    out
}

/// Figure 4: catalog search, against the bare FTS5 query.
pub fn search(b: &mut Bench<'_>, count: usize, report: &mut Report) -> Result<()> {
    let register = till_side::open(&b.till_dir)?;
    let bare = baseline::open(&b.bare_path)?;
    let queries = queries(b, count);
    let fts: Vec<String> = queries.iter().map(|q| till_store::fts_query(q).unwrap_or_default()).collect();

    let till_search = |q: &str| -> Result<(Duration, usize)> {
        let start = Instant::now();
        let hits = register.search(q, SEARCH_LIMIT).with_context(|| format!("cannot search for '{q}'"))?;
        Ok((start.elapsed(), hits.len()))
    };
    let bare_search = |q: &str| -> Result<(Duration, usize)> {
        let start = Instant::now();
        let hits = baseline::search(&bare, q)?;
        Ok((start.elapsed(), hits.len()))
    };
    // One untimed pass on each side, then the timed pass.
    for (q, f) in queries.iter().zip(&fts) {
        till_search(q)?;
        bare_search(f)?;
    }
    let mut till = Vec::with_capacity(count);
    let mut till_hits = 0;
    for q in &queries {
        let (t, n) = till_search(q)?;
        till.push(t);
        till_hits += n;
    }
    let mut bare_t = Vec::with_capacity(count);
    let mut bare_hits = 0;
    for f in &fts {
        let (t, n) = bare_search(f)?;
        bare_t.push(t);
        bare_hits += n;
    }
    let (till, bare_t) = (Samples::new(till)?, Samples::new(bare_t)?);
    let bare_op = "SELECT rowid FROM items_fts WHERE items_fts MATCH ?1 ORDER BY rank LIMIT 20, same prefix-term query";
    report.figures.push(Figure {
        key: "search_p50",
        group: "search",
        name: format!("Search (limit {SEARCH_LIMIT}), p50 of {count} queries"),
        till: till.percentile(50),
        bare: bare_t.percentile(50),
        bare_op,
        target: Target::None,
    });
    report.figures.push(Figure {
        key: "search_p95",
        group: "search",
        name: format!("Search (limit {SEARCH_LIMIT}), p95 of {count} queries"),
        till: till.percentile(95),
        bare: bare_t.percentile(95),
        bare_op,
        target: Target::RatioAtMost(2.0),
    });
    let examples: Vec<&str> = queries.iter().take(5).map(String::as_str).collect();
    report.details.push(("search queries, e.g.".into(), examples.join(" | ")));
    report
        .details
        .push(("search hits returned".into(), format!("Till {till_hits}, bare {bare_hits} (sums over all queries)")));
    report.details.push(("search max".into(), format!("Till {}, bare {}", human(till.max()), human(bare_t.max()))));
    Ok(())
}

/// The benchmark register, its sales paid with `tenders`, by nobody signed in (as a
/// register being set up).
struct FreshRegister {
    register: till_register::Register,
    tenders: [Tender; 1],
}

impl commits::TimedSeller for FreshRegister {
    fn sell(&mut self, cart: &Cart) -> Result<(SaleRecord, Duration)> {
        let how = till_register::Settle::Tenders(&self.tenders);
        let (sale, t) = timed(|| self.register.complete_sale(cart, how, &mut till_register::Authority::setup()));
        Ok((sale.context("cannot complete the sale")?, t))
    }

    fn housekeep(&mut self) -> Result<()> {
        self.register.maintain().context("cannot run the register's housekeeping")
    }
}

/// Figure 5: the durable commit of a completed 3-line cash sale on the fresh register,
/// against a one-row insert + commit; the two sides alternate so disk noise hits both
/// alike.
pub fn commit(b: &mut Bench<'_>, commits: usize, report: &mut Report) -> Result<()> {
    let register = till_side::open(&b.till_dir)?;
    let mut log = baseline::CommitLog::create(&b.commit_path)?;
    let tenders = [Tender { kind: TenderKind::Cash, amount: Money::new(Decimal::new(TENDERED_CENTS, 2)) }];
    let mut carts = Vec::with_capacity(commits + commits::WARMUP);
    for _ in 0..commits + commits::WARMUP {
        let mut cart = Cart::new();
        for code in b.barcodes(SALE_LINES) {
            register.scan(&mut cart, &code, None).with_context(|| format!("cannot scan {code}"))?;
        }
        carts.push(cart);
    }
    let till_wal = commits::wal_path(&b.till_dir.join(till_register::DATABASE_FILE));
    let bare_wal = commits::wal_path(&b.commit_path);
    let mut fresh = FreshRegister { register, tenders };
    let times = commits::time_commits(&carts, &mut log, [&till_wal, &bare_wal], &mut fresh)?;
    let what = format!("Durable commit, {SALE_LINES}-line cash sale");
    commits::push_figures(report, ["commit_p50", "commit_p99"], "commit", &what, &times);
    Ok(())
}
