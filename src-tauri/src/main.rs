//! Till's desktop register: a thin Tauri shell over the register service. Commands adapt
//! `till-register` to the screen (`commands.rs`; the pickup screen's in `pickup.rs`); a
//! background task reports status, prints waiting receipts and syncs (`background.rs`).
//! Kiosk mode (`--kiosk` or `TILL_KIOSK=1`) runs fullscreen without decorations, keeps the
//! window on the app's own pages and only lets a manager leave. One app per register (a
//! lock file in the data directory).
//!
//! The data directory is the CLI's: `--data-dir DIR`, else `TILL_DATA_DIR`, else the
//! platform's application-data directory.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod aisle;
mod background;
mod commands;
mod demo;
mod error;
mod pickup;
mod returns;
mod staff;
mod state;

use std::path::PathBuf;

use anyhow::{Context, Result};
use tauri::{WebviewUrl, WebviewWindowBuilder, WindowEvent};

use crate::state::AppState;

/// What the command line and environment ask for.
struct Options {
    dir: PathBuf,
    kiosk: bool,
}

fn options() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let mut dir = std::env::var_os("TILL_DATA_DIR").map(PathBuf::from);
    let mut kiosk = std::env::var("TILL_KIOSK").is_ok_and(|v| v == "1");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => dir = Some(args.next().context("--data-dir needs a directory")?.into()),
            "--kiosk" => kiosk = true,
            other if other.starts_with("--data-dir=") => dir = Some(other["--data-dir=".len()..].into()),
            // tauri-driver and the desktop may pass their own arguments; they are not ours.
            _ => {}
        }
    }
    let dir = match dir {
        Some(d) => d,
        None => till_register::default_data_dir()
            .context("cannot find the platform's application-data directory; pass --data-dir or set TILL_DATA_DIR")?,
    };
    Ok(Options { dir, kiosk })
}

/// Only the app's own pages: the bundled UI (or the dev server in a debug build).
fn own_page(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => true,
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost") || (cfg!(debug_assertions) && url.host_str() == Some("localhost"))
        }
        _ => false,
    }
}

fn main() -> Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let opts = options()?;
    // One app per register: a second start on the same data directory is refused (two
    // windows selling into one register would each hold their own cart and session).
    // Registers in other directories are other instances. Held until the process ends.
    std::fs::create_dir_all(&opts.dir).with_context(|| format!("creating {}", opts.dir.display()))?;
    let lock_path = opts.dir.join("app.lock");
    let lock = std::fs::File::create(&lock_path).with_context(|| format!("opening {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        anyhow::bail!("Till is already running on {} (close that window first)", opts.dir.display());
    }
    let state = AppState::open(opts.dir.clone(), opts.kiosk)?;
    let title = state.title();
    tauri::Builder::default()
        .manage(state)
        .setup(move |app| {
            let kiosk = opts.kiosk;
            let window = WebviewWindowBuilder::new(app, "main", WebviewUrl::App("index.html".into()))
                .title(&title)
                .inner_size(1280.0, 800.0)
                .min_inner_size(1024.0, 700.0)
                .fullscreen(kiosk)
                .decorations(!kiosk)
                .on_navigation(own_page)
                .build()?;
            if kiosk {
                let w = window.clone();
                window.on_window_event(move |e| {
                    if let WindowEvent::CloseRequested { api, .. } = e {
                        // Leaving needs a manager (the exit_kiosk command).
                        api.prevent_close();
                        let _ = w.set_focus();
                    }
                });
            }
            background::spawn(app.handle().clone(), opts.dir.clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::session,
            commands::create_demo_register,
            commands::enroll,
            commands::sign_in,
            commands::sign_out,
            commands::cart,
            commands::scan,
            commands::classify_keys,
            commands::search,
            commands::add_item,
            commands::set_quantity,
            commands::void_line,
            commands::discount_line,
            commands::discount_order,
            commands::pay,
            commands::tender_preview,
            commands::park,
            commands::parked_carts,
            commands::resume,
            commands::cancel_cart,
            commands::find_receipt,
            returns::quote_return,
            returns::complete_return,
            returns::boris_find,
            returns::boris_return,
            commands::return_reasons,
            commands::x_report,
            commands::z_report,
            commands::drawer_open,
            commands::cash_movement,
            commands::drawer_count,
            commands::status,
            commands::sync_status,
            commands::config_show,
            commands::config_set,
            commands::hq_conflicts,
            commands::printer_test,
            commands::printer_status,
            commands::audit_log,
            commands::exit_kiosk,
            pickup::pickup_orders,
            pickup::pickup_unreadable,
            pickup::pickup_order,
            pickup::pickup_pick,
            pickup::pickup_stage,
            pickup::pickup_check_in,
            pickup::pickup_verify,
            pickup::pickup_hand_over,
            pickup::pickup_ship,
            staff::staff_list,
            staff::staff_change,
            aisle::aisle_search,
            aisle::aisle_refresh,
            aisle::aisle_quote,
            aisle::aisle_order,
            aisle::aisle_orders,
            aisle::aisle_replace,
        ])
        .run(tauri::generate_context!())
        .context("the app stopped with an error")
}
