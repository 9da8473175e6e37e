//! Store configuration versions in the sync round: the register says the highest HQ
//! version it holds ([`crate::DigestRequest::config_version`]); HQ's answer carries the
//! newer ones ([`crate::DigestResponse::configs`]), each already composed for that register
//! (the store's keys with its own device sections) and with the time it takes effect.

use serde::{Deserialize, Serialize};

/// One configuration version as HQ sends it to a register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigVersionInfo {
    /// HQ's version number for the store (one line per store, effective times in order).
    pub version: u64,
    /// The register's whole configuration text (`store.toml`).
    pub text: String,
    /// When it takes effect (RFC 3339).
    pub effective: String,
    /// Who made it at HQ.
    pub made_by: String,
    /// When it was made (RFC 3339).
    pub made_at: String,
    /// Why.
    #[serde(default)]
    pub reason: String,
}
