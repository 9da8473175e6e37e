//! The fiscal journal: append-only, numbered 1, 2, 3… without gaps, each record holding
//! the hash of the one before it and the perpetual grand total. Any edit to a record, or
//! to the sale tables a record describes, is found by [`Store::verify_journal`].

use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use till_domain::{AdjustmentKind, Money, PriceSource, SaleRecord, TenderKind};

use crate::codec;
use crate::{Result, Store};

/// The hash the first record points back to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version of the sale payload layout; bump when [`sale_payload`] changes.
const SALE_PAYLOAD_VERSION: u32 = 1;

/// What a journal record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JournalKind {
    /// A completed sale.
    Sale,
}

impl JournalKind {
    fn as_str(self) -> &'static str {
        match self {
            JournalKind::Sale => "sale",
        }
    }
}

/// The fields of a journal record that its hash covers, as stored (text).
struct RecordFields<'a> {
    seq: i64,
    kind: &'a str,
    reference: &'a str,
    at: &'a str,
    amount: &'a str,
    grand_total: &'a str,
    payload: &'a str,
    prev_hash: &'a str,
}

impl RecordFields<'_> {
    /// SHA-256 over every field and the previous record's hash, unit-separated.
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.seq.to_string();
        for part in
            [&seq, self.kind, self.reference, self.at, self.amount, self.grand_total, self.prev_hash, self.payload]
        {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        hex::encode(h.finalize())
    }
}

/// Appends a record in `tx`.
pub(crate) fn append(
    tx: &Transaction<'_>,
    kind: JournalKind,
    reference: &str,
    at: &str,
    amount: Decimal,
    payload: &str,
) -> Result<i64> {
    let last: Option<(i64, String, String)> = tx
        .prepare_cached("SELECT seq, hash, grand_total FROM journal ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (seq, prev, grand) = match last {
        Some((seq, hash, grand)) => {
            (seq + 1, hash, codec::decimal(&grand, || format!("journal.grand_total of record {seq}"))?)
        }
        None => (1, GENESIS.to_string(), Decimal::ZERO),
    };
    let grand_total = grand
        .checked_add(amount)
        .ok_or_else(|| {
            crate::StoreError::Conflict(format!("the journal's grand total would overflow after record {}", seq - 1))
        })?
        .to_string();
    let amount = amount.to_string();
    let hash = RecordFields {
        seq,
        kind: kind.as_str(),
        reference,
        at,
        amount: &amount,
        grand_total: &grand_total,
        payload,
        prev_hash: &prev,
    }
    .hash();
    tx.prepare_cached(
        "INSERT INTO journal (seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![seq, kind.as_str(), reference, at, amount, grand_total, payload, prev, hash])?;
    Ok(seq)
}

/// Writes anything displayable as a JSON string, without an intermediate `String`.
struct Text<T>(T);

impl<T: std::fmt::Display> Serialize for Text<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Serialize)]
struct SalePayload<'a> {
    version: u32,
    id: &'a str,
    receipt: Text<&'a till_domain::ReceiptNumber>,
    store: &'a str,
    at: Text<jiff::Timestamp>,
    business_date: Text<jiff::civil::Date>,
    currency: &'a str,
    prices_include_tax: bool,
    lines: Vec<LinePayload<'a>>,
    taxes: Vec<TaxPayload<'a>>,
    subtotal: Text<Money>,
    discount_total: Text<Money>,
    tax_total: Text<Money>,
    total: Text<Money>,
    cash_rounding: Text<Money>,
    change: Text<Money>,
    payments: Vec<PaymentPayload<'a>>,
    coupons: &'a [String],
}

#[derive(Serialize)]
struct LinePayload<'a> {
    line: u32,
    sku: &'a str,
    name: &'a str,
    category: Option<&'a str>,
    quantity: Text<till_domain::Quantity>,
    unit: &'static str,
    list_price: Text<Money>,
    price_source: Text<&'a PriceSource>,
    #[serde(rename = "override")]
    price_override: Option<OverridePayload<'a>>,
    gross: Text<Money>,
    total: Text<Money>,
    tax_class: &'a str,
    tax_rate: Text<Decimal>,
    cost: Option<Text<Money>>,
    adjustments: Vec<AdjustmentPayload<'a>>,
}

#[derive(Serialize)]
struct OverridePayload<'a> {
    price: Text<Money>,
    reason: &'a str,
}

#[derive(Serialize)]
struct AdjustmentPayload<'a> {
    kind: Text<&'a AdjustmentKind>,
    label: &'a str,
    amount: Text<Money>,
}

#[derive(Serialize)]
struct TaxPayload<'a> {
    label: &'a str,
    rate: Text<Decimal>,
    net: Text<Money>,
    tax: Text<Money>,
    gross: Text<Money>,
}

