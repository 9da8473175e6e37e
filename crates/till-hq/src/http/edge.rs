//! The edge every request crosses before a handler, so that HQ holds on the internet:
//! connections are capped and must send their headers in time; each route reads at most
//! its own body limit, under a deadline; registers are authenticated from their headers
//! before their body is read; and blocking work waits for one of a fixed number of slots.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

use super::backoff::Peer;
use super::{authenticated, blocking};
use crate::error::HqError;
use crate::services::Hq;

/// Body limit of a JSON request (enrollment, rotation, anchors, lookups).
pub const SMALL_BODY: usize = 64 << 10;
/// Body limit of one order (the order API, a webhook, an endless-aisle order).
pub const ORDER_BODY: usize = 1 << 20;
/// Body limit of a digest request (every document id a register holds, with its heads).
pub const DIGEST_BODY: usize = 8 << 20;
/// How long a client may take to send a body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 4096;
/// Requests doing database or Automerge work at once.
pub const MAX_BUSY: usize = 64;
/// How long a request waits for a slot before HQ answers 503.
pub const BUSY_WAIT: Duration = Duration::from_secs(20);

/// The slots blocking work runs in.
pub(crate) static BUSY: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(MAX_BUSY));

/// Reads the body, at most `limit` bytes within [`BODY_TIMEOUT`], before the handler runs:
/// 413 past the limit (nothing more is read), 408 when it trickles too slowly.
pub(crate) async fn read_body(State(limit): State<usize>, request: Request, next: Next) -> Result<Response, HqError> {
    let (parts, body) = request.into_parts();
    let declared = parts.headers.get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return Err(too_large(limit)),
        Err(_) => return Err(HqError::Timeout(format!("the request body did not arrive within {BODY_TIMEOUT:?}"))),
    };
    Ok(next.run(Request::from_parts(parts, Body::from(bytes))).await)
}

fn too_large(limit: usize) -> HqError {
    HqError::TooLarge(format!("the request body is larger than this route's limit of {limit} bytes; nothing was read"))
}

/// Authenticates a register from its `Authorization` header before anything else of the
/// request is read; the handler finds it as an `Extension<RegisterView>`.
pub(crate) async fn register(State(hq): State<Arc<Hq>>, mut request: Request, next: Next) -> Result<Response, HqError> {
    let headers = request.headers().clone();
    let who = blocking(move || authenticated(&hq, &headers)).await?;
    request.extensions_mut().insert(who);
    Ok(next.run(request).await)
}

/// Serves `app` on `listener` until `shutdown` completes: at most [`MAX_CONNECTIONS`]
/// connections, each closed if it does not send a request's headers within
/// [`HEADER_TIMEOUT`]. Connections still open at shutdown get 10 s to finish. Each request
/// carries its connection's [`Peer`] (`forwarded`: believe `X-Forwarded-For`).
pub(crate) async fn serve<L>(
    mut listener: L,
    app: Router,
    forwarded: bool,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = std::net::SocketAddr>,
{
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone().layer(axum::Extension(Peer { addr, forwarded }));
        let service = hyper_util::service::TowerToHyperService::new(app);
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(hyper_util::rt::TokioIo::new(io), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}
