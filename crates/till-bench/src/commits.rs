//! Timing the durable commit of a completed sale against a bare one-row commit, the two
//! sides alternating commit by commit so that disk noise hits both alike — on the fresh
//! register of the catalog figures and on the register that holds the long history.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use till_domain::{Cart, SaleRecord};

use crate::baseline::CommitLog;
use crate::report::{Figure, Report, Target};
use crate::stats::{Samples, human, timed};

/// Untimed commits on each side before the timed ones (first fsyncs of a fresh file).
pub const WARMUP: usize = 5;

/// What a durable commit may take, as a multiple of the bare one-row commit (p50 and p99).
pub const TARGET: Target = Target::RatioAtMost(1.5);

/// What the bare side of every commit figure does.
pub const BARE_OP: &str = "one-row INSERT in its own BEGIN IMMEDIATE … COMMIT, separate file on the same disk";

/// Timed commits of both sides, and the WAL each side wrote per commit before any
/// checkpoint (the warm-up commits).
pub struct CommitTimes {
    /// Till's `complete_sale`, one sample per cart after the warm-up.
    pub till: Samples,
    /// The bare one-row commit, alternating with Till's.
    pub bare: Samples,
    /// WAL bytes per commit over the warm-up commits: Till's, then the bare side's.
    pub wal_per_commit: (f64, f64),
}

/// The WAL file next to a database file.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// The size of a file in bytes, 0 when it does not exist.
fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// A register whose durable commit is timed.
pub trait TimedSeller {
    /// Completes `cart` (paid in cash) and says how long `complete_sale` took.
    fn sell(&mut self, cart: &Cart) -> Result<(SaleRecord, Duration)>;
    /// The housekeeping the CLI and the app run once the receipt is out (untimed).
    fn housekeep(&mut self) -> Result<()>;
}

/// Sells every cart through `till_side` and commits one bare row after each; after the bare
/// commit, Till's housekeeping (off the sale path, untimed). The first [`WARMUP`] carts
/// are untimed and run no housekeeping, so the WAL files' growth over them is what each
/// commit writes. `wals` are Till's and the bare side's WAL files.
pub fn time_commits(
    carts: &[Cart],
    log: &mut CommitLog,
    wals: [&Path; 2],
    till_side: &mut dyn TimedSeller,
) -> Result<CommitTimes> {
    let start = wals.map(file_len);
    let mut wal_per_commit = (0.0, 0.0);
    let mut till = Vec::with_capacity(carts.len());
    let mut bare = Vec::with_capacity(carts.len());
    for (i, cart) in carts.iter().enumerate() {
        let (sale, t) = till_side.sell(cart)?;
        let (at, amount) = (sale.at.to_string(), sale.cart.total.amount().to_string());
        let (done, bt) = timed(|| log.commit_one(&at, &amount));
        done?;
        if i >= WARMUP {
            till.push(t);
            bare.push(bt);
            till_side.housekeep()?;
        } else if i == WARMUP - 1 {
            let grown = |k: usize| file_len(wals[k]).saturating_sub(start[k]) as f64 / WARMUP as f64;
            wal_per_commit = (grown(0), grown(1));
        }
    }
    Ok(CommitTimes { till: Samples::new(till)?, bare: Samples::new(bare)?, wal_per_commit })
}

/// Appends the p50 and p99 figures of `times` under `keys`, each named `what` followed by
/// its percentile and sample count ("Durable commit, 3-line cash sale, p50 of 300").
pub fn push_figures(
    report: &mut Report,
    keys: [&'static str; 2],
    group: &'static str,
    what: &str,
    times: &CommitTimes,
) {
    let n = times.till.sorted().len();
    for (key, p) in keys.into_iter().zip([50, 99]) {
        report.figures.push(Figure {
            key,
            group,
            name: format!("{what}, p{p} of {n}"),
            till: times.till.percentile(p),
            bare: times.bare.percentile(p),
            bare_op: BARE_OP,
            target: TARGET,
        });
    }
    let kib = |bytes: f64| format!("{:.1} KiB", bytes / 1024.0);
    report.details.push((
        format!("{group}: WAL written per commit (first commits, before any checkpoint)"),
        format!(
            "Till {}, bare {} (Till checkpoints off the sale path; the baseline never reaches SQLite's 1000-page autocheckpoint)",
            kib(times.wal_per_commit.0),
            kib(times.wal_per_commit.1)
        ),
    ));
    report
        .details
        .push((format!("{group}: max"), format!("Till {}, bare {}", human(times.till.max()), human(times.bare.max()))));
}
