//! Staff, roles and the audit log.

use std::collections::BTreeMap;

use serde::Serialize;
use till_domain::{Action, Role};
use ts_rs::TS;

/// A staff member as listed.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StaffView {
    pub code: String,
    pub name: String,
    pub role: String,
    /// Locked after wrong PINs.
    pub locked: bool,
    /// Still with the store.
    pub active: bool,
    /// Where they come from: `hq` (HQ's roster; changed only at HQ) or `local` (made here).
    pub source: String,
}

/// A role and what it may do about each sensitive action.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RoleView {
    /// The role's name.
    pub name: String,
    /// Action → `allowed`, `denied` or `approval`.
    pub permissions: BTreeMap<String, String>,
}

impl From<&Role> for RoleView {
    fn from(r: &Role) -> Self {
        RoleView {
            name: r.name.clone(),
            permissions: Action::ALL
                .iter()
                .map(|a| (a.as_str().to_string(), r.permission(*a).as_str().to_string()))
                .collect(),
        }
    }
}

/// Staff and the permission matrix.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StaffListView {
    /// Every staff member, left ones included.
    pub staff: Vec<StaffView>,
    /// Every role.
    pub roles: Vec<RoleView>,
}

impl StaffListView {
    /// The view of `staff` and `roles`.
    pub fn new(staff: &[till_register::StaffRow], roles: &[Role]) -> StaffListView {
        StaffListView {
            staff: staff
                .iter()
                .map(|s| StaffView {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    role: s.role.clone(),
                    locked: s.locked,
                    active: s.active,
                    source: if s.from_hq { "hq" } else { "local" }.to_string(),
                })
                .collect(),
            roles: roles.iter().map(RoleView::from).collect(),
        }
    }
}

/// One record of the audit log: who did a sensitive action, and who approved it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AuditView {
    pub at: String,
    /// The action (`void_line`, `pin_failed`…).
    pub action: String,
    pub staff: Option<String>,
    /// Who approved.
    pub approver: Option<String>,
    /// What it was about.
    pub detail: String,
}

impl From<&(String, till_register::AuditEntry)> for AuditView {
    fn from((at, e): &(String, till_register::AuditEntry)) -> Self {
        AuditView {
            at: at.clone(),
            action: e.action.clone(),
            staff: e.staff.clone(),
            approver: e.approver.clone(),
            detail: e.detail.clone(),
        }
    }
}
