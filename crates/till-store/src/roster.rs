//! HQ's staff roster as the register keeps it: applied in one small transaction, and the
//! sign-in events of HQ's staff waiting to go to HQ.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use till_domain::Role;

use crate::journal::{self, AuditEntry};
use crate::{Result, Store};

/// Setting: the version of HQ's roster the register holds.
pub const ROSTER_VERSION: &str = "staff.roster_version";

/// One of HQ's staff as the roster gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    /// Staff code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Role name (one of the roster's roles, or a role the register has).
    pub role: String,
    /// Argon2id PHC string (HQ's, peppered with the chain's pepper).
    pub pin_hash: String,
    /// False once removed at HQ.
    pub active: bool,
    /// Wrong PINs in a row, merged at HQ.
    pub failed_pins: u32,
    /// When the last was entered (RFC 3339).
    pub last_failed_at: Option<String>,
}

/// A sign-in event of one of HQ's staff waiting to go to HQ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffEventRow {
    /// Unique id.
    pub id: String,
    /// Staff code.
    pub code: String,
    /// `wrong_pin`, `right_pin` or `unlock`.
    pub kind: String,
    /// When (RFC 3339).
    pub at: String,
}

/// What applying a roster did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterApplied {
    /// HQ's staff now held (removed ones included).
    pub people: usize,
    /// Of them, removed (or no longer allowed at this store).
    pub inactive: usize,
    /// Staff made here whose code HQ also has: HQ's person took the code; what the local
    /// one was (`CODE NAME (ROLE)`) is in the audit log and here.
    pub replaced: Vec<String>,
}

