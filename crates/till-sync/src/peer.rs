//! A register serving its store's shared documents to the other registers of the store
//! on the LAN (`till serve-peer`), with the same protocol as HQ, so stock agrees inside a
//! store during a WAN outage. It serves HTTPS only, and a connection is accepted only
//! when both sides prove in the TLS handshake that they hold the store's peer key from HQ
//! ([`crate::peer_tls`]); the key itself never travels. Peers see only the store's shared
//! documents, never a register's journal; and its own recent sales, without staff or
//! cash session, for the asker's copy ([`crate::peer_sales`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::sync::{Message, State, SyncDoc};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rustls::ServerConfig;
use sha2::{Digest, Sha256};
use till_docs::DocId;
use till_protocol::{DOC_HEADER, DigestRequest, DigestResponse, ErrorBody, MAX_BODY, digest_of_heads, shared_in_store};
use till_store::Store;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

struct Peer {
    store: Mutex<Store>,
    code: String,
    /// The TLS configuration for the peer key it was made from (by the key's SHA-256).
    tls: Mutex<Option<([u8; 32], Arc<ServerConfig>)>>,
}

/// A refused request: its status and why.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let code = match self.0 {
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::PAYLOAD_TOO_LARGE => "too_large",
            s if s.is_server_error() => "internal",
            _ => "bad_request",
        };
        (self.0, axum::Json(ErrorBody { code: code.into(), message: self.1 })).into_response()
    }
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Refusal {
    Refusal(status, message.into())
}

impl Peer {
    /// The register's store, also after a request panicked holding it: every write to it is
    /// one SQLite transaction, rolled back when the panic dropped it, so what is left is
    /// sound — and a panic must not turn every later request into a 500.
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| {
            tracing::warn!("a peer request panicked earlier; serving on (its transaction was rolled back)");
            self.store.clear_poison();
            poisoned.into_inner()
        })
    }

    /// The TLS configuration for the store's peer key as it is now in the register's
    /// settings (HQ changes it when it revokes a register), made again only when it changed.
    fn tls_config(&self) -> Result<Arc<ServerConfig>, crate::SyncError> {
        let key = {
            let store = self.store();
            store.setting(crate::client::PEER_KEY_SETTING)?.ok_or(crate::SyncError::NotEnrolled)?
        };
        let hash: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut cached = self.tls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((h, config)) = cached.as_ref()
            && *h == hash
        {
            return Ok(config.clone());
        }
        let config = Arc::new(crate::peer_tls::server_config(&key)?);
        *cached = Some((hash, config.clone()));
        Ok(config)
    }

    fn shared(&self, id: &str) -> Result<DocId, Refusal> {
        let id = DocId::parse(id).map_err(|e| refuse(StatusCode::BAD_REQUEST, e.to_string()))?;
        if !shared_in_store(&id) || id.store() != self.code {
            return Err(refuse(StatusCode::FORBIDDEN, format!("{id} is not shared in store {}", self.code)));
        }
        Ok(id)
    }

    fn digests(&self, req: &DigestRequest) -> Result<DigestResponse, Refusal> {
        let internal = |e: till_store::StoreError| refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        for id in req.docs.keys() {
            self.shared(id)?;
        }
        let mut store = self.store();
        store.replicate_stock().map_err(internal)?;
        let mut out = DigestResponse::default();
        for (id, heads, _) in store.replicated_docs().map_err(internal)? {
            if shared_in_store(&id) && id.store() == self.code {
                out.docs.insert(id.to_string(), digest_of_heads(&heads));
            }
        }
        Ok(out)
    }

    fn doc(&self, id: &str, body: &[u8]) -> Result<Option<Vec<u8>>, Refusal> {
        let id = self.shared(id)?;
        // Within budget before Automerge inflates or builds anything (till_docs::budget).
        till_docs::budget::check_message(body).map_err(|e| {
            let status = if e.is_malformed() { StatusCode::BAD_REQUEST } else { StatusCode::PAYLOAD_TOO_LARGE };
            refuse(status, e.to_string())
        })?;
        let message =
            Message::decode(body).map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("not a sync message: {e}")))?;
        let internal = |e: till_store::StoreError| refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        let mut store = self.store();
        let mut doc = store.doc_copy(&id).map_err(internal)?;
        let held = doc.fork();
        let before = doc.get_heads();
        let mut state = State::new();
        doc.sync()
            .receive_sync_message(&mut state, message)
            .map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("sync message refused: {e}")))?;
        let received = doc.get_changes(&before);
        if !received.is_empty() {
            let bad = |e: till_docs::DocError| refuse(StatusCode::BAD_REQUEST, e.to_string());
            // The whole document in its kind's shape, and what the peer's changes do.
            till_docs::validate(&doc, &id).map_err(|e| bad(e.into()))?;
            match id.kind() {
                // An order HQ published reaches a register from HQ or from a peer that
                // had it first; once held, HQ's part (what to fulfil) may not change here.
                till_docs::DocKind::Order { .. } => {
                    let fresh = till_docs::OrderDoc::read(&held, id.as_str()).map_err(bad)?.is_none();
                    if !fresh && !till_docs::OrderDoc::hq_part_unchanged(&held, &doc, id.as_str()).map_err(bad)? {
                        return Err(refuse(StatusCode::BAD_REQUEST, format!("{id}: a peer may not change HQ's part")));
                    }
                }
                _ => till_docs::StockDoc::check_increments(&held, &received, id.as_str()).map_err(|e| bad(e.into()))?,
            }
            store.store_received(&id, received).map_err(internal)?;
        }
        Ok(doc.sync().generate_sync_message(&mut state).map(Message::encode))
    }
}

