//! Registers full of sales for the closing-time figures. Everything goes through the
//! public `till_register::Register` API, as the CLI does — a manager signs in, opens the
//! drawer with a float, scans items and completes sales, counts the drawer blind and
//! closes it with a Z report. Built with syncing off (`Durability::Off`) so a million
//! sales take minutes rather than hours, then reopened as a selling register
//! (`Register::open`, `synchronous=FULL`) before anything is timed. While a fixture is
//! rung, the time its sales take is kept per step of sales, so the report can show
//! whether a sale gets slower as the register's history grows.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use till_domain::{
    CardDetails, Cart, CashCount, Denominations, Money, SaleRecord, Tender, TenderKind, XReport, ZReport,
};
use till_register::{
    Authority, Clock, Count, Durability, FixedClock, IdSource, NewStaff, Register, Settle, StoreOptions,
};

use crate::generate::SplitMix64;
use crate::stats::human;
use crate::till_side::CONFIG;

/// The manager who rings, counts and closes in every fixture, as `CODE:PIN`.
const MANAGER: &str = "1:4821";
/// When the first fixture sale is rung.
const START: &str = "2026-01-05T08:00:00Z";
/// Seconds the clock moves on after each sale, so every sale has its own timestamp.
const SECONDS_PER_SALE: i64 = 7;
/// The float counted into the drawer at each opening: 150.00.
const FLOAT: &str = "50x2,20x2,10x1";
/// A sale has 1 to this many scans.
const MAX_SCANS: usize = 4;
/// Percent of sales paid by card; the rest pay cash, rounded up to 5.00, and get change.
const CARD_PERCENT: u64 = 60;
/// Cash is handed over in multiples of this many euros.
const CASH_STEP: i64 = 5;

/// Sale ids as a selling register makes them (time-ordered UUID v7, `RandomIds`), but
/// reproducible: the time is the fixture clock's, the random bits come from a seed. A
/// register's sale-id index then grows at its end as in a store, not at random places.
struct FixtureIds {
    clock: Arc<FixedClock>,
    rng: SplitMix64,
}

impl IdSource for FixtureIds {
    fn sale_id(&mut self) -> String {
        let millis = u64::try_from(self.clock.now().as_millisecond()).unwrap_or(0);
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
        random[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
    }
}

/// A register being filled with sales, and what it needs to go on selling.
pub struct SalesRegister {
    /// Its data directory.
    pub dir: PathBuf,
    register: Register,
    clock: Arc<FixedClock>,
    auth: Authority,
    codes: Vec<String>,
    rng: SplitMix64,
    eur: Denominations,
    seed: u64,
    /// Sales rung through this value (for progress and card references).
    rung: u64,
    /// Sales this fixture is meant to hold, for progress lines.
    planned: u64,
    /// When the first sale was rung.
    started: Instant,
    /// What is printed in front of progress lines.
    label: &'static str,
    /// Sales per step of the rate across the run (and per progress line).
    step: u64,
    /// Time spent selling (scan, price, `complete_sale`, `maintain`) in each finished step.
    steps: Vec<Duration>,
    /// Time spent selling so far in the step under way.
    selling: Duration,
}

/// A fixture's selling rate across its run: how long each step of `step` sales took.
#[derive(Debug, Clone)]
pub struct RateAcross {
    /// Sales per step.
    pub step: u64,
    /// Time spent selling in each step, in order.
    pub steps: Vec<Duration>,
}

impl SalesRegister {
    /// Creates a register in `dir` with the benchmark configuration, imports the catalog
    /// at `csv` (whose sellable barcodes are `codes`), adds a manager and signs them in.
    /// The register is open with syncing off until [`SalesRegister::reopen_durable`].
    pub fn create(
        dir: &Path,
        csv: &Path,
        codes: Vec<String>,
        seed: u64,
        planned: u64,
        label: &'static str,
    ) -> Result<SalesRegister> {
        ensure!(!codes.is_empty(), "the fixture catalog has nothing for sale");
        Register::init(dir, CONFIG, "bench.toml")
            .with_context(|| format!("cannot create a register in {}", dir.display()))?;
        let start: Timestamp = START.parse().context("bad fixture start time")?;
        let clock = Arc::new(FixedClock::new(start));
        let fast = StoreOptions { vfs: None, durability: Durability::Off };
        let ids = Box::new(FixtureIds { clock: clock.clone(), rng: SplitMix64::new(seed) });
        let mut register = Register::open_with(dir, &fast, clock.clone(), ids)
            .with_context(|| format!("cannot open the register in {}", dir.display()))?;
        let report =
            register.import_catalog(csv, &mut |_| {}).with_context(|| format!("cannot import {}", csv.display()))?;
        ensure!(report.rejected.is_empty(), "the fixture catalog import rejected {} rows", report.rejected.len());
        let (code, pin) = MANAGER.split_once(':').context("bad manager credentials")?;
        let manager = NewStaff { code, name: "Bench Manager", role: "manager", pin };
        register.add_staff(&mut Authority::setup(), &manager).context("cannot add the manager")?;
        let auth = register.authority(Some(MANAGER), &[]).context("the manager cannot sign in")?;
        let eur = Denominations::for_currency("EUR").context("no EUR denominations")?;
        Ok(SalesRegister {
            dir: dir.to_path_buf(),
            register,
            clock,
            auth,
            codes,
            rng: SplitMix64::new(seed ^ 0x5A1E_5A1E),
            eur,
            seed,
            rung: 0,
            planned,
            started: Instant::now(),
            label,
            step: (planned / 20).max(1000),
            steps: Vec::new(),
            selling: Duration::ZERO,
        })
    }

