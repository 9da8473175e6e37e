//! Parked carts: a cart put aside to serve the next customer, resumed later. The payload
//! is the register's to define; the store keeps it until it is taken back.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::{Result, Store, StoreError};

/// A parked cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedCart {
    /// Its number, used to resume it.
    pub id: u64,
    /// What the cashier called it ("blue coat").
    pub label: String,
    /// When it was parked (RFC 3339).
    pub parked_at: String,
    /// The register's serialised cart.
    pub payload: String,
}

const SELECT: &str = "SELECT id, label, parked_at, payload FROM parked_carts";

fn read_parked(r: &rusqlite::Row<'_>) -> rusqlite::Result<ParkedCart> {
    Ok(ParkedCart { id: r.get::<_, i64>(0)? as u64, label: r.get(1)?, parked_at: r.get(2)?, payload: r.get(3)? })
}

fn find(conn: &Connection, id: u64) -> Result<ParkedCart> {
    conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id as i64], read_parked)
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no parked cart {id}")))
}

impl Store {
    /// Parks a cart and returns its number; `replaces` is the parked cart it was resumed
    /// from, taken off the list in the same transaction.
    pub fn park(&mut self, label: &str, parked_at: &str, payload: &str, replaces: Option<u64>) -> Result<u64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(old) = replaces {
            take(&tx, old)?;
        }
        tx.execute(
            "INSERT INTO parked_carts (label, parked_at, payload) VALUES (?1, ?2, ?3)",
            params![label, parked_at, payload],
        )?;
        let id = tx.last_insert_rowid() as u64;
        tx.commit()?;
        Ok(id)
    }

    /// Every parked cart, oldest first.
    pub fn parked(&self) -> Result<Vec<ParkedCart>> {
        let mut stmt = self.conn.prepare(&format!("{SELECT} ORDER BY id"))?;
        let rows = stmt.query_map([], read_parked)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Reads a parked cart without taking it.
    pub fn parked_cart(&self, id: u64) -> Result<ParkedCart> {
        find(&self.conn, id)
    }
}

/// Takes parked cart `id` off the list inside the caller's transaction; an error if it is
/// gone (resumed and completed elsewhere), so the caller's transaction rolls back.
pub(crate) fn take(conn: &Connection, id: u64) -> Result<()> {
    let removed = conn.execute("DELETE FROM parked_carts WHERE id = ?1", [id as i64])?;
    if removed == 0 {
        return Err(StoreError::Conflict(format!(
            "parked cart {id} is no longer parked (it was completed or parked again elsewhere)"
        )));
    }
    Ok(())
}
