//! A receipt as ESC/POS bytes: the store's logo, the text layout `till-receipt` made from
//! the committed sale, in the printer's code page and font, then the receipt number as
//! Code 128 and the code the returns flow scans as a QR code, a feed and a cut; optionally
//! a drawer kick. What the printer's profile says it cannot do is left out (a QR code sent
//! to a printer without QR support prints as garbage), never sent anyway.

use crate::codepage::CodePage;
use crate::escpos::{self, Align, DrawerPin};
use crate::profile::{Font, Profile, ProfileError};
use crate::raster::{DEFAULT_BAND_ROWS, Logo};

/// How the receipt is printed.
#[derive(Debug, Clone, Copy)]
pub struct PrintOptions<'a> {
    /// The printer's code page (with the profile's ESC t number).
    pub page: CodePage,
    /// The font that fits the receipt's columns.
    pub font: Font,
    /// Print the receipt number as Code 128.
    pub code128: bool,
    /// Print the returns code as a QR code.
    pub qr: bool,
    /// Cut the paper at the end (else feed it out to tear).
    pub cut: bool,
    /// Kick the drawer on this pin after the cut (cash sales).
    pub kick: Option<DrawerPin>,
    /// The logo above the text, if the printer prints raster images.
    pub logo: Option<&'a Logo>,
}

impl<'a> PrintOptions<'a> {
    /// The options for `profile` printing `columns` a line in code page `page_name`.
    pub fn for_profile(profile: &Profile, page_name: &str, columns: u16) -> Result<PrintOptions<'a>, ProfileError> {
        Ok(PrintOptions {
            page: profile.code_page(page_name)?,
            font: profile.font_for(columns)?,
            code128: profile.code128,
            qr: profile.qr,
            cut: profile.cut,
            kick: None,
            logo: None,
        })
    }

    /// Plain options: `page` as Epson numbers it, font A, codes and cut, no logo or kick.
    pub fn plain(page: CodePage) -> PrintOptions<'a> {
        PrintOptions { page, font: Font::A, code128: true, qr: true, cut: true, kick: None, logo: None }
    }
}

/// The bytes of a receipt whose text is `text` (lines), numbered `number`, scannable as
/// `code`.
pub fn render(text: &str, number: &str, code: &str, options: &PrintOptions) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + code.len() + 96);
    out.extend(escpos::INIT);
    if let Some(logo) = options.logo {
        out.extend(escpos::align(Align::Center));
        out.extend(logo.escpos(DEFAULT_BAND_ROWS));
        out.extend(escpos::align(Align::Left));
    }
    out.extend(escpos::code_page(&options.page));
    if options.font == Font::B {
        out.extend(escpos::font(Font::B));
    }
    for l in text.lines() {
        out.extend(escpos::line(l, &options.page));
    }
    out.extend(escpos::align(Align::Center));
    if options.code128
        && let Some(barcode) = escpos::code128(number, false)
    {
        out.extend(barcode);
        out.extend(escpos::feed(1));
    }
    if options.qr {
        out.extend(escpos::qr(code.as_bytes(), 5));
    }
    out.extend(escpos::align(Align::Left));
    out.extend(escpos::feed(3));
    if options.cut {
        out.extend(escpos::cut());
    }
    if let Some(pin) = options.kick {
        out.extend(escpos::drawer_kick(pin, 100, 500));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{page, profile};

    const TEXT: &str = "Crème brûlée   4,50 €\nTOTAL          4,50";

    #[test]
    fn a_receipt_is_its_lines_in_the_page_then_codes_cut_and_kick() {
        let options = PrintOptions { kick: Some(DrawerPin::Pin2), ..PrintOptions::plain(page("CP858").unwrap()) };
        let bytes = render(TEXT, "R1-000001", "till:AMS-01/R1-000001", &options);
        assert!(bytes.starts_with(&[0x1b, 0x40, 0x1b, 0x74, 19]));
        assert!(bytes.windows(3).any(|w| w == [b'C', b'r', 0x8a]), "è in CP858");
        assert!(bytes.contains(&0xd5), "€ in CP858");
        assert!(bytes.windows(3).any(|w| w == [0x1d, 0x6b, 73]), "Code 128");
        assert!(bytes.windows(3).any(|w| w == [0x1d, 0x28, 0x6b]), "QR");
        assert!(bytes.ends_with(&[0x1d, 0x56, 0x42, 0x00, 0x1b, 0x70, 0x00, 50, 250]));
    }

    #[test]
    fn a_58mm_printer_without_codes_or_cutter_gets_neither_and_wide_lines_use_font_b() {
        let zj = profile("ZJ-5870").unwrap();
        let options = PrintOptions::for_profile(zj, "WPC1252", 32).unwrap();
        let bytes = render(TEXT, "R1-000001", "till:AMS-01/R1-000001", &options);
        assert!(bytes.starts_with(&[0x1b, 0x40, 0x1b, 0x74, 16]));
        assert!(!bytes.windows(3).any(|w| w == [0x1d, 0x6b, 73]), "no Code 128");
        assert!(!bytes.windows(3).any(|w| w == [0x1d, 0x28, 0x6b]), "no QR");
        assert!(!bytes.windows(2).any(|w| w == [0x1d, 0x56]), "no cut");
        assert!(bytes.contains(&0x80), "€ in WPC1252");
        let t20 = profile("TM-T20III").unwrap();
        let wide = PrintOptions::for_profile(t20, "CP858", 64).unwrap();
        assert!(render(TEXT, "R1", "c", &wide).windows(3).any(|w| w == [0x1b, 0x4d, 1]));
    }

    #[test]
    fn a_logo_goes_first_centred_in_bands() {
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, 64, 60);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.write_header().unwrap().write_image_data(&[0u8; 64 * 60]).unwrap();
        let logo = Logo::from_png(&png, 576).unwrap();
        let options = PrintOptions { logo: Some(&logo), ..PrintOptions::plain(page("CP437").unwrap()) };
        let bytes = render("X", "R1", "c", &options);
        assert_eq!(&bytes[..5], &[0x1b, 0x40, 0x1b, 0x61, 1]);
        let bands = bytes.windows(3).filter(|w| *w == [0x1d, 0x76, 0x30]).count();
        assert_eq!(bands, 60usize.div_ceil(DEFAULT_BAND_ROWS as usize));
    }
}