impl Store {
    /// HQ's staff events not yet confirmed, oldest first (at most `limit`).
    pub fn pending_staff_events(&self, limit: u32) -> Result<Vec<StaffEventRow>> {
        let mut stmt = self.conn.prepare("SELECT id, code, kind, at FROM staff_events ORDER BY at, id LIMIT ?1")?;
        let rows = stmt.query_map([limit], |r| {
            Ok(StaffEventRow { id: r.get(0)?, code: r.get(1)?, kind: r.get(2)?, at: r.get(3)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether role `name` comes from HQ's roster.
    pub fn role_from_hq(&self, name: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT origin = 'hq' FROM roles WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Forgets the events HQ confirmed; with a roster (`version`, `roles`, `staff`), takes
    /// it in the same transaction: HQ's roles and people replace those of the same name,
    /// HQ's people it no longer lists cannot sign in, and a person made here whose code
    /// HQ has is replaced by HQ's (named in the audit record, at `at`).
    pub fn apply_roster(
        &mut self,
        taken: &[String],
        roster: Option<(&str, &[Role], &[RosterEntry])>,
        at: &str,
    ) -> Result<RosterApplied> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut forget = tx.prepare_cached("DELETE FROM staff_events WHERE id = ?1")?;
            for id in taken {
                forget.execute([id])?;
            }
        }
        let mut applied = RosterApplied::default();
        if let Some((version, roles, staff)) = roster {
            for role in roles {
                tx.execute(
                    "INSERT INTO roles (name, permissions, origin) VALUES (?1, ?2, 'hq') \
                     ON CONFLICT (name) DO UPDATE SET permissions = excluded.permissions, origin = 'hq'",
                    params![role.name, crate::staff::encode_role(&role.permissions)],
                )?;
            }
            let listed: Vec<&str> = staff.iter().map(|p| p.code.as_str()).collect();
            for person in staff {
                let local: Option<(String, String, String)> = tx
                    .query_row(
                        "SELECT code, name, role FROM staff WHERE code = ?1 AND origin = 'local'",
                        [&person.code],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                if let Some((code, name, role)) = local {
                    applied.replaced.push(format!("{code} {name} ({role})"));
                }
                let locked = person.failed_pins >= till_domain::BACK_OFF_AFTER;
                tx.execute(
                    "INSERT INTO staff (code, name, role, pin_hash, failed_pins, locked, active, last_failed_at, \
                     created_at, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'hq') \
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, \
                     pin_hash = excluded.pin_hash, failed_pins = excluded.failed_pins, locked = excluded.locked, \
                     active = excluded.active, last_failed_at = excluded.last_failed_at, origin = 'hq'",
                    params![
                        person.code,
                        person.name,
                        person.role,
                        person.pin_hash,
                        person.failed_pins,
                        locked,
                        person.active,
                        person.last_failed_at,
                        at
                    ],
                )?;
                applied.people += 1;
                applied.inactive += usize::from(!person.active);
            }
            // HQ's people it no longer lists here (moved to other stores) cannot sign in.
            let held: Vec<String> = {
                let mut stmt = tx.prepare("SELECT code FROM staff WHERE origin = 'hq' AND active = 1")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for code in held.iter().filter(|c| !listed.contains(&c.as_str())) {
                tx.execute("UPDATE staff SET active = 0 WHERE code = ?1", [code])?;
                applied.inactive += 1;
            }
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [ROSTER_VERSION, version],
            )?;
            let mut detail = format!(
                "staff roster from HQ: {} people ({} cannot sign in here), {} roles",
                applied.people,
                applied.inactive,
                roles.len()
            );
            if !applied.replaced.is_empty() {
                detail.push_str(&format!("; replaced local staff {}", applied.replaced.join(", ")));
            }
            let audit = AuditEntry { action: "staff_roster".into(), staff: None, approver: None, detail };
            journal::append_audit(&tx, &audit, at)?;
        }
        self.replica.seal(&tx)?;
        tx.commit()?;
        Ok(applied)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::StaffRow;

    fn person(code: &str, name: &str, active: bool, failed: u32) -> RosterEntry {
        RosterEntry {
            code: code.into(),
            name: name.into(),
            role: "cashier".into(),
            pin_hash: "$argon2id$hq".into(),
            active,
            failed_pins: failed,
            last_failed_at: (failed > 0).then(|| "2026-11-27T10:00:00Z".to_string()),
        }
    }

    #[test]
    fn a_roster_replaces_a_local_code_names_it_and_stops_people_it_no_longer_lists() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(&dir.path().join("R1.sqlite")).unwrap();
        let roles = Role::defaults();
        for role in &roles {
            store.put_role(role, None).unwrap();
        }
        let audit = AuditEntry { action: "manage_staff".into(), staff: None, approver: None, detail: "add".into() };
        let local = |code: &str, name: &str| StaffRow {
            code: code.into(),
            name: name.into(),
            role: "manager".into(),
            pin_hash: "$argon2id$local".into(),
            failed_pins: 0,
            locked: false,
            active: true,
            last_failed_at: None,
            from_hq: false,
        };
        store.add_staff(&local("1", "Maria"), "2026-11-27T09:00:00Z", &audit).unwrap();
        store.add_staff(&local("7", "Mo"), "2026-11-27T09:00:00Z", &audit).unwrap();
        let at = "2026-11-27T10:00:00Z";

        let first = [person("1", "Marco", true, 0), person("2001", "Carla", true, 5)];
        let applied = store.apply_roster(&[], Some(("v1", &roles, &first)), at).unwrap();
        assert_eq!(applied.replaced, ["1 Maria (manager)"]);
        assert_eq!((applied.people, applied.inactive), (2, 0));
        let marco = store.staff("1").unwrap().unwrap();
        assert_eq!((marco.name.as_str(), marco.from_hq, marco.role.as_str()), ("Marco", true, "cashier"));
        let carla = store.staff("2001").unwrap().unwrap();
        assert!(carla.locked && carla.failed_pins == 5, "HQ's merged lock state: {carla:?}");
        assert!(!store.staff("7").unwrap().unwrap().from_hq, "a local code HQ does not have stays local");
        assert!(store.role_from_hq("cashier").unwrap());
        assert_eq!(store.setting(ROSTER_VERSION).unwrap().as_deref(), Some("v1"));

        // Her wrong PIN here waits for HQ; a local person's does not.
        let wrong = AuditEntry { action: "pin_failed".into(), staff: None, approver: None, detail: "".into() };
        store.record_wrong_pin("2001", 5, at, &wrong).unwrap();
        store.record_wrong_pin("7", 5, at, &wrong).unwrap();
        let events = store.pending_staff_events(10).unwrap();
        assert_eq!(
            events.iter().map(|e| (e.code.as_str(), e.kind.as_str())).collect::<Vec<_>>(),
            [("2001", "wrong_pin")]
        );

        // The next roster no longer lists Marco (moved away) and has Carla removed; HQ took
        // the event.
        let second = [person("2001", "Carla", false, 0)];
        let applied = store.apply_roster(&[events[0].id.clone()], Some(("v2", &roles, &second)), at).unwrap();
        assert_eq!((applied.people, applied.inactive, applied.replaced.len()), (1, 2, 0));
        assert!(!store.staff("1").unwrap().unwrap().active && !store.staff("2001").unwrap().unwrap().active);
        assert!(store.staff("7").unwrap().unwrap().active);
        assert!(store.pending_staff_events(10).unwrap().is_empty());
    }
}
