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

/// HQ's signing key, from its 32 secret bytes.
pub struct Issuer(SigningKey);

impl Issuer {
    /// The issuer with secret `seed` (32 random bytes HQ made once and keeps).
    pub fn from_seed(seed: [u8; 32]) -> Issuer {
        Issuer(SigningKey::from_bytes(&seed))
    }

    /// The public key registers verify with, as hex.
    pub fn public_key(&self) -> String {
        hex(self.0.verifying_key().as_bytes())
    }

    /// The token for `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        let body = serde_json::to_vec(claims).unwrap_or_default();
        let sig = self.0.sign(&body);
        format!("{PREFIX}{}.{}", B64.encode(&body), B64.encode(sig.to_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A register's verifier: HQ's public key.
pub struct Verifier(VerifyingKey);

impl Verifier {
    /// The verifier for HQ's public key in hex (64 digits).
    pub fn from_hex(key: &str) -> Result<Verifier, TokenError> {
        let key = key.trim();
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(TokenError::BadKey("expected 64 hex digits".into()));
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&key[2 * i..2 * i + 2], 16).map_err(|e| TokenError::BadKey(e.to_string()))?;
        }
        VerifyingKey::from_bytes(&bytes).map(Verifier).map_err(|e| TokenError::BadKey(e.to_string()))
    }

    /// Checks `token`: signed by HQ, for `store`, not expired at `now`. Returns its claims.
    /// Whether it was used already is the order's business, not the token's.
    pub fn verify(&self, token: &str, store: &str, now: jiff::Timestamp) -> Result<Claims, TokenError> {
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
        let claims: Claims =
            serde_json::from_slice(&body).map_err(|e| TokenError::Malformed(format!("claims: {e}")))?;
        if claims.store != store {
            return Err(TokenError::OtherStore { order: claims.order, store: claims.store, here: store.to_string() });
        }
        if now >= claims.expires {
            return Err(TokenError::Expired { order: claims.order, expires: claims.expires });
        }
        Ok(claims)
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
        for junk in ["", "hello", "TP1.", "TP1.x.y", "TP1.!!!.???"] {
            assert!(matches!(v.verify(junk, "AMS", now), Err(TokenError::Malformed(_) | TokenError::Forged)), "{junk}");
        }
        assert!(Verifier::from_hex("zz").is_err());
    }
}
