//! What each command does: turn its arguments into a call to HQ's library, and print the
//! answer through [`Output`]. No business rule lives here.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::json;
use till_hq::domain::routing::Site;
use till_hq::{Hq, KeyFile, LocationSpec, OrderSecrets};

use super::args::{
    CatalogCommand, Cli, Command, ConfigCommand, ConflictCommand, KeysCommand, LocationCommand, OrderCommand,
    RegisterCommand, ReportCommand, StockCommand,
};
use super::output::{self, Output, each};

/// Runs the command line against the database it names.
pub fn run(cli: Cli) -> Result<()> {
    let hq = Hq::open(&cli.db).with_context(|| format!("opening HQ database {}", till_hq::db::redact_url(&cli.db)))?;
    let hq = match &cli.pickup_key {
        Some(path) => hq.with_pickup_key(KeyFile::at(path)),
        None => hq,
    };
    let hq = match &cli.pin_pepper {
        Some(path) => hq.with_pin_pepper(till_hq::PepperFile::at(path)),
        None => hq,
    };
    let out = Output::new(cli.json);
    let now = jiff::Timestamp::now();
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            plain_http_behind_proxy,
            shopify_secret_file,
            orders_token_file,
            retain_days,
        } => {
            // A retention HQ would refuse is said now, not in six hours.
            hq.prune(retain_days, now)?;
            let secrets = OrderSecrets {
                shopify_secret: shopify_secret_file.map(|p| read_secret(&p, "--shopify-secret-file")).transpose()?,
                orders_token: orders_token_file
                    .map(|p| read_secret(&p, "--orders-token-file"))
                    .transpose()?
                    .map(|b| String::from_utf8(b).context("--orders-token-file: the token is not UTF-8"))
                    .transpose()?,
            };
            let transport = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Transport::Tls(Box::new(till_hq::http::tls::server_config(&cert, &key)?)),
                _ if plain_http_behind_proxy => Transport::PlainBehindProxy,
                _ => Transport::PlainLoopback,
            };
            // The signing key is read (or made) before serving: a missing file on
            // PostgreSQL is said now, not at a register's first sync.
            hq.pickup_key()?;
            serve(hq.with_secrets(secrets), &listen, transport, retain_days)
        }
        Command::Register { command } => register(&hq, command, &out, now),
        Command::Report { command } => report(&hq, command, &out),
        Command::Conflicts { all, command } => conflicts(&hq, all, command, &out, now),
        Command::Catalog { command } => catalog(&hq, command, &out, now),
        Command::Config { command } => config(&hq, command, &out, now),
        Command::Stock { command } => stock(&hq, command, &out, now),
        Command::Location { command } => location(&hq, command, &out, now),
        Command::Orders { status } => {
            let list = hq.orders(status.as_deref())?;
            out.print(&list, || each(&list, "no orders", output::order))
        }
        Command::Order { command } => order(&hq, command, &out, now),
        Command::Refunds { all } => {
            let list = hq.refunds(all)?;
            out.print(&list, || each(&list, "no refunds owed", output::refund))
        }
        Command::Lookups { register, limit } => {
            let list = hq.order_lookups(register.as_deref().unwrap_or(""), limit)?;
            out.print(&list, || each(&list, "no order lookups logged", output::lookup))
        }
        Command::ReturnsScope { scope } => {
            if let Some(scope) = scope {
                hq.set_returns_scope(scope.parse()?)?;
            }
            let scope = hq.returns_scope()?;
            let text = match scope {
                till_hq::ReturnsScope::Store => {
                    "returns scope: store (a receipt is returned in the store that sold it)"
                }
                till_hq::ReturnsScope::Chain => "returns scope: chain (a receipt is returned in any store)",
            };
            out.print_line(&json!({ "returns_scope": scope.as_str() }), || vec![text.to_string()]);
            Ok(())
        }
        Command::Prune { days } => {
            let p = hq.prune(days, now)?;
            out.print(&p, || {
                vec![format!(
                    "removed before {}: {} webhook deliveries, {} order-API requests, {} resolved conflicts, {} order history entries, {} logged order lookups",
                    p.before, p.webhook_deliveries, p.api_requests, p.resolved_conflicts, p.order_events, p.order_lookups
                )]
            })
        }
        Command::Keys { command } => {
            let history = match command {
                KeysCommand::Show => hq.pickup_key_history()?,
                KeysCommand::RotatePickup => hq.rotate_pickup_key()?,
            };
            out.print(&history, || {
                let last = history.len().saturating_sub(1);
                history
                    .iter()
                    .enumerate()
                    .map(|(i, step)| format!("{}{}", step.key, if i == last { "  (signs now)" } else { "" }))
                    .collect()
            })
        }
        Command::Staff { command } => super::staff::run(&hq, command, &out, now),
        Command::RefundDone { sale, reference } => {
            let r = hq.refund_done(&sale, &reference, now)?;
            out.print(&r, || {
                vec![format!("refund of {} for order {} recorded as done ({})", r.amount, r.order_id, r.reference)]
            })
        }
    }
}

