//! What a register asks HQ beyond its own documents: the chain's stock for endless aisle,
//! an online order for a return in store (BORIS), and the open conflicts of its store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST /v1/aisle/stock` (authenticated, empty body): the chain's stock for endless aisle.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ChainStock {
    /// When HQ took it (RFC 3339).
    pub at: String,
    /// Each location's available units of each SKU it has.
    pub rows: Vec<ChainStockRow>,
}

/// One location's available units of one SKU.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainStockRow {
    /// Location id (a store code or a DC).
    pub location: String,
    /// SKU.
    pub sku: String,
    /// Units an order may take (on hand − reserved − safety buffer), exact decimal text.
    pub available: String,
    /// Whether customers can collect orders there (a store with pickup; not a DC).
    #[serde(default)]
    pub pickup: bool,
}

/// `POST /v1/orders/find` (authenticated): an online order for a return in store. HQ
/// answers only for the order number together with the customer's e-mail, or for the
/// order's code as the customer shows it (its pickup token), so a register credential
/// cannot browse the chain's customers; every lookup is logged and rate-limited.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct FindOrder {
    /// The order number as the customer has it (`#1001` or `1001`), or HQ's order id.
    #[serde(default)]
    pub number: String,
    /// The customer's e-mail, which must be the order's (compared without case).
    #[serde(default)]
    pub email: String,
    /// Instead of number and e-mail: the order's code as scanned (its pickup token).
    #[serde(default)]
    pub code: String,
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

/// An online order's head and lines: what a return needs, and nothing of the customer's
/// (no e-mail, no delivery address).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FoundOrderHead {
    /// HQ's id (`CHANNEL:ID`).
    pub id: String,
    /// What the customer sees.
    pub number: String,
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
