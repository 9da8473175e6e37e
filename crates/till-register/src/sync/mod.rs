//! The register and its HQ: enrollment, a sync round, and where it stands. The protocol
//! is `till_sync`'s; this only ties it to the register's store and clock.

mod worker;

pub use till_sync::{HqTrust, SetAside, SyncError, SyncReport, SyncStatus, TrustError};
pub use worker::{PeerRounds, SyncEvent, SyncWorker, WorkerTiming, backoff};

use rust_decimal::Decimal;
use till_sync::Remote;

use crate::{Authority, ImportReport, Register, RegisterError};
use till_domain::Action;

/// What `till enroll` (or the app's Settings form) asks for.
#[derive(Debug, Clone)]
pub struct Enrollment<'a> {
    /// HQ's URL.
    pub url: &'a str,
    /// The one-time token `till-hq register add` printed.
    pub token: &'a str,
    /// How HQ's certificate is verified.
    pub trust: HqTrust,
    /// Whether an enrolled register may be moved to this HQ (or enrolled again).
    pub re_enroll: bool,
}

/// Setting: the HQ catalog version the register sells on.
pub(crate) const CATALOG_VERSION: &str = till_sync::client::CATALOG_VERSION_SETTING;

impl Register {
    /// Enrolls this register with an HQ ([`Action::ConfigureSync`], audited; before any
    /// staff exists, at first start, nobody is asked and nothing is audited). An enrolled register is enrolled again
    /// only when `re_enroll` says so. HQ's certificate is verified by the request's trust
    /// now and on every later request; the settings and the audit record are written in
    /// one transaction, after HQ accepted.
    pub fn enroll(&mut self, auth: &mut Authority, request: &Enrollment<'_>) -> Result<(), RegisterError> {
        let current = till_sync::enrolled_with(self.store())?;
        if let Some(url) = &current
            && !request.re_enroll
        {
            return Err(SyncError::AlreadyEnrolled { url: url.clone() }.into());
        }
        let detail = match &current {
            Some(old) => format!("re-enrolled from {old} with {} ({})", request.url, request.trust.describe()),
            None => format!("enrolled with {} ({})", request.url, request.trust.describe()),
        };
        // Before any staff exists there is nobody to ask or to name: the journal then holds
        // sales only, as every register's did before enrollment was audited.
        let audit = if self.in_setup()? { None } else { Some(self.authorize(auth, Action::ConfigureSync, detail)?) };
        let at = self.now().to_string();
        let audit = audit.as_ref().map(|entry| (entry, at.as_str()));
        till_sync::enroll(self.store_mut(), request.url, request.token, &request.trust, audit)?;
        // Enrollment forgot the catalog version (it was the other HQ's numbering).
        self.catalog_version = None;
        self.forget_hq_configs()?;
        Ok(())
    }

    /// Runs one sync round with HQ, or with the peer register at `peer` (same store, on
    /// the LAN). Sales go on meanwhile; a failure leaves everything to the next round.
    pub fn sync_once(&mut self, peer: Option<&str>) -> Result<SyncReport, RegisterError> {
        let now = self.now();
        Ok(match peer {
            Some(url) => {
                let remote = Remote::peer_of(self.store(), url)?;
                let mut report = till_sync::sync_peer(self.store_mut(), &remote, now)?;
                // The peer's recent sales, copied for returns of its receipts here (#16 §3).
                let since = self.config.returns.peer_sales_since(now);
                let mut pulled = SyncReport::default();
                report.peer_sales = till_sync::peer_sales::pull(self.store_mut(), &remote, since, &mut pulled)?;
                report.requests += pulled.requests;
                report.bytes_sent += pulled.bytes_sent;
                report.bytes_received += pulled.bytes_received;
                report
            }
            None => {
                let remote = Remote::hq_of(self.store())?;
                let mut report = till_sync::sync_once(self.store_mut(), &remote, now)?;
                // The round may have finished an interrupted credential rotation, retiring
                // the credential `remote` was made with: the rest of the round uses the
                // one it holds now.
                let remote = Remote::hq_of(self.store())?;
                // Configuration versions are kept (or set aside) before anything else:
                // a catalog or order failing below does not lose them.
                self.take_configs(&report.configs)?;
                for info in &report.catalogs {
                    self.take_catalog(&remote, info)?;
                }
                // HQ's staff: removals, new PINs and lockouts take effect here now.
                report.staff = self.staff_round(&remote)?;
                // The journal and documents are safe at HQ by now; an order or snapshot
                // that fails stays for the next round (the outbox says why).
                if let Err(e) = self.aisle_round(&remote) {
                    tracing::warn!("endless aisle: {e}");
                }
                report
            }
        })
    }

