//! Writing a catalog import.
//!
//! Into an empty catalog the import is a bulk load in one transaction: unique and
//! secondary indexes are dropped and built once at the end, barcodes are inserted in key
//! order at the end, the full-text index is filled with one `INSERT … SELECT`, and
//! foreign-key checks are off (every key written comes from this transaction). Nothing
//! sells from an empty catalog, so no sale waits behind it.
//!
//! Into a catalog with rows — a register that sells while HQ's new catalog arrives — each
//! product replaces its stored version through the indexes, in chunks of [`CHUNK_ROWS`]
//! rows, each its own transaction ([`CatalogWriter::checkpoint`]), with a short pause
//! between chunks: a sale's commit waits for one chunk at most, never for the whole file.
//! A database error stops the import where it is: the chunks before it are in (each row
//! replaces its stored version whole, so a row is never half written), and importing the
//! file again — which a register does for HQ's catalog until its version is recorded,
//! after the last chunk — finishes it.

use rusqlite::{Connection, OptionalExtension, params};
use till_domain::{PriceListEntry, Product, Promotion, Variant};

use crate::{Result, Store, rules};

/// How an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// The catalog was empty: a bulk load.
    Bulk,
    /// The catalog has rows: each product replaces its stored version.
    Incremental,
}

/// Page cache for an import (KiB, as SQLite's negative `cache_size`): random-order
/// inserts into the key indexes otherwise spill dirty pages to the WAL and read them back.
const IMPORT_CACHE: i64 = -65_536;

/// Rows (products, prices, promotions) an incremental import writes per transaction.
pub const CHUNK_ROWS: usize = 128;

/// Pause after each chunk's commit, so a sale waiting for the write lock (polling every
/// millisecond, see `Store::configure`) takes it before the next chunk does.
const BREATHER: std::time::Duration = std::time::Duration::from_millis(2);

/// Indexes a bulk load drops and rebuilds.
const BULK_INDEXES: &str = "
    CREATE UNIQUE INDEX products_handle ON products (handle);
    CREATE UNIQUE INDEX variants_sku ON variants (sku);
    CREATE INDEX barcodes_variant ON barcodes (variant_id);";

/// One catalog import in progress; dropped without [`CatalogWriter::commit`], it rolls back.
pub struct CatalogWriter<'s> {
    conn: &'s Connection,
    mode: ImportMode,
    /// Bulk mode: barcodes to insert in key order once all rows are in.
    barcodes: Vec<(String, i64)>,
    /// Bulk mode: the indexes have been built (rows written after this go through them).
    indexed: bool,
    /// Rows written since the last commit.
    pending: usize,
    /// Chunks committed before the last.
    chunks: u64,
    finished: bool,
}

impl Store {
    /// Whether the catalog has any item (an import into it then commits in chunks).
    pub fn catalog_has_rows(&self) -> Result<bool> {
        Ok(self.conn.query_row("SELECT EXISTS (SELECT 1 FROM variants)", [], |r| r.get(0))?)
    }

    /// Starts a catalog import; holds the write lock until commit or drop (an incremental
    /// import: until each chunk's commit, see [`CatalogWriter::checkpoint`]).
    pub fn catalog_writer(&mut self) -> Result<CatalogWriter<'_>> {
        let conn = &self.conn;
        let empty =
            || -> Result<bool> { Ok(conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM variants)", [], |r| r.get(0))?) };
        // Pragmas cannot change inside a transaction; CatalogWriter's drop restores them.
        let bulk = empty()?;
        if bulk {
            conn.pragma_update(None, "foreign_keys", false)?;
        }
        conn.pragma_update(None, "cache_size", IMPORT_CACHE)?;
        let mut writer = CatalogWriter {
            conn,
            mode: ImportMode::Incremental,
            barcodes: Vec::new(),
            indexed: false,
            pending: 0,
            chunks: 0,
            finished: true,
        };
        conn.execute_batch("BEGIN IMMEDIATE")?;
        writer.finished = false;
        if bulk && !empty()? {
            // Another process imported while we waited for the lock: start over as an
            // update, with foreign-key checks back on.
            conn.execute_batch("ROLLBACK")?;
            conn.pragma_update(None, "foreign_keys", true)?;
            conn.execute_batch("BEGIN IMMEDIATE")?;
        } else if bulk {
            writer.mode = ImportMode::Bulk;
            conn.execute_batch("DROP INDEX products_handle; DROP INDEX variants_sku; DROP INDEX barcodes_variant;")?;
        }
        Ok(writer)
    }
}

