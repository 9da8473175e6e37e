//! What a cashier types into the scan box, or a script passes to `till sale --scan`: a
//! code with an optional quantity on either side of `*`. One grammar for every front end.
//!
//! ```text
//! ENTRY = CODE | QTY "*" CODE | CODE "*" QTY
//! QTY   = digits, optionally "." and up to three digits (pieces, or kilograms to the gram)
//! ```
//!
//! A code may be all digits too, so when both sides read as a quantity the one with a
//! decimal point is the quantity (codes have none); otherwise the shorter side (a
//! quantity is a few digits, a barcode eight or more). Two sides of equal length with
//! no point are refused as ambiguous rather than guessed. Text with a `*` whose sides
//! are neither a quantity is a code as it stands (GS1 element strings may hold `*`).

use rust_decimal::Decimal;

use crate::RegisterError;

/// A typed entry read: the code to look up, and the quantity if one was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanEntry {
    /// Barcode, GS1 element string or SKU.
    pub code: String,
    /// Pieces or kilograms, when typed.
    pub quantity: Option<Decimal>,
}

/// What one side of a `*` is.
enum Side {
    /// A quantity.
    Quantity(Decimal),
    /// Meant as a quantity (a number with one point, or zero), but not one.
    NotAQuantity,
    /// Anything else: a code.
    Code,
}

/// Reads one side: digits with an optional point and at most three decimals, above zero,
/// at most nine digits before the point (longer numbers are codes).
fn side(text: &str) -> Side {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let shaped = !whole.is_empty() && digits(whole) && digits(fraction) && fraction.len() <= 3 && whole.len() <= 9;
    if shaped
        && let Ok(q) = Decimal::from_str_exact(text)
        && q > Decimal::ZERO
    {
        return Side::Quantity(q);
    }
    let numeric = text.bytes().any(|b| b.is_ascii_digit()) && text.bytes().all(|b| b == b'.' || b.is_ascii_digit());
    let points = text.bytes().filter(|b| *b == b'.').count();
    let meant = points == 1 || text.bytes().all(|b| b == b'0');
    if numeric && meant { Side::NotAQuantity } else { Side::Code }
}

/// Reads what a cashier typed (see the module's grammar).
pub fn parse_scan_entry(text: &str) -> Result<ScanEntry, RegisterError> {
    let text = text.trim();
    let needs_code = || RegisterError::Input(format!("'{text}': a quantity needs a code (QTY*CODE or CODE*QTY)"));
    if text.is_empty() {
        return Err(RegisterError::Input("type or scan a code".into()));
    }
    let whole = ScanEntry { code: text.to_string(), quantity: None };
    let Some((left, right)) = text.split_once('*') else {
        return Ok(whole);
    };
    let (left, right) = (left.trim(), right.trim());
    if right.contains('*') {
        return Ok(whole);
    }
    if left.is_empty() || right.is_empty() {
        return Err(needs_code());
    }
    let entry = |code: &str, quantity: Decimal| Ok(ScanEntry { code: code.to_string(), quantity: Some(quantity) });
    let refuse = |q: &str| {
        Err(RegisterError::Input(format!(
            "'{text}': '{q}' is not a quantity (a number above zero, at most three decimals, with a point)"
        )))
    };
    match (side(left), side(right)) {
        (Side::Code, Side::Code) => Ok(whole),
        (Side::Quantity(q), Side::Code) => entry(right, q),
        (Side::Code, Side::Quantity(q)) => entry(left, q),
        (Side::NotAQuantity, _) => refuse(left),
        (_, Side::NotAQuantity) => refuse(right),
        (Side::Quantity(l), Side::Quantity(r)) => match (left.contains('.'), right.contains('.')) {
            (true, false) => entry(right, l),
            (false, true) => entry(left, r),
            _ if left.len() < right.len() => entry(right, l),
            _ if right.len() < left.len() => entry(left, r),
            _ => Err(RegisterError::Input(format!(
                "'{text}': both sides could be the quantity; type it as QTY*CODE with the quantity first"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn read(text: &str) -> (String, Option<Decimal>) {
        let e = parse_scan_entry(text).unwrap();
        (e.code, e.quantity)
    }

    #[test]
    fn a_quantity_goes_on_either_side_of_the_star() {
        assert_eq!(read("8712345000011"), ("8712345000011".into(), None));
        assert_eq!(read("3*8712345000011"), ("8712345000011".into(), Some(dec!(3))));
        assert_eq!(read("8712345000011*3"), ("8712345000011".into(), Some(dec!(3))));
        assert_eq!(read(" 3 * BEANS-1KG "), ("BEANS-1KG".into(), Some(dec!(3))));
        assert_eq!(read("GOUDA-KG*0.412"), ("GOUDA-KG".into(), Some(dec!(0.412))), "the register's own hint");
        assert_eq!(read("0.412*GOUDA-KG"), ("GOUDA-KG".into(), Some(dec!(0.412))));
    }

    #[test]
    fn numeric_codes_are_told_from_quantities_by_the_point_then_by_length() {
        assert_eq!(read("1001*2"), ("1001".into(), Some(dec!(2))));
        assert_eq!(read("2*1001"), ("1001".into(), Some(dec!(2))));
        assert_eq!(read("1001*0.5"), ("1001".into(), Some(dec!(0.5))));
        assert_eq!(read("12.5*100001"), ("100001".into(), Some(dec!(12.5))));
        let ambiguous = parse_scan_entry("12*34").unwrap_err();
        assert!(ambiguous.to_string().contains("both sides could be the quantity"), "{ambiguous}");
    }

    #[test]
    fn what_is_no_quantity_stays_part_of_the_code_and_empty_sides_are_refused() {
        assert_eq!(read("(10)AB*CD"), ("(10)AB*CD".into(), None), "GS1 text may hold a star");
        assert_eq!(read("A*B*C"), ("A*B*C".into(), None));
        for bad in ["", "  ", "3*", "*3", "*", "CODE*"] {
            assert!(parse_scan_entry(bad).is_err(), "{bad:?}");
        }
        for not_a_quantity in ["0*CODE", "CODE*1.2345", "CODE*0.000"] {
            let refused = parse_scan_entry(not_a_quantity).unwrap_err();
            assert!(refused.to_string().contains("is not a quantity"), "{not_a_quantity}: {refused}");
        }
        assert_eq!(read("2*12345678901234"), ("12345678901234".into(), Some(dec!(2))), "a GTIN-14 is a code");
        assert_eq!(read("123-45*2"), ("123-45".into(), Some(dec!(2))), "a SKU with a hyphen");
        assert_eq!(read("1.2.3*2"), ("1.2.3".into(), Some(dec!(2))), "a SKU with points");
    }
}
