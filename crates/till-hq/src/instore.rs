//! What registers ask HQ about online orders beyond their own store's pickups:
//! - endless aisle: the chain's stock (what each location can still give online orders)
//!   and orders placed at a register for goods from elsewhere, taken like any webstore
//!   order (channel `aisle-STORE`, idempotent by the register's order id);
//! - BORIS: finding any online order by number, email or id, with what was fulfilled and
//!   returned of each line; returns of online orders booked from the registers' journals,
//!   and refunds owed to the online tender listed for HQ to execute.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::auth::RegisterRow;
use crate::db::{Tx, with_tx};
use crate::orders::{OrderView, event, find_order};
use crate::{Hq, HqError};

/// One location's stock of one SKU for online orders.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStockRow {
    /// Location id.
    pub location: String,
    /// SKU.
    pub sku: String,
    /// What an order may take (on hand − reserved − safety buffer).
    pub available: String,
    /// Whether customers can collect orders there.
    pub pickup: bool,
}

/// An online order as a register sees it for a return: each line with what left the
/// chain and what came back.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnableOrder {
    /// The order.
    pub order: OrderView,
    /// Per line number: units returned so far.
    pub returned: BTreeMap<i64, String>,
}

/// A refund owed to an online tender, for HQ (or the webstore) to execute.
#[derive(Debug, Clone, Serialize)]
pub struct Refund {
    /// The return sale at the store.
    pub sale_id: String,
    /// The order.
    pub order_id: String,
    /// Store and register.
    pub store: String,
    /// Register.
    pub register: String,
    /// Amount to refund (positive).
    pub amount: String,
    /// `pending` or `done`.
    pub state: String,
    /// The webstore's refund reference once done.
    pub reference: String,
    /// When the return was booked.
    pub at: String,
}

fn internal(e: impl std::fmt::Display) -> HqError {
    HqError::Internal(e.to_string())
}

