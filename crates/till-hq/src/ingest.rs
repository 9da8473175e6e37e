//! From journal documents to HQ's books: records are staged as they arrive (in any
//! order, any number of times), then materialized strictly in each register's chain
//! order — each sale exactly once, keyed by its id, only after HQ has computed the
//! record's full hash from it and HQ's hash of the record before, and found the
//! register's check (and, on a document's first record, its full link) to agree.

use rust_decimal::Decimal;
use serde::Deserialize;
use till_docs::StoredRecord;

use crate::conflicts::{ConflictKind, raise};
use crate::db::{Row, Tx, Val};
use crate::{HqError, sha256_hex};

/// Stages records of a register's journal document; a record already staged under the
/// same number with another check is a fork of the chain, raised as a conflict. The
/// `hash` column holds the record's check as the document carries it.
pub(crate) fn stage(
    tx: &mut dyn Tx,
    key: &str,
    doc: &str,
    records: &[StoredRecord],
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let (store, register) = key.split_once('/').unwrap_or((key, ""));
    for chunk in records.chunks(STAGE_BATCH) {
        let mut params: Vec<Val> = Vec::with_capacity(chunk.len() * 11);
        for r in chunk {
            params.extend([
                key.into(),
                (r.seq as i64).into(),
                r.kind.as_str().into(),
                r.reference.as_str().into(),
                r.at.as_str().into(),
                r.amount.as_str().into(),
                r.grand_total.as_str().into(),
                r.payload.as_str().into(),
                r.prev_hash.as_str().into(),
                r.check.as_str().into(),
                doc.into(),
            ]);
        }
        let inserted: std::collections::HashSet<i64> = tx
            .query(
                &format!(
                    "INSERT INTO journal (register_key, seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash, doc) \
                     VALUES {} ON CONFLICT DO NOTHING RETURNING seq",
                    values(chunk.len(), 11)
                ),
                &params,
            )?
            .iter()
            .map(|row| row.int(0))
            .collect();
        for r in chunk.iter().filter(|r| !inserted.contains(&(r.seq as i64))) {
            let held = tx
                .one(
                    "SELECT hash FROM journal WHERE register_key = $1 AND seq = $2",
                    &[key.into(), (r.seq as i64).into()],
                )?
                .map(|row| row.text(0))
                .unwrap_or_default();
            if held != r.check {
                raise(
                    tx,
                    ConflictKind::BrokenChain,
                    &format!("{key}/{}", r.seq),
                    store,
                    register,
                    &format!(
                        "record {} arrived twice with different contents (check {} held, {} received): two registers share an identity, or one was restored from a backup",
                        r.seq,
                        short(&held),
                        short(&r.check)
                    ),
                    now,
                )?;
            }
        }
    }
    Ok(())
}

/// Records staged per statement.
const STAGE_BATCH: usize = 200;

/// `($1, $2, …), (…)`: the VALUES of a multi-row insert of `rows` rows of `cols` columns.
pub(crate) fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Raises the conflict for two different records under one number of a register's
/// journal (found when their changes merged).
pub(crate) fn fork(tx: &mut dyn Tx, key: &str, seq: u64, now: jiff::Timestamp) -> Result<(), HqError> {
    let (store, register) = key.split_once('/').unwrap_or((key, ""));
    raise(
        tx,
        ConflictKind::BrokenChain,
        &format!("{key}/{seq}"),
        store,
        register,
        &format!(
            "two different records are numbered {seq}: two machines sell as {key} (a cloned disk, or a backup restored while the original went on selling); only the first to arrive is booked"
        ),
        now,
    )?;
    Ok(())
}

/// The first 12 characters of a hash, for messages (any text a register sent: cut on a
/// character boundary).
fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// Stops materializing `key` on conflict `id`, reopening the conflict if it had been
/// resolved (a fork warning resolved earlier that now blocks the chain must be seen).
fn halt(tx: &mut dyn Tx, key: &str, id: &str) -> Result<(), HqError> {
    tx.exec("UPDATE registers SET halted = $2 WHERE key = $1", &[key.into(), id.into()])?;
    tx.exec("UPDATE conflicts SET resolved_at = '', resolution = '' WHERE id = $1", &[id.into()])?;
    Ok(())
}

