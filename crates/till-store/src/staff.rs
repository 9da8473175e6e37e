//! Staff and roles as stored. Hashing and checking PINs is the register's job; the store
//! keeps PHC hash strings and counts failed attempts.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use till_domain::{Action, Permission, Role};

use crate::journal::{self, AuditEntry};
use crate::{Result, Store, StoreError};

/// A staff member as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    /// Staff code (badge number).
    pub code: String,
    /// Name shown on receipts and reports.
    pub name: String,
    /// Role name.
    pub role: String,
    /// Argon2id PHC string of the PIN.
    pub pin_hash: String,
    /// Wrong PINs in a row.
    pub failed_pins: u32,
    /// Five or more wrong PINs in a row: each try waits (doubling) until a right PIN or a
    /// manager clears it.
    pub locked: bool,
    /// When the last of the wrong PINs in a row was entered (RFC 3339).
    pub last_failed_at: Option<String>,
    /// False for staff who left.
    pub active: bool,
    /// From HQ's roster (an enrolled register does not edit them itself), not made here.
    pub from_hq: bool,
}

pub(crate) fn encode_role(permissions: &BTreeMap<Action, Permission>) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        permissions.iter().map(|(a, p)| (a.as_str().to_string(), p.as_str().into())).collect();
    serde_json::Value::Object(map).to_string()
}

fn decode_role(name: &str, text: &str) -> Result<Role> {
    let bad = |e: String| StoreError::Corrupt(format!("roles.permissions of role {name}: {e}"));
    let map: BTreeMap<String, String> = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut permissions = BTreeMap::new();
    for (action, permission) in map {
        permissions.insert(action.parse().map_err(bad)?, permission.parse().map_err(bad)?);
    }
    Ok(Role::from_stored(name, permissions))
}

fn read_staff(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffRow> {
    Ok(StaffRow {
        code: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        pin_hash: r.get(3)?,
        failed_pins: r.get(4)?,
        locked: r.get(5)?,
        active: r.get(6)?,
        last_failed_at: r.get(7)?,
        from_hq: r.get(8)?,
    })
}

const STAFF_COLUMNS: &str = "code, name, role, pin_hash, failed_pins, locked, active, last_failed_at, origin = 'hq'";

impl Store {
    /// Every role.
    pub fn roles(&self) -> Result<Vec<Role>> {
        let mut stmt = self.conn.prepare("SELECT name, permissions FROM roles ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|row| {
            let (name, text) = row?;
            decode_role(&name, &text)
        })
        .collect()
    }

    /// One role.
    pub fn role(&self, name: &str) -> Result<Option<Role>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT permissions FROM roles WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        text.map(|t| decode_role(name, &t)).transpose()
    }

    /// Creates or replaces a role; with `audit`, records who changed it in the same
    /// transaction.
    pub fn put_role(&mut self, role: &Role, audit: Option<(&AuditEntry, &str)>) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO roles (name, permissions) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET permissions = excluded.permissions",
            params![role.name, encode_role(&role.permissions)],
        )?;
        if let Some((entry, at)) = audit {
            journal::append_audit(&tx, entry, at)?;
        }
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// The staff member with `code`.
    pub fn staff(&self, code: &str) -> Result<Option<StaffRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE code = ?1"))?
            .query_row([code], read_staff)
            .optional()?)
    }

    /// Every staff member, by code.
    pub fn all_staff(&self) -> Result<Vec<StaffRow>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {STAFF_COLUMNS} FROM staff ORDER BY code"))?;
        let rows = stmt.query_map([], read_staff)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Number of staff ever added (a register with none is still being set up).
    pub fn staff_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM staff", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Adds a staff member, recording who did it in the same transaction.
    pub fn add_staff(&mut self, row: &StaffRow, at: &str, audit: &AuditEntry) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM staff WHERE code = ?1)", [&row.code], |r| r.get(0))?;
        if exists {
            return Err(StoreError::Conflict(format!("staff code {} is taken", row.code)));
        }
        tx.execute(
            "INSERT INTO staff (code, name, role, pin_hash, failed_pins, locked, active, created_at) \
             VALUES (?1, ?2, ?3, ?4, 0, 0, 1, ?5)",
            params![row.code, row.name, row.role, row.pin_hash, at],
        )?;
        journal::append_audit(&tx, audit, at)?;
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Changes a staff member's role, PIN hash, lock or activity, with its audit record.
    pub fn update_staff(&mut self, row: &StaffRow, at: &str, audit: &AuditEntry) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE staff SET name = ?2, role = ?3, pin_hash = ?4, failed_pins = ?5, locked = ?6, active = ?7, \
             last_failed_at = ?8 WHERE code = ?1",
            params![
                row.code,
                row.name,
                row.role,
                row.pin_hash,
                row.failed_pins,
                row.locked,
                row.active,
                row.last_failed_at
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("no staff {}", row.code)));
        }
        journal::append_audit(&tx, audit, at)?;
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a wrong PIN for `code` at `at`: counts it, marks the staff member `locked`
    /// (waiting) from `lock_after` in a row, and writes the attempt to the audit chain.
    /// Returns the count.
    pub fn record_wrong_pin(&mut self, code: &str, lock_after: u32, at: &str, audit: &AuditEntry) -> Result<u32> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE staff SET failed_pins = failed_pins + 1, locked = failed_pins + 1 >= ?2, last_failed_at = ?3 \
             WHERE code = ?1",
            params![code, lock_after, at],
        )?;
        let failed: u32 = tx.query_row("SELECT failed_pins FROM staff WHERE code = ?1", [code], |r| r.get(0))?;
        record_event(&tx, code, "wrong_pin", at)?;
        journal::append_audit(&tx, audit, at)?;
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(failed)
    }

    /// A right PIN at `at`: clears the count of wrong ones and any wait (for one of HQ's
    /// staff, at every register once HQ has heard of it).
    pub fn clear_wrong_pins(&self, code: &str, at: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE staff SET failed_pins = 0, locked = 0, last_failed_at = NULL WHERE code = ?1 AND failed_pins != 0",
            [code],
        )?;
        record_event(&self.conn, code, "right_pin", at)?;
        Ok(())
    }

    /// A manager here unlocks one of HQ's staff: cleared here now, and at every register
    /// of their stores once HQ has heard of it; with its audit record.
    pub fn unlock_staff(&mut self, code: &str, at: &str, audit: &AuditEntry) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed =
            tx.execute("UPDATE staff SET failed_pins = 0, locked = 0, last_failed_at = NULL WHERE code = ?1", [code])?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("no staff {code}")));
        }
        record_event(&tx, code, "unlock", at)?;
        journal::append_audit(&tx, audit, at)?;
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces `code`'s PIN hash with `hash` of the same PIN (stronger parameters, or
    /// the pepper added): not a change of PIN, so not audited.
    pub fn rehash_pin(&self, code: &str, hash: &str) -> Result<()> {
        self.conn.execute("UPDATE staff SET pin_hash = ?2 WHERE code = ?1", params![code, hash])?;
        Ok(())
    }
}

/// Queues `kind` at `at` for HQ if `code` is one of HQ's staff (local staff stay local).
fn record_event(conn: &rusqlite::Connection, code: &str, kind: &str, at: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO staff_events (id, code, kind, at) \
         SELECT lower(hex(randomblob(16))), code, ?2, ?3 FROM staff WHERE code = ?1 AND origin = 'hq'",
        params![code, kind, at],
    )?;
    Ok(())
}
