//! Shopify order webhooks: the signature check (HMAC-SHA256 of the raw body with the
//! shop's secret, compared in constant time before the body is read), the order fields
//! HQ uses, and idempotent handling by `X-Shopify-Webhook-Id`. The fields read, and how
//! pickup is told from shipping, are documented in docs/orders.md.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Sha256;

use super::{IncomingDelivery, IncomingLine, IncomingOrder, Intent, Outcome, take};
use crate::books::locations::pickup_location_named;
use crate::db::with_tx;
use crate::error::HqError;
use crate::services::Hq;

/// The channel name of Shopify orders (their ids are `shopify:ORDER_ID`).
pub const CHANNEL: &str = "shopify";

/// Whether `signature` (the `X-Shopify-Hmac-Sha256` header: base64 of the HMAC-SHA256 of
/// `body` under `secret`) is right. Compared in constant time.
pub fn verify(secret: &[u8], body: &[u8], signature: Option<&str>) -> Result<(), HqError> {
    let refused = |why: &str| HqError::Unauthorized(format!("Shopify webhook refused: {why}; nothing was stored"));
    let signature = signature.ok_or_else(|| refused("no X-Shopify-Hmac-Sha256 header"))?;
    let tag = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| refused("X-Shopify-Hmac-Sha256 is not base64"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| HqError::Internal("HMAC key".into()))?;
    mac.update(body);
    mac.verify_slice(&tag).map_err(|_| refused("the HMAC does not match the body and the shop's secret"))
}

/// A JSON value kept as its text: a number exactly as sent (never through a float) or a
/// string's contents.
#[derive(Debug)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: Box<RawValue> = Deserialize::deserialize(d)?;
        let text = raw.get();
        if text.starts_with('"') {
            Ok(Text(serde_json::from_str::<String>(text).map_err(serde::de::Error::custom)?))
        } else if text == "null" {
            Ok(Text(String::new()))
        } else {
            Ok(Text(text.to_string()))
        }
    }
}

impl Text {
    fn decimal(&self, what: &str) -> Result<Decimal, HqError> {
        Decimal::from_str_exact(&self.0)
            .or_else(|_| Decimal::from_scientific(&self.0))
            .map_err(|_| HqError::BadRequest(format!("{what} '{}' is not a decimal number", self.0)))
    }
}

/// The parts of Shopify's order payload HQ reads (every other field is ignored).
#[derive(Debug, Deserialize)]
struct Order {
    id: Text,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    cancelled_at: Option<String>,
    #[serde(default)]
    fulfillment_status: Option<String>,
    #[serde(default)]
    financial_status: Option<String>,
    #[serde(default)]
    line_items: Vec<LineItem>,
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default)]
    shipping_lines: Vec<ShippingLine>,
}

#[derive(Debug, Deserialize)]
struct LineItem {
    id: Text,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    variant_id: Option<Text>,
    #[serde(default)]
    title: Option<String>,
    quantity: Text,
    price: Text,
}

