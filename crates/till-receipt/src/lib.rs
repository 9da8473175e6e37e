//! Receipt and report layout as plain text, column-aligned for a given paper width.
//!
//! Architecture invariant: layouts are built only from committed records
//! ([`SaleRecord`], [`XReport`]) — what was durably stored is what is printed — and
//! nothing is cut to fit: what does not fit on a line goes on the next (a 58 mm printer's
//! 32 columns included). This crate does no I/O; the printer layer (`till-printer`, fed by
//! the register's outbox) takes its text.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use till_domain::{
    DocumentKind, DrawerSummary, Money, PriceBasis, SaleRecord, SalesTotals, TenderKind, Unit, XReport, ZReport,
};

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

/// Which copy is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// The receipt handed over at the sale.
    Original,
    /// The n-th reprint, marked DUPLICATE.
    Duplicate(u32),
    /// A training sale's slip: not a receipt.
    Training,
}

impl Copy {
    /// The banner printed at the top and bottom, if any.
    fn banner(self) -> Option<String> {
        match self {
            Copy::Original => None,
            Copy::Duplicate(n) => Some(format!("*** DUPLICATE {n} ***")),
            Copy::Training => Some("*** TRAINING - NOT A RECEIPT ***".to_string()),
        }
    }
}

/// An amount taken off (positive) shown as `-x`, one given back (negative) as `+x`.
fn signed_off(amount: Money) -> String {
    if amount.is_negative() {
        format!("+{}", amount.negated())
    } else if amount.is_zero() {
        amount.to_string()
    } else {
        format!("-{amount}")
    }
}

