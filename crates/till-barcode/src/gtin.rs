//! GTINs as scanned: EAN-13, EAN-8, UPC-A, UPC-E (expanded to UPC-A), GTIN-14; and the
//! restricted circulation numbers (RCNs) among them that carry a weight, a price or a
//! count, read by the rules of the country that defines them.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::BarcodeError;
use crate::check::{gs1_check_digit, has_valid_check_digit, price_check_digit};

/// A GTIN as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gtin {
    /// `ean13`, `ean8`, `upc_a`, `upc_e` or `gtin14`.
    pub format: &'static str,
    /// The digits as scanned.
    pub scanned: String,
    /// The same number as a GTIN-14 (leading zeros), the form to look items up by.
    pub gtin14: String,
    /// For UPC-E: the UPC-A it stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upc_a: Option<String>,
    /// A restricted circulation number's reading, if it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcn: Option<Rcn>,
}

/// A restricted circulation number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rcn {
    /// `geographic` (prefixes 02, 20–29: a country's rules apply) or `company` (04,
    /// 40–49, and GTIN-8 starting 0 or 2: meaningful only inside one company).
    pub usage: &'static str,
    /// The ISO 3166 alpha-2 country whose rules were applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// What the number carries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// The GTIN-13 with the variable part zeroed (and its check digits recomputed): the
    /// number the item is looked up by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Why nothing was read from it (no rules known for the region, or this prefix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A variable measure carried in a barcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Measure {
    /// `weight`, `price` or `count`.
    pub kind: &'static str,
    /// Its value (kilograms, currency units, or pieces).
    pub value: Decimal,
    /// `kg`, an ISO 4217 currency code, or `pieces`.
    pub unit: String,
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Expands a UPC-E (8 digits: number system 0 or 1, six digits, check digit) to the
/// UPC-A it abbreviates, whose check digit it shares.
pub fn expand_upc_e(upc_e: &str) -> Option<String> {
    let b = upc_e.as_bytes();
    if b.len() != 8 || !digits(upc_e) || !(b[0] == b'0' || b[0] == b'1') {
        return None;
    }
    let ns = b[0] as char;
    let d: Vec<char> = upc_e[1..7].chars().collect();
    let body: String = match d[5] {
        '0' | '1' | '2' => format!("{ns}{}{}{}0000{}{}{}", d[0], d[1], d[5], d[2], d[3], d[4]),
        '3' => format!("{ns}{}{}{}00000{}{}", d[0], d[1], d[2], d[3], d[4]),
        '4' => format!("{ns}{}{}{}{}00000{}", d[0], d[1], d[2], d[3], d[4]),
        _ => format!("{ns}{}{}{}{}{}0000{}", d[0], d[1], d[2], d[3], d[4], d[5]),
    };
    Some(format!("{body}{}", b[7] as char))
}

/// Reads a GTIN of 8, 12, 13 or 14 digits. `upc_e` says an 8-digit code is a UPC-E
/// (the symbology said so); otherwise an 8-digit code is an EAN-8 if its check digit
/// holds, else a UPC-E if its expansion's does.
pub fn parse_gtin(code: &str, upc_e: bool, region: Option<&str>) -> Result<Gtin, BarcodeError> {
    if !digits(code) {
        return Err(BarcodeError::new(code, "a GTIN has only digits"));
    }
    let (format, upc_a) = match code.len() {
        8 if !upc_e && has_valid_check_digit(code) => ("ean8", None),
        8 => match expand_upc_e(code) {
            Some(a) if has_valid_check_digit(&a) => ("upc_e", Some(a)),
            Some(a) => {
                return Err(BarcodeError::new(
                    code,
                    &format!("check digit {} is wrong (UPC-E for {a}; expected {})", &code[7..], expected(&a)),
                ));
            }
            None if upc_e => return Err(BarcodeError::new(code, "a UPC-E starts with 0 or 1")),
            None => {
                return Err(BarcodeError::new(
                    code,
                    &format!("check digit {} is wrong (expected {})", &code[7..], expected(code)),
                ));
            }
        },
        12 => ("upc_a", None),
        13 => ("ean13", None),
        14 => ("gtin14", None),
        n => return Err(BarcodeError::new(code, &format!("{n} digits: a GTIN has 8, 12, 13 or 14"))),
    };
    let full = upc_a.clone().unwrap_or_else(|| code.to_string());
    if !has_valid_check_digit(&full) {
        return Err(BarcodeError::new(
            code,
            &format!("check digit {} is wrong (expected {})", &full[full.len() - 1..], expected(&full)),
        ));
    }
    let gtin14 = format!("{full:0>14}");
    let rcn = rcn(&gtin14, region)?;
    Ok(Gtin { format, scanned: code.to_string(), gtin14, upc_a, rcn })
}

