//! The chain's staff on its way to a register: `POST /v1/staff/roster` (authenticated),
//! asked once per sync round after the documents. The register says which roster it
//! holds and what happened at its sign-in screen since it last asked (wrong PINs,
//! unlocks); HQ merges that and answers with its store's roster only when it differs.

use serde::{Deserialize, Serialize};

/// `POST /v1/staff/roster`: the roster the register holds, and its sign-in events.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct RosterRequest {
    /// [`Roster::version`] of the roster the register holds (`""`: none yet).
    #[serde(default)]
    pub held: String,
    /// Wrong PINs and unlocks of HQ's staff at this register not yet confirmed by HQ,
    /// oldest first. HQ keeps each id once, so a request repeated after a lost answer
    /// counts nothing twice.
    #[serde(default)]
    pub events: Vec<StaffEvent>,
}

/// Something that happened to a staff member's lock at a register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffEvent {
    /// Unique id (a UUID the register made).
    pub id: String,
    /// The staff code.
    pub code: String,
    /// `wrong_pin` or `unlock`.
    pub kind: String,
    /// When (RFC 3339, the register's clock).
    pub at: String,
}

/// HQ's answer to [`RosterRequest`].
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct RosterResponse {
    /// The store's roster, when it differs from the one the register holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<Roster>,
    /// Event ids HQ has taken (the register forgets them).
    #[serde(default)]
    pub taken: Vec<String>,
}

/// What a register of one store needs to sign HQ's staff in offline.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    /// A digest of everything below: equal exactly when the roster is.
    pub version: String,
    /// The chain's PIN pepper (hex): HQ's PIN hashes (`keyid=chain1`) verify only with
    /// it. Sent over the authenticated link only; the register keeps it in a file.
    pub pepper: String,
    /// Every staff member HQ has ever allowed at this store, removed ones included.
    pub staff: Vec<RosterPerson>,
    /// Every role of the chain: name → action → `allowed`, `denied` or `approval`.
    pub roles: Vec<RosterRole>,
}

/// One staff member as a register of the store gets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterPerson {
    /// Staff code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Role name.
    pub role: String,
    /// Argon2id PHC string of the PIN, peppered with the chain's pepper.
    pub pin_hash: String,
    /// False once removed at HQ (or no longer allowed at this store).
    pub active: bool,
    /// Wrong PINs in a row, merged from every register.
    pub failed_pins: u32,
    /// When the last of them was entered (RFC 3339), if any.
    #[serde(default)]
    pub last_failed_at: Option<String>,
}

/// A role's permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRole {
    /// The role's name.
    pub name: String,
    /// Action → permission, as `till staff role` spells them.
    pub permissions: std::collections::BTreeMap<String, String>,
}
