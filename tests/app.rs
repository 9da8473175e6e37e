//! The desktop app end to end: the real `till-app` binary in WebKit (WebKitWebDriver via
//! `tauri-driver`, under Xvfb — ./test runs the suites inside `xvfb-run`), on a register
//! made by the `till` CLI, checked both on screen and in the register's own records (the
//! journal, print jobs, reports, pickup orders) through the CLI; the pickup scenario gets
//! its order from a real `till-hq`. Each scenario saves a screenshot under the target
//! directory (`app-screenshots/`). One app at a time: WebKit is heavy on two cores.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use till_tests::TempRegister;
use till_tests::chain::{AMSTERDAM, Chain, body, shopify_order};
use till_tests::webdriver::{Driver, Session};

const ENTER: &str = "\u{E007}";
const F2: &str = "\u{E032}";
const F3: &str = "\u{E033}";
const F4: &str = "\u{E034}";
const F5: &str = "\u{E035}";
const F6: &str = "\u{E036}";
const F7: &str = "\u{E037}";
const F9: &str = "\u{E039}";
const F10: &str = "\u{E03A}";
const F11: &str = "\u{E03B}";
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
    let title = match (reg.store.as_str(), reg.register.as_str()) {
        ("", _) | (_, "") => "Till — AMS-01 / R1".to_string(),
        (store, register) => format!("Till — {store} / {register}"),
    };
    while app.title() != title {
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
    app.set_size(1024, 768);
    sign_in(&app, "2", "5678");

    // A scanner types the whole code and Enter within milliseconds, wherever focus is.
    app.type_fast("[data-testid=scan-input]", &format!("8712345000011{ENTER}"));
    lines(&app, 1);
    // A person types in the search box and picks the result.
    app.click("[data-testid=search]");
    app.type_slowly("[data-testid=search]", "single origin", Duration::from_millis(120));
    app.click("[data-testid=search-result]");
    lines(&app, 2);
    // Parked for a customer who fetched their wallet, then resumed.
    app.keys(F6);
    app.type_fast("[data-testid=park-label]", &format!("wallet{ENTER}"));
    lines(&app, 0);
    app.keys(F7);
    app.click("[data-testid=parked-cart]");
    lines(&app, 2);
    let total_before = app.text("[data-testid=total]");

    // 20 % off the order: over the cashier's 10 % threshold, approved by the manager at pay.
    app.keys(F5);
    app.click("input[value=order]");
    app.type_fast("[data-testid=discount-input]", &format!("20%{ENTER}"));
    app.wait_text("[data-testid=total]", |t| !t.is_empty() && t != total_before);
    screenshot(&app, "sale-cart-1024x768");
    let fits = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth";
    assert_eq!(app.script(fits), serde_json::json!(true), "no horizontal scrolling at 1024x768");
    app.set_size(1920, 1080);
    assert_eq!(app.script(fits), serde_json::json!(true), "no horizontal scrolling at 1920x1080");
    screenshot(&app, "sale-cart-1920x1080");

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
    app.click("[data-testid=x-printed]");
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

    // Leaving: the cashier alone cannot; with the manager's code and PIN the app closes,
    // and the register's audit log says who let it.
    app.keys(F3);
    app.click("[data-testid=exit-kiosk]");
    app.find("[data-testid=approval]");
    app.type_fast("[data-testid=approval-code]", "1");
    app.type_fast("[data-testid=approval-pin]", &format!("1234{ENTER}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while pid_of_app(reg.data_dir().to_str().unwrap()).is_some() {
        assert!(Instant::now() < deadline, "the app did not close after the manager's approval");
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = reg.till(&["journal", "export", "--from", "2020-01-01", "--to", "2100-01-01", "--format", "json"]);
    let export = String::from_utf8_lossy(&out.stdout);
    assert!(export.contains("leave_kiosk"), "the audit log records it: {export}");
}

#[test]
fn a_first_start_on_an_empty_directory_offers_a_demo_register_and_signs_in() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("register");
    let driver = Driver::start();
    let app = driver.launch(&till_tests::till_app_bin(), &["--data-dir", data.to_str().unwrap()]);
    app.find("[data-testid=setup]");
    app.click("[data-testid=setup] button");
    app.find("[data-testid=signin]");
    sign_in(&app, "2", "5678");
    // (A screenshot of the setup page itself never returns from WebKitWebDriver with
    // compositing disabled; the sell screen after it does.)
    screenshot(&app, "first-start");
    assert_eq!(app.title(), "Till — AMS-01 / R1");
    assert!(data.join("register.sqlite").exists(), "the register is in the data directory given");
}

/// `token` with its claims changed (a later expiry) and its signature kept: what a customer
/// who "extends" their pickup code shows.
fn forged(token: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["e"] = "2099-01-01T00:00:00Z".into();
    format!("TP1.{}.{}", b64.encode(serde_json::to_vec(&claims).unwrap()), parts[2])
}

#[test]
fn a_pickup_order_from_hq_is_picked_staged_and_handed_over_to_the_customers_scanned_code() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    // HQ with the chain's stores; the app's register is Amsterdam's R1, enrolled and synced
    // with the `till` CLI on its data directory before the app starts. Real clock: HQ signs
    // the token on its own.
    let chain = Chain::start("app_pickup");
    chain.receive("AMS-01", "TOTE-1", "5");
    chain.receive("AMS-01", "MUG-1", "4");
    let mut reg = TempRegister::demo_with_staff();
    reg.now = Some(jiff::Timestamp::now().to_string());
    // Enrolling is the manager's (configure_sync).
    let token = chain.hq.token("AMS-01", "R1");
    let out = reg.till(&["enroll", "--staff", "1:1234", "--hq", &chain.hq.url, "--token", &token]);
    assert!(out.status.success(), "enroll: {}", String::from_utf8_lossy(&out.stderr));
    // A Shopify customer orders two totes and a mug to collect at Amsterdam Centraal.
    let order = shopify_order(7001, &[("TOTE-1", 2), ("MUG-1", 1)], AMSTERDAM, Some("Amsterdam Centraal"));
    let (status, answer) = chain.deliver("orders/create", "wh-app-7001", &body(&order));
    assert_eq!(status, 200, "{answer}");
    let token = chain.hq.admin_json(&["order", "token", "shopify:7001"])["token"].as_str().unwrap().to_string();
    // A second order whose copy on this register gets doctored (a root key no order has):
    // the sync round sets it aside, and the Pickup screen names it and lists the rest.
    let other = shopify_order(7002, &[("MUG-1", 1)], AMSTERDAM, Some("Amsterdam Centraal"));
    assert_eq!(chain.deliver("orders/create", "wh-app-7002", &body(&other)).0, 200);
    let out = reg.till(&["sync"]);
    assert!(out.status.success(), "sync: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(reg.json(&["pickup", "show", "#7001"])["status"], "new");
    let doctored = till_docs::DocId::order("AMS-01", "shopify:7002").unwrap();
    reg.open()
        .store_mut()
        .change_doc(&doctored, |doc| {
            automerge::transaction::Transactable::put(doc, automerge::ROOT, "note", "free mug")
                .map_err(till_docs::DocError::from)?;
            Ok(())
        })
        .unwrap();
    let round = reg.json(&["sync"]);
    assert_eq!(round["report"]["quarantined"][0]["doc"], doctored.as_str(), "{round:#}");

    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    app.set_size(1024, 768);
    sign_in(&app, "2", "5678");
    app.keys(F11);
    app.find("[data-testid=pickup]");
    app.wait_text("[data-testid=pickup-order]", |t| t.contains("#7001"));
    let left_out = app.wait_text("[data-testid=unreadable-order]", |t| !t.is_empty());
    assert!(left_out.contains(doctored.as_str()), "{left_out}");
    assert_eq!(app.count("[data-testid=pickup-order]"), 1, "every readable order listed, the doctored one left out");
    app.click("[data-testid=pickup-order]");
    app.find("[data-testid=order-detail]");

    // Pick each line: the first by its button, the second by F4 (the next line to pick);
    // the dialog opens on the quantity ordered, Enter records it.
    app.click("[data-testid=order-line]:nth-child(1) [data-testid=pick-line]");
    app.type_fast("[data-testid=pick-quantity]", ENTER);
    app.wait_text("[data-testid=order-line]:nth-child(1) [data-testid=line-picked]", |t| t.trim() == "2");
    app.keys(F4);
    app.type_fast("[data-testid=pick-quantity]", ENTER);
    app.wait_text("[data-testid=order-line]:nth-child(2) [data-testid=line-picked]", |t| t.trim() == "1");
    app.wait_text("[data-testid=order-status]", |t| t == "Picked");
    app.type_fast("[data-testid=bin-input]", "B-7");
    app.click("[data-testid=stage]");
    app.wait_text("[data-testid=order-status]", |t| t == "Ready");
    assert_eq!(reg.json(&["pickup", "show", "#7001"])["bin"], "B-7");

    // A customer with an altered code: refused as forged, nothing offered.
    app.type_fast("[data-testid=token-input]", &format!("{}{ENTER}", forged(&token)));
    let refused = app.wait_text("[data-testid=token-refused]", |t| !t.is_empty());
    assert!(refused.contains("NOT VALID") && refused.contains("altered"), "{refused}");
    assert_eq!(app.count("[data-testid=hand-over]"), 0);

    // The real code, as a scanner types it (every key at once, then Enter): VALID, with
    // what goes and the order's total (its prices: 19.95 a line).
    app.type_fast("[data-testid=token-input]", &format!("{token}{ENTER}"));
    let valid = app.wait_text("[data-testid=token-valid]", |t| t.contains("VALID"));
    assert!(valid.contains("#7001"), "{valid}");
    assert_eq!(app.count("[data-testid=handover-line]"), 2);
    assert!(app.text("[data-testid=handover-total]").contains("59.85"), "{valid}");
    let fits = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth";
    assert_eq!(app.script(fits), serde_json::json!(true), "no horizontal scrolling at 1024x768");
    screenshot(&app, "pickup-valid-1024x768");
    app.type_fast("[data-testid=id-check]", "driving licence");
    app.click("[data-testid=hand-over]");
    let done = app.wait_text("[data-testid=handover-done]", |t| !t.is_empty());
    app.wait_text("[data-testid=order-status]", |t| t == "Handed over");
    screenshot(&app, "pickup-handed-over");

    // The register's own records: the order handed over here, one journal sale tendered
    // online at the order's prices, the journal intact.
    let shown = reg.json(&["pickup", "show", "#7001"]);
    assert_eq!(shown["status"], "handed_over", "{shown:#}");
    assert_eq!(shown["handovers"][0]["register"], "R1", "{shown:#}");
    assert_eq!(shown["handovers"][0]["id_check"], "driving licence", "{shown:#}");
    let sale = reg.json(&["receipt", "show", "1"]);
    assert_eq!(sale["total"], "59.85", "{sale:#}");
    assert_eq!(sale["tenders"][0]["kind"], "online", "{sale:#}");
    assert!(done.contains(sale["receipt"].as_str().unwrap()), "{done} vs {sale}");
    assert!(reg.till(&["journal", "verify"]).status.success());

    // The same code again: already handed over, and where.
    app.type_fast("[data-testid=token-input]", &format!("{token}{ENTER}"));
    let used = app.wait_text("[data-testid=token-refused]", |t| t.contains("ALREADY HANDED OVER"));
    assert!(used.contains("register R1"), "{used}");
    screenshot(&app, "pickup-token-used");
}

/// Resident memory of one process, in kB: RSS (shared libraries counted whole), PSS
/// (shared pages shared out), and PSS split into anonymous memory (heaps), file-backed
/// pages (code, mapped files such as SQLite's) and shared memory (graphics buffers).
struct ProcMem {
    name: String,
    rss: u64,
    pss: u64,
    anon: u64,
    file: u64,
    shmem: u64,
}

/// [`ProcMem`] of `pid` and each of its descendants (the app and its WebKit processes).
fn tree_memory(pid: u32) -> Vec<ProcMem> {
    let field = |text: &str, name: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
        let rollup = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")).unwrap_or_default();
        out.push(ProcMem {
            name: std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default().trim().to_string(),
            rss: field(&status, "VmRSS:"),
            pss: field(&rollup, "Pss:"),
            anon: field(&rollup, "Pss_Anon:"),
            file: field(&rollup, "Pss_File:"),
            shmem: field(&rollup, "Pss_Shmem:"),
        });
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // pid (comm) state ppid …: the ppid is the second field after the comm's ')'.
            let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1));
            if ppid == Some(&p.to_string()) {
                stack.push(child);
            }
        }
    }
    out
}

