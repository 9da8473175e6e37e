//! The chain's staff as HQ's books keep them: people, roles, the sign-in events registers
//! report, and the chain's PIN pepper file. PINs are hashed here (Argon2id, RFC 9106's
//! second recommended parameters, as a register hashes its own) with the chain's pepper,
//! which lives in a file outside the database: a copy or backup of the database alone
//! gives PIN hashes no guess can be checked against.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use argon2::password_hash::PasswordHasher;
use argon2::{Algorithm, Argon2, KeyId, ParamsBuilder, Version};
use till_domain::{Action, Permission, Role};

use crate::db::{Row, Tx};
use crate::error::{HqError, internal};

/// Argon2id memory per PIN hash in KiB (64 MiB), passes and lanes: the register's.
const PIN_MEMORY_KIB: u32 = 64 * 1024;
const PIN_PASSES: u32 = 3;
const PIN_LANES: u32 = 4;
/// The key id an HQ-made hash carries (`keyid=` in its PHC string): registers verify it
/// with the chain's pepper, not their own.
pub const CHAIN_PEPPER_ID: &[u8] = b"chain1";

/// Where the chain's PIN pepper is (`None`: not configured, as on PostgreSQL without
/// `--pin-pepper`).
#[derive(Debug, Clone, Default)]
pub struct PepperFile(Option<PathBuf>);

impl PepperFile {
    /// The pepper file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> PepperFile {
        PepperFile(Some(path.into()))
    }

    /// The default for a `--db` URL: `PATH.pin-pepper` beside a SQLite file; none for
    /// PostgreSQL (every HQ process of one database must be given the same file).
    pub fn default_for(url: &str) -> PepperFile {
        match url.strip_prefix("sqlite:") {
            Some(path) => PepperFile::at(format!("{path}.pin-pepper")),
            None => PepperFile(None),
        }
    }

    /// The pepper: read from the file, made (32 random bytes, `0600`) on first use.
    pub(crate) fn load(&self) -> Result<Vec<u8>, HqError> {
        let path = self.0.as_deref().ok_or_else(|| {
            HqError::NotConfigured(
                "HQ keeps the chain's PIN pepper in a file outside the database: give --pin-pepper FILE \
                 (or TILL_HQ_PIN_PEPPER); every HQ process of this database needs the same file"
                    .into(),
            )
        })?;
        if !path.exists() {
            create(path)?;
        }
        read(path)
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> HqError {
    internal(format!("PIN pepper file {}: {e}", path.display()))
}

fn read(path: &Path) -> Result<Vec<u8>, HqError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| io_error(path, e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(io_error(
                path,
                format!("others may read it (mode {:o}); run `chmod 600 {}`", mode & 0o777, path.display()),
            ));
        }
    }
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    if bytes.len() < 16 {
        return Err(io_error(path, "the pepper is shorter than 16 bytes"));
    }
    Ok(bytes)
}

/// Makes the file whole or not at all; keeps one another process made first.
fn create(path: &Path) -> Result<(), HqError> {
    use std::io::Write as _;
    let mut pepper = uuid::Uuid::new_v4().as_bytes().to_vec();
    pepper.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    let temp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(|e| io_error(&temp, e))?;
    file.write_all(&pepper).and_then(|()| file.sync_all()).map_err(|e| io_error(&temp, e))?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(path, e)),
    }
}

/// The Argon2id hash of `pin` with the chain's `pepper`, as a PHC string.
pub(crate) fn hash_pin(pin: &str, pepper: &[u8]) -> Result<String, HqError> {
    let bad = |e: String| internal(format!("hashing a PIN: {e}"));
    let params = ParamsBuilder::new()
        .m_cost(PIN_MEMORY_KIB)
        .t_cost(PIN_PASSES)
        .p_cost(PIN_LANES)
        .keyid(KeyId::new(CHAIN_PEPPER_ID).map_err(|e| bad(e.to_string()))?)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let argon =
        Argon2::new_with_secret(pepper, Algorithm::Argon2id, Version::V0x13, params).map_err(|e| bad(e.to_string()))?;
    argon.hash_password(pin.as_bytes()).map(|h| h.to_string()).map_err(|e| bad(e.to_string()))
}

/// A staff member as HQ keeps them.
#[derive(Debug, Clone)]
pub(crate) struct StaffRow {
    pub code: String,
    pub name: String,
    pub role: String,
    pub pin_hash: String,
    /// `all`, or store codes separated by commas.
    pub stores: String,
    pub active: bool,
    /// The last unlock, right PIN or new PIN, Unix microseconds.
    pub reset_us: i64,
}

