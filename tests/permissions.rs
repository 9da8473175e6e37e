//! Every sensitive action is refused without the right, refused with an approver who lacks
//! it, and — when allowed — writes exactly one audit record naming who did it and who
//! approved it, in the same transaction as the action.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use jiff::SignedDuration;
use rust_decimal_macros::dec;
use till_domain::{Action, Cart, Discount, Disposition, Money, Permission, PermissionError};
use till_register::{
    Authority, Count, DrawerMove, Enrollment, FixedClock, HqTrust, NewStaff, RefundMethod, Register, RegisterError,
    ReturnPick, ReturnRequest, SeededIds, Settle, StaffChange,
};
use till_tests::cash;

struct Shop {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    clock: Arc<FixedClock>,
    reg: Register,
    /// A real HQ, started the first time an enrollment needs one.
    hq: Option<till_tests::hq::HqProcess>,
}

/// The demo register with four staff: `none` (every action denied), `ask` and `ask2`
/// (every action needs approval), `boss` (every action allowed).
fn shop() -> Shop {
    let clock = Arc::new(FixedClock::new("2026-11-27T10:00:00Z".parse().unwrap()));
    let (dir, mut reg) = till_tests::demo_register(|c| c, clock.clone(), Box::new(SeededIds::new(7)));
    let first = NewStaff { code: "99", name: "Owner", role: "manager", pin: "9999" };
    reg.add_staff(&mut Authority::setup(), &first).unwrap();
    let mut owner = reg.authority(Some("99:9999"), &[]).unwrap();
    for (role, permission) in
        [("none", Permission::Denied), ("ask", Permission::ApprovalRequired), ("boss", Permission::Allowed)]
    {
        let all: Vec<(Action, Permission)> = Action::ALL.iter().map(|&a| (a, permission)).collect();
        reg.set_role(&mut owner, role, &all).unwrap();
    }
    for (code, role) in [("10", "none"), ("20", "ask"), ("21", "ask"), ("30", "boss")] {
        reg.add_staff(&mut owner, &NewStaff { code, name: role, role, pin: "1111" }).unwrap();
    }
    Shop { db: dir.path().join("register.sqlite"), _dir: dir, clock, reg, hq: None }
}

