//! The register's side: enrollment, credential rotation, one sync round, and the status
//! a manager sees. Blocking (reqwest): the CLI runs one round; the desktop app runs it
//! on a background thread, never on the sale path.

use std::collections::BTreeMap;
use std::time::Duration;

use automerge::sync::{ChunkList, Message, MessageVersion, State, SyncDoc};
use serde::Serialize;
use sha2::Digest as _;
use till_docs::{AutoCommit, Change, ChangeHash, DocId, DocKind, OrderDoc, StockDoc, heads_to_text};
use till_protocol::{
    AnchorRequest, CatalogInfo, CatalogRequest, ChainStockChanges, ChainStockSince, DOC_HEADER, DigestRequest,
    DigestResponse, EnrollRequest, EnrollResponse, ErrorBody, FindOrder, FoundOrder, RotateRequest, StoreConflict,
    THROUGH_HEADER, digest_of_heads, shared_in_store,
};
use till_store::{AuditEntry, QuarantinedDoc, Store, StoreError};

use crate::trust::{HqTrust, RefusedCertificate, TrustError, check_url, tls_failure, trusting_nobody};

/// Setting holding the HQ catalog version the register sells on.
pub const CATALOG_VERSION_SETTING: &str = "catalog.version";

/// Setting holding the label of the configuration version in force (`local-N`, `hq-N`).
pub const CONFIG_VERSION_SETTING: &str = "config.version";

/// Setting holding the store's peer key (from HQ, at enrollment).
pub const PEER_KEY_SETTING: &str = key::PEER_KEY;

pub use crate::pickup_key::PICKUP_KEY_SETTING;

/// Settings the register keeps about its HQ.
mod key {
    pub const URL: &str = "sync.hq_url";
    pub const CREDENTIAL: &str = "sync.credential";
    pub const ENROLLING: &str = "sync.enrolling_credential";
    pub const NEXT: &str = "sync.next_credential";
    pub const LAST_SUCCESS: &str = "sync.last_success";
    pub const LAST_ATTEMPT: &str = "sync.last_attempt";
    pub const LAST_ERROR: &str = "sync.last_error";
    pub const THROUGH: &str = "sync.hq_through";
    pub const ORDERS_AS_OF: &str = "sync.orders_as_of";
    pub const ORDERS_FULL_AS_OF: &str = "sync.orders_full_as_of";
    pub const PEER_KEY: &str = "sync.peer_key";
    pub const TRUST: &str = "sync.hq_trust";
    pub const LAST_PEER_SUCCESS: &str = "sync.last_peer_success";
}

/// Exchanges per document in one round before giving up (a healthy exchange needs 2).
const MAX_EXCHANGES: usize = 32;

/// Exchanges after which the whole document is sent along. A server answers each request
/// with a fresh sync state (any HQ process may answer any request), so it forgets a
/// change it could not apply yet; if the bloom filter it sent claims, falsely, that it
/// already holds that change's dependency, the protocol alone would never send it.
const SEND_WHOLE_AFTER: usize = 4;

/// What can go wrong syncing.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The register has not been enrolled with an HQ.
    #[error("this register is not enrolled with an HQ; run `till enroll --hq URL --token TOKEN`")]
    NotEnrolled,
    /// The network failed (HQ unreachable, connection dropped, timeout).
    #[error("cannot reach {url}: {message}")]
    Offline {
        /// Where.
        url: String,
        /// What the transport said.
        message: String,
    },
    /// The server refused the request.
    #[error("{url} answered {status}: {message}")]
    Refused {
        /// Where.
        url: String,
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The server's answer made no sense.
    #[error("bad answer from {url}: {message}")]
    Protocol {
        /// Where.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// The register is enrolled already and re-enrolling was not asked for.
    #[error(
        "this register is already enrolled with {url}; enrolling it again moves it to another HQ or store \
         (a manager's act): give --re-enroll"
    )]
    AlreadyEnrolled {
        /// The HQ it is enrolled with.
        url: String,
    },
    /// The URL or the trust choice was refused before any connection was made.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The TLS handshake failed: the server's certificate is not the trusted one (or not
    /// for that name), or the server does not speak TLS.
    #[error(
        "{url} is not the HQ this register trusts: {message}; check the URL, or enroll again with \
         --ca FILE.pem or --pin-sha256 HEX"
    )]
    Untrusted {
        /// Where.
        url: String,
        /// What TLS said.
        message: String,
    },
    /// The TLS handshake with a peer register failed: one side does not hold the store's
    /// current peer key (or the address is not a Till peer at all).
    #[error(
        "{url} is not a peer this register can trust: {message}; both must be registers of the same store that \
         have synced with HQ since a register of the store was last revoked (the peer key changes then)"
    )]
    NotAPeer {
        /// Where.
        url: String,
        /// What TLS said.
        message: String,
    },
    /// A document failed its shape check, as received (nothing of it was stored) or as this
    /// register holds it; the round sets it aside and goes on with the others.
    #[error("document {doc} set aside: {reason}")]
    BadDocument {
        /// The document.
        doc: String,
        /// What is wrong, and whose copy.
        reason: String,
    },
    /// The store's peer TLS identity could not be made.
    #[error(transparent)]
    PeerTls(#[from] crate::peer_tls::PeerTlsError),
    /// The register's store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// Whether trying again later may succeed (the network), as opposed to a refusal.
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Offline { .. })
            || matches!(self, SyncError::Refused { status, .. } if *status >= 500 || *status == 429)
    }
}

