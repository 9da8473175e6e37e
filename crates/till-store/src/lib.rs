//! The register's system of record: one SQLite file per register.
//!
//! WAL journal, `synchronous=FULL`, foreign keys on. A completed sale is one transaction
//! covering the sale, its lines, adjustments, taxes, payments, stock movements and its
//! journal record; the caller is told "done" only after that commit returns.
//!
//! Architecture invariant: only this crate opens SQLite files. Callers get domain types
//! and plain row structs back, never a connection.

mod aisle;
mod catalog;
mod catalog_import;
mod codec;
mod config_versions;
mod credit;
mod elsewhere;
mod housekeeping;
mod journal;
mod mail;
mod parked;
mod payload;
mod print_jobs;
mod private;
mod quarantine;
mod replica;
mod reports;
mod retention;
mod returns;
mod roster;
mod rules;
mod sales;
mod schema;
mod session;
mod staff;
mod stock;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, OpenFlags};

pub use catalog::{SearchHit, StoredVariant, fts_query};
pub use catalog_import::{CHUNK_ROWS, CatalogWriter, ImportMode};
pub use config_versions::ConfigVersionRow;
pub use elsewhere::{MAX_PAYLOAD, PayloadError, PeerCopyError, SaleForPeer, parse_receipt_number, sale_from_payload};
pub use housekeeping::Housekeeping;
pub use journal::{AuditEntry, JournalProblem, JournalRecord, JournalReport};
pub use payload::CashMovement;
pub use replica::{COMPACT_AFTER, ReplicaIdentity};

/// The canonical JSON of a sale document, as the journal records it (also used for
/// training sales, which the journal never sees).
pub fn sale_payload(sale: &till_domain::SaleRecord) -> Result<String> {
    payload::sale(sale)
}
pub use aisle::{ChainStockPage, ChainStockWatermark, OutboxOrder, StockAt};
pub use mail::{MailJob, MailOutcome, NewMail};
pub use parked::ParkedCart;
pub use print_jobs::{PrintJob, PrintOutcome};
pub use quarantine::QuarantinedDoc;
pub use retention::{PruneBefore, Pruned};
pub use roster::{ROSTER_VERSION, RosterApplied, RosterEntry, StaffEventRow};
pub use sales::{DocChange, SaleCommit};
pub use session::CashSessionRow;
pub use staff::StaffRow;
pub use stock::FOLD_AFTER;

/// What can go wrong in the store, said in the register's words.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused an operation.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// No register database at the path.
    #[error("no register at {0}; create one with `till init --config store.toml`")]
    NotInitialized(PathBuf),
    /// A register database already exists at the path.
    #[error("a register already exists at {0}")]
    AlreadyInitialized(PathBuf),
    /// The file was written by a newer Till.
    #[error("{path} has schema version {found}; this Till understands up to {supported}. Upgrade Till.")]
    SchemaTooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        supported: i64,
    },
    /// A stored value cannot be read back; names the table, the row and the column.
    #[error("corrupt value in {0}")]
    Corrupt(String),
    /// Something looked up does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A catalog row conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The disk is full. The transaction was rolled back: nothing of it was written.
    #[error("the disk is full ({0}); nothing was written. Free some space and try again")]
    DiskFull(rusqlite::Error),
    /// The disk failed to write or sync. The transaction was rolled back.
    #[error("the disk failed to write ({0}); nothing was written. Check the disk, then try again")]
    DiskIo(rusqlite::Error),
    /// The database's files could not be made readable by their owner only.
    #[error("cannot make {path} private to its owner (mode 0600): {error}")]
    Private {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

// Not `#[from]`: the message already carries SQLite's, so it is not repeated as a source.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull(e),
            Some(rusqlite::ErrorCode::SystemIoFailure) => StoreError::DiskIo(e),
            _ => StoreError::Sqlite(e),
        }
    }
}

/// A result in the store's error type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How much a commit waits for the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: a commit returns only once its WAL frames are on disk. Always
    /// used by a selling register.
    #[default]
    Full,
    /// `synchronous=NORMAL`: the WAL is synced only at checkpoints, so a power cut can lose
    /// the last acknowledged sales. Exists for the power-loss harness's control run, which
    /// must show the harness can see such a loss.
    Normal,
    /// `synchronous=OFF`: nothing is synced. For building benchmark fixtures of a million
    /// sales quickly; never for a register that sells.
    Off,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
            Durability::Off => "OFF",
        }
    }
}

