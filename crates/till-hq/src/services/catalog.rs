//! Catalog publishing: HQ keeps numbered versions of the chain's catalog files (the same
//! formats a register imports), each with the time it takes effect. A version holds the
//! rows it sets — a whole catalog (a snapshot) or only what changed (a delta); a product
//! is retired by publishing it archived. Registers download the versions in force they
//! have not imported and upsert them in order; a register offline keeps selling on the
//! version it has, and each sale says which (`catalog` in its record), so HQ can raise a
//! price that changed meanwhile, or an item sold after it was retired.
//!
//! Versioned snapshots and deltas, not an Automerge document: a catalog has one writer
//! (HQ), and as Automerge operations it weighs several times the compressed file and takes
//! seconds to build and load per hundred thousand SKUs (measured by `till-sync-bench
//! --catalog-skus`, docs/benchmarks.md); registers import files with the bulk importer
//! they already have.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use till_import::{Entry, Format, ImportOptions, Record};

use super::Hq;
use crate::books::catalog::nanos;
use crate::db::rows::CatalogRow;
use crate::db::{Val, values, with_tx};
use crate::error::HqError;

/// What publishing a catalog did.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// The version it became.
    pub version: u64,
    /// Products in it.
    pub products: u64,
    /// Variants (SKUs) in it.
    pub variants: u64,
    /// When its prices take effect.
    pub effective_from: String,
}

/// Items staged per statement.
const BATCH: usize = 500;

impl Hq {
    /// Publishes `bytes` (a file named `file_name`: `.csv` Shopify export or `.jsonl`) as
    /// the next catalog version, in force from `effective_from`. Every row must read
    /// cleanly with `options` (the chain's tax classes and currency); otherwise nothing is
    /// published and the error lists the rows, by line.
    pub fn publish_catalog(
        &self,
        file_name: &str,
        bytes: &[u8],
        effective_from: jiff::Timestamp,
        options: ImportOptions,
        now: jiff::Timestamp,
    ) -> Result<Published, HqError> {
        let format = Format::from_path(Path::new(file_name)).map_err(|e| HqError::BadRequest(e.to_string()))?;
        let entries = till_import::reader(format, bytes, options)
            .map_err(|e| HqError::BadRequest(format!("{file_name}: {e}")))?;
        let mut items: Vec<(String, String, bool)> = Vec::new();
        let mut barcodes: Vec<(String, String)> = Vec::new();
        let mut seen = HashSet::new();
        let mut products = 0u64;
        let mut rejected = Vec::new();
        for entry in entries {
            match entry.map_err(|e| HqError::BadRequest(format!("{file_name}: {e}")))? {
                Entry::Record { record: Record::Product { product, .. }, .. } => {
                    products += 1;
                    for v in product.variants {
                        if seen.insert(v.sku.clone()) {
                            barcodes.extend(v.barcodes.iter().map(|b| (b.clone(), v.sku.clone())));
                            items.push((v.sku, v.price.amount().to_string(), product.active));
                        }
                    }
                }
                Entry::Rejected(e) => rejected.push(format!("{file_name}: {e}")),
                Entry::Record { .. } | Entry::Warning(_) | Entry::Skipped { .. } => {}
            }
        }
        if !rejected.is_empty() {
            let shown: Vec<&str> = rejected.iter().take(20).map(String::as_str).collect();
            return Err(HqError::BadRequest(format!(
                "{} row(s) cannot be read; nothing was published:\n{}{}",
                rejected.len(),
                shown.join("\n"),
                if rejected.len() > shown.len() { "\n…" } else { "" }
            )));
        }
        let sha = hex::encode(Sha256::digest(bytes));
        let variants = items.len() as u64;
        with_tx(self.db(), |tx| {
            tx.lock("catalog")?;
            let version = match tx.one("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM catalogs", &[])? {
                Some(r) => r.of("catalogs").int("next")?,
                None => 1,
            };
            tx.exec(
                "INSERT INTO catalogs (version, file_name, bytes, sha256, effective_from, effective_ns, published_at, \
                 products, variants) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    version.into(),
                    file_name.into(),
                    bytes.to_vec().into(),
                    sha.as_str().into(),
                    effective_from.to_string().into(),
                    nanos(effective_from)?.into(),
                    now.to_string().into(),
                    (products as i64).into(),
                    (variants as i64).into(),
                ],
            )?;
            for chunk in items.chunks(BATCH) {
                let mut params: Vec<Val> = Vec::with_capacity(chunk.len() * 4);
                for (sku, price, active) in chunk {
                    params.extend([version.into(), sku.into(), price.into(), i64::from(*active).into()]);
                }
                tx.exec(
                    &format!(
                        "INSERT INTO catalog_items (version, sku, price, active) VALUES {}",
                        values(chunk.len(), 4)
                    ),
                    &params,
                )?;
            }
            let mut codes = HashSet::new();
            let barcodes: Vec<&(String, String)> = barcodes.iter().filter(|(b, _)| codes.insert(b.as_str())).collect();
            for chunk in barcodes.chunks(BATCH) {
                let mut params: Vec<Val> = Vec::with_capacity(chunk.len() * 3);
                for (barcode, sku) in chunk {
                    params.extend([version.into(), barcode.into(), sku.into()]);
                }
                tx.exec(
                    &format!("INSERT INTO catalog_barcodes (version, barcode, sku) VALUES {}", values(chunk.len(), 3)),
                    &params,
                )?;
            }
            Ok(Published { version: version as u64, products, variants, effective_from: effective_from.to_string() })
        })
    }

    /// Every published version, newest first.
    pub fn catalogs(&self) -> Result<Vec<CatalogRow>, HqError> {
        with_tx(self.db(), |tx| {
            let rows = tx.query(&format!("SELECT {} FROM catalogs ORDER BY version DESC", CatalogRow::COLUMNS), &[])?;
            Ok(rows.iter().map(CatalogRow::from_row).collect::<Result<_, _>>()?)
        })
    }

    /// The file of version `version`.
    pub fn catalog_file(&self, version: u64) -> Result<Vec<u8>, HqError> {
        with_tx(self.db(), |tx| {
            let found = tx.one("SELECT bytes FROM catalogs WHERE version = $1", &[(version as i64).into()])?;
            let r = found.ok_or_else(|| HqError::NotFound(format!("no catalog version {version}")))?;
            Ok(r.of("catalogs").bytes("bytes")?)
        })
    }
}
