//! Talking to `till serve-peer` with an independent TLS stack (curl, built on OpenSSL):
//! with no client certificate, with one it made itself, or with the identity derived from
//! a store's peer key the way `till_sync::peer_tls` documents it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use till_sync::peer_tls::{PeerIdentity, Side};

/// What curl did: the HTTP status (`None` when the TLS handshake or the connection
/// failed), the body, and curl's complaint.
pub struct CurlAnswer {
    /// The HTTP status, if the request got one.
    pub status: Option<u16>,
    /// The body received.
    pub body: Vec<u8>,
    /// curl's stderr.
    pub stderr: String,
}

/// A client identity for curl: certificate and key files.
pub struct ClientFiles {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
}

/// Writes `identity`'s certificate and key to `dir` under `name`.
pub fn identity_files(identity: &PeerIdentity, dir: &Path, name: &str) -> ClientFiles {
    let files = ClientFiles { cert: dir.join(format!("{name}.pem")), key: dir.join(format!("{name}-key.pem")) };
    std::fs::write(&files.cert, identity.certificate_pem()).unwrap();
    std::fs::write(&files.key, identity.private_key_pem()).unwrap();
    files
}

/// curl to `url` + `path` (POST `body` when given, else GET), presenting `client` if given
/// and, if `pin` is given, accepting only a server whose public key has that SHA-256
/// (base64), without any CA check (`-k`).
pub fn curl(url: &str, path: &str, body: Option<&[u8]>, client: Option<&ClientFiles>, pin: Option<&str>) -> CurlAnswer {
    curl_with(url, path, body, client, pin, &[])
}

/// [`curl`] with more request headers (`"name: value"`).
pub fn curl_with(
    url: &str,
    path: &str,
    body: Option<&[u8]>,
    client: Option<&ClientFiles>,
    pin: Option<&str>,
    headers: &[&str],
) -> CurlAnswer {
    let out_file = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-k", "--max-time", "20", "-o"]).arg(out_file.path()).args(["-w", "%{http_code}"]);
    for header in headers {
        cmd.arg("-H").arg(header);
    }
    if let Some(pin) = pin {
        cmd.arg("--pinnedpubkey").arg(format!("sha256//{pin}"));
    }
    if let Some(c) = client {
        cmd.arg("--cert").arg(&c.cert).arg("--key").arg(&c.key);
    }
    if body.is_some() {
        cmd.args(["-X", "POST", "-H", "content-type: application/json", "--data-binary", "@-"]);
    }
    cmd.arg(format!("{url}{path}"));
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(body.unwrap_or_default()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let status = if out.status.success() { String::from_utf8_lossy(&out.stdout).trim().parse().ok() } else { None };
    CurlAnswer { status, body: std::fs::read(out_file.path()).unwrap(), stderr }
}

/// curl to a peer with the client identity the store's `peer_key` gives and the server
/// pinned by the key it gives (`None`: no client certificate, no pin); status and body.
pub fn curl_peer(url: &str, peer_key: Option<&str>, path: &str, body: &[u8], dir: &Path) -> (Option<u16>, Vec<u8>) {
    let answer = match peer_key {
        Some(key) => {
            let client = identity_files(&PeerIdentity::derive(key, Side::Client).unwrap(), dir, "peer-client");
            let pin = PeerIdentity::derive(key, Side::Server).unwrap().public_key_sha256_base64();
            curl(url, path, Some(body), Some(&client), Some(&pin))
        }
        None => curl(url, path, Some(body), None, None),
    };
    (answer.status, answer.body)
}

/// A sync message for document `doc` to a peer, as a register of the store holding
/// `peer_key` sends it (mutual TLS); status and body.
pub fn curl_peer_doc(url: &str, peer_key: &str, doc: &str, body: &[u8], dir: &Path) -> (Option<u16>, Vec<u8>) {
    let client = identity_files(&PeerIdentity::derive(peer_key, Side::Client).unwrap(), dir, "peer-client");
    let pin = PeerIdentity::derive(peer_key, Side::Server).unwrap().public_key_sha256_base64();
    let header = format!("x-till-doc: {doc}");
    let answer = curl_with(url, "/v1/sync/doc", Some(body), Some(&client), Some(&pin), &[&header]);
    (answer.status, answer.body)
}

/// The peer's `/v1/health`, over mutual TLS with the store's `peer_key`: its status.
pub fn peer_health(url: &str, peer_key: &str, dir: &Path) -> Option<u16> {
    let client = identity_files(&PeerIdentity::derive(peer_key, Side::Client).unwrap(), dir, "peer-client");
    let pin = PeerIdentity::derive(peer_key, Side::Server).unwrap().public_key_sha256_base64();
    curl(url, "/v1/health", None, Some(&client), Some(&pin)).status
}