/// What a sync round did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SyncReport {
    /// Documents that differed and were exchanged.
    pub docs_exchanged: u64,
    /// HTTP requests made.
    pub requests: u64,
    /// Request body bytes sent.
    pub bytes_sent: u64,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// The last journal record HQ holds in chain order, after the round.
    pub hq_through: u64,
    /// Catalog versions in force at HQ the register has not imported, oldest first.
    pub catalogs: Vec<CatalogInfo>,
    /// Store configuration versions HQ holds that the register did not, oldest first (the
    /// register keeps and validates them; see `till_register`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<till_protocol::ConfigVersionInfo>,
    /// HQ's clock when it answered the round's digests (Unix seconds; 0 from a peer).
    pub hq_as_of: i64,
    /// Whether HQ was asked for all of the store's order documents, not only those changed
    /// since the last round.
    pub all_orders: bool,
    /// Why a pickup key HQ's answer offered was refused (see `pickup_key`), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pickup_key_refused: Option<String>,
    /// Documents this round set aside, or left aside (unchanged on both sides since they
    /// failed); every other document went on.
    pub quarantined: Vec<SetAside>,
    /// What HQ's staff roster changed here this round, in words (the register fills it in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<String>,
    /// Copies of a store peer's sales added in a peer round (for returns of its receipts).
    #[serde(skip_serializing_if = "is_zero")]
    pub peer_sales: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A replicated document set aside by a sync round (quarantined), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAside {
    /// The document's id.
    pub doc: String,
    /// Which side it failed with: `hq` or `peer`.
    pub side: String,
    /// Why, in words.
    pub reason: String,
    /// When it was first set aside.
    pub since: String,
    /// When it last failed.
    pub at: String,
}

impl From<&QuarantinedDoc> for SetAside {
    fn from(q: &QuarantinedDoc) -> Self {
        SetAside {
            doc: q.doc.clone(),
            side: q.side.clone(),
            reason: q.reason.clone(),
            since: q.since.clone(),
            at: q.at.clone(),
        }
    }
}

/// Whether `e`, met exchanging one document, concerns that document alone (its shape, or
/// the other side refusing it), so the round sets it aside and goes on; anything else
/// (the network, a revoked credential, this register's database) ends the round.
fn concerns_the_document(e: &SyncError) -> bool {
    match e {
        SyncError::BadDocument { .. } | SyncError::Protocol { .. } => true,
        SyncError::Refused { status, .. } => matches!(status, 400 | 403 | 409 | 413 | 422),
        _ => false,
    }
}

/// How long (in HQ's seconds) a register goes by "order documents changed since my last
/// round" before asking for the whole list once: a safety net should an HQ process's clock
/// have been off by more than the five minutes HQ allows for.
const FULL_ORDER_LISTING_EVERY: i64 = 24 * 3600;

/// An HQ (or peer) to sync with.
pub struct Remote {
    url: String,
    credential: Option<String>,
    http: reqwest::blocking::Client,
    /// Why HQ's certificate was last refused (https only).
    refused: Option<RefusedCertificate>,
    /// A peer register (mutual TLS from the store's peer key), not HQ.
    peer: bool,
}

impl Remote {
    /// A remote at `url` (`https://host:port`, or `http://` to a loopback host only),
    /// verified by `trust` and authenticating with `credential` if given. A URL that would
    /// travel in clear is refused here, before any connection.
    pub fn new(url: &str, credential: Option<String>, trust: &HqTrust) -> Result<Remote, SyncError> {
        let (tls, refused) = if check_url(url)? {
            let (config, refused) = trust.client_config()?;
            (config, Some(refused))
        } else {
            (trusting_nobody(), None)
        };
        Remote::with_tls(url, credential, tls, refused, false)
    }

    fn with_tls(
        url: &str,
        credential: Option<String>,
        tls: rustls::ClientConfig,
        refused: Option<RefusedCertificate>,
        peer: bool,
    ) -> Result<Remote, SyncError> {
        let http = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(tls)
            // A redirect could lead to a plain-HTTP host the check above would refuse.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| SyncError::Protocol { url: url.to_string(), message: e.to_string() })?;
        Ok(Remote { url: url.trim_end_matches('/').to_string(), credential, http, refused, peer })
    }

