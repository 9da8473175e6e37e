//! Staff, PINs and permissions. Every sensitive action asks [`Register::authorize`]
//! here, in Rust, so no front end can skip the check; what it returns is the audit record
//! the action writes in its own transaction.
//!
//! A staff member signs in with their code and PIN (`CODE:PIN`). PINs are stored as
//! Argon2id hashes with a pepper kept outside the database ([`PEPPER_FILE`] or
//! `TILL_PIN_PEPPER`); a hash made before (weaker parameters, no pepper) still verifies and
//! is made again at that sign-in. From the fifth wrong PIN in a row each try waits,
//! doubling (`till_domain::pin_wait`); a manager can clear the wait at once.
//! A register with no staff at all is being set up: it sells, but refuses every
//! sensitive action until the first manager is added.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, KeyId, Params, ParamsBuilder, Version};
use jiff::Timestamp;
use till_domain::{Action, BACK_OFF_AFTER, Permission, PermissionError, Role, next_pin_try, pin_wait};
use till_store::{AuditEntry, StaffRow};

use crate::{Register, RegisterError};

mod roster;

pub use roster::CHAIN_PEPPER_FILE;

/// Wrong PINs in a row after which each try waits (30 s, doubling, at most an hour).
pub const LOCK_AFTER: u32 = BACK_OFF_AFTER;

/// The pepper's file in the register's data directory (`0600`, made at first open).
pub const PEPPER_FILE: &str = "pin-pepper";

/// Argon2id memory per PIN hash in KiB: 64 MiB, passes and lanes as RFC 9106's second
/// recommended option (t = 3, p = 4); measured in docs/benchmarks.md.
const PIN_MEMORY_KIB: u32 = 64 * 1024;
/// Argon2id passes.
const PIN_PASSES: u32 = 3;
/// Argon2id lanes.
const PIN_LANES: u32 = 4;
/// The key id a peppered hash carries (`keyid=` in its PHC string).
const PEPPER_ID: &[u8] = b"pepper1";

/// What signing in or managing staff refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    /// No active staff member has this code.
    #[error("no staff {0}")]
    UnknownStaff(String),
    /// Too many wrong PINs in a row: the next try must wait.
    #[error(
        "staff {code} entered {failed} wrong PINs in a row: try again after {until} (a manager can unlock at once)"
    )]
    Locked {
        /// The staff code.
        code: String,
        /// Wrong PINs in a row.
        failed: u32,
        /// When the next try may be made.
        until: Timestamp,
    },
    /// A wrong PIN; `left` tries remain before tries must wait, and the next waits
    /// `wait_seconds`.
    #[error("wrong PIN for staff {code}{}", tries_left(*.left, *.wait_seconds))]
    WrongPin {
        /// The staff code.
        code: String,
        /// Tries left before each try waits (0: it waits now).
        left: u32,
        /// How long the next try must wait, in seconds.
        wait_seconds: u64,
    },
    /// No credentials once the register has staff.
    #[error("sign in: give your staff code and PIN (CODE:PIN)")]
    NoCredentials,
    /// An action that needs someone signed in.
    #[error("sign in first")]
    NotSignedIn,
    /// Leaving kiosk mode without a signed-in staff member.
    #[error("leaving kiosk mode needs a signed-in staff member")]
    KioskNeedsStaff,
    /// A sensitive action while the register has no staff.
    #[error("{0} needs a signed-in staff member; add a manager first (`till staff add`)")]
    NoStaffYet(Action),
    /// A staff code that is not 1–16 letters or digits.
    #[error("staff code '{0}' must be 1-16 letters or digits")]
    BadCode(String),
    /// A PIN that is not 4–8 digits.
    #[error("a PIN is 4 to 8 digits")]
    BadPin,
    /// No role of that name.
    #[error("no role '{role}' (roles: {})", .roles.join(", "))]
    UnknownRole {
        /// The role asked for.
        role: String,
        /// The roles there are.
        roles: Vec<String>,
    },
    /// The first staff member of a register must be a manager.
    #[error("the first staff member must be a manager")]
    FirstMustBeManager,
    /// A staff member who left (removed here or at HQ): they can no longer sign in.
    #[error("staff {0} has left (removed) and can no longer sign in; a manager can tell you more")]
    Left(String),
    /// An edit of one of HQ's staff or roles on an enrolled register.
    #[error(
        "{what} is managed by HQ ({hq}): change it there (`till-hq staff …`); this register takes it at its next sync"
    )]
    OwnedByHq {
        /// What (`staff 1001`, `role cashier`).
        what: String,
        /// HQ's URL.
        hq: String,
    },
    /// A change after which nobody active could manage staff.
    #[error(
        "refused: afterwards no active staff member could manage staff; give someone else a role that may (e.g. manager) first"
    )]
    LastManager,
}

