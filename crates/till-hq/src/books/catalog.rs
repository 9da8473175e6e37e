//! The chain's published catalog versions as HQ's books read them: which version is in
//! force when, a SKU's base price and state as of a version, and which catalog SKU a
//! webstore's line names.

use till_protocol::CatalogInfo;

use crate::db::Tx;
use crate::db::rows::{CatalogItemRow, CatalogRow};
use crate::error::HqError;

/// A time as Unix nanoseconds: exact, so a sale a moment before a version took effect is
/// never taken for one after it.
pub(crate) fn nanos(at: jiff::Timestamp) -> Result<i64, HqError> {
    i64::try_from(at.as_nanosecond()).map_err(|_| HqError::BadRequest(format!("time {at} is out of range")))
}

/// The newest version in force at `at` (effective no later than it), if any.
pub(crate) fn in_force(tx: &mut dyn Tx, at: jiff::Timestamp) -> Result<Option<CatalogInfo>, HqError> {
    let found = tx.one(
        &format!("SELECT {} FROM catalogs WHERE effective_ns <= $1 ORDER BY version DESC LIMIT 1", CatalogRow::COLUMNS),
        &[nanos(at)?.into()],
    )?;
    Ok(found.as_ref().map(CatalogRow::from_row).transpose()?.map(|c| c.info()))
}

/// Whether this HQ published catalog version `version` (in force yet or not).
pub(crate) fn published(tx: &mut dyn Tx, version: u64) -> Result<bool, HqError> {
    let Ok(version) = i64::try_from(version) else { return Ok(false) };
    Ok(tx.one("SELECT version FROM catalogs WHERE version = $1", &[version.into()])?.is_some())
}

/// The versions in force at `at` after version `after`, oldest first.
pub(crate) fn in_force_after(tx: &mut dyn Tx, at: jiff::Timestamp, after: u64) -> Result<Vec<CatalogInfo>, HqError> {
    let rows = tx.query(
        &format!(
            "SELECT {} FROM catalogs WHERE effective_ns <= $1 AND version > $2 ORDER BY version",
            CatalogRow::COLUMNS
        ),
        &[nanos(at)?.into(), (after as i64).into()],
    )?;
    rows.iter().map(|r| Ok(CatalogRow::from_row(r)?.info())).collect()
}

/// A SKU's base price and whether it is for sale as of catalog `version`: its row in the
/// latest version up to `version` that has it (a version holds only the rows it sets).
pub(crate) fn item(tx: &mut dyn Tx, version: u64, sku: &str) -> Result<Option<CatalogItemRow>, HqError> {
    let found = tx.one(
        &format!(
            "SELECT {} FROM catalog_items WHERE sku = $1 AND version <= $2 ORDER BY version DESC LIMIT 1",
            CatalogItemRow::COLUMNS
        ),
        &[sku.into(), (version as i64).into()],
    )?;
    Ok(found.as_ref().map(CatalogItemRow::from_row).transpose()?)
}

/// The catalog SKU a webstore's line names, by SKU first, then by barcode, in the newest
/// published version that has it: `(sku, matched_by, active)`, or `None` when unknown.
pub(crate) fn match_line(
    tx: &mut dyn Tx,
    sku: &str,
    barcode: &str,
) -> Result<Option<(String, &'static str, bool)>, HqError> {
    let latest = |tx: &mut dyn Tx, sku: &str| -> Result<Option<bool>, HqError> {
        match tx.one("SELECT active FROM catalog_items WHERE sku = $1 ORDER BY version DESC LIMIT 1", &[sku.into()])? {
            Some(r) => Ok(Some(r.of("catalog_items").flag("active")?)),
            None => Ok(None),
        }
    };
    if !sku.is_empty()
        && let Some(active) = latest(tx, sku)?
    {
        return Ok(Some((sku.to_string(), "sku", active)));
    }
    // A webstore's SKU field often holds the GTIN; then the barcode field, if any.
    for code in [barcode, sku].into_iter().filter(|c| !c.is_empty()) {
        let found = tx
            .one("SELECT sku FROM catalog_barcodes WHERE barcode = $1 ORDER BY version DESC LIMIT 1", &[code.into()])?;
        if let Some(r) = found {
            let sku = r.of("catalog_barcodes").text("sku")?;
            let active = latest(tx, &sku)?.unwrap_or(false);
            return Ok(Some((sku, "barcode", active)));
        }
    }
    Ok(None)
}