fn expected(full: &str) -> u8 {
    gs1_check_digit(&full[..full.len() - 1]).unwrap_or(0)
}

/// How a country reads one RCN prefix: which of the first 12 digits of the GTIN-13 are
/// the item (`P`), a price/weight check digit (`C`) and the value (`V`).
struct Rule {
    kind: &'static str,
    pattern: &'static str,
    decimals: u32,
}

const fn rule(kind: &'static str, pattern: &'static str, decimals: u32) -> Rule {
    Rule { kind, pattern, decimals }
}

/// Country rules for prefixes 20–29 (GTIN-13), as published by the GS1 member
/// organisations (GS1 Denmark, Estonia/Latvia/Lithuania, Finland, Germany, UK, Norway,
/// Sweden). A country or prefix not listed is read as a plain GTIN with a note.
fn rules(region: &str, prefix: &str) -> Option<Rule> {
    const P8V4: &str = "PPPPPPPPVVVV";
    Some(match (region, prefix) {
        ("DK", "21" | "22" | "23" | "24") => rule("price", "PPPPPPVVVVVV", 2),
        ("DK", "26" | "28") => rule("weight", "PPPPPPVVVVVV", 3),
        ("DK", "27") => rule("weight", "PPPPPPPVVVVV", 3),
        ("EE" | "FI" | "LV" | "LT" | "NO" | "SE", "23") => rule("weight", P8V4, 3),
        ("EE" | "FI" | "LV" | "LT" | "NO" | "SE", "24") => rule("weight", P8V4, 2),
        ("EE" | "FI" | "LV" | "LT" | "NO" | "SE", "25") => rule("weight", P8V4, 1),
        ("NO" | "SE", "20") => rule("price", P8V4, 2),
        ("NO" | "SE", "21") => rule("price", P8V4, 1),
        ("NO" | "SE", "22") => rule("price", P8V4, 0),
        ("DE", "22" | "23") => rule("price", "PPPPPPCVVVVV", 2),
        ("DE", "25" | "26") => rule("count", "PPPPPPCVVVVV", 0),
        ("DE", "28" | "29") => rule("weight", "PPPPPPCVVVVV", 3),
        ("GB", "20") => rule("price", "PPPPPPPCVVVV", 2),
        _ => return None,
    })
}

fn currency(region: &str) -> &'static str {
    match region {
        "DK" => "DKK",
        "GB" => "GBP",
        "NO" => "NOK",
        "SE" => "SEK",
        _ => "EUR",
    }
}

fn span(pattern: &str, c: char) -> Option<std::ops::Range<usize>> {
    Some(pattern.find(c)?..pattern.rfind(c)? + 1)
}

