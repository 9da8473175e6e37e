//! Retention: what HQ keeps only for a while. Webhook deliveries and order-API requests
//! (their ids guard against repeats; the stale check refuses deliveries older than three
//! days), resolved conflicts, and the history of orders that are done (fulfilled or
//! cancelled), and the log of registers' order lookups. Never a sale, a journal record, a register, an order or its lines, a
//! refund, stock, or anything a report reads.

use serde::Serialize;

use super::Hq;
use crate::db::with_tx;
use crate::error::HqError;

/// The shortest retention HQ accepts: a webhook delivery's id must outlive Shopify's
/// retries (48 hours) and HQ's stale check (72 hours) with room to spare.
pub const MIN_DAYS: u32 = 7;

/// What one pruning removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pruned {
    /// Rows older than this went (RFC 3339).
    pub before: String,
    /// Webhook deliveries.
    pub webhook_deliveries: u64,
    /// Order-API requests.
    pub api_requests: u64,
    /// Resolved conflicts.
    pub resolved_conflicts: u64,
    /// History entries of orders that are done.
    pub order_events: u64,
    /// Logged order lookups of registers.
    pub order_lookups: u64,
}

impl Hq {
    /// Removes what is past `days` of retention at `now` (see the module); at least
    /// [`MIN_DAYS`].
    pub fn prune(&self, days: u32, now: jiff::Timestamp) -> Result<Pruned, HqError> {
        if days < MIN_DAYS {
            return Err(HqError::BadRequest(format!(
                "--days {days}: HQ keeps at least {MIN_DAYS} days (webhook ids must outlive the webstore's retries)"
            )));
        }
        let before = now
            .checked_sub(jiff::SignedDuration::from_hours(i64::from(days) * 24))
            .map_err(|e| HqError::BadRequest(format!("--days {days}: {e}")))?
            .to_string();
        with_tx(self.db(), |tx| {
            let cut = || -> crate::db::Val { before.as_str().into() };
            Ok(Pruned {
                before: before.clone(),
                webhook_deliveries: tx.exec("DELETE FROM webhook_deliveries WHERE received_at < $1", &[cut()])?,
                api_requests: tx.exec("DELETE FROM api_requests WHERE received_at < $1", &[cut()])?,
                resolved_conflicts: tx
                    .exec("DELETE FROM conflicts WHERE resolved_at <> '' AND resolved_at < $1", &[cut()])?,
                order_events: tx.exec(
                    "DELETE FROM order_events WHERE at < $1 \
                     AND order_id IN (SELECT id FROM orders WHERE status IN ('fulfilled', 'cancelled'))",
                    &[cut()],
                )?,
                order_lookups: tx.exec("DELETE FROM order_lookups WHERE at < $1", &[cut()])?,
            })
        })
    }
}
