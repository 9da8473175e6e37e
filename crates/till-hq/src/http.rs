//! HQ's HTTP API: thin handlers that authenticate, hand the work to [`Hq`] on a blocking
//! thread, and map its errors to status codes with a JSON `{code, message}` body. Wire
//! types live in `till_sync::wire`; nothing here holds business logic.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use till_sync::wire::{
    AnchorRequest, CatalogRequest, DOC_HEADER, DigestRequest, EnrollRequest, ErrorBody, MAX_BODY, RotateRequest,
    StoreConflict, THROUGH_HEADER,
};

use crate::auth::RegisterRow;
use crate::{Hq, HqError};

impl IntoResponse for HqError {
    fn into_response(self) -> Response {
        let status = match &self {
            HqError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HqError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            HqError::Forbidden(_) => StatusCode::FORBIDDEN,
            HqError::NotFound(_) => StatusCode::NOT_FOUND,
            HqError::Conflict(_) => StatusCode::CONFLICT,
            HqError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
            HqError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            HqError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if matches!(self, HqError::NotConfigured(_)) {
            tracing::warn!(error = %self, "request refused");
        } else if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = ErrorBody { code: self.code().to_string(), message: self.to_string() };
        (status, axum::Json(body)).into_response()
    }
}

/// The router over a shared [`Hq`].
pub fn router(hq: Arc<Hq>) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll))
        .route("/v1/rotate", post(rotate))
        .route("/v1/sync/digests", post(digests))
        .route("/v1/sync/doc", post(doc))
        .route("/v1/sync/anchor", post(anchor))
        .route("/v1/catalog", post(catalog))
        .route("/v1/orders", post(api_order))
        .route("/v1/aisle/stock", post(aisle_stock))
        .route("/v1/aisle/orders", post(aisle_order))
        .route("/v1/orders/find", post(find_order))
        .route("/v1/conflicts", post(store_conflicts))
        .route("/webhooks/shopify", post(shopify_webhook))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(hq)
}

/// Runs `f` on a blocking thread (database and Automerge work).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, HqError> + Send + 'static) -> Result<T, HqError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| HqError::Internal(format!("request handler failed: {e}")))?
}

fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HqError> {
    serde_json::from_slice(body).map_err(|e| HqError::BadRequest(format!("request body: {e}")))
}

fn bearer(headers: &HeaderMap) -> Result<String, HqError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| HqError::Unauthorized("missing `Authorization: Bearer CREDENTIAL`".into()))
}

fn authenticated(hq: &Hq, headers: &HeaderMap) -> Result<RegisterRow, HqError> {
    hq.authenticate(&bearer(headers)?, jiff::Timestamp::now())
}

