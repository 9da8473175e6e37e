//! `till-hq`: Till's HQ server and its administration commands.

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use rust_decimal::Decimal;
use serde_json::json;
use till_hq::Hq;
use till_hq::report::RegisterSales;

/// Till HQ: enrolls registers, reconciles their sales exactly once, raises conflicts.
#[derive(Parser)]
#[command(name = "till-hq", version)]
struct Cli {
    /// The database: `sqlite:PATH` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "TILL_HQ_DB", default_value = "sqlite:till-hq.sqlite", global = true)]
    db: String,
    /// Print JSON (decimals as strings) instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API.
    Serve {
        /// Address to listen on (`127.0.0.1:0` picks a free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: String,
        /// A file holding the Shopify app's webhook signing secret (enables
        /// `POST /webhooks/shopify`).
        #[arg(long)]
        shopify_secret_file: Option<std::path::PathBuf>,
        /// A file holding the bearer token of the generic order API (enables `POST /v1/orders`).
        #[arg(long)]
        orders_token_file: Option<std::path::PathBuf>,
    },
    /// Registers: enrollment tokens, revocation, listing.
    Register {
        #[command(subcommand)]
        command: RegisterCommand,
    },
    /// Reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Conflicts HQ could not reconcile on its own (open ones; `--all` for resolved too).
    Conflicts {
        /// Include resolved conflicts.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        command: Option<ConflictCommand>,
    },
    /// The chain's catalog: published versions registers download when they sync.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Inventory counters (HQ creates them; registers only increment).
    Stock {
        #[command(subcommand)]
        command: StockCommand,
    },
    /// Locations online orders are routed to: stores and distribution centres.
    Location {
        #[command(subcommand)]
        command: LocationCommand,
    },
    /// Webstore orders: channel, number, status, lines with their routed location and
    /// reservation, and the routing explanation.
    Orders {
        /// Only orders with this status (received, routed, partially_routed, unroutable,
        /// cancelled, fulfilled).
        #[arg(long)]
        status: Option<String>,
    },
    /// Refunds owed to online tenders for goods returned in stores (BORIS), for the
    /// webstore to execute; `--all` includes those done.
    Refunds {
        /// Include refunds already executed.
        #[arg(long)]
        all: bool,
    },
    /// Record that the webstore executed the refund of a store return.
    RefundDone {
        /// The return sale's id (from `till-hq refunds`).
        sale: String,
        /// The webstore's refund id.
        #[arg(long)]
        reference: String,
    },
    /// One order: show it, route it again, or record that a location rejected it.
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
}

#[derive(Subcommand)]
enum LocationCommand {
    /// Add a location or change it (same id).
    Add {
        /// Its id: a store code (its `stock/ID` counters are its stock) or a DC's.
        #[arg(long)]
        id: String,
        /// `store` or `dc`.
        #[arg(long)]
        kind: String,
        /// Latitude, decimal degrees.
        #[arg(long, allow_hyphen_values = true)]
        lat: Decimal,
        /// Longitude, decimal degrees.
        #[arg(long, allow_hyphen_values = true)]
        lon: Decimal,
        /// Customers may pick orders up here.
        #[arg(long, action = clap::ArgAction::Set, default_value_t = false)]
        pickup: bool,
        /// Orders may ship from here.
        #[arg(long, action = clap::ArgAction::Set, default_value_t = false)]
        ship: bool,
        /// Units of each SKU held back from online orders.
        #[arg(long, default_value = "0")]
        safety_buffer: Decimal,
        /// Cost of one shipment from here.
        #[arg(long, default_value = "0")]
        cost: Decimal,
        /// Promised hours to ship.
        #[arg(long, default_value_t = 24)]
        sla_hours: i64,
        /// The name of this pickup location in Shopify (local pickup shipping lines carry it).
        #[arg(long, default_value = "")]
        shopify_location: String,
    },
    /// Every location.
    List,
    /// What orders may take at a location, per SKU: on hand, reserved, buffer, available.
    Stock {
        /// The location.
        location: String,
    },
}

#[derive(Subcommand)]
enum OrderCommand {
    /// One order, with its routing history.
    Show {
        /// Its id (`CHANNEL:ID`) or number.
        order: String,
    },
    /// Route an order again from scratch (after a short pick, new stock, a fixed SKU).
    Reroute {
        /// Its id or number.
        order: String,
        /// Why (kept with the decision).
        #[arg(long)]
        reason: String,
    },
    /// A location rejected the order: route it again, never to that location.
    Reject {
        /// Its id or number.
        order: String,
        /// The location that rejected it.
        #[arg(long)]
        location: String,
        /// Why (kept with the decision).
        #[arg(long)]
        reason: String,
    },
    /// The pickup token the customer shows at the store (print it as a QR code): signed by
    /// HQ, verified by the store's registers offline. The token alone on the last line.
    Token {
        /// Its id or number.
        order: String,
    },
    /// A DC shipped its lines of the order: its stock goes down, the order follows.
    /// (Stores record their shipments at the register: `till pickup ship`.)
    Ship {
        /// Its id or number.
        order: String,
        /// The DC.
        #[arg(long)]
        location: String,
        /// Carrier.
        #[arg(long)]
        carrier: String,
        /// Tracking number.
        #[arg(long)]
        tracking: String,
    },
}

