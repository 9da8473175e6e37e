//! Pickup tokens (till-token), as a customer shows or types them: a token HQ signed reads
//! back to its claims; any change to it is refused as forged or malformed (never read as
//! other claims); keys and rotation endorsements of any text are refused with a reason.

use proptest::prelude::*;
use proptest::sample::Index;
use till_token::{Claims, Issuer, Verifier, follow_rotation};

use crate::corpus::{self, COMMON_TOKENS};

fn issuer() -> Issuer {
    Issuer::from_seed([7; 32])
}

fn claims() -> impl Strategy<Value = Claims> {
    (
        prop_oneof!["shopify:[0-9]{1,19}", "web:[A-Za-z0-9._#-]{1,20}", "\\PC{0,30}"],
        prop_oneof!["[A-Z]{3}-[0-9]{2}", "\\PC{0,16}"],
        "[0-9a-f-]{0,36}",
        0i64..253_402_300_799,
    )
        .prop_map(|(order, store, token_id, secs)| Claims {
            order,
            store,
            token_id,
            expires: jiff::Timestamp::from_second(secs).unwrap(),
        })
}

const TOKEN_TOKENS: &[&[u8]] = &[b"TP1.", b".", b"-", b"_", b"=", b"+", b"/", b" ", b"\n", b"A", b"AAAA"];

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| COMMON_TOKENS.iter().chain(TOKEN_TOKENS).copied().collect())
}

proptest! {
    #![proptest_config(corpus::config(1024))]

    #[test]
    fn signed_claims_verify_back(c in claims(), before in 1i64..1_000_000) {
        let verifier = Verifier::from_hex(&issuer().public_key()).unwrap();
        let token = issuer().sign(&c);
        prop_assert_eq!(verifier.signed(&token).unwrap(), c.clone());
        prop_assert_eq!(verifier.signed(&format!("  {token}\n")).unwrap(), c.clone());
        let now = jiff::Timestamp::from_second(c.expires.as_second() - before).unwrap_or(jiff::Timestamp::MIN);
        if now < c.expires {
            prop_assert_eq!(verifier.verify(&token, &c.store, now).unwrap(), c.clone());
        }
        let expired = verifier.verify(&token, &c.store, c.expires).unwrap_err();
        prop_assert!(!expired.to_string().is_empty());
        let elsewhere = verifier.verify(&token, &format!("{}X", c.store), now).unwrap_err();
        prop_assert!(!elsewhere.to_string().is_empty());
    }

    #[test]
    fn a_changed_token_is_refused(c in claims(), byte_edits in corpus::edits(6), edits in prop::collection::vec(any::<(Index, u8)>(), 1..4)) {
        let verifier = Verifier::from_hex(&issuer().public_key()).unwrap();
        let token = issuer().sign(&c);
        // A structure-blind mutation of the real token, and single-character changes.
        let mutated = corpus::apply(token.clone().into_bytes(), &byte_edits, &[token.clone().into_bytes()], dict());
        let mut changed = token.clone().into_bytes();
        for (i, b) in &edits {
            let p = i.index(changed.len());
            changed[p] = *b;
        }
        for input in [mutated, changed] {
            let text = corpus::lossy(&input);
            match verifier.signed(&text) {
                // Only the same token (perhaps with spaces around it) reads.
                Ok(read) => {
                    prop_assert_eq!(text.trim(), token.as_str());
                    prop_assert_eq!(read, c.clone());
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }

    #[test]
    fn any_text_is_refused_with_a_reason(text in prop_oneof!["\\PC{0,200}", "TP1\\.[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,100}"]) {
        let verifier = Verifier::from_hex(&issuer().public_key()).unwrap();
        let e = verifier.signed(&text).unwrap_err();
        prop_assert!(!e.to_string().is_empty());
    }

    #[test]
    fn keys_and_rotations_of_any_text(
        key in prop_oneof!["[0-9a-fA-F]{64}", "\\PC{0,70}", "[0-9a-f]{63,65}"],
        endorsement in prop_oneof!["[0-9a-f]{128}", "\\PC{0,130}"],
        history in prop::collection::vec(("[0-9a-f]{64}", "[0-9a-f]{0,128}"), 0..4),
    ) {
        match Verifier::from_hex(&key) {
            Ok(v) => prop_assert!(!v.endorses(&key, &endorsement) || endorsement.len() == 128),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        let held = issuer().public_key();
        let next = Issuer::from_seed([8; 32]);
        let mut steps: Vec<(String, String)> = vec![(held.clone(), String::new())];
        steps.extend(history.iter().cloned());
        let refs: Vec<(&str, &str)> = steps.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        if let Err(e) = follow_rotation(&held, &key, refs.iter().copied()) {
            prop_assert!(!e.to_string().is_empty());
        }
        // The real hand-over still follows, whatever random steps came after it.
        let next_key = next.public_key();
        let endorsed = issuer().endorse(&next_key);
        let mut real = vec![(held.as_str(), ""), (next_key.as_str(), endorsed.as_str())];
        real.extend(refs.iter().skip(1).copied());
        prop_assert!(follow_rotation(&held, &next_key, real).is_ok());
    }
}
