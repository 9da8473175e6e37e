//! The journal export: the fiscal journal between two business days as a documented,
//! versioned JSON document (format `till.journal-export`, version 1,
//! docs/journal-export.md) or as CSV — documents with their lines, taxes and tenders, Z
//! reports, cash movements and audit records, with totals that equal the journal's.

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use till_domain::Money;
use till_store::JournalRecord;

use super::JournalError;
use crate::{Register, RegisterError};

/// The export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON document.
    Json,
    /// One CSV table, a row per document, line, tax, tender, Z report, cash movement
    /// and audit record.
    Csv,
}

/// An export, written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalExport {
    /// The export itself.
    pub text: String,
    /// Journal records exported.
    pub records: u64,
    /// Documents (sales, returns, exchanges) among them.
    pub documents: u64,
    /// Σ document totals — equal to Σ the journal amounts of the exported records.
    pub total: Money,
}

const CSV_COLUMNS: [&str; 19] = [
    "record",
    "journal_seq",
    "at",
    "receipt",
    "kind",
    "line",
    "sku",
    "name",
    "quantity",
    "unit",
    "tax_rate",
    "net",
    "tax",
    "gross",
    "amount",
    "tender",
    "staff",
    "approver",
    "detail",
];

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn dec(v: &Value, key: &str) -> Result<Decimal, RegisterError> {
    Decimal::from_str_exact(&text(v, key))
        .map_err(|e| RegisterError::corrupt(format!("journal payload field {key}"), e))
}

impl Register {
    /// Exports the journal records whose business day (in the store's time zone) lies
    /// from `from` to `to`, both included.
    pub fn export_journal(&self, from: Date, to: Date, format: ExportFormat) -> Result<JournalExport, RegisterError> {
        if to < from {
            return Err(JournalError::BackwardsRange { from, to }.into());
        }
        let tz = self.config.timezone.clone();
        let mut picked: Vec<(JournalRecord, Value)> = Vec::new();
        self.store.each_journal_record(&mut |record| {
            let day = record.at.to_zoned_datetime(tz.clone()).date();
            if day >= from && day <= to {
                let payload = serde_json::from_str(&record.payload)
                    .map_err(|e| till_store::StoreError::Corrupt(format!("journal record {}: {e}", record.seq)))?;
                picked.push((record, payload));
            }
            Ok(())
        })?;

        let mut documents = Vec::new();
        let mut z_reports = Vec::new();
        let mut cash = Vec::new();
        let mut audit = Vec::new();
        let mut amount_sum = Decimal::ZERO;
        let mut total = Decimal::ZERO;
        let mut tax_total = Decimal::ZERO;
        let mut by_rate: BTreeMap<Decimal, [Decimal; 3]> = BTreeMap::new();
        let mut by_tender: BTreeMap<String, Decimal> = BTreeMap::new();
        for (record, payload) in &picked {
            amount_sum += record.amount;
            match record.kind.as_str() {
                "sale" => {
                    total += dec(payload, "total")?;
                    tax_total += dec(payload, "tax_total")?;
                    for t in payload["taxes"].as_array().into_iter().flatten() {
                        let row = by_rate.entry(dec(t, "rate")?).or_default();
                        row[0] += dec(t, "net")?;
                        row[1] += dec(t, "tax")?;
                        row[2] += dec(t, "gross")?;
                    }
                    for p in payload["payments"].as_array().into_iter().flatten() {
                        *by_tender.entry(tender_name(p)).or_default() += dec(p, "amount")?;
                    }
                    documents.push(json!({"journal_seq": record.seq, "document": payload}));
                }
                "z" => z_reports.push(json!({"journal_seq": record.seq, "z_report": payload})),
                "cash" => cash.push(json!({"journal_seq": record.seq, "movement": payload})),
                _ => audit.push(json!({"journal_seq": record.seq, "audit": payload})),
            }
        }
        let first = picked.first().map(|(r, _)| r.seq);
        let last = picked.last().map(|(r, _)| r.seq);
        let summary = JournalExport {
            text: String::new(),
            records: picked.len() as u64,
            documents: documents.len() as u64,
            total: Money::new(total),
        };
        let text = match format {
            ExportFormat::Json => {
                let doc = json!({
                    "format": "till.journal-export",
                    "version": 1,
                    "store": self.config.store,
                    "register": self.config.register,
                    "currency": self.config.currency.code(),
                    "timezone": self.config.timezone_name,
                    "from": from.to_string(),
                    "to": to.to_string(),
                    "generated_at": self.clock.now().to_string(),
                    "journal": {
                        "records": picked.len(),
                        "first_seq": first,
                        "last_seq": last,
                        "amount_sum": amount_sum.to_string(),
                        "grand_total_after": picked.last().map(|(r, _)| r.grand_total.to_string()),
                        "last_hash": picked.last().map(|(r, _)| r.hash.clone()),
                    },
                    "totals": {
                        "documents": documents.len(),
                        "total": total.to_string(),
                        "tax_total": tax_total.to_string(),
                        "taxes": by_rate.iter().rev().map(|(rate, [net, tax, gross])| json!({
                            "rate": rate.to_string(), "net": net.to_string(), "tax": tax.to_string(), "gross": gross.to_string()
                        })).collect::<Vec<_>>(),
                        "tenders": by_tender.iter().map(|(t, a)| json!({"tender": t, "amount": a.to_string()})).collect::<Vec<_>>(),
                    },
                    "documents": documents,
                    "z_reports": z_reports,
                    "cash_movements": cash,
                    "audit": audit,
                });
                let mut text = serde_json::to_string_pretty(&doc).map_err(|e| JournalError::Write(e.to_string()))?;
                text.push('\n');
                text
            }
            ExportFormat::Csv => csv_text(&picked)?,
        };
        Ok(JournalExport { text, ..summary })
    }
}

