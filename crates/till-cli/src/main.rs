//! `till`: the register without a screen. Scripts, tests and the demo use it; it calls
//! the register service and holds no business rule of its own.

mod json;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use std::io::Write as _;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;
use serde_json::json;
use till_domain::{CardDetails, Cart, CartError, LineId, MoneyError, QuantityError, Tender, TenderError, TenderKind};
use till_register::{Clock, Copy, FixedClock, RandomIds, Register, RegisterError, SystemClock, parse_discount};

/// Exit status when an import committed but some rows were rejected.
const EXIT_ROWS_REJECTED: u8 = 3;

/// Till, the offline-first register, from the command line.
#[derive(Parser)]
#[command(name = "till", version, about, long_about = None)]
struct Cli {
    /// The register's data directory [default: $TILL_DATA_DIR, else the platform's app-data directory]
    #[arg(long, global = true, env = "TILL_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Print machine-readable JSON (decimals as strings) instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a register from a store configuration (TOML).
    Init {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Catalog maintenance.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Show the item a barcode or SKU rings up as.
    Lookup {
        /// Barcode or SKU.
        code: String,
    },
    /// Search the catalog.
    Search {
        /// Words to find (each matches the start of a word).
        text: String,
        /// Most results to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Ring up a whole sale in one go; prints the receipt only after the durable commit.
    Sale(SaleArgs),
    /// List parked carts.
    Parked,
    /// The fiscal journal.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Receipts.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Stock on hand of a SKU at this register's location.
    Stock {
        /// The SKU.
        sku: String,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import a Shopify product CSV export (.csv) or Till JSON lines (.jsonl). Bad rows are
    /// listed with their line and skipped; exit status 3 when any were.
    Import {
        /// The catalog file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum JournalCommand {
    /// Check the hash chain, the grand total and every sale against its record; exits
    /// non-zero naming the first bad record.
    Verify,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Sales, tax per rate and tenders so far (resets nothing).
    X,
}

#[derive(Subcommand)]
enum ReceiptCommand {
    /// Print a receipt as text.
    Show {
        /// Receipt number (R1-000042 or 42).
        number: String,
        /// Mark the copy as a DUPLICATE.
        #[arg(long)]
        duplicate: bool,
    },
}

#[derive(Args)]
struct SaleArgs {
    /// Barcode or SKU, optionally with a quantity or weight: CODE, CODE*3, CODE*1.235
    #[arg(long = "scan", value_name = "CODE[*QTY]")]
    scans: Vec<String>,
    /// Payment: cash:AMOUNT, card:AMOUNT[:BRAND:LAST4[:REFERENCE]], or NAME:AMOUNT for a custom tender
    #[arg(long = "tender", value_name = "KIND:AMOUNT")]
    tenders: Vec<String>,
    /// Change a line's quantity: LINE:QTY
    #[arg(long = "quantity", value_name = "LINE:QTY")]
    quantities: Vec<String>,
    /// Void a line (it stays numbered but is not sold): LINE
    #[arg(long = "void", value_name = "LINE")]
    voids: Vec<String>,
    /// Discount on the order (10% or 2.50) or on one line (LINE:10%, LINE:2.50)
    #[arg(long = "discount", value_name = "[LINE:]AMOUNT|PCT%")]
    discounts: Vec<String>,
    /// Price override on a line, which needs permission: LINE:PRICE[:REASON]
    #[arg(long = "price", value_name = "LINE:PRICE[:REASON]")]
    overrides: Vec<String>,
    /// Coupon code.
    #[arg(long = "coupon", value_name = "CODE")]
    coupons: Vec<String>,
    /// Park the cart under this label instead of completing the sale.
    #[arg(long, value_name = "LABEL", conflicts_with = "tenders")]
    park: Option<String>,
    /// Start from parked cart ID (see `till parked`).
    #[arg(long, value_name = "ID")]
    resume: Option<u64>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TILL_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            if cli.json {
                write_out(&json!({"error": {"code": error_code(&e), "message": format!("{e:#}")}}).to_string());
                write_out("\n");
            }
            // Nothing to do if stderr is gone too.
            let _ = writeln!(std::io::stderr(), "till: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A malformed flag or argument (error code `input`).
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(Usage(message))
}

/// A stable code per kind of failure, for scripts: the first cause that has one.
fn error_code(e: &anyhow::Error) -> &'static str {
    for cause in e.chain() {
        if let Some(r) = cause.downcast_ref::<RegisterError>() {
            return register_error_code(r);
        }
        if cause.is::<Usage>() {
            return "input";
        }
        if let Some(t) = cause.downcast_ref::<TenderError>() {
            return if matches!(t, TenderError::Underpaid { .. }) { "underpaid" } else { "tender" };
        }
        if cause.is::<CartError>() || cause.is::<QuantityError>() {
            return "cart";
        }
        if cause.is::<MoneyError>() {
            return "amount";
        }
        if cause.is::<std::io::Error>() {
            return "io";
        }
    }
    "error"
}

fn register_error_code(e: &RegisterError) -> &'static str {
    match e {
        RegisterError::Config(_) => "config",
        RegisterError::Store(_) => "store",
        RegisterError::Import(_) => "import",
        RegisterError::Io { .. } => "io",
        RegisterError::UnknownCode(_) => "unknown_code",
        RegisterError::NotForSale { .. } => "not_for_sale",
        RegisterError::Cart(_) | RegisterError::Quantity(_) => "cart",
        RegisterError::Tender(till_domain::TenderError::Underpaid { .. }) => "underpaid",
        RegisterError::Tender(_) => "tender",
        RegisterError::Pricing(_) | RegisterError::Money(_) => "amount",
        RegisterError::EmptyCart => "empty_cart",
        RegisterError::UnknownCoupon(_) => "unknown_coupon",
        RegisterError::ReceiptNotFound(_) => "receipt_not_found",
        RegisterError::Input(_) => "input",
    }
}

fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    let dirs = directories::ProjectDirs::from("", "", "till")
        .context("cannot find the platform's application-data directory; pass --data-dir or set TILL_DATA_DIR")?;
    Ok(dirs.data_dir().to_path_buf())
}

/// The clock: the system's, unless `TILL_NOW` (RFC 3339) pins it — a hook for
/// reproducible tests and demos, never set on a real register.
fn clock() -> Result<Arc<dyn Clock>> {
    match std::env::var("TILL_NOW") {
        Ok(text) => {
            let at = text.parse().with_context(|| format!("TILL_NOW='{text}' is not an RFC 3339 timestamp"))?;
            Ok(Arc::new(FixedClock::new(at)))
        }
        Err(_) => Ok(Arc::new(SystemClock)),
    }
}

fn open(dir: &Path) -> Result<Register> {
    Ok(Register::open(dir, clock()?, Box::new(RandomIds))?)
}

/// Writes to stdout. A closed or full stdout must not turn a committed sale into a
/// failure (a script would retry and sell twice), so write errors are logged, not raised.
fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!("could not write the output: {e}");
    }
}