    /// The HQ this register is enrolled with, from its settings.
    pub fn hq_of(store: &Store) -> Result<Remote, SyncError> {
        let url = store.setting(key::URL)?.ok_or(SyncError::NotEnrolled)?;
        let credential = store.setting(key::CREDENTIAL)?.ok_or(SyncError::NotEnrolled)?;
        Remote::new(&url, Some(credential), &hq_trust(store)?)
    }

    /// A peer register of the same store at `https://host:port`. Both sides prove in the
    /// TLS handshake that they hold the store's peer key (which HQ gave at enrollment), with
    /// certificates derived from it now ([`crate::peer_tls`]); the key itself is never sent.
    pub fn peer_of(store: &Store, url: &str) -> Result<Remote, SyncError> {
        if !check_url(url)? {
            return Err(TrustError::PlainPeer { url: url.to_string() }.into());
        }
        let key = store.setting(key::PEER_KEY)?.ok_or(SyncError::NotEnrolled)?;
        let (tls, refused) = crate::peer_tls::client_config(&key)?;
        Remote::with_tls(url, None, tls, Some(refused), true)
    }

    /// The remote's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// POSTs `body` to `path`; `Ok(None)` for 204 No Content. Counts bytes in `report`.
    fn post(
        &self,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
        report: &mut SyncReport,
    ) -> Result<Option<(Vec<u8>, reqwest::header::HeaderMap)>, SyncError> {
        let url = format!("{}{path}", self.url);
        let mut req = self.http.post(&url);
        if let Some(c) = &self.credential {
            req = req.bearer_auth(c);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        report.requests += 1;
        report.bytes_sent += body.len() as u64;
        if let Some(refused) = &self.refused {
            refused.take();
        }
        let offline = |e: reqwest::Error| match self
            .refused
            .as_ref()
            .and_then(RefusedCertificate::take)
            .or_else(|| tls_failure(&e))
        {
            Some(message) if self.peer => SyncError::NotAPeer { url: url.clone(), message },
            Some(message) => SyncError::Untrusted { url: url.clone(), message },
            None => SyncError::Offline { url: url.clone(), message: e.to_string() },
        };
        let resp = req.body(body).send().map_err(offline)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().map_err(offline)?.to_vec();
        report.bytes_received += bytes.len() as u64;
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorBody>(&bytes)
                .map(|e| e.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(300).collect());
            return Err(SyncError::Refused { url, status: status.as_u16(), message });
        }
        Ok(Some((bytes, headers)))
    }

    pub(crate) fn post_json<T: Serialize, R: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &T,
        report: &mut SyncReport,
    ) -> Result<R, SyncError> {
        let bytes = serde_json::to_vec(body).map_err(|e| self.protocol(e))?;
        let (reply, _) = self
            .post(path, bytes, &[("content-type", "application/json")], report)?
            .ok_or_else(|| self.protocol("empty answer"))?;
        serde_json::from_slice(&reply).map_err(|e| self.protocol(e))
    }

    pub(crate) fn protocol(&self, message: impl std::fmt::Display) -> SyncError {
        SyncError::Protocol { url: self.url.clone(), message: message.to_string() }
    }
}

/// A fresh high-entropy credential (two random v4 UUIDs: 244 random bits).
fn new_credential() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

fn identity(store: &Store) -> Result<till_store::ReplicaIdentity, SyncError> {
    store.replica_identity().cloned().ok_or_else(|| {
        SyncError::Store(StoreError::NotFound("the register has no replica identity (open it as a register)".into()))
    })
}

/// How this register verifies its HQ's certificate (chosen at enrollment; the system's
/// roots for a register enrolled before the choice existed).
pub fn hq_trust(store: &Store) -> Result<HqTrust, SyncError> {
    Ok(match store.setting(key::TRUST)? {
        Some(text) => HqTrust::from_setting(&text)?,
        None => HqTrust::OsRoots,
    })
}

/// The HQ URL this register is enrolled with, if any.
pub fn enrolled_with(store: &Store) -> Result<Option<String>, SyncError> {
    Ok(match store.setting(key::CREDENTIAL)? {
        Some(_) => store.setting(key::URL)?,
        None => None,
    })
}

