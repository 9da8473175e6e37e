//! A chain for omnichannel tests: HQ serving with a Shopify secret and an order-API token,
//! a catalog, two stores (Amsterdam, Utrecht) and a DC (Rotterdam); Shopify webhooks signed
//! as Shopify signs them.

use std::path::Path;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::hq::{HqProcess, database_url};
use crate::proxy::http;
use crate::repo;

pub const SECRET: &str = "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";
pub const TOKEN: &str = "orders-token-7c1e5a9d3b2f4e6a8c0d1e2f3a4b5c6d";
pub const SHOP: &str = "harbour-and-co.myshopify.com";
/// A customer near Amsterdam's canals.
pub const AMSTERDAM: (f64, f64) = (52.3752, 4.8840);

/// A chain with a catalog, two stores and a DC, and HQ serving with both webstore secrets.
pub struct Chain {
    pub hq: HqProcess,
    pub work: tempfile::TempDir,
}

impl Chain {
    pub fn start(name: &str) -> Chain {
        let work = tempfile::tempdir().unwrap();
        let hq = serve_webstores(&database_url(work.path(), name), work.path());
        let catalog = work.path().join("catalog.jsonl");
        std::fs::write(
            &catalog,
            [
                r#"{"type":"product","handle":"tote","title":"Canvas Tote","variants":[{"sku":"TOTE-1","price":"19.95","barcodes":["8712345000998"]}]}"#,
                r#"{"type":"product","handle":"mug","title":"Stoneware Mug","variants":[{"sku":"MUG-1","price":"12.50","barcodes":["8712345000981"]}]}"#,
                r#"{"type":"product","handle":"notebook","title":"A5 Notebook","variants":[{"sku":"NOTE-A5","price":"7.95","barcodes":["8712345000974"]}]}"#,
            ]
            .join("\n"),
        )
        .unwrap();
        let out = hq.admin(&["catalog", "import", catalog.to_str().unwrap()]);
        assert!(out.status.success(), "catalog import: {}", String::from_utf8_lossy(&out.stderr));
        for args in [
            // Amsterdam: a store customers pick up at (named "Amsterdam Centraal" in Shopify).
            &[
                "--id",
                "AMS-01",
                "--kind",
                "store",
                "--lat",
                "52.3791",
                "--lon",
                "4.9003",
                "--pickup",
                "true",
                "--ship",
                "true",
                "--safety-buffer",
                "1",
                "--cost",
                "4.95",
                "--sla-hours",
                "24",
                "--shopify-location",
                "Amsterdam Centraal",
            ][..],
            &[
                "--id",
                "UTR-01",
                "--kind",
                "store",
                "--lat",
                "52.0907",
                "--lon",
                "5.1214",
                "--pickup",
                "true",
                "--ship",
                "true",
                "--safety-buffer",
                "1",
                "--cost",
                "4.95",
                "--sla-hours",
                "24",
            ],
            // Rotterdam: the DC, cheaper per shipment but further and slower.
            &[
                "--id",
                "DC-01",
                "--kind",
                "dc",
                "--lat",
                "51.9244",
                "--lon",
                "4.4777",
                "--pickup",
                "false",
                "--ship",
                "true",
                "--safety-buffer",
                "0",
                "--cost",
                "2.50",
                "--sla-hours",
                "48",
            ],
        ] {
            let mut all = vec!["location", "add"];
            all.extend_from_slice(args);
            let out = hq.admin(&all);
            assert!(out.status.success(), "location add: {}", String::from_utf8_lossy(&out.stderr));
        }
        Chain { hq, work }
    }

