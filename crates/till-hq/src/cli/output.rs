//! What the commands print: JSON with `--json` (decimals as strings), else text — one
//! helper decides, and the shapes of both live here. Scripts and tests parse the JSON and
//! docs quote the text, so both stay as they are; fields are only ever added.

use anyhow::Result;
use serde::Serialize;
use serde_json::{Value, json};
use till_hq::db::rows::CatalogRow;
use till_hq::{Availability, Conflict, LocationView, Lookup, OrderView, Refund, RegisterSales, RegisterView};

/// How a command's answer is printed.
pub struct Output {
    json: bool,
}

impl Output {
    /// JSON when `json` (`--json`), else text.
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    /// Prints `value` as indented JSON, or the lines `text` makes.
    pub fn print(&self, value: &impl Serialize, text: impl FnOnce() -> Vec<String>) -> Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            lines(text());
        }
        Ok(())
    }

    /// Prints `value` as JSON on one line (a short answer a script reads a field of: a
    /// token, a counter), or the lines `text` makes.
    pub fn print_line(&self, value: &Value, text: impl FnOnce() -> Vec<String>) {
        if self.json {
            println!("{value}");
        } else {
            lines(text());
        }
    }
}

/// Each line, ended by a newline.
fn lines(text: Vec<String>) {
    for line in text {
        println!("{line}");
    }
}

/// `empty` for an empty list, else each item's lines.
pub fn each<T>(items: &[T], empty: &str, item: impl Fn(&T) -> Vec<String>) -> Vec<String> {
    if items.is_empty() {
        return if empty.is_empty() { Vec::new() } else { vec![empty.to_string()] };
    }
    items.iter().flat_map(item).collect()
}

/// An order: its head, a line per order line with where it goes, and why.
pub fn order(o: &OrderView) -> Vec<String> {
    let mut out = vec![format!("{} {} [{}] {}", o.id, o.number, o.status, o.email)];
    for l in &o.lines {
        let place =
            if l.location.is_empty() { format!("not routed: {}", l.why) } else { format!("→ {}", l.location) };
        let reservation = l
            .reservation
            .as_ref()
            .map(|r| {
                format!(" (reserved {} {})", r["quantity"].as_str().unwrap_or(""), r["state"].as_str().unwrap_or(""))
            })
            .unwrap_or_default();
        let sku = if l.sku.is_empty() { format!("? {}", l.ordered_sku) } else { l.sku.clone() };
        let done = if l.fulfilled == "0" { String::new() } else { format!(" fulfilled {}", l.fulfilled) };
        out.push(format!("  {:>2}. {:<20} × {:<4} {:>10}  {place}{reservation}{done}", l.n, sku, l.quantity, l.price));
    }
    if let Some(why) = o.explanation.get("summary").and_then(|v| v.as_str()) {
        out.push(format!("  why: {why}"));
    }
    out
}

/// A register: its state and how far its journal is booked.
pub fn register(r: &RegisterView) -> Vec<String> {
    let state = if r.revoked {
        "revoked"
    } else if r.enrolled {
        "enrolled"
    } else {
        "awaiting enrollment"
    };
    let journal = match (r.halted.as_str(), r.awaiting_hash_of) {
        ("", None) => String::new(),
        ("", Some(seq)) => format!("  waiting for its hash of record {seq} (asked at its next sync)"),
        (conflict, _) => format!("  halted by conflict {conflict}"),
    };
    vec![format!("{:<24} {state:<20} through {:<8} last seen {}{journal}", r.key, r.through_seq, r.last_seen)]
}

/// A conflict, what it needs, and how it was resolved.
pub fn conflict(c: &Conflict) -> Vec<String> {
    let state = if c.resolved_at.is_empty() { "OPEN".to_string() } else { "resolved".into() };
    let mut out =
        vec![format!("{} {state} {} {} — {}", c.id, c.kind, c.subject, c.detail), format!("    needs: {}", c.needs)];
    if !c.resolution.is_empty() {
        out.push(format!("    resolution: {}", c.resolution));
    }
    out
}

/// A refund owed to an online tender.
pub fn refund(r: &Refund) -> Vec<String> {
    vec![format!("{} {} {} at {}/{} [{}] {}", r.at, r.order_id, r.amount, r.store, r.register, r.state, r.sale_id)]
}

/// A logged order lookup.
pub fn lookup(l: &Lookup) -> Vec<String> {
    let order = if l.order_id.is_empty() { "(nothing found)" } else { &l.order_id };
    vec![format!("{} {} {} '{}' → {order}", l.at, l.register, l.via, l.asked)]
}