/// A secret from a file, its trailing newline trimmed; an empty one is refused.
fn read_secret(path: &Path, flag: &str) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("{flag}: cannot read {}", path.display()))?;
    let end = bytes.iter().rposition(|b| !b"\r\n".contains(b)).map_or(0, |i| i + 1);
    anyhow::ensure!(end > 0, "{flag}: {} is empty", path.display());
    Ok(bytes[..end].to_vec())
}

/// How `serve` speaks to registers.
enum Transport {
    /// HTTPS with this certificate.
    Tls(Box<rustls::ServerConfig>),
    /// Plain HTTP, on loopback addresses only.
    PlainLoopback,
    /// Plain HTTP on any address: a TLS proxy is in front (`--plain-http-behind-proxy`).
    PlainBehindProxy,
}

/// Serves the HTTP API on `listen` until Ctrl-C or SIGTERM; the address it listens on is
/// the first line printed (`listening on https://…` or `http://…`).
fn serve(hq: Hq, listen: &str, transport: Transport, retain_days: u32) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        if matches!(transport, Transport::PlainLoopback) {
            let addrs: Vec<_> =
                tokio::net::lookup_host(listen).await.with_context(|| format!("cannot listen on {listen}"))?.collect();
            anyhow::ensure!(
                !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()),
                "refusing to serve plain HTTP on {listen}: registers' credentials and the store's documents would \
                 cross the network in clear. Give --tls-cert CERT.pem --tls-key KEY.pem to serve HTTPS, or \
                 --plain-http-behind-proxy if a TLS-terminating proxy in front of HQ is the only way in"
            );
        }
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        let hq = Arc::new(hq);
        let pruning = hq.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(6 * 3600));
            every.tick().await; // the first prune ran before serving
            loop {
                every.tick().await;
                let hq = pruning.clone();
                match tokio::task::spawn_blocking(move || hq.prune(retain_days, jiff::Timestamp::now())).await {
                    Ok(Ok(p)) => tracing::info!(?p, "pruned what is past retention"),
                    Ok(Err(e)) => tracing::warn!("pruning failed: {e}"),
                    Err(e) => tracing::warn!("pruning failed: {e}"),
                }
            }
        });
        let scheme = if matches!(transport, Transport::Tls(_)) { "https" } else { "http" };
        tracing::info!(%addr, db = hq.db().kind(), "till-hq serving {scheme}");
        println!("listening on {scheme}://{addr}");
        use std::io::Write;
        std::io::stdout().flush()?;
        match transport {
            Transport::Tls(config) => {
                till_hq::http::serve_tls(hq, till_hq::http::tls::TlsListener::new(listener, *config)).await?
            }
            Transport::PlainLoopback => till_hq::http::serve(hq, listener, false).await?,
            Transport::PlainBehindProxy => till_hq::http::serve(hq, listener, true).await?,
        }
        Ok(())
    })
}

fn register(hq: &Hq, command: RegisterCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    match command {
        RegisterCommand::Add { store, register } => {
            let token = hq.add_register(&store, &register, now)?;
            out.print_line(&json!({"store": store, "register": register, "token": token}), || {
                vec![format!("Enrollment token for {store}/{register} (one use, valid 7 days):"), token.clone()]
            });
            Ok(())
        }
        RegisterCommand::Revoke { store, register } => {
            hq.revoke_register(&store, &register)?;
            // Text even with --json: scripts look only at the exit status.
            println!("{store}/{register} revoked");
            Ok(())
        }
        RegisterCommand::List => {
            let list = hq.registers()?;
            out.print(&list, || each(&list, "", output::register))
        }
    }
}

fn report(hq: &Hq, command: ReportCommand, out: &Output) -> Result<()> {
    match command {
        ReportCommand::Sales { store } => {
            let report = hq.sales_report(store.as_deref())?;
            let json: Vec<_> = report.iter().map(output::sales_json).collect();
            out.print(&json, || each(&report, "", output::sales))
        }
        ReportCommand::Receipts { store } => {
            let sales = hq.booked_sales(store.as_deref())?;
            out.print(&sales, || {
                each(&sales, "", |s| {
                    vec![format!("{} {}/{} {} {} {} {}", s.id, s.store, s.register, s.receipt, s.kind, s.at, s.total)]
                })
            })
        }
    }
}

fn conflicts(hq: &Hq, all: bool, command: Option<ConflictCommand>, out: &Output, now: jiff::Timestamp) -> Result<()> {
    match command {
        Some(ConflictCommand::Resolve { id, note, anchor }) => {
            let c = hq.resolve(&id, &note, anchor.as_deref(), now)?;
            out.print(&c, || vec![format!("conflict {} ({}) resolved: {}", c.id, c.kind, c.resolution)])
        }
        None => {
            let list = hq.conflicts(all)?;
            out.print(&list, || each(&list, "no open conflicts", output::conflict))
        }
    }
}

