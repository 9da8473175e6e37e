//! Stock at HQ by hand: goods received (HQ creates the counters registers increment), a
//! store's counters, and the documents HQ holds (for tests and diagnostics).

use rust_decimal::Decimal;
use till_docs::DocId;

use super::Hq;
use crate::books::{docs, stock};
use crate::db::with_tx;
use crate::error::HqError;

impl Hq {
    /// Records goods received at a store location (HQ only): creates the SKU's counter
    /// with `quantity` if it has none, else adds to it. Returns the counter's value.
    pub fn receive_stock(
        &self,
        store: &str,
        location: &str,
        sku: &str,
        quantity: Decimal,
        now: jiff::Timestamp,
    ) -> Result<Decimal, HqError> {
        with_tx(self.db(), |tx| stock::receive(tx, &self.actor, store, location, sku, quantity, now))
    }

    /// Records goods received at a store location for many SKUs at once (one change of the
    /// store's stock document): creates each SKU's counter or adds to it. Returns how many
    /// counters it created.
    pub fn receive_stock_many(
        &self,
        store: &str,
        location: &str,
        lines: &[(String, Decimal)],
        now: jiff::Timestamp,
    ) -> Result<u64, HqError> {
        with_tx(self.db(), |tx| stock::receive_many(tx, &self.actor, store, location, lines, now))
    }

    /// Every counter of a store: location, SKU, quantity.
    pub fn stock(&self, store: &str) -> Result<Vec<(String, String, Decimal)>, HqError> {
        let id = DocId::stock(store).map_err(|e| HqError::BadRequest(e.to_string()))?;
        let doc = with_tx(self.db(), |tx| docs::load(tx, &self.actor, &id))?;
        stock::counters(&doc)
    }

    /// The heads of every document HQ holds (for tests and diagnostics).
    pub fn doc_heads(&self) -> Result<Vec<(String, String)>, HqError> {
        with_tx(self.db(), docs::heads)
    }
}
