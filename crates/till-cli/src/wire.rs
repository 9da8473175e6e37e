//! The CLI's JSON output shapes. This is a public surface: scripts parse it, so fields are
//! only ever added. Decimals are strings so they stay exact.

use serde_json::{Value, json};
use till_domain::{Item, SaleRecord, TenderKind};
use till_register::{ImportReport, JournalReport};

/// An item as looked up or found.
pub fn item(i: &Item) -> Value {
    json!({
        "sku": i.sku,
        "name": i.name,
        "category": i.category,
        "price": i.price.to_string(),
        "price_source": i.price_source.to_string(),
        "unit": i.unit.as_str(),
        "tax_class": i.tax_class.name,
        "tax_rate": i.tax_class.rate.to_string(),
        "components": i.components.iter().map(|c| json!({"sku": c.sku, "quantity": c.quantity.to_string()})).collect::<Vec<_>>(),
    })
}

/// A completed sale.
pub fn sale(s: &SaleRecord) -> Value {
    let cart = &s.cart;
    // Both amounts were checked when the sale settled; a sum out of range cannot occur.
    let collected = s.settlement.collected().map_or_else(|e| e.to_string(), |m| m.to_string());
    json!({
        "receipt": s.receipt.to_string(),
        "receipt_code": s.receipt_code(),
        "kind": s.kind().as_str(),
        "id": s.id,
        "store": s.store,
        "at": s.at.to_string(),
        "business_date": s.business_date.to_string(),
        "currency": s.currency,
        "lines": cart.lines.iter().map(|l| json!({
            "line": l.id.0,
            "sku": l.sku,
            "name": l.name,
            "quantity": l.quantity.to_string(),
            "unit": l.unit.as_str(),
            "unit_price": l.unit_price().to_string(),
            "price_overridden": l.price_override.is_some(),
            "gross": l.gross.to_string(),
            "adjustments": l.adjustments.iter().map(|a| json!({
                "source": a.kind.to_string(),
                "label": a.label,
                "amount": a.amount.to_string(),
            })).collect::<Vec<_>>(),
            "total": l.total.to_string(),
            "tax_rate": l.tax_class.rate.to_string(),
            "returning": l.returning.as_ref().map(|r| json!({
                "of_receipt": r.original.as_ref().map(|o| o.receipt.clone()),
                "of_line": r.original.as_ref().map(|o| o.line),
                "reason": r.reason,
                "disposition": r.disposition.as_str(),
                "refund": r.refund.to_string(),
                "fee_percent": r.fee_percent.to_string(),
                "override_note": r.override_note,
            })),
        })).collect::<Vec<_>>(),
        "subtotal": cart.subtotal.to_string(),
        "discount_total": cart.discount_total.to_string(),
        "tax_total": cart.tax_total.to_string(),
        "taxes": cart.taxes.iter().map(|t| json!({"label": t.label, "rate": t.rate.to_string(), "net": t.net.to_string(), "tax": t.tax.to_string(), "gross": t.gross.to_string()})).collect::<Vec<_>>(),
        "total": cart.total.to_string(),
        "cash_rounding": s.settlement.cash_rounding.to_string(),
        "collected": collected,
        "tenders": s.settlement.payments.iter().map(|p| {
            let mut v = json!({"kind": p.kind.code(), "amount": p.amount.to_string(), "tendered": p.tendered.to_string()});
            match &p.kind {
                TenderKind::Card(c) => {
                    v["brand"] = json!(c.brand);
                    v["last4"] = json!(c.last4);
                    v["reference"] = json!(c.reference);
                }
                TenderKind::StoreCredit(code) => v["code"] = json!(code),
                _ => {}
            }
            v
        }).collect::<Vec<_>>(),
        "change": s.settlement.change.to_string(),
        "coupons": s.coupons,
        "staff": s.staff,
        "session": s.session,
    })
}

/// An import summary.
pub fn import(r: &ImportReport) -> Value {
    json!({
        "products": r.products,
        "variants": r.variants,
        "prices": r.prices,
        "promotions": r.promotions,
        "skipped": r.skipped,
        "bulk": r.bulk,
        "rejected": r.rejected.iter().map(|e| json!({"line": e.line, "field": e.field, "reason": e.reason})).collect::<Vec<_>>(),
        "warnings": r.warnings.iter().map(|w| json!({"line": w.line, "message": w.message})).collect::<Vec<_>>(),
    })
}

