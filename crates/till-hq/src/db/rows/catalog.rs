//! `catalogs` and `catalog_items`: the published catalog versions and each version's rows.

use rust_decimal::Decimal;
use till_protocol::CatalogInfo;

use crate::db::{Row, RowError};

/// A row of `catalogs` (without the file's bytes: their length instead).
#[derive(Debug, Clone)]
pub struct CatalogRow {
    /// Version number.
    pub version: u64,
    /// The file's name (its extension says the format).
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// When its prices take effect (RFC 3339).
    pub effective_from: String,
    /// When it was published.
    pub published_at: String,
    /// Products in it.
    pub products: u64,
    /// Variants (SKUs) in it.
    pub variants: u64,
    /// The file's size in bytes.
    pub size: u64,
}

impl CatalogRow {
    /// The columns [`CatalogRow::from_row`] reads.
    pub const COLUMNS: &str =
        "version, file_name, sha256, effective_from, published_at, products, variants, length(bytes) AS size";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<CatalogRow, RowError> {
        let r = row.of("catalogs");
        Ok(CatalogRow {
            version: r.count("version")?,
            file_name: r.text("file_name")?,
            sha256: r.text("sha256")?,
            effective_from: r.text("effective_from")?,
            published_at: r.text("published_at")?,
            products: r.count("products")?,
            variants: r.count("variants")?,
            size: r.count("size")?,
        })
    }

    /// The version as registers are told of it.
    pub fn info(&self) -> CatalogInfo {
        CatalogInfo {
            version: self.version,
            file_name: self.file_name.clone(),
            effective_from: self.effective_from.clone(),
            sha256: self.sha256.clone(),
            size: self.size,
        }
    }
}

/// A row of `catalog_items`: a SKU's base price and state as a version sets it.
#[derive(Debug, Clone)]
pub struct CatalogItemRow {
    /// The version that set it.
    pub version: u64,
    /// SKU.
    pub sku: String,
    /// Base price.
    pub price: Decimal,
    /// For sale (false: archived, retired).
    pub active: bool,
}

impl CatalogItemRow {
    /// The columns [`CatalogItemRow::from_row`] reads.
    pub const COLUMNS: &str = "version, sku, price, active";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<CatalogItemRow, RowError> {
        let r = row.of("catalog_items");
        Ok(CatalogItemRow {
            version: r.count("version")?,
            sku: r.text("sku")?,
            price: r.decimal("price")?,
            active: r.flag("active")?,
        })
    }
}
