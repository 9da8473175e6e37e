//! The one error shape the front end sees: `{code, message}`. The code is the register's
//! (the same the CLI prints), so the screen can react to `permission` (ask for a manager),
//! `sign_in`, `underpaid`… and show the message as written.

use serde::Serialize;
use till_register::RegisterError;

/// An error at the command boundary.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AppError {
    /// What kind of failure (stable, for the screen's logic).
    pub code: String,
    /// What went wrong, for the cashier.
    pub message: String,
}

impl AppError {
    /// An error with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError { code: code.to_string(), message: message.into() }
    }
}

impl From<RegisterError> for AppError {
    fn from(e: RegisterError) -> AppError {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<till_domain::CartError> for AppError {
    fn from(e: till_domain::CartError) -> AppError {
        AppError::from(RegisterError::from(e))
    }
}
