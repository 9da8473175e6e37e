//! The register service: one API over the checkout core, the SQLite store and, as they
//! arrive, sync and devices. The `till` CLI, the desktop app and the tests all call it.
//!
//! Architecture invariant: callers hold no business rule. Everything a sale needs —
//! lookups, pricing, settlement, the durable commit, receipts and reports — goes through
//! [`Register`]. Time and ids come in through [`Clock`] and [`IdSource`].

mod aisle;
mod auth;
mod barcode;
mod boris;
mod clock;
mod config;
mod devices;
mod drawer;
mod export;
mod import;
mod mail;
mod parked;
mod pickup;
mod print;
mod returns;
mod sale;
mod sync;
mod worker;
pub mod zreport;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_decimal::Decimal;
use till_domain::pickup::PickupError;
use till_domain::{
    Cart, CartError, Item, LineId, MoneyError, PricedCart, PricingContext, PricingError, Promotion, Quantity,
    QuantityError, SaleRecord, TenderError, Unit, XReport, price_cart,
};
use till_domain::{PermissionError, Role};
use till_import::ImportError;
use till_store::{Store, StoredVariant};
use till_token::TokenError;

pub use aisle::{AisleDelivery, AisleItem};
pub use auth::{Authority, LOCK_AFTER, NewStaff, Operator, StaffChange, split_credentials};
pub use barcode::{Scanned, parse_barcode_standalone};
pub use boris::{OnlineLine, OnlineOrder, OnlineRefund};
pub use clock::{Clock, FixedClock, IdSource, RandomIds, SeededIds, SystemClock};
pub use config::{
    ConfigError, DisplayConfig, MailConfig, PrinterConfig, RegisterConfig, ScaleConfig, ScannerConfig, SmtpSecurity,
    Thresholds,
};
pub use drawer::{Count, DrawerMove};
pub use export::{ExportFormat, JournalExport};
pub use import::{ImportProgress, ImportReport};
pub use mail::{MailRound, ready_message};
pub use parked::{discount_text, parse_discount};
pub use pickup::{ONLINE_TENDER, VerifiedPickup};
pub use print::PrintRound;
pub use returns::{RefundMethod, ReturnPick, ReturnRequest};
pub use sale::Settle;
pub use till_barcode::{Barcode, BarcodeError};
pub use till_printer::{Profile as PrinterProfile, profiles as printer_profiles};
pub use till_receipt::Copy;
pub use till_store::{
    COMPACT_AFTER, Durability, JournalReport, MailJob, OutboxOrder, ParkedCart, StoreError, StoreOptions,
};
pub use till_sync::wire::StoreConflict;
pub use till_sync::{SyncError, SyncReport, SyncStatus};
pub use worker::{SyncEvent, SyncWorker, WorkerTiming, backoff};

/// The register database's file name inside the data directory.
pub const DATABASE_FILE: &str = "register.sqlite";

