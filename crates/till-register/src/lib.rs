//! The register service: one API over the checkout core, the SQLite store, sync and the
//! counter's devices. The `till` CLI, the desktop app and the tests all call it.
//!
//! Architecture invariant: callers hold no business rule. Everything a sale needs —
//! lookups, pricing, settlement, the durable commit, receipts and reports — goes through
//! [`Register`]. Time and ids come in through [`Clock`] and [`IdSource`].
//!
//! The API, by capability (each module with its own errors, all under [`RegisterError`]):
//!
//! | module | what a front end does with it |
//! |---|---|
//! | [`catalog`] | look items up, search, read barcodes, stock on hand, import a catalog |
//! | [`checkout`] | scan, price, park, complete sales, returns and exchanges; receipts |
//! | [`drawer`] | cash sessions, movements, counts, X and Z reports |
//! | [`staff`] | sign in, approvals, permissions, staff and roles, the audit log |
//! | [`orders`] | online orders at the store: pickup and handover, endless aisle, BORIS |
//! | [`outbox`] | what leaves after a commit: printed receipts, customer mail |
//! | [`sync`] | enrollment, sync rounds with HQ or a peer, the sync worker |
//! | [`devices`] | the scale, the serial scanner, the customer display |
//! | [`journal`] | verify the hash chain, export it |
//! | [`background`] | housekeeping and the background workers' pass |
//! | [`config`] | the store configuration (`store.toml`) |

pub mod background;
pub mod catalog;
pub mod checkout;
mod clock;
pub mod config;
pub mod devices;
pub mod drawer;
mod error;
pub mod journal;
pub mod orders;
pub mod outbox;
pub mod staff;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use till_domain::{Promotion, Role};
use till_store::Store;

pub use background::{BackgroundPass, BackgroundWork, PRUNE_PER_PASS};
pub use catalog::{CatalogError, ImportProgress, ImportReport, Unsellable, parse_barcode_standalone};
pub use checkout::{
    CheckoutError, FoundSale, ReceiptSource, ReturnDocument, ReturnPick, ReturnQuote, ReturnRequest, ReturnedGoods,
    ScanEntry, Scanned, Settle, discount_text, parse_discount, parse_scan_entry,
};
pub use clock::{Clock, FixedClock, IdSource, RandomIds, SeededIds, SystemClock};
pub use config::{
    ConfigEditError, ConfigError, ConfigView, DisplayConfig, MAIL_GIVE_UP_AFTER_HOURS, MAIL_MAX_ATTEMPTS, MailConfig,
    PendingVersion, PrinterConfig, RegisterConfig, Retention, STALE_AFTER_MINUTES, ScaleConfig, ScannerConfig,
    SmtpSecurity, StaleReceipts, Thresholds,
};
pub use devices::DeviceError;
pub use drawer::{Count, DrawerError, DrawerMove, zreport};
pub use error::RegisterError;
pub use journal::{ExportFormat, JournalError, JournalExport, JournalReport};
pub use orders::{
    AisleDelivery, AisleItem, CHAIN_STOCK_PAGE, ChainStockRefresh, FindOrder, ONLINE_TENDER, OnlineLine, OnlineOrder,
    OnlineRefund, OrderError, PickupList, UnreadableOrder, VerifiedPickup,
};
pub use outbox::{
    BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS, MailRound, OutboxError, PrintRound, mail_backoff, ready_message,
};
pub use staff::{Authority, LOCK_AFTER, NewStaff, Operator, PEPPER_FILE, StaffChange, StaffError, split_credentials};
pub use sync::{
    Enrollment, HqTrust, PeerRounds, SetAside, SyncError, SyncEvent, SyncReport, SyncStatus, SyncWorker, TrustError,
    WorkerTiming, backoff,
};
pub use till_barcode::{Barcode, BarcodeError};
pub use till_domain::RefundMethod;
pub use till_printer::{PrinterStatus, Profile as PrinterProfile, profiles as printer_profiles};
pub use till_receipt::Copy;
pub use till_store::{
    AuditEntry, COMPACT_AFTER, CashMovement, Durability, MailJob, OutboxOrder, ParkedCart, PrintJob, Pruned, StaffRow,
    StoreError, StoreOptions,
};
pub use till_token::TokenError;

