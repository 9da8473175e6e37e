//! The command line, as clap parses it: global `--db` and `--json`, and one subcommand per
//! job. The doc comments are the `--help` text.

use clap::{Parser, Subcommand};
use rust_decimal::Decimal;

/// Till HQ: enrolls registers, reconciles their sales exactly once, raises conflicts.
#[derive(Parser)]
#[command(name = "till-hq", version)]
pub struct Cli {
    /// The database: `sqlite:PATH` (embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "TILL_HQ_DB", default_value = "sqlite:till-hq.sqlite", global = true)]
    pub db: String,
    /// HQ's pickup-token signing key (a private file HQ makes on first use; default
    /// `PATH.pickup-key` beside a SQLite database; on PostgreSQL every HQ process of the
    /// database is given the same file).
    #[arg(long, env = "TILL_HQ_PICKUP_KEY", value_name = "FILE", global = true)]
    pub pickup_key: Option<std::path::PathBuf>,
    /// The chain's PIN pepper (a private file HQ makes on first use; default
    /// `PATH.pin-pepper` beside a SQLite database; on PostgreSQL every HQ process of the
    /// database is given the same file). HQ's PIN hashes verify only with it.
    #[arg(long, env = "TILL_HQ_PIN_PEPPER", value_name = "FILE", global = true)]
    pub pin_pepper: Option<std::path::PathBuf>,
    /// Print JSON (decimals as strings) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the sync API.
    Serve {
        /// Address to listen on (`127.0.0.1:0` picks a free port; the address is printed).
        /// Without `--tls-cert` only a loopback address is accepted.
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: String,
        /// HQ's certificate chain (PEM, HQ's certificate first): serve HTTPS.
        #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
        tls_cert: Option<std::path::PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
        tls_key: Option<std::path::PathBuf>,
        /// Serve plain HTTP on a non-loopback address because a TLS-terminating proxy is
        /// in front (registers refuse plain http:// to anything but loopback). A client's
        /// address is then the last in `X-Forwarded-For`, which the proxy must append.
        #[arg(long, conflicts_with = "tls_cert")]
        plain_http_behind_proxy: bool,
        /// A file holding the Shopify app's webhook signing secret (enables
        /// `POST /webhooks/shopify`).
        #[arg(long)]
        shopify_secret_file: Option<std::path::PathBuf>,
        /// A file holding the bearer token of the generic order API (enables `POST /v1/orders`).
        #[arg(long)]
        orders_token_file: Option<std::path::PathBuf>,
        /// Days of webhook deliveries, order-API requests, resolved conflicts and done
        /// orders' history kept (`till-hq prune`, run at start and every six hours).
        #[arg(long, default_value_t = 90)]
        retain_days: u32,
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
    /// Store configurations: versions with an effective time, who, when and why; registers
    /// receive them when they sync and switch at the effective time, offline too.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
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
    /// The log of registers' order lookups for returns: who saw which order, newest first.
    Lookups {
        /// Only this register (`STORE/REGISTER`).
        #[arg(long)]
        register: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Where registers find receipts for returns: `store` (the store of purchase only, the
    /// default) or `chain` (every store's receipts). Without a value, shows it.
    ReturnsScope {
        /// `store` or `chain`.
        scope: Option<String>,
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
    /// Remove what HQ keeps only for a while (webhook deliveries, order-API requests,
    /// resolved conflicts, the history of done orders) older than `--days`; never a sale,
    /// journal record, order, refund, stock or anything a report reads.
    Prune {
        /// Days kept (at least 7).
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// HQ's pickup-token keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The chain's staff, roles and PINs: registers of each store take them at their next
    /// sync and sign people in from that copy offline.
    Staff {
        #[command(subcommand)]
        command: crate::cli::staff::StaffCommand,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// HQ's pickup keys, oldest first (the last signs tokens now).
    Show,
    /// Replace the pickup signing key with a new one the current key endorses. Registers
    /// take it at their next sync; pickup tokens signed before stop verifying, so send
    /// customers their token again (`till-hq order token ORDER` signs it with the new key).
    RotatePickup,
}

#[derive(Subcommand)]
pub enum LocationCommand {
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
pub enum OrderCommand {
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
pub enum RegisterCommand {
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
pub enum ReportCommand {
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
pub enum ConflictCommand {
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
pub enum CatalogCommand {
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
pub enum ConfigCommand {
    /// The version in force (now, or at --at): its number, effective time, who, why, and
    /// the text (with --register, that register's whole configuration).
    Show {
        #[arg(long)]
        store: String,
        /// One register's configuration: the store's keys with its device sections.
        #[arg(long)]
        register: Option<String>,
        /// The version in force at this time (RFC 3339) [default: now].
        #[arg(long)]
        at: Option<jiff::Timestamp>,
    },
    /// Change keys of the latest version: the next version (validated as a register would).
    /// Device keys (printer, scale, display, scanner) need --register; the others are the
    /// store's and take none.
    Set {
        #[arg(long)]
        store: String,
        /// The register whose device sections change.
        #[arg(long)]
        register: Option<String>,
        /// Changes, e.g. tax_classes.standard=9 'receipt.header=["Harbour & Co"]'.
        #[arg(required = true, value_name = "KEY=VALUE")]
        edits: Vec<String>,
        /// When it takes effect (RFC 3339) [default: now]; not before the latest version's.
        #[arg(long)]
        effective: Option<jiff::Timestamp>,
        /// Who makes the change.
        #[arg(long)]
        by: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Take a whole store.toml as the next version (validated with the register's rules;
    /// errors name the file, line and field). Its register id and device sections are taken
    /// only with --register (as that register's).
    Import {
        #[arg(long)]
        store: String,
        /// The file.
        file: std::path::PathBuf,
        /// Take the file's device sections as this register's.
        #[arg(long)]
        register: Option<String>,
        /// When it takes effect (RFC 3339) [default: now].
        #[arg(long)]
        effective: Option<jiff::Timestamp>,
        /// Who makes the change.
        #[arg(long)]
        by: String,
        /// Why.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Every version of the store's configuration, newest first.
    History {
        #[arg(long)]
        store: String,
    },
}

#[derive(Subcommand)]
pub enum StockCommand {
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