#[derive(Subcommand)]
enum RegisterCommand {
    /// Add a register (or re-issue its token); prints a one-time enrollment token.
    Add {
        #[arg(long)]
        store: String,
        #[arg(long)]
        register: String,
    },
    /// Revoke a register: its credential stops working at once.
    Revoke {
        #[arg(long)]
        store: String,
        #[arg(long)]
        register: String,
    },
    /// List registers.
    List,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Sales per register: count, totals by tax rate and tender, grand total.
    Sales {
        /// Only this store.
        #[arg(long)]
        store: Option<String>,
    },
    /// Every sale booked, one per line: id, register, receipt, total.
    Receipts {
        /// Only this store.
        #[arg(long)]
        store: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConflictCommand {
    /// Resolve a conflict, saying what was done.
    Resolve {
        /// The conflict's id.
        id: String,
        /// What was done.
        #[arg(long)]
        note: String,
        /// A broken chain only: the register's own hash of the record accepted (from `till
        /// journal export` on the register the store keeps), to go on from when HQ cannot
        /// compute it and the register cannot send it.
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Publish a catalog file (.csv Shopify export or .jsonl) as the next version. Every row
    /// must read cleanly; otherwise nothing is published and the rows are listed.
    Import {
        /// The file.
        file: std::path::PathBuf,
        /// When its prices take effect (RFC 3339) [default: now].
        #[arg(long)]
        effective_from: Option<jiff::Timestamp>,
        /// The chain's tax classes, as the stores configure them.
        #[arg(long, value_delimiter = ',', default_value = "standard,reduced,zero")]
        tax_classes: Vec<String>,
        /// The tax class of rows that name none.
        #[arg(long, default_value = "standard")]
        default_tax_class: String,
        /// The class of untaxed (Shopify "Variant Taxable" FALSE) rows.
        #[arg(long, default_value = "zero")]
        exempt_tax_class: String,
        /// Decimal places of the currency.
        #[arg(long, default_value_t = 2)]
        minor_units: u32,
    },
    /// Published versions, newest first.
    List,
}

#[derive(Subcommand)]
enum StockCommand {
    /// Goods received: creates the counter with QTY, or adds QTY to it.
    Receive {
        #[arg(long)]
        store: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        sku: String,
        #[arg(long)]
        qty: Decimal,
    },
    /// A store's counters.
    Show {
        #[arg(long)]
        store: String,
    },
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TILL_LOG").unwrap_or_else(|_| "till_hq=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    let hq = Hq::open(&cli.db).with_context(|| format!("opening HQ database {}", cli.db))?;
    let now = jiff::Timestamp::now();
    match cli.command {
        Command::Serve { listen, shopify_secret_file, orders_token_file } => {
            let secrets = till_hq::OrderSecrets {
                shopify_secret: shopify_secret_file.map(|p| read_secret(&p, "--shopify-secret-file")).transpose()?,
                orders_token: orders_token_file
                    .map(|p| read_secret(&p, "--orders-token-file"))
                    .transpose()?
                    .map(|b| String::from_utf8(b).context("--orders-token-file: the token is not UTF-8"))
                    .transpose()?,
            };
            serve(hq.with_secrets(secrets), &listen)
        }
        Command::Location { command } => location(&hq, command, cli.json, now),
        Command::Refunds { all } => {
            let list = hq.refunds(all)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no refunds owed");
            } else {
                for r in &list {
                    println!(
                        "{} {} {} at {}/{} [{}] {}",
                        r.at, r.order_id, r.amount, r.store, r.register, r.state, r.sale_id
                    );
                }
            }
            Ok(())
        }
        Command::RefundDone { sale, reference } => {
            let r = hq.refund_done(&sale, &reference, now)?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!("refund of {} for order {} recorded as done ({})", r.amount, r.order_id, r.reference);
            }
            Ok(())
        }
        Command::Orders { status } => {
            let list = hq.orders(status.as_deref())?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else if list.is_empty() {
                println!("no orders");
            } else {
                for o in &list {
                    print_order(o);
                }
            }
            Ok(())
        }
        Command::Order { command: OrderCommand::Token { order } } => {
            let token = hq.pickup_token(&order)?;
            if cli.json {
                println!("{}", json!({"token": token}));
            } else {
                println!("Pickup token for {order} (show as a QR code):");
                println!("{token}");
            }
            Ok(())
        }
        Command::Order { command } => {
            let o = match command {
                OrderCommand::Token { .. } => unreachable!("handled above"),
                OrderCommand::Ship { order, location, carrier, tracking } => {
                    hq.ship_from_dc(&order, &location, &carrier, &tracking, now)?
                }
                OrderCommand::Show { order } => hq.order(&order)?,
                OrderCommand::Reroute { order, reason } => hq.reroute(&order, &reason, None, now)?,
                OrderCommand::Reject { order, location, reason } => {
                    hq.reroute(&order, &reason, Some(&location), now)?
                }
            };
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&o)?);
            } else {
                print_order(&o);
            }
            Ok(())
        }
        Command::Register { command } => match command {
            RegisterCommand::Add { store, register } => {
                let token = hq.add_register(&store, &register, now)?;
                if cli.json {
                    println!("{}", json!({"store": store, "register": register, "token": token}));
                } else {
                    println!("Enrollment token for {store}/{register} (one use, valid 7 days):");
                    println!("{token}");
                }
                Ok(())
            }
            RegisterCommand::Revoke { store, register } => {
                hq.revoke_register(&store, &register)?;
                println!("{store}/{register} revoked");
                Ok(())
            }
            RegisterCommand::List => {
                let regs = hq.registers()?;
                if cli.json {
                    println!("{}", serde_json::to_string_pretty(&regs)?);
                } else {
                    for r in regs {
                        let state = if r.revoked {
                            "revoked"
                        } else if r.enrolled {
                            "enrolled"
                        } else {
                            "awaiting enrollment"
                        };
                        let journal = match (r.halted.as_str(), r.awaiting_hash_of) {
                            ("", None) => String::new(),
                            ("", Some(seq)) => {
                                format!("  waiting for its hash of record {seq} (asked at its next sync)")
                            }
                            (conflict, _) => format!("  halted by conflict {conflict}"),
                        };
                        println!(
                            "{:<24} {state:<20} through {:<8} last seen {}{journal}",
                            r.key, r.through_seq, r.last_seen
                        );
                    }
                }
                Ok(())
            }
        },
        Command::Report { command: ReportCommand::Sales { store } } => {
            let report = hq.sales_report(store.as_deref())?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&report.iter().map(sales_json).collect::<Vec<_>>())?);
            } else {
                for r in &report {
                    print_sales(r);
                }
            }
            Ok(())
        }
        Command::Report { command: ReportCommand::Receipts { store } } => {
            let sales = hq.booked_sales(store.as_deref())?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&sales)?);
            } else {
                for s in sales {
                    println!("{} {}/{} {} {} {} {}", s.id, s.store, s.register, s.receipt, s.kind, s.at, s.total);
                }
            }
            Ok(())
        }
        Command::Conflicts { all, command } => match command {
            Some(ConflictCommand::Resolve { id, note, anchor }) => {
                let c = hq.resolve(&id, &note, anchor.as_deref(), now)?;
                if cli.json {
                    println!("{}", serde_json::to_string_pretty(&c)?);
                } else {
                    println!("conflict {} ({}) resolved: {}", c.id, c.kind, c.resolution);
                }
                Ok(())
            }
            None => {
                let list = hq.conflicts(all)?;
                if cli.json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                } else if list.is_empty() {
                    println!("no open conflicts");
                } else {
                    for c in list {
                        let state = if c.resolved_at.is_empty() { "OPEN".to_string() } else { "resolved".into() };
                        println!("{} {state} {} {} — {}", c.id, c.kind, c.subject, c.detail);
                        println!("    needs: {}", c.needs);
                        if !c.resolution.is_empty() {
                            println!("    resolution: {}", c.resolution);
                        }
                    }
                }
                Ok(())
            }
        },
        Command::Catalog { command } => match command {
            CatalogCommand::Import {
                file,
                effective_from,
                tax_classes,
                default_tax_class,
                exempt_tax_class,
                minor_units,
            } => {
                let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let options = till_import::ImportOptions {
                    tax_classes,
                    default_tax_class,
                    exempt_tax_class: Some(exempt_tax_class),
                    minor_units,
                };
                let p = hq.publish_catalog(&name, &bytes, effective_from.unwrap_or(now), options, now)?;
                if cli.json {
                    println!("{}", serde_json::to_string_pretty(&p)?);
                } else {
                    println!(
                        "published catalog version {}: {} products, {} SKUs, in force from {}",
                        p.version, p.products, p.variants, p.effective_from
                    );
                }
                Ok(())
            }
            CatalogCommand::List => {
                let list = hq.catalogs()?;
                if cli.json {
                    let rows: Vec<_> = list
                        .iter()
                        .map(|(i, published, products, variants)| {
                            json!({"version": i.version, "file": i.file_name, "effective_from": i.effective_from,
                                   "published_at": published, "products": products, "skus": variants,
                                   "sha256": i.sha256, "size": i.size})
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    for (i, published, products, variants) in list {
                        println!(
                            "v{:<4} {:<24} {products} products, {variants} SKUs, in force from {} (published {published})",
                            i.version, i.file_name, i.effective_from
                        );
                    }
                }
                Ok(())
            }
        },
        Command::Stock { command } => match command {
            StockCommand::Receive { store, location, sku, qty } => {
                let value = hq.receive_stock(&store, &location, &sku, qty, now)?;
                if cli.json {
                    println!(
                        "{}",
                        json!({"store": store, "location": location, "sku": sku, "quantity": value.to_string()})
                    );
                } else {
                    println!("{store} {location} {sku}: {value}");
                }
                Ok(())
            }
            StockCommand::Show { store } => {
                let rows = hq.stock(&store)?;
                if cli.json {
                    let rows: Vec<_> = rows
                        .iter()
                        .map(|(l, s, q)| json!({"location": l, "sku": s, "quantity": q.to_string()}))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    for (l, s, q) in rows {
                        println!("{l:<24} {s:<24} {q}");
                    }
                }
                Ok(())
            }
        },
    }
}

