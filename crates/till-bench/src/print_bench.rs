//! `till-print-bench`: what printing a receipt costs, measured in one run.
//!
//! 1. Rendering a 50-line receipt to ESC/POS bytes (code page, codes, cut): p50 and p99 of
//!    many renders; target under 1 ms.
//! 2. From a sale's commit to its receipt's last byte on the wire: the sale is completed
//!    (its job queued after the commit), one print-worker pass checks the printer's status
//!    and sends the job, and a loopback "printer" (answering DLE EOT as ready) timestamps the
//!    last byte; target under 50 ms.
//!
//! See `docs/benchmarks.md` for the figures and the command.

// Floats appear only in timing statistics; money is `rust_decimal`.
#![allow(clippy::float_arithmetic)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use till_domain::{Cart, Money, Tender, TenderKind};
use till_printer::{DrawerPin, PrintOptions};
use till_register::{Authority, Register, SeededIds, Settle, SystemClock};

/// Measures receipt rendering and commit-to-wire print latency.
#[derive(Parser, Debug)]
#[command(name = "till-print-bench", version, about)]
struct Args {
    /// Renders timed.
    #[arg(long, default_value_t = 5000)]
    renders: usize,
    /// Sales printed for the commit-to-wire figure.
    #[arg(long, default_value_t = 200)]
    sales: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A loopback printer: answers every DLE EOT with "ready" (0x12), and reports the time at
/// which each job's last byte (the cut, GS V 66 0) arrived.
fn fake_printer() -> Result<(String, mpsc::Receiver<Instant>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("tcp://{}", listener.local_addr()?);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut window: Vec<u8> = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = conn.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let now = Instant::now();
                    for &b in &buf[..n] {
                        window.push(b);
                        let len = window.len();
                        if len >= 3 && window[len - 3..len - 1] == [0x10, 0x04] {
                            let _ = conn.write_all(&[0x12]);
                        }
                        if len >= 4 && window[len - 4..] == [0x1d, 0x56, 0x42, 0x00] {
                            let _ = tx.send(now);
                        }
                    }
                    if window.len() > 8 {
                        window.drain(..window.len() - 8);
                    }
                }
            });
        }
    });
    Ok((url, rx))
}

/// Renders `text` with `options` `renders` times and prints p50/p99 against the 1 ms target.
fn measure_render(what: &str, text: &str, options: &PrintOptions, renders: usize) {
    let mut times = Vec::with_capacity(renders);
    let mut bytes = 0;
    for _ in 0..renders {
        let started = Instant::now();
        let out = till_printer::render(text, "R1-000042", "till:AMS-01/R1-000042", options);
        times.push(started.elapsed());
        bytes = out.len();
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!(
        "{what} ({bytes} B): p50 {:.1} µs, p99 {:.1} µs (target < 1 ms: {})",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
        if p99 < Duration::from_millis(1) { "PASS" } else { "MISS" }
    );
}

fn main() -> Result<()> {
    let args = Args::parse();
    // 1. Rendering.
    let mut text = String::from("               Harbour & Co\n        Prinsengracht 1, Amsterdam\n");
    for i in 0..50 {
        text.push_str(&format!("Crème brûlée no. {i:02} – Größe L\n  1 x 4.50 €                        4.50 A\n"));
    }
    let options = PrintOptions {
        kick: Some(DrawerPin::Pin2),
        ..PrintOptions::plain(till_printer::page("CP858").context("CP858")?)
    };
    measure_render("render a 50-line receipt", &text, &options, args.renders);

    // 1b. The same on an 80 mm profile with the demo logo (decoded once, as the register
    // keeps it) — what a configured TM-T20III prints.
    let logo = till_printer::Logo::from_png(include_bytes!("../../../assets/demo/logo.png"), 576)?;
    let profile = till_printer::profile("TM-T20III")?;
    let with_logo = PrintOptions {
        logo: Some(&logo),
        kick: Some(DrawerPin::Pin2),
        ..PrintOptions::for_profile(profile, "CP858", 48)?
    };
    measure_render("render it with a 384x120 logo on TM-T20III", &text, &with_logo, args.renders);
    let started = Instant::now();
    let decoded = till_printer::Logo::from_png(include_bytes!("../../../assets/demo/logo.png"), 576)?;
    println!(
        "decode and dither the logo once ({}x{}): {:.2} ms",
        decoded.width_dots(),
        decoded.height(),
        started.elapsed().as_secs_f64() * 1e3
    );

    // 2. Commit to wire.
    let (url, arrived) = fake_printer()?;
    let work = tempfile::tempdir()?;
    let demo = include_str!("../../../assets/demo/store.toml");
    let config = format!("{demo}\n[printer]\nurl = \"{url}\"\ncode_page = \"CP858\"\n");
    Register::init(work.path(), &config, "store.toml")?;
    let mut reg = Register::open(work.path(), Arc::new(SystemClock), Box::new(SeededIds::new(7)))?;
    reg.import_catalog(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo/catalog.csv")),
        &mut |_| {},
    )?;
    let mut cart = Cart::new();
    reg.scan(&mut cart, "TOTE-1", None)?;
    reg.scan(&mut cart, "NOTE-A5", None)?;
    let cash = [Tender { kind: TenderKind::Cash, amount: Money::new(rust_decimal::Decimal::from(50)) }];
    let mut latencies = Vec::with_capacity(args.sales);
    for _ in 0..args.sales {
        reg.complete_sale(&cart, Settle::Tenders(&cash), &mut Authority::setup())?;
        let committed = Instant::now();
        let round = reg.print_pending()?;
        anyhow::ensure!(round.printed == 1, "the job did not print: {round:?}");
        let at = arrived.recv_timeout(Duration::from_secs(5)).context("the printer got no cut")?;
        latencies.push(at.duration_since(committed));
    }
    latencies.sort();
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    println!(
        "commit to last byte on the wire (status check + render + send, loopback): p50 {:.2} ms, p99 {:.2} ms (target < 50 ms: {})",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        if p99 < Duration::from_millis(50) { "PASS" } else { "MISS" }
    );
    Ok(())
}
