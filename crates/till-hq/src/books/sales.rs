//! Sales in HQ's books: a journal record's sale, booked once by its id with its taxes and
//! tenders, read from the payload the register journalled; a different sale under a
//! booked id, or a line priced on a catalog superseded while the register was offline, is
//! raised as a conflict. Returns of online orders in it go to the order's books.

use rust_decimal::Decimal;
use serde::Deserialize;
use till_docs::StoredRecord;

use super::conflicts::{ConflictKind, raise};
use super::{catalog, returns, sale_returns};
use crate::db::rows::SaleRow;
use crate::db::{Tx, Val, insert_rows};
use crate::domain::sha256_hex;
use crate::error::HqError;

/// The parts of a sale payload HQ's books need.
#[derive(Deserialize)]
struct SalePayload {
    id: String,
    kind: String,
    receipt: String,
    at: String,
    business_date: String,
    lines: Vec<LinePayload>,
    taxes: Vec<TaxPayload>,
    subtotal: Decimal,
    discount_total: Decimal,
    tax_total: Decimal,
    total: Decimal,
    cash_rounding: Decimal,
    change: Decimal,
    payments: Vec<PaymentPayload>,
    /// The HQ catalog version the register priced it with (absent: its own catalog).
    #[serde(default)]
    catalog: Option<String>,
}

