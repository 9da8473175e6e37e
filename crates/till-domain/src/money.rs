//! Money amounts, rounding modes and the currency's minor units.
//!
//! Every amount is a [`rust_decimal::Decimal`]; every rounding names its mode. Arithmetic
//! that could overflow is checked and returns [`MoneyError::Overflow`] instead of panicking.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// What can go wrong with a money or quantity computation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// A sum or product left the range a decimal can hold.
    #[error("amount overflow while computing {0}")]
    Overflow(&'static str),
    /// A text could not be read as a decimal amount.
    #[error("'{text}' is not a valid amount: {reason}")]
    Parse {
        /// The text as given.
        text: String,
        /// Why it was refused.
        reason: String,
    },
}

/// How a value exactly halfway between two representable values is rounded.
///
/// Retail defaults to [`RoundingMode::HalfUp`] (half away from zero); some jurisdictions
/// prescribe banker's rounding, [`RoundingMode::HalfEven`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundingMode {
    /// 2.345 → 2.35 and −2.345 → −2.35 (half away from zero).
    HalfUp,
    /// 2.345 → 2.34 and 2.355 → 2.36 (half to even, "banker's rounding").
    HalfEven,
}

impl RoundingMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        }
    }

    /// Rounds `value` to `places` decimals with this mode and pads it to exactly that scale.
    pub fn round(self, value: Decimal, places: u32) -> Decimal {
        let mut rounded = value.round_dp_with_strategy(places, self.strategy());
        rounded.rescale(places);
        rounded
    }

    /// The configuration spelling of the mode (`half_up`, `half_even`).
    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
        }
    }
}

impl FromStr for RoundingMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "half_up" => Ok(RoundingMode::HalfUp),
            "half_even" => Ok(RoundingMode::HalfEven),
            other => Err(format!("unknown rounding mode '{other}' (expected half_up or half_even)")),
        }
    }
}

/// An amount of the register's currency.
///
/// Money carries no currency code: a register trades in exactly one currency, held in
/// [`Currency`], which also knows how many minor units an amount is rounded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Wraps a decimal amount.
    pub const fn new(amount: Decimal) -> Money {
        Money(amount)
    }

    /// The decimal amount.
    pub const fn amount(self) -> Decimal {
        self.0
    }

    /// Reads an amount such as `12.50` exactly; more digits than a decimal holds is an error.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        parse_decimal(text).map(Money)
    }

    /// `self + other`, or an overflow error.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0.checked_add(other.0).map(Money).ok_or(MoneyError::Overflow("a sum"))
    }

    /// `self - other`, or an overflow error.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.0.checked_sub(other.0).map(Money).ok_or(MoneyError::Overflow("a difference"))
    }

    /// `self * factor` (unrounded), or an overflow error.
    pub fn checked_mul(self, factor: Decimal) -> Result<Money, MoneyError> {
        self.0.checked_mul(factor).map(Money).ok_or(MoneyError::Overflow("a product"))
    }

    /// The amount with its sign flipped (refunds, returns).
    pub fn negated(self) -> Money {
        if self.0.is_zero() { self } else { Money(-self.0) }
    }

    /// True for amounts below zero.
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    /// True for exactly zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The smaller of two amounts.
    pub fn min(self, other: Money) -> Money {
        if self <= other { self } else { other }
    }

    /// Sums amounts with overflow checking.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The largest amount accepted as input (a price, a tender, a discount): anything above is
/// a keying error (a barcode typed into the price field), and refusing it keeps every
/// sum far from the limits of a decimal.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Reads a decimal exactly (no silent rounding of extra digits); used for every input.
pub fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let trimmed = text.trim();
    Decimal::from_str_exact(trimmed).map_err(|e| MoneyError::Parse { text: text.to_string(), reason: e.to_string() })
}

/// The register's currency: its ISO 4217 code and how many minor units it rounds to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Currency {
    code: String,
    minor_units: u32,
}

impl Currency {
    /// A currency by ISO 4217 code, with the standard number of minor units.
    ///
    /// Codes not in the built-in table are refused rather than guessed.
    pub fn from_code(code: &str) -> Result<Currency, String> {
        let minor_units = match code {
            "JPY" | "KRW" | "ISK" | "CLP" | "VND" | "PYG" | "UGX" | "XAF" | "XOF" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            "EUR" | "USD" | "GBP" | "CHF" | "CAD" | "AUD" | "NZD" | "SEK" | "NOK" | "DKK" | "PLN" | "CZK" | "HUF"
            | "RON" | "BGN" | "MXN" | "BRL" | "ZAR" | "SGD" | "HKD" | "INR" | "CNY" | "TRY" | "ILS" | "AED" | "SAR"
            | "THB" | "MYR" | "PHP" | "IDR" | "TWD" => 2,
            other => {
                return Err(format!("unknown currency '{other}' (use an ISO 4217 code such as EUR, USD, GBP, JPY)"));
            }
        };
        Ok(Currency { code: code.to_string(), minor_units })
    }

    /// The ISO 4217 code, e.g. `EUR`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Decimal places of the currency's minor unit (2 for EUR, 0 for JPY).
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// Rounds an amount to the currency's minor units with `mode`.
    pub fn round(&self, amount: Money, mode: RoundingMode) -> Money {
        Money(mode.round(amount.0, self.minor_units))
    }

