//! Housekeeping off the sale path — what `Register::maintain` runs after a sale is handed
//! over, and the app's background task when idle: stock movements folded into the
//! projection, replicated documents compacted, the WAL checkpointed, each only once
//! enough has accumulated. Each step finds its work from what was written since it last
//! ran (the fold's watermark, per-document counters, the WAL's length), never by reading
//! the history, so a pass costs the same on the first day and after years of sales.

use crate::{FOLD_AFTER, Result, Store};

/// What one housekeeping pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Housekeeping {
    /// Stock movements folded into the projection.
    pub folded: i64,
    /// Replicated documents compacted.
    pub compacted: usize,
    /// Whether the write-ahead log was checkpointed.
    pub checkpointed: bool,
}

impl Store {
    /// One housekeeping pass: folds the stock movements once [`FOLD_AFTER`] have
    /// accumulated, compacts the replicated documents that are due
    /// ([`Store::compact_docs_if_due`]) and checkpoints the WAL when it is long
    /// ([`Store::checkpoint_if_due`]). Off the sale path, so no sale's commit pays for it.
    pub fn maintain(&mut self) -> Result<Housekeeping> {
        let folded = if self.unfolded_stock_movements()? >= FOLD_AFTER { self.fold_stock()? } else { 0 };
        let compacted = self.compact_docs_if_due()?;
        let checkpointed = self.checkpoint_if_due()?;
        Ok(Housekeeping { folded, compacted, checkpointed })
    }
}

#[cfg(test)]
#[path = "housekeeping_tests.rs"]
mod tests;
