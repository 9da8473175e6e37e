//! Code pages and transliteration. A character goes out as its byte in the page; if the
//! page lacks it, as a transliteration (`€` → `EUR`, `Ł` → `L`, `“` → `"`), else as the
//! base letter of its canonical decomposition (`ő` → `o`), else as `?`. Every byte out is
//! printable ASCII, a newline, or a character of the page.

use unicode_normalization::UnicodeNormalization;

use crate::codepage_tables::{self, Upper};

/// A printer code page: its name, the number ESC t selects it with on Epson-compatible
/// printers, and its upper half.
#[derive(Debug, Clone, Copy)]
pub struct CodePage {
    /// Name as profiles write it (`CP858`).
    pub name: &'static str,
    /// `n` of `ESC t n` (Epson numbering).
    pub esc_t: u8,
    upper: &'static Upper,
}

/// The pages Till knows.
pub const PAGES: [CodePage; 6] = [
    CodePage { name: "CP437", esc_t: 0, upper: &codepage_tables::CP437 },
    CodePage { name: "CP850", esc_t: 2, upper: &codepage_tables::CP850 },
    CodePage { name: "CP858", esc_t: 19, upper: &codepage_tables::CP858 },
    CodePage { name: "CP852", esc_t: 18, upper: &codepage_tables::CP852 },
    CodePage { name: "CP866", esc_t: 17, upper: &codepage_tables::CP866 },
    CodePage { name: "WPC1252", esc_t: 16, upper: &codepage_tables::WPC1252 },
];

/// The page called `name` (case-insensitive).
pub fn page(name: &str) -> Option<CodePage> {
    PAGES.iter().copied().find(|p| p.name.eq_ignore_ascii_case(name))
}

impl CodePage {
    /// The byte of `c` in this page, if it has it.
    pub fn byte(&self, c: char) -> Option<u8> {
        if c == '\n' || (' '..='~').contains(&c) {
            return Some(c as u8);
        }
        self.upper.iter().position(|u| *u == Some(c)).map(|i| 0x80 + i as u8)
    }
}

/// Text encoded for a page, and what had to be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Each character the page lacks, and what went out instead.
    pub replaced: Vec<(char, String)>,
}

/// What a character the page lacks becomes, before decomposition is tried.
fn transliteration(c: char) -> Option<&'static str> {
    Some(match c {
        '€' => "EUR",
        '£' => "GBP",
        '“' | '”' | '„' | '«' | '»' => "\"",
        '‘' | '’' | '‚' | '‹' | '›' => "'",
        '–' | '—' | '‑' | '−' => "-",
        '…' => "...",
        '•' | '·' => "*",
        '×' => "x",
        '÷' => "/",
        'ß' => "ss",
        'Æ' => "AE",
        'æ' => "ae",
        'Œ' => "OE",
        'œ' => "oe",
        'Ø' => "O",
        'ø' => "o",
        'Ł' => "L",
        'ł' => "l",
        'Đ' => "D",
        'đ' => "d",
        'Þ' => "Th",
        'þ' => "th",
        '™' => "TM",
        '©' => "(c)",
        '®' => "(R)",
        '°' => "o",
        '\u{a0}' | '\u{2009}' | '\u{202f}' | '\t' => " ",
        _ => return None,
    })
}

/// Encodes `text` for `page`. Text is composed first (NFC), so `e` + a combining accent
/// prints as `é`; an accent left over that composes with nothing is dropped.
pub fn encode(text: &str, page: &CodePage) -> Encoded {
    let mut out = Encoded { bytes: Vec::with_capacity(text.len()), replaced: Vec::new() };
    for c in text.nfc() {
        if let Some(b) = page.byte(c) {
            out.bytes.push(b);
            continue;
        }
        if unicode_normalization::char::is_combining_mark(c) {
            out.replaced.push((c, String::new()));
            continue;
        }
        // A transliteration, each of its characters again through the page.
        let instead: String = match transliteration(c) {
            Some(t) => t.chars().map(|t| if page.byte(t).is_some() { t } else { '?' }).collect(),
            None => {
                let base: String = c.nfd().filter(|d| page.byte(*d).is_some()).take(1).collect();
                if base.is_empty() { "?".to_string() } else { base }
            }
        };
        for t in instead.chars() {
            out.bytes.push(page.byte(t).unwrap_or(b'?'));
        }
        out.replaced.push((c, instead));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_of_a_page_round_trips_and_nothing_else_leaks() {
        for p in PAGES {
            for (i, c) in p.upper.iter().enumerate() {
                if let Some(c) = c {
                    assert_eq!(p.byte(*c), Some(0x80 + i as u8), "{} {c}", p.name);
                }
            }
        }
        let text = "Crème brûlée – 2× Größe €4,50 Łódź Ørsted “quoted” Ελληνικά Москва 東京\t😀";
        for p in PAGES {
            let e = encode(text, &p);
            for b in &e.bytes {
                assert!(
                    *b == b'\n' || (0x20..0x7f).contains(b) || p.upper[(*b - 0x80) as usize].is_some(),
                    "{}: byte {b:#x}",
                    p.name
                );
            }
            assert!(
                std::str::from_utf8(&e.bytes).is_err() || e.bytes.is_ascii(),
                "{}: no UTF-8 passed through",
                p.name
            );
        }
    }

    #[test]
    fn transliterations_and_decompositions() {
        let cp437 = page("cp437").unwrap();
        let e = encode("€5 – Łódź ő 東", &cp437);
        // 'ó' is in CP437 (0xA2): kept; the rest transliterated or decomposed.
        let mut want = b"EUR5 - L".to_vec();
        want.extend([0xa2]);
        want.extend(b"dz o ?");
        assert_eq!(e.bytes, want);
        assert_eq!(e.replaced.len(), 6, "{:?}", e.replaced);
        let cp858 = page("CP858").unwrap();
        assert_eq!(encode("€", &cp858).bytes, vec![0xd5], "CP858 has the euro at 0xD5");
        assert_eq!(encode("€", &page("WPC1252").unwrap()).bytes, vec![0x80]);
        assert_eq!(encode("ő", &page("CP852").unwrap()).bytes, vec![0x8b]);
    }

    #[test]
    fn decomposed_text_prints_like_composed_text_and_stray_marks_are_dropped() {
        let cp858 = page("CP858").unwrap();
        assert_eq!(encode("Cre\u{300}me bru\u{302}le\u{301}e", &cp858).bytes, encode("Crème brûlée", &cp858).bytes);
        // A mark that composes with nothing adds nothing (not a '?').
        assert_eq!(encode("e\u{301}\u{332}", &cp858).bytes, encode("é", &cp858).bytes);
    }
}
