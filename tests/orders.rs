//! Omnichannel orders at HQ, end to end: Shopify webhooks signed as Shopify signs them and
//! the generic order API, sent to a real `till-hq` on loopback (SQLite, or PostgreSQL
//! when TILL_TEST_PG names a server); routing, reservations, conflicts and re-routing
//! seen through `till-hq orders`, `location stock` and `conflicts`.
#![allow(clippy::unwrap_used, missing_docs)]

use serde_json::{Value, json};
use till_tests::chain::{AMSTERDAM, Chain, SECRET, SHOP, TOKEN, body, shopify_order, sign};
use till_tests::hq::{HqProcess, database_url};
use till_tests::proxy::http;

fn only_order(chain: &Chain) -> Value {
    let orders = chain.orders();
    assert_eq!(orders.len(), 1, "{orders:#?}");
    orders[0].clone()
}

#[test]
fn a_signed_orders_create_is_stored_and_routed_to_the_nearest_store_with_stock() {
    let chain = Chain::start("orders_nearest");
    chain.receive("AMS-01", "TOTE-1", "1"); // nearest, but all of it is safety buffer
    chain.receive("UTR-01", "TOTE-1", "5");
    chain.receive("DC-01", "TOTE-1", "20");
    chain.receive("UTR-01", "MUG-1", "4");
    chain.receive("DC-01", "MUG-1", "4");
    // The mug is ordered by its barcode in the SKU field (a shop that keys by GTIN).
    let order = shopify_order(820982911946154508, &[("TOTE-1", 2), ("8712345000981", 1)], AMSTERDAM, None);
    let (status, answer) = chain.deliver("orders/create", "b54557e4-8a5f-4bd7-8d70-bcd043000001", &body(&order));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "created");

    let o = only_order(&chain);
    assert_eq!(o["id"], "shopify:820982911946154508");
    assert_eq!(o["channel"], "shopify");
    assert_eq!(o["number"], "#54508");
    assert_eq!(o["status"], "routed", "{o:#}");
    assert_eq!(o["shop_domain"], SHOP);
    assert_eq!(o["email"], "jon@example.com");
    let lines = o["lines"].as_array().unwrap();
    assert_eq!(lines[0]["sku"], "TOTE-1");
    assert_eq!(lines[0]["price"], "19.95", "prices are decimal text, as Shopify sends them");
    assert_eq!(lines[1]["sku"], "MUG-1");
    assert_eq!(lines[1]["matched_by"], "barcode");
    for line in lines {
        assert_eq!(line["location"], "UTR-01", "{o:#}");
        assert_eq!(line["reservation"]["state"], "active");
    }
    let why = &o["explanation"];
    assert_eq!(why["winner"], "UTR-01");
    assert_eq!(why["rule"], "nearest", "{why:#}");
    let candidates = why["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 3, "every location that ships is a candidate: {why:#}");
    let ams = candidates.iter().find(|c| c["location"] == "AMS-01").unwrap();
    assert_eq!(ams["fills_all"], false);
    let tote = ams["stock"].as_array().unwrap().iter().find(|s| s["sku"] == "TOTE-1").unwrap();
    assert_eq!(
        (tote["on_hand"].as_str(), tote["safety_buffer"].as_str(), tote["available"].as_str()),
        (Some("1"), Some("1"), Some("0"))
    );
    assert!(candidates.iter().all(|c| c["distance_km"].is_string() && c["cost"].is_string()), "{why:#}");
    assert!(why["summary"].as_str().unwrap().contains("UTR-01 is the nearest"), "{why:#}");
    // Reserved: UTR-01 has 5 − 2 reserved − 1 buffer left for the next order.
    assert_eq!(chain.available("UTR-01", "TOTE-1"), ("2".to_string(), "2".to_string()));
    // The text listing says the same.
    let out = chain.hq.admin(&["orders"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("shopify:820982911946154508") && text.contains("→ UTR-01"), "{text}");
}

#[test]
fn a_bad_or_missing_hmac_is_refused_and_nothing_is_stored() {
    let chain = Chain::start("orders_hmac");
    chain.receive("AMS-01", "TOTE-1", "5");
    let order = body(&shopify_order(1001, &[("TOTE-1", 1)], AMSTERDAM, None));
    let wrong_secret = sign("someone-elses-secret", &order);
    for hmac in [Some(wrong_secret.as_str()), None, Some("not base64 at all"), Some("")] {
        let (status, answer) = chain.deliver_signed("orders/create", "w-1", &order, hmac);
        assert_eq!(status, 401, "{hmac:?}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains("nothing was stored"), "{answer}");
    }
    // A body changed after signing (the signature is of the raw bytes).
    let signature = sign(SECRET, &order);
    let mut tampered = order.clone();
    let at = tampered.windows(8).position(|w| w == b"\"TOTE-1\"").unwrap();
    tampered[at + 6] = b'2';
    assert_eq!(chain.deliver_signed("orders/create", "w-2", &tampered, Some(&signature)).0, 401);
    assert!(chain.orders().is_empty(), "orders shows nothing");
    assert_eq!(chain.available("AMS-01", "TOTE-1").0, "0", "nothing reserved");
    // The webhook id of a refused delivery was not used up: the genuine one goes through.
    assert_eq!(chain.deliver("orders/create", "w-1", &order).0, 200);
    assert_eq!(chain.orders().len(), 1);

    // A server with no secret configured refuses webhooks (and the order API) clearly.
    let work = tempfile::tempdir().unwrap();
    let bare = HqProcess::start(&database_url(work.path(), "orders_no_secret"));
    let (status, answer) = http(
        &bare.url,
        "POST",
        "/webhooks/shopify",
        &[("x-shopify-topic", "orders/create"), ("x-shopify-hmac-sha256", &signature), ("x-shopify-webhook-id", "w-9")],
        &order,
    );
    assert_eq!(status, 503);
    assert!(String::from_utf8_lossy(&answer).contains("--shopify-secret-file"), "{}", String::from_utf8_lossy(&answer));
    let (status, _) = http(&bare.url, "POST", "/v1/orders", &[("authorization", &format!("Bearer {TOKEN}"))], b"{}");
    assert_eq!(status, 503);
    assert_eq!(bare.admin_json(&["orders"]), json!([]));
}

#[test]
fn the_same_webhook_delivered_five_times_makes_one_order() {
    let chain = Chain::start("orders_idempotent");
    chain.receive("AMS-01", "TOTE-1", "10");
    let order = body(&shopify_order(5005, &[("TOTE-1", 3)], AMSTERDAM, None));
    let mut answers = Vec::new();
    for _ in 0..5 {
        let (status, answer) = chain.deliver("orders/create", "dup-webhook-0001", &order);
        assert_eq!(status, 200, "{answer}");
        answers.push(answer);
    }
    assert_eq!(answers[0]["replayed"], false);
    assert!(answers[1..].iter().all(|a| a["replayed"] == true && a["order_id"] == "shopify:5005"), "{answers:?}");
    // Shopify may also send the same order again under a new webhook id.
    assert_eq!(
        chain.deliver("orders/create", "dup-webhook-0002", &order).1["outcome"],
        "duplicate: the order is already held"
    );
    let o = only_order(&chain);
    assert_eq!(o["lines"].as_array().unwrap().len(), 1);
    assert_eq!(chain.available("AMS-01", "TOTE-1"), ("3".to_string(), "6".to_string()), "reserved once");
}

#[test]
fn a_pickup_order_routes_to_its_pickup_store() {
    let chain = Chain::start("orders_pickup");
    // Utrecht and the DC have plenty; the customer collects in Amsterdam.
    chain.receive("AMS-01", "MUG-1", "3");
    chain.receive("UTR-01", "MUG-1", "50");
    chain.receive("DC-01", "MUG-1", "50");
    chain.receive("UTR-01", "NOTE-A5", "50");
    let order = shopify_order(7007, &[("MUG-1", 2)], AMSTERDAM, Some("Amsterdam Centraal"));
    assert_eq!(chain.deliver("orders/create", "pickup-1", &body(&order)).0, 200);
    let o = only_order(&chain);
    assert_eq!(o["delivery"]["method"], "pickup", "{o:#}");
    assert_eq!(o["status"], "routed", "{o:#}");
    assert_eq!(o["lines"][0]["location"], "AMS-01");
    assert_eq!(o["explanation"]["rule"], "pickup_store");
    assert_eq!(chain.available("AMS-01", "MUG-1"), ("2".to_string(), "0".to_string()));

    // The store cannot fill a second pickup: what it can is routed, and why not is said.
    let order = shopify_order(7008, &[("MUG-1", 1), ("NOTE-A5", 1)], AMSTERDAM, Some("Amsterdam Centraal"));
    assert_eq!(chain.deliver("orders/create", "pickup-2", &body(&order)).0, 200);
    let o = chain.hq.admin_json(&["order", "show", "shopify:7008"]);
    assert_eq!(o["status"], "unroutable", "{o:#}");
    assert!(o["lines"][0]["why"].as_str().unwrap().contains("pickup store AMS-01 cannot fill line 1"), "{o:#}");
    assert!(o["explanation"]["summary"].as_str().unwrap().contains("0 available of 1"), "{o:#}");
}

#[test]
fn a_shipping_order_no_single_location_can_fill_is_split_across_a_store_and_the_dc() {
    let chain = Chain::start("orders_split");
    chain.receive("AMS-01", "TOTE-1", "3");
    chain.receive("DC-01", "NOTE-A5", "10");
    chain.receive("UTR-01", "NOTE-A5", "1"); // all safety buffer
    let order = shopify_order(9009, &[("TOTE-1", 2), ("NOTE-A5", 4)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "split-1", &body(&order)).0, 200);
    let o = only_order(&chain);
    assert_eq!(o["status"], "routed", "{o:#}");
    assert_eq!(o["lines"][0]["location"], "AMS-01");
    assert_eq!(o["lines"][1]["location"], "DC-01");
    let why = &o["explanation"];
    assert_eq!(why["rule"], "split_per_line", "{why:#}");
    assert_eq!(why["split"], true);
    assert_eq!(why["shipments"], json!(["AMS-01", "DC-01"]));
    let summary = why["summary"].as_str().unwrap();
    assert!(summary.contains("no single location can fill every line"), "{summary}");
    assert!(summary.contains("AMS-01 lacks NOTE-A5 (0 available of 4)"), "{summary}");
    assert!(summary.contains("DC-01 lacks TOTE-1 (0 available of 2)"), "{summary}");
    assert_eq!(chain.available("AMS-01", "TOTE-1"), ("2".to_string(), "0".to_string()));
    assert_eq!(chain.available("DC-01", "NOTE-A5"), ("4".to_string(), "6".to_string()));
}

#[test]
fn an_unknown_sku_is_kept_on_the_order_and_raised_as_a_conflict() {
    let chain = Chain::start("orders_unknown");
    chain.receive("AMS-01", "TOTE-1", "5");
    let order = shopify_order(3003, &[("TOTE-1", 1), ("GHOST-9", 2)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "unknown-1", &body(&order)).0, 200);
    let o = only_order(&chain);
    assert_eq!(o["status"], "partially_routed", "{o:#}");
    assert_eq!(o["lines"][0]["location"], "AMS-01");
    let ghost = &o["lines"][1];
    assert_eq!(
        (ghost["ordered_sku"].as_str(), ghost["sku"].as_str(), ghost["location"].as_str()),
        (Some("GHOST-9"), Some(""), Some(""))
    );
    assert!(ghost["why"].as_str().unwrap().contains("matches no catalog item"), "{ghost}");
    let conflicts = chain.hq.admin_json(&["conflicts"]);
    let c = conflicts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "order_line_unknown")
        .unwrap_or_else(|| panic!("{conflicts:#}"));
    assert_eq!(c["subject"], "shopify:3003/line 2");
    assert!(c["detail"].as_str().unwrap().contains("GHOST-9"), "{c}");
    assert!(c["needs"].as_str().unwrap().contains("reroute"), "{c}");
    let out = chain.hq.admin(&["conflicts"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("order_line_unknown"));
}

/// Runs `sql` on HQ's database (SQLite or PostgreSQL), behind HQ's back.
fn behind_hqs_back(db: &str, sql: &str) {
    match db.strip_prefix("sqlite:") {
        Some(path) => {
            rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap();
        }
        None => {
            let out =
                std::process::Command::new("psql").args([db, "-v", "ON_ERROR_STOP=1", "-qc", sql]).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

#[test]
fn pruning_removes_only_what_is_past_retention_and_never_what_a_report_reads() {
    let chain = Chain::start("retention");
    chain.receive("UTR-01", "TOTE-1", "6");
    let open = shopify_order(4020, &[("TOTE-1", 1)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "keep-1", &body(&open)).0, 200);
    let mut done = shopify_order(4021, &[("TOTE-1", 1), ("GHOST-9", 1)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "old-1", &body(&done)).0, 200);
    done["cancelled_at"] = json!("2026-03-14T11:00:00+01:00");
    done["updated_at"] = json!("2026-03-14T11:00:00+01:00");
    assert_eq!(chain.deliver("orders/cancelled", "old-2", &body(&done)).0, 200);
    let ghost = chain.hq.admin_json(&["conflicts"])[0]["id"].as_str().unwrap().to_string();
    chain.hq.admin_json(&["conflicts", "resolve", &ghost, "--note", "webstore SKU fixed"]);
    let report = chain.hq.admin_json(&["report", "sales"]);
    // Everything but the open order's delivery and history is made old.
    behind_hqs_back(
        &chain.hq.db,
        "UPDATE webhook_deliveries SET received_at = '2020-01-01T00:00:00Z' WHERE webhook_id <> 'keep-1'; \
         UPDATE order_events SET at = '2020-01-01T00:00:00Z' WHERE order_id = 'shopify:4021'; \
         UPDATE conflicts SET resolved_at = '2020-01-01T00:00:00Z' WHERE resolved_at <> ''; \
         INSERT INTO order_lookups (at, register, via, asked, order_id) VALUES \
           ('2020-01-01T00:00:00Z', 'AMS-01/R1', 'number+email', '#1', ''), \
           ('2999-01-01T00:00:00Z', 'AMS-01/R1', 'code', '', 'shopify:4020');",
    );

    let out = chain.hq.admin(&["prune", "--days", "3"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("at least 7 days"));
    let pruned = chain.hq.admin_json(&["prune", "--days", "30"]);
    assert_eq!(pruned["webhook_deliveries"], 2, "{pruned}");
    assert_eq!(pruned["resolved_conflicts"], 1, "{pruned}");
    assert!(pruned["order_events"].as_u64().unwrap() >= 2, "{pruned}");
    assert_eq!(pruned["order_lookups"], 1, "{pruned}");
    assert_eq!(chain.hq.admin_json(&["lookups"]).as_array().unwrap().len(), 1, "the recent lookup stays");
    // The orders, their status and lines stay; the open order keeps its history and its
    // delivery id (a repeat is still recognised); the reports read the same.
    let cancelled = chain.hq.admin_json(&["order", "show", "shopify:4021"]);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["lines"].as_array().unwrap().len(), 2);
    let kept = chain.hq.admin_json(&["order", "show", "shopify:4020"]);
    assert!(!kept["history"].as_array().unwrap().is_empty(), "{kept:#}");
    assert_eq!(chain.deliver("orders/create", "keep-1", &body(&open)).1["replayed"], true);
    assert_eq!(chain.hq.admin_json(&["report", "sales"]), report);
    assert_eq!(chain.hq.admin_json(&["prune", "--days", "30"])["order_events"], 0, "nothing more to remove");
}

#[test]
fn a_signed_order_replayed_under_a_cancel_topic_or_long_after_changes_nothing() {
    let chain = Chain::start("webhook_intent");
    chain.receive("UTR-01", "TOTE-1", "6");
    let order = shopify_order(4010, &[("TOTE-1", 1)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "intent-1", &body(&order)).0, 200);
    assert_eq!(only_order(&chain)["status"], "routed");
    // Someone who captured the signed create replays it under the cancel topic (the topic
    // header is not signed): the body says nothing of a cancellation, so nothing changes.
    let (status, answer) = chain.deliver("orders/cancelled", "intent-2", &body(&order));
    assert_eq!(status, 200, "{answer}");
    assert_ne!(answer["outcome"], "cancelled", "{answer}");
    assert_eq!(only_order(&chain)["status"], "routed");
    // A delivery Shopify triggered days ago is a replay: refused, nothing stored.
    let bytes = body(&order);
    let signature = sign(SECRET, &bytes);
    let old = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(96)).to_string();
    let headers = [
        ("content-type", "application/json"),
        ("x-shopify-topic", "orders/updated"),
        ("x-shopify-shop-domain", SHOP),
        ("x-shopify-webhook-id", "intent-3"),
        ("x-shopify-hmac-sha256", signature.as_str()),
        ("x-shopify-triggered-at", old.as_str()),
    ];
    let (status, answer) = http(&chain.hq.url, "POST", "/webhooks/shopify", &headers, &bytes);
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&answer));
    assert!(String::from_utf8_lossy(&answer).contains("stale"), "{}", String::from_utf8_lossy(&answer));
    // The same, triggered now: taken.
    let now = jiff::Timestamp::now().to_string();
    let headers = [
        headers[0],
        headers[1],
        headers[2],
        ("x-shopify-webhook-id", "intent-4"),
        headers[4],
        ("x-shopify-triggered-at", now.as_str()),
    ];
    assert_eq!(http(&chain.hq.url, "POST", "/webhooks/shopify", &headers, &bytes).0, 200);
}

#[test]
fn cancelling_an_order_releases_its_reservation() {
    let chain = Chain::start("orders_cancel");
    chain.receive("UTR-01", "TOTE-1", "6");
    let order = shopify_order(4004, &[("TOTE-1", 3)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "cancel-1", &body(&order)).0, 200);
    assert_eq!(chain.available("UTR-01", "TOTE-1"), ("3".to_string(), "2".to_string()));

    let mut cancelled = order.clone();
    cancelled["cancelled_at"] = json!("2026-03-14T11:00:00+01:00");
    cancelled["cancel_reason"] = json!("customer");
    cancelled["updated_at"] = json!("2026-03-14T11:00:00+01:00");
    let (status, answer) = chain.deliver("orders/cancelled", "cancel-2", &body(&cancelled));
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("cancelled")), "{answer}");
    let o = only_order(&chain);
    assert_eq!(o["status"], "cancelled");
    assert_eq!(o["lines"][0]["reservation"]["state"], "released");
    assert_eq!(chain.available("UTR-01", "TOTE-1"), ("0".to_string(), "5".to_string()), "available again");
    // A late update of a cancelled order changes nothing.
    let (_, answer) = chain.deliver("orders/updated", "cancel-3", &body(&order));
    assert_eq!(answer["outcome"], "ignored: the order is cancelled");
    assert_eq!(chain.hq.admin_json(&["orders", "--status", "cancelled"]).as_array().unwrap().len(), 1);
    assert_eq!(chain.hq.admin_json(&["orders", "--status", "routed"]), json!([]));
}

#[test]
fn a_store_rejects_an_order_and_it_is_rerouted_elsewhere() {
    let chain = Chain::start("orders_reject");
    chain.receive("AMS-01", "TOTE-1", "4");
    chain.receive("DC-01", "TOTE-1", "9");
    let order = shopify_order(6006, &[("TOTE-1", 2)], AMSTERDAM, None);
    assert_eq!(chain.deliver("orders/create", "reject-1", &body(&order)).0, 200);
    assert_eq!(only_order(&chain)["lines"][0]["location"], "AMS-01");

    let o = chain.hq.admin_json(&[
        "order",
        "reject",
        "shopify:6006",
        "--location",
        "AMS-01",
        "--reason",
        "short pick at AMS-01",
    ]);
    assert_eq!(o["status"], "routed", "{o:#}");
    assert_eq!(o["lines"][0]["location"], "DC-01");
    let why = &o["explanation"];
    assert_eq!(why["excluded"], json!([{"location": "AMS-01", "reason": "short pick at AMS-01"}]));
    assert_eq!(why["trigger"], "rejected by AMS-01: short pick at AMS-01");
    assert_eq!(why["rule"], "only_candidate", "{why:#}");
    assert_eq!(
        chain.available("AMS-01", "TOTE-1"),
        ("0".to_string(), "3".to_string()),
        "AMS-01's reservation released"
    );
    assert_eq!(chain.available("DC-01", "TOTE-1").0, "2");
    let history: Vec<&str> = o["history"].as_array().unwrap().iter().map(|h| h["event"].as_str().unwrap()).collect();
    assert_eq!(history, ["received", "routed", "routed"]);

    // Rerouting again (by number) keeps the exclusion and makes a fresh reservation.
    let o = chain.hq.admin_json(&["order", "reroute", "#6006", "--reason", "recount"]);
    assert_eq!(o["lines"][0]["location"], "DC-01");
    assert_eq!(chain.available("DC-01", "TOTE-1").0, "2", "the old reservation released, a new one made");
    let out = chain.hq.admin(&["order", "reroute", "#6006", "--reason", " "]);
    assert!(!out.status.success());
}

#[test]
fn the_generic_order_api_needs_its_token_and_is_idempotent() {
    let chain = Chain::start("orders_api");
    chain.receive("UTR-01", "MUG-1", "5");
    let order = json!({
        "channel": "webshop-nl",
        "id": "WS-1001",
        "number": "WS-1001",
        "email": "anna@example.com",
        "currency": "EUR",
        "created_at": "2026-03-14T10:00:00Z",
        "lines": [{"id": "1", "sku": "MUG-1", "title": "Stoneware Mug", "quantity": 2, "price": "12.50"}],
        "delivery": {"method": "ship", "latitude": "52.0880", "longitude": "5.1100", "zip": "3511", "country_code": "NL"}
    });
    let raw = body(&order);
    let send = |auth: Option<&str>, key: &str, raw: &[u8]| {
        let auth = auth.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json"), ("idempotency-key", key)];
        if let Some(a) = &auth {
            headers.push(("authorization", a));
        }
        let (status, body) = http(&chain.hq.url, "POST", "/v1/orders", &headers, raw);
        (status, serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null))
    };
    assert_eq!(send(None, "k-1", &raw).0, 401);
    assert_eq!(send(Some("not-the-token"), "k-1", &raw).0, 401);
    assert!(chain.orders().is_empty());

    let (status, first) = send(Some(TOKEN), "k-1", &raw);
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["id"], "webshop-nl:WS-1001");
    assert_eq!(first["status"], "routed");
    assert_eq!(first["lines"][0]["location"], "UTR-01");
    let (status, again) = send(Some(TOKEN), "k-1", &raw);
    assert_eq!(status, 200, "a replay answers with the same order");
    assert_eq!(again["id"], first["id"]);
    // The same order under a new key is not made twice; a reused key with another body is refused.
    assert_eq!(send(Some(TOKEN), "k-2", &raw).0, 200);
    let mut other = order.clone();
    other["lines"][0]["quantity"] = json!(3);
    assert_eq!(send(Some(TOKEN), "k-1", &body(&other)).0, 409);
    assert_eq!(send(Some(TOKEN), "", &raw).0, 400);
    let mut floaty = order.clone();
    floaty["id"] = json!("WS-1002");
    floaty["lines"][0]["price"] = json!(12.5);
    let (status, answer) = send(Some(TOKEN), "k-3", &body(&floaty));
    assert_eq!(status, 400, "amounts are strings, never floats: {answer}");
    assert_eq!(chain.orders().len(), 1);
    assert_eq!(chain.available("UTR-01", "MUG-1"), ("2".to_string(), "2".to_string()), "reserved once");
}