/// Enrolls the register with the HQ at `url` using a one-time `token`, verifying HQ's
/// certificate by `trust` then and on every later request. What HQ answered is written
/// in one transaction with `audit` (who enrolled it, at what time).
///
/// The credential is made and saved before HQ is asked, so a crash or a lost answer
/// leaves a register that can repeat the same enrollment.
pub fn enroll(
    store: &mut Store,
    url: &str,
    token: &str,
    trust: &HqTrust,
    audit: Option<(&AuditEntry, &str)>,
) -> Result<(), SyncError> {
    // Refused before anything is saved or sent.
    let remote = Remote::new(url, None, trust)?;
    let me = identity(store)?;
    let credential = match store.setting(key::ENROLLING)? {
        Some(c) => c,
        None => {
            let c = new_credential();
            store.set_setting(key::ENROLLING, &c)?;
            c
        }
    };
    let request = EnrollRequest {
        token: token.to_string(),
        store: me.store,
        register: me.register,
        credential: credential.clone(),
    };
    let answer: EnrollResponse = remote.post_json("/v1/enroll", &request, &mut SyncReport::default())?;
    let trust_text = trust.to_setting();
    let mut set = vec![
        (key::URL, remote.url()),
        (key::TRUST, trust_text.as_str()),
        (key::PEER_KEY, answer.peer_key.as_str()),
        (key::CREDENTIAL, credential.as_str()),
    ];
    if let Some(k) = &answer.pickup_key {
        set.push((PICKUP_KEY_SETTING, k.as_str()));
    }
    // Another HQ (or the same one for another store) lists its order documents afresh, and
    // numbers its catalog versions its own way: the register takes them from the start.
    let reset = [
        key::ENROLLING,
        key::ORDERS_AS_OF,
        key::ORDERS_FULL_AS_OF,
        CATALOG_VERSION_SETTING,
        crate::pickup_key::ALERT_SETTING,
    ];
    store.change_settings(&set, &reset, audit)?;
    Ok(())
}

/// Replaces the register's credential with a new one (see [`RotateRequest`]). A rotation
/// interrupted earlier is finished with the credential it had saved.
pub fn rotate(store: &mut Store) -> Result<(), SyncError> {
    let remote = Remote::hq_of(store)?;
    let next = match store.setting(key::NEXT)? {
        Some(n) => n,
        None => {
            let n = new_credential();
            store.set_setting(key::NEXT, &n)?;
            n
        }
    };
    let _: serde_json::Value =
        remote.post_json("/v1/rotate", &RotateRequest { next: next.clone() }, &mut SyncReport::default())?;
    store.set_setting(key::CREDENTIAL, &next)?;
    store.delete_setting(key::NEXT)?;
    Ok(())
}

/// Runs one sync round with `remote`: stock movements become counter increments, then
/// every document that differs is exchanged. `now` is recorded as the attempt time.
pub fn sync_once(store: &mut Store, remote: &Remote, now: jiff::Timestamp) -> Result<SyncReport, SyncError> {
    store.set_setting(key::LAST_ATTEMPT, &now.to_string())?;
    let result = round(store, remote, now, Scope::Hq);
    match &result {
        Ok(report) => {
            store.set_setting(key::LAST_SUCCESS, &now.to_string())?;
            store.set_setting(key::THROUGH, &report.hq_through.to_string())?;
            store.set_setting(key::ORDERS_AS_OF, &report.hq_as_of.to_string())?;
            if report.all_orders {
                store.set_setting(key::ORDERS_FULL_AS_OF, &report.hq_as_of.to_string())?;
            }
            store.delete_setting(key::LAST_ERROR)?;
        }
        Err(e) => store.set_setting(key::LAST_ERROR, &e.to_string())?,
    }
    result
}

/// Runs one round with a peer register of the same store: only the documents the store's
/// registers share (inventory counters), so stock agrees inside the store while HQ is out
/// of reach. HQ's status (what HQ holds) is left alone.
pub fn sync_peer(store: &mut Store, remote: &Remote, now: jiff::Timestamp) -> Result<SyncReport, SyncError> {
    let report = round(store, remote, now, Scope::Peer)?;
    store.set_setting(key::LAST_PEER_SUCCESS, &now.to_string())?;
    Ok(report)
}

/// Which documents a round covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Everything, with HQ; confirmations recorded as HQ's.
    Hq,
    /// The store's shared documents, with a peer.
    Peer,
}

impl Scope {
    /// The side a document set aside in this round is recorded for.
    fn side(self) -> &'static str {
        match self {
            Scope::Hq => "hq",
            Scope::Peer => "peer",
        }
    }
}