#[derive(Serialize)]
struct PaymentPayload<'a> {
    kind: &'static str,
    detail: Option<PaymentDetail<'a>>,
    amount: Text<Money>,
    tendered: Text<Money>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PaymentDetail<'a> {
    Card { brand: &'a str, last4: &'a str, reference: &'a str },
    Custom(&'a str),
}

/// The canonical JSON of a sale (fields in a fixed order, decimals as strings). Written
/// into the journal at commit, and rebuilt from the sale tables by verification.
pub(crate) fn sale_payload(sale: &SaleRecord) -> Result<String> {
    let cart = &sale.cart;
    let lines = cart
        .lines
        .iter()
        .map(|l| LinePayload {
            line: l.id.0,
            sku: &l.sku,
            name: &l.name,
            category: l.category.as_deref(),
            quantity: Text(l.quantity),
            unit: l.unit.as_str(),
            list_price: Text(l.list_price),
            price_source: Text(&l.price_source),
            price_override: l
                .price_override
                .as_ref()
                .map(|o| OverridePayload { price: Text(o.price), reason: &o.reason }),
            gross: Text(l.gross),
            total: Text(l.total),
            tax_class: &l.tax_class.name,
            tax_rate: Text(l.tax_class.rate),
            cost: l.cost.map(Text),
            adjustments: l
                .adjustments
                .iter()
                .map(|a| AdjustmentPayload { kind: Text(&a.kind), label: &a.label, amount: Text(a.amount) })
                .collect(),
        })
        .collect();
    let taxes = cart
        .taxes
        .iter()
        .map(|t| TaxPayload {
            label: &t.label,
            rate: Text(t.rate),
            net: Text(t.net),
            tax: Text(t.tax),
            gross: Text(t.gross),
        })
        .collect();
    let payments = sale
        .settlement
        .payments
        .iter()
        .map(|p| {
            let (kind, detail) = match &p.kind {
                TenderKind::Cash => ("cash", None),
                TenderKind::Card(c) => {
                    ("card", Some(PaymentDetail::Card { brand: &c.brand, last4: &c.last4, reference: &c.reference }))
                }
                TenderKind::Custom(n) => ("custom", Some(PaymentDetail::Custom(n))),
            };
            PaymentPayload { kind, detail, amount: Text(p.amount), tendered: Text(p.tendered) }
        })
        .collect();
    let payload = SalePayload {
        version: SALE_PAYLOAD_VERSION,
        id: &sale.id,
        receipt: Text(&sale.receipt),
        store: &sale.store,
        at: Text(sale.at),
        business_date: Text(sale.business_date),
        currency: &sale.currency,
        prices_include_tax: cart.basis == till_domain::PriceBasis::TaxInclusive,
        lines,
        taxes,
        subtotal: Text(cart.subtotal),
        discount_total: Text(cart.discount_total),
        tax_total: Text(cart.tax_total),
        total: Text(cart.total),
        cash_rounding: Text(sale.settlement.cash_rounding),
        change: Text(sale.settlement.change),
        payments,
        coupons: &sale.coupons,
    };
    serde_json::to_string(&payload).map_err(|e| crate::StoreError::Corrupt(format!("sale {}: {e}", sale.id)))
}

/// The first thing wrong with the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalProblem {
    /// The journal record at fault (its sequence number).
    pub seq: u64,
    /// The receipt it records, when it records a sale.
    pub receipt: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for JournalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.receipt {
            Some(r) => write!(f, "journal record {} (receipt {r}): {}", self.seq, self.reason),
            None => write!(f, "journal record {}: {}", self.seq, self.reason),
        }
    }
}

/// The outcome of verifying the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalReport {
    /// Records read.
    pub records: u64,
    /// The perpetual grand total of the last good record.
    pub grand_total: Decimal,
    /// The hash of the last record.
    pub head: String,
    /// The first problem found, if any.
    pub problem: Option<JournalProblem>,
}