/// Materializes the register's staged records that follow on from the last one, in
/// order, stopping at a gap (the record has not arrived yet), a broken link, or a record a
/// manager accepted whose hash the register has not sent yet ([`anchor`]).
pub(crate) fn materialize(tx: &mut dyn Tx, key: &str, now: jiff::Timestamp) -> Result<(), HqError> {
    let Some(reg) = tx.one(
        "SELECT store, register, through_seq, last_hash, halted, accept_seq, accept_hash FROM registers WHERE key = $1",
        &[key.into()],
    )?
    else {
        return Ok(());
    };
    let (store, register) = (reg.text(0), reg.text(1));
    let (mut through, mut last_hash, accept, accept_hash) = (reg.int(2), reg.text(3), reg.int(5), reg.text(6));
    if !reg.text(4).is_empty() {
        return Ok(());
    }
    let mut grand_total = None;
    'batches: loop {
        let rows = tx.query(
            "SELECT seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash FROM journal \
             WHERE register_key = $1 AND seq > $2 ORDER BY seq LIMIT 1000",
            &[key.into(), through.into()],
        )?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            if row.int(0) != through + 1 {
                break 'batches; // a gap: the next record has not arrived yet
            }
            let record = record_of(&row);
            let accepted = record.seq as i64 == accept;
            // The chain goes on from HQ's own hash of each record; past a broken link a
            // manager accepted, from the register's hash of that record, which only the
            // register can tell (HQ asks for it: `anchor`).
            let own = if !record.prev_hash.is_empty() && record.prev_hash != last_hash {
                Err(format!(
                    "record {} points back to {} but HQ's last record of {key} is {}",
                    record.seq,
                    short(&record.prev_hash),
                    short(&last_hash)
                ))
            } else {
                record.chain_hash(&last_hash).ok_or_else(|| {
                    format!(
                        "record {} does not match its check: altered after it was written, or it does not follow on from HQ's record {through}",
                        record.seq
                    )
                })
            };
            let hash = match own {
                Err(_) if accepted && !accept_hash.is_empty() => Ok(accept_hash.clone()),
                // A day's first record carries its full link: its own hash, as the register
                // computed it, follows from that (and its check confirms it).
                Err(_) if accepted && !record.prev_hash.is_empty() => match record.chain_hash(&record.prev_hash) {
                    Some(hash) => Ok(hash),
                    None => break 'batches,
                },
                Err(_) if accepted => break 'batches,
                own => own,
            };
            // Booked only if its chain holds; an unreadable sale a manager accepted is passed
            // over. Either problem stops materializing this register until resolved.
            let hash = match hash {
                Ok(hash) if record.kind == "sale" => match sale(tx, key, &store, &register, &record, now)? {
                    Err(problem) if !accepted => Err(problem),
                    _ => Ok(hash),
                },
                other => other,
            };
            let hash = match hash {
                Ok(hash) => hash,
                Err(detail) => {
                    let id = raise(
                        tx,
                        ConflictKind::BrokenChain,
                        &format!("{key}/{}", record.seq),
                        &store,
                        &register,
                        &detail,
                        now,
                    )?;
                    halt(tx, key, &id)?;
                    break 'batches;
                }
            };
            through = record.seq as i64;
            last_hash = hash;
            grand_total = Some(record.grand_total.clone());
        }
    }
    if let Some(total) = grand_total {
        tx.exec(
            "UPDATE registers SET through_seq = $2, last_hash = $3, grand_total = $4 WHERE key = $1",
            &[key.into(), through.into(), last_hash.into(), total.into()],
        )?;
    }
    Ok(())
}