    /// Closes the fast connection and opens the register as a selling register does
    /// (`Register::open`: `synchronous=FULL`), for the timed part.
    pub fn reopen_durable(mut self) -> Result<SalesRegister> {
        let dir = self.dir.clone();
        drop(self.register);
        // A different seed: the fast connection's id source must not be replayed.
        let ids = Box::new(FixtureIds { clock: self.clock.clone(), rng: SplitMix64::new(self.seed ^ 0x00D0_AB1E) });
        self.register = Register::open(&dir, self.clock.clone(), ids)
            .with_context(|| format!("cannot reopen the register in {}", dir.display()))?;
        Ok(self)
    }

    /// The signed-in manager's authority.
    pub fn authority(&self) -> &Authority {
        &self.auth
    }

    /// The register.
    pub fn register(&self) -> &Register {
        &self.register
    }

    /// Opens the drawer with the float.
    pub fn open_drawer(&mut self) -> Result<u64> {
        let float = self.eur.parse_count(FLOAT).map_err(anyhow::Error::msg).context("bad float")?;
        self.register.open_drawer_session(&self.auth, &float).context("cannot open the drawer")
    }

    /// Rings `n` sales through scan + complete_sale, then `maintain` as the CLI does after
    /// each receipt, calling `each` (untimed) with every committed sale.
    pub fn ring(&mut self, n: u64, each: &mut dyn FnMut(&SaleRecord) -> Result<()>) -> Result<()> {
        for _ in 0..n {
            let start = Instant::now();
            let sale = self.sell_one()?;
            self.selling += start.elapsed();
            each(&sale)?;
            self.rung += 1;
            if self.rung.is_multiple_of(self.step) {
                let step = std::mem::take(&mut self.selling);
                self.steps.push(step);
                let elapsed = self.started.elapsed();
                eprintln!(
                    "  {}: {} / {} sales, {} ({:.0} sales/s; this step {:.0} sales/s)",
                    self.label,
                    self.rung,
                    self.planned,
                    human(elapsed),
                    self.rung as f64 / elapsed.as_secs_f64(),
                    self.step as f64 / step.as_secs_f64()
                );
            }
        }
        Ok(())
    }

    /// The selling rate across the run so far, per finished step.
    pub fn rate(&self) -> RateAcross {
        RateAcross { step: self.step, steps: self.steps.clone() }
    }