impl Store {
    /// Walks the whole chain: sequence without gaps, each hash recomputed, each previous
    /// hash matching, the grand total adding up, every sale record equal to the sale
    /// tables as they are now, and every stored sale journalled. Stops at the first problem.
    pub fn verify_journal(&self) -> Result<JournalReport> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, kind, ref, at, amount, grand_total, payload, prev_hash, hash FROM journal ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut expected_seq = 1i64;
        let mut prev = GENESIS.to_string();
        let mut grand = Decimal::ZERO;
        let mut records = 0u64;
        let mut journalled_sales = 0u64;
        let report = |records, grand, head: &str, problem| JournalReport {
            records,
            grand_total: grand,
            head: head.to_string(),
            problem,
        };
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let kind: String = r.get(1)?;
            let reference: String = r.get(2)?;
            let at: String = r.get(3)?;
            let amount_text: String = r.get(4)?;
            let grand_text: String = r.get(5)?;
            let payload: String = r.get(6)?;
            let prev_hash: String = r.get(7)?;
            let hash: String = r.get(8)?;
            let receipt = serde_json::from_str::<Value>(&payload)
                .ok()
                .and_then(|v| v.get("receipt").and_then(Value::as_str).map(str::to_string));
            let problem = |reason: String| Some(JournalProblem { seq: seq as u64, receipt: receipt.clone(), reason });
            if seq != expected_seq {
                let p = problem(format!("expected record {expected_seq} next; records are missing or out of order"));
                return Ok(report(records, grand, &prev, p));
            }
            if prev_hash != prev {
                return Ok(report(
                    records,
                    grand,
                    &prev,
                    problem("its previous-hash does not match the record before it".into()),
                ));
            }
            let fields = RecordFields {
                seq,
                kind: &kind,
                reference: &reference,
                at: &at,
                amount: &amount_text,
                grand_total: &grand_text,
                payload: &payload,
                prev_hash: &prev_hash,
            };
            if fields.hash() != hash {
                return Ok(report(
                    records,
                    grand,
                    &prev,
                    problem("its contents do not match its hash (the record was altered)".into()),
                ));
            }
            let (Ok(amount), Ok(stated)) =
                (Decimal::from_str_exact(&amount_text), Decimal::from_str_exact(&grand_text))
            else {
                return Ok(report(records, grand, &prev, problem("amount or grand total is not a number".into())));
            };
            match grand.checked_add(amount) {
                Some(sum) if sum == stated => {}
                Some(sum) => {
                    return Ok(report(records, grand, &prev, problem(format!("grand total {stated} should be {sum}"))));
                }
                None => return Ok(report(records, grand, &prev, problem("grand total overflows".into()))),
            }
            if kind == JournalKind::Sale.as_str() {
                journalled_sales += 1;
                let sale = match self.seq_of(&reference)? {
                    Some(seq) => self.load_sale(seq),
                    None => Err(crate::StoreError::NotFound(format!("sale {reference} is missing"))),
                };
                match sale {
                    Ok(sale) => {
                        if sale.cart.total.amount() != amount {
                            return Ok(report(
                                records,
                                grand,
                                &prev,
                                problem(format!(
                                    "sales.total is {} but the journal recorded {amount}",
                                    sale.cart.total
                                )),
                            ));
                        }
                        let rebuilt = sale_payload(&sale)?;
                        if rebuilt != payload {
                            let reason = format!(
                                "the stored sale no longer matches its journal record ({})",
                                first_difference(&payload, &rebuilt)
                            );
                            return Ok(report(records, grand, &prev, problem(reason)));
                        }
                    }
                    Err(e) => {
                        return Ok(report(records, grand, &prev, problem(format!("its sale cannot be read: {e}"))));
                    }
                }
            }
            prev = hash;
            grand = stated;
            records += 1;
            expected_seq += 1;
        }
        let sales = self.sale_count()?;
        if sales != journalled_sales {
            let orphan: Option<(i64, String)> = self
                .conn
                .query_row("SELECT seq, id FROM sales WHERE id NOT IN (SELECT ref FROM journal WHERE kind = 'sale') ORDER BY seq LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let reason = match orphan {
                Some((seq, id)) => format!("sale {id} (receipt sequence {seq}) has no journal record"),
                None => format!("{sales} sales stored but {journalled_sales} journalled"),
            };
            let p = Some(JournalProblem { seq: records + 1, receipt: None, reason });
            return Ok(report(records, grand, &prev, p));
        }
        Ok(report(records, grand, &prev, None))
    }

    /// The perpetual grand total and the number of journal records.
    pub fn journal_head(&self) -> Result<(u64, Decimal)> {
        let last: Option<(i64, String)> = self
            .conn
            .query_row("SELECT seq, grand_total FROM journal ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        match last {
            Some((seq, g)) => Ok((seq as u64, codec::decimal(&g, || format!("journal.grand_total of record {seq}"))?)),
            None => Ok((0, Decimal::ZERO)),
        }
    }
}

/// Names the first field whose value differs between two payloads, for the error.
fn first_difference(recorded: &str, now: &str) -> String {
    let (Ok(a), Ok(b)) = (serde_json::from_str::<Value>(recorded), serde_json::from_str::<Value>(now)) else {
        return "payload unreadable".into();
    };
    fn walk(path: String, a: &Value, b: &Value) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                x.iter().find_map(|(k, v)| walk(format!("{path}.{k}"), v, y.get(k).unwrap_or(&Value::Null)))
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                x.iter().zip(y).enumerate().find_map(|(i, (v, w))| walk(format!("{path}[{i}]"), v, w))
            }
            _ if a == b => None,
            _ => Some(format!("{}: journal has {a}, tables have {b}", path.trim_start_matches('.'))),
        }
    }
    walk(String::new(), &a, &b).unwrap_or_else(|| "payloads differ".into())
}
