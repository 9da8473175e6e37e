//! Orders as HQ lists them: all of them (or of one status), or one by id or number.

use super::Hq;
use crate::books::orders::{OrderView, find_order, ids_and_statuses, view};
use crate::db::with_tx;
use crate::domain::status::OrderStatus;
use crate::error::HqError;

impl Hq {
    /// Every order (with one status, if given), newest first.
    pub fn orders(&self, status: Option<&str>) -> Result<Vec<OrderView>, HqError> {
        let status = match status {
            Some(s) => Some(s.parse::<OrderStatus>().map_err(|_| {
                HqError::BadRequest(format!("--status '{s}': expected one of {}", OrderStatus::names()))
            })?),
            None => None,
        };
        with_tx(self.db(), |tx| {
            let ids: Vec<String> = ids_and_statuses(tx)?
                .into_iter()
                .filter(|(_, held)| status.is_none_or(|s| s == *held))
                .map(|(id, _)| id)
                .collect();
            ids.iter().map(|id| view(tx, id)).collect()
        })
    }

    /// One order, by id (`CHANNEL:ID`) or by its number when that is unique.
    pub fn order(&self, order: &str) -> Result<OrderView, HqError> {
        with_tx(self.db(), |tx| {
            let id = find_order(tx, order)?;
            view(tx, &id)
        })
    }
}