    /// Completes `cart` paid with `tenders` and returns the sale with how long
    /// `complete_sale` took (the durable commit as the cashier waits for it); the clock
    /// moves on as after every fixture sale.
    pub fn timed_sale(&mut self, cart: &Cart, tenders: &[Tender]) -> Result<(SaleRecord, Duration)> {
        let start = Instant::now();
        let sale = self.register.complete_sale(cart, Settle::Tenders(tenders), &mut self.auth);
        let elapsed = start.elapsed();
        self.clock.advance(SignedDuration::from_secs(SECONDS_PER_SALE));
        Ok((sale.context("cannot complete a fixture sale")?, elapsed))
    }

    /// The register's housekeeping, as the CLI runs it after each receipt.
    pub fn maintain(&mut self) -> Result<()> {
        self.register.maintain().context("cannot run the register's housekeeping")
    }

    /// A cart of `lines` random scans from the fixture catalog.
    pub fn random_cart(&mut self, lines: usize) -> Result<Cart> {
        let mut cart = Cart::new();
        for _ in 0..lines {
            let code = self.rng.pick(&self.codes);
            self.register.scan(&mut cart, code, None).with_context(|| format!("cannot scan {code}"))?;
        }
        Ok(cart)
    }

    /// One sale of 1–4 random scans, paid by card (exact) or cash (change given).
    fn sell_one(&mut self) -> Result<SaleRecord> {
        let scans = 1 + self.rng.index(MAX_SCANS);
        let cart = self.random_cart(scans)?;
        let total = self.register.price(&cart).context("cannot price the cart")?.total;
        let tender = if self.rng.chance(CARD_PERCENT) {
            let card = CardDetails::new("VISA", "4242", &format!("T-{:07}", self.rung)).context("bad card details")?;
            Tender { kind: TenderKind::Card(card), amount: total }
        } else {
            let step = Decimal::from(CASH_STEP);
            Tender { kind: TenderKind::Cash, amount: Money::new((total.amount() / step).ceil() * step) }
        };
        let (sale, _) = self.timed_sale(&cart, &[tender])?;
        self.maintain()?;
        Ok(sale)
    }

    /// The X report of the open session.
    pub fn x_report(&self) -> Result<XReport> {
        self.register.x_report(&self.auth).context("cannot make the X report")
    }

    /// The blind count: what the drawer and the card terminal hold, counted exactly (here
    /// read off the X report, so the close balances and needs no approval).
    pub fn blind_count(&mut self) -> Result<()> {
        let x = self.x_report()?;
        let count = exact_count(&x.expected, &self.eur)?;
        self.register.count_drawer(&self.auth, &count).context("cannot record the blind count")
    }

    /// Closes the open session with its Z report (after [`SalesRegister::blind_count`]).
    pub fn close(&mut self) -> Result<ZReport> {
        self.register.close_drawer_session(&mut self.auth, None).context("cannot close the drawer with a Z report")
    }

    /// Counts and closes the open session.
    pub fn count_and_close(&mut self) -> Result<ZReport> {
        self.blind_count()?;
        self.close()
    }

    /// Journal records so far.
    pub fn journal_records(&self) -> Result<u64> {
        Ok(self.x_report()?.journal_records)
    }

    /// Sales rung so far.
    pub fn rung(&self) -> u64 {
        self.rung
    }

    /// How long ringing has taken so far.
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

/// A count equal to what is expected: cash by denomination (largest first), the other
/// tenders as amounts.
fn exact_count(expected: &[(String, Money)], eur: &Denominations) -> Result<Count> {
    let mut count = Count::default();
    for (tender, amount) in expected {
        if tender != "cash" {
            count.others.push((tender.clone(), *amount));
            continue;
        }
        let mut left = amount.amount();
        ensure!(!left.is_sign_negative(), "the drawer should hold {amount}, less than nothing");
        let mut cash = CashCount::default();
        for &value in eur.values() {
            let pieces = (left / value).floor();
            if pieces > Decimal::ZERO {
                let n = pieces.to_u32().with_context(|| format!("{pieces} pieces of {value} do not fit a count"))?;
                cash.entries.push((value, n));
                left -= value * pieces;
            }
        }
        if !left.is_zero() {
            bail!("{amount} cannot be counted in euro notes and coins ({left} left)");
        }
        count.cash = cash;
    }
    Ok(count)
}