fn audits(shop: &Shop, action: Action) -> Vec<(Option<String>, Option<String>)> {
    let conn = rusqlite::Connection::open(&shop.db).unwrap();
    let mut stmt = conn
        .prepare("SELECT json_extract(payload, '$.staff'), json_extract(payload, '$.approver') FROM journal WHERE kind = 'audit' AND ref = ?1")
        .unwrap();
    stmt.query_map([action.as_str()], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

/// Performs `action` once, as whoever `auth` says. Builds whatever state the action needs.
fn perform(shop: &mut Shop, action: Action, auth: &mut Authority) -> Result<(), RegisterError> {
    let reg = &mut shop.reg;
    // A sale to return from or reprint, made by the owner.
    let sell = |reg: &mut Register, code: &str| {
        let mut owner = reg.authority(Some("99:9999"), &[]).unwrap();
        let mut cart = Cart::new();
        reg.scan(&mut cart, code, None).unwrap();
        reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(100))]), &mut owner).unwrap()
    };
    let open_drawer = |reg: &mut Register| {
        if reg.current_session().unwrap().is_none() {
            let owner = reg.authority(Some("99:9999"), &[]).unwrap();
            reg.open_drawer_session(&owner, &Default::default()).unwrap();
        }
    };
    match action {
        Action::VoidLine => {
            let mut cart = Cart::new();
            let line = reg.scan(&mut cart, "TOTE-1", None)?;
            reg.scan(&mut cart, "NOTE-A5", None)?;
            cart.void_line(line)?;
            reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), auth).map(drop)
        }
        Action::VoidSale => {
            let mut cart = Cart::new();
            reg.scan(&mut cart, "TOTE-1", None)?;
            reg.void_cart(&cart, auth)
        }
        Action::DiscountAboveThreshold => {
            let mut cart = Cart::new();
            let line = reg.scan(&mut cart, "TOTE-1", None)?;
            cart.discount_line(line, Discount::Percent(dec!(25)))?;
            reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), auth).map(drop)
        }
        Action::PriceOverride => {
            let mut cart = Cart::new();
            let line = reg.scan(&mut cart, "TOTE-1", None)?;
            cart.override_price(line, Money::new(dec!(10)), "scuffed")?;
            reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), auth).map(drop)
        }
        Action::ReturnWithoutReceipt => {
            let mut cart = Cart::new();
            let request = ReturnRequest {
                receipt: None,
                picks: vec![ReturnPick::Item("NOTE-A5".into(), dec!(1))],
                reason: "changed_mind".into(),
                disposition: Disposition::Restock,
                override_note: None,
            };
            reg.add_return(&mut cart, &request)?;
            reg.complete_sale(&cart, Settle::Refund(RefundMethod::StoreCredit), auth).map(drop)
        }
        Action::RefundAboveAmount => {
            let sale = sell(reg, "HOOD-M");
            let mut cart = Cart::new();
            // Two hoodies make a refund above the 100.00 threshold; return both lines.
            let second = sell(reg, "HOOD-L");
            let _ = second;
            let request = |receipt: String| ReturnRequest {
                receipt: Some(receipt),
                picks: vec![ReturnPick::Line(1, None)],
                reason: "changed_mind".into(),
                disposition: Disposition::Restock,
                override_note: None,
            };
            reg.add_return(&mut cart, &request(sale.receipt.to_string()))?;
            let mut big = Cart::new();
            let mut owner = reg.authority(Some("99:9999"), &[]).unwrap();
            let mut bundle = Cart::new();
            reg.scan(&mut bundle, "HOOD-M", Some(dec!(3)))?;
            let three = reg.complete_sale(&bundle, Settle::Tenders(&[cash(dec!(200))]), &mut owner).unwrap();
            reg.add_return(&mut big, &request(three.receipt.to_string()))?;
            reg.complete_sale(&big, Settle::Refund(RefundMethod::Original), auth).map(drop)
        }
        Action::ReturnOverride => {
            let sale = sell(reg, "NOTE-A5");
            shop.clock.advance(SignedDuration::from_hours(24 * 40));
            let mut cart = Cart::new();
            let request = ReturnRequest {
                receipt: Some(sale.receipt.to_string()),
                picks: vec![ReturnPick::Line(1, None)],
                reason: "defective".into(),
                disposition: Disposition::Damaged,
                override_note: Some("loyal customer, faulty binding".into()),
            };
            let result = reg
                .add_return(&mut cart, &request)
                .and_then(|()| reg.complete_sale(&cart, Settle::Refund(RefundMethod::Original), auth).map(drop));
            shop.clock.advance(SignedDuration::from_hours(-24 * 40));
            result
        }
        Action::OpenDrawer => {
            open_drawer(reg);
            reg.move_cash(auth, DrawerMove::NoSale, Money::ZERO, "change for the bakery").map(drop)
        }
        Action::PaidOut => {
            open_drawer(reg);
            reg.move_cash(auth, DrawerMove::PaidOut, Money::new(dec!(5)), "window cleaner").map(drop)
        }
        Action::Reprint => {
            let sale = sell(reg, "TOTE-1");
            reg.reprint(&sale.receipt.to_string(), auth).map(drop)
        }
        Action::CloseWithDifference => {
            open_drawer(reg);
            let count = Count { cash: Default::default(), others: vec![("card".into(), Money::new(dec!(1000)))] };
            reg.close_drawer_session(auth, Some(&count)).map(drop)
        }
        Action::ManageStaff => reg.change_staff(auth, "10", StaffChange::Unlock),
        Action::ConfigureSync => {
            let hq = shop.hq.get_or_insert_with(|| {
                till_tests::hq::HqProcess::start(&till_tests::hq::database_url(shop._dir.path(), "permissions"))
            });
            let (store, register) = (reg.config().store.clone(), reg.config().register.clone());
            let token = hq.token(&store, &register);
            let request = Enrollment { url: &hq.url, token: &token, trust: HqTrust::OsRoots, re_enroll: true };
            reg.enroll(auth, &request)
        }
        Action::ConfigureStore => reg.config_set(auth, &["receipt.width=48".to_string()], "wider paper").map(drop),
        Action::ViewExpected => unreachable!("read, not performed: its own test below"),
    }
}