fn round(store: &mut Store, remote: &Remote, now: jiff::Timestamp, scope: Scope) -> Result<SyncReport, SyncError> {
    let me = identity(store)?;
    // A rotation interrupted earlier is finished first, and the round then uses the new
    // credential — whose first use retires the old one at HQ.
    let rotated;
    let remote = if scope == Scope::Hq && remote.credential.is_some() && store.setting(key::NEXT)?.is_some() {
        rotate(store)?;
        rotated = Remote::hq_of(store)?;
        &rotated
    } else {
        remote
    };
    store.replicate_stock()?;
    let stock = DocId::stock(&me.store).map_err(StoreError::from)?;
    let mut report = SyncReport::default();
    // Documents this round may exchange: this store's, and with a peer only the shared ones
    // (a document of another store, slipped in by a peer, is never offered to HQ).
    let in_scope = |id: &DocId| id.store() == me.store && (scope == Scope::Hq || shared_in_store(id));
    // Each document's digest, with the heads it was computed from: only those heads may be
    // recorded as confirmed (a sale committed meanwhile is not).
    // Every document held in scope, with its digest and, for those asked about (heads not
    // yet confirmed, or all), the heads to confirm; a document the other side lists that
    // was not asked about is compared with what is held, not with nothing.
    let ask = |store: &Store, all: bool, report: &mut SyncReport| -> Result<_, SyncError> {
        let mut mine: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        for (id, heads, acked) in store.replicated_docs()? {
            if !in_scope(&id) {
                continue;
            }
            let asked = all || heads != acked || id == stock;
            mine.insert(id.to_string(), (digest_of_heads(&heads), asked.then_some(heads)));
        }
        mine.entry(stock.to_string()).or_insert((String::new(), Some(String::new())));
        let docs = mine
            .iter()
            .filter(|(_, (_, heads))| heads.is_some())
            .map(|(id, (digest, _))| (id.clone(), digest.clone()))
            .collect();
        let catalog_version = store.setting(CATALOG_VERSION_SETTING)?.and_then(|v| v.parse().ok()).unwrap_or(0);
        // Order documents unchanged since the last completed round are not listed again
        // (unless everything is compared afresh, or the whole list is a day old).
        let setting =
            |k: &str| -> Result<Option<i64>, SyncError> { Ok(store.setting(k)?.and_then(|t| t.parse().ok())) };
        let orders_since = match (setting(key::ORDERS_AS_OF)?, setting(key::ORDERS_FULL_AS_OF)?) {
            (Some(since), Some(full)) if !all && since - full < FULL_ORDER_LISTING_EVERY => Some(since),
            _ => None,
        };
        report.all_orders = orders_since.is_none();
        let config_version = u64::try_from(store.latest_config_version("hq")?).unwrap_or(0);
        let request = DigestRequest { clock: now.to_string(), docs, catalog_version, orders_since, config_version };
        let theirs: DigestResponse = remote.post_json("/v1/sync/digests", &request, report)?;
        Ok((mine, theirs))
    };
    let (mut mine, mut theirs) = ask(store, false, &mut report)?;
    // HQ holding less of this register's journal than it once confirmed (restored from a
    // backup, say): what it confirmed is no longer taken for granted — every document is
    // compared again, and whatever HQ lost is sent again.
    let confirmed: u64 = store.setting(key::THROUGH)?.and_then(|t| t.parse().ok()).unwrap_or(0);
    if scope == Scope::Hq && theirs.through_seq < confirmed {
        tracing::warn!(confirmed, hq = theirs.through_seq, "HQ holds less than it confirmed; comparing every document");
        (mine, theirs) = ask(store, true, &mut report)?;
    }
    report.hq_through = theirs.through_seq;
    report.hq_as_of = theirs.as_of;
    report.catalogs = theirs.catalogs.clone();
    report.configs = std::mem::take(&mut theirs.configs);
    if scope == Scope::Hq
        && let Some(key) = &theirs.peer_key
        && store.setting(key::PEER_KEY)?.as_deref() != Some(key.as_str())
    {
        store.set_setting(key::PEER_KEY, key)?;
    }
    if scope == Scope::Hq
        && let Some(key) = &theirs.pickup_key
    {
        report.pickup_key_refused = crate::pickup_key::take(store, key, &theirs.pickup_key_history, now)?;
    }
    if scope == Scope::Hq
        && let Some(seq) = theirs.anchor_wanted
        && let Some(through) = send_anchor(store, remote, seq, &mut report)?
    {
        report.hq_through = report.hq_through.max(through);
    }
    // What was asked about, and what the other side lists.
    let asked = mine.iter().filter(|(_, (_, heads))| heads.is_some()).map(|(id, _)| id);
    let mut ids: Vec<&String> = asked.chain(theirs.docs.keys()).collect();
    ids.sort();
    ids.dedup();
    // Documents set aside earlier with this side: tried again once either copy changed.
    let side = scope.side();
    let aside: BTreeMap<String, QuarantinedDoc> =
        store.quarantined_docs()?.into_iter().filter(|q| q.side == side).map(|q| (q.doc.clone(), q)).collect();
    for id in ids {
        let (ours, heads) = mine.get(id).map(|(d, h)| (d.as_str(), h.as_deref().unwrap_or(""))).unwrap_or(("", ""));
        let their = theirs.docs.get(id).map(String::as_str).unwrap_or("");
        let doc_id = DocId::parse(id).map_err(|e| remote.protocol(e))?;
        if !in_scope(&doc_id) {
            continue;
        }
        if ours == their {
            if scope == Scope::Hq && !heads.is_empty() {
                store.set_acked(&doc_id, heads)?;
            }
            if aside.contains_key(id) {
                store.release_doc(&doc_id, side)?;
            }
            continue;
        }
        if let Some(q) = aside.get(id)
            && q.ours == ours
            && q.theirs == their
        {
            tracing::debug!(doc = %doc_id, "left aside: unchanged on both sides since it failed");
            report.quarantined.push(SetAside::from(q));
            continue;
        }
        tracing::debug!(doc = %doc_id, ours, their, "exchanging a document that differs");
        match exchange(store, remote, &doc_id, scope, &mut report) {
            Ok(through) => {
                if let Some(through) = through {
                    report.hq_through = report.hq_through.max(through);
                }
                if aside.contains_key(id) {
                    store.release_doc(&doc_id, side)?;
                }
            }
            Err(e) if concerns_the_document(&e) => {
                set_aside(store, &doc_id, side, &e, (ours, their), now, &mut report)?
            }
            Err(e) => return Err(e),
        }
        report.docs_exchanged += 1;
    }
    // Counters HQ created for the first time just now take the increments that were
    // waiting for them, and go back in the same round.
    let heads = |store: &Store| -> Result<String, SyncError> {
        Ok(store.replicated_docs()?.into_iter().find(|(d, ..)| *d == stock).map(|(_, h, _)| h).unwrap_or_default())
    };
    let before = heads(store)?;
    store.replicate_stock()?;
    let after = heads(store)?;
    if after != before && !report.quarantined.iter().any(|q| q.doc == stock.as_str()) {
        match exchange(store, remote, &stock, scope, &mut report) {
            Ok(_) => {}
            Err(e) if concerns_the_document(&e) => {
                let their = theirs.docs.get(stock.as_str()).map(String::as_str).unwrap_or("");
                set_aside(store, &stock, side, &e, (&digest_of_heads(&after), their), now, &mut report)?;
            }
            Err(e) => return Err(e),
        }
        report.docs_exchanged += 1;
    }
    Ok(report)
}