#[derive(Deserialize)]
struct LinePayload {
    line: u32,
    sku: String,
    list_price: Decimal,
    price_source: String,
    total: Decimal,
    #[serde(default)]
    quantity: Option<Decimal>,
    returning: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct TaxPayload {
    label: String,
    rate: Decimal,
    net: Decimal,
    tax: Decimal,
    gross: Decimal,
}

#[derive(Deserialize)]
struct PaymentPayload {
    kind: String,
    detail: Option<serde_json::Value>,
    amount: Decimal,
}

impl PaymentPayload {
    /// The tender's name as the register's reports use it: a custom tender by its name.
    fn tender(&self) -> String {
        match (&*self.kind, &self.detail) {
            ("custom", Some(serde_json::Value::String(name))) => name.clone(),
            _ => self.kind.clone(),
        }
    }
}

/// Books one sale, unless its id is already booked: the same content from the same
/// register is a repeat (nothing to do); different content is a collision. The inner
/// error says why a record cannot be read.
pub(crate) fn book(
    tx: &mut dyn Tx,
    key: &str,
    store: &str,
    register: &str,
    record: &StoredRecord,
    now: jiff::Timestamp,
) -> Result<Result<(), String>, HqError> {
    let p: SalePayload = match serde_json::from_str(&record.payload) {
        Ok(p) => p,
        Err(e) => return Ok(Err(format!("sale record {} cannot be read: {e}", record.seq))),
    };
    let content = sha256_hex(&record.payload);
    let Some(returned) =
        p.lines.iter().filter(|l| l.returning.is_some()).try_fold(Decimal::ZERO, |sum, l| sum.checked_add(l.total))
    else {
        return Ok(Err(format!("sale record {}: its returned total overflows", record.seq)));
    };
    // What went back to online tenders, summed before anything is written: a record whose
    // amounts overflow is held whole, never half booked.
    let refund = p
        .payments
        .iter()
        .filter(|pay| pay.tender() == "online")
        .try_fold(Decimal::ZERO, |sum, pay| sum.checked_sub(pay.amount));
    let Some(refund) = refund else {
        return Ok(Err(format!("sale record {}: its online refund overflows", record.seq)));
    };
    let booked = tx.one(
        "INSERT INTO sales (id, register_key, store, register, seq, receipt, kind, at, business_date, subtotal, \
         discount_total, tax_total, total, cash_rounding, change_given, returned, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (id) DO NOTHING RETURNING id",
        &[
            p.id.as_str().into(),
            key.into(),
            store.into(),
            register.into(),
            (record.seq as i64).into(),
            p.receipt.as_str().into(),
            p.kind.as_str().into(),
            p.at.as_str().into(),
            p.business_date.as_str().into(),
            p.subtotal.to_string().into(),
            p.discount_total.to_string().into(),
            p.tax_total.to_string().into(),
            p.total.to_string().into(),
            p.cash_rounding.to_string().into(),
            p.change.to_string().into(),
            returned.to_string().into(),
            content.as_str().into(),
        ],
    )?;
    if booked.is_none()
        && let Some(held) =
            tx.one(&format!("SELECT {} FROM sales WHERE id = $1", SaleRow::COLUMNS), &[p.id.as_str().into()])?
    {
        let held = SaleRow::from_row(&held)?;
        if held.register_key != key || held.content_hash != content {
            raise(
                tx,
                ConflictKind::SaleIdCollision,
                &p.id,
                store,
                register,
                &format!(
                    "sale {} (receipt {}, record {} of {key}) has the id of a different sale already booked from {} (record {})",
                    p.id, p.receipt, record.seq, held.register_key, held.seq
                ),
                now,
            )?;
        }
        return Ok(Ok(()));
    }
    catalog_conflicts(tx, &p, store, register, record, now)?;
    if !p.taxes.is_empty() {
        let mut params: Vec<Val> = Vec::with_capacity(p.taxes.len() * 7);
        for (n, t) in p.taxes.iter().enumerate() {
            params.extend([
                p.id.as_str().into(),
                (n as i64).into(),
                t.label.as_str().into(),
                t.rate.to_string().into(),
                t.net.to_string().into(),
                t.tax.to_string().into(),
                t.gross.to_string().into(),
            ]);
        }
        insert_rows(tx, "INSERT INTO sale_taxes (sale_id, n, label, rate, net, tax, gross)", 7, &params)?;
    }
    if !p.payments.is_empty() {
        let mut params: Vec<Val> = Vec::with_capacity(p.payments.len() * 4);
        for (n, pay) in p.payments.iter().enumerate() {
            params.extend([
                p.id.as_str().into(),
                (n as i64).into(),
                pay.tender().into(),
                pay.amount.to_string().into(),
            ]);
        }
        insert_rows(tx, "INSERT INTO sale_tenders (sale_id, n, tender, amount)", 4, &params)?;
    }
    // Returns of sales, whichever register rang them (#16 §3): counted against the sale.
    let taken_back: Vec<sale_returns::TakenBack<'_>> = p
        .lines
        .iter()
        .filter_map(|l| {
            let r = l.returning.as_ref()?;
            let of_sale = r.get("of_sale")?.as_str().filter(|id| !id.contains(':'))?;
            let of_line = u32::try_from(r.get("of_line")?.as_u64()?).ok()?;
            Some(sale_returns::TakenBack { line: l.line, of_sale, of_line, quantity: l.quantity? })
        })
        .collect();
    sale_returns::book(tx, &p.id, key, record.seq, &taken_back)?;
    // Returns of online orders (BORIS): the line names the order instead of a sale.
    let online: Vec<returns::OnlineReturn<'_>> = p
        .lines
        .iter()
        .filter_map(|l| {
            let r = l.returning.as_ref()?;
            let order = r.get("of_sale")?.as_str()?;
            Some(returns::OnlineReturn {
                order,
                n: r.get("of_line")?.as_u64()? as u32,
                quantity: l.quantity?,
                total: l.total,
            })
        })
        .filter(|r| r.order.contains(':'))
        .collect();
    if !online.is_empty() {
        returns::book(tx, &p.id, store, register, &p.at, &online, refund, now)?;
    }
    Ok(Ok(()))
}

/// A sale priced with an older HQ catalog than the one in force when it was rung (the
/// register was offline): each line whose base price differs from the catalog in force is
/// a `price_changed_offline` conflict, each line of an item retired (or gone) there a
/// `sku_retired` one. The sale stays booked as rung: it is what the customer paid.
fn catalog_conflicts(
    tx: &mut dyn Tx,
    p: &SalePayload,
    store: &str,
    register: &str,
    record: &StoredRecord,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let Some(claimed) = p.catalog.as_deref() else { return Ok(()) };
    let used = match claimed.parse::<u64>() {
        Ok(v) if catalog::published(tx, v)? => Some(v),
        _ => None,
    };
    let Some(used) = used else {
        // What the register wrote is shown bounded: it is the register's text.
        let shown: String = claimed.chars().take(24).collect();
        raise(
            tx,
            ConflictKind::UnknownCatalogVersion,
            &p.id,
            store,
            register,
            &format!(
                "receipt {} (record {}) claims catalog version {shown:?}, which this HQ never published",
                p.receipt, record.seq
            ),
            now,
        )?;
        return Ok(());
    };
    let Ok(at) = p.at.parse::<jiff::Timestamp>() else { return Ok(()) };
    let Some(current) = catalog::in_force(tx, at)? else { return Ok(()) };
    if current.version <= used {
        return Ok(());
    }
    for line in p.lines.iter().filter(|l| l.returning.is_none()) {
        let subject = format!("{}/{}", p.id, line.line);
        match catalog::item(tx, current.version, &line.sku)?.filter(|item| item.active) {
            None => {
                raise(
                    tx,
                    ConflictKind::SkuRetired,
                    &subject,
                    store,
                    register,
                    &format!(
                        "receipt {} (record {}) sold {} at {} from catalog version {used}; in catalog version {} (in force since {}) it is retired",
                        p.receipt, record.seq, line.sku, line.list_price, current.version, current.effective_from
                    ),
                    now,
                )?;
            }
            Some(item) if line.price_source == "base" => {
                let hq_price = item.price;
                if hq_price != line.list_price {
                    raise(
                        tx,
                        ConflictKind::PriceChangedOffline,
                        &subject,
                        store,
                        register,
                        &format!(
                            "receipt {} (record {}) sold {} at {} from catalog version {used}; catalog version {} (in force since {}) says {}",
                            p.receipt,
                            record.seq,
                            line.sku,
                            line.list_price,
                            current.version,
                            current.effective_from,
                            hq_price
                        ),
                        now,
                    )?;
                }
            }
            Some(_) => {}
        }
    }
    Ok(())
}
