//! Closing time through the real `till` binary: store credit issued and spent, training
//! sales kept out of everything, the Z report numbered and reprinted as a duplicate, and
//! the journal export whose totals are the journal's.
#![allow(clippy::unwrap_used)]

use rust_decimal::Decimal;
use till_tests::{CASHIER, MANAGER, TempRegister, stderr, stdout};

fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")).parse().unwrap()
}

/// The demo register with staff and an open drawer (float 100.00).
fn open_register() -> TempRegister {
    let reg = TempRegister::demo_with_staff();
    reg.json(&["drawer", "open", "--float", "20x5"]);
    reg
}

#[test]
fn store_credit_from_a_return_pays_for_a_later_sale_and_cannot_be_overspent() {
    let reg = open_register();
    let sale = reg.json(&["sale", "--scan", "HOOD-M", "--tender", "cash:50"]);
    let back =
        reg.json(&["return", "--receipt", sale["receipt"].as_str().unwrap(), "--line", "1", "--refund", "credit"]);
    let tender = &back["tenders"][0];
    assert_eq!(tender["kind"], "store_credit");
    let code = tender["code"].as_str().unwrap().to_string();
    assert!(code.starts_with("SC-") && code.len() == 15, "{code}");
    assert_eq!(dec(&tender["amount"]), Decimal::new(-4995, 2));
    assert_eq!(dec(&reg.json(&["credit", &code])["balance"]), Decimal::new(4995, 2));

    // Spent on a tote (12.50): 37.45 left.
    let spend = format!("credit:12.50:{}", code.to_lowercase());
    reg.json(&["sale", "--scan", "TOTE-1", "--tender", &spend]);
    assert_eq!(dec(&reg.json(&["credit", &code])["balance"]), Decimal::new(3745, 2));

    // More than the balance is refused, and nothing is taken.
    let out = reg.till(&["--json", "sale", "--scan", "HOOD-L", "--tender", &format!("credit:49.95:{code}")]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("store credit") || stderr(&out).contains("store credit"), "{}", stderr(&out));
    assert_eq!(dec(&reg.json(&["credit", &code])["balance"]), Decimal::new(3745, 2));
    let unknown = reg.till(&["sale", "--scan", "TOTE-1", "--tender", "credit:1:SC-NOSUCHCODE1"]);
    assert!(!unknown.status.success(), "an unknown code pays nothing");
}

