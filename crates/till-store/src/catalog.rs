//! Catalog tables: writing an import in one transaction, barcode and SKU lookups, FTS5
//! search, price-list entries and promotions.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::{Value, json};
use till_domain::{Component, Discount, PriceListEntry, Product, Promotion, PromotionRule, Target, Unit};

use crate::codec;
use crate::{Result, Store, StoreError};

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
    /// Components of a bundle.
    pub components: Vec<Component>,
    /// Price-list entries for this SKU.
    pub prices: Vec<PriceListEntry>,
}

/// One search result.
pub type SearchHit = StoredVariant;

/// How an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// The catalog was empty: secondary indexes are dropped during the load and rebuilt
    /// once at the end, and no existing rows need replacing.
    Bulk,
    /// The catalog has rows: each product replaces its stored version.
    Incremental,
}

/// Writes one catalog import inside one transaction: everything commits together with
/// [`CatalogWriter::commit`], or nothing does.
pub struct CatalogWriter<'s> {
    tx: Transaction<'s>,
    mode: ImportMode,
}

const VARIANT_COLUMNS: &str =
    "v.id, v.sku, v.name, p.category, p.vendor, v.price, v.cost, v.unit, v.tax_class, p.active, v.is_bundle";

impl Store {
    /// Starts a catalog import (takes the write lock until commit or drop).
    pub fn catalog_writer(&mut self) -> Result<CatalogWriter<'_>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM variants)", [], |r| r.get(0))?;
        let mode = if empty { ImportMode::Bulk } else { ImportMode::Incremental };
        if mode == ImportMode::Bulk {
            tx.execute_batch("DROP INDEX IF EXISTS barcodes_variant; DROP INDEX IF EXISTS variants_product;")?;
        }
        Ok(CatalogWriter { tx, mode })
    }

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
        let row = self.conn.prepare_cached(sql)?.query_row([key], read_variant_row).optional()?;
        match row {
            Some(row) => Ok(Some(self.complete(row)?)),
            None => Ok(None),
        }
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
            components,
            prices,
        })
    }

    /// Full-text search: every word of `text` must match the start of a word in the name,
    /// SKU, barcodes, vendor or category. Best matches first (BM25).
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let Some(query) = fts_query(text) else { return Ok(Vec::new()) };
        let sql = format!(
            "SELECT {VARIANT_COLUMNS} FROM catalog_fts f JOIN variants v ON v.id = f.rowid \
             JOIN products p ON p.id = v.product_id WHERE catalog_fts MATCH ?1 ORDER BY f.rank LIMIT ?2"
        );
        let rows: Vec<VariantRow> = {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let mapped = stmt.query_map(params![query, limit as i64], read_variant_row)?;
            mapped.collect::<rusqlite::Result<_>>()?
        };
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
            let rule = decode_rule(&rule_text).map_err(|e| StoreError::Corrupt(format!("{}: {e}", place("rule"))))?;
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

    /// Number of variants in the catalog.
    pub fn variant_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM variants", [], |r| r.get::<_, i64>(0))? as u64)
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
    })
}

/// Turns what a cashier typed into an FTS5 query: each word a quoted prefix term, all
/// required. `None` when nothing searchable remains.
fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() { None } else { Some(terms.join(" ")) }
}

