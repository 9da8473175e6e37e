//! GS1 element strings: application identifiers (AIs) and their data, as GS1-128, GS1
//! DataMatrix, GS1 QR and GS1 DataBar carry them — fields of predefined length run on,
//! the others end at a group separator (FNC1, transmitted as ASCII 29) or at the end.
//! Also the human-readable form with the AIs in parentheses.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::BarcodeError;
use crate::check::has_valid_check_digit;

/// The group separator a scanner sends for FNC1 inside a message.
pub const GS: char = '\u{1d}';

/// What an AI's data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Data {
    /// Digits with a GS1 check digit (GTIN, SSCC, GLN).
    Key,
    /// YYMMDD (DD 00: the end of the month).
    Date,
    /// Digits; the AI's last digit says how many are decimals.
    Measure,
    /// Digits: a count or a number.
    Number,
    /// ISO 4217 numeric currency code, then an amount with the AI's last digit of decimals.
    CurrencyAmount,
    /// Characters of GS1's set 82.
    Text,
}

/// One AI: its digits (a trailing `n` is the decimal-places digit), title, data type,
/// data length (`fixed`: exactly `max`).
struct Ai {
    code: &'static str,
    title: &'static str,
    data: Data,
    fixed: bool,
    max: usize,
}

const fn ai(code: &'static str, title: &'static str, data: Data, fixed: bool, max: usize) -> Ai {
    Ai { code, title, data, fixed, max }
}

/// The AIs read (GS1 General Specifications 3.2); enough for retail: keys, dates, batch
/// and serial, measures, prices and amounts, counts, GLNs.
const AIS: &[Ai] = &[
    ai("00", "SSCC", Data::Key, true, 18),
    ai("01", "GTIN", Data::Key, true, 14),
    ai("02", "CONTENT", Data::Key, true, 14),
    ai("10", "BATCH/LOT", Data::Text, false, 20),
    ai("11", "PROD DATE", Data::Date, true, 6),
    ai("12", "DUE DATE", Data::Date, true, 6),
    ai("13", "PACK DATE", Data::Date, true, 6),
    ai("15", "BEST BEFORE", Data::Date, true, 6),
    ai("16", "SELL BY", Data::Date, true, 6),
    ai("17", "USE BY", Data::Date, true, 6),
    ai("20", "VARIANT", Data::Number, true, 2),
    ai("21", "SERIAL", Data::Text, false, 20),
    ai("22", "CPV", Data::Text, false, 20),
    ai("30", "VAR. COUNT", Data::Number, false, 8),
    ai("310n", "NET WEIGHT (kg)", Data::Measure, true, 6),
    ai("311n", "LENGTH (m)", Data::Measure, true, 6),
    ai("312n", "WIDTH (m)", Data::Measure, true, 6),
    ai("313n", "HEIGHT (m)", Data::Measure, true, 6),
    ai("314n", "AREA (m2)", Data::Measure, true, 6),
    ai("315n", "NET VOLUME (l)", Data::Measure, true, 6),
    ai("316n", "NET VOLUME (m3)", Data::Measure, true, 6),
    ai("320n", "NET WEIGHT (lb)", Data::Measure, true, 6),
    ai("37", "COUNT", Data::Number, false, 8),
    ai("390n", "AMOUNT", Data::Measure, false, 15),
    ai("391n", "AMOUNT", Data::CurrencyAmount, false, 18),
    ai("392n", "PRICE", Data::Measure, false, 15),
    ai("393n", "PRICE", Data::CurrencyAmount, false, 18),
    ai("400", "ORDER NUMBER", Data::Text, false, 30),
    ai("410", "SHIP TO LOC", Data::Key, true, 13),
    ai("411", "BILL TO", Data::Key, true, 13),
    ai("412", "PURCHASE FROM", Data::Key, true, 13),
    ai("413", "SHIP FOR LOC", Data::Key, true, 13),
    ai("414", "LOC No.", Data::Key, true, 13),
    ai("415", "PAY TO", Data::Key, true, 13),
    ai("8008", "PROD TIME", Data::Number, false, 12),
    ai("8200", "PRODUCT URL", Data::Text, false, 70),
];

