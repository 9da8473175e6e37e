//! Work that never runs on the sale path: housekeeping ([`Register::maintain`]) and one
//! pass of the background workers ([`Register::background_pass`]) — the print worker, the
//! mail worker, and the sync worker's nudge. The desktop app's background task and the
//! CLI's `--watch` loops run the same pass, each with the parts it wants.

use std::time::{Duration, Instant};

use till_store::{PruneBefore, Pruned};

use crate::{MailRound, PrintRound, Register, RegisterError, SyncStatus, SyncWorker, WorkerTiming};

/// The most rows of one outbox table a housekeeping pass deletes (a backlog goes over
/// several passes, none of them long).
pub const PRUNE_PER_PASS: u32 = 200;

/// Which background work a front end runs, and when each part is next due.
pub struct BackgroundWork {
    housekeeping: bool,
    print: bool,
    mail_every: Option<Duration>,
    mail_due: Instant,
    sync: Option<Option<SyncWorker>>,
    /// `Some(started)` when the peer server is wanted (with the sync worker).
    peer_server: Option<bool>,
}

impl BackgroundWork {
    /// Everything, as the desktop app runs it: housekeeping, the print worker while
    /// receipts wait, the mail worker every ten seconds when mail is configured (a server
    /// out of reach costs a connect timeout), and the sync worker once the register is
    /// enrolled, nudged while sales wait for HQ (it also syncs with `[peers] urls`); and,
    /// once enrolled, the server for the store peers when `[peers] listen` is set.
    pub fn all() -> BackgroundWork {
        BackgroundWork {
            housekeeping: true,
            print: true,
            mail_every: Some(Duration::from_secs(10)),
            mail_due: Instant::now(),
            sync: Some(None),
            peer_server: Some(false),
        }
    }

    /// The print worker alone (`till printer work`): every pass prints what waits.
    pub fn printing() -> BackgroundWork {
        BackgroundWork {
            housekeeping: false,
            print: true,
            mail_every: None,
            mail_due: Instant::now(),
            sync: None,
            peer_server: None,
        }
    }

    /// The mail worker alone (`till mail work`): every pass sends what waits.
    pub fn mailing() -> BackgroundWork {
        BackgroundWork {
            housekeeping: false,
            print: false,
            mail_every: Some(Duration::ZERO),
            mail_due: Instant::now(),
            sync: None,
            peer_server: None,
        }
    }
}

/// What one background pass did; each part that ran says how it went, so one failing part
/// (a printer out of paper, a mail server away) never stops the others.
#[derive(Debug, Default)]
pub struct BackgroundPass {
    /// Housekeeping's failure, if it failed (the sales are safe either way).
    pub housekeeping: Option<RegisterError>,
    /// The print worker's pass, when it ran.
    pub print: Option<Result<PrintRound, RegisterError>>,
    /// The mail worker's pass, when it ran.
    pub mail: Option<Result<MailRound, RegisterError>>,
    /// Where the register stands with HQ, when the pass looked (the app's status bar).
    pub sync: Option<Result<SyncStatus, RegisterError>>,
}

impl Register {
    /// Housekeeping to run off the sale path — after a sale is handed over, or when idle:
    /// folds recent stock movements into the stock projection, compacts the replicated
    /// documents' stored changes, and checkpoints the SQLite write-ahead log, each only once
    /// enough has accumulated, so no sale's commit has to; then prunes the finished outbox
    /// rows past their retention ([`Register::prune_outboxes`]).
    pub fn maintain(&mut self) -> Result<(), RegisterError> {
        self.store.maintain()?;
        self.apply_due_config()?;
        self.prune_outboxes()?;
        Ok(())
    }

    /// Deletes finished outbox rows past `[retention]` (printed reprints and skipped or
    /// dropped print jobs, sent or failed mail and endless-aisle orders), at most
    /// [`PRUNE_PER_PASS`] per table and pass, found through an index on when each
    /// finished: nothing due costs one index probe per table. Never a printed original,
    /// nothing waiting, nothing a report, the journal or a reprint reads.
    pub fn prune_outboxes(&mut self) -> Result<Pruned, RegisterError> {
        let now = self.now().as_second();
        let days = |d: u32| now - i64::from(d) * 86_400;
        let r = self.config.retention;
        let before =
            PruneBefore { print_jobs: days(r.print_jobs_days), mail: days(r.mail_days), orders: days(r.orders_days) };
        let pruned = self.store.prune_outboxes(before, PRUNE_PER_PASS)?;
        if pruned.total() > 0 {
            tracing::debug!(?pruned, "outbox rows past their retention deleted");
        }
        Ok(pruned)
    }

    /// One pass of the background work `work` asks for. The print worker runs when a
    /// printer is configured and receipts wait (always, when it is the only work asked
    /// for); the mail worker when mail is configured and its time has come; the sync
    /// worker starts once the register is enrolled and is nudged while sales wait for HQ.
    pub fn background_pass(&mut self, work: &mut BackgroundWork) -> BackgroundPass {
        let mut pass = BackgroundPass::default();
        if work.housekeeping {
            pass.housekeeping = self.maintain().err();
        }
        let printing_only = !work.housekeeping && work.mail_every.is_none();
        if work.print && (printing_only || (self.config.printer.is_some() && self.has_waiting_receipts())) {
            pass.print = Some(self.print_pending());
        }
        if let Some(every) = work.mail_every
            && (self.config.mail.is_some() || every.is_zero())
            && Instant::now() >= work.mail_due
        {
            work.mail_due = Instant::now() + every;
            pass.mail = Some(self.send_pending_mail());
        }
        if let Some(worker) = &mut work.sync {
            let status = self.sync_status();
            if let Ok(s) = &status {
                if worker.is_none() && s.enrolled {
                    *worker = self.start_sync_worker();
                }
                if work.peer_server == Some(false) && s.enrolled {
                    work.peer_server = Some(self.start_peer_server());
                }
                if let Some(w) = worker
                    && s.pending_sales > 0
                {
                    w.nudge();
                }
            }
            pass.sync = Some(status);
        }
        pass
    }

    fn has_waiting_receipts(&self) -> bool {
        self.print_jobs(true).is_ok_and(|jobs| !jobs.is_empty())
    }

    /// The sync worker for this register, on its own connection (none if it cannot start:
    /// the next pass tries again).
    fn start_sync_worker(&self) -> Option<SyncWorker> {
        let spawned = SyncWorker::spawn(self.dir.clone(), self.clock.clone(), WorkerTiming::default(), |event| {
            tracing::debug!(?event, "sync round")
        });
        spawned.map_err(|e| tracing::warn!(error = %e, "the sync worker did not start")).ok()
    }

    /// Serves the store peers on `[peers] listen` (what `till serve-peer` does) on its own
    /// thread and connection until the process ends; whether it is started (nothing to
    /// start when no address is configured). A configuration version changing the address
    /// takes effect when the app next starts.
    fn start_peer_server(&self) -> bool {
        let Some(listen) = self.config.peers.listen else { return true };
        let (dir, clock) = (self.dir.clone(), self.clock.clone());
        let serve = move || {
            let served = Register::open(&dir, clock, Box::new(crate::RandomIds))
                .and_then(|reg| reg.serve_peer(&listen.to_string(), |at| tracing::info!(%at, "serving store peers")));
            if let Err(e) = served {
                tracing::error!(error = %e, %listen, "the store peer server stopped");
            }
        };
        let spawned = std::thread::Builder::new().name("till-peer-server".into()).spawn(serve);
        spawned.map_err(|e| tracing::warn!(error = %e, "the store peer server did not start")).is_ok()
    }
}
