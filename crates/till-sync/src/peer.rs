//! A register serving its store's shared documents to the other registers of the store
//! on the LAN (`till serve-peer`), with the same protocol as HQ, so stock agrees inside a
//! store during a WAN outage. Peers authenticate with the store's peer key from HQ; they
//! see only the store's shared documents, never a register's journal.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use automerge::sync::{Message, State, SyncDoc};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use till_docs::DocId;
use till_protocol::{DOC_HEADER, DigestRequest, DigestResponse, ErrorBody, MAX_BODY, digest_of_heads, shared_in_store};
use till_store::Store;

struct Peer {
    store: Mutex<Store>,
    code: String,
    key_hash: [u8; 32],
}

/// A refused request: its status and why.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let code = match self.0 {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
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
    fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let given = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        match given {
            Some(key) if Sha256::digest(key.as_bytes()).as_slice() == self.key_hash => Ok(()),
            _ => Err(refuse(StatusCode::UNAUTHORIZED, "not a register of this store (peer key)")),
        }
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
        let mut store = self.store.lock().map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "poisoned"))?;
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
        let message =
            Message::decode(body).map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("not a sync message: {e}")))?;
        let internal = |e: till_store::StoreError| refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        let mut store = self.store.lock().map_err(|_| refuse(StatusCode::INTERNAL_SERVER_ERROR, "poisoned"))?;
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
            match id.kind() {
                // An order HQ published reaches a register from HQ or from a peer that
                // had it first; once held, HQ's part (what to fulfil) may not change here.
                till_docs::DocKind::Order { .. } => {
                    let fresh = till_docs::OrderDoc::read(&held, id.as_str()).map_err(bad)?.is_none();
                    if !fresh && !till_docs::OrderDoc::hq_part_unchanged(&held, &doc, id.as_str()).map_err(bad)? {
                        return Err(refuse(StatusCode::BAD_REQUEST, format!("{id}: a peer may not change HQ's part")));
                    }
                }
                _ => {
                    if !till_docs::StockDoc::only_increments(&held, &doc).map_err(bad)? {
                        return Err(refuse(
                            StatusCode::BAD_REQUEST,
                            format!("{id}: a peer may only increment counters"),
                        ));
                    }
                }
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

async fn digests(AxState(peer): AxState<Arc<Peer>>, headers: HeaderMap, body: Bytes) -> Response {
    let work = move || -> Result<Response, Refusal> {
        peer.check(&headers)?;
        let req: DigestRequest =
            serde_json::from_slice(&body).map_err(|e| refuse(StatusCode::BAD_REQUEST, format!("request body: {e}")))?;
        Ok(axum::Json(peer.digests(&req)?).into_response())
    };
    blocking(work).await
}

async fn doc(AxState(peer): AxState<Arc<Peer>>, headers: HeaderMap, body: Bytes) -> Response {
    let work = move || -> Result<Response, Refusal> {
        peer.check(&headers)?;
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

/// Serves `store`'s shared documents on `listen` until the process ends; `ready` gets the
/// bound address first. The store must be enrolled (the peer key comes from HQ).
pub fn serve(store: Store, listen: &str, ready: impl FnOnce(SocketAddr)) -> Result<(), crate::SyncError> {
    let key = store.setting(crate::client::PEER_KEY_SETTING)?.ok_or(crate::SyncError::NotEnrolled)?;
    let code = store
        .replica_identity()
        .map(|i| i.store.clone())
        .ok_or_else(|| crate::SyncError::Protocol { url: listen.into(), message: "no replica identity".into() })?;
    let peer = Arc::new(Peer { store: Mutex::new(store), code, key_hash: Sha256::digest(key.as_bytes()).into() });
    let io = |e: std::io::Error| crate::SyncError::Offline { url: listen.to_string(), message: e.to_string() };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(io)?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        let app = Router::new()
            .route("/v1/health", get(|| async { "ok" }))
            .route("/v1/sync/digests", post(digests))
            .route("/v1/sync/doc", post(doc))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .with_state(peer);
        axum::serve(listener, app).await.map_err(io)
    })
}
