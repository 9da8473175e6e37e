//! Till's HQ: the server every register reconciles with.
//!
//! It enrolls registers and authenticates every request they make; takes their journal
//! documents and the stores' inventory counters through Automerge sync; materializes each
//! journal record once, in chain order, verifying the register's hash chain; raises typed
//! conflicts a manager resolves; and takes webstore orders, routes them, and follows them
//! through the stores. Storage is [`db::Db`]: SQLite by default, PostgreSQL at scale.
//!
//! Layers that only look down, each a module tree:
//! - [`http`] — handlers: parse, authenticate through a service, call a service, map errors;
//! - [`services`] — what HQ does (enrollment, the sync exchange, ingest, intake and
//!   routing, fulfilment, returns…), each public method one transaction;
//! - `books` — what HQ records and reads back (conflicts, events, stock, journal staging,
//!   sales, orders…), inside the caller's transaction;
//! - [`db`] — the `Db`/`Tx` interface, SQLite and PostgreSQL, the schema;
//! - beneath them all, [`domain`] (pure rules: routing, the order status) and the error type.
//!
//! A module imports only from its own layer or below (`tests/layers.rs` holds the code to
//! it), so each can be read without the ones above it.
//!
//! Architecture invariant: everything a request changes — the document, the staged
//! journal records, the materialized sales, the conflicts — is written in one database
//! transaction, so a crash or a lost connection never leaves half of a sync applied.

mod books;
pub mod db;
pub mod domain;
mod error;
pub mod http;
pub mod services;

pub use books::conflicts::Conflict;
pub use books::lookups::Lookup;
pub use books::orders::{LineView, OrderView};
pub use books::registers::RegisterView;
pub use books::returns::Refund;
pub use error::HqError;
pub use services::catalog::Published;
pub use services::intake::Outcome;
pub use services::locations::{Availability, LocationSpec, LocationView};
pub use services::receipts::ReturnsScope;
pub use services::reports::{BookedSale, RegisterSales};
pub use services::staff::{ChainStaffChange, ChainStaffList, ChainStaffView, NewChainStaff, Stores};
pub use services::{Hq, KeyFile, OrderSecrets, PepperFile};
