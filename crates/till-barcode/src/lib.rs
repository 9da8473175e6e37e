//! What a scanned code says, read without I/O: GTINs (EAN-13, EAN-8, UPC-A, UPC-E with its
//! expansion) with their check digits; variable-measure numbers (prefixes 02, 20–29) by
//! the country's rules, with the price check digit; GS1 element strings (GS1-128, GS1
//! DataMatrix, GS1 QR, GS1 DataBar) with FNC1 separators; GS1 Digital Link URIs; and the
//! AIM symbology identifier a scanner may put in front (`]E0`, `]E4`, `]C1`, `]d2`, `]Q3`,
//! `]e0`). Dates are read relative to a `today` the caller passes in. And the detector
//! that tells a keyboard-wedge scanner from a person typing ([`WedgeDetector`]).

mod ai;
mod check;
mod gtin;
mod wedge;

use jiff::civil::Date;
use serde::Serialize;

pub use ai::{Element, GS, parse_digital_link, parse_elements};
pub use check::{gs1_check_digit, has_valid_check_digit, price_check_digit};
pub use gtin::{Gtin, Measure, Rcn, expand_upc_e, parse_gtin};
pub use wedge::{WedgeConfig, WedgeDetector, WedgeEvent};

/// A code that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct BarcodeError {
    /// The code (or message) as given, printable.
    pub code: String,
    /// What is wrong with it.
    pub reason: String,
}

impl BarcodeError {
    fn new(code: &str, reason: &str) -> BarcodeError {
        BarcodeError { code: code.replace(GS, "<GS>").chars().take(200).collect(), reason: reason.to_string() }
    }
}

/// How to read codes.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// ISO 3166 alpha-2 country whose variable-measure rules apply (the store's).
    pub rcn_region: Option<String>,
    /// Today, for two-digit years and expiry.
    pub today: Date,
}

/// What a code is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// One short-lived value per scan: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Barcode {
    /// A GTIN (EAN/UPC).
    Gtin {
        /// The symbology the scanner reported, if it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        symbology: Option<&'static str>,
        /// The GTIN.
        #[serde(flatten)]
        gtin: Gtin,
    },
    /// A GS1 message (element string or Digital Link).
    Gs1 {
        /// The symbology the scanner reported (or `digital_link`).
        #[serde(skip_serializing_if = "Option::is_none")]
        symbology: Option<&'static str>,
        /// Its elements, in order.
        elements: Vec<Element>,
        /// Whether its expiry date (AI 17) is before today.
        #[serde(skip_serializing_if = "Option::is_none")]
        expired: Option<bool>,
    },
    /// Anything else (a receipt's own code, a Code 128 SKU…), as text.
    Text {
        /// The symbology the scanner reported, if it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        symbology: Option<&'static str>,
        /// The text.
        text: String,
    },
}

impl Barcode {
    /// The GTIN-14 the item is looked up by: a GTIN's own (a variable-measure number's
    /// item number), or a GS1 message's AI (01).
    pub fn lookup_gtin(&self) -> Option<String> {
        match self {
            Barcode::Gtin { gtin, .. } => Some(
                gtin.rcn.as_ref().and_then(|r| r.item.clone()).map_or(gtin.gtin14.clone(), |i| format!("{i:0>14}")),
            ),
            Barcode::Gs1 { elements, .. } => elements.iter().find(|e| e.ai == "01").map(|e| e.value.clone()),
            Barcode::Text { .. } => None,
        }
    }
}

