//! The configuration versions a register holds and which one is in force.
//!
//! A register starts on `local-1`, the text given to `till init`. Not enrolled, a manager
//! edits it (`till config set KEY=VALUE…`, [`Action::ConfigureStore`], journalled): each
//! edit is the next local version, in force at once. Enrolled, HQ owns the configuration:
//! its versions (`hq-N`) arrive in the sync round before they take effect, are validated
//! here (one that does not validate is set aside, named in the sync status, never
//! applied), and the register switches to the latest one whose effective time has passed —
//! when it opens, in `maintain`, and at the start of a sale ([`Register::apply_due_config`]),
//! never while a cart is being rung up. Offline too: the versions are already here.
//! Local edits of an enrolled register are refused, naming the keys and where HQ sets them.

use till_domain::Action;
use till_store::ConfigVersionRow;

use crate::config::{Edit, EditError, KeyScope, RegisterConfig, edit};
use crate::{Authority, Register, RegisterError};

/// Setting holding the text in force.
pub(crate) const CONFIG_TEXT: &str = "config";
/// Setting holding the label of the version in force (`local-N`, `hq-N`).
pub(crate) const CONFIG_VERSION: &str = till_sync::client::CONFIG_VERSION_SETTING;
/// Setting holding when the version in force took effect.
const CONFIG_SINCE: &str = "config.since";

/// A configuration edit the register refuses.
#[derive(Debug, thiserror::Error)]
pub enum ConfigEditError {
    /// An edit that cannot be applied (names the key).
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The register is enrolled: HQ owns these keys.
    #[error(
        "this register is enrolled with HQ ({hq}), which owns its configuration: {keys} cannot be changed here; \
         change {where_}"
    )]
    OwnedByHq {
        /// HQ's URL.
        hq: String,
        /// The keys refused.
        keys: String,
        /// The HQ command that changes them.
        where_: String,
    },
    /// Nothing to change.
    #[error("no KEY=VALUE given (e.g. tax_classes.standard=9)")]
    Nothing,
}

impl ConfigEditError {
    /// The stable code the CLI prints and the app reacts to.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigEditError::OwnedByHq { .. } => "owned_by_hq",
            _ => "input",
        }
    }
}

/// A version held that is not in force yet (HQ's, effective later).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PendingVersion {
    /// `hq-N`.
    pub version: String,
    /// When it takes effect.
    pub effective: String,
    /// Why it was made.
    pub reason: String,
}

/// The configuration in force and what is held besides (`till config show`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfigView {
    /// The version in force: `local-N` or `hq-N`.
    pub version: String,
    /// Where it came from: `local` or `hq`.
    pub source: String,
    /// When it took effect (empty: since the register was created, before versions).
    pub effective: String,
    /// Who made it.
    pub made_by: String,
    /// Why.
    pub reason: String,
    /// Whether the register is enrolled (then HQ owns the configuration).
    pub enrolled: bool,
    /// The text in force.
    pub text: String,
    /// Its values as dotted `key = value` pairs.
    pub values: Vec<(String, String)>,
    /// Versions held that take effect later.
    pub pending: Vec<PendingVersion>,
    /// HQ versions set aside here, and why.
    pub set_aside: Vec<String>,
}

fn label(row: &ConfigVersionRow) -> String {
    format!("{}-{}", row.source, row.version)
}

fn effective_at(row: &ConfigVersionRow) -> Option<jiff::Timestamp> {
    row.effective.parse().ok()
}

impl Register {
    /// The configuration version in force (`local-N` or `hq-N`).
    pub fn config_version(&self) -> Option<&str> {
        self.config_version.as_deref()
    }

    /// The version that should be in force at `now`: among HQ's usable versions whose
    /// effective time has passed, the latest; when there is none, the latest local one.
    fn due_config(&self, now: jiff::Timestamp) -> Result<Option<ConfigVersionRow>, RegisterError> {
        let rows = self.store.config_versions()?;
        let due = |source: &str| {
            rows.iter()
                .filter(|r| r.source == source && r.problem.is_empty())
                .filter(|r| r.effective.is_empty() || effective_at(r).is_some_and(|at| at <= now))
                .max_by_key(|r| (effective_at(r), r.version))
                .cloned()
        };
        Ok(due("hq").or_else(|| due("local")))
    }