/// A secret from a file, its trailing newline trimmed; an empty one is refused.
fn read_secret(path: &std::path::Path, flag: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("{flag}: cannot read {}", path.display()))?;
    let end = bytes.iter().rposition(|b| !b"\r\n".contains(b)).map_or(0, |i| i + 1);
    anyhow::ensure!(end > 0, "{flag}: {} is empty", path.display());
    Ok(bytes[..end].to_vec())
}

fn location(hq: &Hq, command: LocationCommand, json_out: bool, now: jiff::Timestamp) -> Result<()> {
    match command {
        LocationCommand::Add { id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours, shopify_location } => {
            let spec = till_hq::orders::LocationSpec {
                site: till_hq::routing::Site { id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours },
                shopify_location,
            };
            let l = hq.add_location(&spec, now)?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&l)?);
            } else {
                println!("location {} ({}) saved", l.id, l.kind);
            }
        }
        LocationCommand::List => {
            let list = hq.locations()?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for l in list {
                    println!(
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
                        if l.shopify_location.is_empty() {
                            String::new()
                        } else {
                            format!("  Shopify '{}'", l.shopify_location)
                        }
                    );
                }
            }
        }
        LocationCommand::Stock { location } => {
            let list = hq.availability(&location)?;
            if json_out {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for a in list {
                    println!(
                        "{:<24} on hand {:>8}  reserved {:>8}  buffer {:>4}  available {:>8}",
                        a.sku, a.on_hand, a.reserved, a.safety_buffer, a.available
                    );
                }
            }
        }
    }
    Ok(())
}

