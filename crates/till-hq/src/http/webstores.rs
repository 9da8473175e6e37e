//! What webstores send: Shopify webhooks and the generic order API.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{bearer, blocking, header};
use crate::error::HqError;
use crate::services::Hq;
use crate::services::intake::{order_api, shopify};

/// A Shopify webhook: the signature is checked on the raw body before anything is parsed
/// or stored; then the order is taken once per `X-Shopify-Webhook-Id` (a repeat answers
/// 200 and changes nothing).
pub(super) async fn shopify_webhook(
    State(hq): State<Arc<Hq>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let secret = hq.secrets().shopify_secret.as_ref().ok_or_else(|| {
            HqError::NotConfigured(
                "Shopify webhooks are not enabled on this server: start till-hq serve with --shopify-secret-file PATH; \
                 nothing was stored"
                    .into(),
            )
        })?;
        shopify::verify(secret, &body, header(&headers, "x-shopify-hmac-sha256"))?;
        let delivery = shopify::Delivery {
            webhook_id: header(&headers, "x-shopify-webhook-id").unwrap_or_default(),
            topic: header(&headers, "x-shopify-topic").unwrap_or_default(),
            shop_domain: header(&headers, "x-shopify-shop-domain").unwrap_or_default(),
            triggered_at: header(&headers, "x-shopify-triggered-at"),
            body: &body,
        };
        let outcome = hq.shopify_webhook(&delivery, jiff::Timestamp::now())?;
        Ok(axum::Json(outcome).into_response())
    })
    .await
}

/// The generic order API: bearer token, `Idempotency-Key`; 201 with the order when it
/// was created, 200 with it when the request (or the order) was already taken.
pub(super) async fn api_order(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let token = hq.secrets().orders_token.as_ref().ok_or_else(|| {
            HqError::NotConfigured(
                "the order API is not enabled on this server: start till-hq serve with --orders-token-file PATH; \
                 nothing was stored"
                    .into(),
            )
        })?;
        let presented = bearer(&headers)
            .map_err(|_| HqError::Unauthorized("missing `Authorization: Bearer TOKEN`; nothing was stored".into()))?;
        if !order_api::token_matches(token, &presented) {
            return Err(HqError::Unauthorized("wrong order API token; nothing was stored".into()));
        }
        let key = header(&headers, "idempotency-key")
            .ok_or_else(|| HqError::BadRequest("missing Idempotency-Key header".into()))?;
        let (order, replayed) = hq.api_order(key, &body, jiff::Timestamp::now())?;
        let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
        Ok((status, axum::Json(order)).into_response())
    })
    .await
}
