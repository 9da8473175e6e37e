//! The JSON of reports: the Z report as stored and journalled (format version 1,
//! documented in docs/journal-export.md), and the X report the CLI prints. Decimals are
//! strings.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use till_domain::{DrawerSummary, Money, SalesTotals, TaxTotal, TenderBalance, TenderTotal, XReport, ZReport};

use crate::RegisterError;

/// Version of the Z report layout.
const Z_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Tax {
    label: String,
    rate: String,
    net: String,
    tax: String,
    gross: String,
}

#[derive(Serialize, Deserialize)]
struct Tender {
    tender: String,
    count: u64,
    amount: String,
}

/// Sales totals on the wire.
#[derive(Serialize, Deserialize)]
pub struct TotalsJson {
    documents: u64,
    returns: u64,
    receipts: Option<(u64, u64)>,
    subtotal: String,
    discount_total: String,
    returned: String,
    tax_total: String,
    total: String,
    cash_rounding: String,
    change: String,
    taxes: Vec<Tax>,
    tenders: Vec<Tender>,
}

#[derive(Serialize, Deserialize)]
struct Drawer {
    float: String,
    paid_in: String,
    paid_out: String,
    drops: String,
    no_sales: u64,
}

#[derive(Serialize, Deserialize)]
struct Balance {
    tender: String,
    expected: String,
    counted: String,
    over_short: String,
}

#[derive(Serialize, Deserialize)]
struct ZJson {
    format: String,
    version: u32,
    number: u64,
    store: String,
    register: String,
    currency: String,
    session: u64,
    opened_at: String,
    closed_at: String,
    opened_by: Option<String>,
    closed_by: Option<String>,
    totals: TotalsJson,
    drawer: Drawer,
    balances: Vec<Balance>,
    grand_total: String,
}

fn s<T: ToString>(v: T) -> String {
    v.to_string()
}

/// Totals on the wire.
pub fn totals_json(t: &SalesTotals) -> TotalsJson {
    TotalsJson {
        documents: t.sales,
        returns: t.returns,
        receipts: t.receipts,
        subtotal: s(t.subtotal),
        discount_total: s(t.discount_total),
        returned: s(t.returned),
        tax_total: s(t.tax_total),
        total: s(t.total),
        cash_rounding: s(t.cash_rounding),
        change: s(t.change),
        taxes: t
            .taxes
            .iter()
            .map(|x| Tax { label: x.label.clone(), rate: s(x.rate), net: s(x.net), tax: s(x.tax), gross: s(x.gross) })
            .collect(),
        tenders: t
            .tenders
            .iter()
            .map(|x| Tender { tender: x.tender.clone(), count: x.count, amount: s(x.amount) })
            .collect(),
    }
}

fn drawer_json(d: &DrawerSummary) -> Drawer {
    Drawer {
        float: s(d.float),
        paid_in: s(d.paid_in),
        paid_out: s(d.paid_out),
        drops: s(d.drops),
        no_sales: d.no_sales,
    }
}

/// The Z report's stored and journalled JSON.
pub fn to_json(z: &ZReport) -> String {
    let json = ZJson {
        format: "till.z-report".into(),
        version: Z_VERSION,
        number: z.number,
        store: z.store.clone(),
        register: z.register.clone(),
        currency: z.currency.clone(),
        session: z.session,
        opened_at: s(z.opened_at),
        closed_at: s(z.closed_at),
        opened_by: z.opened_by.clone(),
        closed_by: z.closed_by.clone(),
        totals: totals_json(&z.totals),
        drawer: drawer_json(&z.drawer),
        balances: z
            .balances
            .iter()
            .map(|b| Balance {
                tender: b.tender.clone(),
                expected: s(b.expected),
                counted: s(b.counted),
                over_short: b.over_short().map_or_else(|e| e.to_string(), s),
            })
            .collect(),
        grand_total: s(z.grand_total),
    };
    serde_json::to_string(&json).unwrap_or_default()
}

