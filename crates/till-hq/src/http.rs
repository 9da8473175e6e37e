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
    CatalogRequest, DOC_HEADER, DigestRequest, EnrollRequest, ErrorBody, MAX_BODY, RotateRequest, THROUGH_HEADER,
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
            HqError::Database(_) => StatusCode::SERVICE_UNAVAILABLE,
            HqError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
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
        .route("/v1/catalog", post(catalog))
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
