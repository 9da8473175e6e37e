//! Receipt and report layout as plain text, column-aligned for a given paper width.
//!
//! Architecture invariant: layouts are built only from committed records
//! ([`SaleRecord`], [`XReport`]) — what was durably stored is what is printed. This crate
//! does no I/O; printers (ESC/POS, code pages, logos) are a later layer fed by this text.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use till_domain::{PriceBasis, SaleRecord, TenderKind, Unit, XReport};

/// What the store puts on its receipts and how wide the paper is.
#[derive(Debug, Clone)]
pub struct ReceiptLayout {
    /// Characters per line: 32 (58 mm), 42 or 48 (80 mm).
    pub width: usize,
    /// Lines centred at the top (store name, address).
    pub header: Vec<String>,
    /// Lines centred at the bottom.
    pub footer: Vec<String>,
    /// The store's time zone, for printed times.
    pub timezone: TimeZone,
}

/// Marks reprints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// The receipt handed over at the sale.
    Original,
    /// A reprint, marked DUPLICATE.
    Duplicate,
}

struct Text {
    out: String,
    width: usize,
}

impl Text {
    fn line(&mut self, s: &str) {
        let _ = writeln!(self.out, "{}", s.trim_end());
    }
    fn rule(&mut self) {
        self.line(&"-".repeat(self.width));
    }
    fn centre(&mut self, s: &str) {
        let len = s.chars().count();
        let pad = self.width.saturating_sub(len) / 2;
        self.line(&format!("{}{}", " ".repeat(pad), s));
    }
    /// `left` and `right` on one line, right-aligned; `left` is cut to fit.
    fn pair(&mut self, left: &str, right: &str) {
        let room = self.width.saturating_sub(right.chars().count() + 1);
        let left: String = left.chars().take(room).collect();
        let gap = self.width.saturating_sub(left.chars().count() + right.chars().count());
        self.line(&format!("{left}{}{right}", " ".repeat(gap.max(1))));
    }
    /// Long text wrapped at word boundaries.
    fn wrapped(&mut self, s: &str, indent: usize) {
        let mut current = " ".repeat(indent);
        for word in s.split_whitespace() {
            if current.trim().is_empty() {
                current.push_str(word);
            } else if current.chars().count() + 1 + word.chars().count() <= self.width {
                current.push(' ');
                current.push_str(word);
            } else {
                self.line(&current);
                current = format!("{}{word}", " ".repeat(indent));
            }
        }
        if !current.trim().is_empty() {
            self.line(&current);
        }
    }
}

/// The tax letter of the n-th rate on a receipt: A, B, C…
fn letter(i: usize) -> char {
    char::from(b'A' + (i % 26) as u8)
}