/// AIs whose first two digits give a predefined length: never followed by a separator.
fn predefined(code: &str) -> bool {
    matches!(
        &code[..2],
        "00" | "01"
            | "02"
            | "03"
            | "04"
            | "11"
            | "12"
            | "13"
            | "14"
            | "15"
            | "16"
            | "17"
            | "18"
            | "19"
            | "20"
            | "31"
            | "32"
            | "33"
            | "34"
            | "35"
            | "36"
            | "41"
    )
}

/// One element of a GS1 message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// The AI, e.g. `01`, `3103`.
    pub ai: String,
    /// What it is, as GS1 titles it.
    pub title: &'static str,
    /// The data as encoded.
    pub value: String,
    /// A measure, price or amount, with its decimals applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimal: Option<Decimal>,
    /// A date (a day 00 read as the month's last day).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "date_text")]
    pub date: Option<Date>,
    /// ISO 4217 code of a price or amount that names its currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A date as `YYYY-MM-DD`.
fn date_text<S: serde::Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

fn lookup(s: &str) -> Option<(&'static Ai, String)> {
    for len in 2..=4 {
        let Some(code) = s.get(..len) else { break };
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        for a in AIS {
            // The decimal-places digit `n`: 0–5 for trade measures (31nn–36nn), 0–9 for
            // amounts and prices (39nn).
            let n_ok = |stem: &str| {
                let n = code.as_bytes()[code.len() - 1];
                if stem.starts_with('3') && !stem.starts_with("39") { n <= b'5' } else { n.is_ascii_digit() }
            };
            let matches = match a.code.strip_suffix('n') {
                Some(stem) => code.len() == a.code.len() && code.starts_with(stem) && n_ok(stem),
                None => a.code == code,
            };
            if matches {
                return Some((a, code.to_string()));
            }
        }
    }
    None
}

/// The year a two-digit year means, seen from `today` (GS1 General Specifications 7.12:
/// at most 49 years back and 50 ahead).
fn full_year(yy: i16, today: Date) -> i16 {
    let current = today.year();
    let century = current - current.rem_euclid(100);
    let diff = yy - current.rem_euclid(100);
    if diff > 50 {
        century - 100 + yy
    } else if diff < -49 {
        century + 100 + yy
    } else {
        century + yy
    }
}

fn date(value: &str, today: Date) -> Result<Date, String> {
    let n = |r: std::ops::Range<usize>| value[r].parse::<i8>().map_err(|_| "not a date".to_string());
    let (yy, mm, dd) = (n(0..2)?, n(2..4)?, n(4..6)?);
    let year = full_year(i16::from(yy), today);
    if dd == 0 {
        let first = Date::new(year, mm, 1).map_err(|_| format!("month {mm} does not exist"))?;
        return Ok(first.last_of_month());
    }
    Date::new(year, mm, dd).map_err(|_| format!("{year}-{mm:02}-{dd:02} does not exist"))
}

fn currency_code(numeric: &str) -> String {
    match numeric {
        "978" => "EUR",
        "840" => "USD",
        "826" => "GBP",
        "752" => "SEK",
        "578" => "NOK",
        "208" => "DKK",
        "756" => "CHF",
        "124" => "CAD",
        "036" => "AUD",
        "392" => "JPY",
        "985" => "PLN",
        other => other,
    }
    .to_string()
}

/// Checks one element's data and reads what it means.
fn element(a: &Ai, code: String, value: &str, today: Date, whole: &str) -> Result<Element, BarcodeError> {
    let bad = |why: String| BarcodeError::new(whole, &format!("AI ({code}) {}: {why}", a.title));
    let numeric = value.bytes().all(|b| b.is_ascii_digit());
    let decimals = || u32::from(code.as_bytes()[code.len() - 1] - b'0');
    let mut e = Element {
        ai: code.clone(),
        title: a.title,
        value: value.to_string(),
        decimal: None,
        date: None,
        currency: None,
    };
    match a.data {
        Data::Text => {
            if value.chars().any(|c| !(c.is_ascii_graphic())) {
                return Err(bad(format!("'{value}' holds characters outside GS1's set")));
            }
        }
        _ if !numeric => return Err(bad(format!("'{value}' must be digits"))),
        Data::Key => {
            if !has_valid_check_digit(value) {
                return Err(bad(format!("check digit of {value} is wrong")));
            }
        }
        Data::Date => e.date = Some(date(value, today).map_err(bad)?),
        Data::Measure => {
            let n: i64 = value.parse().map_err(|_| bad("too long".into()))?;
            e.decimal = Some(Decimal::new(n, decimals()));
        }
        Data::CurrencyAmount => {
            if value.len() < 4 {
                return Err(bad("a currency code and an amount are needed".into()));
            }
            let n: i64 = value[3..].parse().map_err(|_| bad("too long".into()))?;
            e.currency = Some(currency_code(&value[..3]));
            e.decimal = Some(Decimal::new(n, decimals()));
        }
        Data::Number => {}
    }
    Ok(e)
}