fn print(cli: &Cli, value: serde_json::Value, text: impl FnOnce() -> String) {
    if cli.json {
        write_out(&format!("{value}\n"));
    } else {
        write_out(&text());
    }
}

fn run(cli: &Cli) -> Result<ExitCode> {
    let dir = data_dir(cli)?;
    match &cli.command {
        Command::Init { config } => {
            let text = std::fs::read_to_string(config).with_context(|| format!("cannot read {}", config.display()))?;
            let path = Register::init(&dir, &text, &config.display().to_string())?;
            let reg = open(&dir)?;
            let c = reg.config();
            print(
                cli,
                json!({"store": c.store, "register": c.register, "database": path.display().to_string()}),
                || format!("Created register {} of store {} in {}\n", c.register, c.store, dir.display()),
            );
        }
        Command::Catalog(CatalogCommand::Import { file }) => {
            let mut reg = open(&dir)?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({eta})")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            if cli.json {
                bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            }
            let report = reg.import_catalog(file, &mut |p| {
                bar.set_length(p.bytes_total);
                bar.set_position(p.bytes_read);
            })?;
            bar.finish_and_clear();
            print(cli, json::import(&report), || {
                let mut out = format!(
                    "Imported {} products ({} variants), {} prices, {} promotions from {}{}\n",
                    report.products,
                    report.variants,
                    report.prices,
                    report.promotions,
                    file.display(),
                    if report.skipped > 0 {
                        format!("; {} rows carried no data", report.skipped)
                    } else {
                        String::new()
                    }
                );
                for w in &report.warnings {
                    out.push_str(&format!("warning: {}: {w}\n", file.display()));
                }
                if !report.rejected.is_empty() {
                    out.push_str(&format!("{} rows were not imported:\n", report.rejected.len()));
                    for e in &report.rejected {
                        out.push_str(&format!("  {}: {e}\n", file.display()));
                    }
                }
                out
            });
            if !report.rejected.is_empty() {
                return Ok(ExitCode::from(EXIT_ROWS_REJECTED));
            }
        }
        Command::Lookup { code } => {
            let reg = open(&dir)?;
            let item = reg.lookup(code)?;
            print(cli, json::item(&item), || {
                format!(
                    "{}  {}  {} {}/{}  tax {} ({}%)\n",
                    item.sku,
                    item.name,
                    item.price,
                    reg.config().currency.code(),
                    item.unit.as_str(),
                    item.tax_class.name,
                    item.tax_class.rate.normalize()
                )
            });
        }
        Command::Search { text, limit } => {
            let reg = open(&dir)?;
            let items = reg.search(text, *limit)?;
            print(cli, json!(items.iter().map(json::item).collect::<Vec<_>>()), || {
                items.iter().map(|i| format!("{:<20} {:<50} {:>10}\n", i.sku, i.name, i.price)).collect()
            });
        }
        Command::Sale(args) => sale(cli, &dir, args)?,
        Command::Parked => {
            let reg = open(&dir)?;
            let carts = reg.parked()?;
            print(
                cli,
                json!(
                    carts
                        .iter()
                        .map(|c| json!({"id": c.id, "label": c.label, "parked_at": c.parked_at}))
                        .collect::<Vec<_>>()
                ),
                || carts.iter().map(|c| format!("{:>4}  {}  {}\n", c.id, c.parked_at, c.label)).collect(),
            );
        }
        Command::Journal(JournalCommand::Verify) => {
            let reg = open(&dir)?;
            let report = reg.verify_journal()?;
            print(cli, json::journal(&report), || match &report.problem {
                None => format!("Journal OK: {} records, grand total {}\n", report.records, report.grand_total),
                Some(p) => format!("Journal BROKEN at {p}\n"),
            });
            if let Some(p) = &report.problem {
                if !cli.json {
                    let _ = writeln!(std::io::stderr(), "till: error: journal verification failed at {p}");
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Report(ReportCommand::X) => {
            let reg = open(&dir)?;
            let report = reg.x_report()?;
            print(cli, json::x_report(&report), || reg.x_report_text(&report));
        }
        Command::Receipt(ReceiptCommand::Show { number, duplicate }) => {
            let reg = open(&dir)?;
            let sale = reg.receipt(number)?;
            let copy = if *duplicate { Copy::Duplicate } else { Copy::Original };
            print(cli, json::sale(&sale), || reg.receipt_text(&sale, copy));
        }
        Command::Stock { sku } => {
            let reg = open(&dir)?;
            let qty = reg.stock(sku)?;
            print(cli, json!({"sku": sku, "location": reg.config().location, "quantity": qty.to_string()}), || {
                format!("{sku} at {}: {qty}\n", reg.config().location)
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sale(cli: &Cli, dir: &Path, args: &SaleArgs) -> Result<()> {
    let mut reg = open(dir)?;
    let mut cart = match args.resume {
        Some(id) => reg.resume(id)?,
        None => Cart::new(),
    };
    for scan in &args.scans {
        let (code, qty) = match scan.rsplit_once('*') {
            Some((code, qty)) => {
                let q = Decimal::from_str_exact(qty.trim())
                    .map_err(|_| usage(format!("--scan {scan}: '{qty}' is not a quantity")))?;
                (code, Some(q))
            }
            None => (scan.as_str(), None),
        };
        reg.scan(&mut cart, code, qty).with_context(|| format!("--scan {scan}"))?;
    }
    for q in &args.quantities {
        let (line, qty) = q.split_once(':').ok_or_else(|| usage(format!("--quantity {q}: expected LINE:QTY")))?;
        let qty = Decimal::from_str_exact(qty.trim())
            .map_err(|_| usage(format!("--quantity {q}: '{qty}' is not a quantity")))?;
        cart.set_quantity(line_id(line, "--quantity", q)?, qty).with_context(|| format!("--quantity {q}"))?;
    }
    for v in &args.voids {
        cart.void_line(line_id(v, "--void", v)?).with_context(|| format!("--void {v}"))?;
    }
    for d in &args.discounts {
        match d.split_once(':') {
            Some((line, value)) => {
                let line = line_id(line, "--discount", d)?;
                let discount = parse_discount(value, &reg).with_context(|| format!("--discount {d}"))?;
                cart.discount_line(line, discount).with_context(|| format!("--discount {d}"))?;
            }
            None => {
                let discount = parse_discount(d, &reg).with_context(|| format!("--discount {d}"))?;
                cart.discount_order(discount).with_context(|| format!("--discount {d}"))?;
            }
        }
    }
    for o in &args.overrides {
        let mut parts = o.splitn(3, ':');
        let line = line_id(parts.next().unwrap_or(""), "--price", o)?;
        let price =
            reg.config().currency.parse_amount(parts.next().unwrap_or("")).with_context(|| format!("--price {o}"))?;
        cart.override_price(line, price, parts.next().unwrap_or("")).with_context(|| format!("--price {o}"))?;
    }
    for c in &args.coupons {
        reg.apply_coupon(&mut cart, c)?;
    }
    if let Some(label) = &args.park {
        let id = reg.park(&cart, label)?;
        print(cli, json!({"parked": id, "label": label}), || format!("Parked cart {id} ({label})\n"));
        return Ok(());
    }
    let tenders = args.tenders.iter().map(|t| tender(&reg, t)).collect::<Result<Vec<_>>>()?;
    let sale = reg.complete_sale(&cart, &tenders)?;
    print(cli, json::sale(&sale), || reg.receipt_text(&sale, Copy::Original));
    // The sale is committed and its receipt out; housekeeping now costs the customer nothing.
    if let Err(e) = reg.maintain() {
        tracing::warn!("checkpoint after the sale failed (the sale is safe): {e}");
    }
    Ok(())
}

fn line_id(text: &str, flag: &str, whole: &str) -> Result<LineId> {
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(LineId(n)),
        _ => Err(usage(format!("{flag} {whole}: '{text}' is not a line number"))),
    }
}

/// Reads `cash:20`, `card:12.34[:BRAND:LAST4[:REF]]` or `NAME:AMOUNT`.
fn tender(reg: &Register, text: &str) -> Result<Tender> {
    let parts: Vec<&str> = text.split(':').collect();
    let [kind, amount, rest @ ..] = parts.as_slice() else {
        return Err(usage(format!("--tender {text}: expected KIND:AMOUNT, e.g. cash:20 or card:12.34")));
    };
    let amount = reg.config().currency.parse_amount(amount).with_context(|| format!("--tender {text}"))?;
    let kind = match (kind.to_ascii_lowercase().as_str(), rest) {
        ("cash", []) => TenderKind::Cash,
        ("card", [brand, last4, reference @ ..]) if reference.len() <= 1 => TenderKind::Card(
            CardDetails::new(brand, last4, reference.first().copied().unwrap_or(""))
                .with_context(|| format!("--tender {text}"))?,
        ),
        ("card", []) => TenderKind::Card(CardDetails::new("", "", "")?),
        (name, []) if reg.config().custom_tenders.iter().any(|t| t.eq_ignore_ascii_case(name)) => {
            TenderKind::Custom(name.to_string())
        }
        _ => {
            let custom = &reg.config().custom_tenders;
            let others = if custom.is_empty() { String::new() } else { format!(" or one of {}", custom.join(", ")) };
            return Err(usage(format!(
                "--tender {text}: unknown tender; use cash:AMOUNT, card:AMOUNT[:BRAND:LAST4[:REF]]{others}"
            )));
        }
    };
    Ok(Tender { kind, amount })
}
