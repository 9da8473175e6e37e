//! What a cashier types, read by the real demo register (on a real SQLite file): tenders
//! (`cash:20`, `card:12.34:VISA:4242`, `credit:5:CODE`, `voucher:10`), discounts (`10%`,
//! `2.50`), drawer counts (`20x5,0.50x4` and `card=412.50`), scan entries (`3*CODE`,
//! `CODE*1.250`), receipt codes (`till:STORE/RECEIPT`) and plain amounts and quantities.
//! A refusal is a `RegisterError` (or the domain's error) with a message; what reads
//! writes back to text that reads as the same value.

use std::sync::Arc;

use proptest::prelude::*;
use till_domain::{Currency, Discount, Money, Quantity, SaleRecord, TenderKind, Unit};
use till_register::{
    Authority, FixedClock, NewStaff, Register, SeededIds, discount_text, parse_discount, parse_scan_entry,
};
use till_tests::NOW;

use crate::corpus::{self, COMMON_TOKENS};

/// The demo register with a manager, one sale rung up, and the manager's authority.
fn demo() -> (tempfile::TempDir, Register, Authority, SaleRecord) {
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    let (dir, mut reg) = till_tests::demo_register(|c| c, clock, Box::new(SeededIds::new(7)));
    let manager = NewStaff { code: "1", name: "Maria", role: "manager", pin: "1234" };
    reg.add_staff(&mut Authority::setup(), &manager).unwrap();
    let mut n = 0u64;
    let sale = till_tests::ring_random_sale(&mut reg, &mut |m| {
        n += 1;
        n % m
    });
    let auth = reg.authority(Some("1:1234"), &[]).unwrap();
    (dir, reg, auth, sale)
}

fn message_of(e: &impl std::fmt::Display) -> String {
    let m = e.to_string();
    assert!(!m.trim().is_empty(), "a refusal without a message");
    m
}

/// An amount as someone might type it.
fn amount_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{0,12}(\\.[0-9]{0,4})?",
        "[0-9 .,eE+-]{0,16}",
        Just("1000000000".to_string()),
        Just("1000000000.01".to_string()),
        Just("79228162514264337593543950335".to_string()),
        Just("-0".to_string()),
        "\\PC{0,12}",
    ]
}

const TYPED_TOKENS: &[&[u8]] = &[b"cash", b"card", b"credit", b"voucher", b"VISA", b"x", b"X", b"=", b"%", b"*"];

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| COMMON_TOKENS.iter().chain(TYPED_TOKENS).copied().collect())
}

/// Valid samples of each kind of input, for the mutators.
fn samples(texts: &[&str]) -> Vec<Vec<u8>> {
    texts.iter().map(|t| t.as_bytes().to_vec()).collect()
}

