//! Sales rung at other registers of the chain, for returns (issue #16 §3): reading a sale
//! back from the canonical JSON its register journalled (what HQ answers with and what
//! store peers replicate), and the copies of the store peers' recent sales this register
//! keeps, so a receipt from R1 is returned at R2 with the WAN down and R1 switched off.
//!
//! A peer's copy holds what a return needs and what the receipt shows; the staff code and
//! the cash session of the sale are left out (they are the other register's business).

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Deserialize;
use till_domain::{
    Adjustment, AdjustmentKind, CardDetails, LineId, OriginalLine, Payment, PriceBasis, PriceOverride, PriceSource,
    PricedCart, PricedLine, Quantity, ReceiptNumber, ReturnLine, SaleRecord, Settlement, TaxAmount, TaxClass,
    TenderKind,
};

use crate::{Result, Store, StoreError, payload};

/// The longest sale payload read back (a register's biggest sale is far smaller; a
/// hostile answer is refused before it is parsed).
pub const MAX_PAYLOAD: usize = 256 * 1024;

/// A sale payload that cannot be read back as a sale.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sale record from {origin} cannot be read: {message}")]
pub struct PayloadError {
    /// Where it came from (`HQ`, `peer R1`).
    pub origin: String,
    /// What is wrong with it.
    pub message: String,
}

#[derive(Deserialize)]
struct SaleIn {
    id: String,
    receipt: String,
    store: String,
    at: String,
    business_date: String,
    currency: String,
    prices_include_tax: bool,
    lines: Vec<LineIn>,
    taxes: Vec<TaxIn>,
    subtotal: Decimal,
    discount_total: Decimal,
    tax_total: Decimal,
    total: Decimal,
    cash_rounding: Decimal,
    change: Decimal,
    payments: Vec<PaymentIn>,
    #[serde(default)]
    coupons: Vec<String>,
    #[serde(default)]
    staff: Option<String>,
    #[serde(default)]
    session: Option<u64>,
    #[serde(default)]
    catalog: Option<String>,
    #[serde(default)]
    config_version: Option<String>,
}

#[derive(Deserialize)]
struct LineIn {
    line: u32,
    sku: String,
    name: String,
    category: Option<String>,
    quantity: Decimal,
    unit: String,
    list_price: Decimal,
    price_source: String,
    #[serde(rename = "override")]
    price_override: Option<OverrideIn>,
    gross: Decimal,
    total: Decimal,
    tax_class: String,
    tax_rate: Decimal,
    cost: Option<Decimal>,
    #[serde(default)]
    adjustments: Vec<AdjustmentIn>,
    #[serde(default)]
    returning: Option<ReturnIn>,
}

#[derive(Deserialize)]
struct OverrideIn {
    price: Decimal,
    reason: String,
}

#[derive(Deserialize)]
struct AdjustmentIn {
    kind: String,
    label: String,
    amount: Decimal,
}

#[derive(Deserialize)]
struct ReturnIn {
    of_receipt: Option<String>,
    of_sale: Option<String>,
    of_line: Option<u32>,
    reason: String,
    disposition: String,
    refund: Decimal,
    fee_percent: Decimal,
    override_note: Option<String>,
}

#[derive(Deserialize)]
struct TaxIn {
    label: String,
    rate: Decimal,
    net: Decimal,
    tax: Decimal,
    gross: Decimal,
}

#[derive(Deserialize)]
struct PaymentIn {
    kind: String,
    detail: Option<serde_json::Value>,
    amount: Decimal,
    tendered: Decimal,
}

/// A receipt number as printed (`R1-000042`): its register and sequence number.
pub fn parse_receipt_number(text: &str) -> Option<ReceiptNumber> {
    let (register, seq) = text.rsplit_once('-')?;
    if register.is_empty() || seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(ReceiptNumber { register: register.to_string(), seq: seq.parse().ok()? })
}

