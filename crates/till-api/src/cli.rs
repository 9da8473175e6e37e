//! Answers only the `till` command gives (its `--json` acknowledgements and diagnostics);
//! the screens never see them, so they have no TypeScript twin. `docs/cli.md` lists them.

use serde::Serialize;

use crate::{Dec, SyncStatusView};

/// `till init`.
#[derive(Debug, Serialize)]
pub struct Created {
    pub store: String,
    pub register: String,
    /// The database file.
    pub database: String,
}

/// `till stock SKU`.
#[derive(Debug, Serialize)]
pub struct StockView {
    pub sku: String,
    /// This register's location.
    pub location: String,
    /// On hand, by this register's ledger.
    pub quantity: Dec,
    /// The store's, as last synced (`null` until HQ created the counter).
    pub store_quantity: Option<Dec>,
}

/// `till credit CODE`.
#[derive(Debug, Serialize)]
pub struct CreditView {
    pub code: String,
    /// What it holds.
    pub balance: Dec,
}

/// `till scanner read`.
#[derive(Debug, Serialize)]
pub struct ScannerRead {
    /// What the scanner sent.
    pub scanned: String,
    /// What it says.
    pub barcode: till_register::Barcode,
}

/// `till scale read`.
#[derive(Debug, Serialize)]
pub struct Weighed {
    /// Net kilograms.
    pub kg: Dec,
}

/// `till printer status`.
#[derive(Debug, Serialize)]
pub struct PrinterStatusView {
    pub printer: String,
    /// In a word (`ready`, `paper out`…).
    pub summary: String,
    /// Every status bit.
    pub status: till_register::PrinterStatus,
    /// Whether the drawer is open.
    pub drawer_open: bool,
}

/// `till receipt print --printer URL`.
#[derive(Debug, Serialize)]
pub struct Printed {
    pub printed: String,
    pub printer: String,
    /// 0 for the original, n for the n-th duplicate.
    pub copy: u32,
    /// Bytes sent.
    pub bytes: usize,
}

/// `till printer test`.
#[derive(Debug, Serialize)]
pub struct TestPage {
    pub printer: String,
    /// Bytes sent.
    pub bytes: usize,
}

/// `till enroll`.
#[derive(Debug, Serialize)]
pub struct Enrolled {
    /// Always true.
    pub enrolled: bool,
    /// The HQ.
    pub hq: String,
    pub store: String,
    pub register: String,
}

/// `till sync`: one round and where the register stands after it.
#[derive(Debug, Serialize)]
pub struct SyncRound {
    pub report: till_register::SyncReport,
    /// The status after it.
    pub status: SyncStatusView,
}

/// `till journal export --out FILE`.
#[derive(Debug, Serialize)]
pub struct Exported {
    /// The file written.
    pub file: String,
    /// Records in it.
    pub records: u64,
    /// Documents among them.
    pub documents: u64,
    /// Their total.
    pub total: Dec,
}

/// `till staff add|role|assign|pin|unlock|remove`.
#[derive(Debug, Serialize)]
pub struct StaffChanged {
    /// Always true.
    pub ok: bool,
    /// What changed.
    pub message: String,
}

/// `till sale --park LABEL`.
#[derive(Debug, Serialize)]
pub struct Parked {
    /// The parked cart's number.
    pub parked: u64,
    pub label: String,
}

/// `till sale --cancel`.
#[derive(Debug, Serialize)]
pub struct Cancelled {
    /// Always true.
    pub cancelled: bool,
    /// Lines the cart held.
    pub lines: usize,
}

/// A step that only says it was done: `{"counted": true}`, `{"zeroed": true}`,
/// `{"rebuilt": true}`, `{"rotated": true}`.
#[derive(Debug, Serialize)]
pub struct Done(pub std::collections::BTreeMap<&'static str, bool>);

impl Done {
    /// `{what: true}`.
    pub fn that(what: &'static str) -> Done {
        Done([(what, true)].into_iter().collect())
    }
}

/// `till pickup verify`, `till pickup ready`: an order with what the step adds.
#[derive(Debug, Serialize)]
pub struct ReadyNotice {
    pub order: crate::PickupOrderView,
    /// The notice in the outbox.
    pub mail: crate::MailJobView,
    /// The mail worker's pass that tried to send it.
    pub round: crate::MailRoundView,
}

/// `till printer jobs`: a receipt in the print queue.
#[derive(Debug, Serialize)]
pub struct PrintJobView {
    pub id: i64,
    /// The sale's receipt sequence number.
    pub sale_seq: i64,
    /// Kick the drawer after printing.
    pub kick: bool,
    /// 0 for the original, n for the n-th reprint.
    pub copy: u32,
    /// When it was queued.
    pub created_at: String,
    /// `waiting`, `printed`, `skipped` or `dropped` (waited past
    /// `printer.stale_after_minutes` and the store drops those: print it from the sale).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt did not print (or why it was dropped).
    pub last_error: Option<String>,
    /// When it printed.
    pub printed_at: Option<String>,
    /// It waited past `printer.stale_after_minutes`: printed without its drawer kick, or
    /// dropped.
    pub stale: bool,
}

impl From<&till_register::PrintJob> for PrintJobView {
    fn from(j: &till_register::PrintJob) -> Self {
        PrintJobView {
            id: j.id,
            sale_seq: j.sale_seq,
            kick: j.kick,
            copy: j.copy,
            created_at: j.created_at.clone(),
            state: j.state.clone(),
            attempts: j.attempts,
            last_error: j.last_error.clone(),
            printed_at: j.printed_at.clone(),
            stale: j.stale,
        }
    }
}

/// `till sync --watch`: one line per round of the sync worker.
#[derive(Debug, Serialize)]
pub struct SyncEventView {
    /// Whether the round reached HQ.
    pub online: bool,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// Age of the oldest of them, in seconds.
    pub oldest_pending_age_seconds: Option<i64>,
    /// Why the round failed.
    pub error: Option<String>,
    /// Store peers synced with this round.
    pub peers_reached: usize,
    /// `URL: why` for each store peer that was not.
    pub peers_failed: Vec<String>,
    /// Milliseconds until the next round.
    pub next_in_ms: u64,
}

impl From<&till_register::SyncEvent> for SyncEventView {
    fn from(e: &till_register::SyncEvent) -> Self {
        SyncEventView {
            online: e.online,
            pending_sales: e.pending_sales,
            oldest_pending_age_seconds: e.oldest_pending_age_seconds,
            error: e.error.clone(),
            peers_reached: e.peers.reached,
            peers_failed: e.peers.failed.clone(),
            next_in_ms: u64::try_from(e.next_in.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The error a `--json` command prints instead of its answer.
#[derive(Debug, Serialize)]
pub struct Failed {
    /// What went wrong.
    pub error: crate::ErrorView,
}
