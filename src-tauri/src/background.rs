//! The app's background work, on its own threads and its own database connections (a sale
//! never waits for it): every two seconds the register's background pass
//! (`Register::background_pass`: housekeeping, the print worker while receipts wait, the
//! mail worker every ten seconds when `[mail]` is configured, the sync worker once the
//! register is enrolled) and the status bar's figures (`status` event); a serial
//! scanner's scans as `scanner` events.

use std::path::PathBuf;
use std::time::Duration;

use tauri::{AppHandle, Emitter};
use till_register::{BackgroundWork, RandomIds, Register};

use crate::error::AppError;
use till_api::StatusView;

/// The status bar's figures from a background pass's sync status, and the printer (asked
/// only when one is configured; a printer that does not answer is `offline`).
pub fn status(reg: &Register, sync: &till_register::SyncStatus) -> StatusView {
    let printer = reg.config().printer.as_ref().map(|p| match reg.printer_status(p) {
        Ok(s) => s.summary().to_string(),
        Err(_) => "offline".to_string(),
    });
    StatusView::new(sync, printer)
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
    let mut work = BackgroundWork::all();
    let mut scanner_started = false;
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
            if !scanner_started && let Some(port) = r.config().scanner.port.clone() {
                scanner_started = true;
                spawn_scanner(app.clone(), dir.to_path_buf(), port);
            }
            let pass = r.background_pass(&mut work);
            if let Some(e) = &pass.housekeeping {
                tracing::warn!(error = %e, "housekeeping");
            }
            match &pass.print {
                Some(Ok(round)) if round.blocked.is_some() => tracing::info!(?round.blocked, "receipts waiting"),
                Some(Err(e)) => tracing::warn!(error = %e, "print worker"),
                _ => {}
            }
            match &pass.mail {
                Some(Ok(round)) if round.blocked.is_some() => tracing::info!(?round.blocked, "mail waiting"),
                Some(Err(e)) => tracing::warn!(error = %e, "mail worker"),
                _ => {}
            }
            match pass.sync {
                Some(Ok(sync)) => {
                    let _ = app.emit("status", status(r, &sync));
                }
                Some(Err(e)) => tracing::warn!(error = %e, "status"),
                None => {}
            }
        }
        std::thread::sleep(Duration::from_secs(2));
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
