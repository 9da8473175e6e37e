//! Store configurations (issue #16 §1): HQ's versions through the real `till-hq` CLI on a
//! real database — validated with the register's own rules, numbered, in effect in the
//! order they are made — and a register's local edits through the real `till` CLI: the
//! `configure_store` permission, the audit record, the version each sale names.
#![allow(clippy::unwrap_used, missing_docs)]

use till_tests::TempRegister;
use till_tests::hq::{HqProcess, database_url};

fn demo_toml() -> std::path::PathBuf {
    till_tests::repo().join("assets/demo/store.toml")
}

fn fails(out: std::process::Output) -> String {
    assert!(!out.status.success(), "succeeded: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn hq_keeps_validated_numbered_versions_that_take_effect_in_the_order_they_are_made() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "settings"));
    let demo = demo_toml();
    let demo = demo.to_str().unwrap();

    // Nothing to edit before a store has a configuration at HQ.
    let err = fails(hq.admin(&["config", "set", "--store", "AMS-01", "receipt.width=48", "--by", "alice"]));
    assert!(err.contains("store AMS-01 has no configuration at HQ yet: till-hq config import"), "{err}");
    // A file for another store is refused, naming the file and the field.
    let err = fails(hq.admin(&["config", "import", "--store", "UTR-01", demo, "--by", "alice"]));
    assert!(err.contains("store.toml: store: 'AMS-01' is not store UTR-01"), "{err}");
    // A file the register would refuse is refused with the register's words: file, line, field.
    let bad = work.path().join("bad.toml");
    std::fs::write(&bad, std::fs::read_to_string(demo_toml()).unwrap().replace("reduced = \"9\"", "reduced = \"9%\""))
        .unwrap();
    let err = fails(hq.admin(&["config", "import", "--store", "AMS-01", bad.to_str().unwrap(), "--by", "alice"]));
    assert!(err.contains("bad.toml:25: tax_classes.reduced: '9%' is not a rate in percent"), "{err}");

    let v1 = hq.admin_json(&["config", "import", "--store", "AMS-01", demo, "--by", "alice", "--reason", "opening"]);
    assert_eq!((v1["version"].as_u64(), v1["made_by"].as_str()), (Some(1), Some("alice")));
    let shown = hq.admin_json(&["config", "show", "--store", "AMS-01"]);
    let text = shown["text"].as_str().unwrap();
    assert!(!text.contains("register =") && text.contains("store = \"AMS-01\""), "the store's keys only:\n{text}");

    // Device keys are a register's; store keys are the store's; ids are nobody's.
    let err =
        fails(hq.admin(&["config", "set", "--store", "AMS-01", "printer.url=tcp://10.0.0.5:9100", "--by", "bob"]));
    assert!(err.contains("printer.url: a register's device setting: give --register REGISTER"), "{err}");
    let err =
        fails(hq.admin(&["config", "set", "--store", "AMS-01", "--register", "R1", "receipt.width=48", "--by", "bob"]));
    assert!(
        err.contains("receipt.width: the store's setting, the same at every register: drop --register R1"),
        "{err}"
    );
    let err = fails(hq.admin(&["config", "set", "--store", "AMS-01", "store=UTR-01", "--by", "bob"]));
    assert!(err.contains("store: the store and register ids are the register's identity"), "{err}");
    // A bad device is refused as the register would refuse it.
    let err = fails(hq.admin(&[
        "config",
        "set",
        "--store",
        "AMS-01",
        "--register",
        "R1",
        "printer.url=lpt://1",
        "--by",
        "bob",
    ]));
    assert!(err.contains("(register R1)") && err.contains("printer.url"), "{err}");
    let v2 = hq.admin_json(&[
        "config",
        "set",
        "--store",
        "AMS-01",
        "--register",
        "R1",
        "printer.url=tcp://10.0.0.5:9100",
        "--by",
        "bob",
    ]);
    assert_eq!(v2["version"], 2);
    let r1 = hq.admin_json(&["config", "show", "--store", "AMS-01", "--register", "R1"]);
    let r1 = r1["text"].as_str().unwrap();
    assert!(r1.contains("register = \"R1\"") && r1.contains("[printer]\nurl = \"tcp://10.0.0.5:9100\""), "{r1}");
    let r2 = hq.admin_json(&["config", "show", "--store", "AMS-01", "--register", "R2"]);
    assert!(!r2["text"].as_str().unwrap().contains("10.0.0.5"), "R2 has no printer");

    // A VAT change tomorrow: in force from then; a version may not take effect before it.
    let tomorrow = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string();
    let v3 = hq.admin_json(&[
        "config",
        "set",
        "--store",
        "AMS-01",
        "tax_classes.standard=9",
        "--effective",
        &tomorrow,
        "--by",
        "carol",
        "--reason",
        "VAT cut",
    ]);
    assert_eq!(v3["version"], 3);
    let err = fails(hq.admin(&["config", "set", "--store", "AMS-01", "receipt.width=48", "--by", "carol"]));
    assert!(
        err.contains("version 3 of AMS-01 takes effect at") && err.contains("cannot take effect before it"),
        "{err}"
    );
    assert_eq!(hq.admin_json(&["config", "show", "--store", "AMS-01"])["version"], 2, "in force now");
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48)).to_string();
    let then = hq.admin_json(&["config", "show", "--store", "AMS-01", "--at", &later]);
    assert_eq!(then["version"], 3);
    assert!(then["text"].as_str().unwrap().contains("standard = \"9\""), "the rate stays text: {then}");

    let history = hq.admin_json(&["config", "history", "--store", "AMS-01"]);
    let versions: Vec<(u64, &str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_u64().unwrap(), v["made_by"].as_str().unwrap(), v["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(versions, vec![(3, "carol", "VAT cut"), (2, "bob", ""), (1, "alice", "opening")]);
}

#[test]
fn a_register_not_enrolled_edits_its_configuration_with_configure_store_and_each_sale_names_the_version() {
    let reg = TempRegister::demo_with_staff();
    let shown = reg.json(&["config", "show"]);
    assert_eq!((shown["version"].as_str(), shown["source"].as_str()), (Some("local-1"), Some("local")));
    let before = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20", "--staff", "1:1234"]);
    assert_eq!(before["config_version"], "local-1", "{before}");

    // A cashier (the default here): refused, nothing kept.
    let err = fails(reg.till(&["config", "set", "tax_classes.standard=9"]));
    assert!(err.contains("configure_store"), "{err}");
    // A bad value: the key, or the file's line and field when the whole does not validate.
    let err = fails(reg.till(&["config", "set", "receipt.header=Harbour", "--staff", "1:1234"]));
    assert!(err.contains("receipt.header: 'Harbour' is not a list"), "{err}");
    let err = fails(reg.till(&["config", "set", "default_tax_class=food", "--staff", "1:1234"]));
    assert!(err.contains("till config set:14: default_tax_class: 'food' is not one of the tax classes"), "{err}");
    assert_eq!(reg.setting("config.version").as_deref(), Some("local-1"));

    let set = reg.json(&["config", "set", "tax_classes.standard=9", "--reason", "VAT cut", "--staff", "1:1234"]);
    assert_eq!((set["version"].as_str(), set["made_by"].as_str()), (Some("local-2"), Some("1")));
    assert!(
        set["values"].as_array().unwrap().iter().any(|v| v["key"] == "tax_classes.standard" && v["value"] == "\"9\"")
    );
    let conn = rusqlite::Connection::open(reg.database()).unwrap();
    let detail: String = conn
        .query_row(
            "SELECT json_extract(payload, '$.detail') FROM journal WHERE kind = 'audit' AND ref = 'configure_store'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(detail, "configuration local-2: tax_classes.standard=9 (VAT cut)");

    let after = reg.json(&["sale", "--scan", "TOTE-1", "--tender", "cash:20", "--staff", "1:1234"]);
    assert_eq!(after["config_version"], "local-2", "{after}");
    assert_ne!(after["tax_total"], before["tax_total"], "9% now, not 21%");
    let payload: String = conn
        .query_row("SELECT payload FROM journal WHERE kind = 'sale' ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert!(payload.contains(r#""config_version":"local-2""#), "the journal names it: {payload}");
    let verify = reg.till(&["journal", "verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