/// What went wrong, in words a cashier or a script can act on.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A catalog file could not be imported at all.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        error: std::io::Error,
    },
    /// No item has this barcode or SKU.
    #[error("unknown barcode or SKU '{0}'")]
    UnknownCode(String),
    /// The item exists but cannot be sold.
    #[error("{sku} ({name}) is not for sale: {reason}")]
    NotForSale {
        /// The SKU.
        sku: String,
        /// Its name.
        name: String,
        /// Why.
        reason: String,
    },
    /// A cart operation was refused.
    #[error(transparent)]
    Cart(#[from] CartError),
    /// A quantity was refused.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// The tenders do not settle the sale.
    #[error(transparent)]
    Tender(#[from] TenderError),
    /// Pricing failed.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// An amount was refused.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// Nothing to sell.
    #[error("the cart is empty")]
    EmptyCart,
    /// A coupon code no promotion uses.
    #[error("coupon '{0}' is not valid")]
    UnknownCoupon(String),
    /// No such receipt.
    #[error("no receipt {0} on this register")]
    ReceiptNotFound(String),
    /// Input the caller passed is malformed.
    #[error("{0}")]
    Input(String),
    /// Signing in failed (unknown staff, wrong PIN, locked account, none given).
    #[error("{0}")]
    SignIn(String),
    /// The permission matrix refused the action.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// The return rules refuse the return.
    #[error("return refused: {0}")]
    ReturnRefused(String),
    /// Too little disk space to sell safely.
    #[error("{0}")]
    DiskFull(String),
    /// Syncing with HQ or a peer failed.
    #[error(transparent)]
    Sync(#[from] till_sync::SyncError),
    /// The scale gave no usable weight.
    #[error(transparent)]
    Scale(#[from] till_devices::ScaleError),
    /// A pickup step the order does not allow.
    #[error(transparent)]
    Pickup(#[from] till_domain::pickup::PickupError),
    /// A pickup token was refused.
    #[error(transparent)]
    Token(#[from] till_token::TokenError),
}

/// An open register: its store, configuration, promotions, clock and id source.
pub struct Register {
    store: Store,
    config: RegisterConfig,
    promotions: Vec<Promotion>,
    clock: Arc<dyn Clock>,
    ids: Box<dyn IdSource>,
    /// The HQ catalog version in use (from settings; `None` for a local catalog).
    catalog_version: Option<String>,
    /// The data directory (relative device files such as the logo are found in it).
    dir: PathBuf,
    /// The receipt logo as last decoded: its file, the width it was scaled to, the image.
    logo: std::cell::RefCell<Option<(PathBuf, u16, Arc<till_printer::Logo>)>>,
    /// The customer display's connection, kept between updates.
    display: std::cell::RefCell<Option<Box<dyn till_devices::CustomerDisplay>>>,
}

impl RegisterError {
    /// A short, stable name for the kind of failure (what the CLI prints as `code` and the
    /// app's screen reacts to: `permission` asks for a manager, `underpaid`…).
    pub fn code(&self) -> &'static str {
        match self {
            RegisterError::Config(_) => "config",
            RegisterError::Store(StoreError::DiskFull(_)) | RegisterError::DiskFull(_) => "disk_full",
            RegisterError::Store(StoreError::DiskIo(_)) => "disk_io",
            RegisterError::Store(_) => "store",
            RegisterError::Import(_) => "import",
            RegisterError::Io { .. } => "io",
            RegisterError::UnknownCode(_) => "unknown_code",
            RegisterError::NotForSale { .. } => "not_for_sale",
            RegisterError::Cart(_) | RegisterError::Quantity(_) => "cart",
            RegisterError::Tender(TenderError::Underpaid { .. }) => "underpaid",
            RegisterError::Tender(_) => "tender",
            RegisterError::Pricing(_) | RegisterError::Money(_) => "amount",
            RegisterError::EmptyCart => "empty_cart",
            RegisterError::UnknownCoupon(_) => "unknown_coupon",
            RegisterError::ReceiptNotFound(_) => "receipt_not_found",
            RegisterError::Input(_) => "input",
            RegisterError::SignIn(_) => "sign_in",
            RegisterError::Permission(_) => "permission",
            RegisterError::ReturnRefused(_) => "return_refused",
            RegisterError::Sync(SyncError::NotEnrolled) => "not_enrolled",
            RegisterError::Sync(s) if s.is_offline() => "offline",
            RegisterError::Sync(_) => "sync",
            RegisterError::Scale(_) => "scale",
            RegisterError::Pickup(PickupError::NothingLeft { .. }) => "token_used",
            RegisterError::Pickup(_) => "pickup",
            RegisterError::Token(TokenError::Forged) => "token_forged",
            RegisterError::Token(TokenError::Expired { .. }) => "token_expired",
            RegisterError::Token(TokenError::OtherStore { .. }) => "token_other_store",
            RegisterError::Token(_) => "token_malformed",
        }
    }
}

/// The platform's data directory for a register (`~/.local/share/till` on Linux), for
/// front ends given no `--data-dir` or `TILL_DATA_DIR`.
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "till").map(|d| d.data_dir().to_path_buf())
}

/// The clock: the system's, unless `TILL_NOW` (RFC 3339) pins it — a hook for
/// reproducible tests and demos, never set on a real register.
pub fn clock_from_env() -> Result<Arc<dyn Clock>, RegisterError> {
    match std::env::var("TILL_NOW") {
        Ok(text) => {
            let at = text
                .parse()
                .map_err(|e| RegisterError::Input(format!("TILL_NOW='{text}' is not an RFC 3339 timestamp: {e}")))?;
            Ok(Arc::new(FixedClock::new(at)))
        }
        Err(_) => Ok(Arc::new(SystemClock)),
    }
}

/// Setting under which the configuration text is kept in the database.
const CONFIG_KEY: &str = "config";

impl Register {
    /// Creates a register in `dir` from configuration text (`source` names it in errors).
    pub fn init(dir: &Path, config_text: &str, source: &str) -> Result<PathBuf, RegisterError> {
        RegisterConfig::parse(config_text, source)?;
        std::fs::create_dir_all(dir).map_err(|error| RegisterError::Io { path: dir.display().to_string(), error })?;
        let path = dir.join(DATABASE_FILE);
        let mut store = Store::create(&path)?;
        store.set_setting(CONFIG_KEY, config_text)?;
        for role in Role::defaults() {
            store.put_role(&role, None)?;
        }
        Ok(path)
    }

    /// Opens the register in `dir`.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>, ids: Box<dyn IdSource>) -> Result<Register, RegisterError> {
        Register::open_with(dir, &StoreOptions::default(), clock, ids)
    }

    /// Opens the register in `dir` with explicit store options: a fault-injecting VFS for
    /// the crash harnesses, or no syncing for benchmark fixtures (see [`StoreOptions`]).
    pub fn open_with(
        dir: &Path,
        options: &StoreOptions,
        clock: Arc<dyn Clock>,
        ids: Box<dyn IdSource>,
    ) -> Result<Register, RegisterError> {
        let mut store = Store::open_with(&dir.join(DATABASE_FILE), options)?;
        let text = store.setting(CONFIG_KEY)?.ok_or_else(|| {
            RegisterError::Input(format!("{} has no configuration; recreate it with `till init`", dir.display()))
        })?;
        let config = RegisterConfig::parse(&text, "stored configuration")?;
        let promotions = store.promotions()?;
        store.replicate_as(till_store::ReplicaIdentity {
            store: config.store.clone(),
            register: config.register.clone(),
            timezone: config.timezone.clone(),
        })?;
        let catalog_version = store.setting(sync::CATALOG_VERSION)?;
        Ok(Register {
            store,
            config,
            promotions,
            clock,
            ids,
            catalog_version,
            dir: dir.to_path_buf(),
            logo: std::cell::RefCell::new(None),
            display: std::cell::RefCell::new(None),
        })
    }

    /// The register's store, for a service that takes it over (the peer server).
    pub fn into_store(self) -> Store {
        self.store
    }

    /// The configuration.
    pub fn config(&self) -> &RegisterConfig {
        &self.config
    }

    /// The clock the register reads.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Finds the item for a scanned barcode or typed SKU.
    ///
    /// Tries the exact barcode, then the same GTIN written with or without leading zeros
    /// (a UPC-A scanned as EAN-13 and back), then the SKU.
    pub fn lookup(&self, code: &str) -> Result<Item, RegisterError> {
        let code = code.trim();
        for candidate in std::iter::once(code.to_string()).chain(gtin_alternatives(code)) {
            if let Some(variant) = self.store.variant_by_barcode(&candidate)? {
                return self.item(variant);
            }
        }
        let variant = self.store.variant_by_sku(code)?.ok_or_else(|| RegisterError::UnknownCode(code.to_string()))?;
        self.item(variant)
    }

    /// Makes a sellable item of a stored variant: tax class resolved, price in force now.
    fn item(&self, v: StoredVariant) -> Result<Item, RegisterError> {
        if !v.active {
            return Err(RegisterError::NotForSale {
                sku: v.sku,
                name: v.name,
                reason: "the product is draft or archived".into(),
            });
        }
        let Some(tax_class) = self.config.tax_class(&v.tax_class).cloned() else {
            let reason = format!("its tax class '{}' is not configured on this register", v.tax_class);
            return Err(RegisterError::NotForSale { sku: v.sku, name: v.name, reason });
        };
        let (price, price_source) =
            till_domain::catalog::resolve_price(v.price, &v.prices, &self.config.sales_context, self.clock.now());
        Ok(Item {
            sku: v.sku,
            name: v.name,
            category: v.category,
            price,
            price_source,
            cost: v.cost,
            unit: v.unit,
            tax_class,
            components: v.components,
        })
    }

    /// Catalog search for the sell screen. Items that cannot be sold (draft or archived, or
    /// with a tax class this register does not configure) are left out; a lookup of one of
    /// them says why.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<Item>, RegisterError> {
        let hits = self.store.search(text, limit)?;
        Ok(hits.into_iter().filter_map(|v| self.item(v).ok()).collect())
    }

    /// Adds the item for `code` to `cart`: one piece unless a quantity is given; an item
    /// sold by weight is weighed on the configured scale (a stable net weight, or the scan
    /// is refused with why), and without a scale needs its weight given (selling "1 kg" by
    /// default would be a guess).
    pub fn scan(&self, cart: &mut Cart, code: &str, quantity: Option<Decimal>) -> Result<LineId, RegisterError> {
        let item = self.lookup(code)?;
        let quantity = match (quantity, item.unit) {
            (Some(q), unit) => Quantity::new(q, unit)?,
            (None, Unit::Each) => Quantity::ONE,
            (None, Unit::Kilogram) if self.config.scale.is_some() => Quantity::new(self.weigh(None)?, Unit::Kilogram)?,
            (None, Unit::Kilogram) => {
                return Err(RegisterError::Input(format!(
                    "{} ({}) is sold by weight: give the weight in kg (e.g. {code}*0.412) or configure a scale ([scale] port)",
                    item.sku, item.name
                )));
            }
        };
        Ok(cart.add(item, quantity)?)
    }

    /// Adds a coupon code, refusing codes no promotion uses.
    pub fn apply_coupon(&self, cart: &mut Cart, code: &str) -> Result<(), RegisterError> {
        let wanted = code.trim().to_uppercase();
        if !self.promotions.iter().any(|p| p.coupon.as_deref() == Some(wanted.as_str())) {
            return Err(RegisterError::UnknownCoupon(code.trim().to_string()));
        }
        Ok(cart.add_coupon(&wanted)?)
    }

    /// Prices `cart` now.
    pub fn price(&self, cart: &Cart) -> Result<PricedCart, RegisterError> {
        let ctx = PricingContext { policy: self.config.policy, promotions: &self.promotions, now: self.clock.now() };
        Ok(price_cart(cart, &ctx)?)
    }

    /// Housekeeping to run off the sale path — after a sale is handed over, or when idle:
    /// folds recent stock movements into the stock projection, compacts the replicated
    /// documents' stored changes, and checkpoints the SQLite write-ahead log, each only once
    /// enough has accumulated, so no sale's commit has to.
    pub fn maintain(&mut self) -> Result<(), RegisterError> {
        if self.store.unfolded_stock_movements()? >= till_store::FOLD_AFTER {
            self.store.fold_stock()?;
        }
        self.store.compact_docs_if_due()?;
        self.store.checkpoint_if_due()?;
        Ok(())
    }

    /// The sale with receipt number `number` (`R1-000042` or `42`).
    pub fn receipt(&self, number: &str) -> Result<SaleRecord, RegisterError> {
        let not_found = || RegisterError::ReceiptNotFound(number.to_string());
        let digits = match number.trim().rsplit_once('-') {
            Some((register, seq)) if register == self.config.register => seq,
            Some(_) => return Err(not_found()),
            None => number.trim(),
        };
        let seq: u64 = digits.parse().map_err(|_| not_found())?;
        self.store.sale_by_seq(seq)?.ok_or_else(not_found)
    }

    /// A receipt as text.
    pub fn receipt_text(&self, sale: &SaleRecord, copy: Copy) -> String {
        till_receipt::receipt_text(sale, &self.config.receipt, copy)
    }

    /// The X report as text.
    pub fn x_report_text(&self, report: &XReport) -> String {
        till_receipt::x_report_text(report, &self.config.receipt)
    }

    /// Verifies the journal chain and the sales it covers.
    pub fn verify_journal(&self) -> Result<JournalReport, RegisterError> {
        let mut report = self.store.verify_journal()?;
        report.grand_total =
            self.config.currency.round(till_domain::Money::new(report.grand_total), self.config.policy.mode).amount();
        Ok(report)
    }

    /// Parked carts, oldest first.
    pub fn parked(&self) -> Result<Vec<ParkedCart>, RegisterError> {
        Ok(self.store.parked()?)
    }

    /// Stock on hand of a SKU at this register's location.
    pub fn stock(&self, sku: &str) -> Result<Decimal, RegisterError> {
        if self.store.variant_by_sku(sku)?.is_none() {
            return Err(RegisterError::UnknownCode(sku.to_string()));
        }
        Ok(self.store.stock_level(sku, &self.config.location)?)
    }

    /// What a store-credit code holds; an unknown code is an error.
    pub fn store_credit(&self, code: &str) -> Result<till_domain::Money, RegisterError> {
        let code = code.trim().to_uppercase();
        if !self.store.store_credit_exists(&code)? {
            return Err(RegisterError::Input(format!("no store credit {code}")));
        }
        Ok(self.config.currency.round(self.store.store_credit_balance(&code)?, self.config.policy.mode))
    }

    /// The underlying store, for diagnostics and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The underlying store, writable, for diagnostics and tests.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}

/// The same GTIN written another way: UPC-A (12) ↔ EAN-13 with a leading zero, and
/// GTIN-14 with a leading zero ↔ EAN-13.
fn gtin_alternatives(code: &str) -> Vec<String> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    match code.len() {
        12 => vec![format!("0{code}"), format!("00{code}")],
        13 if code.starts_with('0') => vec![code[1..].to_string(), format!("0{code}")],
        13 => vec![format!("0{code}")],
        14 if code.starts_with("00") => vec![code[1..].to_string(), code[2..].to_string()],
        14 if code.starts_with('0') => vec![code[1..].to_string()],
        _ => Vec::new(),
    }
}