    /// Imports HQ's catalog `info` if it is newer than the one the register sells on; from
    /// the next sale on, sales carry its version. Returns the import's report if it did.
    fn take_catalog(
        &mut self,
        remote: &Remote,
        info: &till_protocol::CatalogInfo,
    ) -> Result<Option<ImportReport>, RegisterError> {
        let have = self.catalog_version.as_deref().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        if info.version <= have {
            return Ok(None);
        }
        let bytes = till_sync::fetch_catalog(remote, info)?;
        // The file keeps its name's extension (the format); it lives in the data
        // directory only while it is imported.
        let dir = self.store().path().parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        let ext = std::path::Path::new(&info.file_name).extension().and_then(|e| e.to_str()).unwrap_or("csv");
        let path = dir.join(format!("hq-catalog-{}.{ext}", info.version));
        let io = |error| RegisterError::Io { path: path.display().to_string(), error };
        std::fs::write(&path, &bytes).map_err(io)?;
        let result = self.import_catalog(&path, &mut |_| {});
        let _ = std::fs::remove_file(&path);
        let report = result?;
        if !report.rejected.is_empty() {
            tracing::warn!(version = info.version, rejected = report.rejected.len(), "HQ catalog rows rejected here");
        }
        let version = info.version.to_string();
        self.store().set_setting(CATALOG_VERSION, &version)?;
        self.catalog_version = Some(version);
        Ok(Some(report))
    }

    /// The HQ catalog version this register sells on (`None`: its own catalog).
    pub fn catalog_version(&self) -> Option<&str> {
        self.catalog_version.as_deref()
    }

    /// Replaces the register's HQ credential (safe to interrupt: see `till_sync::rotate`).
    pub fn rotate_credential(&mut self) -> Result<(), RegisterError> {
        Ok(till_sync::rotate(self.store_mut())?)
    }

    /// Rebuilds the journal documents from the journal (see
    /// `till_store::Store::rebuild_journal_docs`).
    pub fn rebuild_sync_documents(&mut self) -> Result<(), RegisterError> {
        Ok(self.store_mut().rebuild_journal_docs()?)
    }

    /// Serves the store's shared documents to the other registers of the store on the LAN
    /// until the process ends (`till serve-peer`); `ready` gets the bound address.
    pub fn serve_peer(self, listen: &str, ready: impl FnOnce(std::net::SocketAddr)) -> Result<(), RegisterError> {
        Ok(till_sync::peer::serve(self.into_store(), listen, ready)?)
    }

    /// Where this register stands with its HQ.
    pub fn sync_status(&self) -> Result<SyncStatus, RegisterError> {
        Ok(till_sync::status(self.store(), self.now())?)
    }

    /// HQ's open conflicts of this register's store (asks HQ; `offline` when out of reach).
    pub fn hq_conflicts(&self) -> Result<Vec<till_protocol::StoreConflict>, RegisterError> {
        let remote = Remote::hq_of(self.store())?;
        Ok(till_sync::client::store_conflicts(&remote)?)
    }

    /// The store's stock of `sku` at this register's location as the replicated counters
    /// say (every register's sales that reached this one, and HQ's receipts), once HQ has
    /// created the counter.
    pub fn store_stock(&mut self, sku: &str) -> Result<Option<Decimal>, RegisterError> {
        let location = self.config().location.clone();
        self.store_mut().replicate_stock()?;
        Ok(self.store_mut().replicated_stock(&location, sku)?)
    }
}
