//! The configuration versions a register holds: its own edits and HQ's effective-dated
//! versions for its store. Which one is in force is the register's choice; this keeps
//! them, and switches the text in force (the `config` setting) in one transaction.

use rusqlite::{TransactionBehavior, params};

use crate::{AuditEntry, Result, journal};

/// One configuration version as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigVersionRow {
    /// `local` (edited at this register) or `hq`.
    pub source: String,
    /// The version's number in its source's numbering.
    pub version: i64,
    /// The whole configuration text.
    pub text: String,
    /// When it takes effect (RFC 3339; empty: since before versions were kept).
    pub effective: String,
    /// Who made it.
    pub made_by: String,
    /// When it was made (RFC 3339).
    pub made_at: String,
    /// Why.
    pub reason: String,
    /// Why it does not validate here (empty when it does): never applied.
    pub problem: String,
}

const COLUMNS: &str = "source, version, text, effective, made_by, made_at, reason, problem";

impl crate::Store {
    /// Every configuration version held, local first, each source oldest first.
    pub fn config_versions(&self) -> Result<Vec<ConfigVersionRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM config_versions ORDER BY source DESC, version"))?;
        let rows = stmt.query_map([], |r| {
            Ok(ConfigVersionRow {
                source: r.get(0)?,
                version: r.get(1)?,
                text: r.get(2)?,
                effective: r.get(3)?,
                made_by: r.get(4)?,
                made_at: r.get(5)?,
                reason: r.get(6)?,
                problem: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The highest version of `source` held (0: none).
    pub fn latest_config_version(&self, source: &str) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM config_versions WHERE source = ?1",
            [source],
            |r| r.get(0),
        )?)
    }

    /// Sets version `source`-`version` aside with why (it no longer validates here).
    pub fn set_config_problem(&self, source: &str, version: i64, problem: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE config_versions SET problem = ?3 WHERE source = ?1 AND version = ?2",
            rusqlite::params![source, version, problem],
        )?;
        Ok(())
    }

    /// Forgets every HQ version held (the register was enrolled anew: the next HQ numbers
    /// its versions its own way, and sends them all).
    pub fn forget_hq_config_versions(&self) -> Result<usize> {
        Ok(self.conn.execute("DELETE FROM config_versions WHERE source = 'hq'", [])?)
    }

    /// Keeps `row` (a version already held is left as it is); with `settings`, writes
    /// those settings too (the text in force and its label, for a version that takes
    /// effect now), and with `audit`, journals who did it — all in one transaction.
    pub fn put_config_version(
        &mut self,
        row: &ConfigVersionRow,
        settings: &[(&str, &str)],
        audit: Option<(&AuditEntry, &str)>,
    ) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            &format!(
                "INSERT INTO config_versions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (source, version) DO NOTHING"
            ),
            params![
                row.source,
                row.version,
                row.text,
                row.effective,
                row.made_by,
                row.made_at,
                row.reason,
                row.problem
            ],
        )?;
        for (key, value) in settings {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
        }
        if let Some((entry, at)) = audit {
            journal::append_audit(&tx, entry, at)?;
            self.replica.seal(&tx)?;
        }
        tx.commit()?;
        Ok(())
    }
}
