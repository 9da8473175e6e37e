//! The generic order API for webstores other than Shopify: `POST /v1/orders` with a
//! documented JSON body (docs/orders.md), authenticated by a bearer token and made
//! idempotent by the `Idempotency-Key` header; endless-aisle orders from registers take
//! the same body on their own channel.

use rust_decimal::Decimal;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::shopify::CHANNEL as SHOPIFY;
use super::{IncomingDelivery, IncomingLine, IncomingOrder, Intent, take};
use crate::books::orders::{OrderView, view};
use crate::books::registers::RegisterView;
use crate::db::with_tx;
use crate::error::HqError;
use crate::services::Hq;

/// Whether `presented` is the configured token, compared in constant time (over their
/// SHA-256, so the length of the token is not given away either).
pub fn token_matches(configured: &str, presented: &str) -> bool {
    let (a, b) = (Sha256::digest(configured.as_bytes()), Sha256::digest(presented.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    #[serde(default)]
    channel: Option<String>,
    id: String,
    #[serde(default)]
    number: Option<String>,
    #[serde(default)]
    email: Option<String>,
    currency: String,
    #[serde(default)]
    created_at: Option<String>,
    lines: Vec<Line>,
    delivery: DeliveryBody,
    #[serde(default)]
    payment: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    barcode: Option<String>,
    #[serde(default)]
    title: Option<String>,
    quantity: u32,
    /// Kept raw, so a JSON number is refused by name rather than read through a float.
    price: Box<serde_json::value::RawValue>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
enum DeliveryBody {
    Pickup {
        location: String,
    },
    Ship {
        #[serde(default)]
        latitude: Option<String>,
        #[serde(default)]
        longitude: Option<String>,
        #[serde(default)]
        zip: Option<String>,
        #[serde(default)]
        country_code: Option<String>,
        #[serde(default)]
        city: Option<String>,
    },
}

fn decimal(what: &str, text: &str) -> Result<Decimal, HqError> {
    Decimal::from_str_exact(text.trim()).map_err(|_| {
        HqError::BadRequest(format!("{what} '{text}' is not a decimal (send amounts as strings: \"12.50\")"))
    })
}

/// An amount: a JSON string holding a decimal; a JSON number is refused (it would have
/// been a float to some sender on the way).
fn price(what: &str, raw: &str) -> Result<Decimal, HqError> {
    match serde_json::from_str::<String>(raw) {
        Ok(text) => decimal(what, &text),
        Err(_) => Err(HqError::BadRequest(format!("{what} {raw}: send amounts as decimal strings (\"12.50\")"))),
    }
}

fn parse(body: &[u8]) -> Result<IncomingOrder, HqError> {
    let b: Body = serde_json::from_slice(body).map_err(|e| HqError::BadRequest(format!("order body: {e}")))?;
    let channel = b.channel.unwrap_or_else(|| "web".into());
    let code_ok = |t: &str| {
        !t.is_empty() && t.len() <= 64 && t.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_.#".contains(&c))
    };
    if !code_ok(&channel) || channel == SHOPIFY {
        return Err(HqError::BadRequest(format!(
            "channel '{channel}': 1-64 letters, digits, '-', '_', '.', not 'shopify' (Shopify orders come by webhook)"
        )));
    }
    if !code_ok(&b.id) {
        return Err(HqError::BadRequest(format!("id '{}': 1-64 letters, digits, '-', '_', '.', '#'", b.id)));
    }
    if b.lines.is_empty() {
        return Err(HqError::BadRequest("an order needs at least one line".into()));
    }
    let mut lines = Vec::new();
    for (i, l) in b.lines.iter().enumerate() {
        let sku = l.sku.clone().unwrap_or_default();
        let barcode = l.barcode.clone().unwrap_or_default();
        if sku.is_empty() && barcode.is_empty() {
            return Err(HqError::BadRequest(format!("lines[{i}] names neither a sku nor a barcode")));
        }
        if l.quantity == 0 {
            return Err(HqError::BadRequest(format!("lines[{i}].quantity is 0")));
        }
        lines.push(IncomingLine {
            external_id: l.id.clone().unwrap_or_else(|| (i + 1).to_string()),
            sku,
            barcode,
            variant_id: String::new(),
            title: l.title.clone().unwrap_or_default(),
            quantity: Decimal::from(l.quantity),
            price: price(&format!("lines[{i}].price"), l.price.get())?,
        });
    }
    let delivery = match b.delivery {
        DeliveryBody::Pickup { location } => IncomingDelivery::Pickup { location },
        DeliveryBody::Ship { latitude, longitude, zip, country_code, city } => IncomingDelivery::Ship {
            lat: latitude.map(|t| decimal("delivery.latitude", &t)).transpose()?,
            lon: longitude.map(|t| decimal("delivery.longitude", &t)).transpose()?,
            zip: zip.unwrap_or_default(),
            country_code: country_code.unwrap_or_default(),
            city: city.unwrap_or_default(),
        },
    };
    Ok(IncomingOrder {
        channel,
        number: b.number.unwrap_or_else(|| b.id.clone()),
        external_id: b.id,
        email: b.email.unwrap_or_default(),
        currency: b.currency,
        placed_at: b.created_at.unwrap_or_default(),
        updated_at: String::new(),
        lines,
        delivery,
        cancelled: false,
        fulfilled: false,
        paid_online: match b.payment.as_deref() {
            None | Some("online") => true,
            Some("counter") => false,
            Some(other) => {
                return Err(HqError::BadRequest(format!("payment: '{other}' is not \"online\" or \"counter\"")));
            }
        },
    })
}

impl Hq {
    /// Takes an order from the generic API. The same `key` with the same body answers
    /// with the order again (`true`: a replay) and changes nothing; the same key with
    /// another body is refused; an order id HQ already holds is not created twice.
    pub fn api_order(&self, key: &str, body: &[u8], now: jiff::Timestamp) -> Result<(OrderView, bool), HqError> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(HqError::BadRequest("Idempotency-Key header: 1-255 visible ASCII characters required".into()));
        }
        let sha = hex::encode(Sha256::digest(body));
        let order = parse(body)?;
        let (id, replayed) = with_tx(self.db(), |tx| {
            tx.lock("orders")?;
            let held =
                tx.one("SELECT body_sha256, order_id FROM api_requests WHERE idempotency_key = $1", &[key.into()])?;
            if let Some(r) = held {
                let (body_sha256, order_id) =
                    (r.of("api_requests").text("body_sha256")?, r.of("api_requests").text("order_id")?);
                if body_sha256 != sha {
                    return Err(HqError::Conflict(format!(
                        "Idempotency-Key '{key}' was used for another request body (order {order_id}); use a new key"
                    )));
                }
                return Ok((order_id, true));
            }
            let outcome = take(tx, &self.actor, &order, Intent::Create, "", now)?;
            tx.exec(
                "INSERT INTO api_requests (idempotency_key, body_sha256, order_id, received_at) VALUES ($1, $2, $3, $4)",
                &[key.into(), sha.as_str().into(), outcome.order_id.as_str().into(), now.to_string().into()],
            )?;
            Ok((outcome.order_id, outcome.outcome != "created"))
        })?;
        Ok((with_tx(self.db(), |tx| view(tx, &id))?, replayed))
    }

    /// Takes an endless-aisle order from register `who`: the generic order API's body on
    /// channel `aisle-STORE`, keyed by its id (a repeat after a lost answer changes
    /// nothing).
    pub fn aisle_order(
        &self,
        who: &RegisterView,
        body: &[u8],
        now: jiff::Timestamp,
    ) -> Result<(OrderView, bool), HqError> {
        let parsed: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| HqError::BadRequest(format!("request body: {e}")))?;
        let channel = format!("aisle-{}", who.store);
        if parsed["channel"].as_str() != Some(channel.as_str()) {
            return Err(HqError::Forbidden(format!("a register of {} places orders on channel {channel}", who.store)));
        }
        let id = parsed["id"].as_str().unwrap_or_default();
        self.api_order(&format!("{channel}:{id}"), body, now)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PICKUP: &str = r#"{"id": "WS-1", "currency": "EUR",
        "lines": [{"barcode": "8712345000981", "quantity": 1, "price": "12.50"}],
        "delivery": {"method": "pickup", "location": "AMS-01"}}"#;

    #[test]
    fn a_pickup_order_reads_and_mistakes_are_refused_by_name() {
        let o = parse(PICKUP.as_bytes()).unwrap();
        assert_eq!((o.channel.as_str(), o.number.as_str()), ("web", "WS-1"));
        assert_eq!(o.delivery, IncomingDelivery::Pickup { location: "AMS-01".into() });
        assert_eq!(o.lines[0].price.to_string(), "12.50");
        let refused = |body: String, says: &str| {
            let e = parse(body.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        };
        refused(PICKUP.replace(r#""location": "AMS-01""#, r#""location": "AMS-01", "store": "x""#), "unknown field");
        refused(PICKUP.replace(r#""price": "12.50""#, r#""price": 12.5"#), "price");
        refused(PICKUP.replace(r#""price": "12.50""#, r#""price": "12,50""#), "lines[0].price '12,50'");
        refused(PICKUP.replace(r#""barcode": "8712345000981", "#, ""), "neither a sku nor a barcode");
        refused(PICKUP.replace(r#""id": "WS-1""#, r#""id": "WS-1", "channel": "shopify""#), "not 'shopify'");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches("secret-token", "secret-token"));
        assert!(!token_matches("secret-token", "secret-toke"));
        assert!(!token_matches("secret-token", ""));
    }
}
