//! till-barcode against independent implementations: `biip` and `python-stdnum` (PyPI, in
//! a virtual environment this test creates under the target directory) read a seeded
//! corpus of thousands of codes — valid and invalid GTINs, variable-measure numbers of
//! several countries, GS1-128 element strings with good and bad dates and check digits —
//! and every verdict and every value must agree.
//!
//! TILL_BARCODE_SEED and TILL_BARCODE_CODES vary the corpus.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use till_barcode::{Barcode, GS, ParseOptions, gs1_check_digit, price_check_digit};
use till_tests::proxy::Rng;

/// A virtual environment's Python with biip and python-stdnum.
fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let packages = ["biip==5.2.0", "python-stdnum==2.1"];
    till_tests::python::venv(&root, "biip-venv", Path::new("python3"), &packages).join("bin/python")
}

fn with_check(body: &str) -> String {
    format!("{body}{}", gs1_check_digit(body).unwrap())
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.below(10) as u8)).collect()
}

/// One digit of the data changed (a misread; the symbology identifier stays).
fn damaged(rng: &mut Rng, code: &str) -> String {
    let mut b = code.as_bytes().to_vec();
    let skip = if code.starts_with(']') { 3 } else { 0 };
    let i = skip + rng.below((b.len() - skip) as u64) as usize;
    if b[i].is_ascii_digit() {
        b[i] = b'0' + (b[i] - b'0' + 1 + rng.below(9) as u8) % 10;
    }
    String::from_utf8(b).unwrap()
}

fn corpus(seed: u64, n: usize) -> Vec<(String, String)> {
    let mut rng = Rng::new(seed);
    let regions = ["SE", "DE", "DK", "GB", "NO", "FI", ""];
    let mut out = Vec::new();
    while out.len() < n {
        let region = regions[rng.below(regions.len() as u64) as usize].to_string();
        let code = match rng.below(6) {
            0 => with_check(&digits(&mut rng, 12)),
            1 => with_check(&digits(&mut rng, 7)),
            2 => with_check(&digits(&mut rng, 11)),
            3 => {
                // A variable-measure number: prefix 20–29, sometimes with a price check digit.
                let prefix = format!("2{}", rng.below(10));
                let body = if rng.below(2) == 0 {
                    let value = digits(&mut rng, 5);
                    format!("{prefix}{}{}{value}", digits(&mut rng, 4), price_check_digit(&value).unwrap())
                } else {
                    let value = digits(&mut rng, 4);
                    format!("{prefix}{}{}{value}", digits(&mut rng, 5), price_check_digit(&value).unwrap())
                };
                with_check(&body)
            }
            4 => {
                let gtin = with_check(&digits(&mut rng, 13));
                let (yy, mm, dd) = (rng.below(100), 1 + rng.below(13), rng.below(32));
                let len = 1 + rng.below(10) as usize;
                let lot = digits(&mut rng, len);
                format!(
                    "]C101{gtin}17{yy:02}{mm:02}{dd:02}3103{}10{lot}{GS}21S{}",
                    digits(&mut rng, 6),
                    digits(&mut rng, 3)
                )
            }
            _ => {
                let gtin = with_check(&digits(&mut rng, 13));
                format!("]C101{gtin}15{:02}{:02}{:02}", rng.below(100), 1 + rng.below(12), 1 + rng.below(28))
            }
        };
        let code = if rng.below(4) == 0 { damaged(&mut rng, &code) } else { code };
        out.push((code, region));
    }
    out
}

