//! What HQ does, one module per job: enrollment, the sync exchange and the booking of
//! journals it feeds (ingest), conflicts, orders coming in (intake) and where they go
//! (routing), store fulfilment, returns of online orders, locations and stock, the
//! catalog, reports. Each public method runs in its own database transaction; work one
//! service does inside another's transaction is a free function taking the transaction.
//!
//! Services use the books and the database below them, never the HTTP layer above.

pub mod catalog;
pub mod config;
pub mod conflicts;
pub mod enrollment;
pub mod exchange;
pub mod fulfilment;
pub mod ingest;
pub mod intake;
pub mod locations;
pub mod lookup;
pub mod orders;
pub mod receipts;
pub mod reports;
pub mod retention;
pub mod returns;
pub mod routing;
pub mod staff;
pub mod stock;

pub use crate::books::keys::KeyFile;
pub use crate::books::staff::PepperFile;
use crate::db::{self, Db};
use crate::error::HqError;

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

/// HQ: a database, the actor id this process writes documents with, and where its keys
/// and secrets are.
pub struct Hq {
    db: Box<dyn Db>,
    actor: automerge::ActorId,
    secrets: OrderSecrets,
    pickup_key: KeyFile,
    pin_pepper: PepperFile,
}

impl Hq {
    /// HQ on the database a `--db` URL names, its pickup key file in the default place
    /// ([`KeyFile::default_for`]).
    pub fn open(url: &str) -> Result<Hq, HqError> {
        Ok(Hq {
            db: db::open(url)?,
            actor: automerge::ActorId::random(),
            secrets: OrderSecrets::default(),
            pickup_key: KeyFile::default_for(url),
            pin_pepper: PepperFile::default_for(url),
        })
    }

    /// The same HQ, its pickup-token signing key in `file`.
    pub fn with_pickup_key(mut self, file: KeyFile) -> Hq {
        self.pickup_key = file;
        self
    }

    /// The same HQ, the chain's PIN pepper in `file`.
    pub fn with_pin_pepper(mut self, file: PepperFile) -> Hq {
        self.pin_pepper = file;
        self
    }

    /// Where the chain's PIN pepper is.
    pub(crate) fn pin_pepper(&self) -> &PepperFile {
        &self.pin_pepper
    }

    /// Where the pickup-token signing key is.
    pub(crate) fn key_file(&self) -> &KeyFile {
        &self.pickup_key
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
    pub fn db(&self) -> &dyn Db {
        self.db.as_ref()
    }
}