impl CatalogWriter<'_> {
    /// How this import writes.
    pub fn mode(&self) -> ImportMode {
        self.mode
    }

    /// Inserts or replaces a product and its variants. On error nothing of this product is
    /// written. Returns notes worth showing (e.g. a barcode that moved between SKUs).
    pub fn put_product(&mut self, product: &Product) -> Result<Vec<String>> {
        self.tx.execute_batch("SAVEPOINT product")?;
        match self.write_product(product) {
            Ok(notes) => {
                self.tx.execute_batch("RELEASE product")?;
                Ok(notes)
            }
            Err(e) => {
                self.tx.execute_batch("ROLLBACK TO product; RELEASE product")?;
                Err(e)
            }
        }
    }

    fn write_product(&mut self, product: &Product) -> Result<Vec<String>> {
        let tx = &self.tx;
        let product_id: i64 = tx
            .prepare_cached(
                "INSERT INTO products (handle, title, category, vendor, active) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (handle) DO UPDATE SET title = excluded.title, category = excluded.category, \
                 vendor = excluded.vendor, active = excluded.active RETURNING id",
            )?
            .query_row(
                params![product.handle, product.title, product.category, product.vendor, product.active],
                |r| r.get(0),
            )?;
        let mut notes = Vec::new();
        for v in &product.variants {
            let options: Vec<Value> = v.options.iter().map(|o| json!([o.name, o.value])).collect();
            let name = v.display_name(&product.title);
            let variant_id: i64 = tx
                .prepare_cached(
                    "INSERT INTO variants (sku, product_id, name, options, price, cost, unit, tax_class, is_bundle) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (sku) DO UPDATE SET \
                     product_id = excluded.product_id, name = excluded.name, options = excluded.options, \
                     price = excluded.price, cost = excluded.cost, unit = excluded.unit, \
                     tax_class = excluded.tax_class, is_bundle = excluded.is_bundle RETURNING id",
                )?
                .query_row(
                    params![
                        v.sku,
                        product_id,
                        name,
                        Value::Array(options).to_string(),
                        v.price.to_string(),
                        v.cost.map(|c| c.to_string()),
                        v.unit.as_str(),
                        v.tax_class,
                        !v.components.is_empty()
                    ],
                    |r| r.get(0),
                )?;
            if self.mode == ImportMode::Incremental {
                tx.prepare_cached("DELETE FROM barcodes WHERE variant_id = ?1")?.execute([variant_id])?;
                tx.prepare_cached("DELETE FROM components WHERE bundle_id = ?1")?.execute([variant_id])?;
                tx.prepare_cached("DELETE FROM catalog_fts WHERE rowid = ?1")?.execute([variant_id])?;
                for code in &v.barcodes {
                    let owner: Option<String> = tx
                        .prepare_cached(
                            "SELECT v.sku FROM barcodes b JOIN variants v ON v.id = b.variant_id WHERE b.code = ?1",
                        )?
                        .query_row([code], |r| r.get(0))
                        .optional()?;
                    if let Some(owner) = owner {
                        notes.push(format!("barcode {code} moved from SKU {owner} to {}", v.sku));
                        tx.prepare_cached("DELETE FROM barcodes WHERE code = ?1")?.execute([code])?;
                    }
                }
            }
            for code in &v.barcodes {
                tx.prepare_cached("INSERT INTO barcodes (code, variant_id) VALUES (?1, ?2)")?
                    .execute(params![code, variant_id])?;
            }
            for c in &v.components {
                tx.prepare_cached("INSERT INTO components (bundle_id, component_sku, quantity) VALUES (?1, ?2, ?3)")?
                    .execute(params![variant_id, c.sku, c.quantity.to_string()])?;
            }
            tx.prepare_cached("INSERT INTO catalog_fts (rowid, name, sku, barcodes, vendor, category) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
                .execute(params![variant_id, name, v.sku, v.barcodes.join(" "), product.vendor, product.category])?;
        }
        Ok(notes)
    }

    /// Inserts or replaces a price-list entry (keyed by list, SKU and start).
    pub fn put_price(&mut self, e: &PriceListEntry) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO price_list_entries (list, sku, channel, region, price, effective_from, effective_to) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (list, sku, effective_from) DO UPDATE SET \
                 channel = excluded.channel, region = excluded.region, price = excluded.price, effective_to = excluded.effective_to",
            )?
            .execute(params![
                e.list,
                e.sku,
                e.channel,
                e.region,
                e.price.to_string(),
                e.effective_from.to_string(),
                e.effective_to.map(|t| t.to_string())
            ])?;
        Ok(())
    }

    /// Inserts or replaces a promotion.
    pub fn put_promotion(&mut self, p: &Promotion) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO promotions (id, name, rule, coupon, starts, ends, priority) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, rule = excluded.rule, coupon = excluded.coupon, \
                 starts = excluded.starts, ends = excluded.ends, priority = excluded.priority",
            )?
            .execute(params![
                p.id,
                p.name,
                encode_rule(&p.rule).to_string(),
                p.coupon,
                p.starts.map(|t| t.to_string()),
                p.ends.map(|t| t.to_string()),
                p.priority
            ])?;
        Ok(())
    }

    /// Bundles whose components are not in the catalog: (bundle SKU, missing SKU).
    pub fn bundles_missing_components(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.tx.prepare(
            "SELECT v.sku, c.component_sku FROM components c JOIN variants v ON v.id = c.bundle_id \
             WHERE NOT EXISTS (SELECT 1 FROM variants x WHERE x.sku = c.component_sku) ORDER BY v.sku, c.component_sku",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes a variant written by this import (a bundle found invalid at the end).
    pub fn remove_variant(&mut self, sku: &str) -> Result<()> {
        let id: Option<i64> =
            self.tx.query_row("SELECT id FROM variants WHERE sku = ?1", [sku], |r| r.get(0)).optional()?;
        if let Some(id) = id {
            self.tx.execute("DELETE FROM barcodes WHERE variant_id = ?1", [id])?;
            self.tx.execute("DELETE FROM components WHERE bundle_id = ?1", [id])?;
            self.tx.execute("DELETE FROM catalog_fts WHERE rowid = ?1", [id])?;
            self.tx.execute("DELETE FROM variants WHERE id = ?1", [id])?;
        }
        Ok(())
    }

    /// Commits the whole import.
    pub fn commit(self) -> Result<()> {
        if self.mode == ImportMode::Bulk {
            self.tx.execute_batch(
                "CREATE INDEX IF NOT EXISTS barcodes_variant ON barcodes (variant_id);
                 CREATE INDEX IF NOT EXISTS variants_product ON variants (product_id);
                 INSERT INTO catalog_fts (catalog_fts) VALUES ('optimize');",
            )?;
        }
        self.tx.commit()?;
        Ok(())
    }
}

fn encode_target(t: &Target) -> Value {
    match t {
        Target::All => json!("all"),
        Target::Skus(s) => json!({ "skus": s }),
        Target::Categories(c) => json!({ "categories": c }),
    }
}

fn encode_rule(rule: &PromotionRule) -> Value {
    match rule {
        PromotionRule::PercentOff { target, percent } => {
            json!({ "kind": "percent_off", "target": encode_target(target), "percent": percent.to_string() })
        }
        PromotionRule::AmountOff { target, amount } => {
            json!({ "kind": "amount_off", "target": encode_target(target), "amount": amount.to_string() })
        }
        PromotionRule::BuyXGetY { buy, buy_quantity, get, get_quantity, percent } => json!({
            "kind": "buy_x_get_y", "buy": encode_target(buy), "buy_quantity": buy_quantity,
            "get": encode_target(get), "get_quantity": get_quantity, "percent": percent.to_string()
        }),
        PromotionRule::MixAndMatch { target, quantity, price } => json!({
            "kind": "mix_and_match", "target": encode_target(target), "quantity": quantity, "price": price.to_string()
        }),
        PromotionRule::SpendThreshold { threshold, reward } => match reward {
            Discount::Percent(p) => {
                json!({ "kind": "spend_threshold", "threshold": threshold.to_string(), "percent": p.to_string() })
            }
            Discount::Amount(a) => {
                json!({ "kind": "spend_threshold", "threshold": threshold.to_string(), "amount": a.to_string() })
            }
        },
    }
}

fn decode_rule(text: &str) -> std::result::Result<PromotionRule, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let str_of = |key: &str| v.get(key).and_then(Value::as_str).ok_or_else(|| format!("missing {key}"));
    let dec = |key: &str| -> std::result::Result<rust_decimal::Decimal, String> {
        let s = str_of(key)?;
        rust_decimal::Decimal::from_str_exact(s).map_err(|e| format!("{key}: {e}"))
    };
    let money = |key: &str| dec(key).map(till_domain::Money::new);
    let count = |key: &str| {
        v.get(key).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()).ok_or_else(|| format!("missing {key}"))
    };
    let target = |key: &str| -> std::result::Result<Target, String> {
        let t = v.get(key).ok_or_else(|| format!("missing {key}"))?;
        let list = |k: &str| -> Option<Vec<String>> {
            t.get(k)?.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        };
        if t.as_str() == Some("all") {
            Ok(Target::All)
        } else if let Some(s) = list("skus") {
            Ok(Target::Skus(s))
        } else if let Some(c) = list("categories") {
            Ok(Target::Categories(c))
        } else {
            Err(format!("bad target {t}"))
        }
    };
    Ok(match str_of("kind")? {
        "percent_off" => PromotionRule::PercentOff { target: target("target")?, percent: dec("percent")? },
        "amount_off" => PromotionRule::AmountOff { target: target("target")?, amount: money("amount")? },
        "buy_x_get_y" => PromotionRule::BuyXGetY {
            buy: target("buy")?,
            buy_quantity: count("buy_quantity")?,
            get: target("get")?,
            get_quantity: count("get_quantity")?,
            percent: dec("percent")?,
        },
        "mix_and_match" => PromotionRule::MixAndMatch {
            target: target("target")?,
            quantity: count("quantity")?,
            price: money("price")?,
        },
        "spend_threshold" => {
            let reward = if v.get("percent").is_some() {
                Discount::Percent(dec("percent")?)
            } else {
                Discount::Amount(money("amount")?)
            };
            PromotionRule::SpendThreshold { threshold: money("threshold")?, reward }
        }
        other => return Err(format!("unknown rule kind {other}")),
    })
}
