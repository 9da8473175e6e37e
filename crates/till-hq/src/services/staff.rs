//! The chain's staff (#16 §2): who may sign in at which stores, with which role and PIN,
//! and the roster each register fetches in its sync round. HQ owns these people: an
//! enrolled register takes them as they are here and refuses to edit them itself.
//!
//! Lock state is merged, not copied: registers report each wrong PIN and each reset (a
//! right PIN or an unlock) with its time; HQ's count for a person is the wrong PINs
//! reported after their latest reset (from any register, or `till-hq staff unlock|pin`),
//! and every register of their stores gets that count in its next roster.

use serde::Serialize;
use till_domain::{Action, Permission, Role};
use till_protocol::{Roster, RosterPerson, RosterRequest, RosterResponse, RosterRole};

use super::Hq;
use crate::books::registers::RegisterView;
use crate::books::staff::{self, StaffRow, hash_pin, permission_texts};
use crate::db::{with_read, with_tx};
use crate::error::HqError;

/// Where someone may work: every store, or the ones listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stores {
    /// Every store of the chain, present and future.
    All,
    /// These store codes.
    Only(Vec<String>),
}

impl Stores {
    /// Reads `all` or `S1,S2`.
    pub fn parse(text: &str) -> Result<Stores, HqError> {
        let text = text.trim();
        if text == "all" {
            return Ok(Stores::All);
        }
        let codes: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
        if codes.iter().any(|c| c.is_empty() || c.chars().any(|ch| ch.is_whitespace() || ch == '/')) {
            return Err(HqError::BadRequest(format!(
                "--stores '{text}': give `all` or store codes separated by commas (e.g. AMS-01,UTR-01)"
            )));
        }
        Ok(Stores::Only(codes))
    }

    fn stored(&self) -> String {
        match self {
            Stores::All => "all".into(),
            Stores::Only(codes) => codes.join(","),
        }
    }
}

/// A staff member to add.
#[derive(Debug, Clone)]
pub struct NewChainStaff<'a> {
    /// Staff code: 1–16 letters or digits.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Role name.
    pub role: &'a str,
    /// PIN: 4–8 digits (hashed at once; never stored or logged).
    pub pin: &'a str,
    /// Where they may work.
    pub stores: Stores,
}

/// A change to a staff member (`till-hq staff assign|pin|unlock|remove`).
#[derive(Debug, Clone)]
pub enum ChainStaffChange<'a> {
    /// Another role and/or other stores.
    Assign {
        /// The new role.
        role: Option<&'a str>,
        /// The new stores.
        stores: Option<Stores>,
    },
    /// A new PIN (also ends any wait after wrong PINs).
    Pin(&'a str),
    /// Ends the wait after wrong PINs, at every register at its next round.
    Unlock,
    /// They left: refused at every register from its next round.
    Remove,
}

/// A staff member as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStaffView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// `all`, or store codes separated by commas.
    pub stores: String,
    /// Not removed.
    pub active: bool,
    /// Wrong PINs in a row, from every register, as HQ has heard of them.
    pub failed_pins: u32,
    /// From the fifth wrong PIN on, each try waits.
    pub locked: bool,
}

/// A role as listed: action → permission.
#[derive(Debug, Clone, Serialize)]
pub struct ChainRoleView {
    /// Name.
    pub name: String,
    /// Action → `allowed`, `denied` or `approval`.
    pub permissions: std::collections::BTreeMap<String, String>,
}

/// Everyone and every role.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStaffList {
    /// Staff by code, removed ones included.
    pub staff: Vec<ChainStaffView>,
    /// Roles by name.
    pub roles: Vec<ChainRoleView>,
}

fn check_code(code: &str) -> Result<(), HqError> {
    if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(HqError::BadRequest(format!("staff code '{code}' must be 1-16 letters or digits")));
    }
    Ok(())
}

fn check_pin(pin: &str) -> Result<(), HqError> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HqError::BadRequest("a PIN is 4 to 8 digits".into()));
    }
    Ok(())
}

fn check_role(roles: &[Role], role: &str) -> Result<(), HqError> {
    if roles.iter().any(|r| r.name == role) {
        return Ok(());
    }
    let names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
    Err(HqError::BadRequest(format!("no role '{role}' (roles: {})", names.join(", "))))
}

fn micros(t: jiff::Timestamp) -> i64 {
    t.as_microsecond()
}

