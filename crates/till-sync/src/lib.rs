//! The register's side of the sync protocol (`till_protocol` describes the round and its
//! messages): the client that syncs with HQ or with a peer register in the same store, and
//! the LAN peer server, and the TLS identities with which a store's registers prove its
//! peer key to each other.
//!
//! Received changes are stored in the register's SQLite file as they arrive; the
//! exchange runs on a copy of each document, so sales never wait for the network.

pub mod client;
pub mod peer;
pub mod peer_sales;
pub mod peer_tls;
pub mod pickup_key;
pub mod trust;

pub use client::{
    Remote, SetAside, SyncError, SyncReport, SyncStatus, enroll, enrolled_with, fetch_catalog, hq_trust, rotate,
    status, sync_once, sync_peer,
};
pub use trust::{HqTrust, TrustError};