fn tender_label(kind: &TenderKind) -> String {
    match kind {
        TenderKind::Cash => "Cash".to_string(),
        TenderKind::Card(c) if c.last4.is_empty() => format!("Card {}", c.brand).trim_end().to_string(),
        TenderKind::Card(c) => format!("Card {} ****{}", c.brand, c.last4),
        TenderKind::Custom(name) => name.clone(),
        TenderKind::StoreCredit(_) => "Store credit".to_string(),
    }
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
    /// `s` centred; text wider than the paper is wrapped at words, each line centred.
    fn centre(&mut self, s: &str) {
        for part in self.wrap(s, 0) {
            let pad = self.width.saturating_sub(part.chars().count()) / 2;
            self.line(&format!("{}{part}", " ".repeat(pad)));
        }
    }
    /// `left` and `right` on one line, `right` right-aligned. When both do not fit, `left`
    /// takes its own line(s) and `right` goes right-aligned below it: nothing is cut.
    fn pair(&mut self, left: &str, right: &str) {
        let (l, r) = (left.chars().count(), right.chars().count());
        if l + 1 + r <= self.width {
            self.line(&format!("{left}{}{right}", " ".repeat(self.width - l - r)));
            return;
        }
        let indent = left.chars().take_while(|c| *c == ' ').count();
        for part in self.wrap(left, indent) {
            self.line(&part);
        }
        self.line(&format!("{right:>w$}", w = self.width));
    }
    /// Long text wrapped at word boundaries.
    fn wrapped(&mut self, s: &str, indent: usize) {
        for part in self.wrap(s, indent) {
            self.line(&part);
        }
    }
    /// `s` as lines of at most the paper's width, broken at words (a word longer than a
    /// line is broken where the line ends), each after `indent` spaces.
    fn wrap(&self, s: &str, indent: usize) -> Vec<String> {
        let room = self.width.saturating_sub(indent).max(1);
        let mut lines = Vec::new();
        let mut current = String::new();
        for word in s.split_whitespace() {
            let mut word: Vec<char> = word.chars().collect();
            while word.len() > room {
                if !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                }
                lines.push(word.drain(..room).collect());
            }
            let word: String = word.into_iter().collect();
            if current.is_empty() {
                current = word;
            } else if current.chars().count() + 1 + word.chars().count() <= room {
                current.push(' ');
                current.push_str(&word);
            } else {
                lines.push(std::mem::replace(&mut current, word));
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        lines.into_iter().map(|l| format!("{}{l}", " ".repeat(indent))).collect()
    }
    /// A table of three right-aligned figures per row (net, tax, gross; expected, counted,
    /// over) under a heading: columns of 9 characters, 8 on 32-column paper so a label
    /// still fits beside them, wider when a figure needs it (a space always parts two
    /// figures); a row whose label does not fit goes above its figures (see `pair`).
    fn table(&mut self, label: &str, heading: [&str; 3], rows: &[(String, [String; 3])]) {
        let figures = rows.iter().flat_map(|(_, f)| f.iter().map(String::as_str));
        let widest = figures.chain(heading).map(|f| f.chars().count()).max().unwrap_or(0);
        let w = 9.min(self.width.saturating_sub(6) / 3).max(widest + 1);
        let three = |[a, b, c]: [&str; 3]| format!("{a:>w$}{b:>w$}{c:>w$}");
        self.pair(label, &three(heading));
        for (name, [a, b, c]) in rows {
            self.pair(name, &three([a, b, c]));
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
    if let Some(banner) = copy.banner() {
        t.centre(&banner);
    }
    for h in &layout.header {
        t.centre(h);
    }
    match sale.kind() {
        DocumentKind::Sale => {}
        DocumentKind::Return => t.centre("RETURN"),
        DocumentKind::Exchange => t.centre("EXCHANGE"),
    }
    t.rule();
    t.pair(&format!("Store {}", sale.store), &format!("Register {}", sale.receipt.register));
    let when = sale.at.to_zoned_datetime(layout.timezone.clone()).strftime("%Y-%m-%d %H:%M").to_string();
    t.pair(&format!("Receipt {}", sale.receipt), &when);
    t.rule();
    let rate_letter = |rate| cart.taxes.iter().position(|x| x.rate == rate).map_or(' ', letter);
    for line in &cart.lines {
        t.wrapped(&line.name, 0);
        let qty = match (line.unit, &line.returning) {
            (Unit::Each, None) => format!("  {} x {}", line.quantity, line.unit_price()),
            (Unit::Kilogram, None) => format!("  {} kg x {}/kg", line.quantity, line.unit_price()),
            (Unit::Each, Some(_)) => format!("  returned {}", line.quantity),
            (Unit::Kilogram, Some(_)) => format!("  returned {} kg", line.quantity),
        };
        t.pair(&qty, &format!("{} {}", line.gross, rate_letter(line.tax_class.rate)));
        if let Some(r) = &line.returning {
            let from =
                r.original.as_ref().map_or("no receipt".to_string(), |o| format!("{} line {}", o.receipt, o.line));
            t.wrapped(&format!("from {from}; {}; {}", r.reason.replace('_', " "), r.disposition.as_str()), 4);
            if let Some(note) = &r.override_note {
                t.wrapped(&format!("Manager override: {note}"), 4);
            }
        }
        if let Some(o) = &line.price_override {
            t.wrapped(&format!("Price override from {}: {}", line.list_price, o.reason), 4);
        }
        for a in &line.adjustments {
            t.pair(&format!("    {}", a.label), &format!("{}  ", signed_off(a.amount)));
        }
    }
    t.rule();
    t.pair("Subtotal", &format!("{}  ", cart.subtotal));
    if !cart.discount_total.is_zero() {
        t.pair("Discounts", &format!("{}  ", signed_off(cart.discount_total)));
    }
    if cart.basis == PriceBasis::TaxExclusive {
        t.pair("Tax", &format!("{}  ", cart.tax_total));
    }
    let total_label = if cart.total.is_negative() { "REFUND" } else { "TOTAL" };
    t.pair(&format!("{total_label} {}", sale.currency), &format!("{}  ", cart.total));
    t.rule();
    let inclusive = if cart.basis == PriceBasis::TaxInclusive { "incl." } else { "excl." };
    let rows: Vec<_> = cart
        .taxes
        .iter()
        .enumerate()
        .map(|(i, x)| {
            (format!("{} {}%", letter(i), x.rate.normalize()), [x.net, x.tax, x.gross].map(|m| m.to_string()))
        })
        .collect();
    t.table(&format!("Tax ({inclusive})"), ["Net", "Tax", "Gross"], &rows);
    t.rule();
    let s = &sale.settlement;
    for p in &s.payments {
        let label = tender_label(&p.kind);
        let label = if p.amount.is_negative() { format!("Refund to {label}") } else { label };
        t.pair(&label, &format!("{}  ", p.tendered));
        match &p.kind {
            TenderKind::Card(c) if !c.reference.is_empty() => t.line(&format!("  ref {}", c.reference)),
            TenderKind::StoreCredit(code) => t.line(&format!("  code {code}")),
            _ => {}
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
    if let Some(staff) = &sale.staff {
        t.line(&format!("Served by {staff}"));
    }
    t.rule();
    for f in &layout.footer {
        t.centre(f);
    }
    t.centre(&sale.receipt_code());
    if let Some(banner) = copy.banner() {
        t.centre(&banner);
    }
    t.out
}

fn when(at: jiff::Timestamp, layout: &ReceiptLayout) -> String {
    at.to_zoned_datetime(layout.timezone.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// The figures X and Z reports share: sales, returns, tax per rate, tenders.
fn totals_section(t: &mut Text, totals: &SalesTotals, currency: &str) {
    if let Some((first, last)) = totals.receipts {
        t.pair("Receipts", &format!("{first} - {last}"));
    }
    t.rule();
    t.pair("Documents", &totals.sales.to_string());
    if totals.returns > 0 {
        t.pair("  of which returns/exchanges", &totals.returns.to_string());
        t.pair("Returned", &totals.returned.to_string());
    }
    t.pair("Before discounts", &totals.subtotal.to_string());
    if !totals.discount_total.is_zero() {
        t.pair("Discounts", &signed_off(totals.discount_total));
    }
    t.pair(&format!("Sales total {currency}"), &totals.total.to_string());
    t.pair("  of which tax", &totals.tax_total.to_string());
    t.rule();
    let rows: Vec<_> = totals
        .taxes
        .iter()
        .map(|x| (format!("{}%", x.rate.normalize()), [x.net, x.tax, x.gross].map(|m| m.to_string())))
        .collect();
    t.table("Tax rate", ["Net", "Tax", "Gross"], &rows);
    t.rule();
    t.line("Tenders");
    for tender in &totals.tenders {
        t.pair(&format!("  {} ({})", tender.tender, tender.count), &tender.amount.to_string());
    }
    t.pair("Cash rounding", &totals.cash_rounding.to_string());
    t.pair("Change given", &totals.change.to_string());
}

fn drawer_section(t: &mut Text, drawer: &DrawerSummary) {
    t.rule();
    t.line("Drawer");
    t.pair("  Opening float", &drawer.float.to_string());
    t.pair("  Paid in", &drawer.paid_in.to_string());
    t.pair("  Paid out", &signed_off(drawer.paid_out));
    t.pair("  Safe drops", &signed_off(drawer.drops));
    t.pair("  Opened without a sale", &drawer.no_sales.to_string());
}

/// Lays out an X report.
pub fn x_report_text(report: &XReport, layout: &ReceiptLayout) -> String {
    let mut t = Text { out: String::new(), width: layout.width.max(24) };
    t.centre("X REPORT");
    t.centre("(interim - nothing is reset)");
    t.rule();
    t.pair(&format!("Store {}", report.store), &format!("Register {}", report.register));
    t.pair("Taken at", &when(report.at, layout));
    if let Some(session) = report.session {
        t.pair("Cash session", &session.to_string());
    }
    totals_section(&mut t, &report.totals, &report.currency);
    if let Some(drawer) = &report.drawer {
        drawer_section(&mut t, drawer);
        if report.expected_withheld {
            t.pair("Expected now", "withheld");
        } else {
            t.line("Expected now");
            for (tender, amount) in &report.expected {
                t.pair(&format!("  {tender}"), &amount.to_string());
            }
        }
    }
    t.rule();
    t.pair("Journal records", &report.journal_records.to_string());
    t.pair("Grand total (perpetual)", &report.grand_total.to_string());
    t.out
}

/// Lays out a Z report (`copy` marks reprints).
pub fn z_report_text(report: &ZReport, layout: &ReceiptLayout, copy: Copy) -> String {
    let mut t = Text { out: String::new(), width: layout.width.max(24) };
    if let Some(banner) = copy.banner() {
        t.centre(&banner);
    }
    t.centre(&format!("Z REPORT {}", report.number));
    t.centre("(cash session closed)");
    t.rule();
    t.pair(&format!("Store {}", report.store), &format!("Register {}", report.register));
    t.pair("Cash session", &report.session.to_string());
    t.pair("Opened", &when(report.opened_at, layout));
    if let Some(by) = &report.opened_by {
        t.pair("  by", by);
    }
    t.pair("Closed", &when(report.closed_at, layout));
    if let Some(by) = &report.closed_by {
        t.pair("  by", by);
    }
    totals_section(&mut t, &report.totals, &report.currency);
    drawer_section(&mut t, &report.drawer);
    t.rule();
    let rows: Vec<_> = report
        .balances
        .iter()
        .map(|b| {
            let over = b.over_short().map_or_else(|e| e.to_string(), |m| m.to_string());
            (format!("  {}", b.tender), [b.expected.to_string(), b.counted.to_string(), over])
        })
        .collect();
    t.table("Tender", ["Expected", "Counted", "Over"], &rows);
    t.rule();
    t.pair("Grand total (perpetual)", &report.grand_total.to_string());
    if let Some(banner) = copy.banner() {
        t.centre(&banner);
    }
    t.out
}