impl StaffError {
    /// The stable code ([`RegisterError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            StaffError::UnknownStaff(_)
            | StaffError::Locked { .. }
            | StaffError::WrongPin { .. }
            | StaffError::NoCredentials
            | StaffError::NotSignedIn
            | StaffError::KioskNeedsStaff
            | StaffError::NoStaffYet(_)
            | StaffError::Left(_) => "sign_in",
            StaffError::OwnedByHq { .. } => "hq_owned",
            _ => "input",
        }
    }
}

fn tries_left(left: u32, wait_seconds: u64) -> String {
    match left {
        0 => format!("; wait {wait_seconds} s before the next try (a manager can unlock at once)"),
        1 => " (1 try left)".to_string(),
        n => format!(" ({n} tries left)"),
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Staff code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Their role.
    pub role: Role,
}

/// Who is acting, and the approvals they brought. Each approval covers one action.
#[derive(Debug, Clone, Default)]
pub struct Authority {
    operator: Option<Operator>,
    approvals: Vec<Operator>,
}

impl Authority {
    /// Nobody signed in: only for a register that has no staff yet.
    pub fn setup() -> Authority {
        Authority::default()
    }

    /// The signed-in staff member's code, if any.
    pub fn staff_code(&self) -> Option<&str> {
        self.operator.as_ref().map(|o| o.code.as_str())
    }

    /// Approvals not used by any action.
    pub fn unused_approvals(&self) -> usize {
        self.approvals.len()
    }

    /// Who is signed in.
    pub fn operator(&self) -> Option<&Operator> {
        self.operator.as_ref()
    }
}

/// A staff member to add.
#[derive(Debug, Clone)]
pub struct NewStaff<'a> {
    /// Staff code: 1–16 letters or digits.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Role name.
    pub role: &'a str,
    /// PIN: 4–8 digits.
    pub pin: &'a str,
}

fn check_pin(pin: &str) -> Result<(), RegisterError> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StaffError::BadPin.into());
    }
    Ok(())
}

/// The parameters every new PIN hash is made with.
fn pin_params() -> Result<Params, argon2::Error> {
    ParamsBuilder::new()
        .m_cost(PIN_MEMORY_KIB)
        .t_cost(PIN_PASSES)
        .p_cost(PIN_LANES)
        .keyid(KeyId::new(PEPPER_ID)?)
        .build()
}

/// The Argon2id hash of `pin` with the pepper, as a PHC string.
fn hash_pin(pin: &str, pepper: &[u8]) -> Result<String, RegisterError> {
    let bad = |e: String| RegisterError::corrupt("the PIN's hash", e);
    let argon = Argon2::new_with_secret(
        pepper,
        Algorithm::Argon2id,
        Version::V0x13,
        pin_params().map_err(|e| bad(e.to_string()))?,
    )
    .map_err(|e| bad(e.to_string()))?;
    argon.hash_password(pin.as_bytes()).map(|h| h.to_string()).map_err(|e| bad(e.to_string()))
}

/// Whether `pin` matches `hash`, and if so whether the hash should be made again (made
/// without the pepper, or with other parameters than today's). A hash HQ made
/// (`keyid=chain1`) verifies with the chain's pepper, `chain_pepper` (read only then).
fn pin_matches(pin: &str, hash: &str, pepper: &[u8], chain_pepper: impl FnOnce() -> Option<Vec<u8>>) -> Option<bool> {
    let parsed = PasswordHash::new(hash).ok()?;
    let params = Params::try_from(&parsed).ok()?;
    let peppered = params.keyid() == PEPPER_ID;
    let argon = if peppered {
        Argon2::new_with_secret(pepper, Algorithm::Argon2id, Version::V0x13, params.clone()).ok()?
    } else if params.keyid() == roster::CHAIN_PEPPER_ID {
        let chain = chain_pepper()?;
        let argon = Argon2::new_with_secret(&chain, Algorithm::Argon2id, Version::V0x13, params.clone()).ok()?;
        argon.verify_password(pin.as_bytes(), &parsed).ok()?;
        return Some(false);
    } else {
        Argon2::default()
    };
    argon.verify_password(pin.as_bytes(), &parsed).ok()?;
    let current = (params.m_cost(), params.t_cost(), params.p_cost()) == (PIN_MEMORY_KIB, PIN_PASSES, PIN_LANES);
    Some(!peppered || !current)
}

