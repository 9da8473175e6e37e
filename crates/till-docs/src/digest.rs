//! A short digest of a document's heads: equal digests mean the replicas hold the same
//! changes, so a sync round that finds every digest equal moves no document at all.

use automerge::ChangeHash;
use sha2::{Digest, Sha256};

/// Hex SHA-256 (first 16 bytes) over the sorted heads; the empty document's digest is "".
pub fn digest(heads: &[ChangeHash]) -> String {
    if heads.is_empty() {
        return String::new();
    }
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort();
    let mut h = Sha256::new();
    for head in sorted {
        h.update(head.0);
    }
    hex::encode(&h.finalize()[..16])
}

/// Heads as stored in a text column: hex hashes separated by commas.
pub fn heads_to_text(heads: &[ChangeHash]) -> String {
    heads.iter().map(|h| hex::encode(h.0)).collect::<Vec<_>>().join(",")
}

/// Heads read back from [`heads_to_text`]; `None` if any entry is not a 32-byte hex hash.
pub fn heads_from_text(text: &str) -> Option<Vec<ChangeHash>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',').map(|part| hex::decode(part).ok().and_then(|b| ChangeHash::try_from(b.as_slice()).ok())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_ignores_order_and_text_round_trips() {
        let a = ChangeHash([1; 32]);
        let b = ChangeHash([2; 32]);
        assert_eq!(digest(&[a, b]), digest(&[b, a]));
        assert_ne!(digest(&[a]), digest(&[b]));
        assert_eq!(digest(&[]), "");
        assert_eq!(heads_from_text(&heads_to_text(&[a, b])), Some(vec![a, b]));
        assert_eq!(heads_from_text("zz"), None);
    }
}