/// What an AIM symbology identifier says: its name, and whether the data is a GS1
/// element string, a GTIN, or plain text.
fn symbology(id: &str) -> Option<(&'static str, Content)> {
    Some(match id {
        "]E0" => ("ean13_upc", Content::Gtin { upc_e: false }),
        "]E4" => ("ean8", Content::Gtin { upc_e: false }),
        "]C1" => ("gs1_128", Content::Gs1),
        "]d2" => ("gs1_datamatrix", Content::Gs1),
        "]Q3" => ("gs1_qr", Content::Gs1),
        "]e0" => ("gs1_databar", Content::Gs1),
        "]C0" => ("code128", Content::Text),
        "]A0" => ("code39", Content::Text),
        "]Q1" => ("qr", Content::Text),
        "]d1" => ("datamatrix", Content::Text),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy)]
enum Content {
    Gtin { upc_e: bool },
    Gs1,
    Text,
}

/// Reads a scanned or typed code.
///
/// With an AIM identifier the scanner decides what the data is. Without one: all digits
/// of a GTIN's length is a GTIN; an `http(s)` URI with a GS1 key in its path is a Digital
/// Link; a code starting with an AI in parentheses, or with digits and a group separator,
/// is a GS1 element string; anything else is text.
pub fn parse(input: &str, options: &ParseOptions) -> Result<Barcode, BarcodeError> {
    let input = input.trim_matches(|c: char| c == '\r' || c == '\n');
    let region = options.rcn_region.as_deref();
    let (symbology, content, data) = match input.get(..3).and_then(symbology) {
        Some((name, content)) => (Some(name), Some(content), &input[3..]),
        // Another well-formed AIM identifier (`]` + symbology letter + modifier): its data
        // is read as text.
        None if input.starts_with(']') && input.get(..3).is_some_and(|id| id.as_bytes()[1].is_ascii_alphabetic()) => {
            (Some("other"), Some(Content::Text), &input[3..])
        }
        None if input.starts_with(']') => {
            let id: String = input.chars().take(3).collect();
            return Err(BarcodeError::new(input, &format!("malformed symbology identifier {id}")));
        }
        None => (None, None, input),
    };
    if data.is_empty() {
        return Err(BarcodeError::new(input, "no data"));
    }
    let all_digits = data.bytes().all(|b| b.is_ascii_digit());
    let gs1 = |elements: Vec<Element>, symbology| -> Result<Barcode, BarcodeError> {
        // A GTIN in (01) that is a variable-measure number must hold by its country's rules too.
        for e in elements.iter().filter(|e| e.ai == "01") {
            parse_gtin(&e.value, false, region)?;
        }
        let expired = elements.iter().find(|e| e.ai == "17").and_then(|e| e.date).map(|d| d < options.today);
        Ok(Barcode::Gs1 { symbology, elements, expired })
    };
    Ok(match content {
        Some(Content::Gtin { .. }) if symbology == Some("ean13_upc") && data.len() == 8 => {
            Barcode::Gtin { symbology, gtin: parse_gtin(data, true, region)? }
        }
        Some(Content::Gtin { upc_e }) => Barcode::Gtin { symbology, gtin: parse_gtin(data, upc_e, region)? },
        Some(Content::Gs1) => gs1(parse_elements(data, options.today)?, symbology)?,
        Some(Content::Text) => Barcode::Text { symbology, text: data.to_string() },
        None if all_digits && matches!(data.len(), 8 | 12 | 13 | 14) => {
            Barcode::Gtin { symbology: None, gtin: parse_gtin(data, false, region)? }
        }
        None if data.starts_with("http://") || data.starts_with("https://") => {
            match parse_digital_link(data, options.today) {
                Ok(elements) => gs1(elements, Some("digital_link"))?,
                Err(e) if e.reason.contains("no GS1 key") => Barcode::Text { symbology: None, text: data.to_string() },
                Err(e) => return Err(e),
            }
        }
        None if data.starts_with('(') || (data.contains(GS) && data.starts_with(|c: char| c.is_ascii_digit())) => {
            gs1(parse_elements(data, options.today)?, None)?
        }
        None if all_digits => {
            return Err(BarcodeError::new(data, &format!("{} digits: a GTIN has 8, 12, 13 or 14", data.len())));
        }
        None => Barcode::Text { symbology: None, text: data.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ParseOptions {
        ParseOptions { rcn_region: Some("SE".into()), today: Date::constant(2026, 11, 27) }
    }

    #[test]
    fn symbology_identifiers_decide() {
        let b = parse("]E08712345000011", &opts()).unwrap();
        assert!(matches!(b, Barcode::Gtin { symbology: Some("ean13_upc"), .. }));
        let b = parse("]E004252614", &opts()).unwrap();
        assert!(matches!(&b, Barcode::Gtin { gtin, .. } if gtin.format == "upc_e"), "{b:?}");
        let b = parse("]C10109506000134352172012251012", &opts()).unwrap();
        assert!(matches!(&b, Barcode::Gs1 { expired: Some(true), elements, .. } if elements.len() == 3));
        assert_eq!(b.lookup_gtin().as_deref(), Some("09506000134352"));
        let b = parse("]d201095060001343521729123110LOT7", &opts()).unwrap();
        assert!(matches!(b, Barcode::Gs1 { expired: Some(false), .. }));
        assert!(matches!(parse("]C0SKU-123", &opts()).unwrap(), Barcode::Text { .. }));
        assert!(matches!(parse("]X9123", &opts()).unwrap(), Barcode::Text { symbology: Some("other"), .. }));
        assert!(parse("]9X123", &opts()).is_err());
        assert!(parse("]C1", &opts()).is_err());
    }

    #[test]
    fn without_identifiers_the_shape_decides() {
        assert!(matches!(parse("8712345000011", &opts()).unwrap(), Barcode::Gtin { .. }));
        assert!(matches!(parse("till:AMS-01/R1-000001", &opts()).unwrap(), Barcode::Text { .. }));
        assert!(matches!(parse("(01)09506000134352(10)A", &opts()).unwrap(), Barcode::Gs1 { .. }));
        assert!(matches!(parse("https://id.gs1.org/01/09506000134352", &opts()).unwrap(), Barcode::Gs1 { .. }));
        assert!(matches!(parse("https://example.com/", &opts()).unwrap(), Barcode::Text { .. }));
        assert!(parse("12345", &opts()).unwrap_err().reason.contains("5 digits"));
    }
}
