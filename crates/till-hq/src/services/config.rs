//! The chain's store configurations: HQ keeps each store's `store.toml` as numbered
//! versions, each with the time it takes effect, who made it, when and why. A version is a
//! whole snapshot: the store's keys, and each register's own device sections (overrides).
//! Versions of a store take effect in the order they are made (a new one may not take
//! effect before the latest), so "the version in force at T" is the highest-numbered one
//! effective by T, at HQ and at every register alike.
//!
//! Every version is validated with `till_config` — the register's own parser — for the
//! store and for each register that has overrides, before it is stored: a version HQ
//! accepts is one every register accepts. Registers receive the versions newer than the
//! one they hold in the sync round's digest answer, composed for them
//! ([`configs_after`]), before they take effect, and switch on time, offline too.
//!
//! A store with no version at HQ keeps the configuration its registers were created with
//! (HQ does not take one from a register: `config import` the store's file to start).

use std::collections::BTreeMap;

use serde::Serialize;
use till_config::{Edit, KeyScope, RegisterConfig, edit};
use till_protocol::ConfigVersionInfo;

use super::Hq;
use crate::books::catalog::nanos;
use crate::db::{Row, Tx, with_tx};
use crate::error::HqError;

/// One version of a store's configuration.
#[derive(Debug, Clone, Serialize)]
pub struct StoreConfigVersion {
    /// The store.
    pub store: String,
    /// Its number in the store's line of versions.
    pub version: u64,
    /// The store's keys (no register id, no device sections).
    pub text: String,
    /// Each register's device sections, by register id.
    pub overrides: BTreeMap<String, String>,
    /// When it takes effect (RFC 3339).
    pub effective: String,
    /// Who made it (`--by`).
    pub made_by: String,
    /// When it was made (RFC 3339).
    pub made_at: String,
    /// Why.
    pub reason: String,
}

impl StoreConfigVersion {
    /// The whole configuration of `register` in this version.
    pub fn for_register(&self, register: &str) -> Result<String, HqError> {
        let overrides = self.overrides.get(register).map(String::as_str).unwrap_or("");
        edit::compose(&self.text, register, overrides).map_err(|e| HqError::Internal(e.to_string()))
    }
}

/// Who changes a store's configuration, from when, and why.
#[derive(Debug, Clone)]
pub struct ConfigChange<'a> {
    /// The store.
    pub store: &'a str,
    /// The register whose device sections change (`--register`), if any.
    pub register: Option<&'a str>,
    /// When the new version takes effect (`None`: now).
    pub effective: Option<jiff::Timestamp>,
    /// Who (`--by`).
    pub by: &'a str,
    /// Why (`--reason`).
    pub reason: &'a str,
}

/// A version's content: the store's keys and each register's device sections.
type Content = (String, BTreeMap<String, String>);

const COLUMNS: &str = "store, version, text, overrides, effective, made_by, made_at, reason";

fn from_row(row: &Row) -> Result<StoreConfigVersion, HqError> {
    let r = row.of("store_configs");
    let overrides = r.text("overrides")?;
    Ok(StoreConfigVersion {
        store: r.text("store")?,
        version: r.int("version")? as u64,
        text: r.text("text")?,
        overrides: serde_json::from_str(&overrides)
            .map_err(|e| HqError::Database(format!("store_configs.overrides: {e}")))?,
        effective: r.text("effective")?,
        made_by: r.text("made_by")?,
        made_at: r.text("made_at")?,
        reason: r.text("reason")?,
    })
}

fn latest(tx: &mut dyn Tx, store: &str) -> Result<Option<StoreConfigVersion>, HqError> {
    let row = tx.one(
        &format!("SELECT {COLUMNS} FROM store_configs WHERE store = $1 ORDER BY version DESC LIMIT 1"),
        &[store.into()],
    )?;
    row.as_ref().map(from_row).transpose()
}