fn sign(shop: &mut Shop, staff: &str, approvers: &[&str]) -> Authority {
    let approvers: Vec<String> = approvers.iter().map(|a| format!("{a}:1111")).collect();
    shop.reg.authority(Some(&format!("{staff}:1111")), &approvers).unwrap()
}

#[test]
fn every_sensitive_action_is_checked_and_audited_exactly_once() {
    // Viewing what the drawer should hold is not done but read: without the right the
    // figures are withheld, not refused (`expected_amounts_are_withheld_from_…` below).
    for action in Action::ALL.into_iter().filter(|&a| a != Action::ViewExpected) {
        let mut shop = shop();
        let before = audits(&shop, action).len();

        let mut denied = sign(&mut shop, "10", &[]);
        let err = perform(&mut shop, action, &mut denied).unwrap_err();
        assert!(matches!(err, RegisterError::Permission(PermissionError::Denied { .. })), "{action}: {err}");
        assert_eq!(audits(&shop, action).len(), before, "{action}: a denied action writes nothing");

        let mut unapproved = sign(&mut shop, "20", &[]);
        let err = perform(&mut shop, action, &mut unapproved).unwrap_err();
        assert!(matches!(err, RegisterError::Permission(PermissionError::NeedsApproval { .. })), "{action}: {err}");

        let mut wrong_approver = sign(&mut shop, "20", &["21"]);
        let err = perform(&mut shop, action, &mut wrong_approver).unwrap_err();
        assert!(
            matches!(err, RegisterError::Permission(PermissionError::ApproverNotAllowed { .. })),
            "{action}: {err}"
        );
        assert_eq!(audits(&shop, action).len(), before, "{action}: refused actions write no audit record");

        let mut approved = sign(&mut shop, "20", &["30"]);
        perform(&mut shop, action, &mut approved).unwrap_or_else(|e| panic!("{action} with approval: {e}"));
        assert_eq!(audits(&shop, action)[before..], [(Some("20".to_string()), Some("30".to_string()))], "{action}");
        assert_eq!(approved.unused_approvals(), 0, "{action}: the approval was used up");

        let mut boss = sign(&mut shop, "30", &[]);
        perform(&mut shop, action, &mut boss).unwrap_or_else(|e| panic!("{action} allowed: {e}"));
        assert_eq!(audits(&shop, action)[before + 1..], [(Some("30".to_string()), None)], "{action}: exactly one more");
        let verify = shop.reg.verify_journal().unwrap();
        assert!(verify.problem.is_none(), "{action}: {:?}", verify.problem);
    }
}

#[test]
fn an_approval_covers_one_action_only() {
    let mut shop = shop();
    let mut cart = Cart::new();
    let a = shop.reg.scan(&mut cart, "TOTE-1", None).unwrap();
    let b = shop.reg.scan(&mut cart, "NOTE-A5", None).unwrap();
    cart.override_price(a, Money::new(dec!(10)), "scuffed").unwrap();
    cart.override_price(b, Money::new(dec!(5)), "last one").unwrap();
    let mut one = sign(&mut shop, "20", &["30"]);
    let err = shop.reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), &mut one).unwrap_err();
    assert!(matches!(err, RegisterError::Permission(PermissionError::NeedsApproval { .. })), "{err}");
    assert!(audits(&shop, Action::PriceOverride).is_empty(), "nothing was sold, nothing audited");
    let mut two = sign(&mut shop, "20", &["30", "30"]);
    shop.reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), &mut two).unwrap();
    assert_eq!(audits(&shop, Action::PriceOverride).len(), 2);
}