impl Hq {
    /// The chain's stock for endless aisle: every location's available units of every SKU
    /// it has any of.
    pub fn chain_stock(&self) -> Result<Vec<ChainStockRow>, HqError> {
        let mut out = Vec::new();
        for location in self.locations()? {
            for a in self.availability(&location.id)? {
                let available = Decimal::from_str_exact(&a.available).map_err(internal)?;
                if available > Decimal::ZERO {
                    out.push(ChainStockRow {
                        location: location.id.clone(),
                        sku: a.sku,
                        available: a.available,
                        pickup: location.pickup,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Takes an endless-aisle order from register `who`: the generic order API's body on
    /// channel `aisle-STORE`, keyed by its id (a repeat after a lost answer changes
    /// nothing).
    pub fn aisle_order(
        &self,
        who: &RegisterRow,
        body: &[u8],
        now: jiff::Timestamp,
    ) -> Result<(OrderView, bool), HqError> {
        let parsed: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| HqError::BadRequest(format!("request body: {e}")))?;
        let channel = format!("aisle-{}", who.store);
        if parsed["channel"].as_str() != Some(channel.as_str()) {
            return Err(HqError::Forbidden(format!("a register of {} places orders on channel {channel}", who.store)));
        }
        let id = parsed["id"].as_str().unwrap_or_default();
        self.api_order(&format!("{channel}:{id}"), body, now)
    }

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
            tx.one(
                "SELECT id FROM orders WHERE lower(email) = lower($1) ORDER BY created_at DESC, id LIMIT 1",
                &[query.into()],
            )?
            .map(|r| r.text(0))
            .ok_or_else(|| HqError::NotFound(format!("no online order '{query}' (number, id or email)")))
        })?;
        let order = self.order(&id)?;
        let returned = with_tx(self.db(), |tx| returned(tx, &id))?;
        Ok(ReturnableOrder {
            order,
            returned: returned.into_iter().map(|(n, q)| (n, q.normalize().to_string())).collect(),
        })
    }

    /// Refunds owed to online tenders (`pending` only, unless `all`).
    pub fn refunds(&self, all: bool) -> Result<Vec<Refund>, HqError> {
        with_tx(self.db(), |tx| {
            let rows = tx.query(
                &format!("{REFUND} WHERE $1 = 'all' OR state = 'pending' ORDER BY at, sale_id"),
                &[(if all { "all" } else { "pending" }).into()],
            )?;
            Ok(rows.iter().map(refund).collect())
        })
    }

    /// Records that the refund of return `sale_id` was executed (`reference`: the
    /// webstore's refund id).
    pub fn refund_done(&self, sale_id: &str, reference: &str, now: jiff::Timestamp) -> Result<Refund, HqError> {
        if reference.trim().is_empty() {
            return Err(HqError::BadRequest("--reference: the webstore's refund id".into()));
        }
        with_tx(self.db(), |tx| {
            let r = tx
                .one("SELECT order_id, state FROM order_refunds WHERE sale_id = $1", &[sale_id.into()])?
                .ok_or_else(|| HqError::NotFound(format!("no online refund for sale {sale_id} (till-hq refunds)")))?;
            if r.text(1) == "done" {
                return Err(HqError::Conflict(format!("the refund of sale {sale_id} is already done")));
            }
            tx.exec(
                "UPDATE order_refunds SET state = 'done', reference = $2, done_at = $3 WHERE sale_id = $1",
                &[sale_id.into(), reference.into(), now.to_string().into()],
            )?;
            event(tx, &r.text(0), now, "refunded", &format!("refund of sale {sale_id} executed: {reference}"))?;
            let done = tx.one(&format!("{REFUND} WHERE sale_id = $1"), &[sale_id.into()])?;
            done.as_ref().map(refund).ok_or_else(|| internal(format!("refund of sale {sale_id} vanished")))
        })
    }
}

/// The columns a [`Refund`] is read from.
const REFUND: &str = "SELECT sale_id, order_id, store, register, amount, state, reference, at FROM order_refunds";

fn refund(r: &crate::db::Row) -> Refund {
    Refund {
        sale_id: r.text(0),
        order_id: r.text(1),
        store: r.text(2),
        register: r.text(3),
        amount: r.text(4),
        state: r.text(5),
        reference: r.text(6),
        at: r.text(7),
    }
}

/// Units of each line of order `id` returned in stores.
fn returned(tx: &mut dyn Tx, id: &str) -> Result<BTreeMap<i64, Decimal>, HqError> {
    let mut out = BTreeMap::new();
    for r in tx.query("SELECT n, quantity FROM order_returns WHERE order_id = $1", &[id.into()])? {
        *out.entry(r.int(0)).or_insert(Decimal::ZERO) += Decimal::from_str_exact(&r.text(1)).map_err(internal)?;
    }
    Ok(out)
}

/// A returned line of a booked sale that names an online order.
pub(crate) struct OnlineReturn<'a> {
    /// The order id (`CHANNEL:ID`).
    pub order: &'a str,
    /// Its line number.
    pub n: u32,
    /// Units back.
    pub quantity: Decimal,
    /// What the line refunds (negative).
    pub total: Decimal,
}

/// Books the online-order returns of sale `sale_id` (just booked): per line, and the part
/// of the refund paid to the `online` tender as owed by HQ. Lines that name a sale, not an
/// order HQ holds, are left to the sales books.
#[allow(clippy::too_many_arguments)]
pub(crate) fn book_returns(
    tx: &mut dyn Tx,
    sale_id: &str,
    store: &str,
    register: &str,
    at: &str,
    lines: &[OnlineReturn<'_>],
    online_refund: Decimal,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let mut orders = Vec::new();
    for l in lines {
        if tx.one("SELECT 1 FROM orders WHERE id = $1", &[l.order.into()])?.is_none() {
            continue;
        }
        tx.exec(
            "INSERT INTO order_returns (order_id, n, sale_id, store, register, quantity, refund, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sale_id, n) DO NOTHING",
            &[
                l.order.into(),
                (l.n as i64).into(),
                sale_id.into(),
                store.into(),
                register.into(),
                l.quantity.to_string().into(),
                l.total.to_string().into(),
                at.into(),
            ],
        )?;
        event(
            tx,
            l.order,
            now,
            "returned",
            &format!("line {}: {} returned at {store} (register {register}, sale {sale_id})", l.n, l.quantity),
        )?;
        if !orders.contains(&l.order) {
            orders.push(l.order);
        }
    }
    if let Some(order) = orders.first()
        && online_refund > Decimal::ZERO
    {
        tx.exec(
            "INSERT INTO order_refunds (sale_id, order_id, store, register, amount, state, reference, at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', '', $6) ON CONFLICT (sale_id) DO NOTHING",
            &[
                sale_id.into(),
                (*order).into(),
                store.into(),
                register.into(),
                online_refund.to_string().into(),
                at.into(),
            ],
        )?;
        event(tx, order, now, "refund_due", &format!("{online_refund} to the online tender (sale {sale_id})"))?;
    }
    Ok(())
}