/// Reads a GTIN-14 as a restricted circulation number, if it is one.
fn rcn(gtin14: &str, region: Option<&str>) -> Result<Option<Rcn>, BarcodeError> {
    let g13 = &gtin14[1..];
    let company8 = gtin14.starts_with("000000") && matches!(gtin14.as_bytes()[6], b'0' | b'2');
    let usage = if gtin14.starts_with('0') && (g13.starts_with("02") || g13.starts_with('2')) {
        "geographic"
    } else if gtin14.starts_with('0') && (g13.starts_with("04") || g13.starts_with('4')) || company8 {
        "company"
    } else {
        return Ok(None);
    };
    let mut out = Rcn { usage, region: None, measure: None, item: None, note: None };
    if usage == "company" {
        out.note = Some("restricted to one company: its meaning is that company's".into());
        return Ok(Some(out));
    }
    let Some(region) = region.map(str::to_ascii_uppercase) else {
        out.note = Some("variable-measure number: give the country (--rcn-region) to read it".into());
        return Ok(Some(out));
    };
    out.region = Some(region.clone());
    let Some(rule) = rules(&region, &g13[..2]) else {
        out.note = Some(format!("no variable-measure rules known for prefix {} in {region}", &g13[..2]));
        return Ok(Some(out));
    };
    let value_span = span(rule.pattern, 'V').unwrap_or(0..0);
    let value = &g13[value_span.clone()];
    if let Some(c) = span(rule.pattern, 'C') {
        let want = price_check_digit(value);
        if want.map(|w| b'0' + w) != g13.as_bytes().get(c.start).copied() {
            return Err(BarcodeError::new(
                gtin14.trim_start_matches('0'),
                &format!(
                    "the {} check digit {} does not match {value} (expected {})",
                    rule.kind,
                    &g13[c.clone()],
                    want.map_or("?".to_string(), |w| w.to_string())
                ),
            ));
        }
    }
    let number: i64 = value.parse().map_err(|_| BarcodeError::new(gtin14, "variable part is not a number"))?;
    out.measure = Some(Measure {
        kind: rule.kind,
        value: Decimal::new(number, rule.decimals),
        unit: match rule.kind {
            "weight" => "kg".into(),
            "count" => "pieces".into(),
            _ => currency(&region).into(),
        },
    });
    // The item: the same number with the value (and its check digit) zeroed.
    let mut body: Vec<u8> = g13.as_bytes()[..12].to_vec();
    for i in value_span.clone() {
        body[i] = b'0';
    }
    if let Some(c) = span(rule.pattern, 'C') {
        let zeros = "0".repeat(value_span.len());
        body[c.start] = b'0' + price_check_digit(&zeros).unwrap_or(0);
    }
    let body = String::from_utf8(body).unwrap_or_default();
    out.item = gs1_check_digit(&body).map(|c| format!("{body}{c}"));
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_check_digits() {
        let g = parse_gtin("8712345000011", false, None).unwrap();
        assert_eq!((g.format, g.gtin14.as_str()), ("ean13", "08712345000011"));
        assert_eq!(parse_gtin("95012346", false, None).unwrap().format, "ean8");
        assert_eq!(parse_gtin("036000291452", false, None).unwrap().format, "upc_a");
        let e = parse_gtin("8712345000012", false, None).unwrap_err();
        assert!(e.reason.contains("check digit 2 is wrong (expected 1)"), "{e}");
        assert!(parse_gtin("12345", false, None).is_err());
        assert!(parse_gtin("12a45678", false, None).is_err());
    }

    #[test]
    fn upc_e_expands_to_upc_a() {
        // UPC-E 04252614 stands for UPC-A 042100005264.
        assert_eq!(expand_upc_e("04252614").as_deref(), Some("042100005264"));
        let g = parse_gtin("04252614", true, None).unwrap();
        assert_eq!((g.format, g.upc_a.as_deref()), ("upc_e", Some("042100005264")));
        assert_eq!(g.gtin14, "00042100005264");
        // Each last-digit rule: the expansion keeps the digits in the documented places.
        assert_eq!(&expand_upc_e("01234500").unwrap()[..11], "01200000345");
        assert_eq!(&expand_upc_e("01234530").unwrap()[..11], "01230000045");
        assert_eq!(&expand_upc_e("01234540").unwrap()[..11], "01234000005");
        assert_eq!(&expand_upc_e("01234570").unwrap()[..11], "01234500007");
        assert!(parse_gtin("04252615", true, None).is_err(), "a wrong UPC-E check digit");
    }

    #[test]
    fn variable_measure_numbers_by_country() {
        // Sweden, prefix 23: weight in grams in the last four digits before the check.
        let with_check = |body: &str| format!("{body}{}", gs1_check_digit(body).unwrap());
        let code = with_check("230214821086");
        let rcn = parse_gtin(&code, false, Some("se")).unwrap().rcn.unwrap();
        assert_eq!(rcn.measure.unwrap(), Measure { kind: "weight", value: Decimal::new(1086, 3), unit: "kg".into() });
        assert_eq!(rcn.item, Some(with_check("230214820000")));
        // Germany, prefix 22: price with a price check digit.
        let body = format!("221234{}{}", price_check_digit("01234").unwrap(), "01234");
        let code = format!("{body}{}", gs1_check_digit(&body).unwrap());
        let rcn = parse_gtin(&code, false, Some("DE")).unwrap().rcn.unwrap();
        assert_eq!(rcn.measure.unwrap().value, Decimal::new(1234, 2));
        // A wrong price check digit is refused with the reason.
        let bad_body = format!("221234{}01234", (price_check_digit("01234").unwrap() + 1) % 10);
        let bad = format!("{bad_body}{}", gs1_check_digit(&bad_body).unwrap());
        assert!(parse_gtin(&bad, false, Some("DE")).unwrap_err().reason.contains("price check digit"));
        // Unknown region or no region: a note, no guess.
        assert!(parse_gtin(&code, false, None).unwrap().rcn.unwrap().note.is_some());
        assert!(parse_gtin(&code, false, Some("NL")).unwrap().rcn.unwrap().note.is_some());
        assert_eq!(parse_gtin("4000000000006", false, None).unwrap().rcn.unwrap().usage, "company");
        assert_eq!(parse_gtin("8712345000011", false, Some("NL")).unwrap().rcn, None);
    }
}
