//! HQ on SQLite: one file, one connection (SQLite has one writer at a time anyway), WAL
//! and `synchronous=FULL` so an acknowledged sync survives a crash.

use std::sync::{Arc, Mutex};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, TransactionBehavior};

use super::{Db, Row, Tx, Val, schema};
use crate::error::HqError;

/// HQ's SQLite database.
pub struct SqliteDb {
    conn: Mutex<Connection>,
    /// A second connection for reads that must not wait behind writers (WAL lets it read
    /// while the other writes): authentication.
    reader: Mutex<Connection>,
}

impl From<rusqlite::Error> for HqError {
    fn from(e: rusqlite::Error) -> Self {
        HqError::Database(e.to_string())
    }
}

/// `$1` → `?1`: SQLite's numbered parameters.
fn dialect(sql: &str) -> String {
    sql.replace('$', "?")
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Val::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Val::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

impl SqliteDb {
    /// Opens (creating if needed) the database at `path`: the file, its WAL and SHM are
    /// readable by their owner only (`0600`; SQLite gives the WAL and SHM the database
    /// file's mode, and files left readable by others are tightened).
    pub fn open(path: &str) -> Result<SqliteDb, HqError> {
        private_files(std::path::Path::new(path))?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let reader = Connection::open(path)?;
        reader.busy_timeout(std::time::Duration::from_secs(30))?;
        reader.pragma_update(None, "query_only", true)?;
        let db = SqliteDb { conn: Mutex::new(conn), reader: Mutex::new(reader) };
        schema::migrate(&db, schema::SQLITE)?;
        Ok(db)
    }
}

/// Creates the database file `0600` if it is not there, and takes group and other
/// access from it and its WAL and SHM files.
#[cfg(unix)]
fn private_files(path: &std::path::Path) -> Result<(), HqError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let failed = |p: &std::path::Path, e: std::io::Error| {
        HqError::Database(format!("cannot make {} private to its owner (mode 0600): {e}", p.display()))
    };
    if !path.exists() {
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(|e| failed(path, e))?;
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        let Ok(meta) = std::fs::metadata(&file) else { continue };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(|e| failed(&file, e))?;
        }
    }
    Ok(())
}

/// Nothing to do where files have no Unix modes.
#[cfg(not(unix))]
fn private_files(_path: &std::path::Path) -> Result<(), HqError> {
    Ok(())
}

struct SqliteTx<'a>(&'a rusqlite::Transaction<'a>);

impl Tx for SqliteTx<'_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, HqError> {
        let mut stmt = self.0.prepare_cached(&dialect(sql))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, HqError> {
        let mut stmt = self.0.prepare_cached(&dialect(sql))?;
        let n = stmt.column_count();
        let columns: Arc<[String]> = stmt.column_names().map(String::from).collect();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(n);
            for i in 0..n {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Integer(v) => Val::Int(v),
                    ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Val::Bytes(b.to_vec()),
                    ValueRef::Null => Val::Null,
                    ValueRef::Real(_) => return Err(HqError::Database("unexpected floating-point column".into())),
                });
            }
            out.push(Row::new(columns.clone(), vals));
        }
        Ok(out)
    }

    fn lock(&mut self, _key: &str) -> Result<(), HqError> {
        Ok(())
    }
}

impl Db for SqliteDb {
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), HqError>) -> Result<(), HqError> {
        // A request that panicked rolled its transaction back as it unwound; the connection
        // is fine, so a poisoned lock is taken over rather than failing every later request.
        let mut conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        f(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(())
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), HqError>) -> Result<(), HqError> {
        let mut conn = self.reader.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        f(&mut SqliteTx(&tx))?;
        tx.commit()?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "sqlite"
    }
}
