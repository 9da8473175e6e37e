//! Catalog import: a file read by `till-import`, written by `till-store` in one
//! transaction. Bad rows are reported with their line and skipped; a fatal problem (an
//! unreadable file, a wrong header) imports nothing.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use till_domain::Product;
use till_import::{Entry, Format, ImportError, ImportOptions, Record, RowError, RowWarning};
use till_store::{CatalogWriter, ImportMode};

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
    /// Transactions the import committed: 1 for a bulk load, one per chunk of
    /// `till_store::CHUNK_ROWS` rows into a catalog with rows.
    pub chunks: u64,
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
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Entries travel from the reading thread in batches of this many.
const BATCH: usize = 1024;

/// Reads `file` on its own thread, so parsing overlaps with SQLite's writing; batches
/// of entries arrive on the returned channel. The thread stops when the receiver is
/// dropped.
fn read_in_background(
    file: File,
    format: Format,
    options: ImportOptions,
    read: Arc<AtomicU64>,
) -> (mpsc::Receiver<Vec<Result<Entry, ImportError>>>, std::thread::JoinHandle<()>) {
    let (send, receive) = mpsc::sync_channel(16);
    let handle = std::thread::spawn(move || {
        let input = Counting { inner: BufReader::with_capacity(1 << 16, file), read };
        let entries = match till_import::reader(format, input, options) {
            Ok(entries) => entries,
            Err(e) => {
                let _ = send.send(vec![Err(e)]);
                return;
            }
        };
        let mut batch = Vec::with_capacity(BATCH);
        for entry in entries {
            let fatal = entry.is_err();
            batch.push(entry);
            if (batch.len() == BATCH || fatal)
                && send.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err()
            {
                return;
            }
            if fatal {
                return;
            }
        }
        let _ = send.send(batch);
    });
    (receive, handle)
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
        let options = ImportOptions {
            tax_classes: self.config.tax_classes.iter().map(|c| c.name.clone()).collect(),
            default_tax_class: self.config.default_tax_class.clone(),
            exempt_tax_class: self.config.exempt_tax_class.clone(),
            minor_units: self.config.currency.minor_units(),
        };
        // Into a catalog with rows the import commits in chunks (a sale waits for one at
        // most): the file is read through once first, so a file that cannot be read to its
        // end imports nothing.
        if self.store.catalog_has_rows()? {
            let again = File::open(path).map_err(io)?;
            let (batches, reader) = read_in_background(again, format, options.clone(), Arc::new(AtomicU64::new(0)));
            for batch in &batches {
                for entry in batch {
                    entry?;
                }
            }
            if reader.join().is_err() {
                return Err(RegisterError::Input(format!("reading {} failed unexpectedly", path.display())));
            }
        }
        let read = Arc::new(AtomicU64::new(0));
        let (batches, reader) = read_in_background(file, format, options, read.clone());

        let mut report = ImportReport::default();
        // Products with bundles wait until every other row is in: their components may
        // come later in the file, and a bundle must not be written (replacing a stored
        // one) before its components are known to exist.
        let mut bundles: Vec<(Product, Vec<u64>)> = Vec::new();
        let mut writer = self.store.catalog_writer()?;
        report.bulk = writer.mode() == ImportMode::Bulk;
        for batch in &batches {
            for entry in batch {
                match entry? {
                    Entry::Record { record: Record::Product { product, variant_lines }, .. }
                        if product.variants.iter().any(|v| !v.components.is_empty()) =>
                    {
                        bundles.push((product, variant_lines));
                    }
                    Entry::Record { line, record: Record::Product { product, .. } } => {
                        put_product(&mut writer, &product, line, &mut report)?;
                    }
                    Entry::Record { record: Record::Price(p), .. } => {
                        writer.put_price(&p)?;
                        report.prices += 1;
                    }
                    Entry::Record { record: Record::Promotion(p), .. } => {
                        writer.put_promotion(&p)?;
                        report.promotions += 1;
                    }
                    Entry::Rejected(e) => report.rejected.push(e),
                    Entry::Warning(w) => report.warnings.push(w),
                    Entry::Skipped { .. } => report.skipped += 1,
                }
                writer.checkpoint(false)?;
            }
            // Between batches the lock is free (an incremental import): a sale goes first.
            writer.checkpoint(true)?;
            progress(ImportProgress { bytes_read: read.load(Ordering::Relaxed), bytes_total });
        }
        if reader.join().is_err() {
            return Err(RegisterError::Input(format!("reading {} failed unexpectedly", path.display())));
        }
        let in_bundles: HashSet<String> =
            bundles.iter().flat_map(|(p, _)| p.variants.iter().map(|v| v.sku.clone())).collect();
        for (mut product, lines) in bundles {
            let mut kept = Vec::new();
            for (variant, line) in product.variants.into_iter().zip(lines) {
                let mut missing = None;
                for c in &variant.components {
                    if !in_bundles.contains(&c.sku) && !writer.has_sku(&c.sku)? {
                        missing = Some(c.sku.clone());
                        break;
                    }
                }
                match missing {
                    None => kept.push((variant, line)),
                    Some(sku) => report.rejected.push(RowError {
                        line,
                        field: Some("components".into()),
                        reason: format!("bundle {} contains SKU {sku}, which is not in the catalog", variant.sku),
                    }),
                }
            }
            if let Some(&(_, first)) = kept.first() {
                product.variants = kept.into_iter().map(|(v, _)| v).collect();
                put_product(&mut writer, &product, first, &mut report)?;
                writer.checkpoint(false)?;
            }
        }
        writer.checkpoint(true)?;
        report.chunks = writer.chunks().max(1);
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

/// Writes one product and counts it.
fn put_product(
    writer: &mut CatalogWriter<'_>,
    product: &Product,
    line: u64,
    report: &mut ImportReport,
) -> Result<(), RegisterError> {
    let notes = writer.put_product(product)?;
    report.products += 1;
    report.variants += product.variants.len() as u64;
    report.warnings.extend(notes.into_iter().map(|message| RowWarning { line, message }));
    Ok(())
}