/// Prints each process's memory and returns (RSS summed, PSS summed) in kB.
#[allow(clippy::float_arithmetic)] // megabytes for display, not money
fn print_memory(label: &str, procs: &[ProcMem]) -> (u64, u64) {
    let mb = |kb: u64| kb as f64 / 1024.0;
    for p in procs {
        println!(
            "  {label}: {:<20} PSS {:6.1} MB (anon {:5.1}, file {:5.1}, shmem {:5.1}), RSS {:6.1} MB",
            p.name,
            mb(p.pss),
            mb(p.anon),
            mb(p.file),
            mb(p.shmem),
            mb(p.rss)
        );
    }
    (procs.iter().map(|p| p.rss).sum(), procs.iter().map(|p| p.pss).sum())
}

fn pid_of_app(data_dir: &str) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid = e.file_name().to_string_lossy().parse::<u32>().ok()?;
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmd = String::from_utf8_lossy(&cmd);
        (cmd.contains("till-app") && cmd.contains(data_dir)).then_some(pid)
    })
}

#[allow(clippy::float_arithmetic)] // timings, not money
fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The app's performance figures (a benchmark, not an assertion; docs/benchmarks.md):
/// scan → line painted over 200 scans on a large catalog (baseline: an IPC round trip to
/// the register in the same page), cold start to the sign-in screen (baseline: the same on
/// the small demo catalog), resident memory of the app with its WebKit processes.
///
/// `TILL_APP_BENCH_SKUS=1000000 xvfb-run -a cargo test --release -p till-tests --test app -- --ignored --nocapture`
#[test]
#[ignore = "a benchmark: run it by name (docs/benchmarks.md)"]
#[allow(clippy::float_arithmetic)] // timings, not money
fn perf_scan_to_paint_cold_start_and_memory() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let skus: u64 = std::env::var("TILL_APP_BENCH_SKUS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    // The large register: the demo store with `skus` generated items, one per product.
    let reg = TempRegister::demo_with_staff();
    let jsonl = reg.data_dir().join("bench.jsonl");
    let mut text = String::with_capacity(skus as usize * 160);
    for i in 0..skus {
        let body = format!("87{i:010}");
        let check = till_barcode::gs1_check_digit(&body).unwrap();
        text.push_str(&format!(
            "{{\"type\":\"product\",\"handle\":\"bench-{i}\",\"title\":\"Bench item {i}\",\"variants\":[{{\"sku\":\"B{i:07}\",\"price\":\"{}.{:02}\",\"barcodes\":[\"{body}{check}\"]}}]}}\n",
            1 + i % 90,
            i % 100
        ));
    }
    std::fs::write(&jsonl, text).unwrap();
    let started = Instant::now();
    let out = reg.till(&["catalog", "import", jsonl.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    println!("catalog: {skus} SKUs imported in {:.1} s", started.elapsed().as_secs_f64());
    let small = TempRegister::demo_with_staff();
    let driver = Driver::start();

    // Cold start to the sign-in screen, the small catalog first (baseline), then the large.
    let mut starts = Vec::new();
    for r in [&small, &reg] {
        let started = Instant::now();
        let app = driver.launch(&till_tests::till_app_bin(), &["--data-dir", r.data_dir().to_str().unwrap()]);
        app.find("[data-testid=signin]");
        starts.push(started.elapsed().as_secs_f64() * 1e3);
        drop(app);
        std::thread::sleep(Duration::from_secs(1));
    }

    // Baseline for memory: the app on the small demo catalog, signed in, an empty cart.
    let base = {
        let app = launch(&driver, &small, &[]);
        sign_in(&app, "2", "5678");
        std::thread::sleep(Duration::from_secs(2));
        let procs = pid_of_app(small.data_dir().to_str().unwrap()).map(tree_memory).unwrap_or_default();
        let sums = print_memory("demo catalog, empty cart", &procs);
        drop(app);
        std::thread::sleep(Duration::from_secs(1));
        sums
    };

    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "2", "5678");
    // In the page: when Enter went down in the scan box, and when the next frame after a
    // new cart line was painted.
    app.script(
        "window.__bench = {down: [], painted: []};
         document.addEventListener('keydown', e => { if (e.key === 'Enter') window.__bench.down.push(performance.now()); }, true);
         let n = 0;
         new MutationObserver(() => {
           const now = document.querySelectorAll('[data-testid=cart-line]').length;
           if (now > n) { n = now; requestAnimationFrame(() => window.__bench.painted.push(performance.now())); }
         }).observe(document.body, {childList: true, subtree: true});
         return null",
    );
    let scans = 200;
    for i in 0..scans {
        let item = (i * 4999 + 17) % skus;
        let body = format!("87{item:010}");
        let code = format!("{body}{}", till_barcode::gs1_check_digit(&body).unwrap());
        app.type_fast("[data-testid=scan-input]", &format!("{code}{ENTER}"));
        lines(&app, i as usize + 1);
    }
    let bench = app.script("return window.__bench");
    let down: Vec<f64> = bench["down"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let painted: Vec<f64> = bench["painted"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let mut scan: Vec<f64> = down.iter().zip(&painted).map(|(d, p)| p - d).collect();
    scan.sort_by(f64::total_cmp);
    // Baseline: the page's round trip to the register (a command that reads the session).
    let ipc = app.script(
        "return (async () => { const t = []; for (let i = 0; i < 200; i++) { const s = performance.now();
           await window.__TAURI_INTERNALS__.invoke('session'); t.push(performance.now() - s); } return t; })()",
    );
    let mut ipc: Vec<f64> = ipc.as_array().map(|a| a.iter().filter_map(|v| v.as_f64()).collect()).unwrap_or_default();
    ipc.sort_by(f64::total_cmp);
    let procs = pid_of_app(reg.data_dir().to_str().unwrap()).map(tree_memory).unwrap_or_default();
    let (rss, pss) = print_memory(&format!("{skus} SKUs, {scans}-line cart"), &procs);
    let (p50, p95) = (percentile(&scan, 0.5), percentile(&scan, 0.95));
    println!(
        "scan → line painted, {} scans on {skus} SKUs: p50 {p50:.1} ms, p95 {p95:.1} ms (target p95 < 50 ms: {})",
        scan.len(),
        if p95 < 50.0 { "PASS" } else { "MISS" }
    );
    if !ipc.is_empty() {
        let b95 = percentile(&ipc, 0.95);
        println!(
            "  baseline IPC round trip (session): p50 {:.1} ms, p95 {b95:.1} ms; ratio p95 {:.1}×",
            percentile(&ipc, 0.5),
            p95 / b95
        );
    }
    println!(
        "cold start to sign-in: {:.0} ms on {skus} SKUs (target < 2000 ms: {}); {:.0} ms on the demo catalog; ratio {:.2}×",
        starts[1],
        if starts[1] < 2000.0 { "PASS" } else { "MISS" },
        starts[0],
        starts[1] / starts[0]
    );
    println!(
        "memory, app + WebKit processes: PSS {:.0} MB (target < 150 MB: {}), RSS summed {:.0} MB; \
         baseline (demo catalog, empty cart) PSS {:.0} MB, ratio {:.2}×",
        pss as f64 / 1024.0,
        if pss < 150 * 1024 { "PASS" } else { "MISS" },
        rss as f64 / 1024.0,
        base.1 as f64 / 1024.0,
        pss as f64 / base.1.max(1) as f64
    );
    screenshot(&app, "perf");
}

