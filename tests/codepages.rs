//! Code pages against Python's codecs (an independent implementation): for every page a
//! printer profile can name, every character of a multilingual receipt that the page has
//! goes out as the byte Python's codec gives it, and every other character goes out as
//! printable ASCII (a transliteration) — never as a byte the page would print as
//! something else, never as UTF-8.
#![allow(clippy::unwrap_used, missing_docs)]

use std::process::Command;

const TEXT: &str = "Harbour & Co — Prinsengracht 1 · Crème brûlée ×2 à €4,50 · Größe Straße · Łódź, Kraków, Gdańsk · \
Ørsted Æble · Smørrebrød · Ñandú · Çà va · Škoda Žilina · Ελληνικά · Москва, Киев · İstanbul ğ ş · \
“quoted” ‘single’ … – — ™ © ® ° ½ ¼ µ ± ß ÿ Ÿ œ Œ · 東京 ١٢٣ 😀 \u{a0}end";

#[test]
fn every_printable_character_matches_pythons_codecs_or_is_transliterated_to_ascii() {
    for page in till_printer::PAGES {
        let codec = match page.name {
            "WPC1252" => "cp1252".to_string(),
            other => other.to_ascii_lowercase(),
        };
        // Python: for each character, its byte in the codec (or -1), and the bytes of the
        // characters of its canonical decomposition the codec has (what may stand in).
        let script = format!(
            "import sys, json, unicodedata\n\
             def b(c):\n    e = c.encode('{codec}', 'ignore')\n    return e[0] if len(e) == 1 else -1\n\
             t = sys.argv[1]\n\
             print(json.dumps([[b(c), [b(d) for d in unicodedata.normalize('NFD', c) if b(d) >= 0]] for c in t]))"
        );
        let out = Command::new("python3").args(["-c", &script, TEXT]).output().expect("python3 runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let python: Vec<(i64, Vec<i64>)> = serde_json::from_slice(&out.stdout).unwrap();
        for (c, (want, decomposed)) in TEXT.chars().zip(python) {
            let ours = till_printer::encode(&c.to_string(), &page).bytes;
            if want >= 0 {
                assert_eq!(ours, vec![want as u8], "{}: {c:?}", page.name);
            } else {
                let faithful = ours.iter().all(|b| (0x20..0x7f).contains(b) || decomposed.contains(&i64::from(*b)));
                assert!(faithful, "{}: {c:?} became {ours:?}", page.name);
            }
        }
    }
}

#[test]
fn every_profile_names_only_pages_checked_above_and_selects_them_by_its_own_number() {
    for profile in till_printer::profiles() {
        for (name, number) in &profile.code_pages {
            assert!(till_printer::page(name).is_some(), "{}: {name} is not a page checked against Python", profile.id);
            let options = till_printer::PrintOptions::for_profile(profile, name, profile.columns[0]).unwrap();
            let bytes = till_printer::render(TEXT, "R1-000001", "till:S/R1-000001", &options);
            assert_eq!(&bytes[2..5], &[0x1b, 0x74, *number], "{}: ESC t for {name}", profile.id);
            // The text between the page selection and the codes is the page's bytes only.
            let text = till_printer::encode(TEXT, &options.page).bytes;
            assert!(bytes.windows(text.len()).any(|w| w == text.as_slice()), "{} {name}", profile.id);
        }
    }
}