/// Lays out a receipt for a committed sale.
pub fn receipt_text(sale: &SaleRecord, layout: &ReceiptLayout, copy: Copy) -> String {
    let mut t = Text { out: String::new(), width: layout.width.max(24) };
    let cart = &sale.cart;
    if copy == Copy::Duplicate {
        t.centre("*** DUPLICATE ***");
    }
    for h in &layout.header {
        t.centre(h);
    }
    t.rule();
    t.pair(&format!("Store {}", sale.store), &format!("Register {}", sale.receipt.register));
    let when = sale.at.to_zoned_datetime(layout.timezone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    t.pair(&format!("Receipt {}", sale.receipt), &when);
    t.rule();
    let rate_letter = |rate| cart.taxes.iter().position(|x| x.rate == rate).map_or(' ', letter);
    for line in &cart.lines {
        t.wrapped(&line.name, 0);
        let qty = match line.unit {
            Unit::Each => format!("  {} x {}", line.quantity, line.unit_price()),
            Unit::Kilogram => format!("  {} kg x {}/kg", line.quantity, line.unit_price()),
        };
        t.pair(&qty, &format!("{} {}", line.gross, rate_letter(line.tax_class.rate)));
        if let Some(o) = &line.price_override {
            t.wrapped(&format!("Price override from {}: {}", line.list_price, o.reason), 4);
        }
        for a in &line.adjustments {
            t.pair(&format!("    {}", a.label), &format!("-{}  ", a.amount));
        }
    }
    t.rule();
    t.pair("Subtotal", &format!("{}  ", cart.subtotal));
    if !cart.discount_total.is_zero() {
        t.pair("Discounts", &format!("-{}  ", cart.discount_total));
    }
    if cart.basis == PriceBasis::TaxExclusive {
        t.pair("Tax", &format!("{}  ", cart.tax_total));
    }
    t.pair(&format!("TOTAL {}", sale.currency), &format!("{}  ", cart.total));
    t.rule();
    let inclusive = if cart.basis == PriceBasis::TaxInclusive { "incl." } else { "excl." };
    t.pair(&format!("Tax ({inclusive})"), &format!("{:>9}{:>9}{:>9}", "Net", "Tax", "Gross"));
    for (i, tax) in cart.taxes.iter().enumerate() {
        let name = format!("{} {}%", letter(i), tax.rate.normalize());
        let figures = format!("{:>9}{:>9}{:>9}", tax.net.to_string(), tax.tax.to_string(), tax.gross.to_string());
        t.pair(&name, &figures);
    }
    t.rule();
    let s = &sale.settlement;
    for p in &s.payments {
        let label = match &p.kind {
            TenderKind::Cash => "Cash".to_string(),
            TenderKind::Card(c) if c.last4.is_empty() => format!("Card {}", c.brand).trim_end().to_string(),
            TenderKind::Card(c) => format!("Card {} ****{}", c.brand, c.last4),
            TenderKind::Custom(name) => name.clone(),
        };
        t.pair(&label, &format!("{}  ", p.tendered));
        if let TenderKind::Card(c) = &p.kind
            && !c.reference.is_empty()
        {
            t.line(&format!("  ref {}", c.reference));
        }
    }
    if !s.cash_rounding.is_zero() {
        t.pair("Cash rounding", &format!("{}  ", s.cash_rounding));
    }
    if !s.change.is_zero() {
        t.pair("Change", &format!("{}  ", s.change));
    }
    if !sale.coupons.is_empty() {
        t.line(&format!("Coupons: {}", sale.coupons.join(", ")));
    }
    t.rule();
    for f in &layout.footer {
        t.centre(f);
    }
    if copy == Copy::Duplicate {
        t.centre("*** DUPLICATE ***");
    }
    t.out
}

/// Lays out an X report.
pub fn x_report_text(report: &XReport, layout: &ReceiptLayout) -> String {
    let mut t = Text { out: String::new(), width: layout.width.max(24) };
    let totals = &report.totals;
    t.centre("X REPORT");
    t.centre("(interim - nothing is reset)");
    t.rule();
    t.pair(&format!("Store {}", report.store), &format!("Register {}", report.register));
    t.pair("Taken at", &report.at.to_zoned_datetime(layout.timezone.clone()).strftime("%Y-%m-%d %H:%M").to_string());
    if let Some((first, last)) = totals.receipts {
        t.pair("Receipts", &format!("{first} - {last}"));
    }
    t.rule();
    t.pair("Sales", &totals.sales.to_string());
    t.pair("Before discounts", &totals.subtotal.to_string());
    if !totals.discount_total.is_zero() {
        t.pair("Discounts", &format!("-{}", totals.discount_total));
    }
    t.pair(&format!("Sales total {}", report.currency), &totals.total.to_string());
    t.pair("  of which tax", &totals.tax_total.to_string());
    t.rule();
    t.pair("Tax rate", &format!("{:>9}{:>9}{:>9}", "Net", "Tax", "Gross"));
    for tax in &totals.taxes {
        let figures = format!("{:>9}{:>9}{:>9}", tax.net.to_string(), tax.tax.to_string(), tax.gross.to_string());
        t.pair(&format!("{}%", tax.rate.normalize()), &figures);
    }
    t.rule();
    t.line("Tenders");
    for tender in &totals.tenders {
        t.pair(&format!("  {} ({})", tender.tender, tender.count), &tender.amount.to_string());
    }
    t.pair("Cash rounding", &totals.cash_rounding.to_string());
    t.pair("Change given", &totals.change.to_string());
    t.rule();
    t.pair("Journal records", &report.journal_records.to_string());
    t.pair("Grand total (perpetual)", &report.grand_total.to_string());
    t.out
}