impl Hq {
    /// Adds a staff member of the chain.
    pub fn staff_add(&self, new: &NewChainStaff<'_>, now: jiff::Timestamp) -> Result<ChainStaffView, HqError> {
        check_code(new.code)?;
        check_pin(new.pin)?;
        if new.name.trim().is_empty() {
            return Err(HqError::BadRequest("--name: give the staff member's name".into()));
        }
        let pepper = self.pin_pepper().load()?;
        let pin_hash = hash_pin(new.pin, &pepper)?;
        let at = now.to_string();
        with_tx(self.db(), |tx| {
            check_role(&staff::roles(tx)?, new.role)?;
            if staff::person(tx, new.code)?.is_some() {
                return Err(HqError::Conflict(format!(
                    "staff code {} is taken (`till-hq staff list`; `till-hq staff assign` changes someone)",
                    new.code
                )));
            }
            let row = StaffRow {
                code: new.code.to_string(),
                name: new.name.trim().to_string(),
                role: new.role.to_string(),
                pin_hash: pin_hash.clone(),
                stores: new.stores.stored(),
                active: true,
                // No wrong PIN of theirs can come before they exist: a register's clock
                // behind HQ's must not make the first ones not count.
                reset_us: 0,
            };
            staff::insert(tx, &row, &at)?;
            staff::log(tx, &at, &row.code, &format!("added {} as {} at {}", row.name, row.role, row.stores))?;
            self.view(tx, &row)
        })
    }

    /// Changes a staff member: role or stores, PIN, unlock, or removal.
    pub fn staff_change(
        &self,
        code: &str,
        change: &ChainStaffChange<'_>,
        now: jiff::Timestamp,
    ) -> Result<ChainStaffView, HqError> {
        let new_hash = match change {
            ChainStaffChange::Pin(pin) => {
                check_pin(pin)?;
                Some(hash_pin(pin, &self.pin_pepper().load()?)?)
            }
            _ => None,
        };
        let at = now.to_string();
        with_tx(self.db(), |tx| {
            let mut row = staff::person(tx, code)?
                .ok_or_else(|| HqError::NotFound(format!("no staff {code} at HQ (`till-hq staff list`)")))?;
            let detail = match change {
                ChainStaffChange::Assign { role, stores } => {
                    if role.is_none() && stores.is_none() {
                        return Err(HqError::BadRequest("assign: give --role ROLE and/or --stores S1,S2|all".into()));
                    }
                    if let Some(role) = role {
                        check_role(&staff::roles(tx)?, role)?;
                        row.role = role.to_string();
                    }
                    if let Some(stores) = stores {
                        row.stores = stores.stored();
                    }
                    format!("role {}, stores {}", row.role, row.stores)
                }
                ChainStaffChange::Pin(_) => {
                    row.pin_hash = new_hash.clone().unwrap_or_default();
                    "new PIN".to_string()
                }
                ChainStaffChange::Unlock => "unlocked".to_string(),
                ChainStaffChange::Remove => {
                    row.active = false;
                    "removed".to_string()
                }
            };
            staff::update(tx, &row, &at)?;
            if matches!(change, ChainStaffChange::Pin(_) | ChainStaffChange::Unlock) {
                staff::reset(tx, code, micros(now))?;
                row.reset_us = row.reset_us.max(micros(now));
            }
            staff::log(tx, &at, code, &detail)?;
            self.view(tx, &row)
        })
    }

