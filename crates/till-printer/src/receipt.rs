//! A receipt as ESC/POS bytes: the text layout `till-receipt` made from the committed sale,
//! in the printer's code page, then the receipt number as Code 128 and the code the
//! returns flow scans as a QR code, a feed and a cut; optionally a drawer kick.

use crate::codepage::CodePage;
use crate::escpos::{self, Align, DrawerPin};

/// How the receipt is printed.
#[derive(Debug, Clone, Copy)]
pub struct PrintOptions {
    /// The printer's code page.
    pub page: CodePage,
    /// Kick the drawer on this pin after the cut (cash sales).
    pub kick: Option<DrawerPin>,
}

/// The bytes of a receipt whose text is `text` (lines), numbered `number`, scannable as
/// `code`.
pub fn render(text: &str, number: &str, code: &str, options: &PrintOptions) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + code.len() + 96);
    out.extend(escpos::INIT);
    out.extend(escpos::code_page(&options.page));
    for l in text.lines() {
        out.extend(escpos::line(l, &options.page));
    }
    out.extend(escpos::align(Align::Center));
    if let Some(barcode) = escpos::code128(number, false) {
        out.extend(barcode);
    }
    out.extend(escpos::feed(1));
    out.extend(escpos::qr(code.as_bytes(), 5));
    out.extend(escpos::align(Align::Left));
    out.extend(escpos::feed(3));
    out.extend(escpos::cut());
    if let Some(pin) = options.kick {
        out.extend(escpos::drawer_kick(pin, 100, 500));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page;

    #[test]
    fn a_receipt_is_its_lines_in_the_page_then_codes_cut_and_kick() {
        let options = PrintOptions { page: page("CP858").unwrap(), kick: Some(DrawerPin::Pin2) };
        let bytes =
            render("Crème brûlée   4,50 €\nTOTAL          4,50", "R1-000001", "till:AMS-01/R1-000001", &options);
        assert!(bytes.starts_with(&[0x1b, 0x40, 0x1b, 0x74, 19]));
        assert!(bytes.windows(3).any(|w| w == [b'C', b'r', 0x8a]), "è in CP858");
        assert!(bytes.contains(&0xd5), "€ in CP858");
        assert!(bytes.ends_with(&[0x1d, 0x56, 0x42, 0x00, 0x1b, 0x70, 0x00, 50, 250]));
        assert!(std::str::from_utf8(&bytes).is_err() || bytes.is_ascii());
    }
}
