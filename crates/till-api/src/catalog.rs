//! Items as the catalog sells them, what a catalog import did, and a journal verification.

use serde::Serialize;
use till_domain::Item;
use till_register::{ImportReport, JournalReport};
use ts_rs::TS;

use crate::Dec;

/// A component of a bundle: what leaves stock for each bundle sold.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComponentView {
    /// The component's SKU.
    pub sku: String,
    /// Units of it per bundle.
    pub quantity: Dec,
}

/// An item as looked up or found by search: the price in force now and where it comes from.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ItemView {
    pub sku: String,
    pub name: String,
    pub category: Option<String>,
    /// Price per unit now.
    pub price: Dec,
    /// `base` or `list:NAME`.
    pub price_source: String,
    /// `each` or `kg`.
    #[ts(type = "'each' | 'kg'")]
    pub unit: String,
    /// Tax class name.
    pub tax_class: String,
    /// Its rate in percent.
    pub tax_rate: Dec,
    /// A bundle's components (empty for a plain item).
    pub components: Vec<ComponentView>,
}

impl From<&Item> for ItemView {
    fn from(i: &Item) -> Self {
        ItemView {
            sku: i.sku.clone(),
            name: i.name.clone(),
            category: i.category.clone(),
            price: Dec::of(i.price),
            price_source: i.price_source.to_string(),
            unit: i.unit.as_str().to_string(),
            tax_class: i.tax_class.name.clone(),
            tax_rate: Dec::of(i.tax_class.rate),
            components: i
                .components
                .iter()
                .map(|c| ComponentView { sku: c.sku.clone(), quantity: Dec::of(c.quantity) })
                .collect(),
        }
    }
}

/// A row an import did not take.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RejectedRowView {
    /// 1-based line in the file.
    pub line: u64,
    /// The column or field at fault, when one is.
    pub field: Option<String>,
    /// What was wrong.
    pub reason: String,
}

/// A note on an imported row.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RowWarningView {
    /// 1-based line in the file.
    pub line: u64,
    /// What is odd.
    pub message: String,
}

/// What a catalog import did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportView {
    /// Products written.
    pub products: u64,
    /// Variants written.
    pub variants: u64,
    /// Price-list entries written.
    pub prices: u64,
    /// Promotions written.
    pub promotions: u64,
    /// Rows with nothing to import.
    pub skipped: u64,
    /// Whether it was a bulk load into an empty catalog.
    pub bulk: bool,
    /// Rows not imported, in line order.
    pub rejected: Vec<RejectedRowView>,
    /// Notes on imported rows.
    pub warnings: Vec<RowWarningView>,
}

impl From<&ImportReport> for ImportView {
    fn from(r: &ImportReport) -> Self {
        ImportView {
            products: r.products,
            variants: r.variants,
            prices: r.prices,
            promotions: r.promotions,
            skipped: r.skipped,
            bulk: r.bulk,
            rejected: r
                .rejected
                .iter()
                .map(|e| RejectedRowView { line: e.line, field: e.field.clone(), reason: e.reason.clone() })
                .collect(),
            warnings: r.warnings.iter().map(|w| RowWarningView { line: w.line, message: w.message.clone() }).collect(),
        }
    }
}

/// Where a journal verification found the chain broken.
#[derive(Debug, Clone, Serialize, TS)]
pub struct JournalProblemView {
    /// The record's number.
    pub record: u64,
    /// Its receipt, when it is a sale's.
    pub receipt: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// A journal verification.
#[derive(Debug, Clone, Serialize, TS)]
pub struct JournalView {
    /// Whether the whole chain verified.
    pub ok: bool,
    /// Records read.
    pub records: u64,
    /// The perpetual grand total of the last good record.
    pub grand_total: Dec,
    /// The hash of the last record.
    pub head: String,
    /// The first problem, if any.
    pub problem: Option<JournalProblemView>,
}

impl From<&JournalReport> for JournalView {
    fn from(r: &JournalReport) -> Self {
        JournalView {
            ok: r.problem.is_none(),
            records: r.records,
            grand_total: Dec::of(r.grand_total),
            head: r.head.clone(),
            problem: r.problem.as_ref().map(|p| JournalProblemView {
                record: p.seq,
                receipt: p.receipt.clone(),
                reason: p.reason.clone(),
            }),
        }
    }
}
