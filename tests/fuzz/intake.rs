//! Webstore orders into HQ (till-hq intake), through a real HQ on a real SQLite file with
//! the demo catalog published and two stores: Shopify webhook bodies (parsed, matched to
//! the catalog, routed) and the generic order API's bodies. A body is taken or refused as
//! the client's fault (400-class, with a message) — never an internal error, never a panic
//! — and the webhook signature check refuses every body or signature it did not make.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use serde_json::Value;
use sha2::Sha256;
use till_hq::services::intake::shopify::{Delivery, verify};
use till_hq::{Hq, HqError, LocationSpec};
use till_import::ImportOptions;

use crate::corpus::{self, COMMON_TOKENS};

fn now() -> jiff::Timestamp {
    "2026-03-14T12:00:00Z".parse().unwrap()
}

/// HQ on a fresh SQLite file with the demo catalog and stores AMS-01 and UTR-01.
fn hq() -> (tempfile::TempDir, Hq) {
    let dir = tempfile::tempdir().unwrap();
    let hq = Hq::open(&format!("sqlite:{}", dir.path().join("hq.sqlite").display())).unwrap();
    for (id, lat, lon, shopify) in
        [("AMS-01", "52.3791", "4.9003", "Harbour & Co Amsterdam"), ("UTR-01", "52.0907", "5.1214", "")]
    {
        let site = till_hq::domain::routing::Site {
            id: id.into(),
            kind: "store".into(),
            lat: lat.parse().unwrap(),
            lon: lon.parse().unwrap(),
            pickup: true,
            ship: true,
            safety_buffer: "1".parse().unwrap(),
            cost: "4.95".parse().unwrap(),
            sla_hours: 24,
        };
        hq.add_location(&LocationSpec { site, shopify_location: shopify.into() }, now()).unwrap();
    }
    let options = ImportOptions {
        tax_classes: vec!["standard".into(), "reduced".into(), "zero".into()],
        default_tax_class: "standard".into(),
        exempt_tax_class: Some("zero".into()),
        minor_units: 2,
    };
    let catalog = std::fs::read(till_tests::repo().join("assets/demo/catalog.csv")).unwrap();
    hq.publish_catalog("catalog.csv", &catalog, now(), options, now()).unwrap();
    (dir, hq)
}

/// A refusal of a webstore's body must be the webstore's fault, with a message.
fn client_fault(e: &HqError, body: &[u8]) -> Result<(), TestCaseError> {
    let message = e.to_string();
    prop_assert!(!message.trim().is_empty());
    prop_assert!(
        !matches!(e, HqError::Internal(_) | HqError::Database(_)),
        "a bad body is an internal error: {} for {}",
        message,
        String::from_utf8_lossy(body)
    );
    Ok(())
}

fn json_seeds(target: &str) -> Vec<Value> {
    corpus::seeds(target).iter().map(|s| serde_json::from_slice(s).unwrap()).collect()
}

fn bodies(target: &str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => corpus::json_mutated(json_seeds(target)),
        2 => corpus::mutated(corpus::seeds(target), COMMON_TOKENS),
        1 => corpus::bytes(256),
    ]
}

#[test]
fn shopify_webhook_bodies() {
    let (_dir, hq) = hq();
    let n = std::sync::atomic::AtomicU64::new(0);
    let topic = prop_oneof![Just("orders/create"), Just("orders/updated"), Just("orders/cancelled"), Just("x")];
    let triggered = proptest::option::of(prop_oneof![
        Just("2026-03-14T11:59:00Z".to_string()),
        Just("2025-01-01T00:00:00Z".to_string()),
        "\\PC{0,30}"
    ]);
    corpus::run(600, (bodies("shopify-webhook"), topic, triggered), |(body, topic, triggered)| {
        let id = format!("fuzz-{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let delivery = Delivery {
            webhook_id: &id,
            topic,
            shop_domain: "harbour-and-co.myshopify.com",
            triggered_at: triggered.as_deref(),
            body: &body,
        };
        match hq.shopify_webhook(&delivery, now()) {
            Ok(outcome) => {
                prop_assert!(!outcome.outcome.is_empty());
                // The same delivery again is a replay that changes nothing.
                let again = hq.shopify_webhook(&delivery, now()).unwrap();
                prop_assert!(again.replayed);
                prop_assert_eq!(again.order_id, outcome.order_id);
            }
            Err(e) => client_fault(&e, &body)?,
        }
        Ok(())
    });
}

#[test]
fn order_api_bodies() {
    let (_dir, hq) = hq();
    let n = std::sync::atomic::AtomicU64::new(0);
    corpus::run(600, bodies("order-api"), |body| {
        let key = format!("fuzz-{}", n.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        match hq.api_order(&key, &body, now()) {
            // (Replayed already when an earlier case made an order with the same id.)
            Ok((order, _)) => {
                let (again, replayed) = hq.api_order(&key, &body, now()).unwrap();
                prop_assert!(replayed);
                prop_assert_eq!(again.id, order.id);
            }
            Err(e) => client_fault(&e, &body)?,
        }
        Ok(())
    });
}

fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

proptest! {
    #![proptest_config(corpus::config(1024))]

    #[test]
    fn webhook_signatures(
        secret in prop::collection::vec(any::<u8>(), 0..64),
        body in corpus::bytes(512),
        other in prop_oneof!["\\PC{0,60}", "[A-Za-z0-9+/=]{40,48}"],
        edits in corpus::edits(3),
    ) {
        let good = sign(&secret, &body);
        prop_assert!(verify(&secret, &body, Some(&good)).is_ok());
        let padded = format!(" {good}\n");
        prop_assert!(verify(&secret, &body, Some(&padded)).is_ok());
        prop_assert!(matches!(verify(&secret, &body, None), Err(HqError::Unauthorized(_))));
        if other.trim() != good {
            prop_assert!(matches!(verify(&secret, &body, Some(&other)), Err(HqError::Unauthorized(_))));
        }
        let changed = corpus::apply(body.clone(), &edits, &[], COMMON_TOKENS);
        if changed != body {
            prop_assert!(matches!(verify(&secret, &changed, Some(&good)), Err(HqError::Unauthorized(_))));
        }
    }
}

/// Every seed is taken by HQ (so the mutations start from orders that get all the way in).
#[test]
fn the_seeds_are_taken() {
    let (_dir, hq) = hq();
    for (i, body) in corpus::seeds("shopify-webhook").iter().enumerate() {
        let id = format!("seed-{i}");
        let delivery = Delivery { webhook_id: &id, topic: "orders/create", shop_domain: "x", triggered_at: None, body };
        hq.shopify_webhook(&delivery, now()).unwrap();
    }
    for (i, body) in corpus::seeds("order-api").iter().enumerate() {
        hq.api_order(&format!("seed-{i}"), body, now()).unwrap();
    }
}
