//! The CLI's text output for what is not one line: a sync status, HQ's conflicts, a read
//! barcode. (Its JSON shapes are `till_api`'s, shared with the desktop app.)

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
    if let Some(v) = s.config_version.as_deref().and_then(|v| v.strip_prefix("hq-")) {
        out.push_str(&format!("configuration: HQ version {v}\n"));
    }
    for aside in &s.config_set_aside {
        out.push_str(&format!("configuration set aside: {aside}\n"));
    }
    out.push_str(&format!("sales not yet at HQ: {}", s.pending_sales));
    if let (Some(at), Some(age)) = (&s.oldest_pending_at, s.oldest_pending_age_seconds) {
        out.push_str(&format!(" (oldest {at}, {} min ago)", age / 60));
    }
    out.push('\n');
    for q in &s.quarantined {
        out.push_str(&format!("set aside ({} side, since {}): {}\n  {}\n", q.side, q.since, q.doc, q.reason));
    }
    out
}

/// HQ's open conflicts of the store, one paragraph each.
pub fn store_conflicts_text(open: &[till_protocol::StoreConflict]) -> String {
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

/// The configuration in force, in words, then its text (`till config show`).
pub fn config_text(c: &till_api::ConfigStateView) -> String {
    let since = if c.effective.is_empty() {
        "since the register was created".to_string()
    } else {
        format!("since {}", c.effective)
    };
    let from = if c.source == "hq" { "from HQ" } else { "edited at this register" };
    let mut out = format!("configuration {} ({from}), in force {since}", c.version);
    if !c.made_by.is_empty() {
        out.push_str(&format!(", by {}", c.made_by));
    }
    if !c.reason.is_empty() {
        out.push_str(&format!(": {}", c.reason));
    }
    out.push('\n');
    if c.enrolled {
        out.push_str("enrolled with HQ: HQ owns this configuration (till-hq config set)\n");
    }
    for p in &c.pending {
        let why = if p.reason.is_empty() { String::new() } else { format!(": {}", p.reason) };
        out.push_str(&format!("waiting: {} takes effect at {}{why}\n", p.version, p.effective));
    }
    for aside in &c.set_aside {
        out.push_str(&format!("set aside: {aside}\n"));
    }
    out.push('\n');
    out.push_str(&c.text);
    out
}
