//! Field checks shared by both formats, each returning the reason a value is refused.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use rust_decimal::Decimal;
use till_domain::Money;
use till_domain::catalog::gtin_check_digit_ok;
use till_domain::money::MAX_AMOUNT;

use crate::ImportOptions;

/// A price or cost: an exact decimal, not negative, no finer than the currency's minor unit.
pub(crate) fn amount(text: &str, minor_units: u32) -> Result<Money, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty".to_string());
    }
    let money = Money::parse(text).map_err(|e| e.to_string())?;
    if money.is_negative() {
        return Err(format!("{text} is negative"));
    }
    if money.amount() > MAX_AMOUNT {
        return Err(format!("{text} is larger than {MAX_AMOUNT}"));
    }
    if money.amount().normalize().scale() > minor_units {
        return Err(format!("{text} has more than {minor_units} decimals"));
    }
    Ok(money)
}

/// A decimal in text, such as a percentage or a component quantity, that must be positive.
pub(crate) fn positive_decimal(text: &str) -> Result<Decimal, String> {
    let value = till_domain::money::parse_decimal(text).map_err(|e| e.to_string())?;
    if value <= Decimal::ZERO {
        return Err(format!("{text} must be greater than zero"));
    }
    Ok(value)
}

/// A SKU: present, at most 64 characters, no control characters.
pub(crate) fn sku(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("is empty".to_string());
    }
    if text.chars().count() > 64 {
        return Err(format!("'{text}' is longer than 64 characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("contains control characters".to_string());
    }
    Ok(text.to_string())
}

/// A barcode as scanned: printable ASCII without spaces. Returns the barcode and, for a
/// GTIN-shaped code whose check digit is wrong, a warning (it still imports and is still
/// found by exact match).
pub(crate) fn barcode(text: &str) -> Result<(String, Option<String>), String> {
    // Spreadsheets protect digit strings with a leading apostrophe.
    let code = text.trim().trim_start_matches('\'');
    if code.contains(['E', 'e']) && code.contains('.') && code.chars().filter(char::is_ascii_digit).count() > 2 {
        return Err(format!(
            "'{code}' looks like a number a spreadsheet turned into scientific notation; export barcodes as text"
        ));
    }
    if code.is_empty() || code.len() > 64 {
        return Err(format!("'{code}' must be 1 to 64 characters"));
    }
    if !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("'{code}' contains spaces or characters a scanner cannot send"));
    }
    let warning = match gtin_check_digit_ok(code) {
        Some(false) => {
            Some(format!("barcode {code} has a wrong GTIN check digit; imported as is, found by exact match"))
        }
        _ => None,
    };
    Ok((code.to_string(), warning))
}

/// A tax class the store knows, or the default when `text` is empty.
pub(crate) fn tax_class(text: &str, options: &ImportOptions) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() {
        return Ok(options.default_tax_class.clone());
    }
    if options.tax_classes.iter().any(|c| c == name) {
        Ok(name.to_string())
    } else {
        Err(format!("unknown tax class '{name}' (the store has: {})", options.tax_classes.join(", ")))
    }
}

/// Remembers which SKUs and barcodes a file has used, by 128-bit fingerprint so a
/// million-row file costs little memory, to refuse duplicates within one file.
#[derive(Default)]
pub(crate) struct SeenKeys {
    handles: HashMap<u128, u64>,
    skus: HashMap<u128, u64>,
    barcodes: HashMap<u128, u64>,
}

pub(crate) fn fingerprint(text: &str) -> u128 {
    let mut a = DefaultHasher::new();
    text.hash(&mut a);
    let mut b = DefaultHasher::new();
    (0x9e37_79b9_u32, text).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

impl SeenKeys {
    /// Claims a product handle for `line`, or says where it was used first.
    pub(crate) fn claim_handle(&mut self, handle: &str, line: u64) -> Result<(), String> {
        claim(&mut self.handles, handle, line)
            .map_err(|first| format!("handle '{handle}' already used at line {first}"))
    }

    /// Claims `sku` for `line`, or says where it was used first.
    pub(crate) fn claim_sku(&mut self, sku: &str, line: u64) -> Result<(), String> {
        claim(&mut self.skus, sku, line).map_err(|first| format!("SKU '{sku}' already used at line {first}"))
    }

    /// Claims `code` for `line`, or says where it was used first.
    pub(crate) fn claim_barcode(&mut self, code: &str, line: u64) -> Result<(), String> {
        claim(&mut self.barcodes, code, line).map_err(|first| format!("barcode {code} already used at line {first}"))
    }

    /// Releases keys claimed by a record that was rejected after all.
    pub(crate) fn release(&mut self, sku: &str, barcodes: &[String]) {
        self.skus.remove(&fingerprint(sku));
        for b in barcodes {
            self.barcodes.remove(&fingerprint(b));
        }
    }
}

fn claim(map: &mut HashMap<u128, u64>, key: &str, line: u64) -> Result<(), u64> {
    match map.entry(fingerprint(key)) {
        std::collections::hash_map::Entry::Occupied(e) => Err(*e.get()),
        std::collections::hash_map::Entry::Vacant(v) => {
            v.insert(line);
            Ok(())
        }
    }
}
