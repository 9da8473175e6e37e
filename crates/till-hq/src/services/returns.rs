//! Returns of online orders in store (BORIS) as HQ serves them: the refunds owed to online
//! tenders, listed and marked done. Finding an order for a return is `lookup`.

use super::Hq;
use crate::books::events;
use crate::books::returns::{self, Refund};
use crate::db::with_tx;
use crate::error::{HqError, internal};

impl Hq {
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
