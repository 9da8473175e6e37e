//! The command line: commands, flags, and what they mean. A public surface — scripts use
//! it — so flags are only ever added.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Till, the offline-first register, from the command line.
#[derive(Parser)]
#[command(name = "till", version, about, long_about = None)]
pub struct Cli {
    /// The register's data directory [default: $TILL_DATA_DIR, else the platform's app-data directory]
    #[arg(long, global = true, env = "TILL_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print machine-readable JSON (decimals as strings) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting: staff code and PIN (required once the register has staff). With the
    /// code alone the PIN comes from --staff-pin, else $TILL_PIN, else is asked for on the
    /// terminal (not echoed), else read as a line from stdin.
    #[arg(long, global = true, value_name = "CODE[:PIN]")]
    pub staff: Option<String>,
    /// The PIN for `--staff CODE` (it shows in the process list: prefer the prompt or
    /// $TILL_PIN). Not `--pin`: that is the new PIN of `staff add` and `staff pin`.
    #[arg(long, global = true, value_name = "PIN", requires = "staff")]
    pub staff_pin: Option<String>,
    /// A manager's approval for one action that needs it; repeat for several.
    #[arg(long = "approve", global = true, value_name = "CODE:PIN")]
    pub approvals: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Create a register from a store configuration (TOML).
    Init {
        /// The configuration file.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Catalog maintenance.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// The store configuration: the version in force and where it came from; local edits
    /// on a register not enrolled with HQ.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Show the item a barcode or SKU rings up as.
    Lookup {
        /// Barcode or SKU.
        code: String,
    },
    /// Search the catalog.
    Search {
        /// Words to find (each matches the start of a word).
        text: String,
        /// Most results to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Ring up a whole sale in one go; prints the receipt only after the durable commit.
    Sale(SaleArgs),
    /// Take goods back, with or without the receipt, and refund them.
    Return(ReturnArgs),
    /// Take goods back and sell others in one transaction; the difference is paid or refunded.
    Exchange(ExchangeArgs),
    /// List parked carts.
    Parked,
    /// The cash drawer: open with a float, paid in/out, drops, counts, close.
    #[command(subcommand)]
    Drawer(DrawerCommand),
    /// Staff, roles and permissions.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// The fiscal journal.
    #[command(subcommand)]
    Journal(JournalCommand),
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Receipts.
    #[command(subcommand)]
    Receipt(ReceiptCommand),
    /// Stock on hand of a SKU at this register's location.
    Stock {
        /// The SKU.
        sku: String,
    },
    /// What a store-credit code holds.
    Credit {
        /// The code (SC-…).
        code: String,
    },
    /// The receipt printer: status, a test page.
    #[command(subcommand)]
    Printer(PrinterCommand),
    /// Online orders at this store: pick, stage, verify the customer's token, hand over
    /// (all offline), ship from the store.
    #[command(subcommand)]
    Pickup(PickupCommand),
    /// Buy online, return in store: find an online order, take goods back, refund.
    #[command(subcommand)]
    Boris(BorisCommand),
    /// Endless aisle: the chain's stock, and orders for goods from elsewhere paid here.
    #[command(subcommand)]
    Aisle(AisleCommand),
    /// Customer mail (the "ready for pickup" notice) through the configured SMTP server.
    #[command(subcommand)]
    Mail(MailCommand),
    /// A serial barcode scanner: read a scan.
    #[command(subcommand)]
    Scanner(ScannerCommand),
    /// The scale: read a stable weight.
    #[command(subcommand)]
    Scale(ScaleCommand),
    /// Barcodes: what a scanned code says.
    #[command(subcommand)]
    Barcode(BarcodeCommand),
    /// Enroll this register with HQ, using the one-time token `till-hq register add` printed.
    Enroll {
        /// HQ's address, e.g. https://hq.example:7878 (plain http:// only to a loopback host).
        #[arg(long, value_name = "URL")]
        hq: String,
        /// The enrollment token.
        #[arg(long)]
        token: String,
        /// Trust HQ's certificate when this CA (PEM file) signed it, instead of the
        /// system's roots; the file's contents are kept.
        #[arg(long, value_name = "FILE.pem", conflicts_with = "pin_sha256")]
        ca: Option<std::path::PathBuf>,
        /// Trust exactly the HQ certificate with this SHA-256 digest (hex, colons allowed).
        #[arg(long, value_name = "HEX")]
        pin_sha256: Option<String>,
        /// Enroll a register that is enrolled already (with another HQ or store, or anew).
        #[arg(long)]
        re_enroll: bool,
    },
    /// Serve this store's shared documents (stock) to its other registers on the LAN over
    /// HTTPS (mutual TLS from the store's peer key), so they agree while HQ is out of
    /// reach; prints the address, then runs until stopped.
    ServePeer {
        /// Address to listen on (`0.0.0.0:7879`; port 0 picks a free one).
        #[arg(long, default_value = "0.0.0.0:7879")]
        listen: String,
    },
    /// Sync with HQ now (or with a peer register of the same store); `till sync status`
    /// shows where the register stands.
    Sync(SyncArgs),
    /// Tools for the crash harness (not for use at the counter).
    #[command(subcommand, hide = true)]
    Stress(StressCommand),
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// The configuration in force: its version (`local-N` or `hq-N`), source, since when,
    /// versions waiting to take effect, and the text (`--json`: the values too).
    Show,
    /// Change the configuration here (`configure_store`; journalled): each call is a new
    /// local version, in force at once. An enrolled register refuses (HQ owns it).
    Set {
        /// Changes, e.g. tax_classes.standard=9 'receipt.header=["Harbour & Co"]'.
        #[arg(required = true, value_name = "KEY=VALUE")]
        edits: Vec<String>,
        /// Why (kept with the version and in the audit record).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Import a Shopify product CSV export (.csv) or Till JSON lines (.jsonl). Bad rows are
    /// listed with their line and skipped; exit status 3 when any were.
    Import {
        /// The catalog file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum JournalCommand {
    /// Check the hash chain, the grand total and every record against its tables; exits
    /// non-zero naming the first bad record.
    Verify,
    /// Write the journal between two business days as versioned JSON or CSV.
    Export {
        /// First business day (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// Last business day, included.
        #[arg(long)]
        to: String,
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The open cash session (or everything so far): sales, tax per rate, tenders, what
    /// the drawer should hold. Resets nothing.
    X,
    /// Close the cash session with a numbered Z report (like `drawer close`), or reprint one.
    Z {
        /// Cash counted by denomination, e.g. 50x2,20x5,0.05x40 (else the last blind count).
        #[arg(long, value_name = "COUNT")]
        cash: Option<String>,
        /// Another tender's counted total, e.g. card=412.50.
        #[arg(long = "counted", value_name = "TENDER=AMOUNT")]
        counted: Vec<String>,
        /// Reprint Z report N (marked DUPLICATE) instead of closing.
        #[arg(long, value_name = "N")]
        reprint: Option<u64>,
    },
}

#[derive(Subcommand)]
pub enum ReceiptCommand {
    /// Print a receipt as text.
    Show {
        /// Receipt number (R1-000042 or 42), or the code scanned off the receipt
        /// (till:STORE/R1-000042).
        number: String,
        /// Reprint it, marked DUPLICATE and counted (a permission).
        #[arg(long)]
        duplicate: bool,
    },
    /// Find a receipt for a return wherever it was rung, and say where it was found:
    /// this register (local), its copy of a store peer's sales (peer), or HQ (hq); with
    /// what is left to return of each line, counting returns made anywhere.
    Find {
        /// Receipt number (R1-000042, or 42 for this register's), or the code scanned off
        /// the receipt (till:STORE/R1-000042).
        number: String,
    },
    /// Print a receipt on an ESC/POS printer, in its code page (never raw UTF-8). On the
    /// configured printer it goes through the print queue; a receipt printed before is a
    /// reprint, marked DUPLICATE and counted (a permission).
    Print {
        /// Receipt number (`R1-000042` or `42`).
        number: String,
        #[command(flatten)]
        printer: PrinterArgs,
        /// Kick the cash drawer after the cut (first print only; reopening it is a no-sale).
        #[arg(long)]
        kick: bool,
    },
}

#[derive(Subcommand)]
pub enum DrawerCommand {
    /// Open a cash session with the float counted by denomination (e.g. 20x5,10x5,1x20).
    Open {
        /// The float by denomination.
        #[arg(long, value_name = "COUNT")]
        float: String,
    },
    /// Put cash into the drawer.
    PaidIn {
        /// The amount.
        amount: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Take cash out for an expense (a permission).
    PaidOut {
        /// The amount.
        amount: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Take cash to the safe.
    Drop {
        /// The amount.
        amount: String,
        /// Why (default: safe drop).
        #[arg(long, default_value = "safe drop")]
        reason: String,
    },
    /// Open the drawer without a sale (a permission).
    NoSale {
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// A blind count: enter what is there without seeing what should be.
    Count {
        /// Cash by denomination.
        #[arg(long, value_name = "COUNT")]
        cash: String,
        /// Another tender's counted total, e.g. card=412.50.
        #[arg(long = "counted", value_name = "TENDER=AMOUNT")]
        counted: Vec<String>,
    },
    /// Close the session with its Z report.
    Close {
        /// Cash counted by denomination (else the last blind count).
        #[arg(long, value_name = "COUNT")]
        cash: Option<String>,
        /// Another tender's counted total, e.g. card=412.50.
        #[arg(long = "counted", value_name = "TENDER=AMOUNT")]
        counted: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Add a staff member (the first must be a manager and needs no sign-in).
    Add {
        /// Staff code (badge number).
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Role: cashier, supervisor, manager, or one you made.
        #[arg(long)]
        role: String,
        /// PIN, 4-8 digits.
        #[arg(long)]
        pin: String,
    },
    /// Set what a role may do: ACTION=allowed|denied|approval … (creates the role if new).
    Role {
        /// The role.
        name: String,
        /// Changes, e.g. price_override=approval paid_out=denied.
        #[arg(required = true, value_name = "ACTION=PERMISSION")]
        changes: Vec<String>,
    },
    /// Give a staff member another role.
    Assign {
        /// Staff code.
        code: String,
        /// The role.
        #[arg(long)]
        role: String,
    },
    /// Set a new PIN (also unlocks).
    Pin {
        /// Staff code.
        code: String,
        /// The new PIN.
        #[arg(long)]
        pin: String,
    },
    /// Unlock a staff member locked out by wrong PINs.
    Unlock {
        /// Staff code.
        code: String,
    },
    /// A staff member left: they can no longer sign in.
    Remove {
        /// Staff code.
        code: String,
    },
    /// Staff and the permission matrix.
    List,
}

/// How a return names an online order: its number with the customer's e-mail, or its code.
#[derive(Args)]
pub struct OrderLookup {
    /// Order number (#1001) or HQ's order id; needs --email.
    #[arg(required_unless_present = "code")]
    pub number: Option<String>,
    /// The customer's e-mail, which must be the order's.
    #[arg(long, requires = "number")]
    pub email: Option<String>,
    /// Instead of number and e-mail: the order's code as the customer shows it (TP1.…).
    #[arg(long, conflicts_with_all = ["number", "email"])]
    pub code: Option<String>,
}

impl OrderLookup {
    /// The lookup as HQ and the register take it.
    pub fn query(&self) -> till_register::FindOrder {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        till_register::FindOrder { number: text(&self.number), email: text(&self.email), code: text(&self.code) }
    }
}

#[derive(Subcommand)]
pub enum BorisCommand {
    /// An online order with what may come back of each line (HQ, else this store's own).
    Find {
        #[command(flatten)]
        order: OrderLookup,
    },
    /// Take lines of an online order back and refund them.
    Return {
        #[command(flatten)]
        order: OrderLookup,
        /// A line and how many units come back, LINE:QTY; repeat.
        #[arg(long = "line", value_name = "LINE:QTY", required = true)]
        lines: Vec<String>,
        /// A reason code from the store's list.
        #[arg(long)]
        reason: String,
        /// The goods are damaged: written off, not back to stock.
        #[arg(long)]
        damaged: bool,
        /// Where the refund goes: credit (store credit), cash, or online (HQ refunds the
        /// webstore payment).
        #[arg(long, default_value = "credit")]
        refund: String,
    },
}

#[derive(Subcommand)]
pub enum AisleCommand {
    /// Catalog items with each location's stock (HQ's snapshot and its age).
    Search {
        /// Words to find.
        text: String,
        /// Most results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Order goods from elsewhere, paid here: shipped home or collected at another store.
    Order {
        /// An item and whole units, SKU:QTY; repeat.
        #[arg(long = "item", value_name = "SKU:QTY", required = true)]
        items: Vec<String>,
        /// Collect at this store (its location id).
        #[arg(long, conflicts_with = "ship_to")]
        pickup_at: Option<String>,
        /// Ship to ZIP,CITY,COUNTRY[,LAT,LON].
        #[arg(long, required_unless_present = "pickup_at")]
        ship_to: Option<String>,
        /// The customer's email.
        #[arg(long)]
        email: String,
        /// Payment (as for `till sale`); repeat.
        #[arg(long = "tender", value_name = "KIND:AMOUNT", required = true)]
        tenders: Vec<String>,
    },
    /// Ask HQ now what changed in the chain's stock (sync rounds do it every
    /// `[aisle] stock_refresh_minutes`).
    Refresh,
    /// Orders placed here and whether HQ has taken them (`failed`: HQ refused one for
    /// good; re-place it or refund its sale).
    Orders {
        /// Only those HQ has not taken yet.
        #[arg(long)]
        waiting: bool,
    },
    /// Place an order HQ refused again (the customer has paid): as it was, or with a
    /// corrected delivery; it goes with the next sync. The other way out is a refund of its
    /// sale (`till return RECEIPT`).
    #[command(name = "re-place")]
    Replace {
        /// The order's id (as `till aisle orders` lists it).
        order: String,
        /// Collect at this store instead.
        #[arg(long, conflicts_with = "ship_to")]
        pickup_at: Option<String>,
        /// Ship to ZIP,CITY,COUNTRY[,LAT,LON] instead.
        #[arg(long)]
        ship_to: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PickupCommand {
    /// The store's online orders and where each stands.
    List,
    /// One order: lines, picks, bin, handovers.
    Show {
        /// Order number (#1001), HQ's order id, or the customer's email.
        order: String,
    },
    /// Record a pick of one line: fewer than ordered is a short pick; a substitute needs
    /// its price and the customer's consent.
    Pick {
        /// The order.
        order: String,
        /// Line number.
        #[arg(long)]
        line: u32,
        /// Units picked.
        #[arg(long)]
        qty: String,
        /// The substitute's SKU.
        #[arg(long, requires_all = ["price", "consent"])]
        substitute: Option<String>,
        /// The substitute's price per unit for this customer.
        #[arg(long)]
        price: Option<String>,
        /// How the customer agreed to the substitute.
        #[arg(long)]
        consent: Option<String>,
    },
    /// Stage the picked goods in a bin: the order is ready for the customer.
    Stage {
        /// The order.
        order: String,
        /// Bin or shelf.
        #[arg(long)]
        bin: String,
    },
    /// Curbside: the customer has arrived.
    Checkin {
        /// The order.
        order: String,
        /// Parking spot or car.
        #[arg(long)]
        spot: String,
    },
    /// Check a customer's pickup token (offline, with HQ's key): which order, what may be
    /// handed over; or why it is refused (forged, expired, another store's, used).
    Verify {
        /// The token (as scanned from the customer's QR code).
        token: String,
    },
    /// Hand the goods over: a sale at the order's prices, paid online or with --tender.
    Handover {
        /// The token.
        token: String,
        /// Only this line and quantity (a partial pickup), as LINE:QTY; repeat.
        #[arg(long = "line", value_name = "LINE:QTY")]
        lines: Vec<String>,
        /// The identity document checked (e.g. "passport").
        #[arg(long, default_value = "")]
        id_check: String,
        /// Payment for an order paid at the counter (as for `till sale`).
        #[arg(long = "tender", value_name = "KIND:AMOUNT")]
        tenders: Vec<String>,
    },
    /// Tell the customer by email that the staged order is ready ([mail] in the store
    /// configuration): queued with the order's notice, then one send pass — it went, or it
    /// waits for the mail server (`till mail work`).
    Ready {
        /// The order.
        order: String,
        /// Send it again to a customer who was told already.
        #[arg(long)]
        resend: bool,
    },
    /// Ship-from-store: the picked order is packed and handed to the carrier.
    Ship {
        /// The order.
        order: String,
        /// Carrier.
        #[arg(long)]
        carrier: String,
        /// Tracking number.
        #[arg(long)]
        tracking: String,
    },
}

#[derive(Subcommand)]
pub enum PrinterCommand {
    /// What the printer reports (DLE EOT): ready, paper out, cover open, offline, error;
    /// and whether the drawer is open.
    Status {
        #[command(flatten)]
        printer: PrinterArgs,
    },
    /// Receipts queued for the configured printer, newest first (`--waiting`: only those
    /// not printed yet).
    Jobs {
        /// Only the jobs still waiting.
        #[arg(long)]
        waiting: bool,
    },
    /// Print the waiting receipts on the configured printer (one pass; `--watch` keeps
    /// going every second until stopped). A printer that is not ready leaves them waiting.
    Work {
        /// Keep printing as jobs arrive.
        #[arg(long)]
        watch: bool,
    },
    /// Print a test page: the store header, the characters the code page must carry, both
    /// codes.
    Test {
        #[command(flatten)]
        printer: PrinterArgs,
    },
    /// The printer profiles Till knows (escpos-printer-db): paper, columns, code pages,
    /// features.
    Profiles,
}

#[derive(Subcommand)]
pub enum MailCommand {
    /// Messages in the outbox, newest first (`--waiting`: only those not sent yet), with
    /// each one's state and why it is still waiting or failed.
    Jobs {
        /// Only the messages still waiting.
        #[arg(long)]
        waiting: bool,
    },
    /// Send the waiting messages through the configured server (one pass; `--watch` keeps
    /// going every five seconds until stopped). A server out of reach leaves them waiting.
    Work {
        /// Keep sending as messages arrive.
        #[arg(long)]
        watch: bool,
    },
}

/// Which printer: the configured one, or one named here.
#[derive(clap::Args)]
pub struct PrinterArgs {
    /// The printer: `tcp://HOST:PORT`, `serial:///dev/ttyUSB0[?baud=N]` or `usb://VID:PID`
    /// (default: `[printer]` of the store configuration).
    #[arg(long, value_name = "URL")]
    pub printer: Option<String>,
    /// Its profile (`till printer profiles`; with --printer, default `default`).
    #[arg(long, requires = "printer")]
    pub profile: Option<String>,
    /// Its code page (CP437, CP850, CP858, CP852, CP866, WPC1252; with --printer).
    #[arg(long, requires = "printer")]
    pub code_page: Option<String>,
}

#[derive(Subcommand)]
pub enum ScannerCommand {
    /// Wait for one scan from a serial (USB CDC) scanner and show what it says.
    Read {
        /// The serial port, e.g. /dev/ttyACM0 (default: `[scanner] port`).
        #[arg(long)]
        port: Option<String>,
        /// Seconds to wait.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
}

#[derive(Subcommand)]
pub enum ScaleCommand {
    /// Read the net weight (Toledo 8217 over serial, less `[scale] tare_kg`); exit 1 if it
    /// is in motion, below zero or not more than the tare.
    Read {
        /// The serial port, e.g. /dev/ttyUSB0 (default: `[scale] port`).
        #[arg(long)]
        port: Option<String>,
    },
    /// Zero the scale (with the platter empty).
    Zero {
        /// The serial port (default: `[scale] port`).
        #[arg(long)]
        port: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum BarcodeCommand {
    /// Read a code: GTIN (EAN/UPC, UPC-E expanded), variable-measure number, GS1 element
    /// string (AIs in parentheses, or FNC1 as ASCII 29), GS1 Digital Link, with or without
    /// an AIM identifier (]E0, ]C1, ]d2, ]Q3…). Exit 1 with the reason if it is invalid.
    Parse {
        /// The code.
        code: String,
        /// ISO 3166 alpha-2 country whose variable-measure rules apply [default: the
        /// store's `region`].
        #[arg(long, value_name = "CC")]
        rcn_region: Option<String>,
    },
}

#[derive(Args)]
pub struct SyncArgs {
    /// Sync with this peer register (same store, on the LAN) instead of HQ: the
    /// `https://host:port` its `till serve-peer` printed (both prove the store's peer key).
    #[arg(long, value_name = "URL")]
    pub peer: Option<String>,
    /// Keep syncing in the background worker until stopped (Ctrl-C), printing a line per
    /// round; offline, rounds back off with jitter.
    #[arg(long)]
    pub watch: bool,
    /// With --watch: seconds between rounds while online.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub every: u64,
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Online or offline, last successful sync, sales HQ has not confirmed and the age of
    /// the oldest.
    Status,
    /// HQ's open conflicts of this store (asks HQ).
    Conflicts,
    /// Replace the register's HQ credential with a new one.
    Rotate,
    /// Rebuild the journal's sync documents from the journal itself (if they were lost or
    /// damaged); HQ merges them without changing a record.
    Rebuild,
}

#[derive(Subcommand)]
pub enum StressCommand {
    /// Sell the same sale over and over, printing each receipt number once committed.
    Sell {
        /// Barcode or SKU.
        #[arg(long)]
        scan: String,
        /// Cash tendered.
        #[arg(long)]
        cash: String,
        /// How many sales.
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
    },
}

/// What goes into a cart: scans and cashier changes.
#[derive(Args)]
pub struct CartArgs {
    /// Barcode or SKU, optionally with a quantity or weight: CODE, CODE*3, CODE*1.235
    #[arg(long = "scan", value_name = "CODE[*QTY]")]
    pub scans: Vec<String>,
    /// Change a line's quantity: LINE:QTY
    #[arg(long = "quantity", value_name = "LINE:QTY")]
    pub quantities: Vec<String>,
    /// Void a line (it stays numbered but is not sold): LINE
    #[arg(long = "void", value_name = "LINE")]
    pub voids: Vec<String>,
    /// Discount on the order (10% or 2.50) or on one line (LINE:10%, LINE:2.50)
    #[arg(long = "discount", value_name = "[LINE:]AMOUNT|PCT%")]
    pub discounts: Vec<String>,
    /// Price override on a line: LINE:PRICE:REASON
    #[arg(long = "price", value_name = "LINE:PRICE:REASON")]
    pub overrides: Vec<String>,
    /// Coupon code.
    #[arg(long = "coupon", value_name = "CODE")]
    pub coupons: Vec<String>,
}

#[derive(Args)]
pub struct SaleArgs {
    #[command(flatten)]
    pub cart: CartArgs,
    /// Payment: cash:AMOUNT, card:AMOUNT[:BRAND:LAST4[:REFERENCE]], credit:AMOUNT:CODE (store credit), or NAME:AMOUNT for a custom tender
    #[arg(long = "tender", value_name = "KIND:AMOUNT")]
    pub tenders: Vec<String>,
    /// Park the cart under this label instead of completing the sale.
    #[arg(long, value_name = "LABEL", conflicts_with = "tenders")]
    pub park: Option<String>,
    /// Start from parked cart ID (see `till parked`).
    #[arg(long, value_name = "ID")]
    pub resume: Option<u64>,
    /// Cancel the cart instead of selling it (a permission; the audit chain records it).
    #[arg(long, conflicts_with_all = ["tenders", "park"])]
    pub cancel: bool,
    /// Training mode: priced and printed as NOT A RECEIPT, never in totals or stock.
    #[arg(long)]
    pub training: bool,
}

/// What comes back.
#[derive(Args)]
pub struct ReturnPicks {
    /// The receipt: its number (R1-000042) or the code printed on it (till:STORE/R1-000042).
    #[arg(long)]
    pub receipt: Option<String>,
    /// A receipt line to take back, all of it or QTY: LINE[:QTY]
    #[arg(long = "line", value_name = "LINE[:QTY]", requires = "receipt")]
    pub lines: Vec<String>,
    /// Without a receipt: CODE[*QTY] (a permission; refunded at the lowest recent price).
    #[arg(long = "item", value_name = "CODE[*QTY]", conflicts_with = "receipt")]
    pub items: Vec<String>,
    /// Reason code (see the store's [returns] reasons).
    #[arg(long, default_value = "changed_mind")]
    pub reason: String,
    /// The goods are damaged: written off instead of restocked.
    #[arg(long)]
    pub damaged: bool,
    /// Override the return rules (window, final sale) with this note (a permission).
    #[arg(long, value_name = "NOTE")]
    pub r#override: Option<String>,
}

#[derive(Args)]
pub struct ReturnArgs {
    #[command(flatten)]
    pub picks: ReturnPicks,
    /// Where the refund goes: original (the tenders paid with), cash, or credit (store credit).
    #[arg(long, default_value = "original")]
    pub refund: String,
}

#[derive(Args)]
pub struct ExchangeArgs {
    #[command(flatten)]
    pub picks: ReturnPicks,
    #[command(flatten)]
    pub cart: CartArgs,
    /// When the new goods cost more: the payment (as for `sale`).
    #[arg(long = "tender", value_name = "KIND:AMOUNT")]
    pub tenders: Vec<String>,
    /// When they cost less: where the difference goes (original, cash, credit).
    #[arg(long, default_value = "original")]
    pub refund: String,
}