/// Sets document `id` aside for `side` after `e`, at the digests `(ours, theirs)` it failed
/// at, and says so in the report and the log.
fn set_aside(
    store: &Store,
    id: &DocId,
    side: &str,
    e: &SyncError,
    (ours, theirs): (&str, &str),
    now: jiff::Timestamp,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let reason = match e {
        SyncError::BadDocument { reason, .. } => reason.clone(),
        other => other.to_string(),
    };
    tracing::warn!(doc = %id, side, %reason, "document set aside; the round goes on with the others");
    let now = now.to_string();
    let q = QuarantinedDoc {
        doc: id.to_string(),
        side: side.to_string(),
        reason,
        ours: ours.to_string(),
        theirs: theirs.to_string(),
        since: now.clone(),
        at: now,
    };
    store.quarantine_doc(&q)?;
    let held = store.quarantined_docs()?.into_iter().find(|h| h.doc == q.doc && h.side == q.side).unwrap_or(q);
    report.quarantined.retain(|r| !(r.doc == held.doc && r.side == held.side));
    report.quarantined.push(SetAside::from(&held));
    Ok(())
}

/// Checks what the other side sent for document `id` before any of it is stored: the whole
/// document in its kind's shape and, from a peer, what its changes do (only increments of
/// the counters HQ created; HQ's part of an order unchanged). `before` are the heads the
/// register held.
fn check_received(
    doc: &mut AutoCommit,
    before: &[ChangeHash],
    received: &[Change],
    id: &DocId,
    scope: Scope,
) -> Result<(), SyncError> {
    let from = match scope {
        Scope::Hq => "HQ",
        Scope::Peer => "the peer",
    };
    let bad = |reason: String| SyncError::BadDocument {
        doc: id.to_string(),
        reason: format!("{from} sent changes that were not stored: {reason}"),
    };
    till_docs::validate(doc, id).map_err(|e| bad(e.to_string()))?;
    if scope == Scope::Hq {
        return Ok(());
    }
    let held = doc.fork_at(before).map_err(|e| bad(e.to_string()))?;
    match id.kind() {
        DocKind::Stock { .. } => {
            StockDoc::check_increments(&held, received, id.as_str()).map_err(|e| bad(e.to_string()))?;
        }
        DocKind::Order { .. } => {
            let fresh = OrderDoc::read(&held, id.as_str()).map_err(|e| bad(e.to_string()))?.is_none();
            if !fresh && !OrderDoc::hq_part_unchanged(&held, doc, id.as_str()).map_err(|e| bad(e.to_string()))? {
                return Err(bad("a peer may not change what HQ wrote (the order and its lines)".into()));
            }
        }
        DocKind::Journal { .. } => return Err(bad("a peer never sends a register's journal".into())),
    }
    Ok(())
}

