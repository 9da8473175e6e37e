//! The `till` CLI end to end: real binary, real SQLite files in temporary directories.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::thread;

use till_tests::{TempRegister, repo, stderr, stdout};

const SHOPIFY_HEADER: &str = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Status";

fn write(reg: &TempRegister, name: &str, text: &str) -> String {
    let path = reg
        .data_dir()
        .parent()
        .unwrap()
        .join(format!("{}-{name}", reg.data_dir().file_name().unwrap().to_string_lossy()));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn init_import_sell_verify_report() {
    let reg = TempRegister::with_config("assets/demo/store.toml");
    let import = reg.json(&["catalog", "import", repo().join("assets/demo/catalog.csv").to_str().unwrap()]);
    assert_eq!(import["products"], 10);
    assert_eq!(import["variants"], 14, "variant rows that repeat the handle join their product");
    assert_eq!(import["rejected"].as_array().unwrap().len(), 0);

    let tee = reg.json(&["lookup", "8712345000042"]);
    assert_eq!(tee["name"], "Organic Cotton Tee - M / White");
    assert_eq!(tee["price"], "17.95");

    let sale = reg.json(&["sale", "--scan", "TEE-M-WHT", "--scan", "COFFEE-250*2", "--tender", "cash:50"]);
    assert_eq!(sale["receipt"], "R1-000001");
    assert_eq!(sale["total"], "35.85");
    assert_eq!(sale["taxes"][0]["rate"], "21");
    assert_eq!(sale["taxes"][0]["tax"], "3.12", "17.95 × 21/121");
    assert_eq!(sale["taxes"][1]["rate"], "9");
    assert_eq!(sale["taxes"][1]["tax"], "1.48", "17.90 × 9/109");
    assert_eq!(sale["tax_total"], "4.60");
    assert_eq!(sale["cash_rounding"], "0.00");
    assert_eq!(sale["tenders"][0]["kind"], "cash");
    assert_eq!(sale["tenders"][0]["amount"], "35.85");
    assert_eq!(sale["tenders"][0]["tendered"], "50.00");
    assert_eq!(sale["change"], "14.15");

    let verify = reg.json(&["journal", "verify"]);
    assert_eq!(verify["ok"], true);
    assert_eq!(verify["records"], 2, "the cash session's opening float, then the sale");
    assert_eq!(verify["grand_total"], "35.85");

    let x = reg.json(&["report", "x"]);
    assert_eq!(x["sales"], 1);
    assert_eq!(x["total"], "35.85");
    assert_eq!(x["tax_total"], "4.60");
    assert_eq!(x["taxes"], sale["taxes"]);
    assert_eq!(x["tenders"][0], serde_json::json!({"tender": "cash", "count": 1, "amount": "35.85"}));

    let text = stdout(&reg.till(&["receipt", "show", "R1-000001"]));
    assert!(text.contains("Receipt R1-000001"), "{text}");
    assert!(text.contains("TOTAL EUR                          35.85"), "{text}");
    let stock = reg.json(&["stock", "COFFEE-250"]);
    assert_eq!(stock["quantity"], "-2", "stock is the movements ledger's projection");
}

#[test]
fn cash_rounding_is_its_own_recorded_adjustment() {
    let reg = TempRegister::with_config("assets/demo/store.toml");
    let catalog = write(
        &reg,
        "c.jsonl",
        r#"{"type":"product","handle":"p","title":"P","variants":[{"sku":"P497","price":"4.97"}]}"#,
    );
    reg.json(&["catalog", "import", &catalog]);
    let sale = reg.json(&["sale", "--scan", "P497", "--tender", "cash:5"]);
    assert_eq!(sale["total"], "4.97");
    assert_eq!(sale["cash_rounding"], "-0.02");
    assert_eq!(sale["collected"], "4.95");
    assert_eq!(sale["tenders"][0]["amount"], "4.95");
    assert_eq!(sale["change"], "0.05");
    let card = reg.json(&["sale", "--scan", "P497", "--tender", "card:4.97"]);
    assert_eq!(card["cash_rounding"], "0.00", "card payments are never rounded");
    let x = reg.json(&["report", "x"]);
    assert_eq!(x["total"], "9.94");
    assert_eq!(x["cash_rounding"], "-0.02");
    let takings: rust_decimal::Decimal = x["tenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["amount"].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(takings.to_string(), "9.92", "tenders = total + cash rounding");
}

#[test]
fn bad_csv_rows_are_reported_by_line_and_the_rest_imports() {
    let reg = TempRegister::with_config("assets/demo/store.toml");
    let csv = format!(
        "{SHOPIFY_HEADER}\n\
ok,Good Product,,,,Misc,,TRUE,Title,Default Title,,,,,OK-1,,,,,,5.00,,,TRUE,8712345000165,,,,,,,,,,,active\n\
badprice,Bad Price,,,,Misc,,TRUE,Title,Default Title,,,,,BAD-1,,,,,,five,,,TRUE,,,,,,,,,,,,active\n\
checkdigit,Wrong Check Digit,,,,Misc,,TRUE,Title,Default Title,,,,,CD-1,,,,,,2.00,,,TRUE,8712345000160,,,,,,,,,,,active\n\
dup,Duplicate SKU,,,,Misc,,TRUE,Title,Default Title,,,,,OK-1,,,,,,1.00,,,TRUE,,,,,,,,,,,,active\n"
    );
    let file = write(&reg, "bad.csv", &csv);
    let out = reg.till(&["catalog", "import", &file]);
    assert_eq!(out.status.code(), Some(3), "rows were rejected: {}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Imported 2 products (2 variants)"), "{text}");
    assert!(text.contains("line 3: Variant Price: 'five' is not a valid amount"), "{text}");
    assert!(text.contains("line 5: Variant SKU: SKU 'OK-1' already used at line 2"), "{text}");
    assert!(text.contains("line 4: barcode 8712345000160 has a wrong GTIN check digit"), "{text}");
    assert_eq!(reg.json(&["lookup", "8712345000165"])["sku"], "OK-1");
    assert_eq!(reg.json(&["lookup", "8712345000160"])["sku"], "CD-1", "found by exact match despite the check digit");
    assert!(!reg.till(&["lookup", "BAD-1"]).status.success(), "the bad row was not imported");
}

#[test]
fn a_broken_file_imports_nothing() {
    let reg = TempRegister::with_config("assets/demo/store.toml");
    let file = write(&reg, "broken.csv", "Name,Price\nWidget,1.00\n");
    let out = reg.till(&["catalog", "import", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 1: missing column 'Handle'"), "{}", stderr(&out));
    let jsonl = write(
        &reg,
        "half.jsonl",
        "{\"type\":\"product\",\"handle\":\"a\",\"title\":\"A\",\"variants\":[{\"sku\":\"A\",\"price\":\"1\"}]}\n\u{0}\u{ff}\u{fe}\n",
    );
    std::fs::write(&jsonl, b"{\"type\":\"product\",\"handle\":\"a\",\"title\":\"A\",\"variants\":[{\"sku\":\"A\",\"price\":\"1\"}]}\n\xff\xfe\n").unwrap();
    let out = reg.till(&["catalog", "import", &jsonl]);
    assert_eq!(out.status.code(), Some(1), "invalid UTF-8 is fatal: {}", stderr(&out));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
    assert!(!reg.till(&["lookup", "A"]).status.success(), "the good first line was rolled back with the rest");
}

#[test]
fn unknown_barcode_fails_and_commits_nothing() {
    let reg = TempRegister::demo();
    let out = reg.till(&["--json", "sale", "--scan", "TEE-M-WHT", "--scan", "0000000000000", "--tender", "cash:100"]);
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["code"], "unknown_code");
    assert!(stderr(&out).contains("--scan 0000000000000: unknown barcode or SKU '0000000000000'"), "{}", stderr(&out));
    assert_eq!(reg.json(&["report", "x"])["sales"], 0);
    assert_eq!(reg.json(&["journal", "verify"])["records"], 0);
}

#[test]
fn underpaid_sale_fails_and_commits_nothing() {
    let reg = TempRegister::demo();
    let out = reg.till(&["--json", "sale", "--scan", "HOOD-M", "--tender", "cash:20", "--tender", "card:10"]);
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(err["error"]["code"], "underpaid");
    assert_eq!(err["error"]["message"], "underpaid: 49.95 due, 30.00 tendered (19.95 short)");
    assert_eq!(reg.json(&["report", "x"])["sales"], 0);
    // The next good sale takes receipt number 1: a failed sale consumes no number.
    assert_eq!(reg.json(&["sale", "--scan", "HOOD-M", "--tender", "cash:50"])["receipt"], "R1-000001");
}

#[test]
fn card_numbers_are_refused() {
    let reg = TempRegister::demo();
    let out = reg.till(&["sale", "--scan", "TOTE-1", "--tender", "card:12.50:VISA:1111:4111111111111111"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("looks like a card number"), "{}", stderr(&out));
    let bytes = std::fs::read(reg.database()).unwrap();
    assert!(!bytes.windows(16).any(|w| w == b"4111111111111111"), "the number never reached the database");
}

#[test]
fn two_processes_selling_at_once_never_share_a_receipt_number() {
    let reg = TempRegister::demo();
    let per_process = 12;
    let receipts: Vec<String> = thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let reg = &reg;
                s.spawn(move || {
                    (0..per_process)
                        .map(|i| {
                            let item = if (w + i) % 2 == 0 { "TOTE-1" } else { "NOTE-A5" };
                            reg.json(&["sale", "--scan", item, "--tender", "cash:20"])["receipt"]
                                .as_str()
                                .unwrap()
                                .to_string()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let unique: BTreeSet<&String> = receipts.iter().collect();
    assert_eq!(unique.len(), 2 * per_process, "no duplicate receipt numbers");
    let expected: BTreeSet<String> = (1..=2 * per_process).map(|n| format!("R1-{n:06}")).collect();
    assert_eq!(unique.into_iter().cloned().collect::<BTreeSet<_>>(), expected, "no gaps");
    let verify = reg.json(&["journal", "verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(verify["records"], 2 * per_process + 1, "one cash session opened for all of them, then the sales");
}

fn three_sales() -> TempRegister {
    let reg = TempRegister::demo();
    for scan in ["TOTE-1", "HOOD-L", "NOTE-A5"] {
        reg.json(&["sale", "--scan", scan, "--tender", "cash:50"]);
    }
    reg
}

fn tamper(reg: &TempRegister, sql: &str) {
    let conn = rusqlite::Connection::open(reg.database()).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn verify_fails(reg: &TempRegister) -> serde_json::Value {
    let out = reg.till(&["--json", "journal", "verify"]);
    assert_eq!(out.status.code(), Some(1), "verify must fail: {}", stdout(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn stored_sales_cannot_be_changed_in_place() {
    let reg = three_sales();
    let conn = rusqlite::Connection::open(reg.database()).unwrap();
    let err = conn.execute("UPDATE sale_lines SET total = '0.01'", []).unwrap_err();
    assert!(err.to_string().contains("completed sales are immutable"), "{err}");
    let err = conn.execute("DELETE FROM journal WHERE seq = 2", []).unwrap_err();
    assert!(err.to_string().contains("the journal is append-only"), "{err}");
}

#[test]
fn tampering_with_a_stored_amount_is_detected_and_named() {
    let reg = three_sales();
    tamper(&reg, "DROP TRIGGER sale_lines_no_update; UPDATE sale_lines SET total = '0.01' WHERE sale_seq = 2;");
    let v = verify_fails(&reg);
    assert_eq!(v["problem"]["record"], 3, "record 1 opened the cash session");
    assert_eq!(v["problem"]["receipt"], "R1-000002");
    let reason = v["problem"]["reason"].as_str().unwrap();
    assert!(reason.contains("lines[0].total: journal has \"49.95\", tables have \"0.01\""), "{reason}");
    let out = reg.till(&["journal", "verify"]);
    assert!(stderr(&out).contains("journal record 3 (receipt R1-000002)"), "{}", stderr(&out));
}

#[test]
fn tampering_with_the_sale_total_is_detected() {
    let reg = three_sales();
    tamper(&reg, "DROP TRIGGER sales_no_update; UPDATE sales SET total = '1.00' WHERE seq = 3;");
    let v = verify_fails(&reg);
    assert_eq!(v["problem"]["record"], 4);
    assert_eq!(v["problem"]["reason"], "sales.total is 1.00 but the journal recorded 9.99");
}

#[test]
fn tampering_with_the_journal_itself_is_detected() {
    let reg = three_sales();
    tamper(&reg, "DROP TRIGGER journal_no_update; UPDATE journal SET amount = '0.00' WHERE seq = 2;");
    let v = verify_fails(&reg);
    assert_eq!(v["problem"]["record"], 2);
    assert_eq!(v["problem"]["reason"], "its contents do not match its hash (the record was altered)");

    let reg = three_sales();
    tamper(&reg, "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq = 2;");
    let v = verify_fails(&reg);
    assert_eq!(v["problem"]["record"], 3);
    assert!(v["problem"]["reason"].as_str().unwrap().contains("expected record 2 next"), "{v}");
}

#[test]
fn a_sale_slipped_in_without_a_journal_record_is_detected() {
    let reg = three_sales();
    tamper(
        &reg,
        "INSERT INTO sales SELECT 4, 'forged', register, store, at, business_date, currency, prices_include_tax, subtotal, \
         discount_total, tax_total, total, cash_rounding, change, coupons, kind, session_id, staff, catalog, config_version FROM sales WHERE seq = 1;",
    );
    let v = verify_fails(&reg);
    assert_eq!(v["problem"]["reason"], "sale forged (receipt sequence 4) has no journal record");
}

#[test]
fn data_dir_comes_from_the_environment_when_not_given() {
    let reg = TempRegister::demo();
    let out = std::process::Command::new(till_tests::till_bin())
        .args(["--json", "lookup", "TOTE-1"])
        .env("TILL_DATA_DIR", reg.data_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sku"], "TOTE-1");
}

#[test]
fn an_uninitialised_directory_says_how_to_create_a_register() {
    let reg = TempRegister::empty();
    let out = reg.till(&["lookup", "X"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("create one with `till init --config store.toml`"), "{}", stderr(&out));
    let twice = TempRegister::with_config("assets/demo/store.toml");
    let out = twice.till(&["init", "--config", repo().join("assets/demo/store.toml").to_str().unwrap()]);
    assert!(stderr(&out).contains("a register already exists"), "{}", stderr(&out));
}

#[test]
fn bad_config_names_file_and_line() {
    let reg = TempRegister::empty();
    let text = std::fs::read_to_string(repo().join("assets/demo/store.toml"))
        .unwrap()
        .replace("cash_rounding = \"0.05\"", "cash_rounding = \"five cents\"");
    let file = write(&reg, "store.toml", &text);
    let out = reg.till(&["init", "--config", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("store.toml:9: cash_rounding: 'five cents' is not an amount such as \"0.05\""),
        "{}",
        stderr(&out)
    );
    assert!(!reg.database().exists(), "nothing was created");
}

#[test]
fn park_and_resume_a_cart() {
    let mut reg = TempRegister::demo_with_staff();
    reg.staff = Some(till_tests::MANAGER.into());
    let parked = reg.json(&[
        "sale",
        "--scan",
        "TEE-S-BLK",
        "--scan",
        "TEE-M-BLK",
        "--discount",
        "2:5.00",
        "--park",
        "blue coat",
    ]);
    assert_eq!(parked["parked"], 1);
    let list = reg.json(&["parked"]);
    assert_eq!(list[0]["label"], "blue coat");
    let sale = reg.json(&["sale", "--resume", "1", "--scan", "TEE-L-BLK", "--tender", "card:34.90"]);
    assert_eq!(sale["lines"].as_array().unwrap().len(), 3);
    assert_eq!(sale["total"], "34.90", "59.85 − 19.95 (3 for 2) − 5.00 line discount");
    assert_eq!(reg.json(&["parked"]), serde_json::json!([]), "resumed carts are no longer parked");
    let out = reg.till(&["sale", "--resume", "1", "--tender", "cash:1"]);
    assert!(stderr(&out).contains("no parked cart 1"), "{}", stderr(&out));
}

#[test]
fn price_overrides_and_coupons_are_recorded() {
    let reg = TempRegister::demo_with_staff();
    let sale = reg.json(&[
        "--approve",
        till_tests::MANAGER,
        "sale",
        "--scan",
        "CUPS-SET",
        "--price",
        "1:20.00:chipped box",
        "--coupon",
        "Welcome10",
        "--tender",
        "cash:20",
    ]);
    assert_eq!(sale["lines"][0]["price_overridden"], true);
    assert_eq!(sale["lines"][0]["unit_price"], "20.00");
    assert_eq!(sale["total"], "18.00");
    assert_eq!(sale["coupons"], serde_json::json!(["WELCOME10"]));
    let text = stdout(&reg.till(&["receipt", "show", "1"]));
    assert!(text.contains("Price override from 24.00: chipped box"), "{text}");
    let out = reg.till(&["sale", "--scan", "CUPS-SET", "--coupon", "NOPE", "--tender", "cash:30"]);
    assert!(stderr(&out).contains("coupon 'NOPE' is not valid"), "{}", stderr(&out));
}

#[test]
fn archived_products_cannot_be_sold() {
    let reg = TempRegister::demo();
    let out = reg.till(&["sale", "--scan", "MUG-OLD", "--tender", "cash:10"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("MUG-OLD (Logo Mug (old design)) is not for sale: the product is draft or archived"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn search_finds_by_prefix_across_name_vendor_and_sku() {
    let reg = TempRegister::demo();
    let hits = reg.json(&["search", "org tee"]);
    let skus: Vec<&str> = hits.as_array().unwrap().iter().map(|h| h["sku"].as_str().unwrap()).collect();
    assert_eq!(skus.len(), 4, "{skus:?}");
    assert!(skus.iter().all(|s| s.starts_with("TEE-")));
    let hits = reg.json(&["search", "zeepziederij"]);
    assert_eq!(hits.as_array().unwrap().len(), 2, "vendor is searchable");
    assert_eq!(reg.json(&["search", "mug"]), serde_json::json!([]), "archived items are not offered");
    let hits = reg.json(&["search", "soap-l"]);
    assert_eq!(hits[0]["sku"], "SOAP-LAV", "a SKU prefix, in any case, finds the SKU first");
    assert_eq!(hits.as_array().unwrap().len(), 1, "the words 'soap' 'l…' find the same variant, listed once");
    let hits = reg.json(&["search", "tee-m"]);
    let skus: Vec<&str> = hits.as_array().unwrap().iter().map(|h| h["sku"].as_str().unwrap()).collect();
    assert_eq!(skus[..2], ["TEE-M-BLK", "TEE-M-WHT"], "SKU prefix matches come first, in SKU order");
}

#[cfg(target_os = "linux")]
#[test]
fn a_committed_sale_exits_zero_even_when_stdout_is_full() {
    let reg = TempRegister::demo();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let mut sale = reg.command(&["--json", "sale", "--scan", "NOTE-A5", "--tender", "cash:20"]);
    let status = sale.stdout(full).stderr(std::process::Stdio::null()).status().unwrap();
    assert!(status.success(), "the sale is committed, so the exit says so (a retry would sell twice)");
    assert_eq!(reg.json(&["report", "x"])["sales"], 1);
}

#[test]
fn a_failed_payment_keeps_the_resumed_cart_parked() {
    let reg = TempRegister::demo();
    reg.json(&["sale", "--scan", "NOTE-A5", "--scan", "TOTE-1", "--park", "coat"]);
    let out = reg.till(&["sale", "--resume", "1", "--tender", "cash:1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(reg.json(&["parked"]).as_array().unwrap().len(), 1, "still parked after the failed payment");
    let reparked = reg.json(&["sale", "--resume", "1", "--scan", "SOAP-LAV", "--park", "coat and soap"]);
    assert_eq!(reparked["parked"], 2);
    let parked = reg.json(&["parked"]);
    assert_eq!(parked.as_array().unwrap().len(), 1, "parking again replaces the cart it was resumed from");
    assert_eq!(parked[0]["label"], "coat and soap");
    let sale = reg.json(&["sale", "--resume", "2", "--tender", "cash:50"]);
    assert_eq!(sale["lines"].as_array().unwrap().len(), 3);
    assert_eq!(reg.json(&["parked"]), serde_json::json!([]));
}

#[test]
fn json_error_codes_name_the_kind_of_failure() {
    let reg = TempRegister::demo();
    let code = |args: &[&str]| {
        let mut all = vec!["--json", "sale", "--scan", "NOTE-A5"];
        all.extend_from_slice(args);
        let out = reg.till(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["error"]["code"].as_str().unwrap().to_string()
    };
    assert_eq!(code(&["--quantity", "1:1.5", "--tender", "cash:50"]), "cart");
    assert_eq!(code(&["--tender", "card:9.99:VISA:1111:4111.1111.1111.1111"]), "tender");
    assert_eq!(code(&["--tender", "cash:abc"]), "amount");
    assert_eq!(code(&["--void", "x", "--tender", "cash:50"]), "input");
    assert_eq!(code(&["--tender", "bitcoin:10"]), "input");
    assert_eq!(code(&["--price", "1:8712345000011:typo", "--tender", "cash:50"]), "amount");
    assert_eq!(code(&["--tender", "cash:5"]), "underpaid");
    assert_eq!(reg.json(&["report", "x"])["sales"], 0, "nothing was committed");
}

#[test]
fn an_adjustment_slipped_onto_a_sale_is_detected() {
    let reg = TempRegister::demo();
    reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20"]);
    tamper(
        &reg,
        "DROP TRIGGER sale_adjustments_no_update; \
         INSERT INTO sale_adjustments VALUES (1, 7, 0, 'line_discount', NULL, 'Discount', '5.00');",
    );
    let v = verify_fails(&reg);
    assert_eq!(v["problem"]["record"], 2, "record 1 opened the cash session");
    assert!(
        v["problem"]["reason"].as_str().unwrap().contains("an adjustment for line 7, which the sale does not have"),
        "{v}"
    );
}

#[test]
fn barcode_parse_reads_codes_and_refuses_bad_ones_with_the_reason() {
    let reg = TempRegister::demo();
    let v = reg.json(&["barcode", "parse", "]C10109506000134352172012253103000195\u{1d}10LOT7"]);
    assert_eq!(v["kind"], "gs1");
    assert_eq!(v["symbology"], "gs1_128");
    assert_eq!(v["expired"], true);
    assert_eq!(v["elements"][2]["decimal"], "0.195");
    assert_eq!(v["elements"][3]["value"], "LOT7");
    // The store is in NL: no variable-measure rules known there, so the country is asked for.
    let v = reg.json(&["barcode", "parse", "2302148210869"]);
    assert!(v["rcn"]["note"].as_str().unwrap().contains("NL"), "{v}");
    let v = reg.json(&["barcode", "parse", "2302148210869", "--rcn-region", "SE"]);
    assert_eq!(v["rcn"]["measure"]["value"], "1.086");
    assert_eq!(v["rcn"]["measure"]["unit"], "kg");
    let v = reg.json(&["barcode", "parse", "04252614"]);
    assert_eq!((v["format"].as_str(), v["upc_a"].as_str()), (Some("upc_e"), Some("042100005264")));
    for (code, reason) in [
        ("8712345000012", "check digit 2 is wrong (expected 1)"),
        ("(17)201345", "does not exist"),
        ("12345", "5 digits"),
    ] {
        let out = reg.till(&["--json", "barcode", "parse", code]);
        assert_eq!(out.status.code(), Some(1), "{code}");
        let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(err["error"]["message"].as_str().unwrap().contains(reason), "{code}: {err}");
        assert_eq!(err["error"]["code"], "input");
    }
}

#[test]
fn a_sale_scans_gs1_codes_and_weighed_labels_and_warns_on_expired_goods() {
    // A store whose country reads variable-measure labels (Sweden's rules: prefix 23 is a
    // weight in grams): the demo Gouda's label carries 0.412 kg.
    let config = std::fs::read_to_string(till_tests::repo().join("assets/demo/store.toml"))
        .unwrap()
        .replace("region = \"NL\"", "region = \"SE\"");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), config).unwrap();
    let reg = TempRegister::with_config(file.path().to_str().unwrap());
    for file in ["assets/demo/catalog.csv", "assets/demo/extras.jsonl"] {
        assert!(reg.till(&["catalog", "import", till_tests::repo().join(file).to_str().unwrap()]).status.success());
    }
    let body = "230000100412";
    let label = format!("{body}{}", till_barcode::gs1_check_digit(body).unwrap());
    // A GS1 DataMatrix of a tee whose use-by date has passed, and the cheese label.
    let out = reg.till(&[
        "--json",
        "sale",
        "--scan",
        "]d20108712345000011170101011012",
        "--scan",
        &label,
        "--tender",
        "cash:50",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("EXPIRED: use by 2001-01-01"), "{}", stderr(&out));
    let sale: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sale["lines"][0]["sku"], "TEE-S-BLK");
    assert_eq!(
        (sale["lines"][1]["sku"].as_str(), sale["lines"][1]["quantity"].as_str()),
        (Some("GOUDA-KG"), Some("0.412"))
    );
    // A misread label is refused with the reason, not as an unknown code.
    let out = reg.till(&["sale", "--scan", "8712345000012", "--tender", "cash:50"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("check digit 2 is wrong"), "{}", stderr(&out));
}

/// `init` makes the data directory its owner's alone and the database, WAL and SHM files
/// `0600`; a register an older Till left readable by others is tightened when next opened.
#[cfg(unix)]
#[test]
fn the_data_directory_is_0700_and_the_database_files_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let chmod = |p: &std::path::Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let mut reg = TempRegister::empty();
    chmod(reg.data_dir(), 0o755);
    let made = reg.json(&["init", "--config", repo().join("assets/demo/store.toml").to_str().unwrap()]);
    reg.store = made["store"].as_str().unwrap().to_string();
    let db = reg.database();
    let files = ["", "-wal", "-shm"].map(|s| std::path::PathBuf::from(format!("{}{s}", db.display())));
    let check = |reg: &TempRegister, write: &[&str]| {
        // A reader holds the WAL and SHM open while the register writes to them.
        let reader = rusqlite::Connection::open(&db).unwrap();
        reader.query_row("SELECT count(*) FROM sales", [], |r| r.get::<_, i64>(0)).unwrap();
        let out = reg.till(write);
        assert!(out.status.success(), "{write:?}: {}", stderr(&out));
        assert_eq!(mode(reg.data_dir()), 0o700, "the data directory");
        for file in &files {
            assert!(file.exists(), "{} exists while the register is open", file.display());
            assert_eq!(mode(file), 0o600, "{}", file.display());
        }
        drop(reader);
    };
    check(&reg, &["drawer", "open", "--float", "20x5"]);
    // As an older Till left them: readable by the group and others (the WAL and SHM,
    // made while the register is open, take the database file's mode).
    chmod(reg.data_dir(), 0o755);
    chmod(&db, 0o644);
    assert!(reg.till(&["parked"]).status.success());
    assert_eq!(mode(reg.data_dir()), 0o700, "tightened on open");
    assert_eq!(mode(&db), 0o600, "tightened on open");
    check(&reg, &["drawer", "paid-in", "1.00", "--reason", "coins"]);
}

/// `--staff CODE` without the PIN in it: from --staff-pin, TILL_PIN, or stdin.
#[test]
fn the_pin_comes_from_staff_pin_the_environment_or_stdin() {
    use std::io::Write;
    use std::process::Stdio;
    let mut reg = TempRegister::demo_with_staff();
    reg.staff = None;
    let run = |args: &[&str], pin_env: Option<&str>, input: Option<&str>| {
        let mut cmd = reg.command(args);
        cmd.env_remove("TILL_PIN");
        if let Some(pin) = pin_env {
            cmd.env("TILL_PIN", pin);
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Some(text) = input {
            stdin.write_all(text.as_bytes()).unwrap();
        }
        drop(stdin);
        child.wait_with_output().unwrap()
    };
    let x = ["--json", "report", "x", "--staff", "1"];
    for (how, out) in [
        ("--staff-pin", run(&[&x[..], &["--staff-pin", "1234"]].concat(), None, None)),
        ("TILL_PIN", run(&x, Some("1234"), None)),
        ("stdin", run(&x, None, Some("1234\n"))),
        ("CODE:PIN", run(&["--json", "report", "x", "--staff", "1:1234"], None, None)),
    ] {
        assert!(out.status.success(), "{how}: {}", stderr(&out));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["expected_withheld"],
            false,
            "{how}"
        );
    }
    let wrong = run(&x, None, Some("9999\n"));
    assert!(!wrong.status.success());
    assert!(stdout(&wrong).contains("\"sign_in\"") && stderr(&wrong).contains("wrong PIN"), "{}", stderr(&wrong));
    let none = run(&x, None, None);
    assert!(!none.status.success());
    assert!(stderr(&none).contains("no PIN for --staff 1"), "{}", stderr(&none));
    let twice = run(&["report", "x", "--staff", "1:1234", "--staff-pin", "1234"], None, None);
    assert!(!twice.status.success());
    assert!(stderr(&twice).contains("give the PIN once"), "{}", stderr(&twice));
}
