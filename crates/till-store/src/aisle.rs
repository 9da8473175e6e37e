//! Endless aisle at the register: orders placed here for goods that leave from another
//! store or the DC, queued until HQ takes them (`order_outbox`, written in the transaction
//! of the sale that paid for them), and the chain's stock as HQ last reported it
//! (`chain_stock`), so a kiosk can show it — with its age — while offline.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use rust_decimal::Decimal;

use crate::{Result, Store, StoreError};

/// Setting: when HQ's chain stock snapshot was taken (RFC 3339).
const CHAIN_STOCK_AT: &str = "aisle.chain_stock_at";
/// Setting: HQ's epoch of the chain stock watermark.
const CHAIN_STOCK_EPOCH: &str = "aisle.chain_stock_epoch";
/// Setting: the last change number of HQ's chain stock applied here.
const CHAIN_STOCK_SINCE: &str = "aisle.chain_stock_since";
/// Setting: when a refresh last finished (unix seconds).
const CHAIN_STOCK_REFRESHED: &str = "aisle.chain_stock_refreshed";
/// Setting: the generation of the rows (HQ's epoch and when the fetch from 0 that started
/// it began): each fetch from 0 starts a new one.
const CHAIN_STOCK_GENERATION: &str = "aisle.chain_stock_generation";
/// Setting: the generation of a fetch from 0 in progress (rows of other generations go at
/// its end).
const CHAIN_STOCK_SWEEP: &str = "aisle.chain_stock_sweep";

/// Where a register stands in HQ's chain stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStockWatermark {
    /// HQ's epoch ("" never fetched).
    pub epoch: String,
    /// The last change number applied.
    pub since: u64,
    /// When a refresh last finished (unix seconds).
    pub refreshed_at: Option<i64>,
    /// A fetch from 0 is under way (the rows it does not bring go at its end).
    pub sweeping: bool,
}

/// One page of HQ's chain stock changes, as the register applies it.
#[derive(Debug, Clone)]
pub struct ChainStockPage<'a> {
    /// The rows changed (a row at 0: none left there).
    pub rows: &'a [StockAt],
    /// HQ's epoch.
    pub epoch: &'a str,
    /// The watermark after this page.
    pub next: u64,
    /// When HQ answered (RFC 3339).
    pub at: &'a str,
    /// The page is the first of a fetch from 0: the rows start a new generation, and
    /// the rows of older ones go once the fetch is in ([`Store::sweep_chain_stock`]).
    pub fresh: bool,
}

/// One location's stock of a SKU in HQ's chain snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAt {
    /// Location id (a store code or a DC).
    pub location: String,
    /// SKU.
    pub sku: String,
    /// Units an order may take there.
    pub available: Decimal,
    /// Whether customers can collect orders there.
    pub pickup: bool,
}

/// Where a SKU is available in the chain, and when HQ took that snapshot (`None`: never
/// fetched).
pub type ChainStock = (Vec<StockAt>, Option<String>);

/// An endless-aisle order in the outbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxOrder {
    /// Its id at its channel.
    pub id: String,
    /// The receipt sequence number of the sale that paid for it.
    pub sale_seq: Option<i64>,
    /// The order API body (JSON text).
    pub body: String,
    /// When it was placed.
    pub created_at: String,
    /// `waiting`, `sent`, or `failed` (HQ refused it for good: `last_error` says why).
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed (for a `failed` order: HQ's reason).
    pub last_error: Option<String>,
    /// When HQ took it.
    pub sent_at: Option<String>,
    /// HQ's status for it when taken (routed, partially_routed, …).
    pub hq_status: Option<String>,
}

impl Store {
    /// The outbox, oldest first (`waiting`: only orders HQ has not taken, through the
    /// state index).
    pub fn outbox_orders(&self, waiting: bool) -> Result<Vec<OutboxOrder>> {
        let filter =
            if waiting { "WHERE state = 'waiting' ORDER BY created_at, id" } else { "ORDER BY created_at, id" };
        self.select_orders(filter, params![])
    }

    /// Outbox order `id`.
    pub fn outbox_order(&self, id: &str) -> Result<Option<OutboxOrder>> {
        Ok(self.select_orders("WHERE id = ?1", params![id])?.pop())
    }

