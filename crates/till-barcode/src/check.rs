//! GS1 check digits: the standard modulo-10 digit of every GTIN, SSCC and GLN, and the
//! price/weight check digit some variable-measure numbers carry (GS1 General
//! Specifications 7.9.1–7.9.4).

/// The standard GS1 check digit of `digits` (ASCII digits, without the check digit):
/// weights 3, 1, 3, 1… from the right. `None` if anything is not a digit.
pub fn gs1_check_digit(digits: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether `digits` ends in its correct standard check digit.
pub fn has_valid_check_digit(digits: &str) -> bool {
    let Some((body, last)) = digits.len().checked_sub(1).map(|n| digits.split_at(n)) else { return false };
    matches!((gs1_check_digit(body), last.bytes().next()), (Some(c), Some(l)) if l == b'0' + c)
}

/// Weighting "2-": the units digit of 2d, less the tens digit (mod 10).
const TWO_MINUS: [u32; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
/// Weighting "3": 3d mod 10.
const THREE: [u32; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
/// Weighting "5+": the units digit of 5d plus the tens digit.
const FIVE_PLUS: [u32; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
/// Weighting "5-": the units digit of 5d less the tens digit (mod 10).
const FIVE_MINUS: [u32; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];

/// The price/weight check digit of a 4- or 5-digit value (GS1 General Specifications
/// 7.9.3 and 7.9.4). `None` for another length or a non-digit.
pub fn price_check_digit(value: &str) -> Option<u8> {
    let digits: Vec<usize> =
        value.bytes().map(|b| b.is_ascii_digit().then(|| usize::from(b - b'0'))).collect::<Option<_>>()?;
    match digits.as_slice() {
        [a, b, c, d] => Some(((TWO_MINUS[*a] + TWO_MINUS[*b] + THREE[*c] + FIVE_MINUS[*d]) * 3 % 10) as u8),
        [a, b, c, d, e] => {
            let sum = FIVE_PLUS[*a] + TWO_MINUS[*b] + FIVE_MINUS[*c] + FIVE_PLUS[*d] + TWO_MINUS[*e];
            let target = (10 - sum % 10) % 10;
            FIVE_MINUS.iter().position(|w| *w == target).map(|d| d as u8)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_check_digits() {
        assert_eq!(gs1_check_digit("950110153100"), Some(0)); // GTIN-13 9501101531000
        assert_eq!(gs1_check_digit("9501234"), Some(6)); // GTIN-8 95012346
        assert_eq!(gs1_check_digit("03600029145"), Some(2)); // UPC-A 036000291452
        assert!(has_valid_check_digit("8712345000011"));
        assert!(!has_valid_check_digit("8712345000012"));
        assert!(!has_valid_check_digit(""));
        assert_eq!(gs1_check_digit("12a4"), None);
        // GS1 General Specifications 7.9.3 / 7.9.4 worked examples.
        assert_eq!(price_check_digit("2875"), Some(9));
        assert_eq!(price_check_digit("14685"), Some(6));
        assert_eq!(price_check_digit("123"), None);
    }
}
