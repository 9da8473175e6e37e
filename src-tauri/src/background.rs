//! The app's background work, on its own threads and its own database connections (a sale
//! never waits for it): every two seconds the register's housekeeping (`maintain`: fold
//! stock, compact replicated documents, checkpoint — each only when due), the status bar's
//! figures (`status` event), a print-worker pass while receipts wait, a mail-worker pass
//! every ten seconds when `[mail]` is configured, and — once the register is enrolled — the
//! sync worker; a serial scanner's scans as `scanner` events.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter};
use till_register::{RandomIds, Register, SyncWorker, WorkerTiming};

use crate::error::AppError;
use crate::views::StatusView;

/// The status bar's figures for `reg`: HQ sync and the printer (asked only when one is
/// configured; a printer that does not answer is `offline`).
pub fn status(reg: &Register) -> Result<StatusView, AppError> {
    let sync = reg.sync_status()?;
    let printer = reg.config().printer.as_ref().map(|p| match reg.printer_status(p) {
        Ok(s) => s.summary().to_string(),
        Err(_) => "offline".to_string(),
    });
    Ok(StatusView {
        online: sync.enrolled.then_some(sync.online),
        pending_sales: sync.pending_sales,
        oldest_pending_age_s: sync.oldest_pending_age_seconds,
        last_sync: sync.last_success,
        printer,
    })
}

/// Starts the background threads for the register in `dir` (waiting for it to exist).
pub fn spawn(app: AppHandle, dir: PathBuf) {
    let spawned = std::thread::Builder::new().name("till-background".into()).spawn(move || run(&app, &dir));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the background task did not start: no status, printing or sync");
    }
}

fn run(app: &AppHandle, dir: &std::path::Path) {
    let mut reg: Option<Register> = None;
    let mut sync: Option<SyncWorker> = None;
    let mut scanner_started = false;
    let mut mail_due = Instant::now();
    loop {
        if reg.is_none() && dir.join(till_register::DATABASE_FILE).exists() {
            match till_register::clock_from_env()
                .map_err(AppError::from)
                .and_then(|clock| Register::open(dir, clock, Box::new(RandomIds)).map_err(AppError::from))
            {
                Ok(r) => reg = Some(r),
                Err(e) => tracing::warn!(error = %e.message, "background: register not opened yet"),
            }
        }
        if let Some(r) = &mut reg {
            if let Err(e) = r.maintain() {
                tracing::warn!(error = %e, "housekeeping");
            }
            if !scanner_started && let Some(port) = r.config().scanner.port.clone() {
                scanner_started = true;
                spawn_scanner(app.clone(), dir.to_path_buf(), port);
            }
            if r.config().printer.is_some() && r.print_jobs(true).is_ok_and(|j| !j.is_empty()) {
                match r.print_pending() {
                    Ok(round) if round.blocked.is_some() => tracing::info!(?round.blocked, "receipts waiting"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "print worker"),
                }
            }
            if r.config().mail.is_some() && Instant::now() >= mail_due {
                // At most every ten seconds: a server out of reach costs a connect timeout.
                mail_due = Instant::now() + Duration::from_secs(10);
                match r.send_pending_mail() {
                    Ok(round) if round.blocked.is_some() => tracing::info!(?round.blocked, "mail waiting"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "mail worker"),
                }
            }
            match status(r) {
                Ok(s) => {
                    if sync.is_none() && s.online.is_some() {
                        sync = start_sync(dir);
                    }
                    if let Some(worker) = &sync
                        && s.pending_sales > 0
                    {
                        worker.nudge();
                    }
                    let _ = app.emit("status", s);
                }
                Err(e) => tracing::warn!(error = %e.message, "status"),
            }
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

fn start_sync(dir: &std::path::Path) -> Option<SyncWorker> {
    let clock = till_register::clock_from_env().ok()?;
    match SyncWorker::spawn(dir.to_path_buf(), clock, WorkerTiming::default(), |event| {
        tracing::debug!(?event, "sync round")
    }) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "the sync worker did not start");
            None
        }
    }
}

/// Reads the serial scanner on `port` and sends each scan to the screen.
fn spawn_scanner(app: AppHandle, dir: PathBuf, port: String) {
    let _ = std::thread::Builder::new().name("till-scanner".into()).spawn(move || {
        let Ok(reg) = till_register::clock_from_env()
            .map_err(AppError::from)
            .and_then(|c| Register::open(&dir, c, Box::new(RandomIds)).map_err(AppError::from))
        else {
            return;
        };
        loop {
            match reg.read_scanner(Some(&port), Duration::from_secs(3600)) {
                Ok((raw, _)) => {
                    let _ = app.emit("scanner", serde_json::json!({ "code": raw }));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "scanner");
                    std::thread::sleep(Duration::from_secs(5));
                }
            }
        }
    });
}
