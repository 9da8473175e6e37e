//! Printing on the emulated printer: `emupos` (PyPI; Python >= 3.13, in a virtual
//! environment this test creates under the target directory) listens on loopback TCP like
//! a real ESC/POS printer. A sale rung with the `till` binary is printed with
//! `till receipt print --kick`; the printer's own text rendering must hold every line of
//! the receipt, the Code 128 of its number and the QR code the returns flow scans, and the
//! drawer must have been kicked open.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use till_tests::TempRegister;
use till_tests::display::DisplayEmulator;

/// The emupos command, from a virtual environment with Python >= 3.13.
fn emupos() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let python = till_tests::python::python313();
    till_tests::python::venv(&root, "emupos-venv", &python, &["emupos==0.4.0"]).join("bin/emupos")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Emulator {
    child: Child,
    bin: PathBuf,
    api: String,
    printer: String,
    _dir: tempfile::TempDir,
}

impl Emulator {
    /// Runs emupos with `devices` (the YAML of its device list) and a free control port.
    fn launch(devices: &str, printer: String) -> Emulator {
        let bin = emupos();
        let dir = tempfile::tempdir().unwrap();
        let api_port = free_port();
        let config = format!("schema: 1\napi: {{ host: 127.0.0.1, port: {api_port} }}\ndevices:\n{devices}");
        std::fs::write(dir.path().join("emupos.yaml"), config).unwrap();
        let child = Command::new(&bin)
            .args(["run", "--config", "emupos.yaml"])
            .current_dir(dir.path())
            .env("TMPDIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Emulator { child, bin, api: format!("http://127.0.0.1:{api_port}"), printer, _dir: dir }
    }

    /// An emulated ESC/POS printer on a free TCP port, once it listens.
    fn start() -> Emulator {
        let port = free_port();
        let e = Emulator::launch(
            &format!(
                "  - id: front\n    type: printer\n    profile: epson-tm-t20iii\n    connections:\n      - tcp: {{ port: {port} }}\n"
            ),
            format!("tcp://127.0.0.1:{port}"),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "emupos did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        e
    }

    /// One emulated serial device (`device`: its YAML without the connection) on a
    /// pseudo-terminal, and the terminal's path once it exists.
    fn serial(device: &str) -> (Emulator, String) {
        let e =
            Emulator::launch(&format!("{device}    connections:\n      - serial: {{ pty: true }}\n"), String::new());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = Command::new(&e.bin).args(["devices", "--json"]).env("EMUPOS_API", &e.api).output().unwrap();
            if out.status.success() {
                let devices: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                if let Some(path) = devices[0]["connections"][0]["device_path"].as_str() {
                    return (e, path.to_string());
                }
            }
            assert!(Instant::now() < deadline, "emupos did not start its serial device");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(&self.bin).args(args).arg("--json").env("EMUPOS_API", &self.api).output().unwrap();
        assert!(out.status.success(), "emupos {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_sale_prints_on_the_emulated_printer_with_its_codes_and_kicks_the_drawer() {
    let printer = Emulator::start();
    let reg = TempRegister::demo();
    let sale = reg.json(&["sale", "--scan", "TEE-S-BLK", "--scan", "COFFEE-250", "--tender", "cash:50"]);
    let number = sale["receipt"].as_str().unwrap().to_string();
    let expected = String::from_utf8(reg.till(&["receipt", "show", &number]).stdout).unwrap();
    let out = reg.till(&["receipt", "print", &number, "--printer", &printer.printer, "--kick"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The printer completes the job at the cut; wait for it to show.
    let deadline = Instant::now() + Duration::from_secs(20);
    let receipt = loop {
        let list = printer.json(&["receipt", "list"]);
        if list.as_array().is_some_and(|l| !l.is_empty()) {
            break printer.json(&["receipt", "show"]);
        }
        assert!(Instant::now() < deadline, "no receipt completed");
        std::thread::sleep(Duration::from_millis(200));
    };
    let text = receipt["text"].as_str().unwrap();
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        assert!(text.contains(line.trim_end()), "the printed receipt lacks {line:?}:\n{text}");
    }
    assert!(text.contains(&format!("[barcode CODE128 {number}]")), "{text}");
    assert!(text.contains(&format!("[qr {}]", sale["receipt_code"].as_str().unwrap())), "{text}");
    assert_eq!(receipt["boundary"], "cut");
    let devices = printer.json(&["devices"]);
    assert_eq!(devices[0]["state"]["drawer"], "open", "{devices}");
}

/// The receipts emupos completed, once there are `n`.
fn receipts(printer: &Emulator, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = printer.json(&["receipt", "list"]);
        if list.as_array().is_some_and(|l| l.len() >= n) {
            return list.as_array().unwrap().clone();
        }
        assert!(Instant::now() < deadline, "{n} receipt(s) did not complete: {list}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What zbarimg reads in a receipt's image: `(symbology, data)` per code.
fn decode_codes(printer: &Emulator, receipt_id: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("receipt.png");
    let out = Command::new(&printer.bin)
        .args(["receipt", "show", receipt_id, "--save"])
        .arg(&png)
        .env("EMUPOS_API", &printer.api)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("zbarimg")
        .args(["--quiet", "--nodbus"])
        .arg(&png)
        .output()
        .expect("zbarimg runs (Debian: zbar-tools; ./test installs it)");
    assert!(out.status.success(), "zbarimg found no code: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(kind, data)| (kind.to_string(), data.to_string()))
        .collect()
}

/// The demo register with `extra` appended to its configuration (device sections) and
/// the demo catalog (with the extras: a cheese sold by weight) imported.
fn configured_register(edit: impl Fn(String) -> String, extra: &str) -> TempRegister {
    let demo = std::fs::read_to_string(till_tests::repo().join("assets/demo/store.toml")).unwrap();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), format!("{}\n{extra}", edit(demo))).unwrap();
    let reg = TempRegister::with_config(file.path().to_str().unwrap());
    for catalog in ["assets/demo/catalog.csv", "assets/demo/extras.jsonl"] {
        let path = till_tests::repo().join(catalog);
        assert!(reg.till(&["catalog", "import", path.to_str().unwrap()]).status.success());
    }
    reg
}

#[test]
fn a_sale_rung_from_the_cli_prints_kicks_the_drawer_and_shows_on_the_customer_display() {
    let printer = Emulator::start();
    for protocol in ["cd5220", "epson"] {
        let display = DisplayEmulator::start();
        let reg = configured_register(
            |c| c,
            &format!(
                "[printer]\nurl = \"{}\"\nkick_on_cash = true\n[display]\nurl = \"{}\"\nprotocol = \"{protocol}\"\n",
                printer.printer,
                display.url()
            ),
        );
        // While the cart fills: its last line and the total.
        let printed = || printer.json(&["receipt", "list"]).as_array().map(Vec::len);
        let before = printed();
        let parked = reg.json(&["sale", "--scan", "TEE-S-BLK", "--scan", "COFFEE-250", "--park", "table 4"]);
        assert_eq!(printed(), before, "a parked cart prints nothing");
        let screen = display.wait_for(|s| s[1].starts_with("TOTAL"), Duration::from_secs(10));
        assert_eq!(screen, ["Single Origin C 8.95", "TOTAL          28.90"], "{protocol}");
        // Paid: the printer prints it, the drawer opens, the display shows total and change.
        let id = parked["parked"].to_string();
        let sale = reg.json(&["sale", "--resume", &id, "--tender", "cash:50"]);
        let total = sale["total"].as_str().unwrap();
        let change = sale["change"].as_str().unwrap();
        let screen = display.wait_for(|s| s[1].starts_with("CHANGE"), Duration::from_secs(10));
        assert_eq!(screen[0], format!("TOTAL{total:>15}"), "{protocol}");
        assert_eq!(screen[1], format!("CHANGE{change:>14}"), "{protocol}");
        assert_eq!(display.unknown(), 0, "the display understood every byte ({protocol})");
    }
    let list = receipts(&printer, 2);
    assert_eq!(list.len(), 2, "each sale printed once: {list:?}");
    assert_eq!(printer.json(&["devices"])[0]["state"]["drawer"], "open");
}

#[test]
fn a_configured_80mm_printer_prints_the_logo_every_line_and_scannable_codes_and_reprints_as_duplicate() {
    let printer = Emulator::start();
    let logo = till_tests::repo().join("assets/demo/logo.png");
    // 48 columns on the TM-T20III's 80 mm paper, receipts laid out to match.
    let mut reg = configured_register(
        |demo| demo.replace("width = 42", "width = 48"),
        &format!(
            "[printer]\nurl = \"{}\"\nprofile = \"TM-T20III\"\ncolumns = 48\ncode_page = \"CP858\"\nkick_on_cash = true\nlogo = \"{}\"\n",
            printer.printer,
            logo.display()
        ),
    );

    // The sale rung from the CLI prints as it commits, and its cash opens the drawer.
    let sale = reg.json(&["sale", "--scan", "TEE-S-BLK", "--scan", "COFFEE-250", "--tender", "cash:50"]);
    let number = sale["receipt"].as_str().unwrap().to_string();
    let expected = String::from_utf8(reg.till(&["receipt", "show", &number]).stdout).unwrap();
    let list = receipts(&printer, 1);
    let text = printer.json(&["receipt", "show"])["text"].as_str().unwrap().to_string();
    // The logo first, unscaled on 576 dots: 120 rows in five bands of 24.
    assert!(text.starts_with(&"[image 384x24]\n".repeat(5)), "{text}");
    for line in expected.lines().filter(|l| !l.trim().is_empty()) {
        assert!(text.contains(line.trim_end()), "the printed receipt lacks {line:?}:\n{text}");
    }
    assert!(expected.lines().any(|l| l.chars().count() == 48), "laid out to 48 columns:\n{expected}");
    assert_eq!(printer.json(&["devices"])[0]["state"]["drawer"], "open");
    let codes = decode_codes(&printer, list[0]["id"].as_str().unwrap());
    assert!(codes.contains(&("CODE-128".to_string(), number.clone())), "{codes:?}");
    let returns_code = sale["receipt_code"].as_str().unwrap().to_string();
    assert!(codes.contains(&("QR-Code".to_string(), returns_code.clone())), "{codes:?}");
    // The returns flow takes what the scanner reads off the paper.
    let found = reg.json(&["receipt", "show", &returns_code]);
    assert_eq!(found["receipt"], number.as_str());

    // Printed again on demand by a manager: a counted duplicate, through the queue, no
    // drawer kick.
    let manager = ["staff", "add", "--code", "1", "--name", "Maria", "--role", "manager", "--pin", "1234"];
    assert!(reg.till(&manager).status.success());
    reg.staff = Some(till_tests::MANAGER.to_string());
    let status = reg.json(&["printer", "status"]);
    assert_eq!((status["summary"].as_str(), status["drawer_open"].as_bool()), (Some("ready"), Some(true)), "{status}");
    let round = reg.json(&["receipt", "print", &number]);
    assert_eq!(round["printed"], 1, "{round}");
    receipts(&printer, 2);
    let text = printer.json(&["receipt", "show"])["text"].as_str().unwrap().to_string();
    assert!(text.contains("*** DUPLICATE 1 ***"), "{text}");
    let jobs = reg.json(&["printer", "jobs"]);
    assert_eq!((jobs[0]["copy"].as_u64(), jobs[1]["copy"].as_u64()), (Some(1), Some(0)), "{jobs}");
    let refused = reg.till(&["receipt", "print", &number, "--kick"]);
    assert_eq!(refused.status.code(), Some(1), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no-sale"));
}

#[test]
fn the_printer_reports_paper_out_and_cover_open_and_prints_a_test_page() {
    let printer = Emulator::start();
    let reg = TempRegister::demo();
    let status = |reg: &TempRegister| reg.json(&["printer", "status", "--printer", &printer.printer]);
    assert_eq!(status(&reg)["summary"], "ready");
    let fault = |action: &str, which: &str| {
        let out = Command::new(&printer.bin)
            .args(["fault", action, "front", which])
            .env("EMUPOS_API", &printer.api)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    fault("set", "paper-out");
    let s = status(&reg);
    assert_eq!((s["summary"].as_str(), s["status"]["paper_out"].as_bool()), (Some("paper out"), Some(true)), "{s}");
    fault("clear", "paper-out");
    fault("set", "cover-open");
    assert_eq!(status(&reg)["summary"], "cover open");
    fault("clear", "cover-open");
    fault("set", "paper-near-end");
    let s = status(&reg);
    assert_eq!((s["summary"].as_str(), s["status"]["paper_near_end"].as_bool()), (Some("ready"), Some(true)), "{s}");
    fault("clear", "paper-near-end");

    let out = reg.till(&["printer", "test", "--printer", &printer.printer]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let list = printer.json(&["receipt", "list"]);
        if list.as_array().is_some_and(|l| !l.is_empty()) {
            break printer.json(&["receipt", "show"])["text"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no test page");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(text.contains("TEST PAGE CP858"), "{text}");
    // Every character of the line is in CP858 but Ł/ł, which go out as L/l.
    assert!(text.contains("ÀÉÎÕÜ àéîõü ÇçÑñ ß Øø Ll €£"), "{text}");
}

#[test]
fn receipts_wait_for_a_printer_out_of_paper_and_print_when_it_is_back_without_blocking_a_sale() {
    let printer = Emulator::start();
    let reg = configured_register(
        |demo| demo,
        &format!("[printer]\nurl = \"{}\"\ncode_page = \"CP858\"\nkick_on_cash = true\n", printer.printer),
    );
    let fault = |action: &str| {
        let out = Command::new(&printer.bin)
            .args(["fault", action, "front", "paper-out"])
            .env("EMUPOS_API", &printer.api)
            .output()
            .unwrap();
        assert!(out.status.success());
    };
    fault("set");
    // The sale completes with the printer out of paper; its receipt waits, visibly.
    let sale = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    let round = reg.json(&["printer", "work"]);
    assert_eq!(
        (round["printed"].as_u64(), round["waiting"].as_u64(), round["blocked"].as_str()),
        (Some(0), Some(1), Some("paper out")),
        "{round}"
    );
    let jobs = reg.json(&["printer", "jobs", "--waiting"]);
    assert_eq!(
        (jobs[0]["state"].as_str(), jobs[0]["last_error"].as_str()),
        (Some("waiting"), Some("paper out")),
        "{jobs}"
    );
    assert_eq!(printer.json(&["receipt", "list"]), serde_json::json!([]), "nothing printed");
    // Paper back: the worker prints it, then kicks the drawer (paid in cash).
    fault("clear");
    let round = reg.json(&["printer", "work"]);
    assert_eq!((round["printed"].as_u64(), round["waiting"].as_u64()), (Some(1), Some(0)), "{round}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while printer.json(&["receipt", "list"]).as_array().is_none_or(|l| l.is_empty()) {
        assert!(Instant::now() < deadline, "no receipt");
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = printer.json(&["receipt", "show"])["text"].as_str().unwrap().to_string();
    assert!(text.contains(sale["receipt"].as_str().unwrap()), "{text}");
    assert_eq!(printer.json(&["devices"])[0]["state"]["drawer"], "open");
    assert_eq!(reg.json(&["printer", "jobs"])[0]["state"], "printed");
}

#[test]
fn the_scale_gives_a_stable_weight_and_refuses_one_in_motion_below_zero_or_over_capacity() {
    let (scale, port) = Emulator::serial("  - id: deli\n    type: scale\n    profile: toledo8217-15kg\n");
    let reg = TempRegister::demo();
    let scale_cmd = |args: &[&str]| {
        let out = Command::new(&scale.bin).arg("scale").args(args).env("EMUPOS_API", &scale.api).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let set = |args: &[&str]| scale_cmd(&[&["set"], args].concat());
    let refusal = |reg: &TempRegister| {
        let out = reg.till(&["--json", "scale", "read", "--port", &port]);
        assert_eq!(out.status.code(), Some(1));
        let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(err["error"]["code"], "scale");
        err["error"]["message"].as_str().unwrap().to_string()
    };
    set(&["1.25kg"]);
    assert_eq!(reg.json(&["scale", "read", "--port", &port])["kg"], "1.25");
    set(&["--unstable", "0.8kg"]);
    assert!(refusal(&reg).contains("not stable"));
    set(&["--", "-100g"]);
    assert!(refusal(&reg).contains("below zero"));
    set(&["16kg"]);
    assert!(refusal(&reg).contains("capacity"));
    // A container tared on the scale: it reports the net weight.
    set(&["120g"]);
    scale_cmd(&["tare"]);
    set(&["620g"]);
    assert_eq!(reg.json(&["scale", "read", "--port", &port])["kg"], "0.5");
    // Zeroing is the scale's own key: the serial protocol has no command for it.
    let out = reg.till(&["scale", "zero", "--port", &port]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("press its ZERO key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_item_sold_by_weight_is_weighed_on_the_configured_scale_less_the_stores_tare() {
    let (scale, port) = Emulator::serial("  - id: deli\n    type: scale\n    profile: toledo8217-15kg\n");
    let set = |args: &[&str]| {
        let out =
            Command::new(&scale.bin).arg("scale").arg("set").args(args).env("EMUPOS_API", &scale.api).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    let reg = configured_register(|c| c, &format!("[scale]\nport = \"{port}\"\ntare_kg = \"0.010\"\n"));
    // Gouda at 18.90/kg: 0.515 kg on the scale (5 g divisions) in a 10 g tray is 0.505 kg
    // sold, 9.54.
    set(&["515g"]);
    let sale = reg.json(&["sale", "--scan", "GOUDA-KG", "--tender", "cash:20"]);
    assert_eq!(sale["lines"][0]["quantity"], "0.505", "{sale}");
    assert_eq!(sale["lines"][0]["total"], "9.54", "{sale}");
    // Still moving: the scan is refused and nothing is sold.
    set(&["--unstable", "0.3kg"]);
    let out = reg.till(&["sale", "--scan", "GOUDA-KG", "--tender", "cash:20"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not stable"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(reg.till(&["receipt", "show", "2"]).status.code(), Some(1), "no second sale");
    // An empty tray (only the tare) is not a weight to sell.
    set(&["10g"]);
    let out = reg.till(&["sale", "--scan", "GOUDA-KG", "--tender", "cash:20"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not more than the 0.01 kg tare"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_serial_scanner_delivers_a_gs1_code_that_the_register_reads() {
    let (emu, port) = Emulator::serial("  - id: lane2\n    type: scanner\n    mode: serial\n");
    let reg = TempRegister::demo();
    let reader = reg
        .command(&["--json", "scanner", "read", "--port", &port, "--timeout", "20"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let out = Command::new(&emu.bin)
        .args(["scan", "--countdown", "0", "]C10108712345000011172612311031"])
        .env("EMUPOS_API", &emu.api)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = reader.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["barcode"]["kind"], "gs1", "{v}");
    assert_eq!(v["barcode"]["elements"][0]["value"], "08712345000011");
    assert_eq!(v["barcode"]["elements"][2]["value"], "31", "{v}");
}

/// A TCP tap between the register and the emulated printer: it forwards both ways and
/// keeps every byte the register sent, so a test can say what the printer received.
struct Tap {
    url: String,
    sent: Arc<Mutex<Vec<u8>>>,
    opened: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl Tap {
    /// A tap on a free loopback port in front of `upstream` (`tcp://HOST:PORT`).
    fn start(upstream: &str) -> Tap {
        let target = upstream.trim_start_matches("tcp://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("tcp://{}", listener.local_addr().unwrap());
        let (sent, opened, closed) = (Arc::default(), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tap = Tap { url, sent, opened, closed };
        let (sent, opened, closed) = (tap.sent.clone(), tap.opened.clone(), tap.closed.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&target) else { continue };
                opened.fetch_add(1, Ordering::SeqCst);
                let (mut from_register, mut to_printer) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (sent, closed) = (sent.clone(), closed.clone());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    loop {
                        match from_register.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                sent.lock().unwrap().extend_from_slice(&buf[..n]);
                                if to_printer.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = to_printer.shutdown(Shutdown::Write);
                    closed.fetch_add(1, Ordering::SeqCst);
                });
                let (mut from_printer, mut to_register) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_printer, &mut to_register);
                    let _ = to_register.shutdown(Shutdown::Write);
                });
            }
        });
        tap
    }

    /// Every byte the register sent since the last call, once each connection it opened
    /// has been closed by it (so nothing is still on its way).
    fn take(&self) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.closed.load(Ordering::SeqCst) < self.opened.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the register kept a printer connection open");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::mem::take(&mut *self.sent.lock().unwrap())
    }
}

/// How many drawer kicks (ESC p) `bytes` hold.
fn kicks(bytes: &[u8]) -> usize {
    bytes.windows(2).filter(|w| *w == [0x1b, 0x70]).count()
}

/// Sets or clears (`action`) the emulated printer's paper-out fault.
fn paper_out(printer: &Emulator, action: &str) {
    let out = Command::new(&printer.bin)
        .args(["fault", action, "front", "paper-out"])
        .env("EMUPOS_API", &printer.api)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Issue #15's "paper out for two hours": three cash sales while the printer is out of
/// paper, two hours (of the register's clock, passed in: nothing sleeps) with the paper
/// still out, then paper back: the three receipts print, late, and the printer receives
/// no drawer kick at all (the drawer never pops open unattended for sales long done); a
/// fresh cash sale then kicks it as usual. Where the store drops stale receipts instead,
/// the receipt is not printed but nothing is lost: it prints from the sale on demand.
#[test]
fn receipts_held_two_hours_by_a_paper_out_print_without_the_drawer_kick_or_are_dropped_and_reprintable() {
    let printer = Emulator::start();
    let tap = Tap::start(&printer.printer);
    let mut reg = configured_register(
        |demo| demo,
        &format!("[printer]\nurl = \"{}\"\ncode_page = \"CP858\"\nkick_on_cash = true\n", tap.url),
    );
    let at = |minutes: i64| {
        let t0: jiff::Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        (t0 + jiff::SignedDuration::from_mins(minutes)).to_string()
    };
    paper_out(&printer, "set");
    let mut numbers = Vec::new();
    for minute in 0..3 {
        reg.now = Some(at(minute));
        let sale = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
        numbers.push(sale["receipt"].as_str().unwrap().to_string());
    }
    reg.now = Some(at(120));
    let round = reg.json(&["printer", "work"]);
    assert_eq!((round["printed"].as_u64(), round["blocked"].as_str()), (Some(0), Some("paper out")), "{round}");
    assert_eq!(printer.json(&["receipt", "list"]), serde_json::json!([]), "nothing printed in two hours");
    tap.take();

    paper_out(&printer, "clear");
    reg.now = Some(at(121));
    let round = reg.json(&["printer", "work"]);
    assert_eq!(
        (round["printed"].as_u64(), round["late"].as_u64(), round["waiting"].as_u64()),
        (Some(3), Some(3), Some(0)),
        "{round}"
    );
    let list = receipts(&printer, 3);
    assert_eq!(list.len(), 3, "{list:?}");
    let sent = tap.take();
    assert!(!sent.is_empty());
    assert_eq!(kicks(&sent), 0, "no ESC p reached the printer for the late receipts");
    assert_eq!(printer.json(&["devices"])[0]["state"]["drawer"], "closed");
    let jobs = reg.json(&["printer", "jobs"]);
    for job in jobs.as_array().unwrap() {
        assert_eq!((job["state"].as_str(), job["stale"].as_bool()), (Some("printed"), Some(true)), "{jobs}");
    }
    for number in &numbers {
        let printed = list.iter().any(|r| {
            let id = r["id"].as_str().unwrap();
            printer.json(&["receipt", "show", id])["text"].as_str().unwrap().contains(number.as_str())
        });
        assert!(printed, "receipt {number} printed");
    }

    // A sale now, printer ready: printed at once, and its cash opens the drawer.
    let sale = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    receipts(&printer, 4);
    assert_eq!(kicks(&tap.take()), 1, "a fresh cash sale kicks the drawer");
    assert_eq!(printer.json(&["devices"])[0]["state"]["drawer"], "open");
    let job = &reg.json(&["printer", "jobs"])[0];
    let seq: i64 = sale["receipt"].as_str().unwrap().rsplit_once('-').unwrap().1.parse().unwrap();
    assert_eq!((job["sale_seq"].as_i64(), job["stale"].as_bool()), (Some(seq), Some(false)), "{job}");

    // A store that drops stale receipts: not printed, marked dropped with the way out,
    // and printed from the sale on demand (its original: it never printed before).
    let dropping = Emulator::start();
    let mut reg = configured_register(
        |demo| demo,
        &format!(
            "[printer]\nurl = \"{}\"\nkick_on_cash = true\nstale_after_minutes = 30\nstale_receipts = \"drop\"\n",
            dropping.printer
        ),
    );
    paper_out(&dropping, "set");
    reg.now = Some(at(0));
    let sale = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    let number = sale["receipt"].as_str().unwrap();
    paper_out(&dropping, "clear");
    reg.now = Some(at(120));
    let round = reg.json(&["printer", "work"]);
    assert_eq!((round["printed"].as_u64(), round["dropped"].as_u64()), (Some(0), Some(1)), "{round}");
    let job = &reg.json(&["printer", "jobs"])[0];
    assert_eq!(job["state"], "dropped", "{job}");
    assert!(job["last_error"].as_str().unwrap().contains("till receipt print"), "{job}");
    assert_eq!(dropping.json(&["receipt", "list"]), serde_json::json!([]), "nothing printed");
    let round = reg.json(&["receipt", "print", number]);
    assert_eq!(round["printed"], 1, "{round}");
    receipts(&dropping, 1);
    let text = dropping.json(&["receipt", "show"])["text"].as_str().unwrap().to_string();
    assert!(text.contains(number) && !text.contains("DUPLICATE"), "printed from the sale, as the original: {text}");
}

/// Two print workers at once (the app's and a `till printer work`, here two processes on
/// one register) over a dozen waiting receipts: each job is claimed by one of them, so
/// every receipt prints exactly once.
#[test]
fn two_print_workers_racing_print_each_receipt_once() {
    let printer = Emulator::start();
    let reg = configured_register(|demo| demo, &format!("[printer]\nurl = \"{}\"\n", printer.printer));
    paper_out(&printer, "set");
    let numbers: Vec<String> = (0..12)
        .map(|_| reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"])["receipt"].as_str().unwrap().into())
        .collect();
    paper_out(&printer, "clear");
    let workers: Vec<Child> =
        (0..2).map(|_| reg.command(&["--json", "printer", "work"]).stdout(Stdio::piped()).spawn().unwrap()).collect();
    let mut printed = 0;
    for worker in workers {
        let out = worker.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let round: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        printed += round["printed"].as_u64().unwrap();
    }
    assert_eq!(printed, 12, "the two workers printed twelve between them");
    let list = receipts(&printer, 12);
    assert_eq!(list.len(), 12, "twelve receipts on paper, none twice: {list:?}");
    let texts: Vec<String> = list
        .iter()
        .map(|r| printer.json(&["receipt", "show", r["id"].as_str().unwrap()])["text"].as_str().unwrap().to_string())
        .collect();
    for number in &numbers {
        let times = texts.iter().filter(|t| t.contains(&format!("[barcode CODE128 {number}]"))).count();
        assert_eq!(times, 1, "receipt {number} printed {times} times");
    }
    let jobs = reg.json(&["printer", "jobs"]);
    assert!(jobs.as_array().unwrap().iter().all(|j| j["state"] == "printed"), "{jobs}");
}
