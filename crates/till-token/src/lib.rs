//! Pickup tokens. HQ signs, with its Ed25519 key, which order a customer may collect at
//! which store until when; the customer shows the token as a QR code or types it; the
//! register verifies it with HQ's public key (received at enrollment) — no network.
//!
//! The token is text: `TP1.` + base64url(claims JSON) + `.` + base64url(signature over
//! the claims' bytes). The claims are compact JSON (`o` order id, `s` store, `t` token id,
//! `e` expiry, RFC 3339). Ed25519 signatures are deterministic, so HQ can show the same
//! token again without storing it. No I/O, no clock, no randomness: keys and times are
//! passed in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

const PREFIX: &str = "TP1.";

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// HQ's order id.
    #[serde(rename = "o")]
    pub order: String,
    /// The store where it may be collected.
    #[serde(rename = "s")]
    pub store: String,
    /// The token's id (a new token for the same order supersedes the old one).
    #[serde(rename = "t")]
    pub token_id: String,
    /// Valid until.
    #[serde(rename = "e")]
    pub expires: jiff::Timestamp,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a pickup token at all.
    #[error("not a pickup token: {0}")]
    Malformed(String),
    /// The signature does not verify with HQ's key: forged or altered.
    #[error("the token's signature does not verify with HQ's key: it is forged or was altered")]
    Forged,
    /// Past its expiry.
    #[error("the token for order {order} expired at {expires}")]
    Expired {
        /// Order id.
        order: String,
        /// When it expired.
        expires: jiff::Timestamp,
    },
    /// For another store.
    #[error("the token for order {order} is for store {store}, not this store ({here})")]
    OtherStore {
        /// Order id.
        order: String,
        /// The token's store.
        store: String,
        /// This register's store.
        here: String,
    },
    /// A key that is not 32 bytes of hex.
    #[error("bad key: {0}")]
    BadKey(String),
}

/// Why a new HQ key was not accepted in place of the one a register holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    /// The key history does not contain the key the register holds.
    #[error("the key history HQ sent does not contain the key this register holds")]
    HeldKeyUnknown,
    /// A step of the history is not signed by the key before it.
    #[error("key {key} in the history is not signed by the key before it")]
    NotEndorsed {
        /// The key whose endorsement failed (hex).
        key: String,
    },
    /// Following the history from the held key does not lead to the key offered.
    #[error("the key history does not lead from the held key to the one offered")]
    NotReached,
}

/// HQ's signing key, from its 32 secret bytes.
pub struct Issuer(SigningKey);

impl Issuer {
    /// The issuer with secret `seed` (32 random bytes HQ made once and keeps).
    pub fn from_seed(seed: [u8; 32]) -> Issuer {
        Issuer(SigningKey::from_bytes(&seed))
    }

    /// The public key registers verify with, as hex.
    pub fn public_key(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }

    /// Its signature (hex) handing over to the key `next` (hex): registers holding this key
    /// accept `next` in its place only with this endorsement.
    pub fn endorse(&self, next: &str) -> String {
        hex::encode(self.0.sign(&rotation_message(next)).to_bytes())
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        let body = serde_json::to_vec(claims).unwrap_or_default();
        let sig = self.0.sign(&body);
        format!("{PREFIX}{}.{}", B64.encode(&body), B64.encode(sig.to_bytes()))
    }
}

/// What a key signs to hand over to its successor: a fixed label and the new key, so the
/// signature can never be taken for a token's.
fn rotation_message(next: &str) -> Vec<u8> {
    format!("till pickup key rotation v1 {}", next.trim().to_ascii_lowercase()).into_bytes()
}

/// Checks that HQ's key `offered` follows from `held` along `history` (HQ's keys oldest
/// first, each with the previous key's endorsement; the first's endorsement is unused):
/// every step from the held key on must be signed by the key before it. A register takes
/// a new pickup key only when this holds, so nobody on the path can swap it.
pub fn follow_rotation<'a>(
    held: &str,
    offered: &str,
    history: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), RotationError> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mut steps = history.into_iter().skip_while(|(key, _)| !same(key, held));
    let Some((first, _)) = steps.next() else { return Err(RotationError::HeldKeyUnknown) };
    let mut current = first.to_string();
    for (key, endorsement) in steps {
        let endorsed = Verifier::from_hex(&current).is_ok_and(|v| v.endorses(key, endorsement));
        if !endorsed {
            return Err(RotationError::NotEndorsed { key: key.to_string() });
        }
        current = key.to_string();
        if same(&current, offered) {
            return Ok(());
        }
    }
    Err(RotationError::NotReached)
}

/// A register's verifier: HQ's public key.
pub struct Verifier(VerifyingKey);

