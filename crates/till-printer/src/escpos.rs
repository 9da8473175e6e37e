//! The ESC/POS commands Till sends, written out byte by byte (Epson's command reference),
//! not inherited from a library: the drawer pulse is the full 5-byte `ESC p m t1 t2`, QR
//! codes are Model 2, Code 128 carries FNC1 for GS1-128, and no text reaches the printer
//! without going through a code page.

use crate::codepage::{CodePage, encode};

/// ESC @: reset the printer to its power-on state.
pub const INIT: [u8; 2] = [0x1b, 0x40];

/// ESC t n: select the code page.
pub fn code_page(page: &CodePage) -> [u8; 3] {
    [0x1b, 0x74, page.esc_t]
}

/// Text alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left.
    Left = 0,
    /// Centre.
    Center = 1,
    /// Right.
    Right = 2,
}

/// ESC a n: align what follows.
pub fn align(a: Align) -> [u8; 3] {
    [0x1b, 0x61, a as u8]
}

/// ESC E n: emphasis on or off.
pub fn bold(on: bool) -> [u8; 3] {
    [0x1b, 0x45, u8::from(on)]
}

/// GS ! n: character size, 1–8 times wide and high.
pub fn size(width: u8, height: u8) -> [u8; 3] {
    let w = width.clamp(1, 8) - 1;
    let h = height.clamp(1, 8) - 1;
    [0x1d, 0x21, (w << 4) | h]
}

/// ESC M n: font A (0) or B (1) — B fits more columns on the same paper.
pub fn font(f: crate::Font) -> [u8; 3] {
    [0x1b, 0x4d, u8::from(f == crate::Font::B)]
}

/// ESC d n: print and feed `lines` lines.
pub fn feed(lines: u8) -> [u8; 3] {
    [0x1b, 0x64, lines]
}

/// GS V 66 n: feed to the cutter (and `n` more dots) and cut, partially.
pub fn cut() -> [u8; 4] {
    [0x1d, 0x56, 0x42, 0x00]
}

/// Which drawer connector pin to pulse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawerPin {
    /// Pin 2 (drawer 1).
    Pin2 = 0,
    /// Pin 5 (drawer 2).
    Pin5 = 1,
}

/// ESC p m t1 t2: a drawer-kick pulse on `pin`, on for `on_ms` and off for `off_ms`
/// (2 ms units, 1–255 each). Five bytes: a three-byte form leaves the printer waiting
/// for the rest and swallowing what comes next.
pub fn drawer_kick(pin: DrawerPin, on_ms: u16, off_ms: u16) -> [u8; 5] {
    let units = |ms: u16| (ms / 2).clamp(1, 255) as u8;
    [0x1b, 0x70, pin as u8, units(on_ms), units(off_ms)]
}

/// A QR code (Model 2) of `data`, `module` dots per module (1–16), error correction M.
pub fn qr(data: &[u8], module: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 32);
    let store_len = data.len() + 3;
    // Model 2.
    out.extend([0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
    // Module size.
    out.extend([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, module.clamp(1, 16)]);
    // Error correction level M (15 %).
    out.extend([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31]);
    // Store the data, then print it.
    out.extend([0x1d, 0x28, 0x6b, (store_len & 0xff) as u8, (store_len >> 8) as u8, 0x31, 0x50, 0x30]);
    out.extend_from_slice(data);
    out.extend([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30]);
    out
}

/// Code 128 (GS k 73) of printable ASCII `data`, in code set B; with `gs1`, FNC1 first
/// (GS1-128) and each group separator in the data sent as FNC1. Human-readable text
/// below (GS H 2), 60 dots high. `None` if the data is not printable ASCII or too long.
pub fn code128(data: &str, gs1: bool) -> Option<Vec<u8>> {
    let mut body: Vec<u8> = b"{B".to_vec();
    if gs1 {
        body.extend(b"{1");
    }
    for c in data.chars() {
        match c {
            '\u{1d}' if gs1 => body.extend(b"{1"),
            '{' => body.extend(b"{{"),
            ' '..='~' => body.push(c as u8),
            _ => return None,
        }
    }
    let n = u8::try_from(body.len()).ok()?;
    let mut out = vec![0x1d, 0x48, 0x02, 0x1d, 0x68, 60, 0x1d, 0x6b, 73, n];
    out.extend(body);
    Some(out)
}

/// A text line in `page`, followed by a newline.
pub fn line(text: &str, page: &CodePage) -> Vec<u8> {
    let mut bytes = encode(text, page).bytes;
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page;

    #[test]
    fn commands_byte_for_byte() {
        assert_eq!(drawer_kick(DrawerPin::Pin2, 100, 500), [0x1b, 0x70, 0x00, 50, 250]);
        assert_eq!(drawer_kick(DrawerPin::Pin5, 0, 2000), [0x1b, 0x70, 0x01, 1, 255]);
        assert_eq!(code_page(&page("CP858").unwrap()), [0x1b, 0x74, 19]);
        assert_eq!(size(2, 2), [0x1d, 0x21, 0x11]);
        let q = qr(b"till:AMS-01/R1-000001", 6);
        assert_eq!(&q[..9], &[0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00], "Model 2");
        let store = 21 + 3;
        assert_eq!(&q[25..33], &[0x1d, 0x28, 0x6b, store, 0x00, 0x31, 0x50, 0x30]);
        assert_eq!(&q[q.len() - 8..], &[0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30]);
        let c = code128("R1-000001", false).unwrap();
        assert_eq!(&c[6..10], &[0x1d, 0x6b, 73, 11]);
        assert_eq!(&c[10..], b"{BR1-000001");
        let g = code128("0109506000134352\u{1d}10A{B", true).unwrap();
        assert_eq!(&g[10..], b"{B{10109506000134352{110A{{B");
        assert_eq!(code128("é", false), None);
        assert_eq!(line("€1", &page("CP437").unwrap()), b"EUR1\n");
    }
}
