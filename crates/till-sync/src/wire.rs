//! What crosses the wire: JSON for control requests, Automerge's own binary encoding for
//! sync messages. Only this module and the HTTP handlers see these types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Header carrying the document id of a sync message.
pub const DOC_HEADER: &str = "x-till-doc";
/// Header on a journal document's reply: the last journal record HQ holds for the
/// register, in chain order.
pub const THROUGH_HEADER: &str = "x-till-through";
/// Largest request body a server accepts (a whole day of a busy register, compressed,
/// with room to spare).
pub const MAX_BODY: usize = 64 << 20;

/// `POST /v1/enroll`: a one-time token exchanged for a device credential. The register
/// makes the credential itself and saves it before asking, so a crash between HQ's
/// answer and the register's save loses nothing: the same request succeeds again.
#[derive(Debug, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The token HQ printed for this register.
    pub token: String,
    /// The register's store code (must match the token's).
    pub store: String,
    /// The register's code (must match the token's).
    pub register: String,
    /// The credential the register will authenticate with from now on.
    pub credential: String,
}

/// HQ's answer to [`EnrollRequest`].
#[derive(Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// The store's key for syncing with the other registers of the store on the LAN
    /// (`till serve-peer`): the same for every register of the store, from HQ.
    pub peer_key: String,
    /// HQ's public key (Ed25519, hex) that pickup tokens are verified with, offline.
    #[serde(default)]
    pub pickup_key: Option<String>,
}

/// `POST /v1/rotate` (authenticated): the next credential. The current one stays valid
/// until the next is first used, so a crash between HQ's answer and the register's save
/// leaves a register that can still authenticate and rotate again.
#[derive(Debug, Serialize, Deserialize)]
pub struct RotateRequest {
    /// The next credential.
    pub next: String,
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
    /// HQ's public key for pickup tokens (so registers enrolled before it existed get it).
    #[serde(default)]
    pub pickup_key: Option<String>,
    /// A journal record a manager accepted despite a broken chain, whose full hash HQ
    /// needs from the register to go on (its document carries only a check): the register
    /// answers with [`AnchorRequest`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor_wanted: Option<u64>,
    /// HQ's clock when it read its documents for this answer (Unix seconds): the register
    /// sends it back as [`DigestRequest::orders_since`] once the round has completed.
    #[serde(default)]
    pub as_of: i64,
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

/// Body of every error response.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: String,
    /// What was wrong, in words.
    pub message: String,
}

/// `POST /v1/aisle/stock` (authenticated, empty body): the chain's stock for endless aisle.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ChainStock {
    /// When HQ took it (RFC 3339).
    pub at: String,
    /// Each location's available units of each SKU it has.
    pub rows: Vec<ChainStockRow>,
}

/// One location's available units of one SKU.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChainStockRow {
    /// Location id (a store code or a DC).
    pub location: String,
    /// SKU.
    pub sku: String,
    /// Units an order may take, exact decimal text.
    pub available: String,
    /// Whether customers can collect orders there (a store with pickup; not a DC).
    #[serde(default)]
    pub pickup: bool,
}

/// `POST /v1/orders/find` (authenticated): an online order for a return in store.
#[derive(Debug, Serialize, Deserialize)]
pub struct FindOrder {
    /// Order number, HQ's order id, or the customer's email.
    pub query: String,
}

/// `POST /v1/conflicts` (authenticated): one of HQ's open conflicts of the register's store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreConflict {
    /// Kind (`clock_skew`, `stock_below_zero`, `broken_chain`…).
    pub kind: String,
    /// What it is about (sale id, `STORE/REGISTER/SEQ`, `STORE/LOCATION/SKU`…).
    pub subject: String,
    /// Register ("" for store-wide).
    pub register: String,
    /// What HQ found.
    pub detail: String,
    /// What it needs from a person.
    pub needs: String,
    /// When HQ raised it.
    pub raised_at: String,
}

/// HQ's answer to [`FindOrder`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundOrder {
    /// The order.
    pub order: FoundOrderHead,
    /// Units returned so far, per line number.
    #[serde(default)]
    pub returned: BTreeMap<String, String>,
}

/// An online order's head and lines, as HQ lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundOrderHead {
    /// HQ's id (`CHANNEL:ID`).
    pub id: String,
    /// What the customer sees.
    pub number: String,
    /// Customer email.
    pub email: String,
    /// ISO 4217 code.
    pub currency: String,
    /// HQ's status.
    pub status: String,
    /// The lines.
    pub lines: Vec<FoundLine>,
}

/// One line of a found order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundLine {
    /// Line number.
    pub n: i64,
    /// Catalog SKU ('' unknown).
    pub sku: String,
    /// Title.
    pub title: String,
    /// Units ordered.
    pub quantity: String,
    /// Price per unit.
    pub price: String,
    /// Units handed over or shipped.
    #[serde(default)]
    pub fulfilled: String,
}