/// The pepper: `TILL_PIN_PEPPER` (at least 16 bytes), else the [`PEPPER_FILE`] in `dir`,
/// made (32 random bytes, `0600`) if there is none yet.
pub(crate) fn load_pepper(dir: &std::path::Path) -> Result<Vec<u8>, RegisterError> {
    if let Ok(text) = std::env::var("TILL_PIN_PEPPER") {
        if text.len() < 16 {
            return Err(RegisterError::Input("TILL_PIN_PEPPER must be at least 16 characters".into()));
        }
        return Ok(text.into_bytes());
    }
    let path = dir.join(PEPPER_FILE);
    let io = |error| RegisterError::Io { path: path.display().to_string(), error };
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 16 => return Ok(bytes),
        Ok(_) => {
            return Err(RegisterError::corrupt(path.display().to_string(), "the PIN pepper is shorter than 16 bytes"));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut pepper = uuid::Uuid::new_v4().as_bytes().to_vec();
    pepper.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            use std::io::Write;
            file.write_all(&pepper).and_then(|()| file.sync_all()).map_err(io)?;
            Ok(pepper)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(&path).map_err(io),
        Err(e) => Err(io(e)),
    }
}

/// Reads `CODE:PIN`.
pub fn split_credentials(text: &str) -> Result<(&str, &str), RegisterError> {
    text.split_once(':')
        .filter(|(code, pin)| !code.is_empty() && !pin.is_empty())
        .ok_or_else(|| RegisterError::Input("staff credentials are CODE:PIN (e.g. 1001:4821)".into()))
}

impl Register {
    /// True while the register has no staff: it sells, sensitive actions are refused.
    pub fn in_setup(&self) -> Result<bool, RegisterError> {
        Ok(self.store.staff_count()? == 0)
    }

    /// Checks a staff member's PIN. Wrong PINs are counted and audited; from the fifth in
    /// a row each try waits (doubling), refused unchecked until then. A right PIN whose
    /// hash is older than today's parameters or pepper is hashed again.
    pub fn sign_in(&mut self, code: &str, pin: &str) -> Result<Operator, RegisterError> {
        let now = self.clock.now();
        let at = now.to_string();
        let row = self.store.staff(code)?.ok_or_else(|| StaffError::UnknownStaff(code.to_string()))?;
        if !row.active {
            return Err(StaffError::Left(code.to_string()).into());
        }
        let last_failed = row
            .last_failed_at
            .as_deref()
            .map(str::parse::<Timestamp>)
            .transpose()
            .map_err(|e| RegisterError::corrupt(format!("staff {code}'s last wrong PIN time"), e))?;
        if let Some(until) = next_pin_try(row.failed_pins, last_failed, now) {
            return Err(StaffError::Locked { code: code.to_string(), failed: row.failed_pins, until }.into());
        }
        let dir = self.data_dir();
        let Some(rehash) = pin_matches(pin, &row.pin_hash, &self.pepper, || roster::load_chain_pepper(&dir)) else {
            let audit = AuditEntry {
                action: "pin_failed".into(),
                staff: Some(code.to_string()),
                approver: None,
                detail: "wrong PIN".into(),
            };
            let failed = self.store.record_wrong_pin(code, LOCK_AFTER, &at, &audit)?;
            let left = LOCK_AFTER.saturating_sub(failed);
            let wait_seconds = pin_wait(failed).as_secs().unsigned_abs();
            return Err(StaffError::WrongPin { code: code.to_string(), left, wait_seconds }.into());
        };
        self.store.clear_wrong_pins(code, &at)?;
        // HQ's hashes are HQ's to make again.
        if rehash && !row.from_hq {
            self.store.rehash_pin(code, &hash_pin(pin, &self.pepper)?)?;
        }
        let role = self
            .store
            .role(&row.role)?
            .ok_or_else(|| RegisterError::corrupt(format!("staff {code}'s role"), format!("no role {}", row.role)))?;
        Ok(Operator { code: row.code, name: row.name, role })
    }

