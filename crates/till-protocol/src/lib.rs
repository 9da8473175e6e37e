//! What a register says to HQ, and to a peer register of its store on the LAN: the wire
//! types, the limits a server holds requests to, and the rules both sides apply to decide
//! which documents a round compares and how. Pure — serde types and functions, no I/O —
//! so HQ and the register's client share it without either depending on the other's
//! storage: a change to the register's store never rebuilds the server.
//!
//! One round, over HTTP:
//! 1. `POST /v1/sync/digests` ([`DigestRequest`]) with the digest of every document the
//!    register has not seen confirmed (and the shared ones it always asks about); the
//!    server answers ([`DigestResponse`]) with its own digests. Equal digests end the round
//!    for that document: when nothing changed, a round is one small request.
//! 2. For each document whose digests differ, Automerge sync messages go back and forth
//!    (`POST /v1/sync/doc`, the document id in [`DOC_HEADER`], the message as the body)
//!    until neither side has anything to send. Changes are applied by hash, so a message
//!    delivered twice, late or after a crash changes nothing the second time, and an
//!    interrupted round simply starts over.
//!
//! JSON carries control messages; sync messages are Automerge's own binary encoding.

mod catalog;
mod chain_stock;
mod config;
mod enroll;
mod orders;
mod receipts;
mod scope;
mod staff;
mod sync;

use serde::{Deserialize, Serialize};

pub use catalog::{CatalogInfo, CatalogRequest};
pub use chain_stock::{ChainStockChanges, ChainStockSince};
pub use config::ConfigVersionInfo;
pub use enroll::{EnrollRequest, EnrollResponse, RotateRequest};
pub use orders::{ChainStock, ChainStockRow, FindOrder, FoundLine, FoundOrder, FoundOrderHead, StoreConflict};
pub use receipts::{
    FindReceipt, FoundReceipt, MAX_RECEIPT_TEXT, MAX_RETURNS_SENT, PEER_SALES_PAGE, PeerSale, PeerSales,
    PeerSalesRequest,
};
pub use scope::{register_may_sync, shared_in_store};
pub use staff::{Roster, RosterPerson, RosterRequest, RosterResponse, RosterRole, StaffEvent};
pub use sync::{
    AnchorRequest, DOC_HEADER, DigestRequest, DigestResponse, MAX_DIGEST_DOCS, PickupKeyStep, THROUGH_HEADER,
    digest_of_heads,
};

/// Largest request body a server accepts (a whole day of a busy register, compressed,
/// with room to spare).
pub const MAX_BODY: usize = 64 << 20;

/// Body of every error response.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: String,
    /// What was wrong, in words.
    pub message: String,
}