/// How a register database is opened. The default is what a selling register uses.
#[derive(Clone, Debug, Default)]
pub struct StoreOptions {
    /// A registered SQLite VFS to open the file through (fault-injection harnesses);
    /// `None` is the platform's own.
    pub vfs: Option<String>,
    /// How much a commit waits for the disk.
    pub durability: Durability,
}

/// An open register database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    replica: replica::Replica,
}

/// The connection's page cache (KiB, as SQLite's negative `cache_size`).
pub(crate) const CACHE_SIZE: i64 = -16_384;

/// WAL pages after which SQLite checkpoints on its own, inside some unlucky commit. The
/// register checkpoints when idle instead ([`Store::checkpoint_if_due`]); this is the
/// safety net for a caller that never does (32 MiB of WAL at 4 KiB pages).
const WAL_AUTOCHECKPOINT: i64 = 8192;

/// WAL pages that make an idle-time checkpoint due (16 MiB at 4 KiB pages, a few hundred
/// sales).
pub const CHECKPOINT_PAGES: i32 = 4096;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits for another connection's write transaction in 1 ms steps, up to [`BUSY_TIMEOUT`].
/// SQLite's own wait backs off to 100 ms steps, so a sale behind a chunked catalog import
/// or a chain stock refresh would sleep through the gaps between their transactions; in
/// 1 ms steps it takes the first gap.
fn wait_for_writer(attempts: i32) -> bool {
    if u128::from(attempts.unsigned_abs()) >= BUSY_TIMEOUT.as_millis() {
        return false;
    }
    std::thread::sleep(Duration::from_millis(1));
    true
}

impl Store {
    /// Creates a new register database at `path`; refuses to touch an existing file.
    pub fn create(path: &Path) -> Result<Store> {
        if path.exists() {
            return Err(StoreError::AlreadyInitialized(path.to_path_buf()));
        }
        // Created 0600 before SQLite opens it: its WAL and SHM files take the same mode.
        private::create(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Store::configure(Connection::open_with_flags(path, flags)?, path, &StoreOptions::default())
    }

    /// Opens an existing register database, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, &StoreOptions::default())
    }

    /// Opens an existing register database with explicit options (see [`StoreOptions`]).
    pub fn open_with(path: &Path, options: &StoreOptions) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::NotInitialized(path.to_path_buf()));
        }
        private::restrict(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match &options.vfs {
            Some(vfs) => Connection::open_with_flags_and_vfs(path, flags, vfs.as_str())?,
            None => Connection::open_with_flags(path, flags)?,
        };
        Store::configure(conn, path, options)
    }

    fn configure(mut conn: Connection, path: &Path, options: &StoreOptions) -> Result<Store> {
        conn.busy_handler(Some(wait_for_writer))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!("{}: could not switch to WAL (got {mode})", path.display())));
        }
        conn.pragma_update(None, "synchronous", options.durability.pragma())?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", CACHE_SIZE)?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)?;
        conn.set_prepared_statement_cache_capacity(64);
        // The bundled SQLite keeps STAT4 statistics, with which it re-plans a statement
        // whenever a bound value changes — every sale read back would re-prepare its
        // queries. Plans stay fixed instead (the query planner stability guarantee).
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        let mut store = Store { conn, path: path.to_path_buf(), replica: replica::Replica::new() };
        schema::migrate(&mut store.conn, path)?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints the write-ahead log when it has grown past [`CHECKPOINT_PAGES`] pages
    /// not yet copied into the database (passive: it never waits for readers). Returns
    /// whether it did. Call it off the sale path — after a sale is handed over, or when
    /// idle. Not after every sale: the commit after a checkpoint restarts the log and, with
    /// `synchronous=FULL`, pays one more fsync for the log header.
    pub fn checkpoint_if_due(&self) -> Result<bool> {
        let (log, done) = self.conn.wal_checkpoint_v2(Some("main"), CheckpointMode::NOOP)?;
        if log - done < CHECKPOINT_PAGES {
            return Ok(false);
        }
        self.conn.wal_checkpoint_v2(Some("main"), CheckpointMode::PASSIVE)?;
        Ok(true)
    }

    /// Reads a register setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Removes a register setting (nothing if absent).
    pub fn delete_setting(&self, key: &str) -> Result<()> {
        self.conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    /// Writes and removes settings together, with `audit` (who did it) appended to the
    /// journal in the same transaction: all of it or none.
    pub fn change_settings(
        &mut self,
        set: &[(&str, &str)],
        remove: &[&str],
        audit: Option<(&AuditEntry, &str)>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (key, value) in set {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
        }
        for key in remove {
            tx.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        }
        if let Some((entry, at)) = audit {
            journal::append_audit(&tx, entry, at)?;
            self.replica.seal(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes a register setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}