    /// Switches to the configuration version due now if it is not the one in force
    /// (at the start of a sale — never with a cart open — when the register opens, and in
    /// `maintain`). Returns the version switched to, if it switched.
    pub fn apply_due_config(&mut self) -> Result<Option<String>, RegisterError> {
        let Some(row) = self.due_config(self.now())? else { return Ok(None) };
        let name = label(&row);
        if self.config_version.as_deref() == Some(name.as_str()) {
            return Ok(None);
        }
        // Validated when it arrived; a version this build no longer accepts is set aside
        // (said in the sync status) and the register stays on the one it has.
        let problem = match RegisterConfig::parse(&row.text, &format!("configuration {name}")) {
            Err(e) => Some(e.to_string()),
            Ok(c) if c.store != self.config.store || c.register != self.config.register => Some(format!(
                "it is for {}/{}, not {}/{}",
                c.store, c.register, self.config.store, self.config.register
            )),
            Ok(c) => {
                self.switch_to(&row, &name, c)?;
                return Ok(Some(name));
            }
        };
        let problem = problem.unwrap_or_default();
        tracing::warn!(version = %name, %problem, "configuration set aside");
        self.store.set_config_problem(&row.source, row.version, &problem)?;
        // The next one due, if any (each set aside is gone from the candidates).
        self.apply_due_config()
    }

    /// Puts version `row` in force (its text, label and since when), already parsed.
    fn switch_to(&mut self, row: &ConfigVersionRow, name: &str, config: RegisterConfig) -> Result<(), RegisterError> {
        let settings =
            [(CONFIG_TEXT, row.text.as_str()), (CONFIG_VERSION, name), (CONFIG_SINCE, row.effective.as_str())];
        self.store.put_config_version(row, &settings, None)?;
        tracing::info!(version = %name, effective = %row.effective, "configuration switched");
        self.config = config;
        self.config_version = Some(name.to_string());
        Ok(())
    }

    /// The configuration in force, where it came from, and the versions waiting.
    pub fn config_show(&self) -> Result<ConfigView, RegisterError> {
        let rows = self.store.config_versions()?;
        let name = self.config_version.clone().unwrap_or_else(|| "local-1".to_string());
        let current = rows.iter().find(|r| label(r) == name);
        let text = self.store.setting(CONFIG_TEXT)?.unwrap_or_default();
        let now = self.now();
        let in_force_at = current.and_then(effective_at);
        let pending = rows
            .iter()
            .filter(|r| r.source == "hq" && r.problem.is_empty())
            .filter(|r| effective_at(r).is_some_and(|at| at > now && in_force_at.is_none_or(|c| at >= c)))
            .map(|r| PendingVersion { version: label(r), effective: r.effective.clone(), reason: r.reason.clone() })
            .collect();
        Ok(ConfigView {
            source: current.map_or_else(|| "local".to_string(), |r| r.source.clone()),
            effective: current.map(|r| r.effective.clone()).unwrap_or_default(),
            made_by: current.map(|r| r.made_by.clone()).unwrap_or_default(),
            reason: current.map(|r| r.reason.clone()).unwrap_or_default(),
            enrolled: till_sync::enrolled_with(&self.store)?.is_some(),
            values: edit::flatten(&text).map_err(|e| RegisterError::corrupt("the configuration in force", e))?,
            text,
            version: name,
            pending,
            set_aside: rows
                .iter()
                .filter(|r| !r.problem.is_empty())
                .map(|r| format!("{}: {}", label(r), r.problem))
                .collect(),
        })
    }

