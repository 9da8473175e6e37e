//! The catalog as the register sells from it: lookups by barcode, GTIN or SKU with the
//! price in force now, search, stock on hand, reading scanned codes with the store's
//! rules, and catalog import.

mod barcode;
mod import;

pub use barcode::parse_barcode_standalone;
pub use import::{ImportProgress, ImportReport};

use rust_decimal::Decimal;
use till_domain::Item;
use till_store::StoredVariant;

use crate::{Register, RegisterError};

/// What the catalog refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// No item has this barcode or SKU.
    #[error("unknown barcode or SKU '{0}'")]
    UnknownCode(String),
    /// The item exists but cannot be sold.
    #[error("{sku} ({name}) is not for sale: {why}")]
    NotForSale {
        /// The SKU.
        sku: String,
        /// Its name.
        name: String,
        /// Why.
        why: Unsellable,
    },
}

impl CatalogError {
    /// The stable code ([`RegisterError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            CatalogError::UnknownCode(_) => "unknown_code",
            CatalogError::NotForSale { .. } => "not_for_sale",
        }
    }
}

/// Why an item in the catalog cannot be sold here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsellable {
    /// The product is a draft or archived.
    #[error("the product is draft or archived")]
    Inactive,
    /// Its tax class is not one this register configures.
    #[error("its tax class '{0}' is not configured on this register")]
    TaxClassMissing(String),
}

impl Register {
    /// Finds the item for a scanned barcode or typed SKU.
    ///
    /// Tries the exact barcode, then the same GTIN written with or without leading zeros
    /// (a UPC-A scanned as EAN-13 and back), then the SKU.
    pub fn lookup(&self, code: &str) -> Result<Item, RegisterError> {
        let code = code.trim();
        for candidate in std::iter::once(code.to_string()).chain(gtin_alternatives(code)) {
            if let Some(variant) = self.store.variant_by_barcode(&candidate)? {
                return self.item(variant);
            }
        }
        let variant = self.store.variant_by_sku(code)?.ok_or_else(|| CatalogError::UnknownCode(code.to_string()))?;
        self.item(variant)
    }

    /// Makes a sellable item of a stored variant: tax class resolved, price in force now.
    pub(crate) fn item(&self, v: StoredVariant) -> Result<Item, RegisterError> {
        if !v.active {
            return Err(CatalogError::NotForSale { sku: v.sku, name: v.name, why: Unsellable::Inactive }.into());
        }
        let Some(tax_class) = self.config.tax_class(&v.tax_class).cloned() else {
            let why = Unsellable::TaxClassMissing(v.tax_class);
            return Err(CatalogError::NotForSale { sku: v.sku, name: v.name, why }.into());
        };
        let (price, price_source) =
            till_domain::catalog::resolve_price(v.price, &v.prices, &self.config.sales_context, self.clock.now());
        Ok(Item {
            sku: v.sku,
            name: v.name,
            category: v.category,
            price,
            price_source,
            cost: v.cost,
            unit: v.unit,
            tax_class,
            components: v.components,
        })
    }

    /// Catalog search for the sell screen. Items that cannot be sold (draft or archived, or
    /// with a tax class this register does not configure) are left out; a lookup of one of
    /// them says why.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<Item>, RegisterError> {
        let hits = self.store.search(text, limit)?;
        Ok(hits.into_iter().filter_map(|v| self.item(v).ok()).collect())
    }

    /// Stock on hand of a SKU at this register's location.
    pub fn stock(&self, sku: &str) -> Result<Decimal, RegisterError> {
        if self.store.variant_by_sku(sku)?.is_none() {
            return Err(CatalogError::UnknownCode(sku.to_string()).into());
        }
        Ok(self.store.stock_level(sku, &self.config.location)?)
    }
}

/// The same GTIN written another way: UPC-A (12) ↔ EAN-13 with a leading zero, and
/// GTIN-14 with a leading zero ↔ EAN-13.
fn gtin_alternatives(code: &str) -> Vec<String> {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    match code.len() {
        12 => vec![format!("0{code}"), format!("00{code}")],
        13 if code.starts_with('0') => vec![code[1..].to_string(), format!("0{code}")],
        13 => vec![format!("0{code}")],
        14 if code.starts_with("00") => vec![code[1..].to_string(), code[2..].to_string()],
        14 if code.starts_with('0') => vec![code[1..].to_string()],
        _ => Vec::new(),
    }
}