#[test]
fn till_barcode_agrees_with_biip_and_python_stdnum_on_a_generated_corpus() {
    let seed = std::env::var("TILL_BARCODE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_127);
    let n = std::env::var("TILL_BARCODE_CODES").ok().and_then(|s| s.parse().ok()).unwrap_or(4000);
    println!("TILL_BARCODE_SEED={seed}");
    let codes = corpus(seed, n);
    let mut child = Command::new(python())
        .arg(till_tests::repo().join("tests/barcode/biip_check.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Fed from a thread while the answers are read: neither pipe can fill up and stall.
    let mut stdin = child.stdin.take().unwrap();
    let input: String =
        codes.iter().map(|(code, region)| format!("{}\t{region}\n", code.replace(GS, "<GS>"))).collect();
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(out.status.success());
    let theirs: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(theirs.len(), codes.len());

    // biip reads two-digit years from the machine's date: so do we here.
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::system()).date();
    let mut tally: BTreeMap<&str, u64> = BTreeMap::new();
    for ((code, region), them) in codes.iter().zip(&theirs) {
        let region = (!region.is_empty()).then(|| region.clone());
        let ours = till_barcode::parse(code, &ParseOptions { rcn_region: region.clone(), today });
        if let Some(valid) = them.get("stdnum_valid").and_then(|v| v.as_bool()) {
            // The check digit alone: python-stdnum's EAN check.
            let check_ok = till_barcode::has_valid_check_digit(code.trim_start_matches("]E0"));
            assert_eq!(check_ok, valid, "{code}: python-stdnum says valid={valid}");
        }
        if code.starts_with("]C1") {
            // biip lists the elements even when a key in them (GTIN, GLN, SSCC) fails its check
            // digit, and says so apart; till refuses such a message (a misread): both refuse.
            let their_elements = them
                .get("elements")
                .filter(|_| them.get("gtin_error").is_none() && them.get("element_errors").is_none());
            match (&ours, their_elements) {
                (Ok(Barcode::Gs1 { elements, .. }), Some(theirs)) => {
                    let theirs = theirs.as_array().unwrap();
                    assert_eq!(elements.len(), theirs.len(), "{code}: {them}");
                    for (e, t) in elements.iter().zip(theirs) {
                        assert_eq!(e.ai, t[0].as_str().unwrap(), "{code}");
                        assert_eq!(e.value, t[1].as_str().unwrap(), "{code}");
                        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), t[2].as_str(), "{code}: date");
                        if let (Some(d), Some(td)) = (e.decimal, t[3].as_str()) {
                            assert_eq!(d, td.parse().unwrap(), "{code}: decimal");
                        }
                    }
                    *tally.entry("gs1 read by both").or_default() += 1;
                }
                (Err(_), None) => *tally.entry("gs1 refused by both").or_default() += 1,
                // till reads the retail AIs it lists (till-barcode's ai.rs); biip knows all of
                // GS1's. A message with another AI must be refused, naming where.
                (Err(e), Some(_)) if e.reason.contains("no known application identifier") => {
                    *tally.entry("gs1 with an AI outside till's table, refused").or_default() += 1
                }
                (ours, theirs) => panic!("{code}: till-barcode {ours:?}, biip {theirs:?} / {them}"),
            }
        } else {
            match (&ours, them.get("gtin14")) {
                (Ok(Barcode::Gtin { gtin, .. }), Some(g)) => {
                    assert_eq!(gtin.gtin14, g.as_str().unwrap(), "{code}");
                    let measure = gtin.rcn.as_ref().and_then(|r| r.measure.as_ref());
                    for field in ["weight", "price", "count"] {
                        let theirs = them
                            .get(field)
                            .and_then(|v| v.as_str())
                            .map(|v| v.parse::<rust_decimal::Decimal>().unwrap());
                        let ours = measure.filter(|m| m.kind == field).map(|m| m.value);
                        assert_eq!(ours, theirs, "{code} ({region:?}): {field}");
                    }
                    *tally
                        .entry(if measure.is_some() { "variable measure read by both" } else { "gtin read by both" })
                        .or_default() += 1;
                }
                (Err(_), None) => *tally.entry("gtin refused by both").or_default() += 1,
                (ours, theirs) => panic!("{code} ({region:?}): till-barcode {ours:?}, biip {theirs:?} / {them}"),
            }
        }
    }
    println!("{tally:?}");
    for kind in [
        "gs1 read by both",
        "gs1 refused by both",
        "gtin read by both",
        "gtin refused by both",
        "variable measure read by both",
    ] {
        assert!(tally.get(kind).copied().unwrap_or(0) > 20, "the corpus exercises '{kind}': {tally:?}");
    }
}
