//! The link to HQ over TLS, with real processes: `till-hq serve --tls-cert --tls-key` on
//! loopback with certificates this suite makes (rcgen), `till enroll` trusting HQ through a
//! CA file or a certificate pin, a wrong certificate refused with a clear error, and
//! plain `http://` to a host other than loopback refused before any connection.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use sha2::Digest as _;
use till_tests::fleet::hq_sales;
use till_tests::hq::{HqProcess, database_url, hq_admin};
use till_tests::{TempRegister, stderr, stdout, till_hq_bin};

/// A CA the suite makes, and the PEM file holding its certificate.
struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pem_file: PathBuf,
}

impl TestCa {
    fn new(dir: &Path, name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, format!("Till test CA {name}"));
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let pem_file = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&pem_file, issuer.pem()).unwrap();
        TestCa { issuer, pem_file }
    }

    /// A server certificate for 127.0.0.1 and localhost: (cert file, key file, SHA-256 hex).
    fn server(&self, dir: &Path, name: &str) -> (PathBuf, PathBuf, String) {
        self.server_for(dir, name, &["127.0.0.1", "localhost"])
    }

    /// A server certificate for `names`.
    fn server_for(&self, dir: &Path, name: &str, names: &[&str]) -> (PathBuf, PathBuf, String) {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        let (cert_file, key_file) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}-key.pem")));
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        let digest = sha2::Sha256::digest(cert.der()).iter().map(|b| format!("{b:02x}")).collect();
        (cert_file, key_file, digest)
    }
}

