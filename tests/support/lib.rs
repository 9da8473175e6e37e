//! Helpers for the end-to-end tests: where the binaries are, the one register harness
//! ([`TempRegister`]), HQ, the chain and the WAN, and the demo catalog's items.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use till_register::{Clock, IdSource, Register};

pub mod chain;
pub mod display;
pub mod fleet;
pub mod hq;
pub mod peer;
pub mod pickup;
pub mod proxy;
pub mod python;
mod register;
pub mod scenario;
pub mod smtp;
pub mod webdriver;

pub use register::{TempRegister, copy_files};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `till` binary of this checkout (target/<profile>/till). Binaries are built once per
/// test process so a test never runs a stale one (`cargo test -p till-tests` alone would
/// not rebuild another package's binary); see [`built_bin`].
pub fn till_bin() -> PathBuf {
    built_bin("till")
}

/// The `till-hq` binary (in the same profile as the test).
pub fn till_hq_bin() -> PathBuf {
    built_bin("till-hq")
}

/// The desktop app's binary (`till-app`); its front end must be built
/// (`npm --prefix ui run build`; ./test does).
pub fn till_app_bin() -> PathBuf {
    built_bin("till-app")
}

/// target/<profile>/`name`, after one build of the whole workspace's binaries per test
/// process, features unified as `cargo test` unifies them: with `--tests`, as ./test's one
/// build and every `cargo test` run do (dev-dependencies switch features on), so it is a
/// no-op after them. A build of the binaries alone resolves other features and recompiled
/// the TLS crates and everything above them (~45 s and more), back and forth with every
/// `cargo test` after it; a `-p` build would compile Tauri again.
fn built_bin(name: &str) -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        // target/<profile>/deps/<test>-<hash> → target/<profile>
        let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let mut build = Command::new(env!("CARGO"));
        build.args(["build", "--quiet", "--workspace", "--bins", "--tests"]).current_dir(repo());
        // What cargo sets for this test process is not the build's: `ring`'s build script
        // reruns when CARGO_MANIFEST_DIR differs, and everything TLS-based after it (~45 s),
        // then again in the next `cargo test`.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("CARGO_MANIFEST_") || key.starts_with("CARGO_PKG_") || key == "CARGO_CRATE_NAME" {
                build.env_remove(&*key);
            }
        }
        if dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        assert!(build.status().unwrap().success(), "building the workspace's binaries failed");
        dir
    });
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

/// The demo staff: a manager and a cashier.
pub const MANAGER: &str = "1:1234";
/// The demo cashier.
pub const CASHIER: &str = "2:5678";

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A cash tender of `amount`: what the in-process tests pay with.
pub fn cash(amount: rust_decimal::Decimal) -> till_domain::Tender {
    till_domain::Tender { kind: till_domain::TenderKind::Cash, amount: till_domain::Money::new(amount) }
}

/// A whole number from environment variable `name` (a test's size or seed), `default`
/// when it is not set; a value that is not a whole number stops the test saying so.
pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text.parse().unwrap_or_else(|_| panic!("{name}={text:?} is not a whole number")),
        Err(_) => default,
    }
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
