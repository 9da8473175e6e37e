//! Device frames: the scale's Toledo 8217 replies (till-devices), the keyboard-wedge
//! scanner's key stream (till-barcode), and the printer's DLE EOT status bytes, answered by
//! a fake printer on a real loopback socket. A frame is read or refused with a reason; a
//! weight written as the scale writes it reads back; every key of the stream comes out
//! once, as typing or inside a scan.

use std::io::{Read, Write};
use std::net::TcpListener;

use proptest::prelude::*;
use rust_decimal::Decimal;
use till_barcode::{WedgeConfig, WedgeDetector, WedgeEvent};
use till_devices::{ScaleError, parse_toledo};
use till_printer::Connection;

use crate::corpus::{self, COMMON_TOKENS};

fn check_scale(reply: &[u8]) -> Result<(), TestCaseError> {
    match parse_toledo(reply) {
        Ok(kg) => prop_assert!(kg >= Decimal::ZERO, "a negative weight {} from {:?}", kg, reply),
        Err(e) => {
            prop_assert!(!e.to_string().trim().is_empty());
            let framing = !matches!(e, ScaleError::Port { .. } | ScaleError::Unsupported(..));
            prop_assert!(framing, "not a framing error: {}", e);
        }
    }
    Ok(())
}

fn scale_seeds() -> Vec<Vec<u8>> {
    [&b"\x0200.410\r"[..], b"\x0200.410N\r", b"\x02?\x01\r", b"\x02?\x04\r", b"\x02?\x02\r", b"\x0215.000\r"]
        .iter()
        .map(|s| s.to_vec())
        .collect()
}

const SCALE_TOKENS: &[&[u8]] = &[b"\x02", b"\r", b"?", b"N", b".", b"\x01", b"\x40"];

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| SCALE_TOKENS.iter().chain(COMMON_TOKENS).copied().collect())
}

proptest! {
    #![proptest_config(corpus::config(2048))]

    #[test]
    fn scale_replies(reply in prop_oneof![corpus::bytes(24), corpus::mutated(scale_seeds(), dict())]) {
        check_scale(&reply)?;
    }

    #[test]
    fn a_weight_as_the_scale_writes_it_reads_back(grams in 0u32..1_000_000, net in any::<bool>()) {
        let kg = Decimal::new(i64::from(grams), 3);
        let reply = format!("\x02{kg:06.3}{}\r", if net { "N" } else { "" });
        prop_assert_eq!(parse_toledo(reply.as_bytes()).unwrap(), kg.normalize());
    }

    #[test]
    fn wedge_key_streams(
        keys in prop::collection::vec((prop_oneof![Just('\n'), Just('\t'), Just(']'), "[0-9A-Za-z]".prop_map(|s| s.chars().next().unwrap()), any::<char>()], 0u64..120), 0..80),
        prefix in prop_oneof![Just(String::new()), Just("]".to_string()), Just("]C1".to_string())],
        suffix in prop_oneof![Just('\n'), Just('\t')],
        max_gap_ms in 0u64..100,
        min_length in 0usize..16,
        ticks in prop::collection::vec(any::<bool>(), 80),
    ) {
        let config = WedgeConfig { max_gap_ms, min_length, prefix: prefix.clone(), suffix };
        let mut d = WedgeDetector::new(config);
        let mut now = 0u64;
        let mut events = Vec::new();
        for (i, (key, gap)) in keys.iter().enumerate() {
            now += gap;
            if ticks[i] {
                events.extend(d.tick(now));
            }
            events.extend(d.key(*key, now));
        }
        events.extend(d.tick(now.saturating_add(max_gap_ms).saturating_add(1)));
        // Every key comes out once: typed as it was, or inside a scan (with its prefix
        // and suffix taken off).
        let out: usize = events
            .iter()
            .map(|e| match e {
                WedgeEvent::Typed(t) => t.chars().count(),
                WedgeEvent::Scanned(code) => code.chars().count() + prefix.chars().count() + 1,
            })
            .sum();
        prop_assert_eq!(out, keys.len());
        for e in &events {
            if let WedgeEvent::Scanned(code) = e {
                prop_assert!(code.chars().count() >= min_length);
            }
        }
    }
}

/// A fake printer on loopback that answers each DLE EOT with the next of `answers`, then
/// hangs up; returns its address.
fn fake_printer(answers: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut ask = [0u8; 3];
        for b in answers {
            if s.read_exact(&mut ask).is_err() {
                return;
            }
            let _ = s.write_all(&[b]);
        }
    });
    (format!("tcp://{addr}"), handle)
}

#[test]
fn printer_status_bytes() {
    corpus::run(
        64,
        prop::collection::vec(prop_oneof![any::<u8>(), Just(0x12u8), Just(0x16), Just(0x32), Just(0x1e)], 0..4),
        |answers| {
            let (url, printer) = fake_printer(answers.clone());
            let status = Connection::open(&url).and_then(|mut c| c.status());
            printer.join().unwrap();
            match status {
                Ok(s) => {
                    // Three answers, each a status byte (bits 1 and 4 set, 0 and 7 clear).
                    prop_assert!(answers.len() >= 3);
                    prop_assert!(answers[..3].iter().all(|b| b & 0x93 == 0x12), "{:?} taken as {:?}", answers, s);
                    prop_assert!(!s.summary().is_empty());
                }
                Err(e) => {
                    prop_assert!(!e.to_string().trim().is_empty());
                    prop_assert!(
                        answers.len() < 3 || answers[..3].iter().any(|b| b & 0x93 != 0x12),
                        "{:?} refused: {}",
                        answers,
                        e
                    );
                }
            }
            Ok(())
        },
    );
}