/// The store's versions newer than `after`, oldest first, each composed for `register` —
/// what a register's sync round receives.
pub(crate) fn configs_after(
    tx: &mut dyn Tx,
    store: &str,
    register: &str,
    after: u64,
) -> Result<Vec<ConfigVersionInfo>, HqError> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = tx.query(
        &format!("SELECT {COLUMNS} FROM store_configs WHERE store = $1 AND version > $2 ORDER BY version"),
        &[store.into(), after.into()],
    )?;
    rows.iter()
        .map(|row| {
            let v = from_row(row)?;
            Ok(ConfigVersionInfo {
                version: v.version,
                text: v.for_register(register)?,
                effective: v.effective.clone(),
                made_by: v.made_by.clone(),
                made_at: v.made_at.clone(),
                reason: v.reason.clone(),
            })
        })
        .collect()
}

/// Validates a store's text and overrides with the register's own parser.
fn validate(store: &str, text: &str, overrides: &BTreeMap<String, String>, source: &str) -> Result<(), HqError> {
    let bad = |e: String| HqError::BadRequest(e);
    // The store's keys alone, as a register with no devices of its own reads them.
    let composed = edit::compose(text, "_", "").map_err(|e| bad(e.to_string()))?;
    let config = RegisterConfig::parse(&composed, source).map_err(|e| bad(e.to_string()))?;
    if config.store != store {
        return Err(bad(format!("{source}: store: '{}' is not store {store}", config.store)));
    }
    for (register, devices) in overrides {
        let composed = edit::compose(text, register, devices).map_err(|e| bad(e.to_string()))?;
        RegisterConfig::parse(&composed, &format!("{source} (register {register})")).map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

impl Hq {
    /// Stores the next version of `change.store`'s configuration: `text` and `overrides`,
    /// validated first; in effect from `change.effective` (now if none), which may not be
    /// before the latest version's.
    fn put_config(
        &self,
        change: &ConfigChange<'_>,
        source: &str,
        make: &dyn Fn(Option<&StoreConfigVersion>) -> Result<Content, HqError>,
        now: jiff::Timestamp,
    ) -> Result<StoreConfigVersion, HqError> {
        let effective = change.effective.unwrap_or(now);
        if change.by.trim().is_empty() {
            return Err(HqError::BadRequest("--by: say who makes the change".into()));
        }
        with_tx(self.db(), |tx| {
            tx.lock(&format!("config/{}", change.store))?;
            let last = latest(tx, change.store)?;
            if let Some(last) = &last
                && let Ok(at) = last.effective.parse::<jiff::Timestamp>()
                && at > effective
            {
                return Err(HqError::BadRequest(format!(
                    "version {} of {} takes effect at {}; a new version cannot take effect before it (a store's \
                     versions take effect in the order they are made): give --effective {} or later",
                    last.version, change.store, last.effective, last.effective
                )));
            }
            let (text, overrides) = make(last.as_ref())?;
            let version = last.as_ref().map_or(1, |l| l.version + 1);
            validate(change.store, &text, &overrides, &format!("{source} (version {version})"))?;
            let v = StoreConfigVersion {
                store: change.store.to_string(),
                version,
                text,
                overrides,
                effective: effective.to_string(),
                made_by: change.by.trim().to_string(),
                made_at: now.to_string(),
                reason: change.reason.trim().to_string(),
            };
            let overrides = serde_json::to_string(&v.overrides).map_err(|e| HqError::Internal(e.to_string()))?;
            tx.exec(
                "INSERT INTO store_configs (store, version, text, overrides, effective, effective_ns, made_by, \
                 made_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    v.store.as_str().into(),
                    (v.version as i64).into(),
                    v.text.as_str().into(),
                    overrides.into(),
                    v.effective.as_str().into(),
                    nanos(effective)?.into(),
                    v.made_by.as_str().into(),
                    v.made_at.as_str().into(),
                    v.reason.as_str().into(),
                ],
            )?;
            Ok(v)
        })
    }

    /// `till-hq config set`: applies `KEY=VALUE` edits to the latest version of the
    /// store's configuration (with `change.register`, to that register's device sections
    /// only) and stores the result as the next version.
    pub fn config_set(
        &self,
        change: &ConfigChange<'_>,
        edits: &[String],
        now: jiff::Timestamp,
    ) -> Result<StoreConfigVersion, HqError> {
        let bad = |e: String| HqError::BadRequest(e);
        let edits: Vec<Edit> =
            edits.iter().map(|e| Edit::parse(e)).collect::<Result<_, _>>().map_err(|e| bad(e.to_string()))?;
        if edits.is_empty() {
            return Err(bad("no KEY=VALUE given (e.g. tax_classes.standard=9)".into()));
        }
        for e in &edits {
            match (e.scope(), change.register) {
                (KeyScope::Identity, _) => {
                    return Err(bad(till_config::EditError::Identity(e.key.clone()).to_string()));
                }
                (KeyScope::Register, None) => {
                    return Err(bad(format!("{}: a register's device setting: give --register REGISTER", e.key)));
                }
                (KeyScope::Store, Some(r)) => {
                    return Err(bad(format!(
                        "{}: the store's setting, the same at every register: drop --register {r}",
                        e.key
                    )));
                }
                _ => {}
            }
        }
        let store = change.store;
        self.put_config(
            change,
            "till-hq config set",
            &|last| {
                let last = last.ok_or_else(|| {
                    HqError::NotFound(format!(
                        "store {store} has no configuration at HQ yet: till-hq config import --store {store} FILE.toml"
                    ))
                })?;
                let mut overrides = last.overrides.clone();
                let text = match change.register {
                    None => edit::apply(&last.text, &edits).map_err(|e| bad(e.to_string()))?,
                    Some(r) => {
                        let devices = overrides.get(r).cloned().unwrap_or_default();
                        let devices = edit::apply(&devices, &edits).map_err(|e| bad(e.to_string()))?;
                        overrides.insert(r.to_string(), devices);
                        last.text.clone()
                    }
                };
                Ok((text, overrides))
            },
            now,
        )
    }

    /// `till-hq config import`: the store's keys from a whole `store.toml` (validated as a
    /// register would, errors naming `file_name`, the line and the field) as the next
    /// version; with `change.register`, the file's device sections become that register's.
    /// Other registers' device sections are kept from the latest version.
    pub fn config_import(
        &self,
        change: &ConfigChange<'_>,
        file_name: &str,
        text: &str,
        now: jiff::Timestamp,
    ) -> Result<StoreConfigVersion, HqError> {
        let bad = |e: String| HqError::BadRequest(e);
        let file = RegisterConfig::parse(text, file_name).map_err(|e| bad(e.to_string()))?;
        if file.store != change.store {
            return Err(bad(format!("{file_name}: store: '{}' is not store {}", file.store, change.store)));
        }
        let store_text = edit::store_part(text).map_err(|e| bad(e.to_string()))?;
        let devices = edit::register_part(text).map_err(|e| bad(e.to_string()))?;
        self.put_config(
            change,
            file_name,
            &|last| {
                let mut overrides = last.map(|l| l.overrides.clone()).unwrap_or_default();
                if let Some(r) = change.register {
                    overrides.insert(r.to_string(), devices.clone());
                }
                Ok((store_text.clone(), overrides))
            },
            now,
        )
    }

    /// The version of `store`'s configuration in force at `at` (the highest-numbered one
    /// effective by then), if any.
    pub fn config_at(&self, store: &str, at: jiff::Timestamp) -> Result<Option<StoreConfigVersion>, HqError> {
        with_tx(self.db(), |tx| {
            let row = tx.one(
                &format!(
                    "SELECT {COLUMNS} FROM store_configs WHERE store = $1 AND effective_ns <= $2 \
                     ORDER BY version DESC LIMIT 1"
                ),
                &[store.into(), nanos(at)?.into()],
            )?;
            row.as_ref().map(from_row).transpose()
        })
    }

    /// Every version of `store`'s configuration, newest first.
    pub fn config_history(&self, store: &str) -> Result<Vec<StoreConfigVersion>, HqError> {
        with_tx(self.db(), |tx| {
            let rows = tx.query(
                &format!("SELECT {COLUMNS} FROM store_configs WHERE store = $1 ORDER BY version DESC"),
                &[store.into()],
            )?;
            rows.iter().map(from_row).collect()
        })
    }
}
