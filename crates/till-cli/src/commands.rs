//! What each command does: parse its flags into the register's types, call the register
//! service, print the result. No business rule lives here.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use rust_decimal::Decimal;
use till_api::cli as cli_api;
use till_api::{
    CashMovementView, ConflictView, Dec, DrawerOpened, ImportView, ItemView, JournalView, MailJobView, MailRoundView,
    ParkedView, PrintRoundView, SaleView, StaffListView, SyncStatusView, XReportView,
};
use till_domain::{Action, Cart, Disposition, LineId, Money, Permission, Tender, TenderKind};
use till_register::{
    BackgroundWork, Copy, Count, DrawerMove, Enrollment, ExportFormat, HqTrust, NewStaff, RefundMethod, Register,
    RegisterError, ReturnPick, ReturnRequest, Settle, StaffChange, parse_discount, parse_scan_entry, zreport,
};

use crate::args::{
    AisleCommand, BarcodeCommand, BorisCommand, CartArgs, CatalogCommand, Cli, Command, ConfigCommand, DrawerCommand,
    ExchangeArgs, JournalCommand, MailCommand, PickupCommand, PrinterArgs, PrinterCommand, ReceiptCommand,
    ReportCommand, ReturnArgs, ReturnPicks, SaleArgs, ScaleCommand, ScannerCommand, StaffCommand, StressCommand,
    SyncArgs, SyncCommand,
};
use crate::{authority, data_dir, open, print, usage, wire, write_out};

/// Whether the command signs its staff in itself (then `run` need not check the
/// credentials first, and the PINs are hashed once).
fn signs_in(command: &Command) -> bool {
    match command {
        Command::Sale(_) | Command::Return(_) | Command::Exchange(_) | Command::Drawer(_) | Command::Stress(_) => true,
        Command::Boris(c) => matches!(c, BorisCommand::Return { .. }),
        Command::Aisle(c) => matches!(c, AisleCommand::Order { .. } | AisleCommand::Replace { .. }),
        Command::Pickup(c) => matches!(
            c,
            PickupCommand::Pick { .. }
                | PickupCommand::Stage { .. }
                | PickupCommand::Ready { .. }
                | PickupCommand::Handover { .. }
                | PickupCommand::Ship { .. }
        ),
        Command::Staff(c) => !matches!(c, StaffCommand::List),
        Command::Config(c) => matches!(c, ConfigCommand::Set { .. }),
        Command::Report(_) => true,
        Command::Receipt(ReceiptCommand::Show { .. }) => true,
        Command::Receipt(ReceiptCommand::Print { .. }) => true,
        Command::Receipt(ReceiptCommand::Find { .. }) => true,
        _ => false,
    }
}

/// Exit status when an import committed but some rows were rejected.
const EXIT_ROWS_REJECTED: u8 = 3;