    /// Builds the authority for one command: who acts (`CODE:PIN`, required once the
    /// register has staff) and who approves (each `CODE:PIN` covers one action).
    pub fn authority(&mut self, staff: Option<&str>, approvers: &[String]) -> Result<Authority, RegisterError> {
        let operator = match staff {
            Some(credentials) => {
                let (code, pin) = split_credentials(credentials)?;
                Some(self.sign_in(code, pin)?)
            }
            None if self.in_setup()? => None,
            None => return Err(StaffError::NoCredentials.into()),
        };
        let mut approvals = Vec::new();
        for credentials in approvers {
            let (code, pin) = split_credentials(credentials)?;
            approvals.push(self.sign_in(code, pin)?);
        }
        Ok(Authority { operator, approvals })
    }

    /// Signs `code` in with `pin` for a session at the screen: the operator and their
    /// authority, kept until they sign out (approvals are added per action).
    pub fn sign_in_authority(&mut self, code: &str, pin: &str) -> Result<(Operator, Authority), RegisterError> {
        let operator = self.sign_in(code, pin)?;
        Ok((operator.clone(), Authority { operator: Some(operator), approvals: Vec::new() }))
    }

    /// `base` (a signed-in session's authority) with approvals for one action: each
    /// `CODE:PIN` is checked now and covers one action.
    pub fn with_approvals(&mut self, base: &Authority, approvers: &[String]) -> Result<Authority, RegisterError> {
        let mut auth = base.clone();
        for credentials in approvers {
            let (code, pin) = split_credentials(credentials)?;
            auth.approvals.push(self.sign_in(code, pin)?);
        }
        Ok(auth)
    }

    /// The latest `limit` audit records, newest first (when, and what). Needs someone
    /// signed in.
    pub fn audit_log(&self, auth: &Authority, limit: u32) -> Result<Vec<(String, AuditEntry)>, RegisterError> {
        self.signed_in(auth)?;
        Ok(self.store.audit_log(limit)?)
    }