    fn select_orders(&self, filter: &str, args: impl rusqlite::Params) -> Result<Vec<OutboxOrder>> {
        let sql = format!(
            "SELECT id, sale_seq, body, created_at, state, attempts, last_error, sent_at, hq_status FROM order_outbox \
             {filter}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok(OutboxOrder {
                id: r.get(0)?,
                sale_seq: r.get(1)?,
                body: r.get(2)?,
                created_at: r.get(3)?,
                state: r.get(4)?,
                attempts: r.get(5)?,
                last_error: r.get(6)?,
                sent_at: r.get(7)?,
                hq_status: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records that HQ took order `id` (answering `status`) at `at` (`now`: the same, in
    /// unix seconds).
    pub fn order_sent(&self, id: &str, status: &str, at: &str, now: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE order_outbox SET state = 'sent', sent_at = ?2, hq_status = ?3, attempts = attempts + 1, \
                 last_error = NULL, done_at = ?4 WHERE id = ?1",
            )?
            .execute(params![id, at, status, now])?;
        Ok(())
    }

    /// Records a failed delivery of order `id`: it stays waiting.
    pub fn order_not_sent(&self, id: &str, error: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE order_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1")?
            .execute(params![id, error])?;
        Ok(())
    }

    /// Records that HQ refused order `id` for good at `now` (unix seconds), for `reason`:
    /// it is `failed` and no longer sent.
    pub fn order_failed(&self, id: &str, reason: &str, now: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE order_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2, done_at = ?3 \
                 WHERE id = ?1 AND state = 'waiting'",
            )?
            .execute(params![id, reason, now])?;
        Ok(())
    }

    /// Queues failed order `id` again as `body` (the same order, or one with a corrected
    /// delivery): it waits for the next sync round. False if it is not a failed order.
    pub fn order_requeue(&self, id: &str, body: &str) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE order_outbox SET state = 'waiting', body = ?2, last_error = NULL, done_at = NULL \
                 WHERE id = ?1 AND state = 'failed'",
            )?
            .execute(params![id, body])?;
        Ok(changed == 1)
    }

    /// Where this register stands in HQ's chain stock: the epoch and the last change
    /// number applied (`("", 0)`: never fetched), and when it last finished a refresh
    /// (unix seconds; `None`: never).
    pub fn chain_stock_watermark(&self) -> Result<ChainStockWatermark> {
        let epoch = self.setting(CHAIN_STOCK_EPOCH)?.unwrap_or_default();
        let number = |key: &str| -> Result<Option<i64>> {
            match self.setting(key)? {
                None => Ok(None),
                Some(text) => text
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt(format!("setting {key}: '{text}' ({e})"))),
            }
        };
        let since = number(CHAIN_STOCK_SINCE)?.unwrap_or(0).max(0) as u64;
        let refreshed_at = number(CHAIN_STOCK_REFRESHED)?;
        let sweeping = self.setting(CHAIN_STOCK_SWEEP)?.is_some();
        Ok(ChainStockWatermark { epoch, since, refreshed_at, sweeping })
    }

    /// Applies one page of HQ's chain stock changes in its own short write transaction:
    /// each row upserted (a row at 0 deleted), then the watermark moved to `epoch`/`next`
    /// and the snapshot time to `at`. A sale waits behind at most one page.
    pub fn apply_chain_stock_page(&mut self, page: &ChainStockPage<'_>) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let generation = if page.fresh {
            format!("{}@{}", page.epoch, page.at)
        } else {
            tx.query_row("SELECT value FROM settings WHERE key = ?1", [CHAIN_STOCK_GENERATION], |r| r.get(0))
                .optional()?
                .unwrap_or_default()
        };
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO chain_stock (location, sku, available, pickup, epoch) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (sku, location) DO UPDATE SET available = excluded.available, \
                 pickup = excluded.pickup, epoch = excluded.epoch",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM chain_stock WHERE sku = ?1 AND location = ?2")?;
            for r in page.rows {
                if r.available.is_zero() {
                    delete.execute(params![r.sku, r.location])?;
                } else {
                    upsert.execute(params![r.location, r.sku, r.available.to_string(), r.pickup, generation])?;
                }
            }
            let mut set = tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            set.execute([CHAIN_STOCK_EPOCH, page.epoch])?;
            set.execute([CHAIN_STOCK_SINCE, &page.next.to_string()])?;
            set.execute([CHAIN_STOCK_AT, page.at])?;
            if page.fresh {
                set.execute([CHAIN_STOCK_GENERATION, &generation])?;
                set.execute([CHAIN_STOCK_SWEEP, &generation])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// After the last page of a refresh at `now` (unix seconds): if it was a fetch from 0,
    /// deletes the rows of older generations — what the fetch did not bring — at most
    /// `chunk` rows per write transaction; then records the refresh as finished. Returns
    /// how many rows went.
    pub fn sweep_chain_stock(&mut self, now: i64, chunk: usize) -> Result<u64> {
        let mut gone = 0;
        if let Some(generation) = self.setting(CHAIN_STOCK_SWEEP)? {
            let chunk = chunk.max(1);
            loop {
                // Found outside any write transaction (WAL: a read waits for no one), then
                // deleted in a short one.
                let stale: Vec<(String, String)> = self
                    .conn
                    .prepare_cached("SELECT sku, location FROM chain_stock WHERE epoch <> ?1 LIMIT ?2")?
                    .query_map(params![generation, chunk as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                if !stale.is_empty() {
                    let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    {
                        let mut delete = tx.prepare_cached(
                            "DELETE FROM chain_stock WHERE sku = ?1 AND location = ?2 AND epoch <> ?3",
                        )?;
                        for (sku, location) in &stale {
                            gone += delete.execute(params![sku, location, generation])? as u64;
                        }
                    }
                    tx.commit()?;
                }
                if stale.len() < chunk {
                    break;
                }
                // A sale waiting for the lock (it polls every millisecond) goes first.
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            self.conn.execute("DELETE FROM settings WHERE key = ?1", [CHAIN_STOCK_SWEEP])?;
        }
        self.set_setting(CHAIN_STOCK_REFRESHED, &now.to_string())?;
        Ok(gone)
    }

    /// Where `sku` is available in the chain (location, units), per the last snapshot, and
    /// when that snapshot was taken (`None`: never).
    pub fn chain_stock(&self, sku: &str) -> Result<ChainStock> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT location, available, pickup FROM chain_stock WHERE sku = ?1 ORDER BY location")?;
        let rows = stmt
            .query_map([sku], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?)))?
            .map(|r| {
                let (location, text, pickup) = r?;
                let available = Decimal::from_str_exact(&text)
                    .map_err(|e| StoreError::Corrupt(format!("chain_stock {sku}@{location}: '{text}' ({e})")))?;
                Ok(StockAt { location, sku: sku.to_string(), available, pickup })
            })
            .collect::<Result<Vec<_>>>()?;
        let at = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [CHAIN_STOCK_AT], |r| r.get(0))
            .optional()?;
        Ok((rows, at))
    }
}