#[test]
fn from_five_wrong_pins_each_try_waits_doubling_and_a_manager_can_unlock_at_once() {
    let mut shop = shop();
    for i in 1..=4 {
        let err = shop.reg.authority(Some("20:0000"), &[]).unwrap_err();
        let left = if i == 4 { "(1 try left)".to_string() } else { format!("({} tries left)", 5 - i) };
        assert!(err.to_string().contains(&left), "{err}");
    }
    let err = shop.reg.authority(Some("20:0000"), &[]).unwrap_err();
    assert!(err.to_string().contains("wait 30 s before the next try"), "{err}");
    // Even the right PIN waits; it is not checked, and nothing is counted.
    let err = shop.reg.authority(Some("20:1111"), &[]).unwrap_err();
    assert!(err.to_string().contains("5 wrong PINs in a row: try again after 2026-11-27T10:00:30Z"), "{err}");
    assert_eq!(err.code(), "sign_in");
    shop.clock.advance(SignedDuration::from_secs(30));
    // Waited out: one more wrong PIN doubles the wait.
    let err = shop.reg.authority(Some("20:0000"), &[]).unwrap_err();
    assert!(err.to_string().contains("wait 60 s"), "{err}");
    shop.clock.advance(SignedDuration::from_secs(59));
    assert!(shop.reg.authority(Some("20:1111"), &[]).unwrap_err().to_string().contains("try again after"));
    shop.clock.advance(SignedDuration::from_secs(1));
    assert!(shop.reg.authority(Some("20:1111"), &[]).is_ok(), "waited out, the right PIN signs in");
    assert_eq!(audits_named(&shop, "pin_failed"), 6, "each wrong PIN is in the audit chain");

    // Five more wrong PINs: waiting again, never for good (at most an hour a try); a
    // manager clears the wait at once.
    for _ in 0..5 {
        let _ = shop.reg.authority(Some("20:0000"), &[]);
    }
    assert!(shop.reg.authority(Some("20:1111"), &[]).is_err(), "waiting");
    let mut boss = sign(&mut shop, "30", &[]);
    shop.reg.change_staff(&mut boss, "20", StaffChange::Unlock).unwrap();
    assert!(shop.reg.authority(Some("20:1111"), &[]).is_ok());
}

