//! Reading the catalog: barcode and SKU lookups, search, promotions. Writing it is
//! `catalog_import.rs`.

use rusqlite::{OptionalExtension, params};
use till_domain::{Component, PriceListEntry, Promotion, Unit};

use crate::{Result, Store, StoreError};
use crate::{codec, rules};

/// A variant as stored, with what a lookup needs to make a sellable item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVariant {
    /// The SKU.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// The product's category.
    pub category: Option<String>,
    /// The product's vendor.
    pub vendor: Option<String>,
    /// Base price per unit.
    pub price: till_domain::Money,
    /// Unit cost.
    pub cost: Option<till_domain::Money>,
    /// Piece or weight.
    pub unit: Unit,
    /// Tax class name.
    pub tax_class: String,
    /// False when the product is draft or archived.
    pub active: bool,
    /// The product is sold as final.
    pub final_sale: bool,
    /// The product's own return window.
    pub return_days: Option<u32>,
    /// Components of a bundle.
    pub components: Vec<Component>,
    /// Price-list entries for this SKU.
    pub prices: Vec<PriceListEntry>,
}

/// One search result.
pub type SearchHit = StoredVariant;

const VARIANT_COLUMNS: &str = "v.id, v.sku, v.name, p.category, p.vendor, v.price, v.cost, v.unit, v.tax_class, p.active, v.is_bundle, p.final_sale, p.return_days";

impl Store {
    /// The variant a barcode scans to.
    pub fn variant_by_barcode(&self, code: &str) -> Result<Option<StoredVariant>> {
        let sql = format!(
            "SELECT {VARIANT_COLUMNS} FROM barcodes b JOIN variants v ON v.id = b.variant_id \
             JOIN products p ON p.id = v.product_id WHERE b.code = ?1"
        );
        self.variant_where(&sql, code)
    }

    /// The variant with a SKU.
    pub fn variant_by_sku(&self, sku: &str) -> Result<Option<StoredVariant>> {
        let sql =
            format!("SELECT {VARIANT_COLUMNS} FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = ?1");
        self.variant_where(&sql, sku)
    }

    fn variant_where(&self, sql: &str, key: &str) -> Result<Option<StoredVariant>> {
        // One read snapshot for the variant and its prices (and one lock round-trip).
        let snapshot = self.conn.unchecked_transaction()?;
        let row = self.conn.prepare_cached(sql)?.query_row([key], read_variant_row).optional()?;
        let variant = row.map(|row| self.complete(row)).transpose()?;
        snapshot.commit()?;
        Ok(variant)
    }

