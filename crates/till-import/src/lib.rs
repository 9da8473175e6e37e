//! Catalog file readers: the Shopify product CSV export and Till's own JSON-lines format.
//!
//! Readers stream: they yield one [`Entry`] at a time — a record to import, a rejected row
//! with its line number and reason, or a warning — so a million-row file never sits in
//! memory and every row is accounted for. What the files look like on the wire stays in
//! this crate; what leaves it are domain types.
//!
//! Architecture invariant: this crate reads from any `std::io::Read` and touches no
//! database; deciding what to store is the register's job.

mod fields;
mod jsonl;
mod shopify;

use std::io::Read;
use std::path::Path;

use till_domain::{PriceListEntry, Product, Promotion};

pub use jsonl::JsonLinesReader;
pub use shopify::ShopifyCsvReader;

/// What a catalog file may contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A product with its variants; `variant_lines[i]` is the line of `variants[i]`.
    Product {
        /// The product.
        product: Product,
        /// Source line of each variant, for later error reports.
        variant_lines: Vec<u64>,
    },
    /// A price-list entry.
    Price(PriceListEntry),
    /// A promotion.
    Promotion(Promotion),
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in the file.
    pub line: u64,
    /// The column or field at fault, when one is.
    pub field: Option<String>,
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "line {}: {}: {}", self.line, field, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// A row that was imported, with something worth knowing about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWarning {
    /// 1-based line in the file.
    pub line: u64,
    /// What is odd.
    pub message: String,
}

impl std::fmt::Display for RowWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// One step of reading a catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A record to import, starting at `line`.
    Record {
        /// First line of the record.
        line: u64,
        /// The record.
        record: Record,
    },
    /// A row that will not be imported.
    Rejected(RowError),
    /// A note about a row that is imported.
    Warning(RowWarning),
    /// A row that carries no catalog data (e.g. Shopify's extra image rows), counted so
    /// that every line of the file is accounted for.
    Skipped {
        /// The line.
        line: u64,
        /// Why it carries nothing.
        reason: &'static str,
    },
}

/// A failure that stops the whole file: nothing from it may be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        error: std::io::Error,
    },
    /// The header row lacks required columns or is not a catalog header at all.
    #[error("line 1: {0}")]
    Header(String),
    /// The file's format cannot be told from its name.
    #[error("{0}")]
    UnknownFormat(String),
    /// The CSV is structurally broken (e.g. an unterminated quote) at a line.
    #[error("line {line}: {reason}")]
    Malformed {
        /// Where.
        line: u64,
        /// What.
        reason: String,
    },
}

/// What the reader needs to know about the register to judge rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// Tax class names the store has.
    pub tax_classes: Vec<String>,
    /// The class for rows that name none.
    pub default_tax_class: String,
    /// The class for Shopify rows with `Variant Taxable` = FALSE, if the store has one.
    pub exempt_tax_class: Option<String>,
    /// The currency's minor units: prices may not be more precise.
    pub minor_units: u32,
}

/// The formats Till reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Shopify's product CSV export.
    ShopifyCsv,
    /// Till's JSON lines (`.jsonl`), documented in `docs/catalog-format.md`.
    JsonLines,
}

impl Format {
    /// The format implied by a file name's extension.
    pub fn from_path(path: &Path) -> Result<Format, ImportError> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Ok(Format::ShopifyCsv),
            Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
            _ => Err(ImportError::UnknownFormat(format!(
                "{}: cannot tell the catalog format; use a .csv (Shopify product export) or .jsonl (Till JSON lines) file",
                path.display()
            ))),
        }
    }
}

/// A reader over either format.
pub type EntryReader<'r> = Box<dyn Iterator<Item = Result<Entry, ImportError>> + 'r>;

/// Opens a reader of `format` over `input`.
pub fn reader<'r, R: Read + 'r>(
    format: Format,
    input: R,
    options: ImportOptions,
) -> Result<EntryReader<'r>, ImportError> {
    Ok(match format {
        Format::ShopifyCsv => Box::new(ShopifyCsvReader::new(input, options)?),
        Format::JsonLines => Box::new(JsonLinesReader::new(input, options)),
    })
}
