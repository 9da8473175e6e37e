//! A receipt good at every register (issue #16 §3): a register asks HQ for a sale rung at
//! another register ([`FindReceipt`]), and copies its store peers' recent sales over the
//! LAN ([`PeerSalesRequest`]) so it can take goods back with the WAN down.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST /v1/receipts/find` (authenticated as a register): a sale of the chain by the
/// receipt number printed on it (`R1-000042`: a register of the asking register's own
/// store) or by the code its receipt carries (`till:STORE/R1-000042`). HQ answers for the
/// asking register's store, and for other stores only when the chain allows it
/// (`till-hq returns-scope chain`); every lookup is logged with the order lookups and
/// counts toward the same rate limit.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FindReceipt {
    /// The receipt number or code as typed or scanned.
    pub receipt: String,
}

/// Longest receipt text HQ reads (a code is `till:` + a store + `/` + a number).
pub const MAX_RECEIPT_TEXT: usize = 128;

/// Most return documents of one sale HQ sends with it (a line sold by the thousand,
/// returned one piece at a time, is still far below).
pub const MAX_RETURNS_SENT: usize = 200;

/// HQ's answer to [`FindReceipt`]: the sale as its register journalled it, and every
/// document HQ holds that took lines of it back, anywhere in the chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundReceipt {
    /// The store that rang it.
    pub store: String,
    /// The register that rang it.
    pub register: String,
    /// Its receipt number.
    pub receipt: String,
    /// The sale's canonical JSON as journalled (lines with SKU, name, quantity, prices and
    /// tax; taxes; totals; payments — what a return and a refund to the original tender
    /// need).
    pub sale: String,
    /// The canonical JSON of each return or exchange HQ booked against it, at any register.
    #[serde(default)]
    pub returns: Vec<String>,
}

/// `POST /v1/peer/sales` on a store peer (`till serve-peer`): the peer's own sales and
/// returns completed since `since`, after the receipt sequence number the asker already
/// holds of it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PeerSalesRequest {
    /// The earliest completion time wanted (RFC 3339): the asker's window.
    pub since: String,
    /// The receipt sequence number the asker holds up to, per register.
    #[serde(default)]
    pub after: BTreeMap<String, u64>,
}

/// Most sales a peer sends in one answer; the asker asks again while `more` is set.
pub const PEER_SALES_PAGE: u32 = 200;

/// A store peer's answer to [`PeerSalesRequest`].
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PeerSales {
    /// The answering register's store.
    pub store: String,
    /// The answering register.
    pub register: String,
    /// Its sales, oldest first.
    pub sales: Vec<PeerSale>,
    /// More follow: ask again.
    #[serde(default)]
    pub more: bool,
}

/// One sale of a store peer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PeerSale {
    /// Its receipt sequence number.
    pub seq: u64,
    /// Its canonical JSON without the staff code and the cash session.
    pub payload: String,
}