/// Reads a sale back from the canonical JSON its register journalled ([`crate::sale_payload`]);
/// `source` names where it came from for the error.
pub fn sale_from_payload(text: &str, source: &str) -> Result<SaleRecord, PayloadError> {
    let bad = |message: String| PayloadError { origin: source.to_string(), message };
    if text.len() > MAX_PAYLOAD {
        return Err(bad(format!("{} bytes, more than the {MAX_PAYLOAD} a sale may take", text.len())));
    }
    let s: SaleIn = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let receipt =
        parse_receipt_number(&s.receipt).ok_or_else(|| bad(format!("'{}' is not a receipt number", s.receipt)))?;
    let money = till_domain::Money::new;
    let mut lines = Vec::with_capacity(s.lines.len());
    for l in s.lines {
        let at = |what: &str| format!("line {} {what}", l.line);
        let unit: till_domain::Unit = l.unit.parse().map_err(|e| bad(format!("{}: {e}", at("unit"))))?;
        let quantity = Quantity::new(l.quantity, unit).map_err(|e| bad(format!("{}: {e}", at("quantity"))))?;
        let price_source: PriceSource =
            l.price_source.parse().map_err(|e| bad(format!("{}: {e}", at("price_source"))))?;
        let mut adjustments = Vec::with_capacity(l.adjustments.len());
        for a in l.adjustments {
            let kind = match a.kind.as_str() {
                "line_discount" => AdjustmentKind::LineDiscount,
                "order_discount" => AdjustmentKind::OrderDiscount,
                "restocking_fee" => AdjustmentKind::RestockingFee,
                other => match other.strip_prefix("promotion:") {
                    Some(id) => AdjustmentKind::Promotion(id.to_string()),
                    None => return Err(bad(format!("{}: kind '{other}'", at("adjustment")))),
                },
            };
            adjustments.push(Adjustment { kind, label: a.label, amount: money(a.amount) });
        }
        let returning = match l.returning {
            None => None,
            Some(r) => {
                let original = match (r.of_receipt, r.of_sale, r.of_line) {
                    (Some(receipt), Some(sale_id), Some(line)) => {
                        let seq = parse_receipt_number(&receipt).map_or(0, |n| n.seq);
                        Some(OriginalLine { sale_id, receipt, seq, line })
                    }
                    _ => None,
                };
                Some(ReturnLine {
                    original,
                    reason: r.reason,
                    disposition: r.disposition.parse().map_err(|e| bad(format!("{}: {e}", at("disposition"))))?,
                    refund: money(r.refund),
                    fee_percent: r.fee_percent,
                    override_note: r.override_note,
                })
            }
        };
        lines.push(PricedLine {
            id: LineId(l.line),
            sku: l.sku,
            name: l.name,
            category: l.category,
            quantity,
            unit,
            list_price: money(l.list_price),
            price_source,
            price_override: l.price_override.map(|o| PriceOverride { price: money(o.price), reason: o.reason }),
            gross: money(l.gross),
            adjustments,
            total: money(l.total),
            tax_class: TaxClass { name: l.tax_class, rate: l.tax_rate },
            cost: l.cost.map(money),
            components: Vec::new(),
            returning,
        });
    }
    let taxes = s
        .taxes
        .into_iter()
        .map(|t| TaxAmount {
            label: t.label,
            rate: t.rate,
            net: money(t.net),
            tax: money(t.tax),
            gross: money(t.gross),
        })
        .collect();
    let mut payments = Vec::with_capacity(s.payments.len());
    for p in s.payments {
        let field = |name: &str| -> String {
            p.detail.as_ref().and_then(|d| d.get(name)).and_then(|v| v.as_str()).unwrap_or_default().to_string()
        };
        let kind = match p.kind.as_str() {
            "cash" => TenderKind::Cash,
            "card" => TenderKind::Card(CardDetails {
                brand: field("brand"),
                last4: field("last4"),
                reference: field("reference"),
            }),
            "custom" => TenderKind::Custom(p.detail.as_ref().and_then(|d| d.as_str()).unwrap_or_default().to_string()),
            "store_credit" => TenderKind::StoreCredit(field("code")),
            other => return Err(bad(format!("payment kind '{other}'"))),
        };
        payments.push(Payment { kind, amount: money(p.amount), tendered: money(p.tendered) });
    }
    Ok(SaleRecord {
        id: s.id,
        receipt,
        store: s.store,
        at: s.at.parse().map_err(|e| bad(format!("at '{}': {e}", s.at)))?,
        business_date: s.business_date.parse().map_err(|e| bad(format!("business_date '{}': {e}", s.business_date)))?,
        currency: s.currency,
        cart: PricedCart {
            lines,
            basis: if s.prices_include_tax { PriceBasis::TaxInclusive } else { PriceBasis::TaxExclusive },
            subtotal: money(s.subtotal),
            discount_total: money(s.discount_total),
            taxes,
            tax_total: money(s.tax_total),
            total: money(s.total),
        },
        settlement: Settlement {
            total: money(s.total),
            cash_rounding: money(s.cash_rounding),
            payments,
            change: money(s.change),
        },
        coupons: s.coupons,
        staff: s.staff,
        session: s.session,
        catalog: s.catalog,
        config: s.config_version,
    })
}

