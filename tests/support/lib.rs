//! Helpers for the end-to-end tests: where the `till` binary is, temporary registers, and
//! running commands.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use till_register::{Clock, IdSource, Register};

pub mod chain;
pub mod display;
pub mod fleet;
pub mod hq;
pub mod pickup;
pub mod proxy;
pub mod python;
pub mod smtp;
pub mod webdriver;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `till` binary of this checkout (target/<profile>/till), built once per test
/// process so a test never runs a stale binary (`cargo test -p till-tests` alone would
/// not rebuild another package's binary).
pub fn till_bin() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| built_bin("till-cli", "till")).clone()
}

/// The `till-hq` binary, built first if needed (in the same profile as the test).
pub fn till_hq_bin() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| built_bin("till-hq", "till-hq")).clone()
}

/// The desktop app's binary (`till-app`), built first if needed; its front end must be
/// built (`npm --prefix ui run build`; ./test does).
pub fn till_app_bin() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| built_bin("till-app", "till-app")).clone()
}

fn built_bin(package: &str, name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test>-<hash> → target/<profile>/<name>
    let dir = exe.parent().unwrap().parent().unwrap();
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "-p", package]).current_dir(repo());
    if dir.file_name().is_some_and(|p| p == "release") {
        build.arg("--release");
    }
    let status = build.status().unwrap();
    assert!(status.success(), "building the {name} binary failed");
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing after cargo build", bin.display());
    bin
}

/// The demo register in process: created in a fresh directory from the demo `store.toml`
/// as `edit` changes it, with the demo catalog imported (every row accepted).
pub fn demo_register(
    edit: impl Fn(String) -> String,
    clock: Arc<dyn Clock>,
    ids: Box<dyn IdSource>,
) -> (tempfile::TempDir, Register) {
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(repo().join("assets/demo/store.toml")).unwrap();
    Register::init(dir.path(), &edit(config), "store.toml").unwrap();
    let mut reg = Register::open(dir.path(), clock, ids).unwrap();
    for file in ["assets/demo/catalog.csv", "assets/demo/extras.jsonl"] {
        let report = reg.import_catalog(&repo().join(file), &mut |_| {}).unwrap();
        assert!(report.rejected.is_empty(), "{file}: {:?}", report.rejected);
    }
    (dir, reg)
}

/// The demo catalog's items sold by the piece (tees and soaps carry multi-buy
/// promotions, the gift box is a bundle): what randomised tests ring up.
pub const DEMO_SKUS: [&str; 13] = [
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
    "GIFT-COFFEE",
];

/// The fixed time tests ring sales at, unless a test says otherwise.
pub const NOW: &str = "2026-11-27T10:15:00Z";

/// A register in a temporary directory, driven through the real `till` binary.
pub struct TempRegister {
    pub dir: tempfile::TempDir,
    pub now: String,
    /// `CODE:PIN` passed as `--staff` to every command, once staff exist.
    pub staff: Option<String>,
}

/// The demo staff: a manager and a cashier.
pub const MANAGER: &str = "1:1234";
/// The demo cashier.
pub const CASHIER: &str = "2:5678";

impl TempRegister {
    /// A new, empty data directory (no register yet).
    pub fn empty() -> TempRegister {
        TempRegister { dir: tempfile::tempdir().unwrap(), now: NOW.to_string(), staff: None }
    }

    /// A register created from `config` (a path relative to the repository).
    pub fn with_config(config: &str) -> TempRegister {
        let reg = TempRegister::empty();
        let out = reg.till(&["init", "--config", repo().join(config).to_str().unwrap()]);
        assert!(out.status.success(), "init failed: {}", String::from_utf8_lossy(&out.stderr));
        reg
    }

