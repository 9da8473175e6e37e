//! The bare-SQLite baselines: the least a program must do in SQLite to offer the same
//! figure, with the pragmas Till uses, so each Till figure can be read as a ratio.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::generate::GenItem;

/// Opens (or creates) a SQLite file with the pragmas Till's store sets: WAL journal,
/// `synchronous=FULL`, temporary tables and sorts in memory.
pub fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).context("cannot switch to WAL")?;
    anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "{}: journal mode is {mode}, not WAL", path.display());
    conn.pragma_update(None, "synchronous", "FULL").context("cannot set synchronous=FULL")?;
    conn.pragma_update(None, "temp_store", "MEMORY").context("cannot set temp_store=MEMORY")?;
    Ok(conn)
}

/// How long each step of the bare bulk load took.
#[derive(Debug, Clone, Copy)]
pub struct BulkLoad {
    /// Everything: creating the file, rows, index, FTS, commit.
    pub total: Duration,
    /// Inserting the rows into `items`.
    pub rows: Duration,
    /// `CREATE UNIQUE INDEX` on the barcode.
    pub index: Duration,
    /// Filling the FTS5 table.
    pub fts: Duration,
    /// The final commit (WAL write, fsync and checkpoint).
    pub commit: Duration,
}

/// The bare bulk load: a fresh file, one table, every row inserted in one transaction
/// with a prepared statement, a unique index on the barcode, and a contentless FTS5
/// index over the title (rowid = item id), all committed at once.
pub fn bulk_load(path: &Path, items: &[GenItem]) -> Result<BulkLoad> {
    let start = Instant::now();
    let mut conn = open(path)?;
    conn.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, barcode TEXT NOT NULL, title TEXT NOT NULL, price TEXT NOT NULL);",
    )
    .context("cannot create the items table")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).context("cannot begin the load")?;
    let t = Instant::now();
    {
        let mut insert = tx
            .prepare("INSERT INTO items (id, sku, barcode, title, price) VALUES (?1, ?2, ?3, ?4, ?5)")
            .context("cannot prepare the row insert")?;
        for (i, item) in items.iter().enumerate() {
            insert
                .execute(params![i as i64 + 1, item.sku, item.barcode, item.title, item.price.to_string()])
                .with_context(|| format!("cannot insert item {}", item.sku))?;
        }
    }
    let rows = t.elapsed();
    let t = Instant::now();
    tx.execute_batch("CREATE UNIQUE INDEX items_barcode ON items (barcode);").context("cannot index the barcodes")?;
    let index = t.elapsed();
    let t = Instant::now();
    tx.execute_batch(
        "CREATE VIRTUAL TABLE items_fts USING fts5(title, content='', contentless_delete=1, \
         tokenize='unicode61 remove_diacritics 2');",
    )
    .context("cannot create the FTS5 table")?;
    {
        let mut insert = tx
            .prepare("INSERT INTO items_fts (rowid, title) VALUES (?1, ?2)")
            .context("cannot prepare the FTS insert")?;
        for (i, item) in items.iter().enumerate() {
            insert
                .execute(params![i as i64 + 1, item.title])
                .with_context(|| format!("cannot index item {}", item.sku))?;
        }
    }
    let fts = t.elapsed();
    let t = Instant::now();
    tx.commit().context("cannot commit the load")?;
    let commit = t.elapsed();
    let total = start.elapsed();
    drop(conn);
    Ok(BulkLoad { total, rows, index, fts, commit })
}

/// Merges the bare FTS index into one b-tree, as Till's bulk import does before its
/// commit, so the search comparison runs over indexes of the same shape. Not part of the
/// timed bare load (the brief's baseline has no such step); its time is reported apart.
pub fn optimize_fts(path: &Path) -> Result<Duration> {
    let conn = open(path)?;
    let t = Instant::now();
    conn.execute_batch("INSERT INTO items_fts (items_fts) VALUES ('optimize');")
        .context("cannot optimize the FTS index")?;
    Ok(t.elapsed())
}

/// A row as the bare point lookup returns it: id, SKU, title, price text.
pub type BareRow = (i64, String, String, String);

/// The indexed point lookup a scan rests on.
pub const LOOKUP_SQL: &str = "SELECT id, sku, title, price FROM items WHERE barcode = ?1";

/// The FTS query a search rests on.
pub const SEARCH_SQL: &str = "SELECT rowid FROM items_fts WHERE items_fts MATCH ?1 ORDER BY rank LIMIT 20";

/// Looks one barcode up on an open bare connection.
pub fn lookup(conn: &Connection, barcode: &str) -> Result<Option<BareRow>> {
    let mut stmt = conn.prepare_cached(LOOKUP_SQL).context("cannot prepare the lookup")?;
    let row = stmt
        .query_row([barcode], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()
        .with_context(|| format!("cannot look up {barcode}"))?;
    Ok(row)
}

/// Cold start of the bare database: open the file with Till's pragmas and look one
/// barcode up (the statement is prepared afresh, as on a new connection it must be).
pub fn open_and_lookup(path: &Path, barcode: &str) -> Result<Option<BareRow>> {
    let conn = open(path)?;
    lookup(&conn, barcode)
}

/// Runs one FTS query on the bare index and returns the matching row ids, best first.
pub fn search(conn: &Connection, fts_query: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(SEARCH_SQL).context("cannot prepare the search")?;
    let ids = stmt
        .query_map([fts_query], |r| r.get(0))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<i64>>>())
        .with_context(|| format!("cannot search for {fts_query}"))?;
    Ok(ids)
}

/// A small SQLite file for the durable-commit baseline: one row per transaction.
pub struct CommitLog {
    conn: Connection,
}

impl CommitLog {
    /// Creates the file at `path` with Till's pragmas and a three-column table.
    pub fn create(path: &Path) -> Result<CommitLog> {
        let conn = open(path)?;
        conn.execute_batch("CREATE TABLE commits (id INTEGER PRIMARY KEY, at TEXT NOT NULL, amount TEXT NOT NULL);")
            .context("cannot create the commits table")?;
        Ok(CommitLog { conn })
    }

    /// Inserts one row in its own `BEGIN IMMEDIATE … COMMIT` transaction; returns once the
    /// commit (and with `synchronous=FULL`, the fsync of the WAL) is done.
    pub fn commit_one(&mut self, at: &str, amount: &str) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).context("cannot begin")?;
        tx.prepare_cached("INSERT INTO commits (at, amount) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute([at, amount]))
            .context("cannot insert the commit row")?;
        tx.commit().context("cannot commit")?;
        Ok(())
    }
}
