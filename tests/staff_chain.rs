//! Staff for the chain (#16 §2), through the real binaries: `till-hq staff …` on a real
//! database, registers syncing with a real HQ on loopback. Lockouts and unlocks travel
//! from one register through HQ to another; a person moved to another store stops
//! signing in here after the next round.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Output;

use till_tests::TempRegister;
use till_tests::hq::{HqProcess, database_url, hq_admin};

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn pin_file(dir: &Path, name: &str, pin: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{pin}\n")).unwrap();
    path.to_str().unwrap().to_string()
}

fn ok(out: Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}", text(&out));
    text(&out)
}

fn refused(out: Output, what: &str) -> String {
    assert!(!out.status.success(), "{what} was not refused: {}", text(&out));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn till_hq_staff_checks_its_input_and_never_shows_or_stores_a_pin() {
    let work = tempfile::tempdir().unwrap();
    let db = database_url(work.path(), "staffcli");
    let pin = pin_file(work.path(), "carla.pin", "24680");
    let hq = |args: &[&str]| hq_admin(&db, args);
    let add = |code: &str, role: &str, stores: &str, pin: &str| {
        hq(&[
            "staff",
            "add",
            "--code",
            code,
            "--name",
            "Carla Cashier",
            "--role",
            role,
            "--stores",
            stores,
            "--pin-file",
            pin,
        ])
    };
    let said = ok(add("2001", "cashier", "AMS-01,UTR-01", &pin), "add");
    assert!(said.contains("2001  Carla Cashier  cashier  stores AMS-01,UTR-01"), "{said}");
    assert!(!said.contains("24680"), "the PIN is never shown: {said}");

    // Bad input is refused, saying what and where.
    let e = refused(add("2001", "cashier", "all", &pin), "a taken code");
    assert!(e.contains("staff code 2001 is taken"), "{e}");
    let e = refused(add("2002", "janitor", "all", &pin), "an unknown role");
    assert!(e.contains("no role 'janitor' (roles: cashier, manager, supervisor)"), "{e}");
    let e = refused(add("2002", "cashier", "AMS-01, ", &pin), "an empty store code");
    assert!(e.contains("--stores 'AMS-01,': give `all` or store codes"), "{e}");
    let e = refused(add("20-02", "cashier", "all", &pin), "a bad code");
    assert!(e.contains("staff code '20-02' must be 1-16 letters or digits"), "{e}");
    let short = pin_file(work.path(), "short.pin", "12");
    let e = refused(add("2002", "cashier", "all", &short), "a short PIN");
    assert!(e.contains("a PIN is 4 to 8 digits"), "{e}");
    let e = refused(add("2002", "cashier", "all", "/nonexistent/pin"), "a missing PIN file");
    assert!(e.contains("--pin-file: cannot read /nonexistent/pin"), "{e}");
    let e = refused(hq(&["staff", "remove", "9999"]), "an unknown person");
    assert!(e.contains("no staff 9999 at HQ"), "{e}");
    let e = refused(hq(&["staff", "assign", "2001"]), "an assign of nothing");
    assert!(e.contains("give --role ROLE and/or --stores"), "{e}");
    let e = refused(hq(&["staff", "role", "cashier", "open_drawer=sometimes"]), "a bad permission");
    assert!(e.contains("unknown permission 'sometimes'"), "{e}");

    // Without --pin-file (and no terminal) the PIN is a line of stdin.
    let mut child = till_tests::hq::hq_command(&db)
        .args(["staff", "pin", "2001"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"97531\n").unwrap();
    let said = ok(child.wait_with_output().unwrap(), "pin from stdin");
    assert!(said.contains("staff 2001 has a new PIN") && !said.contains("97531"), "{said}");

    ok(hq(&["staff", "assign", "2001", "--role", "supervisor", "--stores", "all"]), "assign");
    ok(hq(&["staff", "role", "cashier", "open_drawer=allowed"]), "role");
    let list: serde_json::Value = serde_json::from_slice(&hq(&["--json", "staff", "list"]).stdout).unwrap();
    let carla = &list["staff"][0];
    assert_eq!((carla["role"].as_str(), carla["stores"].as_str()), (Some("supervisor"), Some("all")), "{list}");
    let cashier = list["roles"].as_array().unwrap().iter().find(|r| r["name"] == "cashier").unwrap();
    assert_eq!(cashier["permissions"]["open_drawer"], "allowed");

    // The database holds a peppered Argon2id hash, never the PIN; the pepper is a private
    // file beside a SQLite database.
    if let Some(path) = db.strip_prefix("sqlite:") {
        let conn = rusqlite::Connection::open(path).unwrap();
        let hash: String = conn.query_row("SELECT pin_hash FROM staff WHERE code = '2001'", [], |r| r.get(0)).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=65536,t=3,p=4,keyid="), "{hash}");
        let dump: Vec<u8> = std::fs::read(path).unwrap();
        let has = |needle: &[u8]| dump.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"97531") && !has(b"24680"), "a PIN in the database file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(format!("{path}.pin-pepper")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

#[test]
fn a_lockout_at_one_register_reaches_the_other_through_hq_and_an_unlock_comes_back() {
    let work = tempfile::tempdir().unwrap();
    let db = database_url(work.path(), "staffchain");
    let hq = HqProcess::start(&db);
    // Two registers of one store, each with its own manager (1) and cashier (2); their
    // clock is pinned near HQ's and stepped (the wait after wrong PINs is then the same on
    // every run, and what happened first is first).
    let start = jiff::Timestamp::now();
    let at = |seconds: i64| (start + jiff::SignedDuration::from_secs(seconds)).to_string();
    let now = at(0);
    let mut r1 = TempRegister::demo_with_staff();
    let mut r2 = TempRegister::demo_with_staff_edit(|c| c.replace("register = \"R1\"", "register = \"R2\""));
    for (reg, name) in [(&mut r1, "R1"), (&mut r2, "R2")] {
        reg.now = Some(now.clone());
        reg.enroll(&hq.url, &hq.token("AMS-01", name));
    }
    let carla = pin_file(work.path(), "carla.pin", "2468");
    let boss = pin_file(work.path(), "boss.pin", "1357");
    let add = |args: &[&str]| ok(hq.admin(args), "staff add");
    add(&[
        "staff",
        "add",
        "--code",
        "2001",
        "--name",
        "Carla",
        "--role",
        "cashier",
        "--stores",
        "AMS-01",
        "--pin-file",
        &carla,
    ]);
    add(&[
        "staff",
        "add",
        "--code",
        "9",
        "--name",
        "Bea Boss",
        "--role",
        "manager",
        "--stores",
        "all",
        "--pin-file",
        &boss,
    ]);
    assert!(r1.sync() && r2.sync());
    let sign_in = |reg: &TempRegister, who: &str| reg.till(&["report", "x", "--staff", who]);
    ok(sign_in(&r2, "2001:2468"), "Carla at R2");

    // Five wrong PINs at R1: R1 makes her wait.
    r1.now = Some(at(10));
    for _ in 0..5 {
        refused(sign_in(&r1, "2001:0000"), "a wrong PIN");
    }
    assert!(refused(sign_in(&r1, "2001:2468"), "the right PIN").contains("try again after"));
    // HQ hears of it at R1's next round, R2 at its own.
    assert!(r1.sync());
    let list = hq.admin_json(&["staff", "list"]);
    let at_hq = list["staff"].as_array().unwrap().iter().find(|s| s["code"] == "2001").unwrap().clone();
    assert_eq!((at_hq["failed_pins"].as_u64(), at_hq["locked"].as_bool()), (Some(5), Some(true)), "{list}");
    r2.now = Some(at(20));
    assert!(r2.sync());
    assert!(refused(sign_in(&r2, "2001:2468"), "the right PIN at R2").contains("try again after"));
    let staff = r2.json(&["staff", "list"]);
    let listed = staff["staff"].as_array().unwrap().iter().find(|s| s["code"] == "2001").unwrap().clone();
    assert_eq!((listed["locked"].as_bool(), listed["source"].as_str()), (Some(true), Some("hq")), "{staff}");

    // HQ's manager unlocks her at R2 (unlocking is the register's to do, even for HQ's
    // staff); HQ and then R1 hear of it.
    r2.now = Some(at(30));
    ok(r2.till(&["staff", "unlock", "2001", "--staff", "9:1357"]), "unlock at R2");
    ok(sign_in(&r2, "2001:2468"), "Carla at R2 after the unlock");
    assert!(r2.sync());
    r1.now = Some(at(31));
    assert!(refused(sign_in(&r1, "2001:2468"), "Carla at R1 before its round").contains("try again after"));
    assert!(r1.sync());
    ok(sign_in(&r1, "2001:2468"), "Carla at R1 after the unlock reached it");
    let list = hq.admin_json(&["staff", "list"]);
    let at_hq = list["staff"].as_array().unwrap().iter().find(|s| s["code"] == "2001").unwrap().clone();
    assert_eq!(at_hq["failed_pins"].as_u64(), Some(0), "{list}");

    // Editing HQ's people or roles here is refused, naming HQ; local staff stay editable.
    let e = refused(r1.till(&["staff", "assign", "2001", "--role", "manager", "--staff", "9:1357"]), "assign");
    assert!(e.contains("staff 2001 is managed by HQ") && e.contains(&hq.url), "{e}");
    let e = refused(r1.till(&["staff", "role", "cashier", "open_drawer=allowed", "--staff", "9:1357"]), "role");
    assert!(e.contains("role cashier is managed by HQ"), "{e}");
    ok(r1.till(&["staff", "pin", "2", "--pin", "5678", "--staff", "1:1234"]), "a local PIN change");

    // Moved to another store at HQ: R1 refuses her after its next round.
    ok(hq.admin(&["staff", "assign", "2001", "--stores", "UTR-01"]), "assign");
    ok(sign_in(&r1, "2001:2468"), "Carla before R1's round");
    ok(r1.till(&["sync"]), "R1's round");
    let e = refused(sign_in(&r1, "2001:2468"), "Carla after R1's round");
    assert!(e.contains("staff 2001 has left"), "{e}");
}

#[test]
fn a_session_of_someone_removed_meanwhile_ends_at_their_next_sensitive_action() {
    let till = TempRegister::demo_with_staff();
    let mut reg = till.open();
    let (_, mut auth) = reg.sign_in_authority("2", "5678").unwrap();
    reg.authorize(&mut auth, till_domain::Action::VoidLine, "a line".into()).unwrap();
    // Meanwhile (another process: the CLI here, a sync round taking HQ's roster in the
    // app) the cashier is removed.
    ok(till.till(&["staff", "remove", "2", "--staff", "1:1234"]), "remove");
    let e = reg.authorize(&mut auth, till_domain::Action::VoidLine, "a line".into()).unwrap_err();
    assert_eq!(e.code(), "sign_in");
    assert!(e.to_string().contains("staff 2 has left (removed)"), "{e}");
}

#[test]
fn hq_takes_roster_rounds_only_from_a_register_and_bounds_hostile_events() {
    use serde_json::Value;
    use till_tests::chain::Chain;
    use till_tests::pickup::{Wan, register};
    use till_tests::proxy::http;
    let chain = Chain::start("roster_hostile");
    let wan = Wan::up(&chain);
    let r1 = register(&chain, &wan, "AMS-01", "R1");
    let url = chain.hq.url.clone();
    let json = ("content-type", "application/json");
    let post = |headers: &[(&str, &str)], body: &[u8]| -> (u16, Value) {
        let (status, answer) = http(&url, "POST", "/v1/staff/roster", headers, body);
        (status, serde_json::from_slice(&answer).unwrap_or(Value::Null))
    };
    assert_eq!(post(&[json], br#"{"held":""}"#).0, 401, "no credential");
    let bearer = format!("Bearer {}", r1.setting("sync.credential").unwrap());
    let auth = ("authorization", bearer.as_str());
    assert_eq!(post(&[json, auth], br#"{"held":""}"#).0, 200);
    let event = |id: &str, code: &str, kind: &str, at: &str| {
        format!(r#"{{"held":"","events":[{{"id":"{id}","code":"{code}","kind":"{kind}","at":"{at}"}}]}}"#)
    };
    let at = "2026-12-01T10:00:00Z";
    let long = "x".repeat(10_000);
    let many = format!(
        r#"{{"held":"","events":[{}]}}"#,
        vec![r#"{"id":"a","code":"1","kind":"unlock","at":"2026-12-01T10:00:00Z"}"#; 10_001].join(",")
    );
    for (body, wanted) in [
        (event(&long, "1", "unlock", at), 400),
        (event("e1", &long, "unlock", at), 400),
        (event("e1", "1", "reboot", at), 400),
        (event("e1", "1", "unlock", "yesterday"), 400),
        (many, 413),
        ("not json".to_string(), 400),
    ] {
        let (status, answer) = post(&[json, auth], body.as_bytes());
        assert_eq!(status, wanted, "{answer:#}");
        assert!(answer["message"].as_str().unwrap_or_default().len() < 300, "bounded: {answer:#}");
    }
}