    /// The demo register with the demo catalog imported.
    pub fn demo() -> TempRegister {
        let reg = TempRegister::with_config("assets/demo/store.toml");
        for file in ["assets/demo/catalog.csv", "assets/demo/extras.jsonl"] {
            let out = reg.till(&["catalog", "import", repo().join(file).to_str().unwrap()]);
            assert!(out.status.success(), "import {file} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        reg
    }

    /// The demo register with a manager (1, PIN 1234) and a cashier (2, PIN 5678); commands
    /// run as the cashier unless told otherwise.
    pub fn demo_with_staff() -> TempRegister {
        TempRegister::demo_with_staff_and("")
    }

    /// [`TempRegister::demo_with_staff`] with `extra` appended to the demo configuration
    /// (device sections).
    pub fn demo_with_staff_and(extra: &str) -> TempRegister {
        TempRegister::demo_with_staff_edit(|demo| format!("{demo}\n{extra}"))
    }

    /// [`TempRegister::demo_with_staff`] with the demo configuration changed by `edit`.
    pub fn demo_with_staff_edit(edit: impl Fn(String) -> String) -> TempRegister {
        let demo = std::fs::read_to_string(repo().join("assets/demo/store.toml")).unwrap();
        let config = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(config.path(), edit(demo)).unwrap();
        let mut reg = TempRegister::with_config(config.path().to_str().unwrap());
        for file in ["assets/demo/catalog.csv", "assets/demo/extras.jsonl"] {
            let out = reg.till(&["catalog", "import", repo().join(file).to_str().unwrap()]);
            assert!(out.status.success(), "import {file} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let add = |reg: &TempRegister, args: &[&str]| {
            let out = reg.till(args);
            assert!(out.status.success(), "staff add failed: {}", String::from_utf8_lossy(&out.stderr));
        };
        add(&reg, &["staff", "add", "--code", "1", "--name", "Maria Manager", "--role", "manager", "--pin", "1234"]);
        reg.staff = Some(MANAGER.to_string());
        add(&reg, &["staff", "add", "--code", "2", "--name", "Carl Cashier", "--role", "cashier", "--pin", "5678"]);
        reg.staff = Some(CASHIER.to_string());
        reg
    }

    /// The register's data directory.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The register's SQLite file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("register.sqlite")
    }

    /// A `till` command for this register (not yet run).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(till_bin());
        cmd.arg("--data-dir").arg(self.dir.path());
        if let Some(staff) = &self.staff
            && !args.contains(&"--staff")
        {
            cmd.arg("--staff").arg(staff);
        }
        cmd.args(args).env("TILL_NOW", &self.now).env_remove("TILL_DATA_DIR");
        cmd
    }

    /// Runs `till ARGS` for this register.
    pub fn till(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs `till --json ARGS`, expects success, and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.till(&all);
        assert!(
            out.status.success(),
            "till {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Rings up one varied sale on `reg` with what `next(n)` (a number below n) chooses:
/// several demo items and quantities, sometimes weighed cheese, an order discount, a
/// coupon; paid in cash, by card, or both. Returns the committed sale.
pub fn ring_random_sale(reg: &mut Register, next: &mut dyn FnMut(u64) -> u64) -> till_domain::SaleRecord {
    use rust_decimal::Decimal;
    use till_domain::{CardDetails, Cart, Discount, Money, Tender, TenderKind};
    let mut cart = Cart::new();
    for _ in 0..=next(6) {
        let code = DEMO_SKUS[next(DEMO_SKUS.len() as u64) as usize];
        reg.scan(&mut cart, code, Some(Decimal::from(next(3) + 1))).unwrap();
    }
    if next(4) == 0 {
        reg.scan(&mut cart, "GOUDA-KG", Some(Decimal::new(next(900) as i64 + 100, 3))).unwrap();
    }
    if next(5) == 0 {
        // Up to 10 %: a cashier may give that without a manager (the demo threshold).
        cart.discount_order(Discount::Percent(Decimal::from(next(10) + 1))).unwrap();
    }
    if next(6) == 0 {
        reg.apply_coupon(&mut cart, "WELCOME10").unwrap();
    }
    let total = reg.price(&cart).unwrap().total.amount();
    let cash = |amount: Decimal| Tender { kind: TenderKind::Cash, amount: Money::new(amount) };
    let card = |amount: Decimal| Tender {
        kind: TenderKind::Card(CardDetails::new("VISA", "4242", "T").unwrap()),
        amount: Money::new(amount),
    };
    let tenders = match next(3) {
        0 => vec![cash((total / Decimal::TEN).ceil() * Decimal::TEN + Decimal::TEN)],
        1 => vec![card(total)],
        _ => vec![card((total / Decimal::TWO).round_dp(2)), cash(total)],
    };
    reg.complete_sale(&cart, till_register::Settle::Tenders(&tenders), &mut till_register::Authority::setup()).unwrap()
}

/// Proptest settings for Till's property tests: `cases` by default (PROPTEST_CASES
/// overrides), a fixed seed so CI runs are repeatable (PROPTEST_RNG_SEED overrides), no
/// failure files in the repository.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let default = Config::default(); // reads PROPTEST_CASES and PROPTEST_RNG_SEED
    let set = |name: &str| std::env::var_os(name).is_some();
    Config {
        cases: if set("PROPTEST_CASES") { default.cases } else { cases },
        rng_seed: if set("PROPTEST_RNG_SEED") { default.rng_seed } else { RngSeed::Fixed(20_261_127) },
        failure_persistence: None,
        ..default
    }
}