/// A journal verification.
pub fn journal(r: &JournalReport) -> Value {
    json!({
        "ok": r.problem.is_none(),
        "records": r.records,
        "grand_total": r.grand_total.to_string(),
        "head": r.head,
        "problem": r.problem.as_ref().map(|p| json!({"record": p.seq, "receipt": p.receipt, "reason": p.reason})),
    })
}

/// A sync status in words, for the terminal.
pub fn sync_status_text(s: &till_register::SyncStatus) -> String {
    if !s.enrolled {
        return "not enrolled with an HQ (till enroll --hq URL --token TOKEN)\n".to_string();
    }
    let mut out = format!(
        "HQ {}: {}\nlast successful sync: {}\n",
        s.hq.as_deref().unwrap_or("?"),
        if s.online { "online" } else { "OFFLINE" },
        s.last_success.as_deref().unwrap_or("never")
    );
    if let Some(e) = &s.last_error {
        out.push_str(&format!("last error: {e}\n"));
    }
    if let Some(v) = &s.catalog_version {
        out.push_str(&format!("catalog: HQ version {v}\n"));
    }
    out.push_str(&format!("sales not yet at HQ: {}", s.pending_sales));
    if let (Some(at), Some(age)) = (&s.oldest_pending_at, s.oldest_pending_age_seconds) {
        out.push_str(&format!(" (oldest {at}, {} min ago)", age / 60));
    }
    out.push('\n');
    out
}

/// HQ's open conflicts of the store, one paragraph each.
pub fn store_conflicts_text(open: &[till_register::StoreConflict]) -> String {
    if open.is_empty() {
        return "no open conflicts at HQ for this store\n".to_string();
    }
    let mut out = String::new();
    for c in open {
        let register = if c.register.is_empty() { String::new() } else { format!(" (register {})", c.register) };
        out.push_str(&format!(
            "{} {}{register}, raised {}\n  {}\n  needs: {}\n",
            c.kind, c.subject, c.raised_at, c.detail, c.needs
        ));
    }
    out
}

/// A read barcode in words, for the terminal.
pub fn barcode_text(b: &till_register::Barcode) -> String {
    use till_register::Barcode;
    let mut out = String::new();
    match b {
        Barcode::Gtin { symbology, gtin } => {
            out.push_str(&format!("{} {} (GTIN-14 {})", gtin.format, gtin.scanned, gtin.gtin14));
            if let Some(s) = symbology {
                out.push_str(&format!(", scanned as {s}"));
            }
            out.push('\n');
            if let Some(a) = &gtin.upc_a {
                out.push_str(&format!("UPC-E for UPC-A {a}\n"));
            }
            if let Some(r) = &gtin.rcn {
                out.push_str(&format!("restricted circulation number ({})", r.usage));
                if let Some(region) = &r.region {
                    out.push_str(&format!(", {region} rules"));
                }
                out.push('\n');
                if let Some(m) = &r.measure {
                    out.push_str(&format!("{}: {} {}\n", m.kind, m.value, m.unit));
                }
                if let Some(i) = &r.item {
                    out.push_str(&format!("item: {i}\n"));
                }
                if let Some(n) = &r.note {
                    out.push_str(&format!("note: {n}\n"));
                }
            }
        }
        Barcode::Gs1 { symbology, elements, expired } => {
            out.push_str(&format!("GS1 message{}\n", symbology.map(|s| format!(" ({s})")).unwrap_or_default()));
            for e in elements {
                let mut line = format!("({}) {:<16} {}", e.ai, e.title, e.value);
                if let Some(d) = e.date {
                    line.push_str(&format!("  = {d}"));
                }
                if let Some(v) = e.decimal {
                    line.push_str(&format!(
                        "  = {v}{}",
                        e.currency.as_ref().map(|c| format!(" {c}")).unwrap_or_default()
                    ));
                }
                out.push_str(&line);
                out.push('\n');
            }
            if *expired == Some(true) {
                out.push_str("EXPIRED: the use-by date (17) has passed\n");
            }
        }
        Barcode::Text { symbology, text } => {
            out.push_str(&format!("text{}: {text}\n", symbology.map(|s| format!(" ({s})")).unwrap_or_default()));
        }
    }
    out
}