fn print_order(o: &till_hq::orders::OrderView) {
    println!("{} {} [{}] {}", o.id, o.number, o.status, o.email);
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
        println!("  {:>2}. {:<20} × {:<4} {:>10}  {place}{reservation}{done}", l.n, sku, l.quantity, l.price);
    }
    if let Some(why) = o.explanation.get("summary").and_then(|v| v.as_str()) {
        println!("  why: {why}");
    }
}

fn serve(hq: Hq, listen: &str) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, db = hq.db().kind(), "till-hq serving");
        println!("listening on http://{addr}");
        use std::io::Write;
        std::io::stdout().flush()?;
        till_hq::http::serve(Arc::new(hq), listener).await?;
        Ok(())
    })
}

fn sales_json(r: &RegisterSales) -> serde_json::Value {
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

fn print_sales(r: &RegisterSales) {
    let t = &r.totals;
    println!(
        "{}/{}  sales {}  (returns {})  through record {}{}",
        r.store,
        r.register,
        t.sales,
        t.returns,
        r.through_seq,
        if r.halted { "  HALTED: see `till-hq conflicts`" } else { "" }
    );
    for x in &t.taxes {
        println!("  tax {:>6}% {:<16} net {:>12} tax {:>10} gross {:>12}", x.rate, x.label, x.net, x.tax, x.gross);
    }
    for x in &t.tenders {
        println!("  tender {:<16} {:>5} × {:>12}", x.tender, x.count, x.amount);
    }
    println!("  total {:>12}   grand total {:>12}", t.total, r.grand_total);
}
