//! HQ's storage behind one small interface, so the same service code runs on SQLite (the
//! embedded default) and on PostgreSQL (several HQ processes on one database).
//!
//! SQL is written once, in the dialect both accept: `$1`-style parameters (rewritten to
//! `?1` for SQLite), `ON CONFLICT`, `RETURNING`; only the schema differs. Values are
//! integers, text and bytes — never NULL parameters, never floats: money is decimal text
//! summed in Rust.
//!
//! The lowest layer: it knows tables and SQL, and nothing of what HQ does with them.

mod fields;
mod pg;
mod pg_tls;
pub mod rows;
pub mod schema;
mod sqlite;

use crate::error::HqError;

pub use fields::{Fields, Row, RowError};

/// A value bound to or read from SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// 64-bit integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// SQL NULL (read only).
    Null,
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Self {
        Val::Bytes(v)
    }
}

/// Statements inside one transaction.
pub trait Tx {
    /// Runs a statement; returns the rows it changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, HqError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, HqError>;
    /// Serialises this transaction with every other one that takes the same `key`, across
    /// processes, until it ends (PostgreSQL advisory lock; SQLite's write lock already
    /// serialises every writer).
    fn lock(&mut self, key: &str) -> Result<(), HqError>;

    /// The first row of a query, if any.
    fn one(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>, HqError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

/// A database HQ runs on.
pub trait Db: Send + Sync {
    /// Runs `f` in one transaction, committed if it returns `Ok`, rolled back otherwise.
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), HqError>) -> Result<(), HqError>;
    /// Runs `f` in a transaction that only reads, without waiting behind writers where
    /// the database allows (SQLite's second connection); a write in it fails.
    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), HqError>) -> Result<(), HqError> {
        self.transaction(f)
    }
    /// Which kind of database, for messages (`sqlite` or `postgres`).
    fn kind(&self) -> &'static str;
}

/// Runs `f` in a transaction and returns its value.
pub fn with_tx<T>(db: &dyn Db, mut f: impl FnMut(&mut dyn Tx) -> Result<T, HqError>) -> Result<T, HqError> {
    let mut out = None;
    db.transaction(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| HqError::Internal("transaction produced no value".into()))
}

/// Runs `f` in a read-only transaction ([`Db::read`]) and returns its value.
pub fn with_read<T>(db: &dyn Db, mut f: impl FnMut(&mut dyn Tx) -> Result<T, HqError>) -> Result<T, HqError> {
    let mut out = None;
    db.read(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| HqError::Internal("transaction produced no value".into()))
}

/// Opens the database a `--db` URL names and brings its schema up to date:
/// `sqlite:PATH` or `postgres://…` (`postgresql://…`).
pub fn open(url: &str) -> Result<Box<dyn Db>, HqError> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        return Ok(Box::new(sqlite::SqliteDb::open(path)?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(pg::PgDb::open(url)?));
    }
    Err(HqError::BadRequest(format!("--db '{}': expected sqlite:PATH or postgres://USER@HOST/DB", redact_url(url))))
}

/// `url` fit to print: a password in it (`postgres://USER:PASSWORD@HOST/DB`, or a
/// `password=` parameter) replaced by `***`. Errors and logs name a database this way only.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            // The user info ends at the last '@' before the path.
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => {
                    let user = &rest[..at];
                    let user = user.split_once(':').map_or(user.to_string(), |(name, _)| format!("{name}:***"));
                    format!("{scheme}://{user}{}", &rest[at..])
                }
                None => head.to_string(),
            }
        }
        None => head.to_string(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

/// `($1, $2, …), (…)`: the VALUES of a multi-row insert of `rows` rows of `cols` columns.
pub fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Most parameters one statement takes here: SQLite allows 32,766 (older builds 999),
/// PostgreSQL 65,535.
const MAX_PARAMS: usize = 900;

/// Inserts rows of `cols` values each (`params`, row after row) with `head` (`INSERT INTO
/// t (a, b)`), in as many statements as the parameter limit needs: a register's sale
/// with thousands of tax or tender rows books like any other.
pub fn insert_rows(tx: &mut dyn Tx, head: &str, cols: usize, params: &[Val]) -> Result<(), HqError> {
    let rows_per = (MAX_PARAMS / cols.max(1)).max(1);
    for chunk in params.chunks(rows_per * cols.max(1)) {
        tx.exec(&format!("{head} VALUES {}", values(chunk.len() / cols.max(1), cols)), chunk)?;
    }
    Ok(())
}

#[cfg(test)]
mod insert_tests {
    use super::*;

    #[test]
    fn thousands_of_rows_go_in_under_the_parameter_limit() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&format!("sqlite:{}", dir.path().join("hq.sqlite").display())).unwrap();
        let rows = 5_000;
        let counted = with_tx(db.as_ref(), |tx| {
            tx.exec("CREATE TABLE wide (a TEXT, b INTEGER, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT)", &[])?;
            let params: Vec<Val> = (0..rows)
                .flat_map(|n| -> [Val; 7] {
                    ["s".into(), (n as i64).into(), "l".into(), "r".into(), "n".into(), "t".into(), "g".into()]
                })
                .collect();
            // In one statement these 35,000 parameters are more than SQLite takes.
            assert!(tx.exec(&format!("INSERT INTO wide VALUES {}", values(rows, 7)), &params).is_err());
            insert_rows(tx, "INSERT INTO wide (a, b, c, d, e, f, g)", 7, &params)?;
            Ok(tx.one("SELECT count(*) AS n FROM wide", &[])?.unwrap().of("wide").count("n")?)
        })
        .unwrap();
        assert_eq!(counted, rows as u64);
    }
}

#[cfg(test)]
mod redact_tests {
    use crate::db::redact_url;

    #[test]
    fn passwords_in_database_urls_are_never_shown() {
        let cases = [
            ("postgres://till:s3cret@db.example:5432/hq", "postgres://till:***@db.example:5432/hq"),
            ("postgresql://till:p%40ss@db/hq?sslmode=require", "postgresql://till:***@db/hq?sslmode=require"),
            (
                "postgres://till@db/hq?password=s3cret&sslmode=require",
                "postgres://till@db/hq?password=***&sslmode=require",
            ),
            ("postgres://till:a@b@db/hq", "postgres://till:***@db/hq"),
            ("postgres://db/hq", "postgres://db/hq"),
            ("sqlite:/var/lib/till/hq.sqlite", "sqlite:/var/lib/till/hq.sqlite"),
            ("mysql://root:hunter2@db/x", "mysql://root:***@db/x"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
