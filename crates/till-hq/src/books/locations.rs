//! The locations orders are routed to (`locations`), as routing sees them ([`Site`]), and
//! their names in Shopify.

use crate::db::Tx;
use crate::db::rows::LocationRow;
use crate::domain::routing::Site;
use crate::error::HqError;

/// Every location, by id.
pub(crate) fn all(tx: &mut dyn Tx) -> Result<Vec<LocationRow>, HqError> {
    let rows = tx.query(&format!("SELECT {} FROM locations ORDER BY id", LocationRow::COLUMNS), &[])?;
    Ok(rows.iter().map(LocationRow::from_row).collect::<Result<_, _>>()?)
}

/// Every location, by id, as routing sees it.
pub(crate) fn sites(tx: &mut dyn Tx) -> Result<Vec<Site>, HqError> {
    Ok(all(tx)?.into_iter().map(|l| l.site).collect())
}

/// Location `id`, if there is one.
pub(crate) fn find(tx: &mut dyn Tx, id: &str) -> Result<Option<LocationRow>, HqError> {
    let found = tx.one(&format!("SELECT {} FROM locations WHERE id = $1", LocationRow::COLUMNS), &[id.into()])?;
    Ok(found.as_ref().map(LocationRow::from_row).transpose()?)
}

/// The HQ location whose Shopify pickup name is `name` (case-insensitive).
pub(crate) fn shopify_name(tx: &mut dyn Tx, name: &str) -> Result<Option<String>, HqError> {
    if name.is_empty() {
        return Ok(None);
    }
    Ok(all(tx)?
        .into_iter()
        .find(|l| !l.shopify_location.is_empty() && l.shopify_location.eq_ignore_ascii_case(name.trim()))
        .map(|l| l.site.id))
}

/// The HQ location whose Shopify pickup name is one of `names`, for deciding whether a
/// Shopify shipping line is a local pickup.
pub(crate) fn pickup_location_named(tx: &mut dyn Tx, names: &[&str]) -> Result<Option<String>, HqError> {
    for name in names {
        if let Some(id) = shopify_name(tx, name)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