    /// Sets what a role may do about some actions (a new name makes a role whose unlisted
    /// actions are denied).
    pub fn staff_role(
        &self,
        name: &str,
        changes: &[(Action, Permission)],
        now: jiff::Timestamp,
    ) -> Result<ChainRoleView, HqError> {
        if name.is_empty()
            || name.len() > 32
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(HqError::BadRequest(format!("role name '{name}' must be 1-32 letters, digits, _ or -")));
        }
        let at = now.to_string();
        with_tx(self.db(), |tx| {
            let mut role = staff::roles(tx)?
                .into_iter()
                .find(|r| r.name == name)
                .unwrap_or(Role { name: name.to_string(), permissions: Default::default() });
            for &(action, permission) in changes {
                role.permissions.insert(action, permission);
            }
            staff::put_role(tx, &role)?;
            let detail = changes.iter().map(|(a, p)| format!("{a}={}", p.as_str())).collect::<Vec<_>>().join(", ");
            staff::log(tx, &at, &format!("ROLE:{name}"), &detail)?;
            Ok(ChainRoleView { name: role.name.clone(), permissions: permission_texts(&role) })
        })
    }

    /// Everyone (removed ones included) and every role.
    pub fn staff_list(&self) -> Result<ChainStaffList, HqError> {
        with_read(self.db(), |tx| {
            let people = staff::everyone(tx)?;
            let staff = people.iter().map(|row| self.view(tx, row)).collect::<Result<_, _>>()?;
            let roles = staff::roles(tx)?
                .iter()
                .map(|r| ChainRoleView { name: r.name.clone(), permissions: permission_texts(r) })
                .collect();
            Ok(ChainStaffList { staff, roles })
        })
    }

    fn view(&self, tx: &mut dyn crate::db::Tx, row: &StaffRow) -> Result<ChainStaffView, HqError> {
        let (failed_pins, _) = staff::wrong_pins(tx, &row.code, row.reset_us)?;
        Ok(ChainStaffView {
            code: row.code.clone(),
            name: row.name.clone(),
            role: row.role.clone(),
            stores: row.stores.clone(),
            active: row.active,
            failed_pins,
            locked: failed_pins >= till_domain::BACK_OFF_AFTER,
        })
    }

    /// A register's roster round: takes its sign-in events (each once), then answers with
    /// its store's roster if it differs from the one the register holds.
    pub fn staff_roster(&self, who: &RegisterView, req: &RosterRequest) -> Result<RosterResponse, HqError> {
        if req.events.len() > 10_000 {
            return Err(HqError::TooLarge("at most 10000 staff events per request".into()));
        }
        let mut taken = Vec::with_capacity(req.events.len());
        let mut checked = Vec::with_capacity(req.events.len());
        for e in &req.events {
            // Bounded before anything is echoed or stored: ids are UUIDs, codes short.
            let fits = |s: &str| (1..=64).contains(&s.len());
            if !fits(&e.id) || !fits(&e.code) || e.at.len() > 64 {
                return Err(HqError::BadRequest(
                    "a staff event's id and code are 1 to 64 bytes, its time at most 64".into(),
                ));
            }
            let at: jiff::Timestamp =
                e.at.parse()
                    .map_err(|err| HqError::BadRequest(format!("staff event {}: time '{}': {err}", e.id, e.at)))?;
            if !matches!(e.kind.as_str(), "wrong_pin" | "right_pin" | "unlock") {
                return Err(HqError::BadRequest(format!(
                    "staff event {}: kind '{}' (wrong_pin, right_pin or unlock)",
                    e.id, e.kind
                )));
            }
            taken.push(e.id.clone());
            checked.push((e, micros(at)));
        }
        // The write lock only when there is something to write: most rounds have no event.
        if !checked.is_empty() {
            with_tx(self.db(), |tx| {
                for (e, at_us) in &checked {
                    // Only HQ's people, and only where they may work, count.
                    let Some(person) = staff::person(tx, &e.code)? else { continue };
                    if !person.works_at(&who.store) {
                        continue;
                    }
                    if staff::take_event(tx, &e.id, &who.key, &e.code, &e.kind, *at_us)? && e.kind != "wrong_pin" {
                        staff::reset(tx, &e.code, *at_us)?;
                    }
                }
                Ok(())
            })?;
        }
        let roster = with_read(self.db(), |tx| {
            // A chain that has not set up staff at HQ leaves its registers' staff alone.
            if !staff::any(tx)? && !staff::roles_set(tx)? {
                return Ok(None);
            }
            let wrong = staff::wrong_pins_at(tx, &who.store)?;
            let mut staff_rows = Vec::new();
            for row in staff::at_store(tx, &who.store)? {
                let (failed_pins, last) = wrong.get(&row.code).copied().unwrap_or((0, None));
                let last_failed_at = last
                    .map(|us| jiff::Timestamp::from_microsecond(us).map(|t| t.to_string()))
                    .transpose()
                    .map_err(|e| HqError::Database(format!("staff_events.at_us of {}: {e}", row.code)))?;
                staff_rows.push(RosterPerson {
                    code: row.code,
                    name: row.name,
                    role: row.role,
                    pin_hash: row.pin_hash,
                    active: row.active,
                    failed_pins,
                    last_failed_at,
                });
            }
            let roles = staff::roles(tx)?
                .iter()
                .map(|r| RosterRole { name: r.name.clone(), permissions: permission_texts(r) })
                .collect();
            Ok(Some((staff_rows, roles)))
        })?;
        let Some((staff_rows, roles)) = roster else {
            return Ok(RosterResponse { roster: None, taken });
        };
        // Read only once HQ has staff: an HQ that manages none needs no pepper file.
        let pepper = self.pin_pepper().load()?;
        let mut roster = Roster { version: String::new(), pepper: hex::encode(&pepper), staff: staff_rows, roles };
        roster.version = digest(&roster);
        let roster = (roster.version != req.held).then_some(roster);
        Ok(RosterResponse { roster, taken })
    }
}