    /// Goods received at a location (its stock/ID counters, at the store's floor).
    pub fn receive(&self, location: &str, sku: &str, qty: &str) {
        let floor = format!("{location}-floor");
        let out =
            self.hq.admin(&["stock", "receive", "--store", location, "--location", &floor, "--sku", sku, "--qty", qty]);
        assert!(out.status.success(), "stock receive: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// What orders may still take of `sku` at `location`: (reserved, available); zeros
    /// when HQ has no counter for it.
    pub fn available(&self, location: &str, sku: &str) -> (String, String) {
        let row = self.stock_row(location, sku).unwrap_or(json!({}));
        (row["reserved"].as_str().unwrap_or("0").to_string(), row["available"].as_str().unwrap_or("0").to_string())
    }

    /// (on hand, reserved, available) of `sku` at `location`, as HQ's routing sees it;
    /// panics when HQ has no counter for it.
    pub fn stock(&self, location: &str, sku: &str) -> (String, String, String) {
        let row = self.stock_row(location, sku).unwrap_or_else(|| panic!("no {sku} at {location}"));
        let s = |k: &str| row[k].as_str().unwrap().to_string();
        (s("on_hand"), s("reserved"), s("available"))
    }

    /// `till-hq location stock LOCATION`'s row for `sku`.
    fn stock_row(&self, location: &str, sku: &str) -> Option<Value> {
        let rows = self.hq.admin_json(&["location", "stock", location]);
        rows.as_array().unwrap().iter().find(|r| r["sku"] == sku).cloned()
    }

    pub fn orders(&self) -> Vec<Value> {
        self.hq.admin_json(&["orders"]).as_array().unwrap().clone()
    }

    /// Delivers a webhook as Shopify does: the raw body signed with the shop's secret.
    pub fn deliver(&self, topic: &str, webhook_id: &str, body: &[u8]) -> (u16, Value) {
        self.deliver_signed(topic, webhook_id, body, Some(&sign(SECRET, body)))
    }

    pub fn deliver_signed(&self, topic: &str, webhook_id: &str, body: &[u8], hmac: Option<&str>) -> (u16, Value) {
        let mut headers = vec![
            ("content-type", "application/json"),
            ("x-shopify-topic", topic),
            ("x-shopify-shop-domain", SHOP),
            ("x-shopify-webhook-id", webhook_id),
            ("x-shopify-api-version", "2026-01"),
        ];
        if let Some(h) = hmac {
            headers.push(("x-shopify-hmac-sha256", h));
        }
        let (status, body) = http(&self.hq.url, "POST", "/webhooks/shopify", &headers, body);
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

/// HQ on database `db`, serving with the webstores' secrets ([`SECRET`], [`TOKEN`]),
/// which it reads from files written into `dir`.
pub fn serve_webstores(db: &str, dir: &Path) -> HqProcess {
    let secret = dir.join("shopify-secret");
    std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
    let token = dir.join("orders-token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    HqProcess::start_with(
        db,
        &["--shopify-secret-file", secret.to_str().unwrap(), "--orders-token-file", token.to_str().unwrap()],
    )
}

/// base64(HMAC-SHA256(body, secret)): Shopify's `X-Shopify-Hmac-Sha256`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Shopify's orders/create example (tests/fixtures/shopify/orders-create.json) as order
/// `id`, with these lines (SKU, quantity), shipped to `to` — or, with `pickup`, collected
/// at that Shopify location (a local pickup shipping line, no shipping address).
pub fn shopify_order(id: u64, lines: &[(&str, u32)], to: (f64, f64), pickup: Option<&str>) -> Value {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/shopify/orders-create.json")).unwrap();
    let mut order: Value = serde_json::from_str(&text).unwrap();
    order["id"] = json!(id);
    order["name"] = json!(format!("#{}", id % 100_000));
    let template = order["line_items"][0].clone();
    order["line_items"] = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, qty))| {
            let mut line = template.clone();
            line["id"] = json!(id * 10 + i as u64);
            line["sku"] = json!(sku);
            line["quantity"] = json!(qty);
            line["current_quantity"] = json!(qty);
            line["title"] = json!(format!("Item {sku}"));
            line
        })
        .collect();
    order["shipping_address"]["latitude"] = json!(to.0);
    order["shipping_address"]["longitude"] = json!(to.1);
    if let Some(name) = pickup {
        // Shopify's local pickup line: source "shopify", code and title the location's name.
        order["shipping_address"] = Value::Null;
        order["shipping_lines"][0]["code"] = json!(name);
        order["shipping_lines"][0]["title"] = json!(name);
        order["shipping_lines"][0]["price"] = json!("0.00");
    }
    order
}

pub fn body(order: &Value) -> Vec<u8> {
    serde_json::to_vec(order).unwrap()
}
