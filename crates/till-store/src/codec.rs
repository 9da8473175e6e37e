//! Reading stored text back into values. A value that does not parse is reported with
//! where it was found, never guessed at.

use jiff::Timestamp;
use rust_decimal::Decimal;
use till_domain::{Money, Unit};

use crate::{Result, StoreError};

/// A decimal column; `place` names table, row and column for the error.
pub(crate) fn decimal(text: &str, place: impl FnOnce() -> String) -> Result<Decimal> {
    Decimal::from_str_exact(text).map_err(|e| StoreError::Corrupt(format!("{}: '{text}' ({e})", place())))
}

/// A money column.
pub(crate) fn money(text: &str, place: impl FnOnce() -> String) -> Result<Money> {
    decimal(text, place).map(Money::new)
}

/// An optional money column.
pub(crate) fn opt_money(text: Option<String>, place: impl FnOnce() -> String) -> Result<Option<Money>> {
    text.map(|t| money(&t, place)).transpose()
}

/// A timestamp column (RFC 3339).
pub(crate) fn timestamp(text: &str, place: impl FnOnce() -> String) -> Result<Timestamp> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("{}: '{text}' ({e})", place())))
}

/// A unit column.
pub(crate) fn unit(text: &str, place: impl FnOnce() -> String) -> Result<Unit> {
    text.parse().map_err(|e| StoreError::Corrupt(format!("{}: {e}", place())))
}