/// A location as configured.
pub fn location(l: &LocationView) -> Vec<String> {
    vec![format!(
        "{:<12} {:<5} {:>9},{:<9} pickup {:<5} ship {:<5} buffer {:<4} cost {:<7} SLA {:>3} h{}",
        l.id,
        l.kind,
        l.lat,
        l.lon,
        l.pickup,
        l.ship,
        l.safety_buffer,
        l.cost,
        l.sla_hours,
        if l.shopify_location.is_empty() { String::new() } else { format!("  Shopify '{}'", l.shopify_location) }
    )]
}

/// What orders may take of one SKU at a location.
pub fn availability(a: &Availability) -> Vec<String> {
    vec![format!(
        "{:<24} on hand {:>8}  reserved {:>8}  buffer {:>4}  available {:>8}",
        a.sku, a.on_hand, a.reserved, a.safety_buffer, a.available
    )]
}

/// A published catalog version, as JSON.
pub fn catalog_json(c: &CatalogRow) -> Value {
    json!({"version": c.version, "file": c.file_name, "effective_from": c.effective_from,
           "published_at": c.published_at, "products": c.products, "skus": c.variants,
           "sha256": c.sha256, "size": c.size})
}

/// A published catalog version, as text.
pub fn catalog(c: &CatalogRow) -> Vec<String> {
    vec![format!(
        "v{:<4} {:<24} {} products, {} SKUs, in force from {} (published {})",
        c.version, c.file_name, c.products, c.variants, c.effective_from, c.published_at
    )]
}

/// One register's books, as JSON.
pub fn sales_json(r: &RegisterSales) -> Value {
    let t = &r.totals;
    json!({
        "store": r.store,
        "register": r.register,
        "sales": t.sales,
        "returns": t.returns,
        "subtotal": t.subtotal.to_string(),
        "discount_total": t.discount_total.to_string(),
        "tax_total": t.tax_total.to_string(),
        "total": t.total.to_string(),
        "cash_rounding": t.cash_rounding.to_string(),
        "change": t.change.to_string(),
        "returned": t.returned.to_string(),
        "taxes": t.taxes.iter().map(|x| json!({
            "label": x.label, "rate": x.rate.to_string(), "net": x.net.to_string(),
            "tax": x.tax.to_string(), "gross": x.gross.to_string(),
        })).collect::<Vec<_>>(),
        "tenders": t.tenders.iter().map(|x| json!({
            "tender": x.tender, "count": x.count, "amount": x.amount.to_string(),
        })).collect::<Vec<_>>(),
        "grand_total": r.grand_total.to_string(),
        "through_seq": r.through_seq,
        "halted": r.halted,
    })
}

/// One register's books, as text: counts, taxes, tenders, totals.
pub fn sales(r: &RegisterSales) -> Vec<String> {
    let t = &r.totals;
    let mut out = vec![format!(
        "{}/{}  sales {}  (returns {})  through record {}{}",
        r.store,
        r.register,
        t.sales,
        t.returns,
        r.through_seq,
        if r.halted { "  HALTED: see `till-hq conflicts`" } else { "" }
    )];
    for x in &t.taxes {
        out.push(format!(
            "  tax {:>6}% {:<16} net {:>12} tax {:>10} gross {:>12}",
            x.rate, x.label, x.net, x.tax, x.gross
        ));
    }
    for x in &t.tenders {
        out.push(format!("  tender {:<16} {:>5} × {:>12}", x.tender, x.count, x.amount));
    }
    out.push(format!("  total {:>12}   grand total {:>12}", t.total, r.grand_total));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_list_says_so_or_prints_nothing_and_items_keep_their_order() {
        assert_eq!(each::<u8>(&[], "no orders", |_| Vec::new()), ["no orders"]);
        assert!(each::<u8>(&[], "", |_| Vec::new()).is_empty());
        assert_eq!(each(&[1, 2], "none", |n| vec![n.to_string(), "-".into()]), ["1", "-", "2", "-"]);
    }

    #[test]
    fn a_register_line_says_whether_its_journal_is_halted_or_waits_for_a_hash() {
        let mut r = RegisterView {
            key: "AMS-01/R1".into(),
            store: "AMS-01".into(),
            register: "R1".into(),
            enrolled: true,
            revoked: false,
            through_seq: 12,
            last_seen: "2024-05-01T09:00:00Z".into(),
            halted: String::new(),
            awaiting_hash_of: Some(13),
        };
        assert_eq!(
            register(&r),
            ["AMS-01/R1                enrolled             through 12       last seen 2024-05-01T09:00:00Z  \
              waiting for its hash of record 13 (asked at its next sync)"]
        );
        r.halted = "4f1c2a9b0e7d".into();
        r.revoked = true;
        assert_eq!(
            register(&r),
            ["AMS-01/R1                revoked              through 12       last seen 2024-05-01T09:00:00Z  \
              halted by conflict 4f1c2a9b0e7d"]
        );
    }
}
