//! No card number anywhere: the one screen every free text the register journals or
//! syncs passes (cash-movement reasons, return reasons and override notes, price-override
//! reasons, park labels, pickup notes, substitution consent) and the card tender's own
//! fields. A refusal names the field and never repeats the text.

use std::fmt;

/// A free-text field the register keeps, named in its refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// Why cash moved (paid in, paid out, drop, no sale).
    CashReason,
    /// A return's reason.
    ReturnReason,
    /// A manager's note overriding the return rules.
    ReturnOverrideNote,
    /// Why a price was overridden.
    PriceOverrideReason,
    /// A parked cart's label.
    ParkLabel,
    /// How the customer's identity was checked at a pickup handover.
    IdCheckNote,
    /// How the customer agreed to a substitute.
    SubstitutionConsent,
    /// Where a staged order waits (its bin).
    StagingBin,
    /// A curbside check-in's spot.
    CheckInSpot,
    /// A shipment's carrier. (Tracking numbers are not screened: a carrier's all-digit
    /// number passes the Luhn check one time in ten.)
    Carrier,
    /// A card tender's brand.
    CardBrand,
    /// A card tender's terminal reference.
    CardReference,
}

impl TextField {
    /// The field's name as errors and the CLI say it.
    pub fn as_str(self) -> &'static str {
        match self {
            TextField::CashReason => "cash movement reason",
            TextField::ReturnReason => "return reason",
            TextField::ReturnOverrideNote => "return override note",
            TextField::PriceOverrideReason => "price override reason",
            TextField::ParkLabel => "park label",
            TextField::IdCheckNote => "ID-check note",
            TextField::SubstitutionConsent => "substitution consent",
            TextField::StagingBin => "staging bin",
            TextField::CheckInSpot => "check-in spot",
            TextField::Carrier => "carrier",
            TextField::CardBrand => "card brand",
            TextField::CardReference => "card reference",
        }
    }
}

impl fmt::Display for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A free text refused because it holds what looks like a card number. It carries the
/// field only: the text itself must not travel on into a log or an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {field} looks like it holds a card number; card numbers are never kept — write it without the number")]
pub struct CardNumberInText {
    /// The field it was typed into.
    pub field: TextField,
}

/// Refuses `text` for `field` when it holds something that looks like a card number
/// ([`looks_like_card_number`]).
pub fn screen_text(field: TextField, text: &str) -> Result<(), CardNumberInText> {
    if looks_like_card_number(text) { Err(CardNumberInText { field }) } else { Ok(()) }
}

/// True when `text` holds something that looks like a card number: a run of 12 to 19
/// digits — read through any separator (spaces, dots, slashes, dashes…), only a letter
/// ends a run — whose Luhn check digit is right. So "4111.1111.1111.1111" is caught, and a
/// terminal reference such as "T-000981" is not.
pub fn looks_like_card_number(text: &str) -> bool {
    let mut runs: Vec<Vec<u32>> = vec![Vec::new()];
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            if let Some(run) = runs.last_mut() {
                run.push(d);
            }
        } else if c.is_alphabetic() {
            runs.push(Vec::new());
        }
    }
    runs.iter().any(|run| (12..=19).contains(&run.len()) && luhn_ok(run))
}

/// The Luhn (mod 10) check every payment card number carries.
pub fn luhn_ok(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_in_free_text_are_refused_by_field_without_the_text() {
        for text in [
            "customer gave card 4111 1111 1111 1111 by mistake",
            "4111-1111-1111-1111",
            "5555555555554444",
            "ref 378282246310005 amex",
        ] {
            let err = screen_text(TextField::ParkLabel, text).unwrap_err();
            assert_eq!(err.field, TextField::ParkLabel);
            let message = err.to_string();
            assert!(message.contains("park label"), "{message}");
            assert!(!message.contains("1111") && !message.contains("4444") && !message.contains("0005"), "{message}");
        }
        for text in [
            "window cleaner",
            "paid out 20.00 for 3 items on 2026-11-27",
            "1234 5678 9012 3456", // fails the Luhn check
            "order 1042, bin B-7",
            "",
        ] {
            assert!(screen_text(TextField::CashReason, text).is_ok(), "{text}");
        }
    }
}