const COLUMNS: &str = "code, name, role, pin_hash, stores, active, reset_us";

fn staff_of(r: &Row) -> Result<StaffRow, HqError> {
    let f = r.of("staff");
    Ok(StaffRow {
        code: f.text("code")?,
        name: f.text("name")?,
        role: f.text("role")?,
        pin_hash: f.text("pin_hash")?,
        stores: f.text("stores")?,
        active: f.flag("active")?,
        reset_us: f.int("reset_us")?,
    })
}

impl StaffRow {
    /// Whether they may work at `store`.
    pub fn works_at(&self, store: &str) -> bool {
        self.stores == "all" || self.stores.split(',').any(|s| s == store)
    }
}

/// One staff member.
pub(crate) fn person(tx: &mut dyn Tx, code: &str) -> Result<Option<StaffRow>, HqError> {
    tx.one(&format!("SELECT {COLUMNS} FROM staff WHERE code = $1"), &[code.into()])?.as_ref().map(staff_of).transpose()
}

/// Everyone, by code.
pub(crate) fn everyone(tx: &mut dyn Tx) -> Result<Vec<StaffRow>, HqError> {
    tx.query(&format!("SELECT {COLUMNS} FROM staff ORDER BY code"), &[])?.iter().map(staff_of).collect()
}

/// Whether HQ has any staff at all.
pub(crate) fn any(tx: &mut dyn Tx) -> Result<bool, HqError> {
    Ok(!tx.query("SELECT code FROM staff LIMIT 1", &[])?.is_empty())
}

/// Everyone who may work at `store` (removed ones included), by code.
pub(crate) fn at_store(tx: &mut dyn Tx, store: &str) -> Result<Vec<StaffRow>, HqError> {
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM staff WHERE stores = 'all' OR (',' || stores || ',') LIKE ('%,' || $1 || ',%') \
             ORDER BY code"
        ),
        &[store.into()],
    )?
    .iter()
    .map(staff_of)
    .filter(|r| r.as_ref().map_or(true, |r| r.works_at(store)))
    .collect()
}

/// For each person who may work at `store` with wrong PINs after their last reset: how
/// many, and when the last was (Unix microseconds). One query for the whole store.
pub(crate) fn wrong_pins_at(tx: &mut dyn Tx, store: &str) -> Result<BTreeMap<String, (u32, Option<i64>)>, HqError> {
    let rows = tx.query(
        "SELECT e.code AS code, count(*) AS n, max(e.at_us) AS last FROM staff_events e \
         JOIN staff s ON s.code = e.code \
         WHERE e.kind = 'wrong_pin' AND e.at_us > s.reset_us \
         AND (s.stores = 'all' OR (',' || s.stores || ',') LIKE ('%,' || $1 || ',%')) \
         GROUP BY e.code",
        &[store.into()],
    )?;
    let mut out = BTreeMap::new();
    for r in &rows {
        let f = r.of("staff_events");
        let n = u32::try_from(f.count("n")?).unwrap_or(u32::MAX);
        out.insert(f.text("code")?, (n, Some(f.int("last")?)));
    }
    Ok(out)
}

/// `row`'s columns in the order [`insert`] and [`update`] bind them ($1 the code).
fn columns(row: &StaffRow, at: &str) -> [crate::db::Val; 8] {
    [
        (&row.code).into(),
        (&row.name).into(),
        (&row.role).into(),
        (&row.pin_hash).into(),
        (&row.stores).into(),
        i64::from(row.active).into(),
        row.reset_us.into(),
        at.into(),
    ]
}

/// Adds `row` (its code must be free).
pub(crate) fn insert(tx: &mut dyn Tx, row: &StaffRow, at: &str) -> Result<(), HqError> {
    tx.exec(
        "INSERT INTO staff (code, name, role, pin_hash, stores, active, reset_us, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &columns(row, at),
    )?;
    Ok(())
}

/// Writes `row` over the stored one.
pub(crate) fn update(tx: &mut dyn Tx, row: &StaffRow, at: &str) -> Result<(), HqError> {
    tx.exec(
        "UPDATE staff SET name = $2, role = $3, pin_hash = $4, stores = $5, active = $6, reset_us = $7, \
         changed_at = $8 WHERE code = $1",
        &columns(row, at),
    )?;
    Ok(())
}

