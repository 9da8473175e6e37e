//! No card number anywhere (#14 §6): a scripted day through the real `till` binary in
//! which a card number is typed into every free-text field the register journals or syncs
//! — each refused by the field's name, without the number in the answer, nothing stored —
//! then the register's database, WAL and SHM, every command's output and log, and every
//! request that went to a real HQ (through a recording proxy) and HQ's own database are
//! scanned for PAN-shaped numbers (13–19 digits passing the Luhn check): zero.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use till_tests::hq::{HqProcess, database_url};
use till_tests::proxy::{Chaos, Proxy};
use till_tests::{MANAGER, TempRegister, stderr, stdout};

/// Test card numbers as a cashier might type them (Visa, Mastercard, Amex, Discover).
const PANS: [&str; 4] = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "6011.0009.9013.9424"];

/// The Luhn (mod 10) check, written here again so the test does not trust the code under test.
fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A GTIN-13 or GTIN-14 with its GS1 check digit right: a product's barcode (the catalog
/// holds thousands), not a card number.
fn gtin(digits: &[u8]) -> bool {
    let Some((&check, body)) = digits.split_last() else { return false };
    let sum: u32 =
        body.iter().rev().enumerate().map(|(i, &d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    matches!(digits.len(), 13 | 14) && (10 - sum % 10) % 10 == u32::from(check - b'0')
}

/// Every PAN-shaped number in `bytes`: 13–19 digits, written together or in groups split
/// by single spaces, dashes or dots (as a card is typed), standing alone (no letter or
/// digit either side: a hash's or an id's hex is not a number), passing Luhn, and not a
/// product's barcode ([`gtin`]).
fn pan_shaped(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut digits = Vec::new();
        let mut j = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits.push(bytes[j]);
                j += 1;
            } else if matches!(bytes[j], b' ' | b'-' | b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit) {
                j += 1;
            } else {
                break;
            }
        }
        let alone = (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.get(j).is_none_or(|b| !b.is_ascii_alphanumeric());
        if alone && (13..=19).contains(&digits.len()) && luhn(&digits) && !gtin(&digits) {
            found.push(String::from_utf8_lossy(&digits).into_owned());
        }
        i = j;
    }
    found
}

/// The test's own card numbers (digits only) found in `bytes`.
fn our_pans(bytes: &[u8]) -> Vec<String> {
    let digits: Vec<u8> = bytes.iter().copied().filter(u8::is_ascii_digit).collect();
    let text = String::from_utf8_lossy(&digits);
    let plain = String::from_utf8_lossy(bytes);
    PANS.iter()
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|p| text.contains(p.as_str()) || plain.contains(p.as_str()))
        .collect()
}