/// Endless aisle against a real HQ: the mug is in stock only in Utrecht; the Amsterdam
/// register (enrolled and synced by the CLI before the app starts, so it holds HQ's catalog
/// and the chain stock snapshot; Utrecht receives more after that, which the screen fetches
/// from HQ when it opens) finds it with its stock and age, orders it for pickup in
/// Utrecht while the WAN is down (queued on screen and in the outbox), and after the WAN is
/// back and a sync the screen says it went to HQ, which routed it to Utrecht.
#[test]
fn an_endless_aisle_order_for_pickup_at_another_store_is_queued_offline_and_routed_by_hq() {
    use till_tests::pickup::{Wan, register, sync};
    const SHIFT: &str = "\u{E008}";
    const F2: &str = "\u{E032}";
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let chain = till_tests::chain::Chain::start("app_aisle");
    chain.receive("UTR-01", "MUG-1", "4"); // 3 for orders: Utrecht keeps a buffer of 1
    let wan = Wan::up(&chain);
    let reg = register(&chain, &wan, "AMS-01", "R1"); // enrolled, then one `till sync`
    sync(&reg);
    // Goods in at Utrecht after the register's last refresh: opening the Aisle screen asks
    // HQ what changed, so the screen shows them without waiting for a sync round.
    chain.receive("UTR-01", "MUG-1", "2");
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    app.set_size(1024, 768);
    sign_in(&app, "2", "5678");

    app.chord(SHIFT, F2);
    app.find("[data-testid=aisle]");
    app.type_slowly("[data-testid=aisle-search]", "stoneware", Duration::from_millis(60));
    let result =
        app.wait_text("[data-testid=aisle-result]", |t| t.contains("Stoneware Mug") && t.contains("UTR-01: 5"));
    assert!(result.contains("UTR-01: 5"), "Utrecht's stock, 3 + 2 fetched when the screen opened: {result}");
    let fresh = app.wait_text("[data-testid=aisle-freshness]", |t| !t.is_empty());
    assert!(fresh.starts_with("Stock as of") && fresh.ends_with("ago)"), "{fresh}");
    let warned = "return document.querySelector('[data-testid=aisle-freshness]').classList.contains('warn')";
    assert_eq!(app.script(warned), serde_json::json!(false), "a fresh snapshot is no warning: {fresh}");

    app.click("[data-testid=aisle-add]");
    app.wait_text("[data-testid=aisle-total]", |t| t.contains("12.50") || t.contains("12,50"));
    app.click("[data-testid=aisle-pickup-at] input[value='UTR-01']");
    let fits = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth";
    assert_eq!(app.script(fits), serde_json::json!(true), "no horizontal scrolling at 1024x768");
    screenshot(&app, "aisle-basket-1024x768");

    // The WAN goes down before the customer pays: the order waits in the outbox.
    wan.cut();
    app.type_fast("[data-testid=aisle-email]", &format!("kees@example.com{ENTER}"));
    app.find("[data-testid=tender]");
    app.type_fast("[data-testid=tender-amount]", "20");
    app.click("[data-testid=add-cash]");
    app.click("[data-testid=confirm-pay]");
    let change = app.wait_text("[data-testid=change]", |t| !t.is_empty());
    assert!(change.contains("7.50") || change.contains("7,50"), "{change}");
    app.keys(ENTER);
    let order = app.wait_text("[data-testid=aisle-order-id]", |t| t.starts_with("aisle-AMS-01:"));
    let state = app.wait_text("[data-testid=aisle-order-state]", |t| !t.is_empty());
    assert!(state.starts_with("Queued"), "{state}");
    screenshot(&app, "aisle-order-queued");

    // The register's own records: the order in the outbox, paid by the sale.
    let id = order.rsplit_once(':').unwrap().1;
    let outbox = reg.json(&["aisle", "orders"]);
    let queued = outbox.as_array().unwrap().iter().find(|o| o["id"] == id).unwrap_or_else(|| panic!("{outbox:#}"));
    assert!(["waiting", "sent"].contains(&queued["state"].as_str().unwrap()), "{queued:#}");
    let sale = reg.json(&["receipt", "show", &queued["sale_seq"].to_string()]);
    assert_eq!(sale["total"], "12.50", "{sale:#}");
    assert!(chain.orders().is_empty(), "HQ has nothing while the WAN is down");

    // Back online: a sync delivers it; the screen follows the outbox; HQ routed it to Utrecht.
    wan.restore();
    sync(&reg);
    let state = app.wait_text("[data-testid=aisle-order-state]", |t| t.starts_with("Sent to HQ"));
    assert!(state.contains("routed"), "{state}");
    let orders = chain.orders();
    assert_eq!(orders.len(), 1, "{orders:#?}");
    assert_eq!(orders[0]["id"], order.as_str(), "{:#}", orders[0]);
    assert_eq!(orders[0]["channel"], "aisle-AMS-01", "{:#}", orders[0]);
    assert_eq!(orders[0]["status"], "routed", "{:#}", orders[0]);
    assert_eq!(orders[0]["lines"][0]["location"], "UTR-01", "{:#}", orders[0]);
    assert_eq!(orders[0]["email"], "kees@example.com", "{:#}", orders[0]);
    screenshot(&app, "aisle-order-sent");
    app.keys(F7);
    let row = app.wait_text("[data-testid=aisle-order]", |t| t.contains("Sent to HQ"));
    assert!(row.contains("Pickup at UTR-01"), "{row}");
    app.set_size(1920, 1080);
    assert_eq!(app.script(fits), serde_json::json!(true), "no horizontal scrolling at 1920x1080");
    screenshot(&app, "aisle-orders-1920x1080");
}

