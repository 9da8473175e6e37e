//! The register's journal: verifying its hash chain and the sales it covers, and the
//! versioned export for the accountant.

mod export;

pub use export::{ExportFormat, JournalExport};

use jiff::civil::Date;
pub use till_store::JournalReport;

use crate::{Register, RegisterError};

/// What the journal export refuses or fails at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    /// A date range that ends before it starts.
    #[error("--to {to} is before --from {from}")]
    BackwardsRange {
        /// The first day.
        from: Date,
        /// The last day.
        to: Date,
    },
    /// The export could not be written out.
    #[error("writing {0}")]
    Write(String),
}

impl JournalError {
    /// The stable code ([`RegisterError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            JournalError::BackwardsRange { .. } => "input",
            JournalError::Write(_) => "io",
        }
    }
}

impl Register {
    /// Verifies the journal chain and the sales it covers.
    pub fn verify_journal(&self) -> Result<JournalReport, RegisterError> {
        let mut report = self.store.verify_journal()?;
        report.grand_total =
            self.config.currency.round(till_domain::Money::new(report.grand_total), self.config.policy.mode).amount();
        Ok(report)
    }
}
