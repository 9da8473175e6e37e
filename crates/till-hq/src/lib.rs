//! Till's HQ: the server every register reconciles with.
//!
//! It enrolls registers and authenticates every request they make; takes their journal
//! documents and the stores' inventory counters through Automerge sync; materializes each
//! journal record once, in chain order, verifying the register's hash chain; and raises
//! typed conflicts a manager resolves. Storage is [`db::Db`]: SQLite by default,
//! PostgreSQL at scale.
//!
//! Architecture invariant: everything a request changes — the document, the staged
//! journal records, the materialized sales, the conflicts — is written in one database
//! transaction, so a crash or a lost connection never leaves half of a sync applied.

pub mod auth;
pub mod catalog;
pub mod conflicts;
pub mod db;
pub mod http;
mod ingest;
pub mod instore;
pub mod order_api;
pub mod orders;
mod pg;
pub mod pickup;
pub mod report;
pub mod routing;
pub mod schema;
pub mod shopify;
mod sqlite;
pub mod sync;

use sha2::{Digest, Sha256};

/// What HQ refuses or fails at, mapped to an HTTP status at the boundary.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// The request is malformed (body, document id, sync message).
    #[error("{0}")]
    BadRequest(String),
    /// No valid credential or token.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed to touch this.
    #[error("{0}")]
    Forbidden(String),
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request contradicts one HQ already took (an idempotency key reused).
    #[error("{0}")]
    Conflict(String),
    /// The feature asked for is not configured on this server.
    #[error("{0}")]
    NotConfigured(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// A bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl HqError {
    /// A stable code for the error body.
    pub fn code(&self) -> &'static str {
        match self {
            HqError::BadRequest(_) => "bad_request",
            HqError::Unauthorized(_) => "unauthorized",
            HqError::Forbidden(_) => "forbidden",
            HqError::NotFound(_) => "not_found",
            HqError::Conflict(_) => "conflict",
            HqError::NotConfigured(_) => "not_configured",
            HqError::Database(_) => "database",
            HqError::Internal(_) => "internal",
        }
    }
}

/// The secrets webstores authenticate with (`till-hq serve --shopify-secret-file
/// --orders-token-file`); an endpoint whose secret is missing answers 503 and stores
/// nothing.
#[derive(Default, Clone)]
pub struct OrderSecrets {
    /// The Shopify app's webhook signing secret.
    pub shopify_secret: Option<Vec<u8>>,
    /// The bearer token of the generic order API.
    pub orders_token: Option<String>,
}

impl std::fmt::Debug for OrderSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrderSecrets")
            .field("shopify_secret", &self.shopify_secret.as_ref().map(|_| "<set>"))
            .field("orders_token", &self.orders_token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// HQ: a database and the actor id this process writes documents with.
pub struct Hq {
    db: Box<dyn db::Db>,
    actor: automerge::ActorId,
    secrets: OrderSecrets,
}

impl Hq {
    /// HQ on the database a `--db` URL names.
    pub fn open(url: &str) -> Result<Hq, HqError> {
        Ok(Hq { db: db::open(url)?, actor: automerge::ActorId::random(), secrets: OrderSecrets::default() })
    }

    /// The same HQ, taking webstore orders with these secrets.
    pub fn with_secrets(mut self, secrets: OrderSecrets) -> Hq {
        self.secrets = secrets;
        self
    }

    /// The secrets webstores authenticate with.
    pub fn secrets(&self) -> &OrderSecrets {
        &self.secrets
    }

    /// The database.
    pub fn db(&self) -> &dyn db::Db {
        self.db.as_ref()
    }
}

/// SHA-256 in hex: how tokens and credentials are kept (they are random and long, so a
/// plain hash is enough; the clear text is never stored).
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