    /// Changes the store's configuration here (`till config set KEY=VALUE…`): the edits
    /// are applied to the text in force, the result validated as a whole, and kept as the
    /// next local version, in force now; journalled as a `configure_store` audit record
    /// naming the version and the edits. Refused on an enrolled register (HQ owns the
    /// configuration: the error names the keys and the HQ command).
    pub fn config_set(
        &mut self,
        auth: &mut Authority,
        edits: &[String],
        reason: &str,
    ) -> Result<ConfigView, RegisterError> {
        if edits.is_empty() {
            return Err(ConfigEditError::Nothing.into());
        }
        let edits: Vec<Edit> =
            edits.iter().map(|e| Edit::parse(e)).collect::<Result<_, _>>().map_err(ConfigEditError::from)?;
        if let Some(e) = edits.iter().find(|e| e.scope() == KeyScope::Identity) {
            return Err(ConfigEditError::Edit(EditError::Identity(e.key.clone())).into());
        }
        if let Some(hq) = till_sync::enrolled_with(&self.store)? {
            let keys: Vec<&str> = edits.iter().map(|e| e.key.as_str()).collect();
            let store = &self.config.store;
            let device = edits.iter().any(|e| e.scope() == KeyScope::Register);
            let where_ = if device {
                format!(
                    "at HQ: till-hq config set --store {store} --register {} KEY=VALUE… --by NAME",
                    self.config.register
                )
            } else {
                format!("at HQ: till-hq config set --store {store} KEY=VALUE… --by NAME")
            };
            return Err(ConfigEditError::OwnedByHq { hq, keys: keys.join(", "), where_ }.into());
        }
        let text = self.store.setting(CONFIG_TEXT)?.unwrap_or_default();
        let new_text = edit::apply(&text, &edits).map_err(ConfigEditError::from)?;
        let version = self.store.latest_config_version("local")? + 1;
        let name = format!("local-{version}");
        let config = RegisterConfig::parse(&new_text, "till config set")?;
        let changes: Vec<String> = edits.iter().map(|e| format!("{}={}", e.key, e.value)).collect();
        let mut detail = format!("configuration {name}: {}", changes.join(", "));
        if !reason.trim().is_empty() {
            detail.push_str(&format!(" ({})", reason.trim()));
        }
        let audit = self.authorize(auth, Action::ConfigureStore, detail)?;
        let now = self.now().to_string();
        let row = ConfigVersionRow {
            source: "local".into(),
            version,
            text: new_text.clone(),
            effective: now.clone(),
            made_by: audit.staff.clone().unwrap_or_default(),
            made_at: now.clone(),
            reason: reason.trim().to_string(),
            problem: String::new(),
        };
        let settings =
            [(CONFIG_TEXT, new_text.as_str()), (CONFIG_VERSION, name.as_str()), (CONFIG_SINCE, now.as_str())];
        self.store.put_config_version(&row, &settings, Some((&audit, &now)))?;
        self.config = config;
        self.config_version = Some(name);
        self.config_show()
    }

    /// At (re-)enrollment: HQ's versions held are forgotten (the HQ enrolled with numbers
    /// its own and sends them all at the next round). A register on an HQ version keeps
    /// its text as the next local version until the new HQ's versions arrive.
    pub(crate) fn forget_hq_configs(&mut self) -> Result<(), RegisterError> {
        if self.config_version.as_deref().is_some_and(|v| v.starts_with("hq-")) {
            let text = self.store.setting(CONFIG_TEXT)?.unwrap_or_default();
            let version = self.store.latest_config_version("local")? + 1;
            let name = format!("local-{version}");
            let now = self.now().to_string();
            let row = ConfigVersionRow {
                source: "local".into(),
                version,
                text,
                effective: now.clone(),
                made_by: String::new(),
                made_at: now.clone(),
                reason: format!("kept from {} at enrollment", self.config_version.as_deref().unwrap_or("HQ")),
                problem: String::new(),
            };
            self.store.put_config_version(
                &row,
                &[(CONFIG_VERSION, name.as_str()), (CONFIG_SINCE, now.as_str())],
                None,
            )?;
            self.config_version = Some(name);
        }
        self.store.forget_hq_config_versions()?;
        Ok(())
    }