/// Reads an element string (FNC1/GS-separated) into its elements.
pub fn parse_elements(input: &str, today: Date) -> Result<Vec<Element>, BarcodeError> {
    if input.starts_with('(') {
        return parse_bracketed(input, today);
    }
    let mut out = Vec::new();
    let mut rest = input.trim_start_matches(GS);
    while !rest.is_empty() {
        let (a, code) = lookup(rest).ok_or_else(|| {
            let at = input.len() - rest.len();
            BarcodeError::new(
                input,
                &format!(
                    "no known application identifier at position {at} ('{}')",
                    rest.chars().take(4).collect::<String>()
                ),
            )
        })?;
        rest = &rest[code.len()..];
        let value = if a.fixed {
            if rest.len() < a.max || !rest.is_char_boundary(a.max) {
                return Err(BarcodeError::new(input, &format!("AI ({code}) {} needs {} characters", a.title, a.max)));
            }
            let (v, r) = rest.split_at(a.max);
            rest = r;
            if !predefined(&code) {
                rest = rest.strip_prefix(GS).unwrap_or(rest);
            }
            v
        } else {
            // Up to the separator; a field running past its longest without one ends at its
            // longest (keyboard-wedge scanners lose the separator) and the rest must read.
            let mut end = rest.find(GS).unwrap_or(rest.len());
            if end > a.max {
                end = a.max;
                while !rest.is_char_boundary(end) {
                    end -= 1;
                }
            }
            let (v, r) = rest.split_at(end);
            rest = r.strip_prefix(GS).unwrap_or(r);
            if v.is_empty() {
                return Err(BarcodeError::new(input, &format!("AI ({code}) {} is empty", a.title)));
            }
            v
        };
        out.push(element(a, code, value, today, input)?);
        rest = rest.trim_start_matches(GS);
    }
    if out.is_empty() {
        return Err(BarcodeError::new(input, "an empty GS1 message"));
    }
    Ok(out)
}

/// Reads the human-readable form `(01)09506000134352(17)201225(10)ABC`.
fn parse_bracketed(input: &str, today: Date) -> Result<Vec<Element>, BarcodeError> {
    let mut out = Vec::new();
    for part in input.split('(').skip(1) {
        let (code, value) = part.split_once(')').ok_or_else(|| BarcodeError::new(input, "a '(' without its ')'"))?;
        let (a, matched) = lookup(&format!("{code}{value}"))
            .filter(|(_, m)| m == code)
            .ok_or_else(|| BarcodeError::new(input, &format!("({code}) is not a known application identifier")))?;
        if (a.fixed && value.len() != a.max) || (!a.fixed && (value.is_empty() || value.len() > a.max)) {
            return Err(BarcodeError::new(input, &format!("AI ({code}) {}: wrong length {}", a.title, value.len())));
        }
        out.push(element(a, matched, value, today, input)?);
    }
    if out.is_empty() {
        return Err(BarcodeError::new(input, "an empty GS1 message"));
    }
    Ok(out)
}

