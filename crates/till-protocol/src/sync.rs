//! The sync round's control messages, the headers of a document exchange, and the digest
//! each side compares a document by.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::CatalogInfo;

/// Header carrying the document id of a sync message.
pub const DOC_HEADER: &str = "x-till-doc";
/// Header on a journal document's reply: the last journal record HQ holds for the
/// register, in chain order.
pub const THROUGH_HEADER: &str = "x-till-through";
/// Most documents one digest request may name (a register holds a journal document per
/// business day; this is decades of them).
pub const MAX_DIGEST_DOCS: usize = 10_000;

/// The digest a side sends for a document whose heads it keeps as text (see
/// `till_docs::heads_to_text`): a short hash of the sorted heads, equal on both sides
/// exactly when they hold the same changes; `""` for a document held empty, or heads that
/// cannot be read (so the document is exchanged rather than taken as equal).
pub fn digest_of_heads(heads: &str) -> String {
    till_docs::heads_from_text(heads).map(|h| till_docs::digest(&h)).unwrap_or_default()
}

/// `POST /v1/sync/digests`: the register's digests and clock.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DigestRequest {
    /// The register's clock (RFC 3339), for skew detection.
    pub clock: String,
    /// Document id → digest of its heads.
    pub docs: BTreeMap<String, String>,
    /// The last HQ catalog version the register imported (0: none).
    #[serde(default)]
    pub catalog_version: u64,
    /// [`DigestResponse::as_of`] of the register's last round that completed: the store's
    /// order documents unchanged since then are not listed again (the register holds
    /// them). `None` lists them all.
    #[serde(default)]
    pub orders_since: Option<i64>,
    /// The highest HQ configuration version the register holds (0: none).
    #[serde(default)]
    pub config_version: u64,
}

/// The server's answer to [`DigestRequest`].
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct DigestResponse {
    /// Document id → the server's digest, for each document asked about and each shared
    /// document the register should hold. Absent or "" means the server has none.
    pub docs: BTreeMap<String, String>,
    /// The last journal record of this register the server holds in chain order.
    pub through_seq: u64,
    /// The published catalog versions in force now that the register has not imported,
    /// oldest first: each is a file of rows to upsert (a whole catalog or only what
    /// changed), so they are imported in order.
    #[serde(default)]
    pub catalogs: Vec<CatalogInfo>,
    /// The store's current peer key (it changes when a register of the store is revoked).
    #[serde(default)]
    pub peer_key: Option<String>,
    /// HQ's public key for pickup tokens now. A register takes it in place of the one it
    /// holds only along [`DigestResponse::pickup_key_history`].
    #[serde(default)]
    pub pickup_key: Option<String>,
    /// HQ's pickup keys oldest first, each signed by the one before it (`till-hq keys
    /// rotate-pickup`): the proof that the new key comes from the holder of the old one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pickup_key_history: Vec<PickupKeyStep>,
    /// A journal record a manager accepted despite a broken chain, whose full hash HQ
    /// needs from the register to go on (its document carries only a check): the register
    /// answers with [`AnchorRequest`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_wanted: Option<u64>,
    /// HQ's clock when it read its documents for this answer (Unix seconds): the register
    /// sends it back as [`DigestRequest::orders_since`] once the round has completed.
    #[serde(default)]
    pub as_of: i64,
    /// The store's configuration versions newer than the register's
    /// [`DigestRequest::config_version`], oldest first, composed for that register, each
    /// with the time it takes effect (possibly later: a register offline then still
    /// switches on time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<crate::ConfigVersionInfo>,
}

/// One of HQ's pickup keys in their history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickupKeyStep {
    /// The public key (Ed25519, 64 hex digits).
    pub key: String,
    /// The previous key's signature over this one (hex; empty for the first key).
    #[serde(default)]
    pub endorsement: String,
}

/// `POST /v1/sync/anchor` (authenticated): the register's full hash of the journal record
/// HQ asked for in [`DigestResponse::anchor_wanted`].
#[derive(Debug, Serialize, Deserialize)]
pub struct AnchorRequest {
    /// The record's sequence number.
    pub seq: u64,
    /// Its SHA-256 chain hash as the register computed it (64 hex digits), or empty when
    /// the register does not hold that record.
    pub hash: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_equal_for_the_same_heads_in_any_order_and_empty_for_none_or_garbage() {
        let a = "11".repeat(32);
        let b = "22".repeat(32);
        let one = digest_of_heads(&format!("{a},{b}"));
        assert_eq!(one.len(), 32, "{one}");
        assert_eq!(one, digest_of_heads(&format!("{b},{a}")));
        assert_ne!(one, digest_of_heads(&a));
        assert_eq!(digest_of_heads(""), "");
        assert_eq!(digest_of_heads("not-a-hash"), "");
    }

    #[test]
    fn an_old_servers_digest_answer_without_the_later_fields_still_reads() {
        let answer: DigestResponse =
            serde_json::from_str(r#"{"docs": {"stock/AMS-01": "ab"}, "through_seq": 7}"#).unwrap();
        assert_eq!(answer.through_seq, 7);
        assert!(answer.catalogs.is_empty() && answer.peer_key.is_none() && answer.anchor_wanted.is_none());
        assert!(answer.configs.is_empty());
        let text = serde_json::to_string(&DigestResponse::default()).unwrap();
        assert!(!text.contains("anchor_wanted"), "left out when not wanted: {text}");
        assert!(!text.contains("configs"), "left out when there are none: {text}");
        let request: DigestRequest = serde_json::from_str(r#"{"clock": "", "docs": {}}"#).unwrap();
        assert_eq!((request.catalog_version, request.orders_since, request.config_version), (0, None, 0));
    }
}
