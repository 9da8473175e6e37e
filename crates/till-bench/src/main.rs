//! `till-bench`: measures Till against bare SQLite in one run — catalog import, cold start
//! to first scan, scan → priced line, search and the durable commit — and reports each
//! Till figure next to the bare SQLite operation it rests on, as a ratio with a target.
//!
//! See `docs/benchmarks.md` for what is measured, why, and the latest results.

// Floats appear only in timing statistics (durations in seconds, ratios); money in the
// generated catalog and in every sale is `rust_decimal`, never a float.
#![allow(clippy::float_arithmetic)]

mod baseline;
mod figures;
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
    /// Timed durable commits on each side.
    #[arg(long, default_value_t = 300)]
    commits: usize,
    /// Cold starts timed on each side (in process, and of the CLI).
    #[arg(long, default_value_t = 20)]
    starts: usize,
    /// Search queries timed on each side.
    #[arg(long, default_value_t = 500)]
    queries: usize,
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

    eprintln!("[1/6] generating {} SKUs into {} …", args.skus, csv_path.display());
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

    eprintln!("[2/6] catalog import …");
    figures::import(&mut bench, &mut report)?;
    eprintln!("[3/6] cold start ({} times each) …", args.starts);
    figures::cold_start(&mut bench, args.starts, &mut report)?;
    eprintln!("[4/6] scan → priced line ({} samples each) …", args.samples);
    figures::scan(&mut bench, args.samples, &mut report)?;
    eprintln!("[5/6] search ({} queries each) …", args.queries);
    figures::search(&mut bench, args.queries, &mut report)?;
    eprintln!("[6/6] durable commit ({} each) …", args.commits);
    figures::commit(&mut bench, args.commits, &mut report)?;

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
