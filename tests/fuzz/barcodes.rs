//! Barcodes and GS1 (till-barcode), beyond crates/till-barcode/tests/fuzz.rs (random text
//! and digits): mutations of valid codes of every form the reader takes — GTINs, GS1
//! element strings with and without symbology identifiers, bracketed AIs, Digital Link
//! URIs — through the parser and the register's lookup. Read, or refused with a reason.

use proptest::prelude::*;
use till_barcode::{GS, ParseOptions, parse, parse_digital_link, parse_elements};

use crate::corpus::{self, COMMON_TOKENS};

const GS1_TOKENS: &[&[u8]] = &[
    b"]C1", b"]d2", b"]Q3", b"]E0", b"(", b")", b"\x1d", b"01", b"10", b"17", b"21", b"3103", b"392", b"8020", b"/01/",
    b"?", b"&", b"%1D", b"%",
];

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| GS1_TOKENS.iter().chain(COMMON_TOKENS).copied().collect())
}

fn codes() -> Vec<Vec<u8>> {
    corpus::text_seeds("barcodes")[0].lines().map(|l| l.as_bytes().to_vec()).collect()
}

proptest! {
    #![proptest_config(corpus::config(4096))]

    #[test]
    fn mutated_codes_read_or_say_why(input in corpus::mutated(codes(), dict()), region in prop_oneof![Just(None), Just(Some("SE".to_string())), Just(Some("DE".to_string()))]) {
        let text = corpus::lossy(&input);
        let today = jiff::civil::Date::constant(2026, 11, 27);
        if let Err(e) = parse(&text, &ParseOptions { rcn_region: region.clone(), today }) {
            prop_assert!(!e.reason.trim().is_empty(), "{:?}", text);
        }
        if let Err(e) = parse_elements(&text.replace("]C1", ""), today) {
            prop_assert!(!e.reason.trim().is_empty());
        }
        if let Err(e) = parse_digital_link(&text, today) {
            prop_assert!(!e.reason.trim().is_empty());
        }
        if let Err(e) = till_register::parse_barcode_standalone(&text, region.as_deref()) {
            prop_assert!(!e.reason.trim().is_empty());
        }
        let _ = GS;
    }
}

#[test]
fn the_seeds_read() {
    let today = jiff::civil::Date::constant(2026, 11, 27);
    for code in codes() {
        let text = String::from_utf8(code).unwrap();
        parse(&text, &ParseOptions { rcn_region: None, today }).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    }
}
