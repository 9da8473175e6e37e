//! HQ on PostgreSQL: a small pool of connections; several HQ processes may serve the
//! same database — per-register advisory locks keep their writes to one register's
//! documents in order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use postgres::types::{ToSql, Type};
use postgres::{Client, Statement};

use super::pg_tls::{self, MakeRustls};
use super::{Db, Row, Tx, Val, schema};
use crate::error::HqError;

/// Connections kept open for reuse.
const POOL: usize = 16;

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
    idle: Mutex<Vec<Conn>>,
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
        let db = PgDb { config: target.config, tls: target.tls, trust: target.trust, idle: Mutex::new(Vec::new()) };
        schema::migrate(&db, schema::POSTGRES)?;
        Ok(db)
    }

    fn take(&self) -> Result<Conn, HqError> {
        let idle = self.idle.lock().map_err(|_| HqError::Internal("pool lock poisoned".into()))?.pop();
        if let Some(c) = idle.filter(|c| !c.client.is_closed()) {
            return Ok(c);
        }
        let client = self.config.connect(self.tls.clone()).map_err(|e| match pg_tls::tls_failure(&e) {
            Some(tls) => HqError::Database(format!("TLS to PostgreSQL failed: {tls} ({})", self.trust)),
            None => HqError::from(e),
        })?;
        Ok(Conn { client, prepared: HashMap::new() })
    }

    fn give_back(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < POOL
            && !conn.client.is_closed()
        {
            idle.push(conn);
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

impl Db for PgDb {
    fn transaction(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), HqError>) -> Result<(), HqError> {
        let mut conn = self.take()?;
        let result = (|| {
            let mut tx = conn.client.transaction()?;
            f(&mut PgTx { tx: &mut tx, prepared: &mut conn.prepared })?;
            tx.commit()?;
            Ok(())
        })();
        self.give_back(conn);
        result
    }

    fn kind(&self) -> &'static str {
        "postgres"
    }
}