/// An endless-aisle order the real HQ refuses for good (placed from the CLI with a ship-to
/// coordinate that is not a number, which the app's own form would not let through) shows
/// in the app's aisle orders (F7) as refused, with HQ's reason and what to do — the
/// customer has paid: re-place it, or refund the sale by its receipt. Re-place queues it
/// again on screen.
#[test]
fn an_aisle_order_hq_refuses_shows_in_the_app_as_refused_with_the_reason_and_what_to_do() {
    use till_tests::pickup::{Wan, register, sync};
    const SHIFT: &str = "\u{E008}";
    const F2: &str = "\u{E032}";
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let chain = till_tests::chain::Chain::start("app_aisle_refused");
    chain.receive("UTR-01", "MUG-1", "4");
    let wan = Wan::up(&chain);
    let reg = register(&chain, &wan, "AMS-01", "R1");
    let sale = reg.json(&[
        "aisle",
        "order",
        "--item",
        "MUG-1:1",
        "--ship-to",
        "3511AB,Utrecht,NL,north,east",
        "--email",
        "kees@example.com",
        "--tender",
        "cash:20",
    ]);
    sync(&reg);
    let outbox = reg.json(&["aisle", "orders"]);
    assert_eq!(outbox[0]["state"], "failed", "{outbox:#}");
    let receipt = sale["receipt"].as_str().unwrap();

    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    app.set_size(1024, 768);
    sign_in(&app, "2", "5678");
    app.chord(SHIFT, F2);
    app.find("[data-testid=aisle]");
    app.keys(F7);
    let state = app.wait_text("[data-testid=aisle-order-row-state]", |t| !t.is_empty());
    assert_eq!(state, "Refused by HQ");
    let error = app.wait_text("[data-testid=aisle-order-error]", |t| !t.is_empty());
    assert!(error.starts_with("HQ refused it (400):") && error.contains("delivery.latitude 'north'"), "{error}");
    let help = app.wait_text("[data-testid=aisle-order-help]", |t| !t.is_empty());
    assert!(help.contains("The customer has paid") && help.contains(&format!("receipt {receipt}")), "{help}");
    let fits = "return document.documentElement.scrollWidth <= document.documentElement.clientWidth";
    assert_eq!(app.script(fits), serde_json::json!(true), "no horizontal scrolling at 1024x768");
    // No screenshot here: WebKitWebDriver drops the connection taking one of this screen
    // under Xvfb on this machine (every other screen's works); the assertions above read it.

    app.click("[data-testid=aisle-order-replace]");
    let state = app.wait_text("[data-testid=aisle-order-row-state]", |t| t.starts_with("Queued"));
    assert!(state.starts_with("Queued"), "{state}");
    assert_eq!(reg.json(&["aisle", "orders"])[0]["state"], "waiting");
}