/// Reads the elements of a GS1 Digital Link URI: `https://host/…/01/GTIN/10/LOT?17=…`.
pub fn parse_digital_link(uri: &str, today: Date) -> Result<Vec<Element>, BarcodeError> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))
        .ok_or_else(|| BarcodeError::new(uri, "not an http(s) URI"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segments: Vec<&str> = path.split('/').skip(1).filter(|s| !s.is_empty()).collect();
    // The AI path starts at the first primary key (01, 00, 414, …) followed by its value.
    let start = segments
        .iter()
        .position(|s| {
            matches!(
                *s,
                "01" | "00" | "414" | "8004" | "8006" | "8010" | "8017" | "8018" | "253" | "255" | "401" | "402"
            )
        })
        .ok_or_else(|| BarcodeError::new(uri, "no GS1 key (01, 00, 414…) in the path"))?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    let path_ais = &segments[start..];
    if !path_ais.len().is_multiple_of(2) {
        return Err(BarcodeError::new(uri, "an AI in the path without its value"));
    }
    for pair in path_ais.chunks(2) {
        pairs.push((pair[0].to_string(), percent_decode(pair[1], uri)?));
    }
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = param.split_once('=').unwrap_or((param, ""));
        if k.bytes().all(|b| b.is_ascii_digit()) {
            pairs.push((k.to_string(), percent_decode(v, uri)?));
        }
    }
    let mut out = Vec::new();
    for (code, value) in pairs {
        let mut value = value;
        // A GTIN in a Digital Link may be 8, 12 or 13 digits: padded to 14.
        if code == "01" && matches!(value.len(), 8 | 12 | 13) {
            value = format!("{value:0>14}");
        }
        let (a, matched) = lookup(&format!("{code}{value}"))
            .filter(|(_, m)| *m == code)
            .ok_or_else(|| BarcodeError::new(uri, &format!("({code}) is not a known application identifier")))?;
        if (a.fixed && value.len() != a.max) || (!a.fixed && (value.is_empty() || value.len() > a.max)) {
            return Err(BarcodeError::new(uri, &format!("AI ({code}) {}: wrong length {}", a.title, value.len())));
        }
        out.push(element(a, matched, &value, today, uri)?);
    }
    Ok(out)
}

fn percent_decode(s: &str, whole: &str) -> Result<String, BarcodeError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or_else(|| BarcodeError::new(whole, "a bad %-escape"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| BarcodeError::new(whole, "%-escapes that are not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::constant(2026, 11, 27)
    }

    #[test]
    fn element_strings_with_and_without_separators() {
        let s = format!("0109506000134352172012253103000195{GS}10ABC123{GS}21XYZ");
        let e = parse_elements(&s, today()).unwrap();
        let ais: Vec<&str> = e.iter().map(|e| e.ai.as_str()).collect();
        assert_eq!(ais, ["01", "17", "3103", "10", "21"]);
        assert_eq!(e[1].date, Some(Date::constant(2020, 12, 25)));
        assert_eq!(e[2].decimal, Some(Decimal::new(195, 3)));
        assert_eq!(e[3].value, "ABC123");
        // Bracketed form, a day 00, a price with currency.
        let e = parse_elements("(01)09506000134352(17)270200(3932)978001250", today()).unwrap();
        assert_eq!(e[1].date, Some(Date::constant(2027, 2, 28)));
        assert_eq!((e[2].currency.as_deref(), e[2].decimal), (Some("EUR"), Some(Decimal::new(1250, 2))));
        // Century window: 99 is 1999 seen from 2026, 60 is 2060? No: more than 50 ahead.
        assert_eq!(full_year(99, today()), 1999);
        assert_eq!(full_year(76, today()), 2076);
        assert_eq!(full_year(77, today()), 1977);
    }

    #[test]
    fn refusals_say_why() {
        for (input, why) in [
            ("0109506000134353", "check digit"),
            ("01095060001343", "needs 14"),
            ("99ABC", "no known application identifier"),
            ("010950600013435217131345", "does not exist"),
            ("(01)0950600013435", "wrong length"),
            ("(01", "without its ')'"),
            ("3103ABCDEF", "must be digits"),
        ] {
            let err = parse_elements(input, today()).unwrap_err();
            assert!(err.reason.contains(why), "{input}: {err}");
        }
    }

    #[test]
    fn digital_link() {
        let e = parse_digital_link(
            "https://id.gs1.org/01/09506000134352/10/AB%2F12?17=201225&3103=000195&linkType=all",
            today(),
        )
        .unwrap();
        let ais: Vec<(&str, &str)> = e.iter().map(|e| (e.ai.as_str(), e.value.as_str())).collect();
        assert_eq!(ais, [("01", "09506000134352"), ("10", "AB/12"), ("17", "201225"), ("3103", "000195")]);
        assert_eq!(
            parse_digital_link("https://example.com/shop/01/9506000134352", today()).unwrap()[0].value,
            "09506000134352"
        );
        assert!(parse_digital_link("https://example.com/about", today()).is_err());
    }
}