#[derive(Debug, Deserialize)]
struct Address {
    #[serde(default)]
    latitude: Option<Text>,
    #[serde(default)]
    longitude: Option<Text>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    city: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShippingLine {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    delivery_category: Option<String>,
    #[serde(default)]
    is_removed: Option<bool>,
}

/// Whether a shipping line's words say local pickup (for shops whose pickup line is not
/// named after a mapped location).
fn says_pickup(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("pickup") || t.contains("pick up") || t.contains("pick-up")
}

/// A parsed order, with the pickup location names still to be looked up.
struct Parsed {
    order: IncomingOrder,
    /// For each live shipping line: its code and title (candidate pickup names) and
    /// whether it says pickup on its own.
    shipping: Vec<(Vec<String>, bool)>,
}

fn parse(body: &[u8]) -> Result<Parsed, HqError> {
    let o: Order = serde_json::from_slice(body).map_err(|e| HqError::BadRequest(format!("Shopify order: {e}")))?;
    if o.id.0.is_empty() {
        return Err(HqError::BadRequest("Shopify order without an id".into()));
    }
    let mut lines = Vec::new();
    for (i, l) in o.line_items.iter().enumerate() {
        let what = |f: &str| format!("line_items[{i}].{f}");
        let quantity = l.quantity.decimal(&what("quantity"))?;
        if quantity <= Decimal::ZERO || !quantity.fract().is_zero() {
            return Err(HqError::BadRequest(format!("{} {quantity} is not a whole positive number", what("quantity"))));
        }
        lines.push(IncomingLine {
            external_id: l.id.0.clone(),
            sku: l.sku.clone().unwrap_or_default().trim().to_string(),
            barcode: String::new(),
            variant_id: l.variant_id.as_ref().map(|v| v.0.clone()).unwrap_or_default(),
            title: l.title.clone().unwrap_or_default(),
            quantity,
            price: l.price.decimal(&what("price"))?,
        });
    }
    let shipping = o
        .shipping_lines
        .iter()
        .filter(|s| s.is_removed != Some(true))
        .map(|s| {
            let names: Vec<String> = [&s.code, &s.title]
                .into_iter()
                .flatten()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            let says = s.delivery_category.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("pickup"))
                || names.iter().any(|n| says_pickup(n))
                || s.source.as_deref().is_some_and(says_pickup);
            (names, says)
        })
        .collect();
    let address = o.shipping_address.as_ref();
    let coordinate = |c: Option<&Text>, what: &str| -> Result<Option<Decimal>, HqError> {
        match c.filter(|t| !t.0.is_empty()) {
            Some(t) => Ok(Some(t.decimal(what)?)),
            None => Ok(None),
        }
    };
    let delivery = IncomingDelivery::Ship {
        lat: coordinate(address.and_then(|a| a.latitude.as_ref()), "shipping_address.latitude")?,
        lon: coordinate(address.and_then(|a| a.longitude.as_ref()), "shipping_address.longitude")?,
        zip: address.and_then(|a| a.zip.clone()).unwrap_or_default(),
        country_code: address.and_then(|a| a.country_code.clone()).unwrap_or_default(),
        city: address.and_then(|a| a.city.clone()).unwrap_or_default(),
    };
    Ok(Parsed {
        order: IncomingOrder {
            channel: CHANNEL.into(),
            external_id: o.id.0.clone(),
            number: o.name.clone().unwrap_or_else(|| o.id.0.clone()),
            email: o.email.clone().unwrap_or_default(),
            currency: o.currency.clone().unwrap_or_default(),
            placed_at: o.created_at.clone().unwrap_or_default(),
            updated_at: o.updated_at.clone().unwrap_or_default(),
            lines,
            delivery,
            cancelled: o.cancelled_at.as_deref().is_some_and(|c| !c.is_empty()),
            fulfilled: o.fulfillment_status.as_deref() == Some("fulfilled"),
            // `pending` (e.g. "pay in store") is paid at the counter; anything else the
            // webstore holds or captured.
            paid_online: o.financial_status.as_deref() != Some("pending"),
        },
        shipping,
    })
}

/// One webhook delivery, its signature already verified.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    /// `X-Shopify-Webhook-Id`.
    pub webhook_id: &'a str,
    /// `X-Shopify-Topic`.
    pub topic: &'a str,
    /// `X-Shopify-Shop-Domain`.
    pub shop_domain: &'a str,
    /// `X-Shopify-Triggered-At` (RFC 3339), when Shopify made the delivery; may be absent.
    pub triggered_at: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
}

/// Oldest delivery taken, by `X-Shopify-Triggered-At`: Shopify retries a failed delivery
/// for up to 48 hours; anything older is a replay.
const MAX_DELIVERY_AGE_SECONDS: i64 = 72 * 3600;

