//! What the register refuses or fails at: one umbrella, [`RegisterError`], over the
//! errors of each capability (checkout, drawer, staff, orders, outbox, devices, journal),
//! the domain's refusals and the store's failures. Refusals are typed and carry their
//! data, so a front end can say them in its own language; [`RegisterError::code`] is the
//! stable name the CLI prints and the app's screens react to.

use till_domain::pickup::PickupError;
use till_domain::{CartError, MoneyError, PermissionError, PricingError, QuantityError, ReturnPlanError, TenderError};
use till_import::ImportError;
use till_store::StoreError;
use till_sync::SyncError;
use till_token::TokenError;

use crate::catalog::CatalogError;
use crate::checkout::CheckoutError;
use crate::config::ConfigError;
use crate::devices::DeviceError;
use crate::drawer::DrawerError;
use crate::journal::JournalError;
use crate::orders::OrderError;
use crate::outbox::OutboxError;
use crate::staff::StaffError;

/// What went wrong, in words a cashier or a script can act on.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A configuration edit was refused.
    #[error(transparent)]
    ConfigEdit(#[from] crate::config::ConfigEditError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A catalog file could not be imported at all.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        error: std::io::Error,
    },
    /// Something the register stored earlier cannot be read back (a corrupt value).
    #[error("{what} cannot be read: {reason}")]
    Corrupt {
        /// What was being read.
        what: String,
        /// Why it cannot be.
        reason: String,
    },
    /// Too little disk space to sell safely; nothing was written.
    #[error(
        "only {free_mib} MiB free on the register's disk (at least {reserve_mib} MiB are kept in reserve); free some space"
    )]
    LowDisk {
        /// Free space now.
        free_mib: u64,
        /// The reserve the store keeps.
        reserve_mib: u64,
    },
    /// Text the caller passed is malformed (a flag value, a typed amount).
    #[error("{0}")]
    Input(String),
    /// A cart operation was refused.
    #[error(transparent)]
    Cart(#[from] CartError),
    /// A quantity was refused.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// The tenders do not settle the document.
    #[error(transparent)]
    Tender(#[from] TenderError),
    /// Pricing failed.
    #[error(transparent)]
    Pricing(#[from] PricingError),
    /// An amount was refused.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// The permission matrix refused the action.
    #[error(transparent)]
    Permission(#[from] PermissionError),
    /// A return that does not add up (a line not that often left, a reason not listed).
    #[error(transparent)]
    ReturnPlan(#[from] ReturnPlanError),
    /// A pickup step the order does not allow.
    #[error(transparent)]
    Pickup(#[from] PickupError),
    /// A pickup token was refused.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The scale gave no usable weight.
    #[error(transparent)]
    Scale(#[from] till_devices::ScaleError),
    /// Syncing with HQ or a peer failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The catalog refused a lookup.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Checkout refused (a sale, a return, a receipt).
    #[error(transparent)]
    Checkout(#[from] CheckoutError),
    /// The cash drawer refused.
    #[error(transparent)]
    Drawer(#[from] DrawerError),
    /// Signing in or managing staff was refused.
    #[error(transparent)]
    Staff(#[from] StaffError),
    /// An online order step was refused.
    #[error(transparent)]
    Orders(#[from] OrderError),
    /// Printing or mail was refused.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// A counter device was refused.
    #[error(transparent)]
    Devices(#[from] DeviceError),
    /// The journal export was refused.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A free text that looks like it holds a card number (the field is named, the text
    /// is not repeated).
    #[error(transparent)]
    CardNumber(#[from] till_domain::CardNumberInText),
}

impl RegisterError {
    /// A short, stable name for the kind of failure (what the CLI prints as `code` and the
    /// app's screen reacts to: `permission` asks for a manager, `underpaid`…).
    pub fn code(&self) -> &'static str {
        match self {
            RegisterError::Config(_) => "config",
            RegisterError::ConfigEdit(e) => e.code(),
            RegisterError::Store(StoreError::DiskFull(_)) | RegisterError::LowDisk { .. } => "disk_full",
            RegisterError::Store(StoreError::DiskIo(_)) => "disk_io",
            RegisterError::Store(_) | RegisterError::Corrupt { .. } => "store",
            RegisterError::Import(_) => "import",
            RegisterError::Io { .. } => "io",
            RegisterError::Input(_) | RegisterError::ReturnPlan(_) => "input",
            RegisterError::Cart(_) | RegisterError::Quantity(_) => "cart",
            RegisterError::Tender(TenderError::Underpaid { .. }) => "underpaid",
            RegisterError::Tender(_) => "tender",
            RegisterError::Pricing(_) | RegisterError::Money(_) => "amount",
            RegisterError::Permission(_) => "permission",
            RegisterError::Sync(SyncError::NotEnrolled) => "not_enrolled",
            RegisterError::Sync(SyncError::Trust(_)) => "insecure",
            RegisterError::Sync(SyncError::Untrusted { .. }) => "untrusted_hq",
            RegisterError::Sync(SyncError::NotAPeer { .. }) => "untrusted_peer",
            RegisterError::Sync(SyncError::AlreadyEnrolled { .. }) => "already_enrolled",
            RegisterError::Sync(s) if s.is_offline() => "offline",
            RegisterError::Sync(_) => "sync",
            RegisterError::Scale(_) => "scale",
            RegisterError::Pickup(PickupError::NothingLeft { .. }) => "token_used",
            RegisterError::Pickup(_) => "pickup",
            RegisterError::Token(TokenError::Forged) => "token_forged",
            RegisterError::Token(TokenError::Expired { .. }) => "token_expired",
            RegisterError::Token(TokenError::OtherStore { .. }) => "token_other_store",
            RegisterError::Token(_) => "token_malformed",
            RegisterError::Catalog(e) => e.code(),
            RegisterError::Checkout(e) => e.code(),
            RegisterError::Drawer(_) => "input",
            RegisterError::Staff(e) => e.code(),
            RegisterError::Orders(e) => e.code(),
            RegisterError::Outbox(_) => "input",
            RegisterError::Devices(_) => "input",
            RegisterError::Journal(e) => e.code(),
            RegisterError::CardNumber(_) => "card_number",
        }
    }

    /// Something stored that cannot be read back: `what` names it.
    pub(crate) fn corrupt(what: impl Into<String>, reason: impl std::fmt::Display) -> RegisterError {
        RegisterError::Corrupt { what: what.into(), reason: reason.to_string() }
    }
}
