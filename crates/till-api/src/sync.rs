//! Where the register stands with HQ: the full sync status, HQ's open conflicts of the
//! store, and the status bar's figures.

use serde::Serialize;
use till_protocol::StoreConflict;
use till_register::SyncStatus;
use ts_rs::TS;

/// The register's sync status.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatusView {
    /// Enrolled with an HQ.
    pub enrolled: bool,
    /// The HQ's URL.
    pub hq: Option<String>,
    /// Whether the last attempt reached HQ.
    pub online: bool,
    /// When a round last succeeded.
    pub last_success: Option<String>,
    /// When a round was last attempted.
    pub last_attempt: Option<String>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// When the oldest of them was made.
    pub oldest_pending_at: Option<String>,
    /// Its age in seconds.
    pub oldest_pending_age_seconds: Option<i64>,
    /// The HQ catalog version the register sells on (`null`: its own catalog).
    pub catalog_version: Option<String>,
    /// The configuration version in force (`local-N`, `hq-N`).
    pub config_version: Option<String>,
    /// HQ configuration versions set aside here (they do not validate), and why.
    pub config_set_aside: Vec<String>,
    /// The last refused change of HQ's pickup key (the link to HQ may be intercepted).
    pub pickup_key_alert: Option<String>,
    /// Documents a sync round set aside (quarantined), and why; every other one syncs.
    pub quarantined: Vec<QuarantinedView>,
}

/// A replicated document a sync round set aside, and why.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct QuarantinedView {
    /// The document's id (`order/STORE/KEY`, `stock/STORE`, `journal/STORE/REGISTER/DAY`).
    pub doc: String,
    /// The side it failed with: `hq` or `peer`.
    pub side: String,
    /// Why: the document, where in it, what is wrong.
    pub reason: String,
    /// When it was first set aside.
    pub since: String,
    /// When it last failed.
    pub at: String,
}

impl From<&till_register::SetAside> for QuarantinedView {
    fn from(q: &till_register::SetAside) -> Self {
        QuarantinedView {
            doc: q.doc.clone(),
            side: q.side.clone(),
            reason: q.reason.clone(),
            since: q.since.clone(),
            at: q.at.clone(),
        }
    }
}

impl From<&SyncStatus> for SyncStatusView {
    fn from(s: &SyncStatus) -> Self {
        SyncStatusView {
            enrolled: s.enrolled,
            hq: s.hq.clone(),
            online: s.online,
            last_success: s.last_success.clone(),
            last_attempt: s.last_attempt.clone(),
            last_error: s.last_error.clone(),
            pending_sales: s.pending_sales,
            oldest_pending_at: s.oldest_pending_at.clone(),
            oldest_pending_age_seconds: s.oldest_pending_age_seconds,
            catalog_version: s.catalog_version.clone(),
            config_version: s.config_version.clone(),
            config_set_aside: s.config_set_aside.clone(),
            pickup_key_alert: s.pickup_key_alert.clone(),
            quarantined: s.quarantined.iter().map(QuarantinedView::from).collect(),
        }
    }
}

/// One of HQ's open conflicts of this store.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflictView {
    /// Kind (`clock_skew`, `stock_below_zero`, `broken_chain`…).
    pub kind: String,
    /// What it is about.
    pub subject: String,
    pub register: String,
    /// What HQ found.
    pub detail: String,
    /// What it needs from a person.
    pub needs: String,
    /// When HQ raised it.
    pub raised_at: String,
}

impl From<&StoreConflict> for ConflictView {
    fn from(c: &StoreConflict) -> Self {
        ConflictView {
            kind: c.kind.clone(),
            subject: c.subject.clone(),
            register: c.register.clone(),
            detail: c.detail.clone(),
            needs: c.needs.clone(),
            raised_at: c.raised_at.clone(),
        }
    }
}

/// The status bar.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct StatusView {
    /// Reached HQ last time (`null`: not enrolled with an HQ).
    pub online: Option<bool>,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// The oldest of them, seconds ago.
    pub oldest_pending_age_seconds: Option<i64>,
    /// The last successful sync.
    pub last_sync: Option<String>,
    /// The printer's state (`null`: no printer configured).
    pub printer: Option<String>,
}

impl StatusView {
    /// The status bar for `sync`, with the printer's `printer` summary.
    pub fn new(sync: &SyncStatus, printer: Option<String>) -> StatusView {
        StatusView {
            online: sync.enrolled.then_some(sync.online),
            pending_sales: sync.pending_sales,
            oldest_pending_age_seconds: sync.oldest_pending_age_seconds,
            last_sync: sync.last_success.clone(),
            printer,
        }
    }
}
