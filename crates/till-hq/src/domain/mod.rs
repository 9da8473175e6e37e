//! HQ's pure rules: no database, no clock, no network — what the layers above decide with,
//! so each is testable with plain values.

pub mod routing;
pub mod status;

use sha2::{Digest, Sha256};

/// SHA-256 in hex: how tokens and credentials are kept (they are random and long, so a
/// plain hash is enough; the clear text is never stored), and how a conflict's id and a
/// sale's content are fingerprinted.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
