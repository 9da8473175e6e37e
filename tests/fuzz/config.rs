//! `store.toml` (the register's configuration, with its `[printer]`, `[scale]`,
//! `[display]`, `[scanner]` and `[mail]` sections), and the printer settings read from it:
//! the printer URL, the profile, its code page and column count, and the logo PNG. A bad
//! file is a `ConfigError` naming a line of the file and what is wrong; a printer URL that
//! parses prints back to the same URL.

use proptest::prelude::*;
use proptest::sample::Index;
use till_printer::{Logo, PrinterUrl, profile, profiles};
use till_register::RegisterConfig;

use crate::corpus::{self, COMMON_TOKENS};

fn check_config(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else { return };
    let lines = text.matches('\n').count() + 1;
    if let Err(e) = RegisterConfig::parse(text, "store.toml") {
        assert_eq!(e.file, "store.toml");
        assert!(!e.message.trim().is_empty(), "a refusal without a message");
        assert!(e.line >= 1 && e.line <= lines, "error at line {} of {lines}: {}", e.line, e.message);
    }
}

/// A TOML value that stresses the configuration's checks.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"\"".to_string()),
        Just("\" \"".to_string()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("65536".to_string()),
        Just("4294967296".to_string()),
        Just("99999999999999999999".to_string()),
        Just("1.5".to_string()),
        Just("nan".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("[\"\"]".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("\"0\"".to_string()),
        Just("\"-0.05\"".to_string()),
        Just("\"1e400\"".to_string()),
        Just("\"79228162514264337593543950336\"".to_string()),
        Just("\"0.0000000000000000000000000001\"".to_string()),
        Just("\"half_even\"".to_string()),
        Just("\"document\"".to_string()),
        Just("\"Europe/Nowhere\"".to_string()),
        Just("\"XXX\"".to_string()),
        Just("\"JPY\"".to_string()),
        Just("\"tcp://\"".to_string()),
        Just("\"tcp://[::1]:99999\"".to_string()),
        Just("\"tcp://[fe80::1\"".to_string()),
        Just("\"serial://\"".to_string()),
        Just("\"serial:///dev/ttyS0?baud=0\"".to_string()),
        Just("\"usb://zzzz:1\"".to_string()),
        Just("\"usb://04b8:0e28\"".to_string()),
        Just("\"CP999\"".to_string()),
        Just("\"WPC1252\"".to_string()),
        Just("\"TM-T20III\"".to_string()),
        Just("\"nope\"".to_string()),
        Just("\"smtp://\"".to_string()),
        Just("\"é\\u0000\\u001d\"".to_string()),
        Just("'''a\nb'''".to_string()),
        "\"(tcp|serial|usb|smtp|smtps)://[ -~]{0,24}\"".prop_map(|s| s.replace('\\', "")),
        (1usize..2000).prop_map(|n| format!("\"{}\"", "z".repeat(n))),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

/// Replace the value of the `key = value` line picked by the index.
fn with_value(text: &str, which: &Index, value: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let settings: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            !l.starts_with('#') && !l.starts_with('[') && l.contains('=')
        })
        .map(|(i, _)| i)
        .collect();
    if settings.is_empty() {
        return text.to_string();
    }
    let n = settings[which.index(settings.len())];
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let key = out[n].split('=').next().unwrap_or("").trim().to_string();
    out[n] = format!("{key} = {value}");
    out.join("\n") + "\n"
}

fn toml_structured() -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus::text_seeds("store-toml");
    let n = seeds.len();
    (0..n, prop::collection::vec((any::<Index>(), toml_value()), 1..6)).prop_map(move |(s, edits)| {
        let mut text = seeds[s].clone();
        for (which, value) in &edits {
            text = with_value(&text, which, value);
        }
        text.into_bytes()
    })
}

const TOML_TOKENS: &[&[u8]] = &[
    b"=",
    b"[",
    b"]",
    b"[[",
    b"]]",
    b"{",
    b"}",
    b"\"",
    b"'''",
    b"\"\"\"",
    b"#",
    b"\n[printer]\n",
    b"\n[scale]\n",
    b" = ",
];

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| COMMON_TOKENS.iter().chain(TOML_TOKENS).copied().collect())
}

