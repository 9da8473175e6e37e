//! Tax: classes with rates, inclusive or exclusive prices, per-line or per-document rounding,
//! and the breakdown per rate that every total carries.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::money::{Money, MoneyError, RoundingMode};

/// A named tax class and its rate in percent (e.g. `standard` = 19).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxClass {
    /// The class name used by the catalog (`standard`, `reduced`, `zero`).
    pub name: String,
    /// The rate in percent, e.g. 19 or 7.7.
    pub rate: Decimal,
}

/// Whether shelf prices already contain tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceBasis {
    /// Prices are gross (typical in the EU): tax is extracted from them.
    TaxInclusive,
    /// Prices are net (typical in the US): tax is added on top.
    TaxExclusive,
}

/// Where tax is rounded to the minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxRounding {
    /// Each line's tax is rounded, then summed per rate.
    PerLine,
    /// Amounts are summed per rate and the tax of each rate is rounded once.
    PerDocument,
}

impl FromStr for TaxRounding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "line" => Ok(TaxRounding::PerLine),
            "document" => Ok(TaxRounding::PerDocument),
            other => Err(format!("unknown tax rounding '{other}' (expected line or document)")),
        }
    }
}

/// How a store computes tax: the price basis, where it rounds, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxPolicy {
    /// Inclusive or exclusive shelf prices.
    pub basis: PriceBasis,
    /// Per line or per document rounding.
    pub rounding: TaxRounding,
    /// The rounding mode for every tax amount.
    pub mode: RoundingMode,
    /// The currency's minor units (2 for cents).
    pub minor_units: u32,
}

/// One row of the tax breakdown: everything sold at one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxAmount {
    /// The tax class name(s) at this rate, joined by `/` when several share it.
    pub label: String,
    /// The rate in percent.
    pub rate: Decimal,
    /// Amount before tax.
    pub net: Money,
    /// Tax amount.
    pub tax: Money,
    /// Amount including tax (`net + tax`).
    pub gross: Money,
}

impl TaxPolicy {
    /// Tax contained in (inclusive) or added to (exclusive) `amount`, unrounded.
    fn raw_tax(&self, amount: Money, rate: Decimal) -> Result<Decimal, MoneyError> {
        let overflow = MoneyError::Overflow("tax");
        let hundred = Decimal::ONE_HUNDRED;
        let numerator = amount.amount().checked_mul(rate).ok_or(overflow.clone())?;
        let divisor = match self.basis {
            PriceBasis::TaxExclusive => hundred,
            PriceBasis::TaxInclusive => hundred.checked_add(rate).ok_or(overflow.clone())?,
        };
        numerator.checked_div(divisor).ok_or(overflow)
    }

    /// The rounded tax of one amount at `rate` and its net/gross split.
    fn split(&self, amount: Money, rate: Decimal) -> Result<(Money, Money, Money), MoneyError> {
        let tax = Money::new(self.mode.round(self.raw_tax(amount, rate)?, self.minor_units));
        Ok(match self.basis {
            PriceBasis::TaxExclusive => (amount, tax, amount.checked_add(tax)?),
            PriceBasis::TaxInclusive => (amount.checked_sub(tax)?, tax, amount),
        })
    }

    /// The tax breakdown per rate for line amounts given in this policy's price basis.
    ///
    /// Each input is a line's final amount (after every discount) with its tax class. The
    /// result is sorted by rate, highest first; its `tax` column sums to the document's tax.
    pub fn breakdown<'a, I>(&self, lines: I) -> Result<Vec<TaxAmount>, MoneyError>
    where
        I: IntoIterator<Item = (&'a TaxClass, Money)>,
    {
        // Few rates per store: a small vector beats a map here.
        struct Group {
            rate: Decimal,
            names: Vec<String>,
            amount: Money,
            net: Money,
            tax: Money,
            gross: Money,
        }
        let mut groups: Vec<Group> = Vec::new();
        for (class, amount) in lines {
            let index = match groups.iter().position(|g| g.rate == class.rate) {
                Some(i) => i,
                None => {
                    groups.push(Group {
                        rate: class.rate,
                        names: Vec::new(),
                        amount: Money::ZERO,
                        net: Money::ZERO,
                        tax: Money::ZERO,
                        gross: Money::ZERO,
                    });
                    groups.len() - 1
                }
            };
            let group = &mut groups[index];
            if !group.names.iter().any(|n| n == &class.name) {
                group.names.push(class.name.clone());
            }
            group.amount = group.amount.checked_add(amount)?;
            if self.rounding == TaxRounding::PerLine {
                let (net, tax, gross) = self.split(amount, class.rate)?;
                group.net = group.net.checked_add(net)?;
                group.tax = group.tax.checked_add(tax)?;
                group.gross = group.gross.checked_add(gross)?;
            }
        }
        groups.sort_by_key(|g| std::cmp::Reverse(g.rate));
        groups
            .into_iter()
            .map(|mut g| {
                if self.rounding == TaxRounding::PerDocument {
                    (g.net, g.tax, g.gross) = self.split(g.amount, g.rate)?;
                }
                g.names.sort();
                Ok(TaxAmount { label: g.names.join("/"), rate: g.rate, net: g.net, tax: g.tax, gross: g.gross })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn policy(basis: PriceBasis, rounding: TaxRounding) -> TaxPolicy {
        TaxPolicy { basis, rounding, mode: RoundingMode::HalfUp, minor_units: 2 }
    }

    fn standard() -> TaxClass {
        TaxClass { name: "standard".into(), rate: dec!(19) }
    }

    #[test]
    fn three_lines_of_099_at_19_percent_exclusive() {
        let class = standard();
        let lines = vec![(&class, Money::new(dec!(0.99))); 3];
        let per_line = policy(PriceBasis::TaxExclusive, TaxRounding::PerLine).breakdown(lines.clone()).unwrap();
        assert_eq!(per_line[0].tax.amount(), dec!(0.57));
        let per_doc = policy(PriceBasis::TaxExclusive, TaxRounding::PerDocument).breakdown(lines).unwrap();
        assert_eq!(per_doc[0].tax.amount(), dec!(0.56));
        assert_eq!(per_doc[0].net.amount(), dec!(2.97));
        assert_eq!(per_doc[0].gross.amount(), dec!(3.53));
    }

    #[test]
    fn inclusive_prices_extract_tax() {
        let class = standard();
        let rows = policy(PriceBasis::TaxInclusive, TaxRounding::PerLine)
            .breakdown([(&class, Money::new(dec!(11.90)))])
            .unwrap();
        assert_eq!(rows[0].tax.amount(), dec!(1.90));
        assert_eq!(rows[0].net.amount(), dec!(10.00));
        assert_eq!(rows[0].gross.amount(), dec!(11.90));
    }

    #[test]
    fn classes_sharing_a_rate_share_a_row() {
        let a = TaxClass { name: "food".into(), rate: dec!(7) };
        let b = TaxClass { name: "books".into(), rate: dec!(7) };
        let c = standard();
        let rows = policy(PriceBasis::TaxInclusive, TaxRounding::PerDocument)
            .breakdown([(&a, Money::new(dec!(1.07))), (&c, Money::new(dec!(1.19))), (&b, Money::new(dec!(2.14)))])
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].rate, dec!(19));
        assert_eq!(rows[1].label, "books/food");
        assert_eq!(rows[1].tax.amount(), dec!(0.21));
    }
}