    /// Who is signed in, or [`StaffError::NotSignedIn`] — for what no one may read from a
    /// register with staff without signing in (reports, the audit log, receipt lookups).
    /// `None`: the register has no staff yet (being set up), so there is nobody to be.
    pub fn signed_in<'a>(&self, auth: &'a Authority) -> Result<Option<&'a Operator>, RegisterError> {
        match &auth.operator {
            Some(operator) => Ok(Some(operator)),
            None if self.in_setup()? => Ok(None),
            None => Err(StaffError::NotSignedIn.into()),
        }
    }

    /// Whether `auth`'s operator may see what the drawer should hold
    /// ([`Action::ViewExpected`] allowed for their role; a register still being set up
    /// has no one to hide it from). Refuses when nobody is signed in.
    pub fn may_view_expected(&self, auth: &Authority) -> Result<bool, RegisterError> {
        Ok(self.signed_in(auth)?.is_none_or(|o| o.role.permission(Action::ViewExpected) == Permission::Allowed))
    }

    /// Leaving kiosk mode takes a manager — someone whose role may manage staff — either
    /// signed in or approving at the screen (a cashier's role is denied that power, so the
    /// usual approval rule would never let a manager's approval through). Audited.
    pub fn leave_kiosk(&mut self, auth: &mut Authority) -> Result<(), RegisterError> {
        let Some(operator) = auth.operator.clone() else {
            return Err(StaffError::KioskNeedsStaff.into());
        };
        let manager = |o: &Operator| o.role.permission(Action::ManageStaff) == Permission::Allowed;
        let approver = if manager(&operator) {
            None
        } else {
            match auth.approvals.iter().position(manager) {
                Some(i) => Some(auth.approvals.remove(i).code),
                None => {
                    return Err(PermissionError::NeedsApproval {
                        action: Action::ManageStaff,
                        staff: operator.code.clone(),
                        role: operator.role.name.clone(),
                    }
                    .into());
                }
            }
        };
        let entry = AuditEntry {
            action: "leave_kiosk".into(),
            staff: Some(operator.code),
            approver,
            detail: "left kiosk mode".into(),
        };
        let at = self.clock.now().to_string();
        Ok(self.store.record_audit(&entry, &at)?)
    }

    /// Asks whether `action` may go ahead; `detail` says what it is about. Returns the
    /// audit record to write with the action. An approval needed is taken from the
    /// authority and used up.
    pub fn authorize(&self, auth: &mut Authority, action: Action, detail: String) -> Result<AuditEntry, RegisterError> {
        let Some(operator) = &auth.operator else {
            return Err(StaffError::NoStaffYet(action).into());
        };
        // A session opened before they were removed (here, or at HQ and synced since)
        // ends at their next sensitive action.
        if !self.store.staff(&operator.code)?.is_some_and(|s| s.active) {
            return Err(StaffError::Left(operator.code.clone()).into());
        }
        let entry = |approver: Option<String>| AuditEntry {
            action: action.as_str().to_string(),
            staff: Some(operator.code.clone()),
            approver,
            detail: detail.clone(),
        };
        match operator.role.permission(action) {
            Permission::Allowed => Ok(entry(None)),
            Permission::Denied => {
                Err(PermissionError::Denied { action, staff: operator.code.clone(), role: operator.role.name.clone() }
                    .into())
            }
            Permission::ApprovalRequired => {
                let Some(index) = auth.approvals.iter().position(|a| a.code != operator.code) else {
                    return Err(PermissionError::NeedsApproval {
                        action,
                        staff: operator.code.clone(),
                        role: operator.role.name.clone(),
                    }
                    .into());
                };
                let approver = &auth.approvals[index];
                if approver.role.permission(action) != Permission::Allowed {
                    return Err(PermissionError::ApproverNotAllowed {
                        action,
                        approver: approver.code.clone(),
                        role: approver.role.name.clone(),
                    }
                    .into());
                }
                let entry = entry(Some(approver.code.clone()));
                auth.approvals.remove(index);
                Ok(entry)
            }
        }
    }

    /// Adds a staff member. The first one must be a manager and needs no sign-in; after
    /// that, adding staff is [`Action::ManageStaff`].
    pub fn add_staff(&mut self, auth: &mut Authority, staff: &NewStaff<'_>) -> Result<(), RegisterError> {
        let code = staff.code.trim();
        if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(StaffError::BadCode(code.to_string()).into());
        }
        check_pin(staff.pin)?;
        self.check_role(staff.role)?;
        if self.store.staff(code)?.is_some_and(|s| s.from_hq) {
            return Err(self.owned_by_hq(format!("staff {code}"))?);
        }
        let detail = format!("added staff {code} ({}) as {}", staff.name, staff.role);
        let audit = if self.in_setup()? {
            if staff.role != "manager" {
                return Err(StaffError::FirstMustBeManager.into());
            }
            AuditEntry { action: Action::ManageStaff.as_str().into(), staff: None, approver: None, detail }
        } else {
            self.authorize(auth, Action::ManageStaff, detail)?
        };
        let row = StaffRow {
            code: code.to_string(),
            name: staff.name.to_string(),
            role: staff.role.to_string(),
            pin_hash: hash_pin(staff.pin, &self.pepper)?,
            failed_pins: 0,
            locked: false,
            active: true,
            last_failed_at: None,
            from_hq: false,
        };
        Ok(self.store.add_staff(&row, &self.clock.now().to_string(), &audit)?)
    }

    /// Changes a staff member: role, PIN, unlock, or leave. [`Action::ManageStaff`].
    pub fn change_staff(
        &mut self,
        auth: &mut Authority,
        code: &str,
        change: StaffChange<'_>,
    ) -> Result<(), RegisterError> {
        let mut row = self.store.staff(code)?.ok_or_else(|| StaffError::UnknownStaff(code.to_string()))?;
        if row.from_hq {
            // A lockout is this register's to lift (HQ and the store's other registers
            // hear of it at the next round); everything else about HQ's staff is HQ's.
            if !matches!(change, StaffChange::Unlock) {
                return Err(self.owned_by_hq(format!("staff {code}"))?);
            }
            let audit = self.authorize(auth, Action::ManageStaff, format!("staff {code} unlocked"))?;
            return Ok(self.store.unlock_staff(code, &self.clock.now().to_string(), &audit)?);
        }
        let detail = match change {
            StaffChange::Role(role) => {
                self.check_role(role)?;
                row.role = role.to_string();
                format!("staff {code} now has role {role}")
            }
            StaffChange::Pin(pin) => {
                check_pin(pin)?;
                row.pin_hash = hash_pin(pin, &self.pepper)?;
                row.failed_pins = 0;
                row.locked = false;
                row.last_failed_at = None;
                format!("staff {code} has a new PIN")
            }
            StaffChange::Unlock => {
                row.failed_pins = 0;
                row.locked = false;
                row.last_failed_at = None;
                format!("staff {code} unlocked")
            }
            StaffChange::Deactivate => {
                row.active = false;
                format!("staff {code} left")
            }
        };
        self.check_someone_manages_staff(Some(&row), None)?;
        let audit = self.authorize(auth, Action::ManageStaff, detail)?;
        Ok(self.store.update_staff(&row, &self.clock.now().to_string(), &audit)?)
    }

    /// Refuses a change after which no active staff member could manage staff: nobody
    /// could then add, unlock or change anyone again.
    fn check_someone_manages_staff(
        &self,
        changed: Option<&StaffRow>,
        role: Option<&Role>,
    ) -> Result<(), RegisterError> {
        let roles = self.store.roles()?;
        let role_of = |name: &str| match role {
            Some(r) if r.name == name => Some(r),
            _ => roles.iter().find(|r| r.name == name),
        };
        let staff = self.store.all_staff()?;
        let someone = staff
            .iter()
            .map(|s| match changed {
                Some(c) if c.code == s.code => c,
                _ => s,
            })
            .filter(|s| s.active)
            .any(|s| role_of(&s.role).is_some_and(|r| r.permission(Action::ManageStaff) == Permission::Allowed));
        if someone || staff.is_empty() {
            return Ok(());
        }
        Err(StaffError::LastManager.into())
    }

    /// The refusal of a local edit of something HQ manages, naming HQ.
    fn owned_by_hq(&self, what: String) -> Result<RegisterError, RegisterError> {
        let hq = till_sync::enrolled_with(self.store())?.unwrap_or_else(|| "the HQ this register synced with".into());
        Ok(StaffError::OwnedByHq { what, hq }.into())
    }

    /// The register's data directory (where its PIN peppers are).
    fn data_dir(&self) -> std::path::PathBuf {
        self.store.path().parent().map(std::path::Path::to_path_buf).unwrap_or_default()
    }

    /// Refuses a role the register does not have, naming the ones it has.
    fn check_role(&self, role: &str) -> Result<(), RegisterError> {
        if self.store.role(role)?.is_some() {
            return Ok(());
        }
        let roles = self.store.roles()?.into_iter().map(|r| r.name).collect();
        Err(StaffError::UnknownRole { role: role.to_string(), roles }.into())
    }

    /// Sets what a role may do about some actions. [`Action::ManageStaff`].
    pub fn set_role(
        &mut self,
        auth: &mut Authority,
        name: &str,
        changes: &[(Action, Permission)],
    ) -> Result<Role, RegisterError> {
        if self.store.role_from_hq(name)? {
            return Err(self.owned_by_hq(format!("role {name}"))?);
        }
        let mut role =
            self.store.role(name)?.unwrap_or(Role { name: name.to_string(), permissions: Default::default() });
        for &(action, permission) in changes {
            role.permissions.insert(action, permission);
        }
        let detail = format!(
            "role {name}: {}",
            changes.iter().map(|(a, p)| format!("{a}={}", p.as_str())).collect::<Vec<_>>().join(", ")
        );
        self.check_someone_manages_staff(None, Some(&role))?;
        let audit = self.authorize(auth, Action::ManageStaff, detail)?;
        self.store.put_role(&role, Some((&audit, &self.clock.now().to_string())))?;
        Ok(role)
    }

    /// Staff and roles, for listing.
    pub fn staff_list(&self) -> Result<(Vec<StaffRow>, Vec<Role>), RegisterError> {
        Ok((self.store.all_staff()?, self.store.roles()?))
    }
}

/// A change to a staff member.
#[derive(Debug, Clone, Copy)]
pub enum StaffChange<'a> {
    /// A new role.
    Role(&'a str),
    /// A new PIN (also unlocks).
    Pin(&'a str),
    /// Clear a lockout.
    Unlock,
    /// The staff member left.
    Deactivate,
}
