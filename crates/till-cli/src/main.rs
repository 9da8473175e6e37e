//! `till`: the register without a screen. Scripts, tests and the demo use it; it calls
//! the register service and holds no business rule of its own.

mod args;
mod commands;
mod pickup;
mod wire;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use args::Cli;
use clap::Parser;
use till_api::{ErrorDetails, ErrorView};
use till_domain::{CartError, MoneyError, QuantityError, TenderError};
use till_register::{Authority, Clock, RandomIds, Register, RegisterError};

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TILL_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    // The PIN is asked for once, before any command reads it.
    match staff_credentials(&cli).map(|staff| cli.staff = staff).and_then(|()| commands::run(&cli)) {
        Ok(code) => code,
        Err(e) => {
            if cli.json {
                // The register's refusal (if the chain holds one) gives the details; the message
                // keeps the context the command added (`--scan X: …`).
                let register = e.chain().find_map(|c| c.downcast_ref::<RegisterError>());
                let error = ErrorView {
                    code: error_code(&e).to_string(),
                    message: format!("{e:#}"),
                    details: register.and_then(ErrorDetails::of).map(Box::new),
                };
                print(&cli, &till_api::cli::Failed { error }, String::new);
            }
            // Nothing to do if stderr is gone too.
            let _ = writeln!(std::io::stderr(), "till: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A malformed flag or argument (error code `input`).
#[derive(Debug)]
pub struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// An `input` error.
pub fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(Usage(message))
}

/// A stable code per kind of failure, for scripts: the first cause that has one.
fn error_code(e: &anyhow::Error) -> &'static str {
    for cause in e.chain() {
        if let Some(r) = cause.downcast_ref::<RegisterError>() {
            return r.code();
        }
        if cause.is::<Usage>() {
            return "input";
        }
        if let Some(t) = cause.downcast_ref::<TenderError>() {
            return if matches!(t, TenderError::Underpaid { .. }) { "underpaid" } else { "tender" };
        }
        if cause.is::<CartError>() || cause.is::<QuantityError>() {
            return "cart";
        }
        if cause.is::<MoneyError>() {
            return "amount";
        }
        if cause.is::<std::io::Error>() {
            return "io";
        }
    }
    "error"
}

/// The data directory: `--data-dir`, `TILL_DATA_DIR`, or the platform's.
pub fn data_dir(cli: &Cli) -> Result<PathBuf> {
    if let Some(dir) = &cli.data_dir {
        return Ok(dir.clone());
    }
    till_register::default_data_dir()
        .context("cannot find the platform's application-data directory; pass --data-dir or set TILL_DATA_DIR")
}

/// The clock (`TILL_NOW` may pin it; see [`till_register::clock_from_env`]).
pub fn clock() -> Result<Arc<dyn Clock>> {
    Ok(till_register::clock_from_env()?)
}

/// Opens the register.
pub fn open(dir: &Path) -> Result<Register> {
    Ok(Register::open(dir, clock()?, Box::new(RandomIds))?)
}

/// `--staff` as `CODE:PIN`: given so, or the code with its PIN from `--staff-pin`, `TILL_PIN`,
/// a prompt on the terminal (not echoed), or a line of stdin.
fn staff_credentials(cli: &Cli) -> Result<Option<String>> {
    let Some(staff) = &cli.staff else { return Ok(None) };
    if staff.contains(':') {
        if cli.staff_pin.is_some() {
            return Err(usage("give the PIN once: --staff CODE:PIN or --staff CODE --staff-pin PIN".into()));
        }
        return Ok(Some(staff.clone()));
    }
    let pin = match &cli.staff_pin {
        Some(pin) => pin.clone(),
        None => read_pin(staff)?,
    };
    Ok(Some(format!("{staff}:{pin}")))
}

/// The PIN for staff `code`: `TILL_PIN`, else asked for on the terminal without echo, else
/// the first line of stdin (for scripts).
fn read_pin(code: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    if let Ok(pin) = std::env::var("TILL_PIN") {
        return Ok(pin);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let stty = |arg: &str| {
        // Echo off while the PIN is typed; if stty is missing the PIN still works, echoed.
        let _ = std::process::Command::new("stty").arg(arg).stdin(std::process::Stdio::inherit()).status();
    };
    if terminal {
        eprint!("PIN for staff {code}: ");
        let _ = std::io::stderr().flush();
        stty("-echo");
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        stty("echo");
        eprintln!();
    }
    read.context("cannot read the PIN from stdin")?;
    let pin = line.trim_end_matches(['\r', '\n']).to_string();
    if pin.is_empty() {
        return Err(usage(format!("no PIN for --staff {code}: give --staff-pin, set TILL_PIN, or type it when asked")));
    }
    Ok(pin)
}

/// Signs in whoever the command line names (`--staff`, `--approve`).
pub fn authority(cli: &Cli, reg: &mut Register) -> Result<Authority> {
    Ok(reg.authority(cli.staff.as_deref(), &cli.approvals)?)
}

/// Writes to stdout. A closed or full stdout must not turn a committed sale into a
/// failure (a script would retry and sell twice), so write errors are logged, not raised.
pub fn write_out(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!("could not write the output: {e}");
    }
}

/// Prints `value` as JSON (one of `till_api`'s shapes) or `text`.
pub fn print(cli: &Cli, value: &impl serde::Serialize, text: impl FnOnce() -> String) {
    if !cli.json {
        return write_out(&text());
    }
    match serde_json::to_string(value) {
        Ok(json) => write_out(&format!("{json}\n")),
        Err(e) => tracing::error!("the output cannot be written as JSON: {e}"),
    }
}