    /// Keeps HQ's configuration versions from a sync round: each is validated here (the
    /// whole text, and that it is this register's); one that does not validate is kept
    /// set aside with why. Then switches if one is due. Returns the versions set aside.
    pub(crate) fn take_configs(
        &mut self,
        infos: &[till_protocol::ConfigVersionInfo],
    ) -> Result<Vec<String>, RegisterError> {
        let mut aside = Vec::new();
        for info in infos {
            let name = format!("hq-{}", info.version);
            let problem = match RegisterConfig::parse(&info.text, &format!("HQ configuration {name}")) {
                Err(e) => e.to_string(),
                Ok(c) if c.store != self.config.store || c.register != self.config.register => {
                    format!("it is for {}/{}, not {}/{}", c.store, c.register, self.config.store, self.config.register)
                }
                Ok(_) if info.effective.parse::<jiff::Timestamp>().is_err() => {
                    format!("its effective time '{}' is not RFC 3339", info.effective)
                }
                Ok(_) => String::new(),
            };
            if !problem.is_empty() {
                tracing::warn!(version = %name, %problem, "HQ configuration set aside");
                aside.push(format!("{name}: {problem}"));
            }
            let row = ConfigVersionRow {
                source: "hq".into(),
                version: i64::try_from(info.version).unwrap_or(i64::MAX),
                text: info.text.clone(),
                effective: info.effective.clone(),
                made_by: info.made_by.clone(),
                made_at: info.made_at.clone(),
                reason: info.reason.clone(),
                problem,
            };
            self.store.put_config_version(&row, &[], None)?;
        }
        self.apply_due_config()?;
        Ok(aside)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use till_protocol::ConfigVersionInfo;

    use crate::{FixedClock, Register, SeededIds};

    const TEXT: &str = "store = \"S1\"\nregister = \"R1\"\ncurrency = \"EUR\"\nprices_include_tax = true\n\
                        tax_rounding = \"line\"\nrounding_mode = \"half_up\"\ndefault_tax_class = \"standard\"\n\
                        [tax_classes]\nstandard = \"21\"\n";

    fn open(dir: &std::path::Path, at: jiff::Timestamp) -> Register {
        Register::open(dir, Arc::new(FixedClock::new(at)), Box::new(SeededIds::new(7))).unwrap()
    }

    fn info(version: u64, text: &str, effective: jiff::Timestamp) -> ConfigVersionInfo {
        ConfigVersionInfo {
            version,
            text: text.to_string(),
            effective: effective.to_string(),
            made_by: "alice".into(),
            made_at: effective.to_string(),
            reason: format!("v{version}"),
        }
    }

    #[test]
    fn hq_versions_that_do_not_validate_are_set_aside_and_the_others_switch_on_time() {
        let dir = tempfile::tempdir().unwrap();
        Register::init(dir.path(), TEXT, "store.toml").unwrap();
        let t0: jiff::Timestamp = "2027-01-01T10:00:00Z".parse().unwrap();
        let later = t0 + jiff::SignedDuration::from_hours(1);
        let mut reg = open(dir.path(), t0);
        assert_eq!(reg.config_version(), Some("local-1"));
        let aside = reg
            .take_configs(&[
                info(1, &TEXT.replace("\"21\"", "\"21%\""), t0),
                info(2, &TEXT.replace("\"21\"", "\"9\""), later),
                info(3, &TEXT.replace("R1", "R2"), later),
            ])
            .unwrap();
        assert_eq!(aside.len(), 2, "{aside:?}");
        assert!(aside[0].starts_with("hq-1: HQ configuration hq-1:9: tax_classes.standard: '21%'"), "{aside:?}");
        assert_eq!(aside[1], "hq-3: it is for S1/R2, not S1/R1");
        // Nothing due yet: still on its own configuration, the VAT change waiting.
        let shown = reg.config_show().unwrap();
        assert_eq!(shown.version, "local-1");
        assert_eq!(shown.pending.iter().map(|p| p.version.as_str()).collect::<Vec<_>>(), ["hq-2"]);
        assert_eq!(shown.set_aside.len(), 2);
        assert_eq!(reg.sync_status().unwrap().config_set_aside.len(), 2, "said in the sync status");
        drop(reg);
        // Opened after the effective time (offline: nothing asked of HQ): on hq-2.
        let mut reg = open(dir.path(), later);
        assert_eq!(reg.config_version(), Some("hq-2"));
        assert_eq!(reg.config().tax_class("standard").unwrap().rate.to_string(), "9");

        // Enrolled anew: the old HQ's versions are forgotten (the next HQ sends its own
        // from 1); the text in force stays, as the next local version.
        reg.forget_hq_configs().unwrap();
        assert_eq!(reg.config_version(), Some("local-2"));
        assert_eq!(reg.store().latest_config_version("hq").unwrap(), 0);
        let shown = reg.config_show().unwrap();
        assert_eq!((shown.reason.as_str(), shown.set_aside.len()), ("kept from hq-2 at enrollment", 0));
        // A version held as usable that this build does not accept (stored by an older
        // one): set aside when it comes due, said, and the register stays where it is.
        let row = till_store::ConfigVersionRow {
            source: "hq".into(),
            version: 5,
            text: TEXT.replace("currency = \"EUR\"", "currency = \"XXX\""),
            effective: t0.to_string(),
            made_by: "alice".into(),
            made_at: t0.to_string(),
            reason: String::new(),
            problem: String::new(),
        };
        reg.store_mut().put_config_version(&row, &[], None).unwrap();
        assert_eq!(reg.apply_due_config().unwrap(), None);
        assert_eq!(reg.config_version(), Some("local-2"));
        let aside = reg.config_show().unwrap().set_aside;
        assert!(aside.len() == 1 && aside[0].starts_with("hq-5: configuration hq-5:3: currency"), "{aside:?}");
        drop(reg);
        let reg = open(dir.path(), later);
        assert_eq!(reg.config_version(), Some("local-2"));
        assert_eq!(reg.config().tax_class("standard").unwrap().rate.to_string(), "9");
    }
}
