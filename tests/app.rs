//! The desktop app end to end: the real `till-app` binary in WebKit (WebKitWebDriver via
//! `tauri-driver`, under Xvfb — ./test runs the suites inside `xvfb-run`), on a register
//! made by the `till` CLI, checked both on screen and in the register's own records (the
//! journal, print jobs, reports) through the CLI. Each scenario saves a screenshot under
//! the target directory (`app-screenshots/`). One app at a time (it is single-instance).
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use till_tests::TempRegister;
use till_tests::webdriver::{Driver, Session};

const ENTER: &str = "\u{E007}";
const F5: &str = "\u{E035}";
const F9: &str = "\u{E039}";
const F10: &str = "\u{E03A}";
const F12: &str = "\u{E03C}";

static ONE_APP: Mutex<()> = Mutex::new(());

fn screenshot(session: &Session, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("app-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    session.screenshot(&dir.join(format!("{name}.png")));
}

/// The app on `reg`'s data directory (extra app arguments in `args`), its window titled.
fn launch(driver: &Driver, reg: &TempRegister, args: &[&str]) -> Session {
    let mut all = vec!["--data-dir", reg.data_dir().to_str().unwrap()];
    all.extend_from_slice(args);
    let app = driver.launch(&till_tests::till_app_bin(), &all);
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.title() != "Till — AMS-01 / R1" {
        assert!(Instant::now() < deadline, "title: {}", app.title());
        std::thread::sleep(Duration::from_millis(200));
    }
    app
}

fn sign_in(app: &Session, code: &str, pin: &str) {
    app.type_fast("[data-testid=staff-code]", code);
    app.type_fast("[data-testid=pin]", &format!("{pin}{ENTER}"));
    app.find("[data-testid=sell]");
}

fn approve(app: &Session) {
    app.find("[data-testid=approval]");
    app.type_fast("[data-testid=approval-code]", "1");
    app.type_fast("[data-testid=approval-pin]", &format!("1234{ENTER}"));
}

fn lines(app: &Session, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while app.count("[data-testid=cart-line]") != n {
        assert!(
            Instant::now() < deadline,
            "{} cart lines, not {n}:\n{}",
            app.count("[data-testid=cart-line]"),
            app.text("body")
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_cashier_rings_a_sale_by_scanner_and_search_with_an_approved_discount_and_split_tender() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    // A printer that is not there: the receipt's job waits, visibly.
    let reg = TempRegister::demo_with_staff_and("[printer]\nurl = \"tcp://127.0.0.1:9\"\n");
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "2", "5678");

    // A scanner types the whole code and Enter within milliseconds, wherever focus is.
    app.type_fast("[data-testid=scan-input]", &format!("8712345000011{ENTER}"));
    lines(&app, 1);
    // A person types in the search box and picks the result.
    app.click("[data-testid=search]");
    app.type_slowly("[data-testid=search]", "single origin", Duration::from_millis(120));
    app.click("[data-testid=search-result]");
    lines(&app, 2);
    let total_before = app.text("[data-testid=total]");

    // 20 % off the order: over the cashier's 10 % threshold, approved by the manager at pay.
    app.keys(F5);
    app.click("input[value=order]");
    app.type_fast("[data-testid=discount-input]", &format!("20%{ENTER}"));
    app.wait_text("[data-testid=total]", |t| !t.is_empty() && t != total_before);
    screenshot(&app, "sale-cart");

    app.keys(F12);
    app.type_fast("[data-testid=tender-amount]", "10");
    app.click("[data-testid=add-card]");
    app.type_fast("[data-testid=tender-amount]", "50");
    app.click("[data-testid=add-cash]");
    app.click("[data-testid=confirm-pay]");
    approve(&app);
    let change = app.wait_text("[data-testid=change]", |t| !t.is_empty());
    screenshot(&app, "sale-done");

    // The register's own records: the sale with its discount, approval and both tenders.
    let sale = reg.json(&["receipt", "show", "1"]);
    let tenders: Vec<&str> = sale["tenders"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(tenders, ["card", "cash"], "{sale}");
    assert_ne!(sale["discount_total"], "0.00", "{sale}");
    assert!(
        change.contains(&sale["change"].as_str().unwrap().replace('.', ","))
            || change.contains(sale["change"].as_str().unwrap()),
        "{change} vs {sale}"
    );
    assert!(reg.till(&["journal", "verify"]).status.success());
    let jobs = reg.json(&["printer", "jobs"]);
    assert_eq!((jobs[0]["sale_seq"].as_i64(), jobs[0]["state"].as_str()), (Some(1), Some("waiting")), "{jobs}");
}

#[test]
fn a_receipted_return_then_x_and_z_reports_from_the_manager_screen() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let reg = TempRegister::demo_with_staff();
    let sale = reg.json(&["sale", "--scan", "TEE-S-BLK", "--scan", "COFFEE-250", "--tender", "cash:50"]);
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "1", "1234");

    app.keys(F9);
    app.type_fast("[data-testid=receipt-input]", &format!("{}{ENTER}", sale["receipt_code"].as_str().unwrap()));
    app.find("[data-testid=return-line]");
    app.click("[data-testid=return-line] input[type=checkbox]");
    app.click("[data-testid=refund]");
    app.find("[data-testid=refund-done]");
    screenshot(&app, "return-done");
    let ret = reg.json(&["receipt", "show", "2"]);
    assert_eq!(ret["kind"], "return", "{ret}");

    app.keys(F10);
    let x = app.wait_text("[data-testid=x-text]", |t| t.contains("X REPORT") || t.contains("X report"));
    assert!(x.contains("AMS-01"), "{x}");
    assert!(app.count("[data-testid=bar]") > 0, "the chart has bars");
    screenshot(&app, "x-report");
    app.keys("z");
    app.type_fast("[data-testid=z-cash]", &format!("20x1{ENTER}"));
    let _ = app.find("[data-testid=z-number]");
    screenshot(&app, "z-report");
    let z = reg.json(&["report", "z", "--reprint", "1"]);
    assert_eq!(z["number"], 1, "{z}");
}

#[test]
fn kiosk_mode_keeps_the_window_on_the_app_and_only_a_manager_leaves() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let reg = TempRegister::demo_with_staff();
    let driver = Driver::start();
    let app = launch(&driver, &reg, &["--kiosk"]);
    sign_in(&app, "2", "5678");
    let before = app.script("return window.location.href").as_str().unwrap_or_default().to_string();
    app.script("window.location.href = 'https://example.com/'; return null");
    std::thread::sleep(Duration::from_millis(500));
    let after = app.script("return window.location.href").as_str().unwrap_or_default().to_string();
    assert_eq!(after, before, "navigation away is blocked");
    assert_eq!(app.script("return document.oncontextmenu !== null"), serde_json::json!(true));
    screenshot(&app, "kiosk");
}

#[test]
fn a_first_start_on_an_empty_directory_offers_a_demo_register_and_signs_in() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("register");
    let driver = Driver::start();
    let app = driver.launch(&till_tests::till_app_bin(), &["--data-dir", data.to_str().unwrap()]);
    app.find("[data-testid=setup]");
    screenshot(&app, "first-start");
    app.click("[data-testid=setup] button");
    app.find("[data-testid=signin]");
    sign_in(&app, "2", "5678");
    assert_eq!(app.title(), "Till — AMS-01 / R1");
    assert!(data.join("register.sqlite").exists(), "the register is in the data directory given");
}