#[test]
fn pin_hashes_are_peppered_and_old_hashes_are_made_again_at_sign_in() {
    use argon2::password_hash::PasswordHasher;
    let mut shop = shop();
    let hash_of = |shop: &Shop, code: &str| -> String {
        let conn = rusqlite::Connection::open(&shop.db).unwrap();
        conn.query_row("SELECT pin_hash FROM staff WHERE code = ?1", [code], |r| r.get(0)).unwrap()
    };
    let hash = hash_of(&shop, "20");
    assert!(hash.starts_with("$argon2id$v=19$m=65536,t=3,p=4,keyid="), "{hash}");

    // A hash an earlier Till made (Argon2id 19 MiB, 2 passes, no pepper) still signs in,
    // and is replaced by today's at that sign-in.
    let old = argon2::Argon2::default().hash_password(b"1111").unwrap().to_string();
    assert!(old.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{old}");
    let conn = rusqlite::Connection::open(&shop.db).unwrap();
    conn.execute("UPDATE staff SET pin_hash = ?1 WHERE code = '20'", [&old]).unwrap();
    drop(conn);
    assert!(shop.reg.authority(Some("20:1111"), &[]).is_ok());
    let again = hash_of(&shop, "20");
    assert!(again.starts_with("$argon2id$v=19$m=65536,t=3,p=4,keyid="), "{again}");
    assert!(shop.reg.authority(Some("20:1111"), &[]).is_ok());

    // The database alone does not sign anyone in: a copy opened without the pepper file
    // (so with a pepper of its own) refuses the right PIN.
    let pepper = std::fs::read(shop.db.parent().unwrap().join(till_register::PEPPER_FILE)).unwrap();
    assert_eq!(pepper.len(), 32);
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("register.sqlite");
    let conn = rusqlite::Connection::open(&shop.db).unwrap();
    conn.execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    drop(conn);
    let mut stolen = Register::open(elsewhere.path(), shop.clock.clone(), Box::new(SeededIds::new(1))).unwrap();
    let err = stolen.authority(Some("20:1111"), &[]).unwrap_err();
    assert!(err.to_string().contains("wrong PIN"), "{err}");
    assert_ne!(std::fs::read(elsewhere.path().join(till_register::PEPPER_FILE)).unwrap(), pepper);
}

fn audits_named(shop: &Shop, action: &str) -> i64 {
    let conn = rusqlite::Connection::open(&shop.db).unwrap();
    conn.query_row("SELECT count(*) FROM journal WHERE kind = 'audit' AND ref = ?1", [action], |r| r.get(0)).unwrap()
}

#[test]
fn the_last_one_who_may_manage_staff_cannot_be_removed_or_demoted() {
    let mut shop = shop();
    let mut owner = shop.reg.authority(Some("99:9999"), &[]).unwrap();
    // Two may manage staff (owner: manager, 30: boss); one of them may go.
    shop.reg.change_staff(&mut owner, "30", StaffChange::Deactivate).unwrap();
    let err = shop.reg.change_staff(&mut owner, "99", StaffChange::Deactivate).unwrap_err();
    assert!(err.to_string().contains("no active staff member could manage staff"), "{err}");
    let err = shop.reg.change_staff(&mut owner, "99", StaffChange::Role("ask")).unwrap_err();
    assert!(err.to_string().contains("could manage staff"), "{err}");
    let err = shop.reg.set_role(&mut owner, "manager", &[(Action::ManageStaff, Permission::Denied)]).unwrap_err();
    assert!(err.to_string().contains("could manage staff"), "{err}");
    assert!(shop.reg.authority(Some("99:9999"), &[]).is_ok(), "the owner is still there");
}

#[test]
fn a_register_with_staff_requires_sign_in_and_pins_are_never_stored() {
    let mut shop = shop();
    let err = shop.reg.authority(None, &[]).unwrap_err();
    assert!(err.to_string().contains("sign in"), "{err}");
    let conn = rusqlite::Connection::open(&shop.db).unwrap();
    let mut stmt = conn.prepare("SELECT code, pin_hash FROM staff").unwrap();
    let rows: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    for (code, hash) in rows {
        assert!(hash.starts_with("$argon2id$"), "staff {code}: PIN kept as an Argon2id hash, got {hash}");
        assert!(!hash.contains("1111") && !hash.contains("9999"), "staff {code}: no PIN in the clear");
    }
}

#[test]
fn expected_amounts_are_withheld_from_whoever_may_not_view_them() {
    let mut shop = shop();
    let mut owner = shop.reg.authority(Some("99:9999"), &[]).unwrap();
    shop.reg.add_staff(&mut owner, &NewStaff { code: "40", name: "Cas", role: "cashier", pin: "4444" }).unwrap();
    let float = shop.reg.parse_count("20x5", &[]).unwrap();
    shop.reg.open_drawer_session(&owner, &float.cash).unwrap();
    let mut cart = Cart::new();
    shop.reg.scan(&mut cart, "TOTE-1", None).unwrap();
    shop.reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), &mut owner).unwrap();

    // The default cashier, a role denied it and a role that would need approval: blind.
    for who in ["40:4444", "10:1111", "20:1111"] {
        let auth = shop.reg.authority(Some(who), &["30:1111".to_string()]).unwrap();
        let x = shop.reg.x_report(&auth).unwrap();
        assert!(x.expected_withheld && x.expected.is_empty(), "{who}: {:?}", x.expected);
        assert!(x.drawer.is_some(), "{who}: the drawer's movements are still shown");
        let text = shop.reg.x_report_text(&x);
        assert!(text.contains("withheld") && !text.contains("112.50"), "{who}: {text}");
    }
    // A manager and a role allowed it see 100.00 float + 12.50 cash.
    for who in ["99:9999", "30:1111"] {
        let auth = shop.reg.authority(Some(who), &[]).unwrap();
        let x = shop.reg.x_report(&auth).unwrap();
        assert!(!x.expected_withheld, "{who}");
        assert_eq!(x.expected[0], ("cash".to_string(), Money::new(dec!(112.50))), "{who}");
    }
    // A manager may give cashiers the right, like any other.
    shop.reg.set_role(&mut owner, "cashier", &[(Action::ViewExpected, Permission::Allowed)]).unwrap();
    let cashier = shop.reg.authority(Some("40:4444"), &[]).unwrap();
    assert!(!shop.reg.x_report(&cashier).unwrap().expected_withheld);
}