#[test]
fn tenders_discounts_counts_and_receipt_codes() {
    let (_dir, reg, auth, sale) = demo();
    let currency = Currency::from_code("EUR").unwrap();

    let tenders = samples(&["cash:20", "card:12.34:VISA:4242:T-1", "card:5", "credit:5.00:SC-1234", "voucher:10"]);
    let tender_text = prop_oneof![
        corpus::mutated(tenders, dict()),
        ("[a-zA-Z]{0,8}", amount_text(), "(:[\\PC]{0,8}){0,4}")
            .prop_map(|(k, a, r)| format!("{k}:{a}{r}").into_bytes()),
        corpus::bytes(40),
    ];
    corpus::run(2048, tender_text, |input| {
        let text = corpus::lossy(&input);
        match reg.parse_tender(&text) {
            Ok(t) => {
                // Cash and custom tenders write back as KIND:AMOUNT and read the same.
                let kind = match &t.kind {
                    TenderKind::Cash => Some("cash".to_string()),
                    TenderKind::Custom(name) => Some(name.clone()),
                    _ => None,
                };
                if let Some(kind) = kind {
                    let again = reg.parse_tender(&format!("{kind}:{}", t.amount)).unwrap();
                    prop_assert_eq!(again, t);
                }
            }
            Err(e) => {
                message_of(&e);
            }
        }
        Ok(())
    });

    let discounts = samples(&["10%", "2.50", " 5 % ", "0.01"]);
    corpus::run(
        512,
        prop_oneof![corpus::mutated(discounts, dict()), amount_text().prop_map(String::into_bytes)],
        |input| {
            let text = corpus::lossy(&input);
            match parse_discount(&text, &reg) {
                Ok(d) => {
                    let again = parse_discount(&discount_text(d), &reg).unwrap();
                    match (d, again) {
                        (Discount::Percent(a), Discount::Percent(b)) => prop_assert_eq!(a.normalize(), b.normalize()),
                        (a, b) => prop_assert_eq!(a, b),
                    }
                }
                Err(e) => {
                    message_of(&e);
                }
            }
            Ok(())
        },
    );

    let counts = samples(&["50x2,20x5,0.05x40", "20X1, 0.50*4", "", "100x4294967295,100x1"]);
    let others = prop::collection::vec(
        prop_oneof![("[a-z]{1,8}", amount_text()).prop_map(|(t, a)| format!("{t}={a}")), "\\PC{0,12}"],
        0..3,
    );
    corpus::run(2048, (corpus::mutated(counts, dict()), others), |(cash, others)| {
        let cash = corpus::lossy(&cash);
        match reg.parse_count(&cash, &others) {
            Ok(count) => prop_assert_eq!(count.others.len(), others.len()),
            Err(e) => {
                message_of(&e);
            }
        }
        Ok(())
    });

    // Receipt codes: the sale's own code and number find it; anything else finds nothing
    // or the right sale, and a refusal says why.
    prop_assert_eq_found(&reg, &auth, &sale.receipt_code(), &sale);
    prop_assert_eq_found(&reg, &auth, &sale.receipt.to_string(), &sale);
    let codes = samples(&[&sale.receipt_code(), &sale.receipt.to_string(), "till:UTR-01/R2-000001", "R1-000001"]);
    corpus::run(
        2048,
        prop_oneof![corpus::mutated(codes, dict()), "\\PC{0,30}".prop_map(String::into_bytes)],
        |input| {
            let text = corpus::lossy(&input);
            match reg.find_receipt(&auth, &text) {
                Ok(found) => prop_assert_eq!(found.receipt, sale.receipt.clone()),
                Err(e) => {
                    message_of(&e);
                }
            }
            Ok(())
        },
    );

    corpus::run(4096, amount_text(), |text| {
        match currency.parse_amount(&text) {
            Ok(m) => prop_assert_eq!(currency.parse_amount(&m.to_string()).unwrap(), m),
            Err(e) => {
                message_of(&e);
            }
        }
        if let Ok(m) = Money::parse(&text) {
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }
        for unit in [Unit::Each, Unit::Kilogram] {
            match Quantity::parse(&text, unit) {
                Ok(q) => prop_assert_eq!(Quantity::parse(&q.to_string(), unit).unwrap(), q),
                Err(e) => {
                    message_of(&e);
                }
            }
        }
        Ok(())
    });
}

fn prop_assert_eq_found(reg: &Register, auth: &Authority, text: &str, sale: &SaleRecord) {
    let found = reg.find_receipt(auth, text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(found.receipt, sale.receipt);
}

#[test]
fn scan_entries() {
    let entries = samples(&["3*TEE-S-BLK", "GOUDA-KG*1.250", "8712345000011", "2*3", "0.5*0.25", " * "]);
    let typed = prop_oneof![
        corpus::mutated(entries, dict()),
        ("[0-9.]{0,6}", "[*x ]{0,2}", "[A-Z0-9.-]{0,14}").prop_map(|(a, s, b)| format!("{a}{s}{b}").into_bytes()),
        corpus::bytes(32),
    ];
    corpus::run(8192, typed, |input| {
        let text = corpus::lossy(&input);
        match parse_scan_entry(&text) {
            Ok(entry) => {
                prop_assert!(!entry.code.is_empty());
                if let Some(q) = entry.quantity {
                    prop_assert!(q > rust_decimal::Decimal::ZERO);
                    // Written back as QTY*CODE it reads the same.
                    let again = parse_scan_entry(&format!("{q}*{}", entry.code)).unwrap();
                    if entry.code.bytes().any(|b| !b.is_ascii_digit() && b != b'.') {
                        prop_assert_eq!(again.quantity, Some(q), "{} → {:?}", text, again);
                    }
                }
            }
            Err(e) => {
                message_of(&e);
            }
        }
        Ok(())
    });
}
