//! The store configuration as `till config show` prints it and the app's Settings shows it.

use serde::Serialize;
use ts_rs::TS;

/// One `key = value` of the configuration in force.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConfigValueView {
    /// Dotted key (`tax_classes.standard`).
    pub key: String,
    /// The value as TOML writes it (`"21"`, `42`, `["Harbour & Co"]`).
    pub value: String,
}

/// A configuration version held that takes effect later.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PendingConfigView {
    /// `hq-N`.
    pub version: String,
    /// When it takes effect (RFC 3339).
    pub effective: String,
    pub reason: String,
}

/// The configuration in force: its version, where it came from, since when, its values.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConfigStateView {
    /// `local-N` (edited at this register) or `hq-N` (HQ's version N).
    pub version: String,
    /// `local` or `hq`.
    pub source: String,
    /// When it took effect (empty: since the register was created).
    pub effective: String,
    /// Who made it (a staff code, or HQ's `--by`).
    pub made_by: String,
    pub reason: String,
    /// Enrolled with an HQ: HQ owns the configuration and local edits are refused.
    pub enrolled: bool,
    /// The whole text in force (`store.toml`).
    pub text: String,
    pub values: Vec<ConfigValueView>,
    /// HQ versions held that take effect later (they switch on time, offline too).
    pub pending: Vec<PendingConfigView>,
    /// HQ versions that do not validate here, and why (never applied).
    pub set_aside: Vec<String>,
}

impl From<&till_register::ConfigView> for ConfigStateView {
    fn from(c: &till_register::ConfigView) -> Self {
        ConfigStateView {
            version: c.version.clone(),
            source: c.source.clone(),
            effective: c.effective.clone(),
            made_by: c.made_by.clone(),
            reason: c.reason.clone(),
            enrolled: c.enrolled,
            text: c.text.clone(),
            values: c
                .values
                .iter()
                .map(|(key, value)| ConfigValueView { key: key.clone(), value: value.clone() })
                .collect(),
            pending: c
                .pending
                .iter()
                .map(|p| PendingConfigView {
                    version: p.version.clone(),
                    effective: p.effective.clone(),
                    reason: p.reason.clone(),
                })
                .collect(),
            set_aside: c.set_aside.clone(),
        }
    }
}