    /// Reads an amount typed for this currency: exact, no finer than the minor unit, not
    /// above [`MAX_AMOUNT`], and shown at the currency's scale ("20" → 20.00).
    pub fn parse_amount(&self, text: &str) -> Result<Money, MoneyError> {
        let value = parse_decimal(text)?;
        if value.abs() > MAX_AMOUNT {
            return Err(MoneyError::Parse { text: text.to_string(), reason: format!("larger than {MAX_AMOUNT}") });
        }
        if value.normalize().scale() > self.minor_units {
            return Err(MoneyError::Parse {
                text: text.to_string(),
                reason: format!("{} allows at most {} decimals", self.code, self.minor_units),
            });
        }
        let mut scaled = value;
        scaled.rescale(self.minor_units);
        Ok(Money(scaled))
    }
}

/// Rounds `amount` to a multiple of `increment` (cash rounding, e.g. 0.05) with `mode`,
/// keeping the result at `places` decimals.
pub fn round_to_increment(
    amount: Money,
    increment: Decimal,
    mode: RoundingMode,
    places: u32,
) -> Result<Money, MoneyError> {
    if increment <= Decimal::ZERO {
        return Ok(amount);
    }
    let steps = amount.0.checked_div(increment).ok_or(MoneyError::Overflow("cash rounding"))?;
    let whole_steps = mode.round(steps, 0);
    let rounded = whole_steps.checked_mul(increment).ok_or(MoneyError::Overflow("cash rounding"))?;
    Ok(Money(mode.round(rounded, places)))
}

/// Rounds toward zero to a multiple of `increment`: cash that must not round up (a refund
/// at the limit of what a sale collected).
pub fn truncate_to_increment(amount: Money, increment: Decimal, places: u32) -> Result<Money, MoneyError> {
    if increment <= Decimal::ZERO {
        return Ok(amount);
    }
    let steps = amount.0.checked_div(increment).ok_or(MoneyError::Overflow("cash rounding"))?.trunc();
    let mut truncated = steps.checked_mul(increment).ok_or(MoneyError::Overflow("cash rounding"))?;
    truncated.rescale(places);
    Ok(Money(truncated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn half_up_and_half_even_differ_on_midpoints() {
        assert_eq!(RoundingMode::HalfUp.round(dec!(2.345), 2), dec!(2.35));
        assert_eq!(RoundingMode::HalfEven.round(dec!(2.345), 2), dec!(2.34));
        assert_eq!(RoundingMode::HalfEven.round(dec!(2.355), 2), dec!(2.36));
        assert_eq!(RoundingMode::HalfUp.round(dec!(-2.345), 2), dec!(-2.35));
    }

    #[test]
    fn rounding_pads_to_the_scale() {
        assert_eq!(RoundingMode::HalfUp.round(dec!(4.9), 2).to_string(), "4.90");
        assert_eq!(RoundingMode::HalfUp.round(dec!(5), 2).to_string(), "5.00");
    }

    #[test]
    fn cash_rounding_to_five_cents() {
        let r = |v| round_to_increment(Money(v), dec!(0.05), RoundingMode::HalfUp, 2).unwrap();
        assert_eq!(r(dec!(4.92)).to_string(), "4.90");
        assert_eq!(r(dec!(4.93)).to_string(), "4.95");
        assert_eq!(r(dec!(4.97)).to_string(), "4.95");
        assert_eq!(r(dec!(4.98)).to_string(), "5.00");
        let ten = |v, m| round_to_increment(Money(v), dec!(0.10), m, 2).unwrap().to_string();
        assert_eq!(ten(dec!(4.85), RoundingMode::HalfUp), "4.90");
        assert_eq!(ten(dec!(4.85), RoundingMode::HalfEven), "4.80");
    }

    #[test]
    fn overflow_is_an_error() {
        let big = Money(Decimal::MAX);
        assert_eq!(big.checked_add(Money(dec!(1))), Err(MoneyError::Overflow("a sum")));
        assert!(big.checked_mul(dec!(2)).is_err());
    }

    #[test]
    fn parsing_is_exact_and_explains_failures() {
        assert_eq!(Money::parse("12.50").unwrap().amount(), dec!(12.50));
        let err = Money::parse("12,50").unwrap_err();
        assert!(err.to_string().contains("'12,50' is not a valid amount"), "{err}");
    }

    #[test]
    fn amounts_are_read_at_the_currency_scale() {
        let eur = Currency::from_code("EUR").unwrap();
        assert_eq!(eur.parse_amount("20").unwrap().to_string(), "20.00");
        assert_eq!(eur.parse_amount("4.9").unwrap().to_string(), "4.90");
        let err = eur.parse_amount("1.005").unwrap_err().to_string();
        assert_eq!(err, "'1.005' is not a valid amount: EUR allows at most 2 decimals");
        assert_eq!(Currency::from_code("JPY").unwrap().parse_amount("500").unwrap().to_string(), "500");
    }

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(Currency::from_code("EUR").unwrap().minor_units(), 2);
        assert_eq!(Currency::from_code("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().minor_units(), 3);
        assert!(Currency::from_code("XYZ").is_err());
    }
}
