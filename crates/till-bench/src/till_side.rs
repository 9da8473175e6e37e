//! Till's side of each figure, through the public register API only — exactly what the
//! CLI and the desktop app call.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use till_register::{ImportReport, RandomIds, Register, SystemClock};

/// The benchmark register's configuration: euro, tax-inclusive prices, per-line tax
/// rounding, half-up, three tax classes.
pub const CONFIG: &str = r#"
store = "BENCH"
register = "R1"
currency = "EUR"
prices_include_tax = true
tax_rounding = "line"
rounding_mode = "half_up"
default_tax_class = "standard"
exempt_tax_class = "zero"

[tax_classes]
standard = "21"
reduced = "9"
zero = "0"
"#;

/// Opens the register in `dir` with the system clock and random sale ids.
pub fn open(dir: &Path) -> Result<Register> {
    Register::open(dir, Arc::new(SystemClock), Box::new(RandomIds))
        .with_context(|| format!("cannot open the register in {}", dir.display()))
}

/// Creates a register in `dir` and imports `csv` into it; returns the import report and
/// the time from `init` until `import_catalog` returned.
pub fn init_and_import(dir: &Path, csv: &Path) -> Result<(ImportReport, Duration)> {
    let start = Instant::now();
    Register::init(dir, CONFIG, "bench.toml")
        .with_context(|| format!("cannot create a register in {}", dir.display()))?;
    let mut register = open(dir)?;
    let report =
        register.import_catalog(csv, &mut |_| {}).with_context(|| format!("cannot import {}", csv.display()))?;
    let elapsed = start.elapsed();
    if let Some(first) = report.rejected.first() {
        bail!(
            "the import rejected {} rows of the generated file, e.g. line {}: {}",
            report.rejected.len(),
            first.line,
            first.reason
        );
    }
    Ok((report, elapsed))
}

/// Cold start in process: open the register and look one barcode up.
pub fn open_and_lookup(dir: &Path, barcode: &str) -> Result<()> {
    let register = open(dir)?;
    let item = register.lookup(barcode).with_context(|| format!("cannot look up {barcode}"))?;
    std::hint::black_box(item);
    Ok(())
}

/// Where the `till` CLI binary should be: next to this benchmark's executable.
pub fn cli_binary() -> Result<PathBuf> {
    let me = std::env::current_exe().context("cannot find this executable's path")?;
    let dir = me.parent().context("this executable has no parent directory")?;
    Ok(dir.join(format!("till{}", std::env::consts::EXE_SUFFIX)))
}

/// Cold start as a user sees it: the whole `till --data-dir DIR lookup CODE` process,
/// from spawn to exit.
pub fn cli_lookup(binary: &Path, dir: &Path, barcode: &str) -> Result<Duration> {
    let start = Instant::now();
    let out = std::process::Command::new(binary)
        .arg("--data-dir")
        .arg(dir)
        .arg("lookup")
        .arg(barcode)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let elapsed = start.elapsed();
    if !out.status.success() {
        bail!(
            "{} lookup {barcode} failed ({}): {}",
            binary.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(elapsed)
}
