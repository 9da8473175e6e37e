//! The sync protocol between a register and HQ (or a peer register in the same store),
//! and the register's side of it.
//!
//! One round, over HTTP:
//! 1. `POST /v1/sync/digests` with the digest of every document the register has not
//!    seen confirmed (and the shared ones it always asks about); the server answers with
//!    its own digests. Equal digests end the round for that document: when nothing
//!    changed, a round is one small request.
//! 2. For each document whose digests differ, Automerge sync messages go back and forth
//!    (`POST /v1/sync/doc`, the document id in `X-Till-Doc`, the message as the body)
//!    until neither side has anything to send. Changes are applied by hash, so a
//!    message delivered twice, late or after a crash changes nothing the second time,
//!    and an interrupted round simply starts over.
//!
//! Received changes are stored in the register's SQLite file as they arrive; the
//! exchange runs on a copy of each document, so sales never wait for the network.

pub mod client;
pub mod peer;
pub mod wire;

pub use client::{
    Remote, SyncError, SyncReport, SyncStatus, enroll, fetch_catalog, rotate, status, sync_once, sync_peer,
};
