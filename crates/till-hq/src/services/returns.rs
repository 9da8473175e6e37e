//! Returns of online orders in store (BORIS) as HQ serves them: finding any online order
//! by number, email or id, with what was fulfilled and returned of each line; and the
//! refunds owed to online tenders, listed and marked done.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Hq;
use crate::books::events;
use crate::books::orders::{OrderView, find_order, newest_of_customer, view};
use crate::books::returns::{self, Refund};
use crate::db::with_tx;
use crate::error::{HqError, internal};

/// An online order as a register sees it for a return: each line with what left the
/// chain and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnableOrder {
    /// The order.
    pub order: OrderView,
    /// Per line number: units returned so far.
    pub returned: BTreeMap<i64, String>,
}

impl Hq {
    /// An online order by id, number, email (the newest of that customer's) or the
    /// payload of its pickup token, with what was returned of each line.
    pub fn find_for_return(&self, query: &str) -> Result<ReturnableOrder, HqError> {
        let query = query.trim();
        let id = with_tx(self.db(), |tx| {
            if let Ok(id) = find_order(tx, query) {
                return Ok(id);
            }
            let bare = query.trim_start_matches('#');
            if let Ok(id) = find_order(tx, &format!("#{bare}")) {
                return Ok(id);
            }
            newest_of_customer(tx, query)?
                .ok_or_else(|| HqError::NotFound(format!("no online order '{query}' (number, id or email)")))
        })?;
        let order = with_tx(self.db(), |tx| view(tx, &id))?;
        let returned = with_tx(self.db(), |tx| returns::returned(tx, &id))?;
        Ok(ReturnableOrder {
            order,
            returned: returned.into_iter().map(|(n, q)| (n, q.normalize().to_string())).collect(),
        })
    }

    /// Refunds owed to online tenders (`pending` only, unless `all`).
    pub fn refunds(&self, all: bool) -> Result<Vec<Refund>, HqError> {
        with_tx(self.db(), |tx| returns::refunds(tx, all))
    }

    /// Records that the refund of return `sale_id` was executed (`reference`: the
    /// webstore's refund id).
    pub fn refund_done(&self, sale_id: &str, reference: &str, now: jiff::Timestamp) -> Result<Refund, HqError> {
        if reference.trim().is_empty() {
            return Err(HqError::BadRequest("--reference: the webstore's refund id".into()));
        }
        with_tx(self.db(), |tx| {
            let r = returns::refund_of(tx, sale_id)?
                .ok_or_else(|| HqError::NotFound(format!("no online refund for sale {sale_id} (till-hq refunds)")))?;
            if r.state == "done" {
                return Err(HqError::Conflict(format!("the refund of sale {sale_id} is already done")));
            }
            if r.state == returns::HELD {
                return Err(HqError::Conflict(format!(
                    "the refund of sale {sale_id} is held: the return takes back more than was fulfilled \
                     (till-hq conflicts); resolve that conflict first"
                )));
            }
            tx.exec(
                "UPDATE order_refunds SET state = 'done', reference = $2, done_at = $3 WHERE sale_id = $1",
                &[sale_id.into(), reference.into(), now.to_string().into()],
            )?;
            events::record(
                tx,
                &r.order_id,
                now,
                "refunded",
                &format!("refund of sale {sale_id} executed: {reference}"),
            )?;
            let done = returns::refund_of(tx, sale_id)?;
            done.map(Refund::from).ok_or_else(|| internal(format!("refund of sale {sale_id} vanished")))
        })
    }
}