/// The roster's version: a digest of its content (but the version itself), so it changes
/// exactly when what the store's registers hold must.
fn digest(roster: &Roster) -> String {
    use sha2::Digest as _;
    let mut copy = roster.clone();
    copy.version = String::new();
    let bytes = serde_json::to_vec(&copy).unwrap_or_default();
    hex::encode(&sha2::Sha256::digest(&bytes)[..16])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use till_protocol::StaffEvent;

    use super::*;

    fn register(store: &str, name: &str) -> RegisterView {
        RegisterView {
            key: format!("{store}/{name}"),
            store: store.into(),
            register: name.into(),
            enrolled: true,
            revoked: false,
            through_seq: 0,
            last_seen: String::new(),
            halted: String::new(),
            awaiting_hash_of: None,
        }
    }

    fn event(id: &str, kind: &str, at: &str) -> StaffEvent {
        StaffEvent { id: id.into(), code: "2001".into(), kind: kind.into(), at: at.into() }
    }

    #[test]
    fn events_count_once_a_reset_clears_what_came_before_and_the_roster_comes_only_when_it_changed() {
        let dir = tempfile::tempdir().unwrap();
        let hq = Hq::open(&format!("sqlite:{}", dir.path().join("hq.sqlite").display())).unwrap();
        let r1 = register("AMS-01", "R1");
        let none = hq.staff_roster(&r1, &RosterRequest::default()).unwrap();
        assert!(none.roster.is_none(), "no staff at HQ: registers keep their own");
        let now: jiff::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        let new = NewChainStaff {
            code: "2001",
            name: "Carla",
            role: "cashier",
            pin: "2468",
            stores: Stores::parse("AMS-01").unwrap(),
        };
        hq.staff_add(&new, now).unwrap();
        let first = hq.staff_roster(&r1, &RosterRequest::default()).unwrap().roster.unwrap();
        assert_eq!(first.staff.len(), 1);
        assert!(first.staff[0].pin_hash.contains("keyid="), "{}", first.staff[0].pin_hash);
        let held = RosterRequest { held: first.version.clone(), events: vec![] };
        assert!(hq.staff_roster(&r1, &held).unwrap().roster.is_none(), "unchanged: nothing sent");
        // Another store's register does not get her.
        let utrecht = hq.staff_roster(&register("UTR-01", "R1"), &RosterRequest::default()).unwrap();
        assert!(utrecht.roster.unwrap().staff.is_empty());

        // Three wrong PINs, the same request twice (a lost answer): counted once.
        let wrong: Vec<StaffEvent> =
            (1..=3).map(|n| event(&format!("w{n}"), "wrong_pin", &format!("2026-11-27T10:0{n}:00Z"))).collect();
        let request = RosterRequest { held: first.version.clone(), events: wrong };
        let answer = hq.staff_roster(&r1, &request).unwrap();
        assert_eq!(answer.taken, ["w1", "w2", "w3"]);
        let again = hq.staff_roster(&r1, &request).unwrap().roster.unwrap();
        assert_eq!(again.staff[0].failed_pins, 3);
        assert_eq!(again.staff[0].last_failed_at.as_deref(), Some("2026-11-27T10:03:00Z"));
        // An unlock between the second and third clears the first two only.
        let unlock = RosterRequest { held: String::new(), events: vec![event("u1", "unlock", "2026-11-27T10:02:30Z")] };
        let after = hq.staff_roster(&r1, &unlock).unwrap().roster.unwrap();
        assert_eq!(after.staff[0].failed_pins, 1);
        // Bad events are refused, naming the event.
        let bad = RosterRequest { held: String::new(), events: vec![event("b1", "guess", "2026-11-27T10:00:00Z")] };
        let e = hq.staff_roster(&r1, &bad).unwrap_err();
        assert!(e.to_string().contains("staff event b1: kind 'guess'"), "{e}");
    }
}