/// Runs a handler's work on a blocking thread (SQLite and Automerge work).
async fn blocking(work: impl FnOnce() -> Result<Response, Refusal> + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(response)) => response,
        Ok(Err(refusal)) => refusal.into_response(),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn digests(AxState(peer): AxState<Arc<Peer>>, body: Bytes) -> Response {
    let work = move || -> Result<Response, Refusal> {
        let req: DigestRequest =
            serde_json::from_slice(&body).map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("request body: {e}")))?;
        Ok(axum::Json(peer.digests(&req)?).into_response())
    };
    blocking(work).await
}

async fn doc(AxState(peer): AxState<Arc<Peer>>, headers: HeaderMap, body: Bytes) -> Response {
    let work = move || -> Result<Response, Refusal> {
        let id = headers
            .get(DOC_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| refuse(StatusCode::BAD_REQUEST, format!("missing {DOC_HEADER} header")))?
            .to_string();
        Ok(match peer.doc(&id, &body)? {
            Some(reply) => (StatusCode::OK, reply).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        })
    };
    blocking(work).await
}

/// A store peer's recent sales, for the asker's copy (see [`crate::peer_sales`]).
async fn sales(AxState(peer): AxState<Arc<Peer>>, body: Bytes) -> Response {
    let work = move || -> Result<Response, Refusal> {
        let req: till_protocol::PeerSalesRequest =
            serde_json::from_slice(&body).map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("request body: {e}")))?;
        let store = peer.store();
        let answer = crate::peer_sales::answer(&store, &req).map_err(|e| refuse(StatusCode::BAD_REQUEST, e))?;
        Ok(axum::Json(answer).into_response())
    };
    blocking(work).await
}

/// A TCP listener whose connections come out TLS-wrapped once the client proved the
/// store's peer key; the configuration follows the peer key at each connection.
struct PeerListener {
    tcp: TcpListener,
    peer: Arc<Peer>,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

/// One connection's handshake, with the TLS configuration of the peer key held now.
async fn handshake(peer: Arc<Peer>, stream: TcpStream, addr: SocketAddr) -> Option<(TlsStream<TcpStream>, SocketAddr)> {
    let config = tokio::task::spawn_blocking(move || peer.tls_config().map_err(|e| e.to_string()))
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            tracing::warn!(%addr, "no TLS identity to answer with: {e}");
            return None;
        }
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, TlsAcceptor::from(config).accept(stream)).await {
        Ok(Ok(tls)) => Some((tls, addr)),
        Ok(Err(e)) => {
            tracing::info!(%addr, "peer TLS handshake refused: {e}");
            None
        }
        Err(_) => {
            tracing::info!(%addr, "peer TLS handshake timed out");
            None
        }
    }
}

impl axum::serve::Listener for PeerListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    if let Ok(Some(ready)) = done {
                        return ready;
                    }
                }
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, addr)) => {
                        self.handshakes.spawn(handshake(self.peer.clone(), stream, addr));
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Serves `store`'s shared documents over HTTPS on `listen` until the process ends; `ready`
/// gets the bound address first. The store must be enrolled (the peer key comes from HQ).
pub fn serve(store: Store, listen: &str, ready: impl FnOnce(SocketAddr)) -> Result<(), crate::SyncError> {
    let code = store
        .replica_identity()
        .map(|i| i.store.clone())
        .ok_or_else(|| crate::SyncError::Protocol { url: listen.into(), message: "no replica identity".into() })?;
    let peer = Arc::new(Peer { store: Mutex::new(store), code, tls: Mutex::new(None) });
    // Refused at start when not enrolled, rather than at the first connection.
    peer.tls_config()?;
    let io = |e: std::io::Error| crate::SyncError::Offline { url: listen.to_string(), message: e.to_string() };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(io)?;
    rt.block_on(async {
        let tcp = tokio::net::TcpListener::bind(listen).await.map_err(io)?;
        ready(tcp.local_addr().map_err(io)?);
        let app = Router::new()
            .route("/v1/health", get(|| async { "ok" }))
            .route("/v1/sync/digests", post(digests))
            .route("/v1/sync/doc", post(doc))
            .route("/v1/peer/sales", post(sales))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(peer.clone());
        let listener = PeerListener { tcp, peer, handshakes: JoinSet::new() };
        axum::serve(listener, app).await.map_err(io)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_that_panicked_holding_the_store_does_not_refuse_every_later_one() {
        let dir = tempfile::tempdir().unwrap();
        let peer = Arc::new(Peer {
            store: Mutex::new(Store::create(&dir.path().join("till.sqlite")).unwrap()),
            code: "AMS-01".into(),
            tls: Mutex::new(None),
        });
        let panicking = peer.clone();
        let _ = std::thread::spawn(move || {
            let _held = panicking.store.lock().unwrap();
            panic!("a bug in a request");
        })
        .join();
        assert!(peer.store.is_poisoned());
        let answer = peer.digests(&DigestRequest::default());
        assert!(answer.is_ok(), "served on after the panic");
        assert!(!peer.store.is_poisoned(), "and the lock is sound again");
    }
}