/// A Z report from its stored JSON.
pub fn from_json(text: &str) -> Result<ZReport, RegisterError> {
    let bad = |e: String| RegisterError::corrupt("a stored Z report", e);
    let z: ZJson = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if z.version != Z_VERSION {
        return Err(bad(format!("layout version {} (this Till reads {Z_VERSION})", z.version)));
    }
    let m = |t: &str| Money::parse(t).map_err(|e| bad(e.to_string()));
    let d = |t: &str| Decimal::from_str_exact(t).map_err(|e| bad(e.to_string()));
    let t = &z.totals;
    let mut taxes = Vec::new();
    for x in &t.taxes {
        taxes.push(TaxTotal {
            label: x.label.clone(),
            rate: d(&x.rate)?,
            net: m(&x.net)?,
            tax: m(&x.tax)?,
            gross: m(&x.gross)?,
        });
    }
    let mut tenders = Vec::new();
    for x in &t.tenders {
        tenders.push(TenderTotal { tender: x.tender.clone(), count: x.count, amount: m(&x.amount)? });
    }
    let mut balances = Vec::new();
    for b in &z.balances {
        balances.push(TenderBalance { tender: b.tender.clone(), expected: m(&b.expected)?, counted: m(&b.counted)? });
    }
    Ok(ZReport {
        number: z.number,
        store: z.store,
        register: z.register,
        currency: z.currency,
        session: z.session,
        opened_at: z.opened_at.parse().map_err(|e| bad(format!("{e}")))?,
        closed_at: z.closed_at.parse().map_err(|e| bad(format!("{e}")))?,
        opened_by: z.opened_by,
        closed_by: z.closed_by,
        totals: SalesTotals {
            sales: t.documents,
            returns: t.returns,
            receipts: t.receipts,
            subtotal: m(&t.subtotal)?,
            discount_total: m(&t.discount_total)?,
            returned: m(&t.returned)?,
            tax_total: m(&t.tax_total)?,
            total: m(&t.total)?,
            cash_rounding: m(&t.cash_rounding)?,
            change: m(&t.change)?,
            taxes,
            tenders,
        },
        drawer: DrawerSummary {
            float: m(&z.drawer.float)?,
            paid_in: m(&z.drawer.paid_in)?,
            paid_out: m(&z.drawer.paid_out)?,
            drops: m(&z.drawer.drops)?,
            no_sales: z.drawer.no_sales,
        },
        balances,
        grand_total: m(&z.grand_total)?,
    })
}

/// The X report's JSON, for the CLI: the totals' fields at the top level (as the first
/// release printed them), the session's drawer and expectations beside them.
pub fn x_json(x: &XReport) -> serde_json::Value {
    let mut v = serde_json::to_value(totals_json(&x.totals)).unwrap_or_default();
    let t = &x.totals;
    v["sales"] = serde_json::json!(t.sales);
    v["receipts"] = serde_json::json!(t.receipts.map(|(a, b)| serde_json::json!({"first": a, "last": b})));
    for (key, value) in [
        ("store", serde_json::json!(x.store)),
        ("register", serde_json::json!(x.register)),
        ("currency", serde_json::json!(x.currency)),
        ("at", serde_json::json!(x.at.to_string())),
        ("session", serde_json::json!(x.session)),
        ("drawer", serde_json::json!(x.drawer.as_ref().map(drawer_json))),
        (
            "expected",
            serde_json::json!(
                x.expected
                    .iter()
                    .map(|(t, m)| serde_json::json!({"tender": t, "amount": m.to_string()}))
                    .collect::<Vec<_>>()
            ),
        ),
        ("expected_withheld", serde_json::json!(x.expected_withheld)),
        ("grand_total", serde_json::json!(x.grand_total.to_string())),
        ("journal_records", serde_json::json!(x.journal_records)),
    ] {
        v[key] = value;
    }
    v
}

/// The Z report's JSON, for the CLI (the stored layout).
pub fn z_json(z: &ZReport) -> serde_json::Value {
    serde_json::from_str(&to_json(z)).unwrap_or(serde_json::Value::Null)
}