/// What a return line of a document takes back: (its line, the sale id, the line of that
/// sale, the quantity).
fn return_lines(sale: &SaleRecord) -> impl Iterator<Item = (u32, &str, u32, Decimal)> {
    sale.cart.lines.iter().filter_map(|l| {
        let o = l.returning.as_ref()?.original.as_ref()?;
        Some((l.id.0, o.sale_id.as_str(), o.line, l.quantity.value()))
    })
}

/// One of this register's sales as a store peer gets it: its receipt sequence number and
/// its canonical JSON without the staff code and cash session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleForPeer {
    /// Receipt sequence number.
    pub seq: u64,
    /// The sale's canonical JSON, staff and session left out.
    pub payload: String,
}

impl Store {
    /// This register's sales (and returns) after receipt `after`, completed at or after
    /// `since`, oldest first, at most `limit`: what its store peers copy.
    pub fn sales_for_peers(&self, after: u64, since: jiff::Timestamp, limit: u32) -> Result<Vec<SaleForPeer>> {
        let seqs: Vec<i64> = {
            let mut stmt = self.conn.prepare_cached("SELECT seq, at FROM sales WHERE seq > ?1 ORDER BY seq")?;
            let mut rows = stmt.query([after as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                if out.len() >= limit as usize {
                    break;
                }
                let seq: i64 = r.get(0)?;
                let at = crate::codec::timestamp(&r.get::<_, String>(1)?, || format!("sales.at of receipt {seq}"))?;
                if at >= since {
                    out.push(seq);
                }
            }
            out
        };
        let mut out = Vec::with_capacity(seqs.len());
        for seq in seqs {
            let mut sale = self.load_sale(seq)?;
            sale.staff = None;
            sale.session = None;
            out.push(SaleForPeer { seq: seq as u64, payload: payload::sale(&sale)? });
        }
        Ok(out)
    }

    /// Keeps copies of peer register `register`'s sales (payloads as
    /// [`Store::sales_for_peers`] gives them) and drops every copy older than `keep_since`.
    /// A payload that does not read back, or names another register or store, is an error
    /// naming it; nothing of the batch is kept then.
    pub fn keep_peer_sales(
        &mut self,
        store: &str,
        register: &str,
        sales: &[SaleForPeer],
        keep_since: jiff::Timestamp,
    ) -> Result<usize, PeerCopyError> {
        let source = format!("peer {register}");
        let mut read = Vec::with_capacity(sales.len());
        for s in sales {
            let sale = sale_from_payload(&s.payload, &source)?;
            if sale.store != store || sale.receipt.register != register || sale.receipt.seq != s.seq {
                return Err(PeerCopyError::Payload(PayloadError {
                    origin: source,
                    message: format!(
                        "receipt {} of store {} came as {register}'s receipt {} of store {store}",
                        sale.receipt, sale.store, s.seq
                    ),
                }));
            }
            read.push((sale, &s.payload));
        }
        let tx = self.conn.transaction()?;
        let mut kept = 0;
        for (sale, text) in read {
            let added = tx
                .prepare_cached(
                    "INSERT INTO peer_sales (id, register, seq, receipt, at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                     ON CONFLICT DO NOTHING",
                )?
                .execute(params![
                    sale.id,
                    register,
                    sale.receipt.seq as i64,
                    sale.receipt.to_string(),
                    sale.at.to_string(),
                    text
                ])?;
            if added == 0 {
                continue;
            }
            kept += 1;
            for (line, of_sale, of_line, quantity) in return_lines(&sale) {
                tx.prepare_cached(
                    "INSERT INTO peer_return_lines (sale_id, line, of_sale, of_line, quantity) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![sale.id, line, of_sale, of_line, quantity.to_string()])?;
            }
        }
        let old: Vec<String> = {
            let mut stmt = tx.prepare_cached("SELECT id, at FROM peer_sales")?;
            let mut rows = stmt.query([])?;
            let mut old = Vec::new();
            while let Some(r) = rows.next()? {
                let at: String = r.get(1)?;
                if at.parse::<jiff::Timestamp>().map_or(true, |at| at < keep_since) {
                    old.push(r.get(0)?);
                }
            }
            old
        };
        for id in old {
            tx.execute("DELETE FROM peer_return_lines WHERE sale_id = ?1", [&id])?;
            tx.execute("DELETE FROM peer_sales WHERE id = ?1", [&id])?;
        }
        tx.commit()?;
        Ok(kept)
    }

    /// The receipt sequence number of the latest copy held of each peer register's sales.
    pub fn peer_sale_watermarks(&self) -> Result<BTreeMap<String, u64>> {
        let mut stmt = self.conn.prepare_cached("SELECT register, MAX(seq) FROM peer_sales GROUP BY register")?;
        let mut rows = stmt.query([])?;
        let mut out = BTreeMap::new();
        while let Some(r) = rows.next()? {
            out.insert(r.get(0)?, r.get::<_, i64>(1)? as u64);
        }
        Ok(out)
    }

    /// The copy of peer register `register`'s receipt `seq`, if one is held.
    pub fn peer_sale(&self, register: &str, seq: u64) -> Result<Option<SaleRecord>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT payload FROM peer_sales WHERE register = ?1 AND seq = ?2")?
            .query_row(params![register, seq as i64], |r| r.get(0))
            .optional()?;
        text.map(|t| {
            sale_from_payload(&t, &format!("peer {register}"))
                .map_err(|e| StoreError::Corrupt(format!("peer_sales of {register} receipt {seq}: {e}")))
        })
        .transpose()
    }

    /// The copies held of peers' documents that return lines of sale `sale_id`.
    pub fn peer_returns_of(&self, sale_id: &str) -> Result<Vec<SaleRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.register, p.seq, p.payload FROM peer_sales p WHERE p.id IN \
             (SELECT sale_id FROM peer_return_lines WHERE of_sale = ?1) ORDER BY p.register, p.seq",
        )?;
        let mut rows = stmt.query([sale_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let (register, seq): (String, i64) = (r.get(0)?, r.get(1)?);
            let text: String = r.get(2)?;
            out.push(
                sale_from_payload(&text, &format!("peer {register}"))
                    .map_err(|e| StoreError::Corrupt(format!("peer_sales of {register} receipt {seq}: {e}")))?,
            );
        }
        Ok(out)
    }

