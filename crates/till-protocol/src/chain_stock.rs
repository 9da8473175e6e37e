//! The chain's stock in pages of changes: `POST /v1/aisle/stock/changes`. A register keeps
//! a watermark (HQ's epoch and the last change number it applied) and asks for what
//! changed after it; when nothing changed the answer is an empty page, whatever the size
//! of the catalog.

use serde::{Deserialize, Serialize};

use crate::ChainStockRow;

/// `POST /v1/aisle/stock/changes` (authenticated): the chain's stock rows changed after a
/// watermark.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChainStockSince {
    /// The epoch the watermark belongs to ("" for a register that never fetched).
    #[serde(default)]
    pub epoch: String,
    /// The last change number applied (0: none, a full fetch).
    #[serde(default)]
    pub since: u64,
    /// Most rows wanted in this page (0: HQ's default; HQ caps it).
    #[serde(default)]
    pub limit: u64,
}

/// One page of changes.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ChainStockChanges {
    /// When HQ answered (RFC 3339).
    pub at: String,
    /// HQ's epoch: the numbering `next` belongs to.
    pub epoch: String,
    /// The asked watermark was not this epoch's (an HQ reset, a new numbering): this page
    /// starts a full fetch, and the register drops every row the fetch does not bring.
    #[serde(default)]
    pub reset: bool,
    /// The rows changed, in change order; a row at 0 says the location has none left
    /// (a fetch from 0 leaves those out).
    pub rows: Vec<ChainStockRow>,
    /// The watermark to ask from next.
    pub next: u64,
    /// More changes wait after `next`: ask again.
    #[serde(default)]
    pub more: bool,
}