#[test]
fn reports_the_audit_log_and_receipt_lookups_need_someone_signed_in() {
    let mut shop = shop();
    let mut owner = shop.reg.authority(Some("99:9999"), &[]).unwrap();
    let mut cart = Cart::new();
    shop.reg.scan(&mut cart, "TOTE-1", None).unwrap();
    let sale = shop.reg.complete_sale(&cart, Settle::Tenders(&[cash(dec!(20))]), &mut owner).unwrap();
    let receipt = sale.receipt.to_string();

    let nobody = Authority::setup();
    let refused = |e: RegisterError| {
        assert!(matches!(e, RegisterError::Staff(till_register::StaffError::NotSignedIn)), "{e}");
        assert_eq!(e.code(), "sign_in");
    };
    refused(shop.reg.x_report(&nobody).unwrap_err());
    refused(shop.reg.audit_log(&nobody, 10).unwrap_err());
    refused(shop.reg.find_receipt(&nobody, &receipt).unwrap_err());

    let cashier = sign(&mut shop, "10", &[]);
    assert!(!shop.reg.audit_log(&cashier, 10).unwrap().is_empty());
    assert_eq!(shop.reg.find_receipt(&cashier, &receipt).unwrap().id, sale.id);
    assert_eq!(shop.reg.x_report(&cashier).unwrap().totals.sales, 1);
}

#[test]
fn roles_stored_before_view_expected_existed_take_its_default() {
    let mut shop = shop();
    let mut owner = shop.reg.authority(Some("99:9999"), &[]).unwrap();
    shop.reg.add_staff(&mut owner, &NewStaff { code: "40", name: "Cas", role: "cashier", pin: "4444" }).unwrap();
    // As a register written by an earlier Till stored them: no `view_expected` key.
    let conn = rusqlite::Connection::open(&shop.db).unwrap();
    let changed =
        conn.execute("UPDATE roles SET permissions = json_remove(permissions, '$.view_expected')", []).unwrap();
    assert_eq!(changed, 6, "three default roles and three of the test's");
    drop(conn);
    let roles = shop.reg.staff_list().unwrap().1;
    let role = |name: &str| roles.iter().find(|r| r.name == name).unwrap().permission(Action::ViewExpected);
    assert_eq!(role("manager"), Permission::Allowed);
    assert_eq!(role("supervisor"), Permission::Allowed);
    assert_eq!(role("cashier"), Permission::Denied);
    assert_eq!(role("boss"), Permission::Denied, "a role Till does not define is granted nothing new");
    let cashier = shop.reg.authority(Some("40:4444"), &[]).unwrap();
    assert!(shop.reg.x_report(&cashier).unwrap().expected_withheld);
    assert!(!shop.reg.x_report(&owner).unwrap().expected_withheld);
}
