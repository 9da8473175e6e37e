//! Published catalog versions: what HQ lists in a digest answer, and how a register asks
//! for a version's file.

use serde::{Deserialize, Serialize};

/// A published catalog version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogInfo {
    /// Its version number (1, 2, 3… at HQ).
    pub version: u64,
    /// The file's name (its extension says the format: `.csv` or `.jsonl`).
    pub file_name: String,
    /// When its prices take effect (RFC 3339).
    pub effective_from: String,
    /// SHA-256 of the file, hex, checked by the register before importing.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// `POST /v1/catalog` (authenticated): the file of a published catalog version.
#[derive(Debug, Serialize, Deserialize)]
pub struct CatalogRequest {
    /// The version wanted.
    pub version: u64,
}