    /// Fills in a variant's price-list entries and components.
    fn complete(&self, row: VariantRow) -> Result<StoredVariant> {
        let place = |col: &str| format!("variants.{col} of SKU {}", row.sku);
        let mut prices = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT list, channel, region, price, effective_from, effective_to FROM price_list_entries WHERE sku = ?1",
        )?;
        let mut rows = stmt.query([&row.sku])?;
        while let Some(r) = rows.next()? {
            let list: String = r.get(0)?;
            let at = |col: &str| format!("price_list_entries.{col} of list {list}, SKU {}", row.sku);
            prices.push(PriceListEntry {
                channel: r.get(1)?,
                region: r.get(2)?,
                sku: row.sku.clone(),
                price: codec::money(&r.get::<_, String>(3)?, || at("price"))?,
                effective_from: codec::timestamp(&r.get::<_, String>(4)?, || at("effective_from"))?,
                effective_to: r
                    .get::<_, Option<String>>(5)?
                    .map(|t| codec::timestamp(&t, || at("effective_to")))
                    .transpose()?,
                list,
            });
        }
        let mut components = Vec::new();
        if row.is_bundle {
            let mut stmt = self.conn.prepare_cached(
                "SELECT component_sku, quantity FROM components WHERE bundle_id = ?1 ORDER BY component_sku",
            )?;
            let mut rows = stmt.query([row.id])?;
            while let Some(r) = rows.next()? {
                let sku: String = r.get(0)?;
                let quantity =
                    codec::decimal(&r.get::<_, String>(1)?, || format!("components.quantity of bundle {}", row.sku))?;
                components.push(Component { sku, quantity });
            }
        }
        Ok(StoredVariant {
            price: codec::money(&row.price, || place("price"))?,
            cost: codec::opt_money(row.cost, || place("cost"))?,
            unit: codec::unit(&row.unit, || place("unit"))?,
            sku: row.sku,
            name: row.name,
            category: row.category,
            vendor: row.vendor,
            tax_class: row.tax_class,
            active: row.active,
            final_sale: row.final_sale,
            return_days: row.return_days,
            components,
            prices,
        })
    }

    /// Catalog search. A single word is first tried as the start of a SKU (as typed and in
    /// upper case); then every word must match the start of a word of the name, vendor or
    /// category, best matches first (BM25). At most `limit` hits, no SKU twice.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let mut rows: Vec<VariantRow> = Vec::new();
        let word = text.trim();
        if !word.is_empty() && !word.contains(char::is_whitespace) {
            let sql = format!(
                "SELECT {VARIANT_COLUMNS} FROM variants v JOIN products p ON p.id = v.product_id \
                 WHERE v.sku >= ?1 AND v.sku < ?1 || char(1114111) ORDER BY v.sku LIMIT ?2"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let upper = word.to_uppercase();
            for prefix in if upper == word { vec![word] } else { vec![word, upper.as_str()] } {
                for row in stmt.query_map(params![prefix, limit as i64], read_variant_row)? {
                    let row = row?;
                    if rows.len() < limit && !rows.iter().any(|r| r.id == row.id) {
                        rows.push(row);
                    }
                }
            }
        }
        if rows.len() < limit
            && let Some(query) = fts_query(text)
        {
            let sql = format!(
                "SELECT {VARIANT_COLUMNS} FROM catalog_fts f JOIN variants v ON v.id = f.rowid \
                 JOIN products p ON p.id = v.product_id WHERE catalog_fts MATCH ?1 ORDER BY f.rank LIMIT ?2"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            for row in stmt.query_map(params![query, limit as i64], read_variant_row)? {
                let row = row?;
                if rows.len() < limit && !rows.iter().any(|r| r.id == row.id) {
                    rows.push(row);
                }
            }
        }
        rows.into_iter().map(|r| self.complete(r)).collect()
    }

    /// Every promotion on file.
    pub fn promotions(&self) -> Result<Vec<Promotion>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, rule, coupon, starts, ends, priority FROM promotions ORDER BY priority, id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let place = |col: &str| format!("promotions.{col} of promotion {id}");
            let rule_text: String = r.get(2)?;
            let rule = rules::decode(&rule_text).map_err(|e| StoreError::Corrupt(format!("{}: {e}", place("rule"))))?;
            out.push(Promotion {
                name: r.get(1)?,
                rule,
                coupon: r.get(3)?,
                starts: r.get::<_, Option<String>>(4)?.map(|t| codec::timestamp(&t, || place("starts"))).transpose()?,
                ends: r.get::<_, Option<String>>(5)?.map(|t| codec::timestamp(&t, || place("ends"))).transpose()?,
                priority: r.get(6)?,
                id,
            });
        }
        Ok(out)
    }
}

struct VariantRow {
    id: i64,
    sku: String,
    name: String,
    category: Option<String>,
    vendor: Option<String>,
    price: String,
    cost: Option<String>,
    unit: String,
    tax_class: String,
    active: bool,
    is_bundle: bool,
    final_sale: bool,
    return_days: Option<u32>,
}

fn read_variant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VariantRow> {
    Ok(VariantRow {
        id: r.get(0)?,
        sku: r.get(1)?,
        name: r.get(2)?,
        category: r.get(3)?,
        vendor: r.get(4)?,
        price: r.get(5)?,
        cost: r.get(6)?,
        unit: r.get(7)?,
        tax_class: r.get(8)?,
        active: r.get(9)?,
        is_bundle: r.get(10)?,
        final_sale: r.get(11)?,
        return_days: r.get(12)?,
    })
}

/// Turns what a cashier typed into an FTS5 query: each word a quoted prefix term, all
/// required. `None` when nothing searchable remains. Public so the benchmark's bare FTS5
/// baseline asks exactly the question the store does.
pub fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() { None } else { Some(terms.join(" ")) }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_required_prefix_terms() {
        assert_eq!(fts_query("rustic lin").as_deref(), Some("\"rustic\"* \"lin\"*"));
        assert_eq!(fts_query("yo-yo").as_deref(), Some("\"yo\"* \"yo\"*"));
        assert_eq!(fts_query("  - "), None);
    }
}