/// Settings enrolls with HQ serving HTTPS under a CA the suite makes (rcgen), trusting it by
/// a certificate pin: a wrong pin is refused on screen by its code (`untrusted_hq`) and
/// changes nothing; the right one (colon form) enrolls, is kept, audited as the manager's,
/// and the register then syncs over TLS. Enrolled, the form offers "Enroll again", which
/// asks first and sends `re_enroll`.
#[test]
fn settings_enrolls_with_an_https_hq_pinned_by_its_certificate() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use sha2::Digest as _;
    use till_tests::hq::{HqProcess, database_url};
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, "Till test CA app");
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let (cert_file, key_file) = (work.path().join("hq.pem"), work.path().join("hq-key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let digest: String = sha2::Sha256::digest(cert.der()).iter().map(|b| format!("{b:02x}")).collect();
    let hq = HqProcess::start_with(
        &database_url(work.path(), "app_enroll_tls"),
        &["--tls-cert", cert_file.to_str().unwrap(), "--tls-key", key_file.to_str().unwrap()],
    );
    assert!(hq.url.starts_with("https://"), "{}", hq.url);
    let mut reg = TempRegister::demo_with_staff();
    reg.now = Some(jiff::Timestamp::now().to_string()); // HQ's clock: no skew raised
    let token = hq.token("AMS-01", "R1");

    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    app.set_size(1024, 768);
    sign_in(&app, "1", "1234"); // the manager: enrolling is configure_sync
    app.keys(F3);
    app.find("[data-testid=enroll-form]");
    app.type_fast("[data-testid=enroll-hq]", &hq.url);
    app.type_fast("[data-testid=enroll-token]", &token);
    app.click("[data-testid=enroll-form] input[value=pin]");

    // A wrong pin: refused by HQ's certificate, said by its code, nothing kept.
    app.type_fast("[data-testid=enroll-pin]", &"00".repeat(32));
    app.click("[data-testid=enroll-submit]");
    let refused = app.wait_text("[data-testid=enroll-error]", |t| !t.is_empty());
    assert!(refused.starts_with("HQ's certificate is not trusted by the choice made here"), "{refused}");
    assert!(refused.contains(&digest), "the register's message names the certificate it saw: {refused}");
    assert_eq!(reg.setting("sync.hq_url"), None);

    // The right pin, in the colon form a browser shows.
    let colons = digest.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(":");
    let clear = "const e = document.querySelector('[data-testid=enroll-pin]'); e.value = ''; \
                 e.dispatchEvent(new Event('input', { bubbles: true })); return true";
    app.script(clear);
    app.type_fast("[data-testid=enroll-pin]", &colons.to_uppercase());
    app.click("[data-testid=enroll-submit]");
    app.wait_text("[data-testid=notice]", |t| t.contains("Register enrolled with HQ"));
    assert_eq!(reg.setting("sync.hq_url").as_deref(), Some(hq.url.as_str()));
    assert_eq!(reg.setting("sync.hq_trust").unwrap(), format!("pin-sha256:{digest}"));
    let conn = rusqlite::Connection::open(reg.database()).unwrap();
    let (staff, detail): (String, String) = conn
        .query_row(
            "SELECT json_extract(payload, '$.staff'), json_extract(payload, '$.detail') FROM journal \
             WHERE kind = 'audit' AND ref = 'configure_sync'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(staff, "1");
    assert_eq!(detail, format!("enrolled with {} (certificate pinned by SHA-256 {digest})", hq.url));

    // Enrolled: the form enrolls again only after the confirmation, which sends re_enroll
    // (a fresh token from HQ; the trust chosen is kept on the form).
    app.wait_text("[data-testid=enroll-submit]", |t| t == "Enroll again");
    app.type_fast("[data-testid=enroll-token]", &hq.token("AMS-01", "R1"));
    app.click("[data-testid=enroll-submit]");
    app.find("[data-testid=re-enroll-confirm]");
    screenshot(&app, "settings-re-enroll-confirm");
    app.click("[data-testid=re-enroll-yes]");
    let re_enrolled = "SELECT count(*) FROM journal WHERE kind = 'audit' AND ref = 'configure_sync' \
                       AND json_extract(payload, '$.detail') LIKE 're-enrolled from %'";
    let deadline = Instant::now() + Duration::from_secs(30);
    while conn.query_row(re_enrolled, [], |r| r.get::<_, i64>(0)).unwrap() == 0 {
        let error = app.script("return document.querySelector('[data-testid=enroll-error]')?.textContent ?? ''");
        assert!(Instant::now() < deadline, "not re-enrolled; the form says {error}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // A round that refused a change of HQ's pickup key (tests/pickup.rs makes one through an
    // intercepting proxy) leaves its alert in the settings: the manager sees it on Sync.
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('sync.pickup_key_alert', ?1) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ["2026-12-07T10:00:00Z: HQ's answer offered pickup key 8f1c in place of 2b7e without the held key's \
          signature; the register kept its key. Someone may be intercepting the link to HQ."],
    )
    .unwrap();
    app.keys(F10);
    app.find("[data-testid=manager]");
    app.keys("s");
    app.wait_text("[data-testid=sync-key-alert]", |t| t.contains("the register kept its key"));
    drop(app);
    assert!(reg.sync(), "sync over HTTPS: {}", String::from_utf8_lossy(&reg.till(&["sync"]).stderr));
}

// The Returns screen (#16 §3): everything the register's returns can do, checked in the
// register's own records.

/// Sets the reason of the `n`th line's reason select (0-based) on the Returns screen.
fn return_reason(app: &Session, n: usize, reason: &str) {
    let set = format!(
        "const s = document.querySelectorAll('[data-testid=return-reason]')[{n}]; s.value = '{reason}'; \
         s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value;"
    );
    assert_eq!(app.script(&set), serde_json::json!(reason));
}

/// Ticks the `n`th receipt line (1-based) on the Returns screen.
fn pick_line(app: &Session, n: usize) {
    app.click(&format!("[data-testid=return-line]:nth-child({n}) [data-testid=return-pick]"));
}

/// Finds `sale`'s receipt on the Returns screen (F9) by its printed code.
fn open_receipt(app: &Session, sale: &serde_json::Value) {
    app.keys(F9);
    app.type_fast("[data-testid=receipt-input]", &format!("{}{ENTER}", sale["receipt_code"].as_str().unwrap()));
    app.find("[data-testid=return-line]");
}

/// What the register quoted, once it says `settlement`.
fn quoted(app: &Session, settlement: &str) -> String {
    let css = format!("[data-testid=quote-total][data-settlement={settlement}]");
    app.find(&css);
    app.text(&css)
}

#[test]
fn returns_screen_an_exchange_takes_a_tee_back_and_sells_a_hoodie_the_difference_paid_in_cash() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let reg = TempRegister::demo_with_staff();
    let sale = reg.json(&["sale", "--scan", "TEE-S-BLK", "--tender", "cash:20"]);
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "2", "5678");

    open_receipt(&app, &sale);
    pick_line(&app, 1);
    return_reason(&app, 0, "wrong_size");
    quoted(&app, "refund");
    app.keys(F2);
    app.type_fast("[data-testid=exchange-input]", &format!("HOOD-M{ENTER}"));
    let due = quoted(&app, "pay");
    assert!(due.contains("30"), "49.95 - 19.95: {due}");
    app.keys(F12);
    let done = app.wait_text("[data-testid=refund-done]", |t| t.contains("R1-000002"));
    screenshot(&app, "return-exchange-done");

    let doc = reg.json(&["receipt", "show", "2"]);
    assert_eq!(doc["kind"], "exchange", "{doc}");
    let lines = doc["lines"].as_array().unwrap();
    assert_eq!((lines[0]["sku"].as_str(), lines[1]["sku"].as_str()), (Some("TEE-S-BLK"), Some("HOOD-M")), "{doc}");
    assert_eq!(lines[0]["returning"]["reason"], "wrong_size", "{doc}");
    assert_eq!(lines[0]["returning"]["of_receipt"], "R1-000001", "{doc}");
    assert!(lines[1]["returning"].is_null(), "{doc}");
    assert_eq!(doc["total"], "30.00", "{doc}");
    assert_eq!(doc["tenders"][0]["kind"], "cash", "{doc}");
    assert!(done.contains("Exchange"), "{done}");
    assert!(reg.till(&["journal", "verify"]).status.success());
}

#[test]
fn returns_screen_a_no_receipt_return_by_a_cashier_is_approved_and_refunded_to_store_credit() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let reg = TempRegister::demo_with_staff();
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "2", "5678");

    app.keys(F9);
    app.find("[data-testid=receipt-input]");
    app.keys(F4);
    app.type_fast("[data-testid=item-input]", &format!("TOTE-1{ENTER}"));
    let owed = quoted(&app, "refund");
    assert!(owed.contains("12"), "{owed}");
    // Without a receipt the store refunds to store credit only: the screen offers that alone.
    assert_eq!(app.count("[data-testid=refund-methods] input[type=radio]"), 1);
    app.find("[data-testid=refund-method-credit]");
    app.keys(F12);
    approve(&app);
    app.wait_text("[data-testid=refund-done]", |t| t.contains("R1-000001"));
    screenshot(&app, "return-no-receipt-credit");

    let doc = reg.json(&["receipt", "show", "1"]);
    assert_eq!(doc["kind"], "return", "{doc}");
    assert!(doc["lines"][0]["returning"]["of_receipt"].is_null(), "{doc}");
    assert_eq!(doc["tenders"][0]["kind"], "store_credit", "{doc}");
    let code = doc["tenders"][0]["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("SC-"), "{doc}");
    let credit = reg.json(&["credit", &code]);
    assert_eq!(credit["balance"], "12.50", "{credit}");
    assert!(reg.till(&["journal", "verify"]).status.success());
}