/// Sends HQ this register's full hash of journal record `seq`, which HQ asked for to go on
/// past a broken link a manager accepted (documents carry only a check of each hash).
/// Returns the through-sequence HQ reports after taking it.
fn send_anchor(store: &Store, remote: &Remote, seq: u64, report: &mut SyncReport) -> Result<Option<u64>, SyncError> {
    // Not holding the record is an answer too (empty): HQ raises it for a manager.
    let hash = store.journal_hash(seq)?.unwrap_or_default();
    if hash.is_empty() {
        tracing::warn!(seq, "HQ asks for the hash of a journal record this register does not hold");
    }
    let request = AnchorRequest { seq, hash };
    match remote.post_json::<_, serde_json::Value>("/v1/sync/anchor", &request, report) {
        Ok(answer) => {
            tracing::info!(seq, "sent HQ the hash of the journal record a manager accepted");
            Ok(answer.get("through_seq").and_then(serde_json::Value::as_u64))
        }
        // HQ's chain disagrees with this register's own record (another machine sent the
        // record HQ holds), or it does not hold the record: HQ raised that for a manager;
        // the rest of the round goes on.
        Err(SyncError::Refused { status, message, .. }) => {
            tracing::warn!(seq, status, %message, "HQ refused this register's hash of the record it asked for");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Exchanges sync messages for one document until both sides hold the same changes.
/// Returns the through-sequence HQ reported for a journal document.
fn exchange(
    store: &mut Store,
    remote: &Remote,
    id: &DocId,
    scope: Scope,
    report: &mut SyncReport,
) -> Result<Option<u64>, SyncError> {
    let mut doc = store.doc_copy(id)?;
    // This register's own copy, in its kind's shape before it is offered (a document that
    // holds nothing yet has no shape to check).
    if !doc.get_heads().is_empty() {
        till_docs::validate(&doc, id).map_err(|e| SyncError::BadDocument {
            doc: id.to_string(),
            reason: format!("this register's copy: {e}"),
        })?;
    }
    let mut state = State::new();
    let mut through = None;
    for exchanges in 0..MAX_EXCHANGES {
        let Some(mut message) = doc.sync().generate_sync_message(&mut state) else {
            let heads = doc.get_heads();
            if scope == Scope::Hq && state.their_heads.as_deref() == Some(heads.as_slice()) {
                store.set_acked(id, &heads_to_text(&heads))?;
            }
            return Ok(through);
        };
        if exchanges == SEND_WHOLE_AFTER {
            tracing::info!(doc = %id, "sync stalled; sending the whole document");
            message.changes = ChunkList::from(doc.save());
            message.version = MessageVersion::V2;
        }
        let reply = remote.post("/v1/sync/doc", message.encode(), &[(DOC_HEADER, id.as_str())], report)?;
        let Some((bytes, headers)) = reply else {
            state.in_flight = false;
            continue;
        };
        if let Some(t) = headers.get(THROUGH_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()) {
            through = Some(t);
        }
        // HQ or a peer may be hostile too: within budget before Automerge inflates anything.
        till_docs::budget::check_message(&bytes).map_err(|e| remote.protocol(format!("sync message for {id}: {e}")))?;
        let reply = Message::decode(&bytes).map_err(|e| remote.protocol(format!("sync message for {id}: {e}")))?;
        let before = doc.get_heads();
        doc.sync().receive_sync_message(&mut state, reply).map_err(|e| remote.protocol(e))?;
        let received = doc.get_changes(&before);
        if !received.is_empty() {
            check_received(&mut doc, &before, &received, id, scope)?;
            store.store_received(id, received)?;
        }
    }
    Err(remote.protocol(format!("document {id} did not converge in {MAX_EXCHANGES} exchanges")))
}

/// Downloads the file of published catalog version `info` from `remote` and checks its
/// hash; the caller imports it.
pub fn fetch_catalog(remote: &Remote, info: &CatalogInfo) -> Result<Vec<u8>, SyncError> {
    let body = serde_json::to_vec(&CatalogRequest { version: info.version }).map_err(|e| remote.protocol(e))?;
    let (bytes, _) = remote
        .post("/v1/catalog", body, &[("content-type", "application/json")], &mut SyncReport::default())?
        .ok_or_else(|| remote.protocol("empty catalog"))?;
    let got = hex::encode(sha2::Sha256::digest(&bytes));
    if got != info.sha256 {
        return Err(remote.protocol(format!(
            "catalog version {} arrived damaged (SHA-256 {got}, expected {})",
            info.version, info.sha256
        )));
    }
    Ok(bytes)
}

/// One page of the chain's stock rows changed after the register's watermark, from HQ.
pub fn fetch_chain_stock_changes(remote: &Remote, since: &ChainStockSince) -> Result<ChainStockChanges, SyncError> {
    remote.post_json("/v1/aisle/stock/changes", since, &mut SyncReport::default())
}

/// Delivers an endless-aisle order (the order API body) to HQ; HQ's status for it. A
/// repeat after a lost answer is answered with the same order.
pub fn send_aisle_order(remote: &Remote, body: &str) -> Result<String, SyncError> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| remote.protocol(e))?;
    let order: serde_json::Value = remote.post_json("/v1/aisle/orders", &value, &mut SyncReport::default())?;
    Ok(order["status"].as_str().unwrap_or_default().to_string())
}

/// An online order for a return in store (BORIS), from HQ: by its number with the
/// customer's e-mail, or by its code.
pub fn find_order(remote: &Remote, query: &FindOrder) -> Result<FoundOrder, SyncError> {
    remote.post_json("/v1/orders/find", query, &mut SyncReport::default())
}

/// The register's sign-in events of HQ's staff in, its store's staff roster out (when it
/// differs from the one the register holds).
pub fn staff_roster(
    remote: &Remote,
    request: &till_protocol::RosterRequest,
) -> Result<till_protocol::RosterResponse, SyncError> {
    remote.post_json("/v1/staff/roster", request, &mut SyncReport::default())
}

/// A sale of the chain from HQ, by its receipt number or code, for a return (#16 §3).
pub fn find_receipt(
    remote: &Remote,
    query: &till_protocol::FindReceipt,
) -> Result<till_protocol::FoundReceipt, SyncError> {
    remote.post_json("/v1/receipts/find", query, &mut SyncReport::default())
}

/// HQ's open conflicts of the register's own store.
pub fn store_conflicts(remote: &Remote) -> Result<Vec<StoreConflict>, SyncError> {
    remote.post_json("/v1/conflicts", &serde_json::json!({}), &mut SyncReport::default())
}

/// Where a register stands with its HQ.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    /// Enrolled with an HQ.
    pub enrolled: bool,
    /// The HQ's URL.
    pub hq: Option<String>,
    /// Whether the last attempt reached HQ.
    pub online: bool,
    /// When a round last succeeded.
    pub last_success: Option<String>,
    /// When a round was last attempted.
    pub last_attempt: Option<String>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Sales (documents) HQ has not confirmed.
    pub pending_sales: u64,
    /// When the oldest of them was made.
    pub oldest_pending_at: Option<String>,
    /// How old it is, in seconds, at `now`.
    pub oldest_pending_age_seconds: Option<i64>,
    /// The HQ catalog version the register sells on (`None`: its own catalog).
    pub catalog_version: Option<String>,
    /// The configuration version in force (`local-N` or `hq-N`).
    pub config_version: Option<String>,
    /// HQ configuration versions that do not validate at this register, and why: set
    /// aside, never applied (the register stays on the version it has).
    pub config_set_aside: Vec<String>,
    /// The last refused change of HQ's pickup key (someone may be intercepting the link),
    /// until HQ hands over a key properly.
    pub pickup_key_alert: Option<String>,
    /// Documents set aside by a sync round (quarantined), and why; every other document
    /// syncs. Each is tried again once either side's copy changes, or when released.
    pub quarantined: Vec<SetAside>,
}