fn https_hq(db: &str, cert: &Path, key: &Path) -> HqProcess {
    let hq = HqProcess::start_with(db, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    assert!(hq.url.starts_with("https://127.0.0.1:"), "{}", hq.url);
    hq
}

/// `till enroll` with extra trust arguments; its output.
fn enroll(till: &TempRegister, url: &str, token: &str, trust: &[&str]) -> std::process::Output {
    let mut args = vec!["enroll", "--hq", url, "--token", token];
    args.extend_from_slice(trust);
    till.till(&args)
}

#[test]
fn a_register_enrolls_and_syncs_over_https_trusting_the_suites_ca() {
    let work = tempfile::tempdir().unwrap();
    let ca = TestCa::new(work.path(), "chain");
    let (cert, key, _) = ca.server(work.path(), "hq");
    let hq = https_hq(&database_url(work.path(), "tls_ca"), &cert, &key);
    let till = TempRegister::selling_offline("AMS-01", "R1", 3, 7);

    // The system's roots do not know the suite's CA: refused, and nothing kept.
    let token = hq.token("AMS-01", "R1");
    let out = enroll(&till, &hq.url, &token, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("--ca FILE.pem or --pin-sha256 HEX"), "{err}");
    // (A machine without any root certificates says that instead.)
    assert!(
        err.contains("is not the HQ this register trusts: invalid peer certificate: UnknownIssuer")
            || err.contains("no trusted root certificates found"),
        "{err}"
    );
    assert_eq!(till.setting("sync.hq_url"), None);

    let out = enroll(&till, &hq.url, &token, &["--ca", ca.pem_file.to_str().unwrap()]);
    assert!(out.status.success(), "enroll: {}", stderr(&out));
    let kept = till.setting("sync.hq_trust").unwrap();
    assert!(kept.starts_with("ca\n-----BEGIN CERTIFICATE-----"), "{kept}");
    // The CA file may go away: its contents were kept.
    std::fs::remove_file(&ca.pem_file).unwrap();
    assert!(till.sync(), "sync over HTTPS failed: {}", stderr(&till.till(&["sync"])));
    assert_eq!(hq_sales(&hq).len(), till.sale_ids().len());
    assert_eq!(till.sale_ids().len(), 3);
}

#[test]
fn a_register_pins_hqs_certificate_and_refuses_any_other() {
    let work = tempfile::tempdir().unwrap();
    let ca = TestCa::new(work.path(), "chain");
    let (cert, key, digest) = ca.server(work.path(), "hq");
    let db = database_url(work.path(), "tls_pin");
    let mut hq = https_hq(&db, &cert, &key);
    let till = TempRegister::selling_offline("AMS-01", "R1", 2, 11);
    let token = hq.token("AMS-01", "R1");

    // A wrong pin: refused, naming both digests, and nothing kept.
    let wrong = "00".repeat(32);
    let out = enroll(&till, &hq.url, &token, &["--pin-sha256", &wrong]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("HQ presented a certificate with SHA-256 {digest}, not the pinned {wrong}")),
        "{err}"
    );
    assert_eq!(till.setting("sync.hq_url"), None);

    // A malformed pin is a usage error before anything is asked.
    let out = enroll(&till, &hq.url, &token, &["--pin-sha256", "abc"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad --pin-sha256 'abc'"), "{}", stderr(&out));

    // The right pin (in the colon form a browser shows), by a name the certificate does
    // not need to carry: the pin alone identifies HQ.
    let colons = digest.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(":");
    let out = enroll(&till, &hq.url, &token, &["--pin-sha256", &colons.to_uppercase()]);
    assert!(out.status.success(), "enroll: {}", stderr(&out));
    assert_eq!(till.setting("sync.hq_trust").unwrap(), format!("pin-sha256:{digest}"));
    assert!(till.sync(), "sync: {}", stderr(&till.till(&["sync"])));
    assert_eq!(hq_sales(&hq).len(), 2);

    // HQ comes back with another certificate from the very same CA: the pin refuses it,
    // and the register says so rather than calling HQ offline.
    hq.kill();
    let (cert2, key2, digest2) = ca.server(work.path(), "hq2");
    let hq2 = https_hq(&db, &cert2, &key2);
    till.set_setting("sync.hq_url", &hq2.url);
    let out = till.till(&["sync"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is not the HQ this register trusts"), "{err}");
    assert!(err.contains(&format!("SHA-256 {digest2}, not the pinned {digest}")), "{err}");
    let status = till.json(&["sync", "status"]);
    assert!(status.to_string().contains("is not the HQ this register trusts"), "{status}");
}

#[test]
fn a_certificate_from_another_ca_or_for_another_name_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let ours = TestCa::new(work.path(), "ours");
    let theirs = TestCa::new(work.path(), "theirs");
    let (cert, key, _) = theirs.server(work.path(), "intruder");
    let hq = https_hq(&database_url(work.path(), "tls_wrong"), &cert, &key);
    let till = TempRegister::selling_offline("AMS-01", "R1", 1, 5);
    let token = hq.token("AMS-01", "R1");
    let out = enroll(&till, &hq.url, &token, &["--ca", ours.pem_file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is not the HQ this register trusts"), "{err}");
    assert!(err.contains("UnknownIssuer"), "{err}");
    assert_eq!(till.setting("sync.hq_url"), None);

    drop(hq);

    // The right CA but a name the certificate is not for.
    let (cert, key, _) = ours.server_for(work.path(), "hq-elsewhere", &["hq.example"]);
    let hq = https_hq(&database_url(work.path(), "tls_name"), &cert, &key);
    let token = hq.token("AMS-01", "R1");
    let out = enroll(&till, &hq.url, &token, &["--ca", ours.pem_file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for"
        ),
        "{err}"
    );
    assert_eq!(till.setting("sync.hq_url"), None);

    // A CA file that holds no certificate is refused up front.
    let junk = work.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let out = enroll(&till, &hq.url, &token, &["--ca", junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("holds no CERTIFICATE block"), "{}", stderr(&out));
}

/// This machine's address on its default route, if it has one (a UDP "connect" sends
/// nothing).
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn plain_http_to_a_host_other_than_loopback_is_refused_before_connecting() {
    let till = TempRegister::selling_offline("AMS-01", "R1", 1, 3);
    // A listener on every interface records whether anyone connected to it.
    let listener = TcpListener::bind("0.0.0.0:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut urls = vec!["http://192.0.2.1:7878".to_string(), "http://hq.example:7878/".to_string()];
    if let Some(ip) = lan_address() {
        urls.push(format!("http://{ip}:{port}"));
    }
    for url in &urls {
        let out = enroll(&till, url, "token", &[]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains(&format!("refusing {url}: plain http://")), "{err}");
        assert!(err.contains("use https://"), "{err}");
        assert!(!err.contains("cannot reach"), "{err}");
        let out = till.till(&["sync", "--peer", url]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains(&format!("refusing {url}: plain http://")), "{}", stderr(&out));
    }
    assert_eq!(till.setting("sync.hq_url"), None);
    assert_eq!(till.setting("sync.enrolling_credential"), None, "nothing is prepared for a refused URL");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("a connection was attempted: {other:?}"),
    }

    // Loopback stays allowed for plain HTTP (a register beside its own proxy, tests).
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "tls_plain"));
    assert!(hq.url.starts_with("http://127.0.0.1:"));
    let token = hq.token("AMS-01", "R1");
    till.enroll(&hq.url.replace("127.0.0.1", "localhost"), &token);
    assert!(till.sync());
}

#[test]
fn hq_serves_plain_http_only_on_loopback_unless_a_proxy_is_declared() {
    let work = tempfile::tempdir().unwrap();
    let db = database_url(work.path(), "tls_listen");
    let out = hq_admin(&db, &["serve", "--listen", "0.0.0.0:0"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("refusing to serve plain HTTP on 0.0.0.0:0"), "{err}");
    assert!(err.contains("--tls-cert CERT.pem --tls-key KEY.pem"), "{err}");
    assert!(err.contains("--plain-http-behind-proxy"), "{err}");

    // Half a certificate is a usage error; a key that is not one is named.
    let out = hq_admin(&db, &["serve", "--tls-cert", "/nonexistent.pem"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--tls-key"), "{}", stderr(&out));
    let ca = TestCa::new(work.path(), "ca");
    let (cert, _, _) = ca.server(work.path(), "hq");
    let out = hq_admin(&db, &["serve", "--tls-cert", cert.to_str().unwrap(), "--tls-key", cert.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&format!("--tls-key {}", cert.display())), "{}", stderr(&out));

    // Declared behind a proxy, it listens on every interface.
    let mut behind = Command::new(till_hq_bin())
        .args(["--db", &db, "serve", "--listen", "0.0.0.0:0", "--plain-http-behind-proxy"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(behind.stdout.take().unwrap()).read_line(&mut line).unwrap();
    behind.kill().unwrap();
    behind.wait().unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
}

/// The audit records of enrollments in the register's journal: (staff, detail).
fn enrollments(till: &TempRegister) -> Vec<(Option<String>, String)> {
    let conn = rusqlite::Connection::open(till.database()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT json_extract(payload, '$.staff'), json_extract(payload, '$.detail') FROM journal \
             WHERE kind = 'audit' AND ref = 'configure_sync' ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn enrolling_is_a_managers_act_on_record_and_re_enrolling_is_asked_for() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "tls_enroll_permission"));
    let till = TempRegister::demo_with_staff(); // commands run as the cashier (2)
    let token = hq.token("AMS-01", "R1");

    let out = till.till(&["--json", "enroll", "--hq", &hq.url, "--token", &token]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("\"code\":\"permission\""), "{}", stdout(&out));
    assert!(stderr(&out).contains("may not configure_sync"), "{}", stderr(&out));
    for key in ["sync.hq_url", "sync.credential", "sync.enrolling_credential", "sync.hq_trust"] {
        assert_eq!(till.setting(key), None, "{key}: a refused enrollment changes nothing");
    }
    assert!(enrollments(&till).is_empty());

    let out = till.till(&["enroll", "--staff", "1:1234", "--hq", &hq.url, "--token", &token]);
    assert!(out.status.success(), "manager enrolls: {}", stderr(&out));
    assert_eq!(till.setting("sync.hq_url").as_deref(), Some(hq.url.as_str()));
    let audits = enrollments(&till);
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].0.as_deref(), Some("1"));
    assert_eq!(audits[0].1, format!("enrolled with {} (the system's root certificates)", hq.url));
    // It sells on a catalog version this HQ published.
    let catalog = till_tests::repo().join("assets/demo/catalog.csv");
    let out = hq.admin(&["catalog", "import", catalog.to_str().unwrap()]);
    assert!(out.status.success(), "publish: {}", stderr(&out));
    assert!(till.sync());
    assert_eq!(till.setting("catalog.version").as_deref(), Some("1"));

    // Enrolled: enrolling again must be asked for, and is a manager's act too.
    let token = hq.token("AMS-01", "R1");
    let out = till.till(&["enroll", "--staff", "1:1234", "--hq", &hq.url, "--token", &token]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&format!("already enrolled with {}", hq.url)), "{}", stderr(&out));
    assert!(stderr(&out).contains("--re-enroll"), "{}", stderr(&out));
    let out = till.till(&["--json", "enroll", "--staff", "1:1234", "--hq", &hq.url, "--token", &token]);
    assert!(stdout(&out).contains("\"code\":\"already_enrolled\""), "{}", stdout(&out));
    let out = till.till(&["enroll", "--re-enroll", "--hq", &hq.url, "--token", &token]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("may not configure_sync"), "{}", stderr(&out));
    let out = till.till(&["enroll", "--re-enroll", "--staff", "1:1234", "--hq", &hq.url, "--token", &token]);
    assert!(out.status.success(), "re-enroll: {}", stderr(&out));
    let audits = enrollments(&till);
    assert_eq!(audits.len(), 2);
    assert!(audits[1].1.starts_with(&format!("re-enrolled from {} with", hq.url)), "{:?}", audits[1]);
    // Catalog versions are numbered by the HQ that published them: enrolling again starts afresh.
    assert_eq!(till.setting("catalog.version"), None, "re-enrolling resets the catalog version");
    assert!(till.sync());
    assert_eq!(till.setting("catalog.version").as_deref(), Some("1"), "taken again from the HQ enrolled with");
    let verify = till.till(&["journal", "verify"]);
    assert!(verify.status.success(), "the audit records are in the chain: {}", stderr(&verify));
}

fn sell(till: &TempRegister, scan: &str) {
    let out = till.till(&["sale", "--scan", scan, "--tender", "cash:100"]);
    assert!(out.status.success(), "sale: {}", stderr(&out));
}

fn store_quantity(till: &TempRegister, sku: &str) -> serde_json::Value {
    till.json(&["stock", sku])["store_quantity"].clone()
}

/// Registers of one store enrolled at a real HQ (plain HTTP on loopback: HQ's TLS is
/// tested above); each synced once after HQ received 10 TOTE-1 for AMS-01.
fn store_of(hq: &HqProcess, registers: &[(&str, &str)], seed: u64) -> Vec<TempRegister> {
    let tills: Vec<TempRegister> = registers
        .iter()
        .enumerate()
        .map(|(i, (store, register))| TempRegister::selling_offline(store, register, 0, seed + i as u64))
        .collect();
    for t in &tills {
        t.enroll(&hq.url, &hq.token(&t.store, &t.register));
    }
    hq.receive("AMS-01", "TOTE-1", "10");
    for t in &tills {
        assert!(t.sync(), "sync: {}", stderr(&t.till(&["sync"])));
    }
    tills
}

#[test]
fn registers_of_a_store_prove_its_peer_key_to_each_other_over_tls_and_nobody_else_gets_in() {
    use till_sync::peer_tls::{PeerIdentity, Side};
    use till_tests::peer::{curl, identity_files};
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "peer_tls"));
    let tills = store_of(&hq, &[("AMS-01", "R1"), ("AMS-01", "R2"), ("AMS-02", "R1")], 71);
    let (r1, r2, other) = (&tills[0], &tills[1], &tills[2]);

    let (mut server, url) = r2.serve_peer();
    assert!(url.starts_with("https://127.0.0.1:"), "serve-peer serves HTTPS: {url}");
    sell(r1, "TOTE-1*3");
    let out = r1.till(&["sync", "--peer", &url]);
    assert!(out.status.success(), "peer sync over TLS: {}", stderr(&out));
    assert_eq!(store_quantity(r2, "TOTE-1"), "7", "R2 sees R1's sale through the LAN peer");

    // Plain HTTP to a peer is refused before connecting, even on loopback.
    let plain = url.replace("https://", "http://");
    let out = r1.till(&["sync", "--peer", &plain]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!("refusing {plain}: a peer register serves only https://")),
        "{}",
        stderr(&out)
    );

    // A register of another store holds another peer key: it refuses R2's certificate,
    // names both keys, and nothing moves either way.
    let out = other.till(&["sync", "--peer", &url]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains(&format!("{url}/v1/sync/digests is not a peer this register can trust")), "{err}");
    let theirs = PeerIdentity::derive(&other.setting("sync.peer_key").unwrap(), Side::Server).unwrap();
    let r2s = PeerIdentity::derive(&r2.setting("sync.peer_key").unwrap(), Side::Server).unwrap();
    assert!(
        err.contains(&format!(
            "the server presented a certificate with public key SHA-256 {}, not the one this store's peer key gives ({})",
            r2s.public_key_sha256(),
            theirs.public_key_sha256()
        )),
        "{err}"
    );
    assert_eq!(store_quantity(r2, "TOTE-1"), "7");

    // curl (OpenSSL) without a client certificate: the handshake fails; no answer, no body.
    let answer = curl(&url, "/v1/health", None, None, None);
    assert_eq!(answer.status, None, "no client certificate, no answer");
    assert!(answer.body.is_empty());
    let digests = br#"{"clock":"","docs":{}}"#.as_slice();
    let answer = curl(&url, "/v1/sync/digests", Some(digests), None, None);
    assert_eq!(answer.status, None);
    assert!(answer.body.is_empty());
    // With a certificate it made itself, pinning the real server: refused all the same.
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let made = CertificateParams::new(vec!["till-peer".to_string()]).unwrap().self_signed(&key).unwrap();
    let forged =
        till_tests::peer::ClientFiles { cert: work.path().join("forged.pem"), key: work.path().join("forged-key.pem") };
    std::fs::write(&forged.cert, made.pem()).unwrap();
    std::fs::write(&forged.key, key.serialize_pem()).unwrap();
    let pin = r2s.public_key_sha256_base64();
    let answer = curl(&url, "/v1/sync/digests", Some(digests), Some(&forged), Some(&pin));
    assert_eq!(answer.status, None, "a self-made certificate is not the store's: {}", answer.stderr);
    assert!(answer.body.is_empty());
    // Another store's derived client identity: refused too.
    let others = identity_files(
        &PeerIdentity::derive(&other.setting("sync.peer_key").unwrap(), Side::Client).unwrap(),
        work.path(),
        "other-client",
    );
    assert_eq!(curl(&url, "/v1/sync/digests", Some(digests), Some(&others), Some(&pin)).status, None);

    // The identity derived from the store's peer key, as documented, lets an independent
    // TLS stack in; the server is the one its key pins (curl checks), and a register's
    // journal is still not served to a peer.
    let ours = identity_files(
        &PeerIdentity::derive(&r1.setting("sync.peer_key").unwrap(), Side::Client).unwrap(),
        work.path(),
        "client",
    );
    let answer = curl(&url, "/v1/health", None, Some(&ours), Some(&pin));
    assert_eq!(answer.status, Some(200), "{}", answer.stderr);
    assert_eq!(answer.body, b"ok");
    let journal = br#"{"clock":"","docs":{"journal/AMS-01/R1/2026-11-27":""}}"#.as_slice();
    assert_eq!(curl(&url, "/v1/sync/digests", Some(journal), Some(&ours), Some(&pin)).status, Some(403));
    // Pinning another key, curl refuses the peer (the pin is what identifies it).
    let wrong_pin = theirs.public_key_sha256_base64();
    assert_eq!(curl(&url, "/v1/health", None, Some(&ours), Some(&wrong_pin)).status, None);
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn a_peer_key_changed_by_a_revocation_is_followed_by_serving_peers_without_a_restart() {
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "peer_rotate"));
    let tills = store_of(&hq, &[("AMS-01", "R1"), ("AMS-01", "R2"), ("AMS-01", "R3")], 81);
    let (r1, r2, r3) = (&tills[0], &tills[1], &tills[2]);
    let (mut s2, url2) = r2.serve_peer();
    let (mut s3, url3) = r3.serve_peer();
    for url in [&url2, &url3] {
        let out = r1.till(&["sync", "--peer", url]);
        assert!(out.status.success(), "{url}: {}", stderr(&out));
    }

    // HQ revokes R3: the store's peer key changes, and R1 takes the new one from HQ.
    let before = r1.setting("sync.peer_key").unwrap();
    assert!(hq.admin(&["register", "revoke", "--store", "AMS-01", "--register", "R3"]).status.success());
    assert!(r1.sync());
    assert_ne!(r1.setting("sync.peer_key").unwrap(), before);

    // R3, revoked, still serves with the old key: R1 refuses it and says why.
    let out = r1.till(&["sync", "--peer", &url3]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is not a peer this register can trust"), "{err}");
    assert!(err.contains("it does not hold this store's peer key"), "{err}");
    assert!(err.contains("synced with HQ since a register of the store was last revoked"), "{err}");

    // R2 has not heard of the new key yet: refused the same way until it syncs with HQ
    // (in another process, while its peer server runs); then its server answers with the
    // new key at the next connection, without a restart.
    assert!(!r1.till(&["sync", "--peer", &url2]).status.success());
    assert!(r2.sync(), "sync: {}", stderr(&r2.till(&["sync"])));
    sell(r1, "TOTE-1");
    let out = r1.till(&["sync", "--peer", &url2]);
    assert!(out.status.success(), "after R2 took the new key: {}", stderr(&out));
    assert_eq!(store_quantity(r2, "TOTE-1"), "9");

    // R3 as a client, with the old key, gets nothing from R2.
    let out = r3.till(&["sync", "--peer", &url2]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is not a peer this register can trust"), "{}", stderr(&out));
    for s in [&mut s2, &mut s3] {
        let _ = s.kill();
        let _ = s.wait();
    }
}

#[test]
fn a_peer_answering_with_a_counter_overwrite_has_nothing_of_it_stored_and_is_named() {
    use automerge::transaction::Transactable;
    let work = tempfile::tempdir().unwrap();
    let hq = HqProcess::start(&database_url(work.path(), "peer_overwrite"));
    let tills = store_of(&hq, &[("AMS-01", "R1"), ("AMS-01", "R2")], 91);
    let (r1, r2) = (&tills[0], &tills[1]);

    // R2 is built to misbehave: its copy of the store's stock has TOTE-1's counter replaced
    // by a new counter of 1,000 units (same keys: the old check let it pass).
    let stock = till_docs::DocId::stock("AMS-01").unwrap();
    r2.open()
        .store_mut()
        .change_doc(&stock, |doc| {
            let floor = match automerge::ReadDoc::get(doc, automerge::ROOT, "AMS-01-floor")? {
                Some((_, obj)) => obj,
                None => panic!("no floor in R2's stock"),
            };
            doc.put(&floor, "TOTE-1", automerge::ScalarValue::counter(1_000_000_000))?;
            Ok(())
        })
        .unwrap();
    let stored = |t: &TempRegister| -> i64 {
        let conn = rusqlite::Connection::open(t.database()).unwrap();
        conn.query_row("SELECT COUNT(*) FROM sync_changes WHERE doc = 'stock/AMS-01'", [], |r| r.get(0)).unwrap()
    };
    let before = stored(r1);

    let (mut server, url) = r2.serve_peer();
    let round = r1.json(&["sync", "--peer", &url]);
    server.kill().unwrap();
    server.wait().unwrap();
    let aside = &round["report"]["quarantined"];
    assert_eq!(aside[0]["doc"], "stock/AMS-01", "{round:#}");
    assert_eq!(aside[0]["side"], "peer");
    let why = aside[0]["reason"].as_str().unwrap();
    assert!(
        why.contains("the peer sent changes that were not stored")
            && why.contains("AMS-01-floor.TOTE-1")
            && why.contains("puts a new counter (1000000000)"),
        "{why}"
    );
    assert_eq!(stored(r1), before, "nothing stored");
    assert_eq!(store_quantity(r1, "TOTE-1"), "10");
    let status = r1.json(&["sync", "status"]);
    assert_eq!(status["quarantined"][0]["side"], "peer", "{status:#}");
    // HQ is another side: R1's round with HQ goes on and its stock stays HQ's.
    assert!(r1.sync());
    assert_eq!(store_quantity(r1, "TOTE-1"), "10");
}