#[test]
fn returns_screen_two_lines_with_their_own_reasons_only_the_changed_mind_one_pays_the_restocking_fee() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    // Bags come back with a restocking fee too, so both lines are in fee categories.
    let reg = TempRegister::demo_with_staff_edit(|demo| {
        demo.replace(
            r#"restocking_fee_percent = { Kitchen = "10" }"#,
            r#"restocking_fee_percent = { Kitchen = "10", Bags = "10" }"#,
        )
    });
    let sale = reg.json(&["sale", "--scan", "CUPS-SET", "--scan", "TOTE-1", "--tender", "cash:40"]);
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "1", "1234");

    open_receipt(&app, &sale);
    pick_line(&app, 1);
    pick_line(&app, 2);
    return_reason(&app, 0, "changed_mind");
    return_reason(&app, 1, "defective");
    app.wait_text("[data-testid=quote-total][data-settlement=refund]", |t| t.contains("34"));
    app.keys(F12);
    app.wait_text("[data-testid=refund-done]", |t| t.contains("R1-000002"));

    let doc = reg.json(&["receipt", "show", "2"]);
    assert_eq!(doc["kind"], "return", "{doc}");
    let lines = doc["lines"].as_array().unwrap();
    let by_sku = |sku: &str| lines.iter().find(|l| l["sku"] == sku).unwrap_or_else(|| panic!("{sku}: {doc}"));
    let (cups, tote) = (by_sku("CUPS-SET"), by_sku("TOTE-1"));
    assert_eq!(
        (&cups["returning"]["reason"], &tote["returning"]["reason"]),
        (&"changed_mind".into(), &"defective".into())
    );
    assert_eq!(cups["returning"]["fee_percent"], "10", "{doc}");
    assert_eq!(tote["returning"]["fee_percent"], "0", "{doc}");
    let fees = |l: &serde_json::Value| {
        l["adjustments"].as_array().unwrap().iter().filter(|a| a["source"] == "restocking_fee").count()
    };
    assert_eq!((fees(cups), fees(tote)), (1, 0), "{doc}");
    // 24.00 less its 10 % fee, and 12.50 whole.
    assert_eq!(doc["total"], "-34.10", "{doc}");
}

