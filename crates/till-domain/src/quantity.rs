//! Quantities sold: whole units, or a weight in kilograms to three decimals.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::money::parse_decimal;

/// How an item is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Counted in whole pieces.
    Each,
    /// Weighed, in kilograms with up to three decimals (grams).
    Kilogram,
}

impl Unit {
    /// The catalog spelling (`each`, `kg`).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Each => "each",
            Unit::Kilogram => "kg",
        }
    }
}

impl FromStr for Unit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "each" | "ea" | "" => Ok(Unit::Each),
            "kg" => Ok(Unit::Kilogram),
            other => Err(format!("unknown unit '{other}' (expected each or kg)")),
        }
    }
}

/// Why a quantity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not a number.
    #[error("'{0}' is not a quantity")]
    NotANumber(String),
    /// Zero or below.
    #[error("quantity {0} must be greater than zero")]
    NotPositive(Decimal),
    /// A fraction of an item sold by the piece.
    #[error("quantity {0} must be a whole number for an item sold by the piece")]
    NotWhole(Decimal),
    /// More than gram precision.
    #[error("weight {0} has more than 3 decimals (grams)")]
    TooPrecise(Decimal),
    /// Beyond the per-line limit, most likely a keying error.
    #[error("quantity {0} exceeds the per-line limit of {max}", max = Quantity::MAX)]
    TooLarge(Decimal),
}

/// A positive quantity valid for its unit: whole for [`Unit::Each`], at most three
/// decimals for [`Unit::Kilogram`], never above [`Quantity::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(Decimal);

impl Quantity {
    /// The most pieces one line may carry; larger entries are almost always typos.
    pub const MAX_PIECES: u32 = 99_999;

    /// The largest quantity one line may carry (pieces or kg).
    pub const MAX: Decimal = Decimal::from_parts(Self::MAX_PIECES, 0, 0, false, 0);

    /// One piece.
    pub const ONE: Quantity = Quantity(Decimal::ONE);

    /// Validates `value` for `unit`.
    pub fn new(value: Decimal, unit: Unit) -> Result<Quantity, QuantityError> {
        if value <= Decimal::ZERO {
            return Err(QuantityError::NotPositive(value));
        }
        if value > Self::MAX {
            return Err(QuantityError::TooLarge(value));
        }
        let normalized = value.normalize();
        match unit {
            Unit::Each if normalized.scale() > 0 => Err(QuantityError::NotWhole(value)),
            Unit::Kilogram if normalized.scale() > 3 => Err(QuantityError::TooPrecise(value)),
            _ => Ok(Quantity(normalized)),
        }
    }

    /// Parses text such as `3` or `1.235` for `unit`.
    pub fn parse(text: &str, unit: Unit) -> Result<Quantity, QuantityError> {
        let value = parse_decimal(text).map_err(|_| QuantityError::NotANumber(text.to_string()))?;
        Quantity::new(value, unit)
    }

    /// The decimal value.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// The value as a whole count when it has no fraction (pieces).
    pub fn whole(self) -> Option<u32> {
        if self.0.fract().is_zero() { u32::try_from(self.0.mantissa()).ok() } else { None }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn pieces_must_be_whole_and_weights_grams() {
        assert!(Quantity::new(dec!(2), Unit::Each).is_ok());
        assert!(Quantity::new(dec!(2.00), Unit::Each).is_ok());
        assert_eq!(Quantity::new(dec!(1.5), Unit::Each), Err(QuantityError::NotWhole(dec!(1.5))));
        assert!(Quantity::new(dec!(1.235), Unit::Kilogram).is_ok());
        assert!(matches!(Quantity::new(dec!(1.2345), Unit::Kilogram), Err(QuantityError::TooPrecise(_))));
        assert!(matches!(Quantity::new(dec!(0), Unit::Each), Err(QuantityError::NotPositive(_))));
        assert!(matches!(Quantity::new(dec!(100000), Unit::Each), Err(QuantityError::TooLarge(_))));
    }

    #[test]
    fn whole_counts() {
        assert_eq!(Quantity::new(dec!(3.00), Unit::Each).unwrap().whole(), Some(3));
        assert_eq!(Quantity::new(dec!(0.5), Unit::Kilogram).unwrap().whole(), None);
    }
}
