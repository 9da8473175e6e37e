//! Cash drawer arithmetic: denominations, counts by denomination, and what a drawer
//! should hold against what was counted.

use rust_decimal::Decimal;

use crate::money::{Money, MoneyError, parse_decimal};

/// The notes and coins of a currency, largest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denominations(Vec<Decimal>);

impl Denominations {
    /// The usual notes and coins of an ISO 4217 currency, when known.
    pub fn for_currency(code: &str) -> Option<Denominations> {
        let list: &[&str] = match code {
            "EUR" => {
                &["500", "200", "100", "50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05", "0.02", "0.01"]
            }
            "USD" => &["100", "50", "20", "10", "5", "2", "1", "0.25", "0.10", "0.05", "0.01"],
            "GBP" => &["50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05", "0.02", "0.01"],
            "CHF" => &["1000", "200", "100", "50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05"],
            "CAD" | "AUD" | "NZD" => &["100", "50", "20", "10", "5", "2", "1", "0.25", "0.10", "0.05"],
            "JPY" => &["10000", "5000", "2000", "1000", "500", "100", "50", "10", "5", "1"],
            "SEK" | "NOK" | "DKK" => &["1000", "500", "200", "100", "50", "20", "10", "5", "2", "1"],
            _ => return None,
        };
        Denominations::parse(list).ok()
    }

    /// Denominations from text such as `["50", "20", "0.05"]`.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<Denominations, String> {
        let mut values = Vec::new();
        for text in list {
            let value = parse_decimal(text.as_ref()).map_err(|e| e.to_string())?;
            if value <= Decimal::ZERO {
                return Err(format!("denomination {value} must be positive"));
            }
            values.push(value.normalize());
        }
        values.sort_by(|a, b| b.cmp(a));
        values.dedup();
        if values.is_empty() {
            return Err("no denominations".into());
        }
        Ok(Denominations(values))
    }

    /// Largest first.
    pub fn values(&self) -> &[Decimal] {
        &self.0
    }

    /// Reads a count written `50x2,20x5,0.05x40` (denomination × how many).
    pub fn parse_count(&self, text: &str) -> Result<CashCount, String> {
        let mut entries: Vec<(Decimal, u32)> = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (value, count) = part
                .split_once(['x', 'X', '*'])
                .ok_or_else(|| format!("'{part}' is not DENOMINATIONxCOUNT (e.g. 20x5)"))?;
            let value = parse_decimal(value).map_err(|e| e.to_string())?.normalize();
            if !self.0.contains(&value) {
                let known: Vec<String> = self.0.iter().map(ToString::to_string).collect();
                return Err(format!("{value} is not a note or coin of this currency ({})", known.join(", ")));
            }
            let count: u32 =
                count.trim().parse().map_err(|_| format!("'{}' is not a number of pieces", count.trim()))?;
            match entries.iter_mut().find(|(v, _)| *v == value) {
                Some((_, c)) => *c = c.saturating_add(count),
                None => entries.push((value, count)),
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.0));
        Ok(CashCount { entries })
    }
}

/// Cash counted by denomination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CashCount {
    /// (denomination, pieces), largest first.
    pub entries: Vec<(Decimal, u32)>,
}

impl CashCount {
    /// What the counted pieces add up to.
    pub fn total(&self) -> Result<Money, MoneyError> {
        Money::sum(self.entries.iter().map(|&(value, count)| Money::new(value * Decimal::from(count))))
    }
}

/// One tender's line of a drawer close: what should be there, what was counted, and the
/// difference (over when positive, short when negative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderBalance {
    /// `cash`, `card`, or a custom tender's name.
    pub tender: String,
    /// What the session's records say the drawer (or terminal) should hold.
    pub expected: Money,
    /// What was counted.
    pub counted: Money,
}

impl TenderBalance {
    /// Counted − expected: positive is over, negative is short.
    pub fn over_short(&self) -> Result<Money, MoneyError> {
        self.counted.checked_sub(self.expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn counts_by_denomination() {
        let eur = Denominations::for_currency("EUR").unwrap();
        let count = eur.parse_count("50x2, 20x5, 0.05x40, 20x1").unwrap();
        assert_eq!(count.entries, vec![(dec!(50), 2), (dec!(20), 6), (dec!(0.05), 40)]);
        assert_eq!(count.total().unwrap().amount(), dec!(222.00));
        assert!(eur.parse_count("30x1").unwrap_err().contains("30 is not a note or coin"));
        assert!(eur.parse_count("20").unwrap_err().contains("not DENOMINATIONxCOUNT"));
    }

    #[test]
    fn over_and_short() {
        let b =
            TenderBalance { tender: "cash".into(), expected: Money::new(dec!(100)), counted: Money::new(dec!(98.5)) };
        assert_eq!(b.over_short().unwrap().amount(), dec!(-1.5));
    }
}