/// The register database's file name inside the data directory.
pub const DATABASE_FILE: &str = "register.sqlite";

/// An open register: its store, configuration, promotions, clock and id source.
pub struct Register {
    store: Store,
    config: RegisterConfig,
    promotions: Vec<Promotion>,
    clock: Arc<dyn Clock>,
    ids: Box<dyn IdSource>,
    /// The HQ catalog version in use (from settings; `None` for a local catalog).
    catalog_version: Option<String>,
    /// The configuration version in force (`local-N`, `hq-N`; see [`config::versions`]).
    config_version: Option<String>,
    /// The data directory (relative device files such as the logo are found in it).
    dir: PathBuf,
    /// The receipt logo as last decoded: its file, the width it was scaled to, the image.
    logo: std::cell::RefCell<Option<(PathBuf, u16, Arc<till_printer::Logo>)>>,
    /// The customer display's connection, kept between updates.
    display: std::cell::RefCell<Option<Box<dyn till_devices::CustomerDisplay>>>,
    /// The secret mixed into every PIN hash, kept outside the database.
    pepper: Vec<u8>,
    /// Sales rung elsewhere found for returns in this process, by id ([`FoundSale`]).
    found_sales: std::cell::RefCell<std::collections::BTreeMap<String, checkout::FoundSale>>,
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

/// Makes the data directory its owner's alone (`0700`): the database, its WAL and the PIN
/// pepper are in it. (Where files have no Unix modes, nothing to do.)
fn private_dir(dir: &Path) -> Result<(), RegisterError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io = |error| RegisterError::Io { path: dir.display().to_string(), error };
        let mode = std::fs::metadata(dir).map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
    }
    Ok(())
}

/// Setting under which the configuration text is kept in the database.
const CONFIG_KEY: &str = "config";

impl Register {
    /// Creates a register in `dir` from configuration text (`source` names it in errors).
    pub fn init(dir: &Path, config_text: &str, source: &str) -> Result<PathBuf, RegisterError> {
        RegisterConfig::parse(config_text, source)?;
        std::fs::create_dir_all(dir).map_err(|error| RegisterError::Io { path: dir.display().to_string(), error })?;
        private_dir(dir)?;
        let path = dir.join(DATABASE_FILE);
        let mut store = Store::create(&path)?;
        let row = till_store::ConfigVersionRow {
            source: "local".into(),
            version: 1,
            text: config_text.to_string(),
            effective: String::new(),
            made_by: String::new(),
            made_at: String::new(),
            reason: "the configuration given to till init".into(),
            problem: String::new(),
        };
        store.put_config_version(
            &row,
            &[(CONFIG_KEY, config_text), (config::versions::CONFIG_VERSION, "local-1")],
            None,
        )?;
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
        private_dir(dir)?;
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
        let pepper = staff::load_pepper(dir)?;
        let config_version = Some(store.setting(config::versions::CONFIG_VERSION)?.unwrap_or_else(|| "local-1".into()));
        let mut register = Register {
            store,
            config,
            promotions,
            clock,
            ids,
            catalog_version,
            config_version,
            dir: dir.to_path_buf(),
            logo: std::cell::RefCell::new(None),
            display: std::cell::RefCell::new(None),
            pepper,
            found_sales: std::cell::RefCell::new(std::collections::BTreeMap::new()),
        };
        // A version that took effect while the register was closed is in force from now.
        register.apply_due_config()?;
        Ok(register)
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

    /// The underlying store, for diagnostics and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The underlying store, writable, for diagnostics and tests.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }
}
