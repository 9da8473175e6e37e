//! The store configuration (`store.toml`): parsed and validated by `till_config` (the same
//! code HQ validates with), re-exported here so callers keep their paths; the register's
//! versions of it (local edits, HQ's effective-dated versions) in [`versions`].

pub use till_config::*;

pub mod versions;
pub use versions::{ConfigEditError, ConfigView, PendingVersion};
