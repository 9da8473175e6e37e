//! HQ's HTTP API: thin handlers that parse, authenticate through a service, hand the work
//! to [`Hq`] on a blocking thread, and map its errors to status codes with a JSON
//! `{code, message}` body. Wire types live in `till_protocol`; nothing here holds
//! business logic. `registers` serves the registers, `webstores` the webstores' orders.

mod backoff;
pub mod edge;
mod registers;
mod staff;
pub mod tls;
mod webstores;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use till_protocol::{ErrorBody, MAX_BODY};

use crate::error::HqError;
use crate::services::Hq;
use crate::services::enrollment::RegisterView;

impl IntoResponse for HqError {
    fn into_response(self) -> Response {
        let status = match &self {
            HqError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HqError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            HqError::Forbidden(_) => StatusCode::FORBIDDEN,
            HqError::NotFound(_) => StatusCode::NOT_FOUND,
            HqError::Conflict(_) => StatusCode::CONFLICT,
            HqError::NotConfigured(_) => StatusCode::SERVICE_UNAVAILABLE,
            HqError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            HqError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            HqError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            HqError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
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

/// The router over a shared [`Hq`]. Every route reads at most its own body limit
/// ([`edge::read_body`]); a register's routes authenticate it from its headers first.
pub fn router(hq: Arc<Hq>) -> Router {
    let limit = |n: usize| from_fn_with_state(n, edge::read_body);
    let registers = Router::new()
        .route("/v1/rotate", post(registers::rotate).layer(limit(edge::SMALL_BODY)))
        .route("/v1/sync/digests", post(registers::digests).layer(limit(edge::DIGEST_BODY)))
        .route("/v1/sync/doc", post(registers::doc).layer(limit(MAX_BODY)))
        .route("/v1/sync/anchor", post(registers::anchor).layer(limit(edge::SMALL_BODY)))
        .route("/v1/catalog", post(registers::catalog).layer(limit(edge::SMALL_BODY)))
        .route("/v1/aisle/stock", post(registers::aisle_stock).layer(limit(edge::SMALL_BODY)))
        .route("/v1/aisle/stock/changes", post(registers::aisle_stock_changes).layer(limit(edge::SMALL_BODY)))
        .route("/v1/aisle/orders", post(registers::aisle_order).layer(limit(edge::ORDER_BODY)))
        .route("/v1/orders/find", post(registers::find_order).layer(limit(edge::SMALL_BODY)))
        .route("/v1/receipts/find", post(registers::find_receipt).layer(limit(edge::SMALL_BODY)))
        .route("/v1/conflicts", post(registers::store_conflicts).layer(limit(edge::SMALL_BODY)))
        .route("/v1/staff/roster", post(staff::roster).layer(limit(edge::DIGEST_BODY)))
        .route_layer(from_fn_with_state(hq.clone(), edge::register));
    Router::new()
        .route("/v1/enroll", post(registers::enroll).layer(limit(edge::SMALL_BODY)))
        .route("/v1/orders", post(webstores::api_order).layer(limit(edge::ORDER_BODY)))
        .route("/webhooks/shopify", post(webstores::shopify_webhook).layer(limit(edge::ORDER_BODY)))
        .merge(registers)
        // Every credential, token and signature check counts its failures per client.
        .layer(axum::middleware::from_fn(backoff::guard))
        .route("/v1/health", get(|| async { "ok" }))
        // The limits above are the only ones: the extractors read what they let through.
        .layer(DefaultBodyLimit::disable())
        .with_state(hq)
}

/// Runs `f` on a blocking thread (database and Automerge work), in one of
/// [`edge::MAX_BUSY`] slots; 503 when none frees up within [`edge::BUSY_WAIT`].
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, HqError> + Send + 'static,
) -> Result<T, HqError> {
    let slot = tokio::time::timeout(edge::BUSY_WAIT, edge::BUSY.acquire())
        .await
        .map_err(|_| HqError::Busy("HQ is busy; try again shortly".into()))?
        .map_err(|e| HqError::Internal(e.to_string()))?;
    let done = tokio::task::spawn_blocking(f).await;
    drop(slot);
    done.map_err(|e| HqError::Internal(format!("request handler failed: {e}")))?
}

pub(crate) fn json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HqError> {
    serde_json::from_slice(body).map_err(|e| HqError::BadRequest(format!("request body: {e}")))
}

pub(crate) fn bearer(headers: &HeaderMap) -> Result<String, HqError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| HqError::Unauthorized("missing `Authorization: Bearer CREDENTIAL`".into()))
}

pub(crate) fn authenticated(hq: &Hq, headers: &HeaderMap) -> Result<RegisterView, HqError> {
    hq.authenticate(&bearer(headers)?, jiff::Timestamp::now())
}

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Serves `hq` on `listener` until Ctrl-C or SIGTERM; `behind_proxy`: a client's address
/// is the last one in `X-Forwarded-For` (for the back-off on failed authentication).
pub async fn serve(hq: Arc<Hq>, listener: tokio::net::TcpListener, behind_proxy: bool) -> std::io::Result<()> {
    edge::serve(listener, router(hq), behind_proxy, shutdown()).await
}

/// Serves `hq` over HTTPS on `listener` until Ctrl-C or SIGTERM.
pub async fn serve_tls(hq: Arc<Hq>, listener: tls::TlsListener) -> std::io::Result<()> {
    edge::serve(listener, router(hq), false, shutdown()).await
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