/// Takes the register's full hash of the record a manager accepted, if it is the one HQ
/// waits for and begins with the check HQ holds, and materializes on from it. A hash that
/// does not (HQ holds another machine's record under that number), or none (`""`: the
/// register does not hold the record), raises the broken chain again and halts, so a
/// manager sees it (and may resolve it with the hash to go on from); that refusal is the
/// inner `Err`, to be committed.
pub(crate) fn anchor(
    tx: &mut dyn Tx,
    key: &str,
    seq: u64,
    hash: &str,
    now: jiff::Timestamp,
) -> Result<Result<(), String>, HqError> {
    tx.lock(key)?;
    let reg = crate::auth::register(tx, key)?.filter(|r| !r.revoked);
    let Some(reg) = reg else { return Err(HqError::Unauthorized(format!("register {key} is revoked"))) };
    if reg.awaiting_hash_of != Some(seq) {
        return Err(HqError::Conflict(format!("HQ is not waiting for the hash of record {seq} of {key}")));
    }
    if !hash.is_empty() && !till_docs::is_record_hash(hash) {
        return Err(HqError::BadRequest("hash: 64 lowercase hex digits".into()));
    }
    let check = tx
        .one("SELECT hash FROM journal WHERE register_key = $1 AND seq = $2", &[key.into(), (seq as i64).into()])?
        .map(|r| r.text(0))
        .ok_or_else(|| HqError::Conflict(format!("record {seq} of {key} has not arrived")))?;
    let refused = if hash.is_empty() {
        format!(
            "HQ asked {key} for its hash of record {seq}, which a manager accepted, and it does not hold that record (restored from an older backup, or replaced)"
        )
    } else if !hash.starts_with(&check) {
        format!(
            "{key}'s own hash of record {seq} ({}) does not begin with the check HQ holds ({}): HQ holds another machine's record {seq}",
            short(hash),
            short(&check)
        )
    } else {
        tx.exec("UPDATE registers SET accept_hash = $2 WHERE key = $1", &[key.into(), hash.into()])?;
        materialize(tx, key, now)?;
        return Ok(Ok(()));
    };
    let subject = format!("{key}/{seq}/anchor");
    let id = raise(tx, ConflictKind::BrokenChain, &subject, &reg.store, &reg.register, &refused, now)?;
    halt(tx, key, &id)?;
    Ok(Err(refused))
}

fn record_of(r: &Row) -> StoredRecord {
    StoredRecord {
        seq: r.int(0) as u64,
        kind: r.text(1),
        reference: r.text(2),
        at: r.text(3),
        amount: r.text(4),
        grand_total: r.text(5),
        payload: r.text(6),
        prev_hash: r.text(7),
        check: r.text(8),
    }
}

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
fn sale(
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
            tx.one("SELECT register_key, content_hash, seq FROM sales WHERE id = $1", &[p.id.as_str().into()])?
    {
        if held.text(0) != key || held.text(1) != content {
            raise(
                tx,
                ConflictKind::SaleIdCollision,
                &p.id,
                store,
                register,
                &format!(
                    "sale {} (receipt {}, record {} of {key}) has the id of a different sale already booked from {} (record {})",
                    p.id,
                    p.receipt,
                    record.seq,
                    held.text(0),
                    held.int(2)
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
        tx.exec(
            &format!(
                "INSERT INTO sale_taxes (sale_id, n, label, rate, net, tax, gross) VALUES {}",
                values(p.taxes.len(), 7)
            ),
            &params,
        )?;
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
        tx.exec(
            &format!("INSERT INTO sale_tenders (sale_id, n, tender, amount) VALUES {}", values(p.payments.len(), 4)),
            &params,
        )?;
    }
    // Returns of online orders (BORIS): the line names the order instead of a sale.
    let online: Vec<crate::instore::OnlineReturn<'_>> = p
        .lines
        .iter()
        .filter_map(|l| {
            let r = l.returning.as_ref()?;
            let order = r.get("of_sale")?.as_str()?;
            Some(crate::instore::OnlineReturn {
                order,
                n: r.get("of_line")?.as_u64()? as u32,
                quantity: l.quantity?,
                total: l.total,
            })
        })
        .filter(|r| r.order.contains(':'))
        .collect();
    if !online.is_empty() {
        let refund: Decimal = p.payments.iter().filter(|pay| pay.tender() == "online").map(|pay| -pay.amount).sum();
        crate::instore::book_returns(tx, &p.id, store, register, &p.at, &online, refund, now)?;
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
    let Some(used) = p.catalog.as_deref().and_then(|v| v.parse::<u64>().ok()) else { return Ok(()) };
    let Ok(at) = p.at.parse::<jiff::Timestamp>() else { return Ok(()) };
    let Some(current) = crate::catalog::in_force(tx, at)? else { return Ok(()) };
    if current.version <= used {
        return Ok(());
    }
    for line in p.lines.iter().filter(|l| l.returning.is_none()) {
        let subject = format!("{}/{}", p.id, line.line);
        match crate::catalog::item(tx, current.version, &line.sku)? {
            Some((_, false)) | None => {
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
            Some((price, true)) if line.price_source == "base" => {
                let hq_price: Decimal =
                    price.parse().map_err(|_| HqError::Internal(format!("catalog price '{price}'")))?;
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