impl Verifier {
    /// The verifier for HQ's public key in hex (64 digits).
    pub fn from_hex(key: &str) -> Result<Verifier, TokenError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(key.trim(), &mut bytes)
            .map_err(|_| TokenError::BadKey("expected 64 hex digits".into()))?;
        VerifyingKey::from_bytes(&bytes).map(Verifier).map_err(|e| TokenError::BadKey(e.to_string()))
    }

    /// Whether `endorsement` (hex) is this key's signature handing over to `next`.
    pub fn endorses(&self, next: &str, endorsement: &str) -> bool {
        let Ok(bytes) = hex::decode(endorsement) else { return false };
        let Ok(sig) = Signature::from_slice(&bytes) else { return false };
        self.0.verify(&rotation_message(next), &sig).is_ok()
    }

    /// Checks `token`: signed by HQ, for `store`, not expired at `now`. Returns its claims.
    /// Whether it was used already is the order's business, not the token's.
    pub fn verify(&self, token: &str, store: &str, now: jiff::Timestamp) -> Result<Claims, TokenError> {
        let claims = self.signed(token)?;
        if claims.store != store {
            return Err(TokenError::OtherStore { order: claims.order, store: claims.store, here: store.to_string() });
        }
        if now >= claims.expires {
            return Err(TokenError::Expired { order: claims.order, expires: claims.expires });
        }
        Ok(claims)
    }

    /// The claims of `token` if HQ signed it, whatever its store and expiry: the token as a
    /// proof that its holder has the order (for a return, after it was collected).
    pub fn signed(&self, token: &str) -> Result<Claims, TokenError> {
        let token = token.trim();
        let rest = token
            .strip_prefix(PREFIX)
            .ok_or_else(|| TokenError::Malformed(format!("it does not start with {PREFIX}")))?;
        let (body, sig) =
            rest.split_once('.').ok_or_else(|| TokenError::Malformed("expected TP1.CLAIMS.SIGNATURE".into()))?;
        let body = B64.decode(body).map_err(|e| TokenError::Malformed(format!("claims: {e}")))?;
        let sig = B64.decode(sig).map_err(|e| TokenError::Malformed(format!("signature: {e}")))?;
        let sig = Signature::from_slice(&sig).map_err(|_| TokenError::Forged)?;
        self.0.verify(&body, &sig).map_err(|_| TokenError::Forged)?;
        serde_json::from_slice(&body).map_err(|e| TokenError::Malformed(format!("claims: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            order: "shopify:820982911946154508".into(),
            store: "AMS".into(),
            token_id: "9f1c".into(),
            expires: "2026-12-11T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn signed_tokens_verify_and_every_kind_of_bad_one_is_refused_with_its_reason() {
        let hq = Issuer::from_seed([7; 32]);
        let v = Verifier::from_hex(&hq.public_key()).unwrap();
        let now: jiff::Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        let token = hq.sign(&claims());
        assert_eq!(token, hq.sign(&claims()), "deterministic");
        assert_eq!(v.verify(&token, "AMS", now).unwrap(), claims());
        // Another key (a forger's HQ) signs the same claims.
        let forged = Issuer::from_seed([8; 32]).sign(&claims());
        assert_eq!(v.verify(&forged, "AMS", now), Err(TokenError::Forged));
        // Claims altered after signing: another store.
        let (_, sig) = token.rsplit_once('.').unwrap();
        let other = Claims { store: "UTR".into(), ..claims() };
        let altered = format!("{PREFIX}{}.{sig}", B64.encode(serde_json::to_vec(&other).unwrap()));
        assert_eq!(v.verify(&altered, "UTR", now), Err(TokenError::Forged));
        assert!(matches!(v.verify(&token, "UTR", now), Err(TokenError::OtherStore { .. })));
        let later: jiff::Timestamp = "2026-12-11T00:00:00Z".parse().unwrap();
        assert!(v.verify(&token, "AMS", later).unwrap_err().to_string().contains("expired at 2026-12-11"));
        // As a proof of the order (a return elsewhere, after expiry): only the signature counts.
        assert_eq!(v.signed(&token).unwrap(), claims());
        assert_eq!(v.signed(&forged), Err(TokenError::Forged));
        assert_eq!(v.signed(&altered), Err(TokenError::Forged));
        for junk in ["", "hello", "TP1.", "TP1.x.y", "TP1.!!!.???"] {
            assert!(matches!(v.verify(junk, "AMS", now), Err(TokenError::Malformed(_) | TokenError::Forged)), "{junk}");
        }
        assert!(Verifier::from_hex("zz").is_err());
    }

    #[test]
    fn a_new_key_is_followed_only_along_endorsements_from_the_held_key() {
        let (k0, k1, k2) = (Issuer::from_seed([1; 32]), Issuer::from_seed([2; 32]), Issuer::from_seed([3; 32]));
        let (p0, p1, p2) = (k0.public_key(), k1.public_key(), k2.public_key());
        let (e1, e2) = (k0.endorse(&p1), k1.endorse(&p2));
        let history = [(p0.as_str(), ""), (p1.as_str(), e1.as_str()), (p2.as_str(), e2.as_str())];
        assert_eq!(follow_rotation(&p0, &p1, history), Ok(()));
        assert_eq!(follow_rotation(&p0, &p2, history), Ok(()), "two rotations while offline");
        assert_eq!(follow_rotation(&p1, &p2, history), Ok(()));
        assert_eq!(follow_rotation(&p2, &p0, history), Err(RotationError::NotReached), "never backwards");
        // An intruder's key appended with an endorsement of its own making.
        let intruder = Issuer::from_seed([9; 32]);
        let pi = intruder.public_key();
        let forged = intruder.endorse(&pi);
        let tampered = [(p0.as_str(), ""), (pi.as_str(), forged.as_str())];
        assert_eq!(follow_rotation(&p0, &pi, tampered), Err(RotationError::NotEndorsed { key: pi.clone() }));
        assert_eq!(follow_rotation(&p0, &pi, [(pi.as_str(), "")]), Err(RotationError::HeldKeyUnknown));
        assert_eq!(follow_rotation(&p0, &pi, []), Err(RotationError::HeldKeyUnknown));
        // An endorsement is not a token signature and not reusable for another key.
        assert!(
            k0.0.verifying_key()
                .verify(pi.as_bytes(), &Signature::from_slice(&hex::decode(&e1).unwrap()).unwrap())
                .is_err()
        );
        let reused = [(p0.as_str(), ""), (pi.as_str(), e1.as_str())];
        assert!(follow_rotation(&p0, &pi, reused).is_err());
        assert!(!Verifier::from_hex(&p0).unwrap().endorses(&p1, "zz"));
    }
}