/// Records what was done to `code` (a staff code, or `ROLE:NAME`) at `at`.
pub(crate) fn log(tx: &mut dyn Tx, at: &str, code: &str, detail: &str) -> Result<(), HqError> {
    tx.exec("INSERT INTO staff_log (at, code, detail) VALUES ($1, $2, $3)", &[at.into(), code.into(), detail.into()])?;
    Ok(())
}

/// Every role, the defaults (cashier, supervisor, manager) until one is changed.
pub(crate) fn roles(tx: &mut dyn Tx) -> Result<Vec<Role>, HqError> {
    let rows = tx.query("SELECT name, permissions FROM staff_roles ORDER BY name", &[])?;
    if rows.is_empty() {
        let mut roles = Role::defaults();
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok(roles);
    }
    rows.iter()
        .map(|r| {
            let f = r.of("staff_roles");
            let name = f.text("name")?;
            let text = f.text("permissions")?;
            let bad = |e: String| HqError::Database(format!("staff_roles.permissions of role {name}: {e}"));
            let map: BTreeMap<String, String> = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            let mut permissions = BTreeMap::new();
            for (action, permission) in map {
                permissions
                    .insert(action.parse::<Action>().map_err(bad)?, permission.parse::<Permission>().map_err(bad)?);
            }
            Ok(Role::from_stored(&name, permissions))
        })
        .collect()
}

/// Whether any role was set at HQ (else registers keep their own roles).
pub(crate) fn roles_set(tx: &mut dyn Tx) -> Result<bool, HqError> {
    Ok(!tx.query("SELECT name FROM staff_roles LIMIT 1", &[])?.is_empty())
}

/// Creates or replaces `role` (writing the defaults first, the first time).
pub(crate) fn put_role(tx: &mut dyn Tx, role: &Role) -> Result<(), HqError> {
    let held = tx.query("SELECT name FROM staff_roles", &[])?;
    let mut all = if held.is_empty() { Role::defaults() } else { Vec::new() };
    all.retain(|r| r.name != role.name);
    all.push(role.clone());
    for r in all {
        tx.exec(
            "INSERT INTO staff_roles (name, permissions) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET permissions = excluded.permissions",
            &[(&r.name).into(), encode_permissions(&r).to_string().into()],
        )?;
    }
    Ok(())
}

/// Every action's permission for `role`, as text.
pub(crate) fn permission_texts(role: &Role) -> BTreeMap<String, String> {
    Action::ALL.iter().map(|a| (a.as_str().to_string(), role.permission(*a).as_str().to_string())).collect()
}

fn encode_permissions(role: &Role) -> serde_json::Value {
    serde_json::Value::Object(
        role.permissions.iter().map(|(a, p)| (a.as_str().to_string(), p.as_str().into())).collect(),
    )
}

/// Records a register's sign-in event once (by id); false if it was already taken.
pub(crate) fn take_event(
    tx: &mut dyn Tx,
    id: &str,
    register: &str,
    code: &str,
    kind: &str,
    at_us: i64,
) -> Result<bool, HqError> {
    let n = tx.exec(
        "INSERT INTO staff_events (id, register, code, kind, at_us) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO NOTHING",
        &[id.into(), register.into(), code.into(), kind.into(), at_us.into()],
    )?;
    Ok(n > 0)
}

/// Moves `code`'s reset to `at_us` if later, and forgets the wrong PINs up to it.
pub(crate) fn reset(tx: &mut dyn Tx, code: &str, at_us: i64) -> Result<(), HqError> {
    tx.exec("UPDATE staff SET reset_us = $2 WHERE code = $1 AND reset_us < $2", &[code.into(), at_us.into()])?;
    tx.exec("DELETE FROM staff_events WHERE code = $1 AND at_us <= $2", &[code.into(), at_us.into()])?;
    Ok(())
}

/// Wrong PINs of `code` after its last reset, and when the last was (Unix microseconds).
pub(crate) fn wrong_pins(tx: &mut dyn Tx, code: &str, reset_us: i64) -> Result<(u32, Option<i64>), HqError> {
    let rows = tx.query(
        "SELECT at_us FROM staff_events WHERE code = $1 AND kind = 'wrong_pin' AND at_us > $2",
        &[code.into(), reset_us.into()],
    )?;
    let mut last = None;
    for r in &rows {
        let at = r.of("staff_events").int("at_us")?;
        last = Some(last.map_or(at, |l: i64| l.max(at)));
    }
    Ok((u32::try_from(rows.len()).unwrap_or(u32::MAX), last))
}
