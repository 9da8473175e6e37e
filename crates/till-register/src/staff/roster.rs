//! HQ's staff on this register: the roster round of a sync, and the chain's PIN pepper.
//!
//! Each round the register sends the sign-in events of HQ's staff it has not had
//! confirmed and the version of the roster it holds; HQ answers with the store's roster
//! when it differs, which is applied in one small transaction. From then on sign-in reads
//! that copy, online or not. The chain's pepper arrives with the roster over the
//! authenticated link and is kept in [`CHAIN_PEPPER_FILE`] beside the database (`0600`),
//! never in it.

use std::collections::BTreeMap;
use std::path::Path;

use till_domain::{Action, Permission, Role};
use till_protocol::{RosterRequest, StaffEvent};
use till_store::{ROSTER_VERSION, RosterApplied, RosterEntry};
use till_sync::Remote;

use crate::{Register, RegisterError};

/// The chain's PIN pepper in the register's data directory, from HQ.
pub const CHAIN_PEPPER_FILE: &str = "chain-pin-pepper";

/// The key id of a hash HQ made with the chain's pepper.
pub(super) const CHAIN_PEPPER_ID: &[u8] = b"chain1";

/// Most events one round sends (the rest go next round).
const EVENTS_PER_ROUND: u32 = 1_000;

/// The chain's pepper, if HQ has sent it.
pub(super) fn load_chain_pepper(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(dir.join(CHAIN_PEPPER_FILE)).ok().filter(|p| p.len() >= 16)
}

/// Writes the chain's pepper (`0600`, whole or not at all) unless it holds it already.
fn save_chain_pepper(dir: &Path, pepper: &[u8]) -> Result<(), RegisterError> {
    if load_chain_pepper(dir).as_deref() == Some(pepper) {
        return Ok(());
    }
    let path = dir.join(CHAIN_PEPPER_FILE);
    let temp = dir.join(format!("{CHAIN_PEPPER_FILE}.tmp-{}", uuid::Uuid::new_v4().simple()));
    let io = |error| RegisterError::Io { path: path.display().to_string(), error };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        use std::io::Write;
        file.write_all(pepper).and_then(|()| file.sync_all())
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, &path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(io(e));
    }
    Ok(())
}

fn role_of(name: &str, permissions: &BTreeMap<String, String>) -> Result<Role, RegisterError> {
    let mut map = BTreeMap::new();
    for (action, permission) in permissions {
        // An action this register does not know yet (a newer HQ) concerns nothing here.
        let Ok(action) = action.parse::<Action>() else {
            tracing::warn!(role = name, action, "HQ's role names an action this register does not know");
            continue;
        };
        let permission = permission.parse::<Permission>().map_err(|e| {
            RegisterError::Sync(till_sync::SyncError::Protocol {
                url: "HQ".into(),
                message: format!("role {name} from HQ: {e}"),
            })
        })?;
        map.insert(action, permission);
    }
    Ok(Role::from_stored(name, map))
}

impl Register {
    /// The roster round of a sync with HQ: sends the sign-in events of HQ's staff, takes the
    /// store's roster if it changed. Returns what changed, in words, if anything did.
    pub(crate) fn staff_round(&mut self, remote: &Remote) -> Result<Option<String>, RegisterError> {
        let held = self.store.setting(ROSTER_VERSION)?.unwrap_or_default();
        let events = self
            .store
            .pending_staff_events(EVENTS_PER_ROUND)?
            .into_iter()
            .map(|e| StaffEvent { id: e.id, code: e.code, kind: e.kind, at: e.at })
            .collect();
        let answer = till_sync::client::staff_roster(remote, &RosterRequest { held, events })?;
        let at = self.clock.now().to_string();
        let Some(roster) = answer.roster else {
            self.store.apply_roster(&answer.taken, None, &at)?;
            return Ok(None);
        };
        let pepper = from_hex(&roster.pepper).ok_or_else(|| {
            RegisterError::Sync(till_sync::SyncError::Protocol {
                url: remote.url().to_string(),
                message: "the chain's PIN pepper is not hex of at least 16 bytes".into(),
            })
        })?;
        // The pepper first: a hash is never held without what verifies it.
        save_chain_pepper(&self.data_dir(), &pepper)?;
        let roles = roster.roles.iter().map(|r| role_of(&r.name, &r.permissions)).collect::<Result<Vec<_>, _>>()?;
        let staff: Vec<RosterEntry> = roster
            .staff
            .into_iter()
            .map(|p| RosterEntry {
                code: p.code,
                name: p.name,
                role: p.role,
                pin_hash: p.pin_hash,
                active: p.active,
                failed_pins: p.failed_pins,
                last_failed_at: p.last_failed_at,
            })
            .collect();
        let applied = self.store.apply_roster(&answer.taken, Some((&roster.version, &roles, &staff)), &at)?;
        Ok(Some(describe(&applied)))
    }
}

/// Bytes from hex; `None` for anything else or fewer than 16 bytes.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() < 32 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

fn describe(applied: &RosterApplied) -> String {
    let mut text =
        format!("staff roster from HQ: {} people, {} of them cannot sign in here", applied.people, applied.inactive);
    if !applied.replaced.is_empty() {
        text.push_str(&format!("; HQ's staff replaced local staff {}", applied.replaced.join(", ")));
    }
    text
}