async fn enroll(State(hq): State<Arc<Hq>>, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let req: EnrollRequest = json(&body)?;
        Ok(axum::Json(hq.enroll(&req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

async fn rotate(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let who = authenticated(&hq, &headers)?;
        let req: RotateRequest = json(&body)?;
        hq.rotate(&who, &req)?;
        Ok(axum::Json(serde_json::json!({"rotated": true})).into_response())
    })
    .await
}

async fn digests(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let who = authenticated(&hq, &headers)?;
        let req: DigestRequest = json(&body)?;
        Ok(axum::Json(hq.digests(&who, &req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

async fn anchor(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let who = authenticated(&hq, &headers)?;
        let req: AnchorRequest = json(&body)?;
        let through = hq.anchor(&who, req.seq, &req.hash, jiff::Timestamp::now())?;
        Ok(axum::Json(serde_json::json!({ "through_seq": through })).into_response())
    })
    .await
}

async fn doc(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let who = authenticated(&hq, &headers)?;
        let id = headers
            .get(DOC_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| HqError::BadRequest(format!("missing {DOC_HEADER} header")))?
            .to_string();
        let exchange = hq.sync_doc(&who, &id, &body, jiff::Timestamp::now())?;
        let mut response = match exchange.reply {
            Some(bytes) => (StatusCode::OK, bytes).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        };
        if let Some(through) = exchange.through {
            response.headers_mut().insert(THROUGH_HEADER, HeaderValue::from(through));
        }
        Ok(response)
    })
    .await
}

async fn catalog(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        authenticated(&hq, &headers)?;
        let req: CatalogRequest = json(&body)?;
        Ok((StatusCode::OK, hq.catalog_file(req.version)?).into_response())
    })
    .await
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A Shopify webhook: the signature is checked on the raw body before anything is parsed
/// or stored; then the order is taken once per `X-Shopify-Webhook-Id` (a repeat answers
/// 200 and changes nothing).
async fn shopify_webhook(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let secret = hq.secrets().shopify_secret.as_ref().ok_or_else(|| {
            HqError::NotConfigured(
                "Shopify webhooks are not enabled on this server: start till-hq serve with --shopify-secret-file PATH; \
                 nothing was stored"
                    .into(),
            )
        })?;
        crate::shopify::verify(secret, &body, header(&headers, "x-shopify-hmac-sha256"))?;
        let delivery = crate::shopify::Delivery {
            webhook_id: header(&headers, "x-shopify-webhook-id").unwrap_or_default(),
            topic: header(&headers, "x-shopify-topic").unwrap_or_default(),
            shop_domain: header(&headers, "x-shopify-shop-domain").unwrap_or_default(),
            body: &body,
        };
        let outcome = hq.shopify_webhook(&delivery, jiff::Timestamp::now())?;
        Ok(axum::Json(outcome).into_response())
    })
    .await
}

/// The generic order API: bearer token, `Idempotency-Key`; 201 with the order when it
/// was created, 200 with it when the request (or the order) was already taken.
async fn api_order(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
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
        if !crate::order_api::token_matches(token, &presented) {
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

/// The chain's stock for a register's endless aisle.
async fn aisle_stock(State(hq): State<Arc<Hq>>, headers: HeaderMap) -> Result<Response, HqError> {
    blocking(move || {
        authenticated(&hq, &headers)?;
        let at = jiff::Timestamp::now().to_string();
        Ok(axum::Json(serde_json::json!({"at": at, "rows": hq.chain_stock()?})).into_response())
    })
    .await
}

/// An endless-aisle order from a register (its own channel); 201 created, 200 repeated.
async fn aisle_order(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let who = authenticated(&hq, &headers)?;
        let (order, replayed) = hq.aisle_order(&who, &body, jiff::Timestamp::now())?;
        let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
        Ok((status, axum::Json(order)).into_response())
    })
    .await
}

/// BORIS: an online order a register is asked to take goods back from.
async fn find_order(State(hq): State<Arc<Hq>>, headers: HeaderMap, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        authenticated(&hq, &headers)?;
        let req: serde_json::Value = json(&body)?;
        let query = req["query"].as_str().ok_or_else(|| HqError::BadRequest("expected {\"query\": TEXT}".into()))?;
        Ok(axum::Json(hq.find_for_return(query)?).into_response())
    })
    .await
}

/// The open conflicts of the asking register's own store.
async fn store_conflicts(State(hq): State<Arc<Hq>>, headers: HeaderMap) -> Result<Response, HqError> {
    blocking(move || {
        let who = authenticated(&hq, &headers)?;
        let open: Vec<StoreConflict> = hq
            .conflicts(false)?
            .into_iter()
            .filter(|c| c.store == who.store)
            .map(|c| StoreConflict {
                kind: c.kind,
                subject: c.subject,
                register: c.register,
                detail: c.detail,
                needs: c.needs,
                raised_at: c.raised_at,
            })
            .collect();
        Ok(axum::Json(open).into_response())
    })
    .await
}

/// Serves `hq` on `listener` until Ctrl-C or SIGTERM.
pub async fn serve(hq: Arc<Hq>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router(hq)).with_graceful_shutdown(shutdown()).await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
