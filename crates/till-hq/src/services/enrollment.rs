//! Registers at HQ: one-time enrollment tokens, device credentials, rotation, revocation.

use till_protocol::{EnrollRequest, EnrollResponse, RotateRequest};

use super::{Hq, KeyFile};
use crate::books::registers;
pub use crate::books::registers::RegisterView;
use crate::db::rows::RegisterRow;
use crate::db::{Tx, Val, with_read, with_tx};
use crate::domain::sha256_hex;
use crate::error::HqError;

/// How long an enrollment token stays usable.
const TOKEN_DAYS: i64 = 7;

fn check_code(what: &str, code: &str) -> Result<(), HqError> {
    let ok = !code.is_empty()
        && code.len() <= 16
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(HqError::BadRequest(format!("{what} '{code}' must be 1-16 letters, digits, '-' or '_'")))
    }
}

/// A fresh one-time token.
fn new_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

impl Hq {
    /// Adds a register (or re-issues its token) and returns a one-time enrollment token.
    /// Re-issuing leaves the register's current credential working until the new token
    /// is used.
    pub fn add_register(&self, store: &str, register: &str, now: jiff::Timestamp) -> Result<String, HqError> {
        check_code("store", store)?;
        check_code("register", register)?;
        let token = new_token();
        let expires = now
            .checked_add(jiff::SignedDuration::from_hours(24 * TOKEN_DAYS))
            .map_err(|e| HqError::Internal(e.to_string()))?;
        let key = format!("{store}/{register}");
        with_tx(self.db(), |tx| {
            tx.exec(
                "INSERT INTO registers (key, store, register, token_hash, token_expires, created_at, last_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO UPDATE SET \
                 token_hash = excluded.token_hash, token_expires = excluded.token_expires, revoked = 0",
                &[
                    key.as_str().into(),
                    store.into(),
                    register.into(),
                    sha256_hex(&token).into(),
                    expires.to_string().into(),
                    now.to_string().into(),
                    till_docs::GENESIS.into(),
                ],
            )?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Revokes a register: its credential stops working at once, and the store's peer
    /// key is replaced (the other registers take the new one at their next sync), so the
    /// revoked machine cannot go on syncing stock with its former peers either.
    pub fn revoke_register(&self, store: &str, register: &str) -> Result<(), HqError> {
        let key = format!("{store}/{register}");
        let n = with_tx(self.db(), |tx| {
            let n = tx.exec(
                "UPDATE registers SET revoked = 1, credential_hash = '', next_hash = '', token_hash = '' WHERE key = $1",
                &[key.as_str().into()],
            )?;
            tx.exec("UPDATE stores SET peer_key = $2 WHERE store = $1", &[store.into(), new_token().into()])?;
            Ok(n)
        })?;
        if n == 0 {
            return Err(HqError::NotFound(format!("no register {key}")));
        }
        Ok(())
    }

    /// Every register, by key.
    pub fn registers(&self) -> Result<Vec<RegisterView>, HqError> {
        with_tx(self.db(), |tx| {
            let rows = tx.query(&format!("SELECT {} FROM registers ORDER BY key", RegisterRow::COLUMNS), &[])?;
            rows.iter().map(|r| Ok(RegisterView::from(&RegisterRow::from_row(r)?))).collect()
        })
    }

    /// Exchanges a one-time token for the credential the register chose. Repeating the
    /// same request (a lost answer) succeeds; another credential with a used token fails.
    pub fn enroll(&self, req: &EnrollRequest, now: jiff::Timestamp) -> Result<EnrollResponse, HqError> {
        if req.credential.len() < 32 {
            return Err(HqError::BadRequest("the credential must be at least 32 characters".into()));
        }
        let key = format!("{}/{}", req.store, req.register);
        let token_hash = sha256_hex(&req.token);
        let credential_hash = sha256_hex(&req.credential);
        with_tx(self.db(), |tx| {
            let found = tx.one(
                &format!("SELECT {} FROM registers WHERE key = $1", RegisterRow::COLUMNS),
                &[key.as_str().into()],
            )?;
            let refused = || HqError::Unauthorized(format!("enrollment token not valid for register {key}"));
            let Some(r) = found.as_ref().map(RegisterRow::from_row).transpose()? else { return Err(refused()) };
            if r.revoked || r.token_hash.is_empty() || r.token_hash != token_hash {
                return Err(refused());
            }
            // `token_expires` is emptied when the token is used.
            if r.token_expires.is_empty() {
                // Used: only the same enrollment, repeated after a lost answer, succeeds.
                return if r.credential_hash == credential_hash {
                    answer(tx, req, self.key_file())
                } else {
                    Err(refused())
                };
            }
            let expires: jiff::Timestamp = r.token_expires.parse().map_err(|_| refused())?;
            if now > expires {
                return Err(HqError::Unauthorized(format!(
                    "enrollment token for {key} expired at {expires}; issue a new one with `till-hq register add`"
                )));
            }
            // Only if the token is still unused: two enrollments racing with one token (on
            // PostgreSQL, where they are not serialised) cannot both win.
            let taken = tx.exec(
                "UPDATE registers SET credential_hash = $2, next_hash = '', token_expires = '' \
                 WHERE key = $1 AND token_hash = $3 AND token_expires <> ''",
                &[key.as_str().into(), credential_hash.as_str().into(), token_hash.as_str().into()],
            )?;
            if taken != 1 {
                return Err(refused());
            }
            answer(tx, req, self.key_file())
        })
    }

    /// The register a bearer credential belongs to; a rotated credential's first use
    /// retires the old one. Revoked, unknown and retired credentials are refused.
    pub fn authenticate(&self, credential: &str, now: jiff::Timestamp) -> Result<RegisterView, HqError> {
        let hash = sha256_hex(credential);
        // Looked up without the write lock: a crowd of wrong credentials never holds up
        // the registers that sync. Only a register seen more than a minute ago, or using
        // its next credential for the first time, writes.
        let (found, write) = with_read(self.db(), |tx| look_up(tx, &hash, now))?;
        if write {
            return with_tx(self.db(), |tx| authenticate_in(tx, &hash, now));
        }
        Ok(found)
    }

    /// Records the register's next credential (see [`RotateRequest`]).
    pub fn rotate(&self, who: &RegisterView, req: &RotateRequest) -> Result<(), HqError> {
        if req.next.len() < 32 {
            return Err(HqError::BadRequest("the credential must be at least 32 characters".into()));
        }
        with_tx(self.db(), |tx| {
            tx.exec(
                "UPDATE registers SET next_hash = $2 WHERE key = $1 AND revoked = 0",
                &[who.key.as_str().into(), sha256_hex(&req.next).into()],
            )?;
            Ok(())
        })
    }
}

/// The enrollment's answer: the store's peer key, made on the store's first enrollment.
fn answer(tx: &mut dyn Tx, req: &EnrollRequest, keys: &KeyFile) -> Result<EnrollResponse, HqError> {
    tx.exec(
        "INSERT INTO stores (store, peer_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[req.store.as_str().into(), new_token().into()],
    )?;
    let key =
        registers::peer_key(tx, &req.store)?.ok_or_else(|| HqError::Internal("store without a peer key".into()))?;
    let pickup_key = Some(keys.load(tx)?.issuer.public_key());
    Ok(EnrollResponse { store: req.store.clone(), register: req.register.clone(), peer_key: key, pickup_key })
}

/// How long `registers.last_seen` may lag behind: at most one write per register a minute.
const SEEN_EVERY_SECONDS: i64 = 60;

/// The register whose credential hashes to `hash`, and whether authenticating it has to
/// write (its next credential used, or `last_seen` older than a minute).
fn look_up(tx: &mut dyn Tx, hash: &str, now: jiff::Timestamp) -> Result<(RegisterView, bool), HqError> {
    let r = find_by_credential(tx, hash)?;
    let seen = r.last_seen.parse::<jiff::Timestamp>().ok();
    let stale = seen.is_none_or(|at| now.as_second() - at.as_second() >= SEEN_EVERY_SECONDS);
    Ok((RegisterView::from(&r), r.next_hash == hash || stale))
}

fn find_by_credential(tx: &mut dyn Tx, hash: &str) -> Result<RegisterRow, HqError> {
    let unknown = || HqError::Unauthorized("unknown or revoked register credential".into());
    if hash.is_empty() {
        return Err(unknown());
    }
    let h: Val = hash.into();
    let found = tx.one(
        &format!(
            "SELECT {} FROM registers WHERE (credential_hash = $1 OR next_hash = $1) AND revoked = 0",
            RegisterRow::COLUMNS
        ),
        std::slice::from_ref(&h),
    )?;
    found.as_ref().map(RegisterRow::from_row).transpose()?.ok_or_else(unknown)
}

fn authenticate_in(tx: &mut dyn Tx, hash: &str, now: jiff::Timestamp) -> Result<RegisterView, HqError> {
    let r = find_by_credential(tx, hash)?;
    if r.next_hash == hash {
        tx.exec(
            "UPDATE registers SET credential_hash = next_hash, next_hash = '' WHERE key = $1",
            &[r.key.as_str().into()],
        )?;
    }
    tx.exec("UPDATE registers SET last_seen = $2 WHERE key = $1", &[r.key.as_str().into(), now.to_string().into()])?;
    Ok(RegisterView::from(&r))
}