fn check_url(url: &str) {
    match PrinterUrl::parse(url) {
        Ok(parsed) => {
            let again = PrinterUrl::parse(&parsed.to_string())
                .unwrap_or_else(|e| panic!("{url:?} parsed as {parsed:?}, whose text {parsed} does not: {e}"));
            assert_eq!(again, parsed, "{url:?} → {parsed} → {again:?}");
        }
        Err(e) => assert!(!e.to_string().trim().is_empty()),
    }
}

proptest! {
    #![proptest_config(corpus::config(2048))]

    #[test]
    fn store_toml_any_text(input in "\\PC{0,400}") {
        check_config(input.as_bytes());
    }

    #[test]
    fn store_toml_mutated_bytes(input in corpus::mutated(corpus::seeds("store-toml"), dict())) {
        check_config(&input);
    }

    #[test]
    fn store_toml_mutated_settings(input in toml_structured()) {
        check_config(&input);
    }

    #[test]
    fn store_toml_mutated_lines(input in corpus::lines_mutated(corpus::text_seeds("store-toml"), dict())) {
        check_config(&input);
    }

    #[test]
    fn printer_urls_parse_or_say_why_and_round_trip(
        url in prop_oneof![
            "\\PC{0,40}",
            "(tcp|TCP|serial|usb|lpt)://[\\[\\]:?=/a-z0-9.%@#]{0,30}",
            ("[a-z0-9.-]{1,20}", proptest::option::of(any::<u16>())).prop_map(|(h, p)| match p {
                Some(p) => format!("tcp://{h}:{p}"),
                None => format!("tcp://{h}"),
            }),
            ("[0-9a-f:]{2,20}", any::<u16>()).prop_map(|(h, p)| format!("tcp://[{h}]:{p}")),
            ("/dev/[a-zA-Z0-9]{1,10}", any::<u32>()).prop_map(|(d, b)| format!("serial://{d}?baud={b}")),
            ("[0-9a-fA-F]{0,5}", "[0-9a-fA-F]{0,5}").prop_map(|(v, p)| format!("usb://{v}:{p}")),
        ],
    ) {
        check_url(&url);
    }

    #[test]
    fn printer_profiles_code_pages_and_columns(id in "\\PC{0,12}", known in any::<Index>(), page in "\\PC{0,8}", columns in any::<u16>()) {
        if let Err(e) = profile(&id) {
            prop_assert!(!e.to_string().is_empty());
        }
        let p = &profiles()[known.index(profiles().len())];
        prop_assert!(profile(&p.id.to_ascii_lowercase()).is_ok());
        if let Err(e) = p.code_page(&page) {
            prop_assert!(e.to_string().contains(&p.id));
        }
        match p.font_for(columns) {
            Ok(_) => prop_assert!(columns <= p.columns[0].max(p.columns[1])),
            Err(e) => prop_assert!(e.to_string().contains(&columns.to_string())),
        }
    }

    #[test]
    fn logo_png_decodes_or_is_refused(input in prop_oneof![
        corpus::bytes(512),
        corpus::mutated(vec![std::fs::read(till_tests::repo().join("assets/demo/logo.png")).unwrap()], COMMON_TOKENS),
    ], width in prop_oneof![Just(0u32), Just(1), Just(384), Just(576), any::<u32>()]) {
        match Logo::from_png(&input, width) {
            Ok(logo) => {
                prop_assert!(logo.width_dots() <= width && logo.width_dots() % 8 == 0);
                let _ = logo.escpos(24);
            }
            Err(e) => prop_assert!(!e.to_string().trim().is_empty()),
        }
    }
}

/// Every seed is a configuration the register takes.
#[test]
fn the_seeds_parse() {
    for seed in corpus::text_seeds("store-toml") {
        RegisterConfig::parse(&seed, "seed").unwrap();
    }
}
