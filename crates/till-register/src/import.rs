//! Catalog import: a file read by `till-import`, written by `till-store` in one
//! transaction. Bad rows are reported with their line and skipped; a fatal problem (an
//! unreadable file, a wrong header) imports nothing.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use till_import::{Entry, Format, ImportOptions, Record, RowError, RowWarning};
use till_store::ImportMode;

use crate::{Register, RegisterError};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Products written.
    pub products: u64,
    /// Variants written.
    pub variants: u64,
    /// Price-list entries written.
    pub prices: u64,
    /// Promotions written.
    pub promotions: u64,
    /// Rows not imported, in line order.
    pub rejected: Vec<RowError>,
    /// Notes on imported rows.
    pub warnings: Vec<RowWarning>,
    /// Rows with nothing to import (image rows, blank lines).
    pub skipped: u64,
    /// Whether the catalog was empty (bulk load) before.
    pub bulk: bool,
}

/// Progress of a running import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Bytes of the file read so far.
    pub bytes_read: u64,
    /// The file's size.
    pub bytes_total: u64,
}

/// Counts bytes as they are read, for the progress bar.
struct Counting<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl Register {
    /// Imports a catalog file (`.csv` Shopify export or `.jsonl`), calling `progress`
    /// now and then.
    pub fn import_catalog(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport, RegisterError> {
        let format = Format::from_path(path)?;
        let io = |error| RegisterError::Io { path: path.display().to_string(), error };
        let file = File::open(path).map_err(io)?;
        let bytes_total = file.metadata().map_err(io)?.len();
        let read = std::rc::Rc::new(std::cell::Cell::new(0));
        let input = Counting { inner: BufReader::with_capacity(1 << 16, file), read: read.clone() };
        let options = ImportOptions {
            tax_classes: self.config.tax_classes.iter().map(|c| c.name.clone()).collect(),
            default_tax_class: self.config.default_tax_class.clone(),
            exempt_tax_class: self.config.exempt_tax_class.clone(),
            minor_units: self.config.currency.minor_units(),
        };
        let entries = till_import::reader(format, input, options)?;

        let mut report = ImportReport::default();
        let mut bundle_lines: HashMap<String, u64> = HashMap::new();
        let mut writer = self.store.catalog_writer()?;
        report.bulk = writer.mode() == ImportMode::Bulk;
        for (n, entry) in entries.enumerate() {
            match entry? {
                Entry::Record { line, record } => match record {
                    Record::Product { product, variant_lines } => match writer.put_product(&product) {
                        Ok(notes) => {
                            report.products += 1;
                            report.variants += product.variants.len() as u64;
                            for (v, l) in product.variants.iter().zip(&variant_lines) {
                                if !v.components.is_empty() {
                                    bundle_lines.insert(v.sku.clone(), *l);
                                }
                            }
                            report.warnings.extend(notes.into_iter().map(|message| RowWarning { line, message }));
                        }
                        Err(e) => report.rejected.push(RowError { line, field: None, reason: e.to_string() }),
                    },
                    Record::Price(p) => {
                        writer.put_price(&p)?;
                        report.prices += 1;
                    }
                    Record::Promotion(p) => {
                        writer.put_promotion(&p)?;
                        report.promotions += 1;
                    }
                },
                Entry::Rejected(e) => report.rejected.push(e),
                Entry::Warning(w) => report.warnings.push(w),
                Entry::Skipped { .. } => report.skipped += 1,
            }
            if n % 4096 == 0 {
                progress(ImportProgress { bytes_read: read.get(), bytes_total });
            }
        }
        let mut removed = std::collections::HashSet::new();
        for (bundle, missing) in writer.bundles_missing_components()? {
            if removed.insert(bundle.clone()) {
                writer.remove_variant(&bundle)?;
                report.variants = report.variants.saturating_sub(1);
            }
            let line = bundle_lines.get(&bundle).copied().unwrap_or(0);
            report.rejected.push(RowError {
                line,
                field: Some("components".into()),
                reason: format!("bundle {bundle} contains SKU {missing}, which is not in the catalog"),
            });
        }
        writer.commit()?;
        progress(ImportProgress { bytes_read: bytes_total, bytes_total });
        report.rejected.sort_by_key(|e| e.line);
        report.warnings.sort_by_key(|w| w.line);
        self.promotions = self.store.promotions()?;
        tracing::info!(
            products = report.products,
            variants = report.variants,
            rejected = report.rejected.len(),
            "catalog imported"
        );
        Ok(report)
    }
}