/// A payment's tender as reports name it: `cash`, `card`, `store_credit`, or the custom
/// tender's own name (`voucher`), as the X and Z reports do.
fn tender_name(payment: &Value) -> String {
    match payment["kind"].as_str() {
        Some("custom") => payment["detail"].as_str().unwrap_or("custom").to_string(),
        _ => text(payment, "kind"),
    }
}

fn csv_text(picked: &[(JournalRecord, Value)]) -> Result<String, RegisterError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| JournalError::Write(format!("the CSV export: {e}"));
    w.write_record(CSV_COLUMNS).map_err(io)?;
    for (record, p) in picked {
        let mut row = |fields: &[(&str, String)]| -> Result<(), RegisterError> {
            let cells: Vec<String> = CSV_COLUMNS
                .iter()
                .map(|c| fields.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default())
                .collect();
            Ok(w.write_record(&cells).map_err(io)?)
        };
        let seq = record.seq.to_string();
        let at = record.at.to_string();
        match record.kind.as_str() {
            "sale" => {
                let receipt = text(p, "receipt");
                let base = |r: &str| {
                    vec![
                        ("record", r.to_string()),
                        ("journal_seq", seq.clone()),
                        ("at", at.clone()),
                        ("receipt", receipt.clone()),
                    ]
                };
                let mut doc = base("document");
                doc.extend([("kind", text(p, "kind")), ("amount", text(p, "total")), ("staff", text(p, "staff"))]);
                row(&doc)?;
                for l in p["lines"].as_array().into_iter().flatten() {
                    let mut line = base("line");
                    line.extend([
                        ("line", text(l, "line")),
                        ("sku", text(l, "sku")),
                        ("name", text(l, "name")),
                        ("quantity", text(l, "quantity")),
                        ("unit", text(l, "unit")),
                        ("tax_rate", text(l, "tax_rate")),
                        ("amount", text(l, "total")),
                        ("kind", if l.get("returning").is_some() { "return".into() } else { "sale".into() }),
                    ]);
                    row(&line)?;
                }
                for t in p["taxes"].as_array().into_iter().flatten() {
                    let mut tax = base("tax");
                    tax.extend([
                        ("tax_rate", text(t, "rate")),
                        ("net", text(t, "net")),
                        ("tax", text(t, "tax")),
                        ("gross", text(t, "gross")),
                    ]);
                    row(&tax)?;
                }
                for pay in p["payments"].as_array().into_iter().flatten() {
                    let mut tender = base("tender");
                    tender.extend([("tender", tender_name(pay)), ("amount", text(pay, "amount"))]);
                    row(&tender)?;
                }
            }
            "z" => row(&[
                ("record", "z_report".into()),
                ("journal_seq", seq),
                ("at", at),
                ("receipt", format!("Z{}", text(p, "number"))),
                ("amount", text(&p["totals"], "total")),
                ("staff", text(p, "closed_by")),
            ])?,
            "cash" => row(&[
                ("record", "cash".into()),
                ("journal_seq", seq),
                ("at", at),
                ("kind", text(p, "kind")),
                ("amount", text(p, "amount")),
                ("staff", text(p, "staff")),
                ("approver", text(p, "approver")),
                ("detail", text(p, "reason")),
            ])?,
            _ => row(&[
                ("record", "audit".into()),
                ("journal_seq", seq),
                ("at", at),
                ("kind", text(p, "action")),
                ("staff", text(p, "staff")),
                ("approver", text(p, "approver")),
                ("detail", text(p, "detail")),
            ])?,
        }
    }
    let bytes = w.into_inner().map_err(|e| JournalError::Write(format!("the CSV export: {e}")))?;
    Ok(String::from_utf8(bytes).map_err(|e| JournalError::Write(e.to_string()))?)
}
