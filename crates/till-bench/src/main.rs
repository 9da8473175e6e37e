//! `till-bench`: measures Till against bare SQLite in one run — catalog import, cold start
//! to first scan, scan → priced line, search, the durable commit, and closing time (Z
//! report, journal verification, receipt lookup for returns) — and reports each Till
//! figure next to the bare SQLite operation it rests on, as a ratio with a target.
//!
//! See `docs/benchmarks.md` for what is measured, why, and the latest results.

// Floats appear only in timing statistics (durations in seconds, ratios); money in the
// generated catalog and in every sale is `rust_decimal`, never a float.
#![allow(clippy::float_arithmetic)]

mod baseline;
mod closing;
mod closing_baseline;
mod commits;
mod figures;
mod fixture;
mod generate;
mod machine;
mod report;
mod stats;
mod till_side;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;

use crate::figures::Bench;
use crate::generate::SplitMix64;
use crate::report::Report;
use crate::stats::{human, timed};

/// Benchmarks Till against bare SQLite, all figures measured in the same run.
#[derive(Parser, Debug)]
#[command(name = "till-bench", version, about)]
struct Args {
    /// Number of SKUs (variants) in the generated catalog.
    #[arg(long, default_value_t = 1_000_000)]
    skus: u64,
    /// Working directory for the CSV and the databases [default: a temporary directory,
    /// deleted afterwards unless --keep]. Must not already hold a benchmark's files.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Keep the temporary working directory (a --dir is always kept).
    #[arg(long)]
    keep: bool,
    /// Timed samples of scan → priced line and of the bare lookup.
    #[arg(long, default_value_t = 20_000)]
    samples: usize,
    /// Timed durable commits on each side (on the fresh register, and again on the
    /// register holding `--sales` sales).
    #[arg(long, default_value_t = 300)]
    commits: usize,
    /// Cold starts timed on each side (in process, and of the CLI).
    #[arg(long, default_value_t = 20)]
    starts: usize,
    /// Search queries timed on each side.
    #[arg(long, default_value_t = 500)]
    queries: usize,
    /// Sales in the cash session the Z report closes.
    #[arg(long, default_value_t = 10_000)]
    session_sales: u64,
    /// Journal records (at least) in the journal that is verified.
    #[arg(long, default_value_t = 100_000)]
    journal_records: u64,
    /// Sales in the register receipts are looked up in for returns.
    #[arg(long, default_value_t = 1_000_000)]
    sales: u64,
    /// Timed receipt lookups of each form (typed, scanned), and bare lookups.
    #[arg(long, default_value_t = 10_000)]
    lookups: usize,
    /// Seed of the generated catalog and of every random pick.
    #[arg(long, default_value_t = 20_240_601)]
    seed: u64,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.skus < 100 {
        bail!("--skus must be at least 100 (a 50-line cart needs distinct items)");
    }
    if args.samples == 0 || args.commits == 0 || args.starts == 0 || args.queries == 0 {
        bail!("--samples, --commits, --starts and --queries must be at least 1");
    }
    if args.session_sales == 0 || args.journal_records == 0 || args.lookups == 0 {
        bail!("--session-sales, --journal-records and --lookups must be at least 1");
    }
    if args.sales < args.session_sales {
        bail!("--sales ({}) must be at least --session-sales ({})", args.sales, args.session_sales);
    }
    let mut temp = None;
    let root = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("till-bench-")
                .tempdir()
                .context("cannot create a temporary directory")?;
            let path = t.path().to_path_buf();
            temp = Some(t);
            path
        }
    };
    let result = run(&args, &root);
    if let Some(t) = temp {
        if args.keep {
            let kept = t.keep();
            eprintln!("kept the working directory {}", kept.display());
        } else {
            t.close().with_context(|| format!("cannot delete {}", root.display()))?;
        }
    }
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.json()).context("cannot render JSON")?);
    } else {
        print!("{}", report.text());
    }
    Ok(())
}

/// Refuses a working directory that already holds a benchmark's files.
fn check_fresh(paths: &[&Path]) -> Result<()> {
    for p in paths {
        if p.exists() {
            bail!("{} already exists; point --dir at an empty directory", p.display());
        }
    }
    Ok(())
}

