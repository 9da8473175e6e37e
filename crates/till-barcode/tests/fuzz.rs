//! The parser never panics, and every refusal carries a reason: random bytes, random
//! digit strings, and valid codes with one character changed.
#![allow(clippy::unwrap_used, missing_docs)]

use jiff::civil::Date;
use proptest::prelude::*;
use till_barcode::{Barcode, GS, ParseOptions, gs1_check_digit, parse};

fn opts(region: Option<&str>) -> ParseOptions {
    ParseOptions { rcn_region: region.map(str::to_string), today: Date::constant(2026, 11, 27) }
}

fn check(input: &str, region: Option<&str>) {
    match parse(input, &opts(region)) {
        Ok(_) => {}
        Err(e) => assert!(!e.reason.is_empty(), "a refusal without a reason for {input:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_read_or_refused_with_a_reason(s in "\\PC{0,60}", region in prop_oneof![Just(None), Just(Some("SE")), Just(Some("DE")), Just(Some("GB"))]) {
        check(&s, region);
    }

    #[test]
    fn any_digits_with_identifiers_and_separators(
        prefix in prop_oneof![Just(""), Just("]E0"), Just("]E4"), Just("]C1"), Just("]d2"), Just("]Q3"), Just("]e0"), Just("(")],
        body in "[0-9\\x1d()]{0,48}",
        region in prop_oneof![Just(None), Just(Some("DK")), Just(Some("NO")), Just(Some("DE"))],
    ) {
        check(&format!("{prefix}{body}"), region);
    }

    #[test]
    fn every_valid_gtin_13_reads_and_every_one_digit_change_is_caught(body in "[0-9]{12}", pos in 0usize..13, delta in 1u8..10) {
        let code = format!("{body}{}", gs1_check_digit(&body).unwrap());
        let read = parse(&code, &opts(Some("SE")));
        // A valid GTIN reads, unless it is a variable-measure number whose own check fails.
        if let Err(e) = &read {
            prop_assert!(e.reason.contains("check digit"), "{code}: {e}");
        }
        let mut bytes = code.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(parse(&changed, &opts(None)).is_err(), "{changed} should fail its check digit");
    }

    #[test]
    fn element_strings_round_trip(gtin in "[0-9]{13}", lot in "[A-Z0-9]{1,20}", yy in 0u8..100, mm in 1u8..13, dd in 1u8..29, grams in 0u32..1_000_000) {
        let gtin = format!("{gtin}{}", gs1_check_digit(&gtin).unwrap());
        let s = format!("]C101{gtin}17{yy:02}{mm:02}{dd:02}3103{grams:06}10{lot}{GS}21S1");
        let b = parse(&s, &opts(None)).unwrap();
        let Barcode::Gs1 { elements, .. } = b else { panic!("not GS1") };
        prop_assert_eq!(elements.len(), 5);
        prop_assert_eq!(&elements[0].value, &gtin);
        prop_assert_eq!(&elements[3].value, &lot);
    }
}
