//! Returns of online orders in HQ's books (BORIS): the lines returned at stores, booked
//! from the registers' journals, and the refunds owed to the online tender for HQ (or the
//! webstore) to execute.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::conflicts::{ConflictKind, raise};
use super::{add_to, events, fulfilments, orders};
use crate::db::Tx;
use crate::db::rows::{OrderReturnRow, RefundRow};
use crate::error::{HqError, internal};

/// A refund's state: owed, to be executed.
pub(crate) const PENDING: &str = "pending";
/// A refund's state: held by an `online_return_exceeds_fulfilled` conflict.
pub(crate) const HELD: &str = "held";

/// Releases the refund of return sale `sale_id` held by its conflict, once a person
/// resolved it: it becomes owed.
pub(crate) fn release(tx: &mut dyn Tx, sale_id: &str) -> Result<(), HqError> {
    tx.exec(
        "UPDATE order_refunds SET state = $2 WHERE sale_id = $1 AND state = $3",
        &[sale_id.into(), PENDING.into(), HELD.into()],
    )?;
    Ok(())
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
    /// `pending`, `held` (by a conflict) or `done`.
    pub state: String,
    /// The webstore's refund reference once done.
    pub reference: String,
    /// When the return was booked.
    pub at: String,
}

impl From<RefundRow> for Refund {
    fn from(r: RefundRow) -> Self {
        Refund {
            sale_id: r.sale_id,
            order_id: r.order_id,
            store: r.store,
            register: r.register,
            amount: r.amount.to_string(),
            state: r.state,
            reference: r.reference,
            at: r.at,
        }
    }
}

/// Refunds owed to online tenders (`pending` only, unless `all`), by when and sale.
pub(crate) fn refunds(tx: &mut dyn Tx, all: bool) -> Result<Vec<Refund>, HqError> {
    let rows = tx.query(
        &format!(
            "SELECT {} FROM order_refunds WHERE $1 = 'all' OR state = 'pending' ORDER BY at, sale_id",
            RefundRow::COLUMNS
        ),
        &[(if all { "all" } else { "pending" }).into()],
    )?;
    rows.iter().map(|r| Ok(Refund::from(RefundRow::from_row(r)?))).collect()
}

/// The refund owed for return sale `sale_id`, if there is one.
pub(crate) fn refund_of(tx: &mut dyn Tx, sale_id: &str) -> Result<Option<RefundRow>, HqError> {
    let found =
        tx.one(&format!("SELECT {} FROM order_refunds WHERE sale_id = $1", RefundRow::COLUMNS), &[sale_id.into()])?;
    Ok(found.as_ref().map(RefundRow::from_row).transpose()?)
}

/// Units of each line of order `id` returned in stores.
pub(crate) fn returned(tx: &mut dyn Tx, id: &str) -> Result<BTreeMap<i64, Decimal>, HqError> {
    let mut out = BTreeMap::new();
    let rows =
        tx.query(&format!("SELECT {} FROM order_returns WHERE order_id = $1", OrderReturnRow::COLUMNS), &[id.into()])?;
    for r in &rows {
        let back = OrderReturnRow::from_row(r)?;
        add_to(&mut out, back.n, back.quantity, "units returned")?;
    }
    Ok(out)
}

/// Units per order line.
type PerLine = BTreeMap<i64, Decimal>;

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
pub(crate) fn book(
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
    let mut excess = Vec::new();
    // Per order: units fulfilled and returned so far (at any register, in any store), read
    // once and kept up to date as this sale's lines are booked.
    let mut counts: BTreeMap<&str, (PerLine, PerLine)> = BTreeMap::new();
    for l in lines {
        if tx.one("SELECT 1 FROM orders WHERE id = $1", &[l.order.into()])?.is_none() {
            continue;
        }
        let (fulfilled, back) = match counts.entry(l.order) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert((fulfilments::fulfilled(tx, l.order)?, returned(tx, l.order)?))
            }
        };
        let n = i64::from(l.n);
        let fulfilled = fulfilled.get(&n).copied().unwrap_or_default();
        let before = back.get(&n).map(|q| q.abs()).unwrap_or_default();
        // A register's quantity that overflows is an excess below, never a failed round.
        let sum = back.entry(n).or_default();
        *sum = sum.saturating_add(l.quantity);
        if before.checked_add(l.quantity.abs()).is_none_or(|total| total > fulfilled) {
            excess.push(format!(
                "order {} line {}: {} back now, {before} returned before, {fulfilled} fulfilled",
                l.order,
                l.n,
                l.quantity.abs()
            ));
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
        events::record(
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
        // Never more back to the online tender than it paid, counting every refund owed or
        // done for the order (from any store, any register).
        let (paid, refunded) = (paid_online(tx, order)?, refunded_online(tx, order)?);
        if refunded.checked_add(online_refund).is_none_or(|total| total > paid) {
            excess.push(format!(
                "order {order}: {online_refund} to the online tender, {refunded} refunded before, {paid} paid online"
            ));
        }
    }
    if !excess.is_empty() {
        raise(
            tx,
            ConflictKind::OnlineReturnExceedsFulfilled,
            sale_id,
            store,
            register,
            &format!(
                "return sale {sale_id} takes back more than was fulfilled or paid online: {}; its online refund of {online_refund} is held",
                excess.join("; ")
            ),
            now,
        )?;
    }
    if let Some(order) = orders.first()
        && online_refund > Decimal::ZERO
    {
        // A return past what was fulfilled or paid is held until a person resolves its conflict.
        let state = if excess.is_empty() { PENDING } else { HELD };
        tx.exec(
            "INSERT INTO order_refunds (sale_id, order_id, store, register, amount, state, reference, at) \
             VALUES ($1, $2, $3, $4, $5, $6, '', $7) ON CONFLICT (sale_id) DO NOTHING",
            &[
                sale_id.into(),
                (*order).into(),
                store.into(),
                register.into(),
                online_refund.to_string().into(),
                state.into(),
                at.into(),
            ],
        )?;
        events::record(
            tx,
            order,
            now,
            "refund_due",
            &format!("{online_refund} to the online tender (sale {sale_id})"),
        )?;
    }
    Ok(())
}

/// What order `id`'s customer paid online: its lines at their prices when it was paid on
/// the webstore, nothing when it is paid at the counter (which the store refunds itself).
/// Shipping is not held per order, so it is never refunded to the online tender from a store.
fn paid_online(tx: &mut dyn Tx, id: &str) -> Result<Decimal, HqError> {
    if orders::held(tx, id)?.paid_at == "counter" {
        return Ok(Decimal::ZERO);
    }
    let mut total = Decimal::ZERO;
    for l in orders::lines(tx, id)? {
        let line = l
            .price
            .checked_mul(l.quantity)
            .ok_or_else(|| internal(format!("order {id} line {}: amount overflows", l.n)))?;
        total = total.checked_add(line).ok_or_else(|| internal(format!("order {id}: total overflows")))?;
    }
    Ok(total)
}

/// What HQ owes or paid back to order `id`'s online tender so far, whatever the state.
fn refunded_online(tx: &mut dyn Tx, id: &str) -> Result<Decimal, HqError> {
    let rows =
        tx.query(&format!("SELECT {} FROM order_refunds WHERE order_id = $1", RefundRow::COLUMNS), &[id.into()])?;
    let mut total = Decimal::ZERO;
    for r in &rows {
        let amount = RefundRow::from_row(r)?.amount;
        total = total.checked_add(amount).ok_or_else(|| internal(format!("order {id}: refunds overflow")))?;
    }
    Ok(total)
}
