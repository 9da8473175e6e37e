//! HQ on PostgreSQL: a bounded pool of connections (a request waits a while for one,
//! never opens one more); several HQ processes may serve the same database — per-register
//! advisory locks keep their writes to one register's documents in order.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::types::{ToSql, Type};
use postgres::{Client, Statement};

use super::pg_tls::{self, MakeRustls};
use super::{Db, Row, Tx, Val, schema};
use crate::error::HqError;

/// Connections kept open for reuse.
const POOL: usize = 16;
/// Most connections one HQ process has open at once (PostgreSQL allows 100 by default,
/// shared by every HQ process on the database).
const MAX_OPEN: usize = 32;
/// How long a request waits for a connection before HQ answers 503.
const WAIT: Duration = Duration::from_secs(10);

/// The connections: those idle, and how many are open in all.
struct Pool {
    idle: Vec<Conn>,
    open: usize,
}

/// A connection and the statements prepared on it (each statement is parsed once per
/// connection, not once per call: one round trip per call instead of two).
struct Conn {
    client: Client,
    prepared: HashMap<String, Statement>,
}

/// HQ's PostgreSQL database.
pub struct PgDb {
    config: postgres::Config,
    tls: MakeRustls,
    /// The TLS mode and how the server's certificate is checked, for messages.
    trust: String,
    pool: Mutex<Pool>,
    /// Signalled when a connection comes back or closes.
    freed: Condvar,
}

impl From<postgres::Error> for HqError {
    fn from(e: postgres::Error) -> Self {
        HqError::Database(match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        })
    }
}

impl PgDb {
    /// Connects to `url` (TLS as its `sslmode` says) and brings the schema up to date.
    pub fn open(url: &str) -> Result<PgDb, HqError> {
        let target = pg_tls::target(url)?;
        let db = PgDb {
            config: target.config,
            tls: target.tls,
            trust: target.trust,
            pool: Mutex::new(Pool { idle: Vec::new(), open: 0 }),
            freed: Condvar::new(),
        };
        schema::migrate(&db, schema::POSTGRES)?;
        Ok(db)
    }

    /// The pool, even after a thread panicked holding it (its counts stay right: they
    /// change only in single statements).
    fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle connection, or a new one while fewer than [`MAX_OPEN`] are open; else waits
    /// up to [`WAIT`] for one to come back.
    fn take(&self) -> Result<Conn, HqError> {
        let deadline = Instant::now() + WAIT;
        let mut pool = self.pool();
        loop {
            while let Some(c) = pool.idle.pop() {
                if !c.client.is_closed() {
                    return Ok(c);
                }
                pool.open -= 1;
            }
            if pool.open < MAX_OPEN {
                pool.open += 1;
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(HqError::Busy(format!(
                    "all {MAX_OPEN} database connections are in use; try again shortly"
                )));
            }
            pool = self.freed.wait_timeout(pool, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        drop(pool);
        match self.config.connect(self.tls.clone()) {
            Ok(client) => Ok(Conn { client, prepared: HashMap::new() }),
            Err(e) => {
                self.closed();
                Err(match pg_tls::tls_failure(&e) {
                    Some(tls) => HqError::Database(format!("TLS to PostgreSQL failed: {tls} ({})", self.trust)),
                    None => HqError::from(e),
                })
            }
        }
    }

    /// A connection that was counted is gone.
    fn closed(&self) {
        self.pool().open -= 1;
        self.freed.notify_one();
    }

    fn give_back(&self, conn: Conn) {
        let mut pool = self.pool();
        if pool.idle.len() < POOL && !conn.client.is_closed() {
            pool.idle.push(conn);
            drop(pool);
            self.freed.notify_one();
        } else {
            drop(pool);
            drop(conn);
            self.closed();
        }
    }
}

fn params(vals: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    vals.iter()
        .map(|v| -> &(dyn ToSql + Sync) {
            match v {
                Val::Int(i) => i,
                Val::Text(t) => t,
                Val::Bytes(b) => b,
                Val::Null => &None::<String>,
            }
        })
        .collect()
}

struct PgTx<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    prepared: &'a mut HashMap<String, Statement>,
}

impl PgTx<'_, '_> {
    fn statement(&mut self, sql: &str) -> Result<Statement, HqError> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.prepared.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl Tx for PgTx<'_, '_> {
    fn exec(&mut self, sql: &str, vals: &[Val]) -> Result<u64, HqError> {
        let stmt = self.statement(sql)?;
        Ok(self.tx.execute(&stmt, &params(vals))?)
    }

    fn query(&mut self, sql: &str, vals: &[Val]) -> Result<Vec<Row>, HqError> {
        let stmt = self.statement(sql)?;
        let rows = self.tx.query(&stmt, &params(vals))?;
        let columns: Arc<[String]> = stmt.columns().iter().map(|c| c.name().to_string()).collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut v = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let ty = col.type_();
                v.push(if *ty == Type::INT8 {
                    r.get::<_, Option<i64>>(i).map_or(Val::Null, Val::Int)
                } else if *ty == Type::INT4 {
                    r.get::<_, Option<i32>>(i).map_or(Val::Null, |x| Val::Int(x.into()))
                } else if *ty == Type::BYTEA {
                    r.get::<_, Option<Vec<u8>>>(i).map_or(Val::Null, Val::Bytes)
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR {
                    r.get::<_, Option<String>>(i).map_or(Val::Null, Val::Text)
                } else {
                    return Err(HqError::Database(format!("unexpected column type {ty} in '{sql}'")));
                });
            }
            out.push(Row::new(columns.clone(), v));
        }
        Ok(out)
    }

    fn lock(&mut self, key: &str) -> Result<(), HqError> {
        self.tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", &[&key])?;
        Ok(())
    }
}

/// A connection taken from the pool; it goes back when dropped, even by a panic.
struct Lease<'a> {
    db: &'a PgDb,
    conn: Option<Conn>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.db.give_back(conn);
        }
    }
}

impl Db for PgDb {
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), HqError>) -> Result<(), HqError> {
        let mut lease = Lease { db: self, conn: Some(self.take()?) };
        let conn = lease.conn.as_mut().ok_or_else(|| HqError::Internal("connection lease is empty".into()))?;
        let mut tx = conn.client.transaction()?;
        f(&mut PgTx { tx: &mut tx, prepared: &mut conn.prepared })?;
        tx.commit()?;
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "postgres"
    }
}