fn run(args: &Args, root: &Path) -> Result<Report> {
    let csv_path = root.join("catalog.csv");
    let till_dir = root.join("till");
    let bare_path = root.join("bare.sqlite");
    let commit_path = root.join("bare-commits.sqlite");
    check_fresh(&[&csv_path, &till_dir, &bare_path, &commit_path])?;

    let mut report = Report { machine: machine::describe(root), ..Report::default() };

    eprintln!("[1/9] generating {} SKUs into {} …", args.skus, csv_path.display());
    let (catalog, gen_time) = timed(|| generate::write_catalog(&csv_path, args.skus, args.seed));
    let catalog = catalog?;
    eprintln!(
        "  {} products, {:.1} MiB in {}",
        catalog.products,
        catalog.csv_bytes as f64 / (1024.0 * 1024.0),
        human(gen_time)
    );
    report.params = vec![
        ("SKUs", catalog.items.len().to_string()),
        ("products", catalog.products.to_string()),
        ("CSV size", format!("{:.1} MiB", catalog.csv_bytes as f64 / (1024.0 * 1024.0))),
        ("samples", args.samples.to_string()),
        ("commits", args.commits.to_string()),
        ("cold starts", args.starts.to_string()),
        ("queries", args.queries.to_string()),
        ("session sales", args.session_sales.to_string()),
        ("journal records", format!("at least {}", args.journal_records)),
        ("register sales", args.sales.to_string()),
        ("lookups", args.lookups.to_string()),
        ("seed", args.seed.to_string()),
        ("data dir", root.display().to_string()),
        (
            "build",
            if cfg!(debug_assertions) { "debug (figures are not representative)".into() } else { "release".into() },
        ),
    ];
    report.details.push(("catalog generation (not measured against anything)".into(), human(gen_time)));

    let sellable: Vec<usize> = catalog.items.iter().enumerate().filter(|(_, it)| it.active).map(|(i, _)| i).collect();
    if sellable.len() < 100 {
        bail!("only {} of the generated items are for sale; use more --skus", sellable.len());
    }
    let mut bench = Bench {
        till_dir,
        bare_path,
        commit_path,
        csv_path,
        catalog: &catalog,
        sellable,
        rng: SplitMix64::new(args.seed ^ 0x5EED_B3AC),
    };

    eprintln!("[2/9] catalog import …");
    figures::import(&mut bench, &mut report)?;
    eprintln!("[3/9] cold start ({} times each) …", args.starts);
    figures::cold_start(&mut bench, args.starts, &mut report)?;
    eprintln!("[4/9] scan → priced line ({} samples each) …", args.samples);
    figures::scan(&mut bench, args.samples, &mut report)?;
    eprintln!("[5/9] search ({} queries each) …", args.queries);
    figures::search(&mut bench, args.queries, &mut report)?;
    eprintln!("[6/9] durable commit ({} each) …", args.commits);
    figures::commit(&mut bench, args.commits, &mut report)?;

    let mut closing = closing::Closing::prepare(root, args.seed)?;
    eprintln!("[7/9] Z report: a register with one session of {} sales …", args.session_sales);
    closing::z_report(&mut closing, args.session_sales, &mut report)?;
    eprintln!("[8/9] journal verify: a register with at least {} journal records …", args.journal_records);
    closing::journal(&mut closing, args.journal_records, args.session_sales, &mut report)?;
    eprintln!(
        "[9/9] a register with {} sales: Z report and durable commit after history, receipt lookups …",
        args.sales
    );
    let sizes = closing::Sizes {
        session_sales: args.session_sales,
        sales: args.sales,
        lookups: args.lookups,
        commits: args.commits,
    };
    closing::history(&mut closing, sizes, &mut report)?;

    report.notes.push(
        "the OS page cache is warm: the files were just written, and dropping caches needs root privileges this benchmark does not assume; \
         cold start here means a new process/connection, not a cold disk"
            .into(),
    );
    report
        .notes
        .push("Till's side goes through the public till_register::Register API only, as the CLI and the app do".into());
    Ok(report)
}