#[test]
fn returns_screen_a_card_sale_refunded_in_cash_when_the_cashier_picks_cash() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let reg = TempRegister::demo_with_staff();
    let sale = reg.json(&["sale", "--scan", "NOTE-A5", "--tender", "card:9.99"]);
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "2", "5678");

    open_receipt(&app, &sale);
    pick_line(&app, 1);
    quoted(&app, "refund");
    assert_eq!(app.count("[data-testid=refund-methods] input[type=radio]"), 3, "original, cash, credit");
    app.click("[data-testid=refund-method-cash]");
    app.keys(F12);
    app.wait_text("[data-testid=refund-done]", |t| t.contains("R1-000002"));

    let doc = reg.json(&["receipt", "show", "2"]);
    assert_eq!(doc["kind"], "return", "{doc}");
    let tenders = doc["tenders"].as_array().unwrap();
    assert_eq!(tenders.len(), 1, "{doc}");
    // The demo store rounds cash to 0.05: 9.99 goes back as 9.95 in cash.
    assert_eq!((tenders[0]["kind"].as_str(), tenders[0]["amount"].as_str()), (Some("cash"), Some("-9.95")), "{doc}");
    assert_eq!((doc["total"].as_str(), doc["cash_rounding"].as_str()), (Some("-9.99"), Some("0.04")), "{doc}");
    let x = reg.json(&["report", "x"]);
    assert!(x.to_string().contains("-9.95"), "the drawer pays it out: {x}");
}

#[test]
fn returns_screen_an_online_order_picked_up_here_comes_back_boris_refunded_online() {
    use till_tests::pickup::{Wan, deliver_pickup, register, sync, token};
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    // HQ routes a Shopify pickup order to Amsterdam; the register (enrolled through the WAN,
    // on the real clock) picks it and hands it over with the CLI before the app starts.
    let chain = Chain::start("app_boris");
    chain.receive("AMS-01", "TOTE-1", "5");
    let wan = Wan::up(&chain);
    let reg = register(&chain, &wan, "AMS-01", "R1");
    let id = deliver_pickup(&chain, 7201, &[("TOTE-1", 2)]);
    let code = token(&chain, &id);
    sync(&reg);
    reg.json(&["pickup", "pick", "#7201", "--line", "1", "--qty", "2"]);
    reg.json(&["pickup", "handover", &code]);
    sync(&reg);

    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    sign_in(&app, "2", "5678");
    app.keys(F9);
    app.find("[data-testid=receipt-input]");
    app.click("[data-testid=mode-online]");
    app.type_fast("[data-testid=boris-number]", "#7201");
    app.type_fast("[data-testid=boris-email]", &format!("jon@example.com{ENTER}"));
    app.find("[data-testid=boris-line]");
    app.click("[data-testid=boris-line]:nth-child(1) [data-testid=boris-pick]");
    app.keys(F12);
    let done = app.wait_text("[data-testid=refund-done]", |t| t.contains("R1-"));
    screenshot(&app, "return-boris-online");

    assert!(done.contains("RETURN") && done.contains("#7201"), "the receipt names the order: {done}");
    // Nothing of the order is left to return, and the drawer's report counts the online refund.
    let found = reg.json(&["boris", "find", "#7201", "--email", "jon@example.com"]);
    assert_eq!(found["lines"][0]["returnable"], "0", "{found}");
    let x = reg.json(&["report", "x"]);
    assert!(x["tenders"].to_string().contains("online"), "{x}");
    // The stored return reads back — `journal verify` reads every document, this one too —
    // and its reprint names the order it took back from (the line keeps its receipt since
    // the return-of-receipt column; it is not a sale of this register).
    let verify = reg.till(&["journal", "verify"]);
    let said = format!("{}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));
    assert!(verify.status.success() && said.contains("Journal OK"), "{said}");
    let number = done.split_whitespace().find(|w| w.starts_with("R1-")).unwrap();
    let out = reg.till(&["receipt", "show", number]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && shown.contains("#7201"), "{shown}{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn returns_screen_takes_back_a_sale_rung_at_another_register_found_at_hq_and_says_so() {
    use till_tests::pickup::{Wan, register, sync};
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    // R1 of Amsterdam sells two totes and syncs; the app runs as R2 of the same store
    // (both enrolled through the WAN, on the real clock).
    let chain = Chain::start("app_receipt_hq");
    let wan = Wan::up(&chain);
    let r1 = register(&chain, &wan, "AMS-01", "R1");
    let sale = r1.json(&["sale", "--scan", "TOTE-1*2", "--tender", "cash:50"]);
    sync(&r1);
    let r2 = register(&chain, &wan, "AMS-01", "R2");

    let driver = Driver::start();
    let app = launch(&driver, &r2, &[]);
    sign_in(&app, "2", "5678");
    open_receipt(&app, &sale);
    let said = app.wait_text("[data-testid=receipt-source]", |t| !t.is_empty());
    assert_eq!(said, "Rung at register R1 of store AMS-01; found at HQ, returns made anywhere counted");
    pick_line(&app, 1);
    quoted(&app, "refund");
    app.click("[data-testid=refund-method-cash]");
    app.keys(F12);
    app.wait_text("[data-testid=refund-done]", |t| t.contains("R2-"));
    screenshot(&app, "return-found-at-hq");
    drop(app);

    // R2's return names R1's sale: once at HQ, nothing of that line is left, asked from R1.
    sync(&r2);
    let receipt = sale["receipt"].as_str().unwrap();
    let found = r1.json(&["receipt", "find", receipt, "--staff", "2:5678"]);
    assert_eq!(found["source"], "local", "{found:#}");
    assert_eq!(found["found"]["lines"][0]["returnable"], "0", "{found:#}");
    let again = r1.till(&["return", "--receipt", receipt, "--line", "1:1", "--refund", "cash"]);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success() && said.contains("returned"), "R1 refuses the line R2 took back: {said}");
}

#[test]
fn the_staff_tab_shows_who_comes_from_hq_and_refuses_changing_them_with_the_registers_message() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    use till_tests::hq::{HqProcess, database_url};
    // HQ adds a cashier for Amsterdam; the register (its own manager 1 and cashier 2) is
    // enrolled and synced with the `till` CLI before the app starts. Real clock: HQ checks
    // the register's clock.
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "app_staff"));
    let mut reg = TempRegister::demo_with_staff();
    reg.now = None;
    let token = hq.token("AMS-01", "R1");
    let out = reg.till(&["enroll", "--staff", "1:1234", "--hq", &hq.url, "--token", &token]);
    assert!(out.status.success(), "enroll: {}", String::from_utf8_lossy(&out.stderr));
    let pin = work.path().join("carla.pin");
    std::fs::write(&pin, "2468\n").unwrap();
    let out = hq.admin(&[
        "staff",
        "add",
        "--code",
        "2001",
        "--name",
        "Carla Cashier",
        "--role",
        "cashier",
        "--stores",
        "AMS-01",
        "--pin-file",
        pin.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "staff add: {}", String::from_utf8_lossy(&out.stderr));
    let out = reg.till(&["sync"]);
    assert!(out.status.success(), "sync: {}", String::from_utf8_lossy(&out.stderr));

    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    // HQ's cashier signs in from the register's synced copy.
    sign_in(&app, "2001", "2468");
    app.click("[data-testid=lock]");
    sign_in(&app, "1", "1234");
    app.keys(F10);
    app.find("[data-testid=manager]");
    app.keys("t");
    app.find("[data-testid=staff]");
    let source =
        |code: &str| app.text(&format!("[data-testid=staff-row][data-code='{code}'] [data-testid=staff-source]"));
    assert_eq!(source("2001"), "HQ");
    assert_eq!(source("2"), "This register");
    // Removing HQ's cashier here is refused with the register's message.
    app.click("[data-testid=staff-row][data-code='2001'] [data-testid=staff-remove]");
    let said = app.wait_text("[role=alert]", |t| t.contains("managed by HQ"));
    assert!(said.contains("staff 2001 is managed by HQ") && said.contains(&hq.url), "{said}");
    screenshot(&app, "staff-hq-refused");
    // The register's own cashier is removed here.
    app.click("[data-testid=staff-row][data-code='2'] [data-testid=staff-remove]");
    let state = app.wait_text("[data-testid=staff-row][data-code='2']", |t| t.contains("Left"));
    assert!(state.contains("Left"), "{state}");
    let listed = reg.json(&["staff", "list", "--staff", "1:1234"]);
    let staff = listed["staff"].as_array().unwrap();
    let of = |code: &str| staff.iter().find(|s| s["code"] == code).unwrap().clone();
    assert_eq!((of("2001")["active"].as_bool(), of("2001")["source"].as_str()), (Some(true), Some("hq")));
    assert_eq!((of("2")["active"].as_bool(), of("2")["source"].as_str()), (Some(false), Some("local")));
}