/// Runs the command line.
pub fn run(cli: &Cli) -> Result<ExitCode> {
    let dir = data_dir(cli)?;
    // Credentials given to a command that needs none (a report, a lookup) are checked
    // too: a wrong or locked-out PIN never passes unnoticed.
    let given = cli.staff.is_some() || !cli.approvals.is_empty();
    if given && !signs_in(&cli.command) && !matches!(cli.command, Command::Init { .. }) {
        authority(cli, &mut open(&dir)?)?;
    }
    match &cli.command {
        Command::Init { config } => {
            let text = std::fs::read_to_string(config).with_context(|| format!("cannot read {}", config.display()))?;
            let path = Register::init(&dir, &text, &config.display().to_string())?;
            let reg = open(&dir)?;
            let c = reg.config();
            let created = cli_api::Created {
                store: c.store.clone(),
                register: c.register.clone(),
                database: path.display().to_string(),
            };
            print(cli, &created, || {
                format!("Created register {} of store {} in {}\n", c.register, c.store, dir.display())
            });
        }
        Command::Catalog(CatalogCommand::Import { file }) => return import(cli, &dir, file),
        Command::Lookup { code } => {
            let reg = open(&dir)?;
            let item = reg.lookup(code)?;
            print(cli, &ItemView::from(&item), || {
                format!(
                    "{}  {}  {} {}/{}  tax {} ({}%)\n",
                    item.sku,
                    item.name,
                    item.price,
                    reg.config().currency.code(),
                    item.unit.as_str(),
                    item.tax_class.name,
                    item.tax_class.rate.normalize()
                )
            });
        }
        Command::Search { text, limit } => {
            let reg = open(&dir)?;
            let items = reg.search(text, *limit)?;
            print(cli, &items.iter().map(ItemView::from).collect::<Vec<_>>(), || {
                items.iter().map(|i| format!("{:<20} {:<50} {:>10}\n", i.sku, i.name, i.price)).collect()
            });
        }
        Command::Sale(args) => sale(cli, &dir, args)?,
        Command::Return(args) => return_goods(cli, &dir, args)?,
        Command::Exchange(args) => exchange(cli, &dir, args)?,
        Command::Parked => {
            let reg = open(&dir)?;
            let carts = reg.parked()?;
            let value: Vec<ParkedView> = carts
                .iter()
                .map(|c| ParkedView { id: c.id, label: c.label.clone(), parked_at: c.parked_at.clone() })
                .collect();
            print(cli, &value, || {
                carts.iter().map(|c| format!("{:>4}  {}  {}\n", c.id, c.parked_at, c.label)).collect()
            });
        }
        Command::Drawer(command) => drawer(cli, &dir, command)?,
        Command::Pickup(command) => crate::pickup::run(cli, &dir, command)?,
        Command::Boris(command) => crate::pickup::boris(cli, &dir, command)?,
        Command::Aisle(command) => crate::pickup::aisle(cli, &dir, command)?,
        Command::Staff(command) => staff(cli, &dir, command)?,
        Command::Config(ConfigCommand::Show) => {
            let reg = open(&dir)?;
            let view = till_api::ConfigStateView::from(&reg.config_show()?);
            print(cli, &view, || wire::config_text(&view));
        }
        Command::Config(ConfigCommand::Set { edits, reason }) => {
            let mut reg = open(&dir)?;
            let mut auth = authority(cli, &mut reg)?;
            let view = till_api::ConfigStateView::from(&reg.config_set(&mut auth, edits, reason)?);
            print(cli, &view, || format!("Configuration {} in force from {}\n", view.version, view.effective));
        }
        Command::Journal(JournalCommand::Verify) => {
            let reg = open(&dir)?;
            let report = reg.verify_journal()?;
            print(cli, &JournalView::from(&report), || match &report.problem {
                None => format!("Journal OK: {} records, grand total {}\n", report.records, report.grand_total),
                Some(p) => format!("Journal BROKEN at {p}\n"),
            });
            if let Some(p) = &report.problem {
                if !cli.json {
                    let _ = writeln!(std::io::stderr(), "till: error: journal verification failed at {p}");
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Journal(JournalCommand::Export { from, to, format, out }) => {
            let reg = open(&dir)?;
            let date = |flag: &str, text: &str| {
                text.parse::<jiff::civil::Date>()
                    .map_err(|e| usage(format!("{flag} {text}: not a date (YYYY-MM-DD): {e}")))
            };
            let format = match format.as_str() {
                "json" => ExportFormat::Json,
                "csv" => ExportFormat::Csv,
                other => return Err(usage(format!("--format {other}: json or csv"))),
            };
            let export = reg.export_journal(date("--from", from)?, date("--to", to)?, format)?;
            match out {
                Some(path) => {
                    std::fs::write(path, &export.text).with_context(|| format!("cannot write {}", path.display()))?;
                    let summary = cli_api::Exported {
                        file: path.display().to_string(),
                        records: export.records,
                        documents: export.documents,
                        total: Dec::of(export.total),
                    };
                    print(cli, &summary, || {
                        format!(
                            "Exported {} journal records ({} documents, total {}) to {}\n",
                            export.records,
                            export.documents,
                            export.total,
                            path.display()
                        )
                    });
                }
                None => write_out(&export.text),
            }
        }
        Command::Report(ReportCommand::X) => {
            let mut reg = open(&dir)?;
            let auth = authority(cli, &mut reg)?;
            let report = reg.x_report(&auth)?;
            print(cli, &XReportView::from(&report), || reg.x_report_text(&report));
        }
        Command::Report(ReportCommand::Z { cash, counted, reprint }) => {
            let mut reg = open(&dir)?;
            let mut auth = authority(cli, &mut reg)?;
            match reprint {
                Some(number) => {
                    let (report, copy) = reg.reprint_z(*number, &mut auth)?;
                    print(cli, &zreport::z_json(&report), || reg.z_report_text(&report, copy));
                }
                None => close_drawer(cli, &mut reg, &mut auth, cash.as_deref(), counted)?,
            }
        }
        Command::Receipt(ReceiptCommand::Print { number, printer, kick }) => {
            let mut reg = open(&dir)?;
            let mut auth = authority(cli, &mut reg)?;
            match &printer.printer {
                Some(url) => {
                    let target =
                        reg.printer_from_options(url, printer.profile.as_deref(), printer.code_page.as_deref())?;
                    let (copy, sent) = reg.print_receipt_to(number, &target, *kick, &mut auth)?;
                    let printed = cli_api::Printed { printed: number.clone(), printer: url.clone(), copy, bytes: sent };
                    print(cli, &printed, || format!("receipt {number} sent to {url} ({sent} bytes)\n"));
                }
                None => {
                    let round = reg.print_on_demand(number, *kick, &mut auth)?;
                    print_round(cli, &round)?;
                }
            }
        }
        Command::Receipt(ReceiptCommand::Show { number, duplicate }) => {
            let mut reg = open(&dir)?;
            let mut auth = authority(cli, &mut reg)?;
            // By number, or by the code scanned off the paper.
            let found = reg.find_receipt(&auth, number)?;
            let (sale, copy) =
                if *duplicate { reg.reprint(&found.receipt.to_string(), &mut auth)? } else { (found, Copy::Original) };
            print(cli, &SaleView::from(&sale), || reg.receipt_text(&sale, copy));
        }
        Command::Receipt(ReceiptCommand::Find { number }) => {
            let mut reg = open(&dir)?;
            let auth = authority(cli, &mut reg)?;
            let found = reg.find_receipt_anywhere(&auth, number)?;
            let left = reg.returnable(&found.sale)?;
            let view = till_api::FoundReceiptView::new(&found, &left, reg.receipt_text(&found.sale, Copy::Original));
            print(cli, &view, || {
                let mut text = format!(
                    "receipt {} of store {} register {}, found {}\n",
                    found.sale.receipt,
                    found.sale.store,
                    found.sale.receipt.register,
                    match found.source {
                        till_register::ReceiptSource::Local => "here",
                        till_register::ReceiptSource::Peer => "in this register's copy of the store peer's sales",
                        till_register::ReceiptSource::Hq => "at HQ",
                    }
                );
                for l in &view.found.lines {
                    text.push_str(&format!(
                        "  line {}: {} {} x{} {}, {} left to return\n",
                        l.line, l.sku, l.name, l.quantity.0, l.total.0, l.returnable.0
                    ));
                }
                text
            });
        }
        Command::Stock { sku } => {
            let mut reg = open(&dir)?;
            let qty = reg.stock(sku)?;
            let store_qty = reg.store_stock(sku)?;
            let location = reg.config().location.clone();
            let view = cli_api::StockView {
                sku: sku.clone(),
                location: location.clone(),
                quantity: Dec::of(qty),
                store_quantity: store_qty.map(Dec::of),
            };
            print(cli, &view, || match store_qty {
                Some(s) => {
                    format!("{sku} at {location}: {qty} (this register's ledger); {s} (store, as last synced)\n")
                }
                None => format!("{sku} at {location}: {qty}\n"),
            });
        }
        Command::Credit { code } => {
            let reg = open(&dir)?;
            let code = &code.trim().to_uppercase(); // printed upper case; typed either way
            let balance = reg.store_credit(code)?;
            let view = cli_api::CreditView { code: code.clone(), balance: Dec::of(balance) };
            print(cli, &view, || format!("{code}: {balance}\n"));
        }
        Command::Scanner(ScannerCommand::Read { port, timeout }) => {
            let reg = open(&dir)?;
            let (raw, parsed) = reg.read_scanner(port.as_deref(), std::time::Duration::from_secs(*timeout))?;
            let parsed = parsed.map_err(|e| usage(e.to_string()))?;
            let text = wire::barcode_text(&parsed);
            print(cli, &cli_api::ScannerRead { scanned: raw, barcode: parsed }, || text);
        }
        Command::Scale(ScaleCommand::Read { port }) => {
            let kg = open(&dir)?.weigh(port.as_deref())?;
            print(cli, &cli_api::Weighed { kg: Dec::of(kg) }, || format!("{kg} kg\n"));
        }
        Command::Scale(ScaleCommand::Zero { port }) => {
            open(&dir)?.zero_scale(port.as_deref())?;
            print(cli, &cli_api::Done::that("zeroed"), || "scale zeroed\n".to_string());
        }
        Command::Printer(PrinterCommand::Status { printer }) => {
            let reg = open(&dir)?;
            let target = printer_target(&reg, printer)?;
            let s = reg.printer_status(&target)?;
            let drawer_open = target.drawer_open(&s);
            let view = cli_api::PrinterStatusView {
                printer: target.url.clone(),
                summary: s.summary().to_string(),
                status: s,
                drawer_open,
            };
            print(cli, &view, || {
                format!(
                    "{}: {}{}; drawer {}\n",
                    target.url,
                    s.summary(),
                    if s.paper_near_end { " (paper nearly out)" } else { "" },
                    if drawer_open { "open" } else { "closed" }
                )
            });
        }
        Command::Printer(PrinterCommand::Jobs { waiting }) => {
            let jobs = open(&dir)?.print_jobs(*waiting)?;
            print(cli, &jobs.iter().map(cli_api::PrintJobView::from).collect::<Vec<_>>(), || {
                jobs.iter()
                    .map(|j| {
                        format!(
                            "job {} receipt {} {} ({} attempt(s)){}\n",
                            j.id,
                            j.sale_seq,
                            j.state,
                            j.attempts,
                            j.last_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
                        )
                    })
                    .collect()
            });
        }
        Command::Printer(PrinterCommand::Work { watch }) => {
            let mut reg = open(&dir)?;
            let mut work = BackgroundWork::printing();
            passes(*watch, 1, || match reg.background_pass(&mut work).print {
                Some(round) => print_round(cli, &round?),
                None => Ok(()),
            })?;
        }
        Command::Mail(MailCommand::Jobs { waiting }) => {
            let jobs = open(&dir)?.mail_jobs(*waiting)?;
            let views: Vec<MailJobView> = jobs.iter().map(MailJobView::from).collect();
            print(cli, &views, || jobs.iter().map(crate::pickup::mail_line).collect());
        }
        Command::Mail(MailCommand::Work { watch }) => {
            let mut reg = open(&dir)?;
            let mut work = BackgroundWork::mailing();
            passes(*watch, 5, || match reg.background_pass(&mut work).mail {
                Some(round) => mail_round(cli, &round?),
                None => Ok(()),
            })?;
        }
        Command::Printer(PrinterCommand::Test { printer }) => {
            let reg = open(&dir)?;
            let target = printer_target(&reg, printer)?;
            let sent = reg.print_test_page(&target)?;
            let page = cli_api::TestPage { printer: target.url.clone(), bytes: sent };
            print(cli, &page, || format!("test page sent to {}\n", target.url));
        }
        Command::Printer(PrinterCommand::Profiles) => {
            let profiles = till_register::printer_profiles();
            print(cli, &profiles, || {
                profiles
                    .iter()
                    .map(|p| {
                        let pages: Vec<&str> = p.code_pages.keys().map(String::as_str).collect();
                        format!(
                            "{:<10} {} — {} mm, {}/{} columns, {}{}{}\n",
                            p.id,
                            p.name,
                            p.paper_mm,
                            p.columns[0],
                            p.columns[1],
                            pages.join(" "),
                            if p.qr { ", QR" } else { "" },
                            if p.cut { ", cutter" } else { "" }
                        )
                    })
                    .collect()
            });
        }
        Command::Barcode(BarcodeCommand::Parse { code, rcn_region }) => {
            // With a register here, its country and clock; without one, the code alone.
            let parsed = match open(&dir) {
                Ok(reg) => reg.parse_barcode(code, rcn_region.as_deref()),
                Err(_) => till_register::parse_barcode_standalone(code, rcn_region.as_deref()),
            }
            .map_err(|e| usage(e.to_string()))?;
            print(cli, &parsed, || wire::barcode_text(&parsed));
        }
        Command::Enroll { hq, token, ca, pin_sha256, re_enroll } => {
            let trust = match (ca, pin_sha256) {
                (Some(path), _) => HqTrust::ca_file(path).map_err(|e| usage(e.to_string()))?,
                (None, Some(pin)) => HqTrust::pin(pin).map_err(|e| usage(e.to_string()))?,
                (None, None) => HqTrust::OsRoots,
            };
            let mut reg = open(&dir)?;
            let mut auth = authority(cli, &mut reg)?;
            reg.enroll(&mut auth, &Enrollment { url: hq, token, trust, re_enroll: *re_enroll })?;
            let c = reg.config();
            let enrolled = cli_api::Enrolled {
                enrolled: true,
                hq: hq.clone(),
                store: c.store.clone(),
                register: c.register.clone(),
            };
            print(cli, &enrolled, || format!("Register {}/{} enrolled with {hq}\n", c.store, c.register));
        }
        Command::ServePeer { listen } => {
            open(&dir)?.serve_peer(listen, |addr| write_out(&format!("listening on https://{addr}\n")))?;
        }
        Command::Sync(SyncArgs { watch: true, every, .. }) => watch(cli, &dir, *every)?,
        Command::Sync(SyncArgs { peer, command, .. }) => {
            let mut reg = open(&dir)?;
            match command {
                Some(SyncCommand::Rebuild) => {
                    reg.rebuild_sync_documents()?;
                    print(cli, &cli_api::Done::that("rebuilt"), || {
                        "journal documents rebuilt from the journal\n".to_string()
                    });
                }
                Some(SyncCommand::Rotate) => {
                    reg.rotate_credential()?;
                    print(cli, &cli_api::Done::that("rotated"), || "credential rotated\n".to_string());
                }
                Some(SyncCommand::Conflicts) => {
                    let open = reg.hq_conflicts()?;
                    let views: Vec<ConflictView> = open.iter().map(ConflictView::from).collect();
                    print(cli, &views, || wire::store_conflicts_text(&open));
                }
                Some(SyncCommand::Status) => {
                    let s = reg.sync_status()?;
                    print(cli, &SyncStatusView::from(&s), || wire::sync_status_text(&s));
                }
                None => {
                    let report = reg.sync_once(peer.as_deref())?;
                    let s = reg.sync_status()?;
                    let mut text = format!(
                        "synced: {} document(s) exchanged in {} request(s), {} bytes sent, {} received; HQ holds records through {}\n{}",
                        report.docs_exchanged,
                        report.requests,
                        report.bytes_sent,
                        report.bytes_received,
                        report.hq_through,
                        wire::sync_status_text(&s)
                    );
                    if let Some(staff) = &report.staff {
                        text.push_str(&format!("{staff}\n"));
                    }
                    let text = if report.peer_sales > 0 {
                        format!(
                            "{text}copied {} of the peer's recent sales (for returns of its receipts here)\n",
                            report.peer_sales
                        )
                    } else {
                        text
                    };
                    print(cli, &cli_api::SyncRound { report, status: SyncStatusView::from(&s) }, || text);
                }
            }
        }
        Command::Stress(StressCommand::Sell { scan, cash, count }) => {
            let mut reg = open(&dir)?;
            let mut auth = authority(cli, &mut reg)?;
            let amount = reg.config().currency.parse_amount(cash)?;
            for _ in 0..*count {
                let mut cart = Cart::new();
                reg.scan(&mut cart, scan, None)?;
                let sale =
                    reg.complete_sale(&cart, Settle::Tenders(&[Tender { kind: TenderKind::Cash, amount }]), &mut auth)?;
                // Printed only once durable: the crash harness holds us to it.
                write_out(&format!("{}\n", sale.receipt));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the background sync worker in the foreground until the process is stopped.
fn watch(cli: &Cli, dir: &Path, every: u64) -> Result<()> {
    let interval = std::time::Duration::from_secs(every.max(1));
    let timing = till_register::WorkerTiming {
        interval,
        base: interval.min(std::time::Duration::from_secs(2)),
        cap: std::time::Duration::from_secs(300),
    };
    let json = cli.json;
    let _worker = till_register::SyncWorker::spawn(dir.to_path_buf(), crate::clock()?, timing, move |e| {
        let line = if json {
            serde_json::to_string(&cli_api::SyncEventView::from(&e)).unwrap_or_default()
        } else {
            let peers = match (e.peers.reached, e.peers.failed.len()) {
                (0, 0) => String::new(),
                (n, 0) => format!("; {n} store peer(s) synced"),
                (n, _) => format!("; {n} store peer(s) synced, not {}", e.peers.failed.join("; ")),
            };
            format!(
                "{} — {} sale(s) not yet at HQ{peers}; next round in {} ms{}",
                if e.online { "online" } else { "OFFLINE" },
                e.pending_sales,
                e.next_in.as_millis(),
                e.error.map(|m| format!(" ({m})")).unwrap_or_default()
            )
        };
        write_out(&format!("{line}\n"));
    })?;
    loop {
        std::thread::park();
    }
}

fn import(cli: &Cli, dir: &Path, file: &Path) -> Result<ExitCode> {
    let mut reg = open(dir)?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if cli.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let report = reg.import_catalog(file, &mut |p| {
        bar.set_length(p.bytes_total);
        bar.set_position(p.bytes_read);
    })?;
    bar.finish_and_clear();
    print(cli, &ImportView::from(&report), || {
        let skipped =
            if report.skipped > 0 { format!("; {} rows carried no data", report.skipped) } else { String::new() };
        let mut out = format!(
            "Imported {} products ({} variants), {} prices, {} promotions from {}{skipped}\n",
            report.products,
            report.variants,
            report.prices,
            report.promotions,
            file.display(),
        );
        for w in &report.warnings {
            out.push_str(&format!("warning: {}: {w}\n", file.display()));
        }
        if !report.rejected.is_empty() {
            out.push_str(&format!("{} rows were not imported:\n", report.rejected.len()));
            for e in &report.rejected {
                out.push_str(&format!("  {}: {e}\n", file.display()));
            }
        }
        out
    });
    if let Err(e) = reg.maintain() {
        tracing::warn!("housekeeping after the import failed (the import is safe): {e}");
    }
    Ok(if report.rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_ROWS_REJECTED) })
}

/// Builds a cart from scans and cashier changes.
fn fill_cart(reg: &Register, cart: &mut Cart, args: &CartArgs) -> Result<()> {
    for scan in &args.scans {
        // One grammar for what a cashier types (QTY*CODE or CODE*QTY), the app's too.
        let entry = parse_scan_entry(scan).with_context(|| format!("--scan {scan}"))?;
        let scanned = reg.scan_code(cart, &entry.code, entry.quantity).with_context(|| format!("--scan {scan}"))?;
        for warning in scanned.warnings {
            // Nothing to do if stderr is gone.
            let _ = writeln!(std::io::stderr(), "till: warning: --scan {scan}: {warning}");
        }
    }
    for q in &args.quantities {
        let (line, qty) = q.split_once(':').ok_or_else(|| usage(format!("--quantity {q}: expected LINE:QTY")))?;
        let qty = Decimal::from_str_exact(qty.trim())
            .map_err(|_| usage(format!("--quantity {q}: '{qty}' is not a quantity")))?;
        cart.set_quantity(line_id(line, "--quantity", q)?, qty).with_context(|| format!("--quantity {q}"))?;
    }
    for v in &args.voids {
        cart.void_line(line_id(v, "--void", v)?).with_context(|| format!("--void {v}"))?;
    }
    for d in &args.discounts {
        match d.split_once(':') {
            Some((line, value)) => {
                let line = line_id(line, "--discount", d)?;
                let discount = parse_discount(value, reg).with_context(|| format!("--discount {d}"))?;
                cart.discount_line(line, discount).with_context(|| format!("--discount {d}"))?;
            }
            None => {
                let discount = parse_discount(d, reg).with_context(|| format!("--discount {d}"))?;
                cart.discount_order(discount).with_context(|| format!("--discount {d}"))?;
            }
        }
    }
    for o in &args.overrides {
        let mut parts = o.splitn(3, ':');
        let line = line_id(parts.next().unwrap_or(""), "--price", o)?;
        let price =
            reg.config().currency.parse_amount(parts.next().unwrap_or("")).with_context(|| format!("--price {o}"))?;
        cart.override_price(line, price, parts.next().unwrap_or("")).with_context(|| format!("--price {o}"))?;
    }
    for c in &args.coupons {
        reg.apply_coupon(cart, c)?;
    }
    Ok(())
}

/// After a committed document: print it, then housekeeping (which never fails it).
pub fn committed(cli: &Cli, reg: &mut Register, sale: &till_domain::SaleRecord, copy: Copy) {
    print(cli, &SaleView::from(sale), || reg.receipt_text(sale, copy));
    if let Err(e) = reg.show_sale(sale) {
        let _ = writeln!(std::io::stderr(), "till: warning: customer display: {e}");
    }
    // The sale is committed and its receipt queued; this one-shot process is the print
    // worker for it (the app runs one in the background). A printer that is not ready
    // leaves the receipt waiting (`till printer jobs`).
    if reg.config().printer.is_some() {
        match reg.print_pending() {
            Ok(till_register::PrintRound { blocked: Some(reason), .. }) => {
                eprintln!("receipt waiting for the printer: {reason}")
            }
            Ok(_) => {}
            Err(e) => eprintln!("receipt waiting for the printer: {e}"),
        }
    }
    if let Err(e) = reg.maintain() {
        tracing::warn!("housekeeping after the sale failed (the sale is safe): {e}");
    }
}

fn sale(cli: &Cli, dir: &Path, args: &SaleArgs) -> Result<()> {
    let mut reg = open(dir)?;
    let mut auth = authority(cli, &mut reg)?;
    let mut cart = match args.resume {
        Some(id) => reg.resume(id)?,
        None => Cart::new(),
    };
    fill_cart(&reg, &mut cart, &args.cart)?;
    if reg.config().display.is_some()
        && let Err(e) = reg.price(&cart).and_then(|priced| reg.show_cart(&priced))
    {
        let _ = writeln!(std::io::stderr(), "till: warning: customer display: {e}");
    }
    if let Some(label) = &args.park {
        let id = reg.park(&cart, label)?;
        print(cli, &cli_api::Parked { parked: id, label: label.clone() }, || format!("Parked cart {id} ({label})\n"));
        return Ok(());
    }
    if args.cancel {
        reg.void_cart(&cart, &mut auth)?;
        let cancelled = cli_api::Cancelled { cancelled: true, lines: cart.active_lines().count() };
        print(cli, &cancelled, || "Cart cancelled\n".to_string());
        return Ok(());
    }
    let tenders = args.tenders.iter().map(|t| tender(&reg, t)).collect::<Result<Vec<_>>>()?;
    if args.training {
        let sale = reg.complete_training_sale(&cart, &tenders, &auth)?;
        print(cli, &SaleView::from(&sale), || reg.receipt_text(&sale, Copy::Training));
        return Ok(());
    }
    let sale = reg.complete_sale(&cart, Settle::Tenders(&tenders), &mut auth)?;
    committed(cli, &mut reg, &sale, Copy::Original);
    Ok(())
}

/// Reads the return flags into a request.
fn return_request(picks: &ReturnPicks) -> Result<ReturnRequest> {
    let mut out = Vec::new();
    for line in &picks.lines {
        let (no, qty) = match line.split_once(':') {
            Some((no, qty)) => {
                let q = Decimal::from_str_exact(qty.trim())
                    .map_err(|_| usage(format!("--line {line}: '{qty}' is not a quantity")))?;
                (no, Some(q))
            }
            None => (line.as_str(), None),
        };
        out.push(ReturnPick::Line(line_id(no, "--line", line)?.0, qty));
    }
    for item in &picks.items {
        let (code, qty) = match item.rsplit_once('*') {
            Some((code, qty)) => (
                code,
                Decimal::from_str_exact(qty.trim())
                    .map_err(|_| usage(format!("--item {item}: '{qty}' is not a quantity")))?,
            ),
            None => (item.as_str(), Decimal::ONE),
        };
        out.push(ReturnPick::Item(code.to_string(), qty));
    }
    if out.is_empty() {
        return Err(usage("say what comes back: --line N (with --receipt) or --item CODE".into()));
    }
    Ok(ReturnRequest {
        receipt: picks.receipt.clone(),
        picks: out,
        reason: picks.reason.clone(),
        disposition: if picks.damaged { Disposition::Damaged } else { Disposition::Restock },
        override_note: picks.r#override.clone(),
    })
}

fn refund_method(text: &str) -> Result<RefundMethod> {
    text.parse().map_err(|e: String| usage(format!("--refund {text}: {e}")))
}

fn return_goods(cli: &Cli, dir: &Path, args: &ReturnArgs) -> Result<()> {
    let mut reg = open(dir)?;
    let mut auth = authority(cli, &mut reg)?;
    let mut cart = Cart::new();
    reg.add_return(&mut cart, &return_request(&args.picks)?)?;
    let sale = reg.complete_sale(&cart, Settle::Refund(refund_method(&args.refund)?), &mut auth)?;
    committed(cli, &mut reg, &sale, Copy::Original);
    Ok(())
}

fn exchange(cli: &Cli, dir: &Path, args: &ExchangeArgs) -> Result<()> {
    let mut reg = open(dir)?;
    let mut auth = authority(cli, &mut reg)?;
    let mut cart = Cart::new();
    reg.add_return(&mut cart, &return_request(&args.picks)?)?;
    fill_cart(&reg, &mut cart, &args.cart)?;
    let tenders = args.tenders.iter().map(|t| tender(&reg, t)).collect::<Result<Vec<_>>>()?;
    let how = Settle::Exchange { tenders: &tenders, refund: refund_method(&args.refund)? };
    let sale = reg.complete_sale(&cart, how, &mut auth)?;
    committed(cli, &mut reg, &sale, Copy::Original);
    Ok(())
}

/// Reads `--cash COUNT` and `--counted TENDER=AMOUNT` into a count.
fn count(reg: &Register, cash: &str, counted: &[String]) -> Result<Count> {
    Ok(reg.parse_count(cash, counted)?)
}

fn close_drawer(
    cli: &Cli,
    reg: &mut Register,
    auth: &mut till_register::Authority,
    cash: Option<&str>,
    counted: &[String],
) -> Result<()> {
    if cash.is_none() && !counted.is_empty() {
        return Err(RegisterError::Input(
            "--counted needs --cash too: a count given at the close replaces the blind count whole".into(),
        )
        .into());
    }
    let given = cash.map(|c| count(reg, c, counted)).transpose()?;
    let report = reg.close_drawer_session(auth, given.as_ref())?;
    print(cli, &zreport::z_json(&report), || reg.z_report_text(&report, Copy::Original));
    Ok(())
}

fn drawer(cli: &Cli, dir: &Path, command: &DrawerCommand) -> Result<()> {
    let mut reg = open(dir)?;
    let mut auth = authority(cli, &mut reg)?;
    let mut movement = |reg: &mut Register, kind: DrawerMove, amount: Option<&str>, reason: &str| -> Result<()> {
        let amount = match amount {
            Some(a) => reg.config().currency.parse_amount(a)?,
            None => Money::ZERO,
        };
        let m = reg.move_cash(&mut auth, kind, amount, reason)?;
        print(cli, &CashMovementView::from(&m), || {
            format!("{} {} ({}), session {}\n", m.kind.replace('_', " "), m.amount, m.reason, m.session)
        });
        Ok(())
    };
    match command {
        DrawerCommand::Open { float } => {
            let float =
                reg.config().denominations.parse_count(float).map_err(|e| usage(format!("--float {float}: {e}")))?;
            let session = reg.open_drawer_session(&auth, &float)?;
            let total = reg.config().currency.round(float.total()?, reg.config().policy.mode);
            print(cli, &DrawerOpened { session, float: Dec::of(total) }, || {
                format!("Cash session {session} opened with a float of {total}\n")
            });
        }
        DrawerCommand::PaidIn { amount, reason } => movement(&mut reg, DrawerMove::PaidIn, Some(amount), reason)?,
        DrawerCommand::PaidOut { amount, reason } => movement(&mut reg, DrawerMove::PaidOut, Some(amount), reason)?,
        DrawerCommand::Drop { amount, reason } => movement(&mut reg, DrawerMove::Drop, Some(amount), reason)?,
        DrawerCommand::NoSale { reason } => movement(&mut reg, DrawerMove::NoSale, None, reason)?,
        DrawerCommand::Count { cash, counted } => {
            let c = count(&reg, cash, counted)?;
            reg.count_drawer(&auth, &c)?;
            // Blind: the count is taken, what should be there is not shown.
            print(cli, &cli_api::Done::that("counted"), || "Count recorded\n".to_string());
        }
        DrawerCommand::Close { cash, counted } => close_drawer(cli, &mut reg, &mut auth, cash.as_deref(), counted)?,
    }
    Ok(())
}

fn staff(cli: &Cli, dir: &Path, command: &StaffCommand) -> Result<()> {
    let mut reg = open(dir)?;
    if let StaffCommand::List = command {
        return list_staff(cli, &reg);
    }
    let mut auth = if reg.in_setup()? { till_register::Authority::setup() } else { authority(cli, &mut reg)? };
    let done = match command {
        StaffCommand::Add { code, name, role, pin } => {
            reg.add_staff(&mut auth, &NewStaff { code, name, role, pin })?;
            format!("Added staff {code} ({name}) as {role}")
        }
        StaffCommand::Role { name, changes } => {
            let mut parsed = Vec::new();
            for c in changes {
                let (a, p) =
                    c.split_once('=').ok_or_else(|| usage(format!("{c}: expected ACTION=allowed|denied|approval")))?;
                let action: Action = a.parse().map_err(|e: String| usage(e))?;
                let permission: Permission = p.parse().map_err(|e: String| usage(e))?;
                parsed.push((action, permission));
            }
            reg.set_role(&mut auth, name, &parsed)?;
            format!("Role {name} updated")
        }
        StaffCommand::Assign { code, role } => {
            reg.change_staff(&mut auth, code, StaffChange::Role(role))?;
            format!("Staff {code} is now {role}")
        }
        StaffCommand::Pin { code, pin } => {
            reg.change_staff(&mut auth, code, StaffChange::Pin(pin))?;
            format!("Staff {code} has a new PIN")
        }
        StaffCommand::Unlock { code } => {
            reg.change_staff(&mut auth, code, StaffChange::Unlock)?;
            format!("Staff {code} unlocked")
        }
        StaffCommand::Remove { code } => {
            reg.change_staff(&mut auth, code, StaffChange::Deactivate)?;
            format!("Staff {code} can no longer sign in")
        }
        StaffCommand::List => String::new(),
    };
    print(cli, &cli_api::StaffChanged { ok: true, message: done.clone() }, || format!("{done}\n"));
    Ok(())
}

/// Staff and the permission matrix.
fn list_staff(cli: &Cli, reg: &Register) -> Result<()> {
    {
        let (staff, roles) = reg.staff_list()?;
        print(cli, &StaffListView::new(&staff, &roles), || {
            let mut out = String::new();
            for s in &staff {
                let state = if !s.active {
                    " (left)"
                } else if s.locked {
                    " (locked)"
                } else {
                    ""
                };
                let from = if s.from_hq { " (from HQ)" } else { "" };
                out.push_str(&format!("{:<8} {:<24} {}{state}{from}\n", s.code, s.name, s.role));
            }
            out.push('\n');
            out.push_str(&format!("{:<26}", "action"));
            for r in &roles {
                out.push_str(&format!("{:<12}", r.name));
            }
            out.push('\n');
            for a in Action::ALL {
                out.push_str(&format!("{:<26}", a.as_str()));
                for r in &roles {
                    out.push_str(&format!("{:<12}", r.permission(a).as_str()));
                }
                out.push('\n');
            }
            out
        });
    }
    Ok(())
}

fn line_id(text: &str, flag: &str, whole: &str) -> Result<LineId> {
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(LineId(n)),
        _ => Err(usage(format!("{flag} {whole}: '{text}' is not a line number"))),
    }
}

/// Reads `cash:20`, `card:12.34[:BRAND:LAST4[:REF]]`, `credit:AMOUNT:CODE` or `NAME:AMOUNT`.
fn tender(reg: &Register, text: &str) -> Result<Tender> {
    reg.parse_tender(text).with_context(|| format!("--tender {text}"))
}

/// The printer a command names, else the configured one.
fn printer_target(reg: &till_register::Register, args: &PrinterArgs) -> Result<till_register::PrinterConfig> {
    Ok(match &args.printer {
        Some(url) => reg.printer_from_options(url, args.profile.as_deref(), args.code_page.as_deref())?,
        None => reg.printer()?.clone(),
    })
}

/// One pass of the print worker, as the status line shows it.
fn print_round(cli: &Cli, round: &till_register::PrintRound) -> Result<()> {
    print(cli, &PrintRoundView::from(round), || {
        let mut late = String::new();
        if round.late > 0 {
            late += &format!(" ({} late: no drawer kick)", round.late);
        }
        if round.dropped > 0 {
            late += &format!(", dropped {} (too old: print them from the sale)", round.dropped);
        }
        format!(
            "printed {}{late}, waiting {}{}\n",
            round.printed,
            round.waiting,
            round.blocked.as_ref().map(|b| format!(" ({b})")).unwrap_or_default()
        )
    });
    Ok(())
}

/// One pass of the mail worker, as a line.
fn mail_round(cli: &Cli, round: &till_register::MailRound) -> Result<()> {
    print(cli, &MailRoundView::from(round), || {
        format!(
            "sent {}, waiting {}, failed {}{}\n",
            round.sent,
            round.waiting,
            round.failed,
            round.blocked.as_ref().map(|b| format!(" ({b})")).unwrap_or_default()
        )
    });
    Ok(())
}

/// Runs one worker `pass`, or with `watch` one every `seconds` until stopped.
fn passes(watch: bool, seconds: u64, mut pass: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<()> {
    loop {
        pass()?;
        if !watch {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(seconds));
    }
}