/// Every file directly in `dir` (a database with its WAL and SHM).
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Runs a command that must be refused for card number in `field`; keeps its output.
fn refused(reg: &TempRegister, args: &[&str], field: &str, outputs: &mut Vec<u8>) {
    let out = reg.till(&[&["--json"], args].concat());
    outputs.extend_from_slice(&out.stdout);
    outputs.extend_from_slice(&out.stderr);
    assert!(!out.status.success(), "{args:?} was accepted: {}", stdout(&out));
    let answer: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(answer["error"]["code"], "card_number", "{args:?}: {answer}");
    assert_eq!(answer["error"]["details"]["kind"], "card_number", "{args:?}: {answer}");
    assert_eq!(answer["error"]["details"]["field"], field, "{args:?}: {answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains(field), "{args:?}: {answer}");
    assert!(our_pans(&out.stdout).is_empty() && our_pans(&out.stderr).is_empty(), "{args:?} echoed the number");
}

#[test]
fn a_card_number_typed_into_any_free_text_is_refused_and_found_nowhere() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "pans"));
    let proxy = Proxy::start(&hq.url, Chaos::default(), 3);
    let mut reg = TempRegister::demo_with_staff();
    reg.log = Some("debug".to_string());
    // A connection held open all day keeps the WAL and SHM (the last one to close would
    // checkpoint and delete them), so they are scanned as the day left them.
    let keep_wal = rusqlite::Connection::open(reg.database()).unwrap();
    keep_wal.query_row("SELECT count(*) FROM journal", [], |r| r.get::<_, i64>(0)).unwrap();
    let mut outputs: Vec<u8> = Vec::new();
    let mut ok = |reg: &TempRegister, args: &[&str]| {
        let out = reg.till(args);
        outputs.extend_from_slice(&out.stdout);
        outputs.extend_from_slice(&out.stderr);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };

    // An ordinary day: a float, a card sale with its terminal's details, a cash sale with a
    // price override, paid in and out, a drop, a parked cart, a return with a manager's
    // override note.
    ok(&reg, &["drawer", "open", "--float", "20x5"]);
    ok(&reg, &["sale", "--scan", "HOOD-M", "--tender", "card:49.95:VISA:1111:T-2026-000981"]);
    ok(
        &reg,
        &["sale", "--scan", "TOTE-1", "--price", "1:10.00:scuffed corner", "--tender", "cash:20", "--approve", MANAGER],
    );
    ok(&reg, &["drawer", "paid-in", "5.00", "--reason", "change from the bank"]);
    ok(&reg, &["drawer", "paid-out", "3.00", "--reason", "window cleaner", "--approve", MANAGER]);
    ok(&reg, &["drawer", "drop", "20.00", "--reason", "safe drop 1"]);
    ok(&reg, &["sale", "--scan", "NOTE-A5", "--park", "lady in the red coat"]);
    let sale = ok(&reg, &["--json", "sale", "--scan", "NOTE-A5", "--tender", "cash:10"]);
    let receipt =
        serde_json::from_str::<serde_json::Value>(sale.trim()).unwrap()["receipt"].as_str().unwrap().to_string();
    ok(&reg, &["return", "--receipt", &receipt, "--line", "1", "--reason", "defective"]);

    // The same fields with a card number in them: each refused, by name.
    for pan in PANS {
        let note = format!("card {pan} given by mistake");
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (vec!["drawer", "paid-in", "1.00", "--reason", &note], "cash movement reason"),
            (vec!["drawer", "paid-out", "1.00", "--reason", &note, "--approve", MANAGER], "cash movement reason"),
            (vec!["drawer", "drop", "1.00", "--reason", &note], "cash movement reason"),
            (vec!["drawer", "no-sale", "--reason", &note, "--approve", MANAGER], "cash movement reason"),
            (vec!["sale", "--scan", "TOTE-1", "--park", &note], "park label"),
            (vec!["return", "--receipt", &receipt, "--line", "1", "--reason", &note], "return reason"),
            (
                vec!["return", "--receipt", &receipt, "--line", "1", "--override", &note, "--approve", MANAGER],
                "return override note",
            ),
            (vec!["pickup", "stage", "W-1001", "--bin", &note], "staging bin"),
            (vec!["pickup", "checkin", "W-1001", "--spot", &note], "check-in spot"),
            (
                vec![
                    "pickup",
                    "pick",
                    "W-1001",
                    "--line",
                    "1",
                    "--qty",
                    "1",
                    "--substitute",
                    "TOTE-1",
                    "--price",
                    "1",
                    "--consent",
                    &note,
                ],
                "substitution consent",
            ),
            (vec!["pickup", "handover", "not-a-token", "--id-check", &note], "ID-check note"),
        ];
        for (args, field) in cases {
            refused(&reg, &args, field, &mut outputs);
        }
        let price = format!("1:10.00:{note}");
        let args = ["sale", "--scan", "TOTE-1", "--price", &price, "--tender", "cash:20", "--approve", MANAGER];
        refused(&reg, &args, "price override reason", &mut outputs);
    }

    // Everything reaches HQ through the recording proxy.
    reg.staff = Some(MANAGER.to_string());
    reg.enroll(&proxy.url, &hq.token("AMS-01", "R1"));
    assert!(reg.sync(), "the day synced");
    let x = reg.json(&["report", "x"]);
    assert_eq!(x["sales"], 4, "three sales and a return: {x}");

    // Scan: the register's files, everything the commands printed or logged, every request
    // HQ received, and HQ's database.
    let mut scanned: Vec<(String, Vec<u8>)> = files_in(reg.data_dir());
    assert!(scanned.iter().any(|(name, _)| name.ends_with("register.sqlite-wal")), "the WAL is scanned too");
    scanned.push(("the commands' output and logs".into(), outputs));
    let requests = proxy.captured();
    assert!(!requests.is_empty());
    scanned.extend(requests.into_iter().enumerate().map(|(i, r)| (format!("request {i} to HQ"), r)));
    scanned.extend(files_in(work.path()));
    for (name, bytes) in &scanned {
        assert_eq!(our_pans(bytes), Vec::<String>::new(), "{name} holds a typed card number");
        assert_eq!(pan_shaped(bytes), Vec::<String>::new(), "{name} holds PAN-shaped numbers");
    }
    drop(keep_wal);
}

#[test]
fn the_scanner_finds_what_it_must() {
    assert_eq!(pan_shaped(b"x 4111 1111 1111 1111 y"), ["4111111111111111"]);
    assert_eq!(pan_shaped(b"\"5555-5555-5555-4444\""), ["5555555555554444"]);
    assert_eq!(pan_shaped(b"378282246310005"), ["378282246310005"]);
    assert!(pan_shaped(b"1234 5678 9012 3456").is_empty(), "fails Luhn");
    assert!(pan_shaped(b"12.50, 13.20").is_empty());
    assert!(pan_shaped(b"a4111111111111111").is_empty(), "part of a hex string");
    assert!(gtin(b"4006381333931") && gtin(b"8710398527745"));
    assert!(!gtin(b"4111111111111111") && !gtin(b"378282246310005"));
    assert_eq!(our_pans(b"6011000990139424"), ["6011000990139424"]);
}
