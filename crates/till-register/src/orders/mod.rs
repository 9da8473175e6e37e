//! Online orders at the store: the pickup queue and handover (`pickup`), endless aisle
//! (`aisle`), and returns of online orders in any store (`boris`).

mod aisle;
mod boris;
mod pickup;

pub use aisle::{AisleDelivery, AisleItem, CHAIN_STOCK_PAGE, ChainStockRefresh};
pub use boris::{FindOrder, OnlineLine, OnlineOrder, OnlineRefund};
pub use pickup::{ONLINE_TENDER, PickupList, UnreadableOrder, VerifiedPickup};

use rust_decimal::Decimal;

/// What an online-order step refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// No order at this store matches.
    #[error("no online order '{0}' at this store (orders arrive when the register syncs with HQ or a peer)")]
    NoSuchOrder(String),
    /// A return's order lookup without what proves the customer has the order.
    #[error(
        "an online order is found for a return by its number together with the customer's e-mail, or by its code \
         (the QR code the customer has)"
    )]
    LookupNeeds,
    /// HQ out of reach and no order of this store matches a return's lookup.
    #[error("HQ cannot be reached, and this store fulfilled no online order {0}")]
    NotOwnOrder(String),
    /// Several orders match.
    #[error("'{text}' matches {} orders ({}); give the order number", .numbers.len(), .numbers.join(", "))]
    Ambiguous {
        /// What was asked.
        text: String,
        /// The orders it matches.
        numbers: Vec<String>,
    },
    /// An order document that was there a moment ago cannot be read now.
    #[error("order {0} vanished")]
    Vanished(String),
    /// The register holds no pickup key yet.
    #[error("this register has no HQ pickup key: enroll it with HQ (till enroll) first")]
    NoPickupKey,
    /// A token for an order the register has not received yet.
    #[error("order {0} is not on this register yet: sync with HQ or a peer register, then scan again")]
    NotHereYet(String),
    /// A token the order no longer accepts.
    #[error("this token for order {0} was replaced by a newer one; ask the customer for the latest")]
    TokenReplaced(String),
    /// An order in another currency than the register sells in.
    #[error("order {number} is in {order}, this register sells in {register}")]
    SellsIn {
        /// The order.
        number: String,
        /// Its currency.
        order: String,
        /// The register's.
        register: String,
    },
    /// An order paid in another currency than the register refunds in.
    #[error("order {number} was paid in {order}, this register refunds in {register}")]
    RefundsIn {
        /// The order.
        number: String,
        /// Its currency.
        order: String,
        /// The register's.
        register: String,
    },
    /// An endless-aisle order without the customer's email address.
    #[error("--email '{0}': the customer's email address is needed")]
    EmailNeeded(String),
    /// An endless-aisle pickup at this very store.
    #[error("pickup at {0} is this store: sell it here instead of ordering it")]
    PickupHere(String),
    /// A location that takes no pickups.
    #[error("{0} does not take pickups (a DC or a store without pickup): ship it, or pick another store")]
    NoPickupAt(String),
    /// An endless-aisle line that is not whole pieces.
    #[error("{sku} × {quantity}: endless-aisle orders take whole pieces of items sold by the piece")]
    WholePieces {
        /// The SKU.
        sku: String,
        /// The quantity asked.
        quantity: Decimal,
    },
    /// A return of an online order naming no lines.
    #[error("say which lines come back (--line N:QTY)")]
    NoLines,
    /// A line the order does not have.
    #[error("order {number} has no line {line}")]
    NoSuchLine {
        /// The order.
        number: String,
        /// The line asked for.
        line: u32,
    },
    /// More of a line than may come back.
    #[error(
        "return refused: order {number} line {line} ({sku}): {asked} asked, {left} may come back ({received} received, {returned} returned already)"
    )]
    NotThatMany {
        /// The order.
        number: String,
        /// The line.
        line: u32,
        /// Its SKU.
        sku: String,
        /// What was asked.
        asked: Decimal,
        /// What may come back.
        left: Decimal,
        /// What the customer received.
        received: Decimal,
        /// What came back already.
        returned: Decimal,
    },
    /// No endless-aisle order with this id in the outbox.
    #[error("no endless-aisle order '{0}' on this register (till aisle orders lists them)")]
    NoAisleOrder(String),
    /// An endless-aisle order that is not failed cannot be placed again.
    #[error("endless-aisle order {id} is {state}, not failed: only an order HQ refused is placed again")]
    NotFailed {
        /// The order.
        id: String,
        /// Its state.
        state: String,
    },
    /// A value HQ sent that does not read.
    #[error("HQ's {what} '{text}': {reason}")]
    FromHq {
        /// What it is.
        what: String,
        /// What HQ sent.
        text: String,
        /// Why it does not read.
        reason: String,
    },
}

impl OrderError {
    /// The stable code ([`crate::RegisterError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            OrderError::NotThatMany { .. } => "return_refused",
            OrderError::Vanished(_) => "store",
            OrderError::FromHq { .. } => "sync",
            _ => "input",
        }
    }
}

/// `text` HQ sent as a decimal; `what` names it in the error.
pub(crate) fn hq_decimal(what: &str, text: &str) -> Result<Decimal, OrderError> {
    Decimal::from_str_exact(text).map_err(|e| OrderError::FromHq {
        what: what.to_string(),
        text: text.to_string(),
        reason: e.to_string(),
    })
}