impl Hq {
    /// Takes a verified Shopify webhook: the same webhook id twice does nothing the second
    /// time. `orders/create`, `orders/updated` and `orders/cancelled` are handled; another
    /// topic is recorded and ignored.
    pub fn shopify_webhook(&self, delivery: &Delivery, now: jiff::Timestamp) -> Result<Outcome, HqError> {
        if delivery.webhook_id.is_empty() || delivery.webhook_id.len() > 200 {
            return Err(HqError::BadRequest("X-Shopify-Webhook-Id is missing or longer than 200 characters".into()));
        }
        if let Some(at) = delivery.triggered_at {
            let at: jiff::Timestamp = at.trim().parse().map_err(|e| {
                HqError::BadRequest(format!(
                    "X-Shopify-Triggered-At '{}': {e}",
                    at.chars().take(40).collect::<String>()
                ))
            })?;
            if now.as_second() - at.as_second() > MAX_DELIVERY_AGE_SECONDS {
                return Err(HqError::BadRequest(format!(
                    "a stale delivery (triggered at {at}, more than {} hours ago) is refused; nothing was stored",
                    MAX_DELIVERY_AGE_SECONDS / 3600
                )));
            }
        }
        // The topic header is not signed: what happens follows the signed body. A
        // cancellation is a body with `cancelled_at`, under whatever topic (an
        // `orders/create` body replayed under `orders/cancelled` is an update).
        let intent = match delivery.topic {
            "orders/create" => Some(Intent::Create),
            "orders/updated" | "orders/cancelled" => Some(Intent::Update),
            _ => None,
        };
        let parsed = match intent {
            Some(_) => Some(parse(delivery.body)?),
            None => None,
        };
        with_tx(self.db(), |tx| {
            tx.lock("orders")?;
            let held = tx.one(
                "SELECT order_id, outcome FROM webhook_deliveries WHERE webhook_id = $1",
                &[delivery.webhook_id.into()],
            )?;
            if let Some(r) = held {
                let r = r.of("webhook_deliveries");
                return Ok(Outcome { order_id: r.text("order_id")?, outcome: r.text("outcome")?, replayed: true });
            }
            let outcome = match (&parsed, intent) {
                (Some(p), Some(intent)) => {
                    let mut order = p.order.clone();
                    // A live shipping line named like a mapped pickup location (Shopify
                    // names local pickup lines after the location), or one that says
                    // pickup on its own, makes it a pickup order.
                    for (names, says) in &p.shipping {
                        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                        if let Some(id) = pickup_location_named(tx, &refs)? {
                            order.delivery = IncomingDelivery::Pickup { location: id };
                            break;
                        }
                        if *says {
                            let name = names.first().cloned().unwrap_or_else(|| "pickup".into());
                            order.delivery = IncomingDelivery::Pickup { location: name };
                            break;
                        }
                    }
                    take(tx, &self.actor, &order, intent, delivery.shop_domain, now)?
                }
                _ => Outcome {
                    order_id: String::new(),
                    outcome: format!("ignored: topic '{}' is not handled", delivery.topic),
                    replayed: false,
                },
            };
            tx.exec(
                "INSERT INTO webhook_deliveries (webhook_id, topic, shop_domain, order_id, outcome, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    delivery.webhook_id.into(),
                    delivery.topic.into(),
                    delivery.shop_domain.into(),
                    outcome.order_id.as_str().into(),
                    outcome.outcome.as_str().into(),
                    now.to_string().into(),
                ],
            )?;
            Ok(outcome)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_checked_against_the_raw_body() {
        let body = br#"{"id": 1}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(body);
        let good = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert!(verify(b"secret", body, Some(&good)).is_ok());
        assert!(verify(b"other", body, Some(&good)).is_err());
        assert!(verify(b"secret", br#"{"id": 2}"#, Some(&good)).is_err());
        assert!(verify(b"secret", body, None).is_err());
        assert!(verify(b"secret", body, Some("not base64!")).is_err());
    }

    #[test]
    fn prices_and_big_ids_are_read_as_text() {
        let p = parse(
            br#"{"id": 820982911946154508, "line_items": [{"id": 866550311766439020, "sku": "A", "quantity": 2,
                 "price": "199.10", "title": "x"}], "shipping_address": {"latitude": 45.41634, "longitude": -75.6868}}"#,
        )
        .unwrap();
        assert_eq!(p.order.external_id, "820982911946154508");
        assert_eq!(p.order.lines[0].external_id, "866550311766439020");
        assert_eq!(p.order.lines[0].price.to_string(), "199.10");
        match p.order.delivery {
            IncomingDelivery::Ship { lat, lon, .. } => {
                assert_eq!(lat.unwrap().to_string(), "45.41634");
                assert_eq!(lon.unwrap().to_string(), "-75.6868");
            }
            other => panic!("{other:?}"),
        }
    }
}