#[test]
fn settings_shows_the_configuration_version_and_a_manager_edits_it_until_the_register_is_enrolled() {
    let _one = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    let reg = TempRegister::demo_with_staff();
    let driver = Driver::start();
    let app = launch(&driver, &reg, &[]);
    app.set_size(1024, 768);
    sign_in(&app, "1", "1234"); // the manager: configure_store
    app.keys(F3);
    app.wait_text("[data-testid=config-version]", |t| t == "local-1");
    assert_eq!(app.text("[data-testid=config-source]"), "edited at this register");
    assert_eq!(app.text("[data-testid=config-since]"), "the register was created");

    // A bad value is refused, naming the key; nothing is kept.
    app.type_fast("[data-testid=config-edits]", "receipt.width=wide");
    app.click("[data-testid=config-save]");
    let refused = app.wait_text("[data-testid=config-error]", |t| !t.is_empty());
    assert_eq!(refused, "receipt.width: 'wide' is not a whole number");
    assert_eq!(reg.setting("config.version").as_deref(), Some("local-1"), "nothing kept");

    // A new footer: the next local version, in force now, journalled as configure_store.
    let clear = "const e = document.querySelector('[data-testid=config-edits]'); e.value = ''; \
                 e.dispatchEvent(new Event('input', { bubbles: true })); return true";
    app.script(clear);
    app.type_fast("[data-testid=config-edits]", r#"receipt.footer=["Dank je wel!"]"#);
    app.type_fast("[data-testid=config-reason]", "Dutch footer");
    app.click("[data-testid=config-save]");
    app.wait_text("[data-testid=notice]", |t| t.contains("Configuration local-2 in force"));
    assert_eq!(app.text("[data-testid=config-version]"), "local-2");
    assert!(reg.setting("config").unwrap().contains(r#"footer = ["Dank je wel!"]"#));
    let conn = rusqlite::Connection::open(reg.database()).unwrap();
    let (staff, detail): (String, String) = conn
        .query_row(
            "SELECT json_extract(payload, '$.staff'), json_extract(payload, '$.detail') FROM journal \
             WHERE kind = 'audit' AND ref = 'configure_store'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(staff, "1");
    assert_eq!(detail, r#"configuration local-2: receipt.footer=["Dank je wel!"] (Dutch footer)"#);
    screenshot(&app, "settings-configuration");

    // Enrolled (as `till enroll` leaves it): HQ owns the configuration; the edit is refused
    // with the service's words, naming the key and the HQ command.
    conn.execute_batch(
        "INSERT INTO settings (key, value) VALUES ('sync.hq_url', 'https://hq.example:7878'), \
         ('sync.credential', 'x')",
    )
    .unwrap();
    app.type_fast("[data-testid=config-edits]", "tax_classes.standard=9");
    app.click("[data-testid=config-save]");
    let refused = app.wait_text("[data-testid=config-error]", |t| t.contains("enrolled"));
    assert_eq!(
        refused,
        "this register is enrolled with HQ (https://hq.example:7878), which owns its configuration: \
         tax_classes.standard cannot be changed here; change at HQ: till-hq config set --store AMS-01 KEY=VALUE… \
         --by NAME"
    );
    assert_eq!(reg.setting("config.version").as_deref(), Some("local-2"));
}
