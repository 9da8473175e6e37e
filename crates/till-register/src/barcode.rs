//! Reading scanned codes with the store's rules: its country's variable-measure numbers
//! and today's date (expiry) from the register's clock.

use till_barcode::{Barcode, BarcodeError, ParseOptions};

use crate::{Clock, Register, SystemClock};

impl Register {
    /// Reads `code` (with or without an AIM symbology identifier). `region` overrides the
    /// store's country (`region` in the store configuration) for variable-measure numbers.
    pub fn parse_barcode(&self, code: &str, region: Option<&str>) -> Result<Barcode, BarcodeError> {
        let today = self.now().to_zoned_datetime(self.config().timezone.clone()).date();
        let rcn_region = region.map(str::to_string).or_else(|| self.config().sales_context.region.clone());
        till_barcode::parse(code, &ParseOptions { rcn_region, today })
    }
}

/// Reads `code` where there is no register: no store country unless `region` is given,
/// today from the system clock (UTC).
pub fn parse_barcode_standalone(code: &str, region: Option<&str>) -> Result<Barcode, BarcodeError> {
    let today = SystemClock.now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    till_barcode::parse(code, &ParseOptions { rcn_region: region.map(str::to_string), today })
}

/// What scanning a code did: the line it rang, and what the cashier should be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The cart line.
    pub line: till_domain::LineId,
    /// Warnings to show (an expired item, a passed best-before date) — the sale goes on.
    pub warnings: Vec<String>,
}

impl Register {
    /// Scans a code as a scanner sends it: a GS1 message (its GTIN (01), a net weight
    /// (310n) for an item sold by weight, its use-by and best-before dates checked against
    /// today), a variable-measure number carrying a weight or a count (the store's
    /// country's rules), or any code [`Register::scan`] takes (barcode, GTIN, SKU). An
    /// explicit `quantity` wins over one in the code.
    pub fn scan_code(
        &self,
        cart: &mut till_domain::Cart,
        code: &str,
        quantity: Option<rust_decimal::Decimal>,
    ) -> Result<Scanned, crate::RegisterError> {
        let parsed = self.parse_barcode(code, None);
        let mut warnings = Vec::new();
        let (lookup, measured) = match &parsed {
            Ok(b @ Barcode::Gs1 { elements, .. }) => {
                let gtin = b.lookup_gtin().ok_or_else(|| {
                    crate::RegisterError::Input(format!(
                        "{}: a GS1 code without a GTIN (01) names no item",
                        code.trim()
                    ))
                })?;
                let today = self.now().to_zoned_datetime(self.config().timezone.clone()).date();
                for e in elements {
                    match (e.ai.as_str(), e.date) {
                        ("17", Some(d)) if d < today => warnings.push(format!("EXPIRED: use by {d}")),
                        ("15", Some(d)) if d < today => warnings.push(format!("past its best-before date {d}")),
                        _ => {}
                    }
                }
                let weight = elements.iter().find(|e| e.ai.starts_with("310")).and_then(|e| e.decimal);
                (gtin, weight)
            }
            Ok(Barcode::Gtin { gtin, .. }) => {
                match gtin.rcn.as_ref().and_then(|r| r.measure.as_ref().zip(r.item.as_ref())) {
                    Some((m, _)) if m.kind == "price" => {
                        return Err(crate::RegisterError::Input(format!(
                            "{}: a price-embedded label ({} {}) — ring the item and override its price instead",
                            code.trim(),
                            m.value,
                            m.unit
                        )));
                    }
                    Some((m, item)) => (item.clone(), Some(m.value)),
                    None => (code.trim().to_string(), None),
                }
            }
            Ok(Barcode::Text { .. }) => (code.trim().to_string(), None),
            Err(e) => {
                // Not a code this reads (a SKU, a code with a typo): the plain lookup decides,
                // and a misread barcode is named as such.
                return match self.scan(cart, code, quantity) {
                    Ok(line) => Ok(Scanned { line, warnings }),
                    Err(crate::RegisterError::UnknownCode(_)) if code.trim().bytes().all(|b| b.is_ascii_digit()) => {
                        Err(crate::RegisterError::Input(e.to_string()))
                    }
                    Err(other) => Err(other),
                };
            }
        };
        let line = self.scan(cart, &lookup, quantity.or(measured))?;
        Ok(Scanned { line, warnings })
    }
}