fn catalog(hq: &Hq, command: CatalogCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    match command {
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
            out.print(&p, || {
                vec![format!(
                    "published catalog version {}: {} products, {} SKUs, in force from {}",
                    p.version, p.products, p.variants, p.effective_from
                )]
            })
        }
        CatalogCommand::List => {
            let list = hq.catalogs()?;
            let json: Vec<_> = list.iter().map(output::catalog_json).collect();
            out.print(&json, || each(&list, "", output::catalog))
        }
    }
}

fn stock(hq: &Hq, command: StockCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    match command {
        StockCommand::Receive { store, location, sku, qty } => {
            let value = hq.receive_stock(&store, &location, &sku, qty, now)?;
            let json = json!({"store": store, "location": location, "sku": sku, "quantity": value.to_string()});
            out.print_line(&json, || vec![format!("{store} {location} {sku}: {value}")]);
            Ok(())
        }
        StockCommand::Show { store } => {
            let rows = hq.stock(&store)?;
            let json: Vec<_> =
                rows.iter().map(|(l, s, q)| json!({"location": l, "sku": s, "quantity": q.to_string()})).collect();
            out.print(&json, || each(&rows, "", |(l, s, q)| vec![format!("{l:<24} {s:<24} {q}")]))
        }
    }
}

fn location(hq: &Hq, command: LocationCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    match command {
        LocationCommand::Add { id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours, shopify_location } => {
            let spec = LocationSpec {
                site: Site { id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours },
                shopify_location,
            };
            let l = hq.add_location(&spec, now)?;
            out.print(&l, || vec![format!("location {} ({}) saved", l.id, l.kind)])
        }
        LocationCommand::List => {
            let list = hq.locations()?;
            out.print(&list, || each(&list, "", output::location))
        }
        LocationCommand::Stock { location } => {
            let list = hq.availability(&location)?;
            out.print(&list, || each(&list, "", output::availability))
        }
    }
}

fn order(hq: &Hq, command: OrderCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    let o = match command {
        OrderCommand::Token { order } => {
            let token = hq.pickup_token(&order)?;
            out.print_line(&json!({"token": token}), || {
                vec![format!("Pickup token for {order} (show as a QR code):"), token.clone()]
            });
            return Ok(());
        }
        OrderCommand::Ship { order, location, carrier, tracking } => {
            hq.ship_from_dc(&order, &location, &carrier, &tracking, now)?
        }
        OrderCommand::Show { order } => hq.order(&order)?,
        OrderCommand::Reroute { order, reason } => hq.reroute(&order, &reason, None, now)?,
        OrderCommand::Reject { order, location, reason } => hq.reroute(&order, &reason, Some(&location), now)?,
    };
    out.print(&o, || output::order(&o))
}

fn config(hq: &Hq, command: ConfigCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    use till_hq::services::config::{ConfigChange, StoreConfigVersion};
    let head = |v: &StoreConfigVersion| {
        let reason = if v.reason.is_empty() { String::new() } else { format!(": {}", v.reason) };
        format!(
            "{} version {}, in effect from {}, by {} at {}{reason}",
            v.store, v.version, v.effective, v.made_by, v.made_at
        )
    };
    let saved = |v: &StoreConfigVersion| {
        let json = json!({"store": v.store, "version": v.version, "effective": v.effective, "made_by": v.made_by,
            "made_at": v.made_at, "reason": v.reason});
        out.print_line(&json, || vec![format!("saved {}", head(v))]);
        Ok(())
    };
    match command {
        ConfigCommand::Show { store, register, at } => {
            let Some(v) = hq.config_at(&store, at.unwrap_or(now))? else {
                anyhow::bail!("store {store} has no configuration at HQ in force then (till-hq config import)");
            };
            let text = match &register {
                Some(r) => v.for_register(r)?,
                None => v.text.clone(),
            };
            let json = json!({"store": v.store, "register": register, "version": v.version, "effective": v.effective,
                "made_by": v.made_by, "made_at": v.made_at, "reason": v.reason, "text": text,
                "overrides": v.overrides});
            out.print(&json, || {
                let mut lines = vec![head(&v), String::new()];
                lines.extend(text.lines().map(str::to_string));
                lines
            })
        }
        ConfigCommand::Set { store, register, edits, effective, by, reason } => {
            let change =
                ConfigChange { store: &store, register: register.as_deref(), effective, by: &by, reason: &reason };
            saved(&hq.config_set(&change, &edits, now)?)
        }
        ConfigCommand::Import { store, file, register, effective, by, reason } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.display().to_string();
            let change =
                ConfigChange { store: &store, register: register.as_deref(), effective, by: &by, reason: &reason };
            saved(&hq.config_import(&change, &name, &text, now)?)
        }
        ConfigCommand::History { store } => {
            let list = hq.config_history(&store)?;
            out.print(&list, || each(&list, &format!("no configuration for {store} at HQ"), |v| vec![head(v)]))
        }
    }
}
