//! The register and its HQ: enrollment, a sync round, and where it stands. The protocol
//! is `till_sync`'s; this only ties it to the register's store and clock.

use rust_decimal::Decimal;
use till_sync::{Remote, SyncReport, SyncStatus};

use crate::{Register, RegisterError};

impl Register {
    /// Enrolls this register with the HQ at `url` using the one-time `token` HQ printed.
    pub fn enroll(&mut self, url: &str, token: &str) -> Result<(), RegisterError> {
        Ok(till_sync::enroll(self.store_mut(), url, token)?)
    }

    /// Runs one sync round with HQ, or with the peer register at `peer` (same store, on
    /// the LAN). Sales go on meanwhile; a failure leaves everything to the next round.
    pub fn sync_once(&mut self, peer: Option<&str>) -> Result<SyncReport, RegisterError> {
        let now = self.now();
        Ok(match peer {
            Some(url) => {
                let remote = Remote::peer_of(self.store(), url)?;
                till_sync::sync_peer(self.store_mut(), &remote, now)?
            }
            None => {
                let remote = Remote::hq_of(self.store())?;
                till_sync::sync_once(self.store_mut(), &remote, now)?
            }
        })
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

    /// The store's stock of `sku` at this register's location as the replicated counters
    /// say (every register's sales that reached this one, and HQ's receipts), once HQ has
    /// created the counter.
    pub fn store_stock(&mut self, sku: &str) -> Result<Option<Decimal>, RegisterError> {
        let location = self.config().location.clone();
        self.store_mut().replicate_stock()?;
        Ok(self.store_mut().replicated_stock(&location, sku)?)
    }
}