    /// How many copies of peers' sales are held.
    pub fn peer_sale_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM peer_sales", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

/// Why copies of a peer's sales were not kept.
#[derive(Debug, thiserror::Error)]
pub enum PeerCopyError {
    /// A payload did not read back, or is not the peer's.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for PeerCopyError {
    fn from(e: rusqlite::Error) -> Self {
        PeerCopyError::Store(e.into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn receipt_numbers_parse_and_junk_does_not() {
        let n = parse_receipt_number("R1-000042").unwrap();
        assert_eq!((n.register.as_str(), n.seq), ("R1", 42));
        assert_eq!(parse_receipt_number("POS-A-7").unwrap().register, "POS-A");
        for junk in ["", "R1", "-1", "R1-", "R1-4x", "R1-+1"] {
            assert!(parse_receipt_number(junk).is_none(), "{junk}");
        }
    }

    use crate::{ReplicaIdentity, SaleCommit};
    use rust_decimal_macros::dec;
    use till_domain::{
        Cart, Item, Money, PriceBasis, PricingContext, RoundingMode, TaxPolicy, TaxRounding, Tender, Unit, price_cart,
        settle,
    };

    fn register(dir: &std::path::Path, register: &str) -> Store {
        let mut store = Store::create(&dir.join(format!("{register}.sqlite"))).unwrap();
        let timezone = jiff::tz::TimeZone::UTC;
        store.replicate_as(ReplicaIdentity { store: "S1".into(), register: register.into(), timezone }).unwrap();
        store
    }

    /// Two pieces of a tee paid by card and cash, with a staff code and a cash session.
    fn sale(register: &str, n: u64) -> SaleRecord {
        let at: jiff::Timestamp = "2026-11-27T10:15:00Z".parse().unwrap();
        let item = Item {
            sku: "TEE-M".into(),
            name: "Tee M".into(),
            category: Some("Tees".into()),
            price: Money::new(dec!(19.95)),
            price_source: PriceSource::Base,
            cost: Some(Money::new(dec!(7.10))),
            unit: Unit::Each,
            tax_class: TaxClass { name: "standard".into(), rate: dec!(21) },
            components: vec![],
        };
        let mut cart = Cart::new();
        cart.add(item, Quantity::new(dec!(2), Unit::Each).unwrap()).unwrap();
        let policy = TaxPolicy {
            basis: PriceBasis::TaxInclusive,
            rounding: TaxRounding::PerLine,
            mode: RoundingMode::HalfUp,
            minor_units: 2,
        };
        let priced = price_cart(&cart, &PricingContext { policy, promotions: &[], now: at }).unwrap();
        let card = CardDetails { brand: "VISA".into(), last4: "4242".into(), reference: "T-1".into() };
        let tenders = [
            Tender { kind: TenderKind::Card(card), amount: Money::new(dec!(30)) },
            Tender { kind: TenderKind::Cash, amount: Money::new(dec!(10)) },
        ];
        let settlement = settle(priced.total, &tenders, None, 2).unwrap();
        SaleRecord {
            id: format!("00000000-0000-4000-8000-{n:012}"),
            receipt: ReceiptNumber { register: register.into(), seq: 0 },
            store: "S1".into(),
            at,
            business_date: at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            currency: "EUR".into(),
            cart: priced,
            settlement,
            coupons: vec![],
            staff: Some("7".into()),
            session: Some(1),
            catalog: None,
            config: Some("hq-2".into()),
        }
    }

    const PLAIN: SaleCommit<'static> =
        SaleCommit { location: Some("STORE"), resumed_from: None, audit: &[], doc_change: None, order: None };

    #[test]
    fn a_peers_sales_are_copied_and_read_back_as_sold_without_staff_or_session() {
        let dir = tempfile::tempdir().unwrap();
        let mut r1 = register(dir.path(), "R1");
        let sold = r1.commit_sale(sale("R1", 1), &PLAIN).unwrap();
        let since: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let served = r1.sales_for_peers(0, since, 10).unwrap();
        assert_eq!(served.len(), 1);
        assert!(!served[0].payload.contains("\"staff\":\"7\""), "no staff code: {}", served[0].payload);
        // What HQ holds (the journal's payload) reads back as the sale as it was stored.
        let journalled = crate::sale_payload(&sold).unwrap();
        assert_eq!(sale_from_payload(&journalled, "HQ").unwrap(), sold);
        let mut r2 = register(dir.path(), "R2");
        assert_eq!(r2.keep_peer_sales("S1", "R1", &served, since).unwrap(), 1);
        assert_eq!(r2.keep_peer_sales("S1", "R1", &served, since).unwrap(), 0, "kept once");
        let copy = r2.peer_sale("R1", sold.receipt.seq).unwrap().unwrap();
        assert_eq!(copy, SaleRecord { staff: None, session: None, ..sold.clone() });
        assert_eq!(r2.peer_sale_watermarks().unwrap().get("R1"), Some(&sold.receipt.seq));
        // A peer answering with another register's (or store's) sale: nothing kept.
        let err = r2.keep_peer_sales("S1", "R3", &served, since).unwrap_err().to_string();
        assert!(err.contains("came as R3's receipt"), "{err}");
        // Past the window, the copy is dropped.
        let later: jiff::Timestamp = "2027-06-01T00:00:00Z".parse().unwrap();
        r2.keep_peer_sales("S1", "R1", &[], later).unwrap();
        assert_eq!(r2.peer_sale_count().unwrap(), 0);
    }

    #[test]
    fn a_hostile_payload_is_refused_with_where_it_came_from() {
        let err = sale_from_payload("{\"id\": 1}", "HQ").unwrap_err();
        assert!(err.to_string().starts_with("a sale record from HQ cannot be read"), "{err}");
        let huge = "x".repeat(MAX_PAYLOAD + 1);
        assert!(sale_from_payload(&huge, "peer R1").unwrap_err().message.contains("more than"));
    }
}