impl Drop for CatalogWriter<'_> {
    fn drop(&mut self) {
        if !self.finished
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::error!("rolling back a catalog import failed: {e}");
        }
        let restore = self
            .conn
            .pragma_update(None, "foreign_keys", true)
            .and_then(|()| self.conn.pragma_update(None, "cache_size", crate::CACHE_SIZE));
        if let Err(e) = restore {
            tracing::error!("restoring connection settings after a catalog import failed: {e}");
        }
    }
}

impl CatalogWriter<'_> {
    /// How this import writes.
    pub fn mode(&self) -> ImportMode {
        self.mode
    }

    /// Inserts or replaces a product and its variants. Returns notes worth showing (a
    /// barcode that moved from another SKU).
    pub fn put_product(&mut self, product: &Product) -> Result<Vec<String>> {
        self.resume()?;
        self.pending += 1;
        let c = self.conn;
        const INSERT: &str = "INSERT INTO products (handle, title, category, vendor, active, final_sale, return_days) \
                              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        let p = product;
        let values = params![p.handle, p.title, p.category, p.vendor, p.active, p.final_sale, p.return_days];
        let product_id: i64 = match self.mode {
            ImportMode::Bulk => {
                c.prepare_cached(INSERT)?.execute(values)?;
                c.last_insert_rowid()
            }
            ImportMode::Incremental => c
                .prepare_cached(&format!(
                    "{INSERT} ON CONFLICT (handle) DO UPDATE SET title = excluded.title, category = excluded.category, \
                     vendor = excluded.vendor, active = excluded.active, final_sale = excluded.final_sale, \
                     return_days = excluded.return_days RETURNING id"
                ))?
                .query_row(values, |r| r.get(0))?,
        };
        let mut notes = Vec::new();
        for v in &product.variants {
            let name = v.display_name(&product.title);
            let variant_id = self.write_variant(product_id, &name, v)?;
            match self.mode {
                ImportMode::Bulk if !self.indexed => {
                    self.barcodes.extend(v.barcodes.iter().map(|b| (b.clone(), variant_id)))
                }
                ImportMode::Bulk => {
                    for code in &v.barcodes {
                        c.prepare_cached("INSERT INTO barcodes (code, variant_id) VALUES (?1, ?2)")?
                            .execute(params![code, variant_id])?;
                    }
                }
                ImportMode::Incremental => {
                    notes.extend(self.replace_barcodes(variant_id, v)?);
                    c.prepare_cached("DELETE FROM catalog_fts WHERE rowid = ?1")?.execute([variant_id])?;
                    c.prepare_cached(
                        "INSERT INTO catalog_fts (rowid, name, vendor, category) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![variant_id, name, product.vendor, product.category])?;
                }
            }
            for comp in &v.components {
                c.prepare_cached("INSERT INTO components (bundle_id, component_sku, quantity) VALUES (?1, ?2, ?3)")?
                    .execute(params![variant_id, comp.sku, comp.quantity.to_string()])?;
            }
        }
        Ok(notes)
    }

    /// Writes a variant row (insert, or in incremental mode insert-or-update by SKU,
    /// clearing its components) and returns its id.
    fn write_variant(&self, product_id: i64, name: &str, v: &Variant) -> Result<i64> {
        let options: Vec<(&str, &str)> = v.options.iter().map(|o| (o.name.as_str(), o.value.as_str())).collect();
        let options = serde_json::to_string(&options).map_err(|e| crate::StoreError::Conflict(e.to_string()))?;
        let values = params![
            v.sku,
            product_id,
            name,
            options,
            v.price.to_string(),
            v.cost.map(|c| c.to_string()),
            v.unit.as_str(),
            v.tax_class,
            !v.components.is_empty()
        ];
        const INSERT: &str = "INSERT INTO variants (sku, product_id, name, options, price, cost, unit, tax_class, is_bundle) \
                              VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
        Ok(match self.mode {
            ImportMode::Bulk => {
                self.conn.prepare_cached(INSERT)?.execute(values)?;
                self.conn.last_insert_rowid()
            }
            ImportMode::Incremental => {
                let id: i64 = self
                    .conn
                    .prepare_cached(&format!(
                        "{INSERT} ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, name = excluded.name, \
                         options = excluded.options, price = excluded.price, cost = excluded.cost, unit = excluded.unit, \
                         tax_class = excluded.tax_class, is_bundle = excluded.is_bundle RETURNING id"
                    ))?
                    .query_row(values, |r| r.get(0))?;
                self.conn.prepare_cached("DELETE FROM components WHERE bundle_id = ?1")?.execute([id])?;
                id
            }
        })
    }

    /// Incremental mode: gives a variant exactly its new barcodes, taking a barcode from
    /// another SKU if need be (with a note).
    fn replace_barcodes(&self, variant_id: i64, v: &Variant) -> Result<Vec<String>> {
        let c = self.conn;
        let mut notes = Vec::new();
        c.prepare_cached("DELETE FROM barcodes WHERE variant_id = ?1")?.execute([variant_id])?;
        for code in &v.barcodes {
            let owner: Option<String> = c
                .prepare_cached(
                    "SELECT v.sku FROM barcodes b JOIN variants v ON v.id = b.variant_id WHERE b.code = ?1",
                )?
                .query_row([code], |r| r.get(0))
                .optional()?;
            if let Some(owner) = owner {
                notes.push(format!("barcode {code} moved from SKU {owner} to {}", v.sku));
                c.prepare_cached("DELETE FROM barcodes WHERE code = ?1")?.execute([code])?;
            }
            c.prepare_cached("INSERT INTO barcodes (code, variant_id) VALUES (?1, ?2)")?
                .execute(params![code, variant_id])?;
        }
        Ok(notes)
    }

    /// Inserts or replaces a price-list entry (keyed by list, SKU and start).
    pub fn put_price(&mut self, e: &PriceListEntry) -> Result<()> {
        self.resume()?;
        self.pending += 1;
        self.conn
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
        self.resume()?;
        self.pending += 1;
        self.conn
            .prepare_cached(
                "INSERT INTO promotions (id, name, rule, coupon, starts, ends, priority) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, rule = excluded.rule, coupon = excluded.coupon, \
                 starts = excluded.starts, ends = excluded.ends, priority = excluded.priority",
            )?
            .execute(params![
                p.id,
                p.name,
                rules::encode(&p.rule).to_string(),
                p.coupon,
                p.starts.map(|t| t.to_string()),
                p.ends.map(|t| t.to_string()),
                p.priority
            ])?;
        Ok(())
    }

    /// Bulk mode: writes the buffered barcodes in key order and builds the indexes, once;
    /// after this, lookups inside the import are indexed again.
    fn build_indexes(&mut self) -> Result<()> {
        if self.mode != ImportMode::Bulk || self.indexed {
            return Ok(());
        }
        self.barcodes.sort_unstable();
        {
            let mut insert = self.conn.prepare_cached("INSERT INTO barcodes (code, variant_id) VALUES (?1, ?2)")?;
            for (code, id) in &self.barcodes {
                insert.execute(params![code, id])?;
            }
        }
        self.barcodes = Vec::new();
        self.conn.execute_batch(BULK_INDEXES)?;
        self.indexed = true;
        Ok(())
    }

    /// An incremental import with [`CHUNK_ROWS`] rows written since its last commit (or,
    /// with `now`, any) commits them; the next write pauses briefly and opens the next
    /// chunk's transaction, so until then the write lock is free: a sale waits for one
    /// chunk at most. A bulk load goes on (one transaction). True when it committed.
    pub fn checkpoint(&mut self, now: bool) -> Result<bool> {
        if self.mode != ImportMode::Incremental || self.finished || self.pending == 0 {
            return Ok(false);
        }
        if self.pending < CHUNK_ROWS && !now {
            return Ok(false);
        }
        self.conn.execute_batch("COMMIT")?;
        self.finished = true;
        self.pending = 0;
        self.chunks += 1;
        Ok(true)
    }

    /// Opens the next chunk's transaction after a checkpoint (after a short pause, so a
    /// sale waiting for the lock takes it first).
    fn resume(&mut self) -> Result<()> {
        if self.finished {
            std::thread::sleep(BREATHER);
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.finished = false;
        }
        Ok(())
    }

    /// Chunks committed so far by [`CatalogWriter::checkpoint`].
    pub fn chunks(&self) -> u64 {
        self.chunks
    }

    /// True when `sku` is in the catalog (stored before, or written by this import).
    pub fn has_sku(&mut self, sku: &str) -> Result<bool> {
        self.resume()?;
        self.build_indexes()?;
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM variants WHERE sku = ?1)")?
            .query_row([sku], |r| r.get(0))?)
    }

    /// Commits the import's last chunk (a bulk load: the whole import, after building
    /// indexes and the search index).
    pub fn commit(mut self) -> Result<()> {
        if self.finished {
            return Ok(()); // the last chunk is in already
        }
        let c = self.conn;
        if self.mode == ImportMode::Bulk {
            self.build_indexes()?;
            // No 'optimize' afterwards: it costs a third of the index build and searches are
            // within target without it; FTS5's automerge keeps the segment count bounded.
            c.execute(
                "INSERT INTO catalog_fts (rowid, name, vendor, category) \
                 SELECT v.id, v.name, p.vendor, p.category FROM variants v JOIN products p ON p.id = v.product_id",
                [],
            )?;
        }
        c.execute_batch("COMMIT")?;
        self.finished = true;
        Ok(())
    }
}
