//! What leaves the register after a commit, through a queue that survives a printer or
//! mail server out of reach: receipts on the ESC/POS printer (`print`) and customer mail
//! through the store's SMTP server (`mail`).

mod mail;
mod print;

pub use mail::{BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS, MailRound, mail_backoff, ready_message};
pub use print::PrintRound;

/// What printing or mailing refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// No printer configured.
    #[error("no printer is configured ([printer] in the store configuration)")]
    NoPrinter,
    /// A reprint asked to open the drawer.
    #[error("receipt {0} was printed before: a reprint does not open the drawer (use `till drawer no-sale`)")]
    ReprintKicks(String),
    /// The printer's profile or code page does not fit.
    #[error(transparent)]
    Profile(#[from] till_printer::ProfileError),
    /// The printer failed.
    #[error(transparent)]
    Printer(#[from] till_printer::PrintError),
    /// No mail server configured.
    #[error("no mail server is configured ([mail] in the store configuration)")]
    NoMailServer,
    /// An order's email that is not an address.
    #[error("order {order}: the customer's email '{to}' is not an address ({reason})")]
    NotAnAddress {
        /// The order.
        order: String,
        /// The address.
        to: String,
        /// Why it is not one.
        reason: String,
    },
    /// The notice is queued already and waits for the mail server.
    #[error(
        "the ready mail for order {order} (queued {queued}) is still waiting to be sent{error}; it goes when the mail server answers (till mail work)"
    )]
    StillWaiting {
        /// The order.
        order: String,
        /// When the notice was queued.
        queued: String,
        /// The last delivery error, as ` (ERROR)`, or empty.
        error: String,
    },
}
