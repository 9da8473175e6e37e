//! The demo store's logo decodes, keeps its size on 58 mm paper and scales down for less.
#![allow(clippy::unwrap_used)]

use till_printer::{DEFAULT_BAND_ROWS, Logo};

fn demo_logo() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/demo/logo.png")).unwrap()
}

#[test]
fn demo_logo_fits_58mm_paper_unscaled_and_never_scales_up() {
    for paper in [384, 576] {
        let logo = Logo::from_png(&demo_logo(), paper).unwrap();
        assert_eq!((logo.width_dots(), logo.height()), (384, 120));
        let bytes = logo.escpos(DEFAULT_BAND_ROWS);
        // 5 bands of 24 rows, each an 8-byte GS v 0 header and 48 bytes a row.
        assert_eq!(bytes.len(), 5 * 8 + 48 * 120);
        let data = bytes.chunks(8 + 48 * 24).flat_map(|band| &band[8..]);
        let black: u32 = data.map(|b| b.count_ones()).sum();
        assert!(black > 384 * 120 / 8 && black < 384 * 120 / 2, "{black} black dots");
    }
}

#[test]
fn demo_logo_scales_down_keeping_its_aspect() {
    let logo = Logo::from_png(&demo_logo(), 200).unwrap();
    assert_eq!((logo.width_dots(), logo.height()), (200, 63));
}