#[test]
fn training_sales_print_but_never_reach_totals_stock_or_the_journal() {
    let reg = open_register();
    reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    let before = reg.json(&["report", "x"]);
    let stock = reg.json(&["stock", "TOTE-1"]);
    let out = reg.till(&["sale", "--training", "--scan", "TOTE-1", "--scan", "HOOD-M", "--tender", "cash:100"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("TRAINING"), "{}", stdout(&out));
    assert_eq!(reg.json(&["report", "x"]), before, "the X report is unchanged");
    assert_eq!(reg.json(&["stock", "TOTE-1"]), stock);
    let next = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    assert_eq!(next["receipt"], "R1-000002", "training took no receipt number");
    assert!(reg.till(&["journal", "verify"]).status.success());
}

#[test]
fn the_z_report_closes_the_session_once_and_reprints_as_a_counted_duplicate() {
    let mut reg = open_register();
    reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    reg.json(&["sale", "--scan", "HOOD-M", "--tender", "card:49.95"]);
    // Counted 112.50 cash (100 float + 12.50) and the terminal's 49.95: balanced.
    reg.json(&["drawer", "count", "--cash", "50x2,10x1,2x1,0.50x1", "--counted", "card=49.95"]);
    let z = reg.json(&["drawer", "close"]);
    assert_eq!(z["number"], 1);
    assert_eq!(z["totals"]["documents"], 2);
    assert_eq!(dec(&z["totals"]["total"]), Decimal::new(6245, 2));
    let cash = z["balances"].as_array().unwrap().iter().find(|b| b["tender"] == "cash").unwrap();
    assert_eq!(dec(&cash["expected"]), Decimal::new(11250, 2));
    assert_eq!(dec(&cash["over_short"]), Decimal::ZERO);

    // Closed once: a second close has nothing to close, and a sale opens session 2.
    let again = reg.till(&["drawer", "close"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("no cash session is open"), "{}", stderr(&again));
    let sale = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    assert_eq!(sale["session"], 2);

    // Reprints are marked DUPLICATE and counted. The manager makes reprints need approval
    // for cashiers: then a cashier alone is refused, and with the manager's PIN it prints.
    let first = stdout(&reg.till(&["report", "z", "--reprint", "1"]));
    assert!(first.contains("DUPLICATE 1") && first.contains("Z REPORT 1"), "{first}");
    reg.staff = Some(MANAGER.to_string());
    reg.json(&["staff", "role", "cashier", "reprint=approval"]);
    reg.staff = Some(CASHIER.to_string());
    let denied = reg.till(&["report", "z", "--reprint", "1"]);
    assert!(!denied.status.success(), "{}", stdout(&denied));
    assert!(stderr(&denied).contains("approval"), "{}", stderr(&denied));
    let second = stdout(&reg.till(&["report", "z", "--reprint", "1", "--approve", MANAGER]));
    assert!(second.contains("DUPLICATE 2"), "{second}");

    // Session 2 opened by that sale with no float: 12.50 expected. Closing 7.50 short,
    // more than the 5.00 threshold, needs a manager.
    reg.json(&["drawer", "count", "--cash", "5x1"]);
    let short = reg.till(&["drawer", "close"]);
    assert!(!short.status.success());
    assert!(stderr(&short).contains("approval"), "{}", stderr(&short));
    let z2 = reg.json(&["drawer", "close", "--approve", MANAGER]);
    assert_eq!(z2["number"], 2);
    let cash = z2["balances"].as_array().unwrap().iter().find(|b| b["tender"] == "cash").unwrap();
    assert_eq!(dec(&cash["over_short"]), Decimal::new(-750, 2));
    assert!(reg.till(&["journal", "verify"]).status.success());
}

#[test]
fn the_journal_export_in_json_and_csv_adds_up_to_the_journal() {
    let reg = open_register();
    let sale = reg.json(&["sale", "--scan", "TOTE-1", "--scan", "NOTE-A5", "--tender", "cash:30"]);
    reg.json(&["sale", "--scan", "HOOD-M", "--tender", "card:49.95"]);
    reg.json(&["sale", "--scan", "STROOP-8", "--tender", "voucher:2.99"]);
    reg.json(&["return", "--receipt", sale["receipt"].as_str().unwrap(), "--line", "2"]);
    reg.json(&["drawer", "paid-in", "10", "--reason", "change from the bank"]);
    // 100 float + 22.50 sale (cash-rounded) − 10.00 refund (rounded) + 10 paid in.
    reg.json(&[
        "drawer",
        "count",
        "--cash",
        "50x2,20x1,2x1,0.50x1",
        "--counted",
        "card=49.95",
        "--counted",
        "voucher=2.99",
    ]);
    reg.json(&["drawer", "close"]);
    let verified = reg.json(&["journal", "verify"]);
    let grand_total = dec(&verified["grand_total"]);

    let json = reg.json(&["journal", "export", "--from", "2026-11-27", "--to", "2026-11-27"]);
    assert_eq!(json["format"], "till.journal-export");
    assert_eq!(json["version"], 1);
    assert_eq!(json["totals"]["documents"], 4);
    let voucher = json["totals"]["tenders"].as_array().unwrap().iter().find(|t| t["tender"] == "voucher");
    assert_eq!(voucher.map(|t| dec(&t["amount"])), Some(Decimal::new(299, 2)), "custom tenders by their name");
    assert_eq!(dec(&json["totals"]["total"]), grand_total, "the export's total is the journal's");
    assert_eq!(json["journal"]["records"], verified["records"], "every record of the day is exported");
    assert_eq!(json["z_reports"].as_array().unwrap().len(), 1);
    let moves: Vec<&str> =
        json["cash_movements"].as_array().unwrap().iter().map(|m| m["movement"]["kind"].as_str().unwrap()).collect();
    assert!(moves.contains(&"paid_in"), "{moves:?}");
    assert!(!json["audit"].as_array().unwrap().is_empty(), "staff and drawer actions are in the audit trail");
    let tenders: Decimal = json["totals"]["tenders"].as_array().unwrap().iter().map(|t| dec(&t["amount"])).sum();
    assert_eq!(tenders, grand_total, "tenders add up to the total");

    let file = reg.data_dir().join("export.csv");
    let out = reg.till(&[
        "journal",
        "export",
        "--from",
        "2026-11-27",
        "--to",
        "2026-11-27",
        "--format",
        "csv",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut csv = csv::Reader::from_path(&file).unwrap();
    let headers = csv.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (record, amount) = (col("record"), col("amount"));
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let documents: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[record] == "document").collect();
    assert_eq!(documents.len(), 4);
    assert!(rows.iter().any(|r| &r[record] == "tender" && &r[col("tender")] == "voucher"));
    let total: Decimal = documents.iter().map(|r| r[amount].parse::<Decimal>().unwrap()).sum();
    assert_eq!(total, grand_total, "the CSV's documents add up to the journal");
    let tendered: Decimal =
        rows.iter().filter(|r| &r[record] == "tender").map(|r| r[amount].parse::<Decimal>().unwrap()).sum();
    assert_eq!(tendered, grand_total);

    let bad = reg.till(&["journal", "export", "--from", "2026-11-28", "--to", "2026-11-27"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("before"), "{}", stderr(&bad));
}

#[test]
fn mistakes_at_the_counter_are_refused_and_change_nothing() {
    let mut reg = open_register();
    // A wrong PIN is refused even for a command that needs none.
    let out = reg.till(&["--json", "report", "x", "--staff", "2:0000"]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("\"sign_in\""), "{}", stdout(&out));

    // A count for the card alone would silently drop the blind count's cash.
    reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    reg.json(&["drawer", "count", "--cash", "50x2,10x1,2x1,0.50x1"]);
    let out = reg.till(&["drawer", "close", "--counted", "card=0"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--counted needs --cash"), "{}", stderr(&out));

    // An exchange that owes the customer money takes no tender.
    let sale = reg.json(&["sale", "--scan", "HOOD-M", "--tender", "cash:50"]);
    let receipt = sale["receipt"].as_str().unwrap();
    let out = reg.till(&["exchange", "--receipt", receipt, "--line", "1", "--scan", "TOTE-1", "--tender", "cash:5"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("37.45 goes back"), "{}", stderr(&out));

    // Cancelling nothing is refused; cancelling a resumed cart takes it off the list.
    reg.staff = Some(MANAGER.to_string());
    let out = reg.till(&["sale", "--cancel"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let parked = reg.json(&["sale", "--scan", "TOTE-1", "--park", "coat rack"]);
    let id = parked["parked"].to_string();
    reg.json(&["sale", "--resume", &id, "--cancel"]);
    assert_eq!(reg.json(&["parked"]), serde_json::json!([]));
    let verified = reg.json(&["journal", "verify"]);
    assert_eq!(verified["problem"], serde_json::Value::Null, "{verified}");
}

#[test]
fn a_cashier_counts_blind_the_x_report_withholds_what_the_drawer_should_hold() {
    let mut reg = open_register();
    reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    let receipt = "R1-000001";

    // The cashier (the register's default staff here): the drawer's moves, not its total.
    let x = reg.json(&["report", "x"]);
    assert_eq!(x["expected_withheld"], true, "{x}");
    assert_eq!(x["expected"], serde_json::json!([]));
    assert_eq!(x["drawer"]["float"], "100.00");
    let text = stdout(&reg.till(&["report", "x"]));
    assert!(text.contains("Expected now") && text.contains("withheld"), "{text}");
    assert!(!text.contains("112.50"), "{text}");

    // The manager sees 100.00 float + 12.50 cash.
    reg.staff = Some(MANAGER.to_string());
    let x = reg.json(&["report", "x"]);
    assert_eq!(x["expected_withheld"], false, "{x}");
    assert_eq!(x["expected"][0], serde_json::json!({"tender": "cash", "amount": "112.50"}));
    assert!(stdout(&reg.till(&["report", "x"])).contains("112.50"));

    // Nobody signed in: the X report and a receipt lookup are refused.
    reg.staff = None;
    for args in [vec!["--json", "report", "x"], vec!["--json", "receipt", "show", receipt]] {
        let out = reg.till(&args);
        assert!(!out.status.success(), "{args:?}: {}", stdout(&out));
        assert!(stdout(&out).contains("\"sign_in\""), "{args:?}: {}", stdout(&out));
    }
    reg.staff = Some(CASHIER.to_string());
    assert!(stdout(&reg.till(&["receipt", "show", receipt])).contains(receipt));
}