/// The register's sync status at `now`.
pub fn status(store: &Store, now: jiff::Timestamp) -> Result<SyncStatus, SyncError> {
    let through = store.setting(key::THROUGH)?.and_then(|t| t.parse().ok()).unwrap_or(0);
    let (pending, oldest) = store.unsynced_sales(through)?;
    let last_attempt = store.setting(key::LAST_ATTEMPT)?;
    let last_success = store.setting(key::LAST_SUCCESS)?;
    let last_error = store.setting(key::LAST_ERROR)?;
    let age = oldest
        .as_deref()
        .and_then(|at| at.parse::<jiff::Timestamp>().ok())
        .map(|at| now.as_second().saturating_sub(at.as_second()).max(0));
    Ok(SyncStatus {
        enrolled: store.setting(key::CREDENTIAL)?.is_some(),
        hq: store.setting(key::URL)?,
        online: last_attempt.is_some() && last_error.is_none() && last_attempt == last_success,
        last_success,
        last_attempt,
        last_error,
        pending_sales: pending,
        oldest_pending_at: oldest,
        oldest_pending_age_seconds: age,
        catalog_version: store.setting(CATALOG_VERSION_SETTING)?,
        config_version: store.setting(CONFIG_VERSION_SETTING)?,
        config_set_aside: store
            .config_versions()?
            .into_iter()
            .filter(|v| !v.problem.is_empty())
            .map(|v| format!("{}-{}: {}", v.source, v.version, v.problem))
            .collect(),
        pickup_key_alert: store.setting(crate::pickup_key::ALERT_SETTING)?,
        quarantined: store.quarantined_docs()?.iter().map(SetAside::from).collect(),
    })
}
