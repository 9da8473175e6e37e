//! How a register knows it is talking to its own HQ: which URLs it will speak to at all
//! (TLS everywhere except loopback), and how HQ's certificate is verified — against the
//! operating system's roots, a CA chosen at enrollment, or a pinned certificate digest.
//! The choice is made at `till enroll` and kept in the register's settings.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::Digest as _;

/// The signature checks of a rustls verifier that decides on the certificate itself (a pin,
/// a derived key) and leaves the handshake's signatures to the provider's algorithms, kept
/// in the verifier's `algorithms` field.
macro_rules! signatures_by_algorithms {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &rustls::pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &rustls::pki_types::CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    };
}
pub(crate) use signatures_by_algorithms;

/// What can be wrong with a trust choice or a URL, before any connection is made.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A plain-HTTP URL to a host other than this machine.
    #[error(
        "refusing {url}: plain http:// would send the register's credential and the store's documents in clear \
         over the network; use https:// (HQ serves TLS with `till-hq serve --tls-cert CERT.pem --tls-key KEY.pem`, \
         or sits behind a TLS proxy) — plain http:// is allowed only to a loopback host (127.0.0.1, ::1, localhost)"
    )]
    PlainHttp {
        /// The URL refused.
        url: String,
    },
    /// A plain-HTTP URL for a peer register: peers speak only TLS.
    #[error(
        "refusing {url}: a peer register serves only https:// (both registers prove the store's peer key in the \
         TLS handshake); use the https:// address `till serve-peer` printed"
    )]
    PlainPeer {
        /// The URL refused.
        url: String,
    },
    /// The URL cannot be used at all.
    #[error("bad URL {url}: {message}")]
    BadUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The CA file given at enrollment holds no usable certificate.
    #[error("CA file {what}: {message}")]
    BadCa {
        /// Which file (or "stored CA" for the one in the settings).
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// The certificate pin is not 64 hex digits.
    #[error("bad --pin-sha256 '{given}': expected the certificate's SHA-256 as 64 hex digits (colons allowed)")]
    BadPin {
        /// What was given.
        given: String,
    },
    /// The stored trust setting is unreadable (edited by hand, or from a newer Till).
    #[error("the register's stored HQ trust setting is unreadable: {0}; enroll again")]
    BadSetting(String),
    /// The operating system offers no root certificates.
    #[error("no trusted root certificates found on this machine ({0}); enroll with --ca FILE.pem or --pin-sha256 HEX")]
    NoRoots(String),
}

/// How HQ's TLS certificate is verified.
#[derive(Clone, PartialEq, Eq)]
pub enum HqTrust {
    /// Against the operating system's root certificates (a public CA signed HQ's).
    OsRoots,
    /// Against the CA certificates in this PEM text (a company CA), taken at enrollment.
    Ca(String),
    /// HQ's certificate is exactly the one with this SHA-256 digest (of its DER form).
    PinSha256([u8; 32]),
}

impl fmt::Debug for HqTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HqTrust::OsRoots => write!(f, "OsRoots"),
            HqTrust::Ca(_) => write!(f, "Ca(..)"),
            HqTrust::PinSha256(d) => write!(f, "PinSha256({})", hex::encode(d)),
        }
    }
}

impl HqTrust {
    /// The CA certificates in the PEM file at `path` (read now; the contents are kept).
    pub fn ca_file(path: &std::path::Path) -> Result<HqTrust, TrustError> {
        let what = path.display().to_string();
        let pem = std::fs::read_to_string(path)
            .map_err(|e| TrustError::BadCa { what: what.clone(), message: e.to_string() })?;
        ca_roots(&pem, &what)?;
        Ok(HqTrust::Ca(pem))
    }

    /// The CA certificates in this PEM text (pasted, or read from a file by the app);
    /// `what` names it in an error.
    pub fn ca_pem(pem: &str, what: &str) -> Result<HqTrust, TrustError> {
        ca_roots(pem, what)?;
        Ok(HqTrust::Ca(pem.to_string()))
    }

    /// A pin from its hex form (`AB:CD:…` or `abcd…`).
    pub fn pin(hex_digest: &str) -> Result<HqTrust, TrustError> {
        let bad = || TrustError::BadPin { given: hex_digest.to_string() };
        let clean: String = hex_digest.chars().filter(|c| *c != ':' && !c.is_whitespace()).collect();
        let bytes = hex::decode(clean).map_err(|_| bad())?;
        Ok(HqTrust::PinSha256(bytes.try_into().map_err(|_| bad())?))
    }

    /// The text kept in the register's settings.
    pub fn to_setting(&self) -> String {
        match self {
            HqTrust::OsRoots => "os".to_string(),
            HqTrust::Ca(pem) => format!("ca\n{pem}"),
            HqTrust::PinSha256(d) => format!("pin-sha256:{}", hex::encode(d)),
        }
    }

    /// Reads the text [`HqTrust::to_setting`] wrote.
    pub fn from_setting(text: &str) -> Result<HqTrust, TrustError> {
        if text == "os" {
            Ok(HqTrust::OsRoots)
        } else if let Some(pem) = text.strip_prefix("ca\n") {
            ca_roots(pem, "stored CA")?;
            Ok(HqTrust::Ca(pem.to_string()))
        } else if let Some(hex_digest) = text.strip_prefix("pin-sha256:") {
            HqTrust::pin(hex_digest).map_err(|e| TrustError::BadSetting(e.to_string()))
        } else {
            Err(TrustError::BadSetting(format!("unknown kind '{}'", text.lines().next().unwrap_or(""))))
        }
    }

    /// A short description for status lines and the journal.
    pub fn describe(&self) -> String {
        match self {
            HqTrust::OsRoots => "the system's root certificates".to_string(),
            HqTrust::Ca(_) => "a CA given at enrollment".to_string(),
            HqTrust::PinSha256(d) => format!("certificate pinned by SHA-256 {}", hex::encode(d)),
        }
    }

    /// The rustls client configuration that verifies HQ this way, and where it records
    /// why it refused a certificate (the HTTP client's error does not carry that reliably).
    pub fn client_config(&self) -> Result<(ClientConfig, RefusedCertificate), TrustError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TrustError::BadSetting(e.to_string()))?;
        let verifier: Arc<dyn ServerCertVerifier> = match self {
            HqTrust::OsRoots => {
                let found = rustls_native_certs::load_native_certs();
                let mut roots = RootCertStore::empty();
                let (added, _) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    let why = found.errors.first().map(|e| e.to_string()).unwrap_or_else(|| "none installed".into());
                    return Err(TrustError::NoRoots(why));
                }
                web_pki(roots, &provider)?
            }
            HqTrust::Ca(pem) => web_pki(ca_roots(pem, "stored CA")?, &provider)?,
            HqTrust::PinSha256(pin) => {
                Arc::new(PinnedCertificate { pin: *pin, algorithms: provider.signature_verification_algorithms })
            }
        };
        let refused = RefusedCertificate::default();
        let recording = Arc::new(Recording { inner: verifier, refused: refused.clone() });
        let config = builder.dangerous().with_custom_certificate_verifier(recording).with_no_client_auth();
        Ok((config, refused))
    }
}

/// The standard verifier: a chain to one of `roots`, valid now, for the name in the URL.
fn web_pki(
    roots: RootCertStore,
    provider: &Arc<rustls::crypto::CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, TrustError> {
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TrustError::BadSetting(e.to_string()))?;
    Ok(verifier)
}

/// Why the last certificate was refused, if it was (shared with the verifier).
#[derive(Debug, Clone, Default)]
pub struct RefusedCertificate(Arc<std::sync::Mutex<Option<String>>>);

impl RefusedCertificate {
    /// Takes the reason recorded since the last call.
    pub fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    fn record(&self, reason: String) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(reason);
    }
}

/// A verifier that remembers why its inner verifier refused a certificate.
#[derive(Debug)]
pub(crate) struct Recording {
    pub(crate) inner: Arc<dyn ServerCertVerifier>,
    pub(crate) refused: RefusedCertificate,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).inspect_err(|e| {
            self.refused.record(describe(e));
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// A TLS configuration that trusts nobody: the client of a plain-HTTP loopback URL
/// (which never starts TLS, redirects being off) still needs one.
pub fn trusting_nobody() -> ClientConfig {
    ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth()
}

/// The root store made of the certificates in `pem`; at least one is required.
fn ca_roots(pem: &str, what: &str) -> Result<RootCertStore, TrustError> {
    let bad = |message: String| TrustError::BadCa { what: what.to_string(), message };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| bad(format!("not PEM: {e}")))?;
        roots.add(cert).map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no CERTIFICATE block".to_string()));
    }
    Ok(roots)
}

/// Refuses, before any connection, a URL that is not `https://` unless it is `http://`
/// to a loopback host (tests, a register beside its own proxy). `Ok(true)` for https.
pub fn check_url(url: &str) -> Result<bool, TrustError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| TrustError::BadUrl { url: url.to_string(), message: e.to_string() })?;
    match parsed.scheme() {
        "https" => Ok(true),
        "http" => {
            let loopback = parsed.host_str().is_some_and(|h| {
                h.eq_ignore_ascii_case("localhost")
                    || h.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
            });
            if loopback { Ok(false) } else { Err(TrustError::PlainHttp { url: url.to_string() }) }
        }
        other => Err(TrustError::BadUrl {
            url: url.to_string(),
            message: format!("scheme '{other}' is not https:// (or http:// to loopback)"),
        }),
    }
}

/// The SHA-256 of a certificate's DER form, as hex: what `--pin-sha256` takes.
pub fn certificate_sha256(der: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(der))
}

/// A server certificate pinned by digest: the chain and name are not consulted, only
/// whether the end certificate is the pinned one (and the handshake signed by its key).
#[derive(Debug)]
struct PinnedCertificate {
    pin: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
}

/// The pinned certificate was not the one presented.
#[derive(Debug, thiserror::Error)]
#[error("HQ presented a certificate with SHA-256 {got}, not the pinned {want}")]
struct PinMismatch {
    got: String,
    want: String,
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got: [u8; 32] = sha2::Sha256::digest(end_entity.as_ref()).into();
        if got == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(Arc::new(
                PinMismatch { got: hex::encode(got), want: hex::encode(self.pin) },
            )))))
        }
    }

    signatures_by_algorithms!();
}

/// The rustls error somewhere in `error`'s chain, if the failure was TLS's (a certificate
/// refused, a handshake failed) rather than the network's.
pub fn tls_failure(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(describe(tls));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(tls) = inner.downcast_ref::<rustls::Error>()
        {
            return Some(describe(tls));
        }
        next = e.source();
    }
    None
}

/// A rustls error in words (rustls shows a verifier's own error by its debug form).
pub(crate) fn describe(tls: &rustls::Error) -> String {
    match tls {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            format!("invalid peer certificate: {other}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in
            ["http://127.0.0.1:7878", "http://localhost:1", "http://[::1]:9", "https://hq.example", "https://10.0.0.1"]
        {
            check_url(ok).unwrap();
        }
        for refused in ["http://hq.example:7878", "http://192.0.2.1:7878", "http://10.0.0.1", "http://[2001:db8::1]/"] {
            assert!(matches!(check_url(refused), Err(TrustError::PlainHttp { .. })), "{refused}");
        }
        assert!(matches!(check_url("ftp://hq"), Err(TrustError::BadUrl { .. })));
        assert!(matches!(check_url("hq.example"), Err(TrustError::BadUrl { .. })));
    }

    #[test]
    fn trust_settings_round_trip() {
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(HqTrust::pin(&colons).unwrap(), HqTrust::pin(&"ab".repeat(32)).unwrap());
        let pin = HqTrust::pin(&"ab".repeat(32)).unwrap();
        assert_eq!(HqTrust::from_setting(&pin.to_setting()).unwrap(), pin);
        assert_eq!(HqTrust::from_setting("os").unwrap(), HqTrust::OsRoots);
        assert!(matches!(HqTrust::pin("abcd"), Err(TrustError::BadPin { .. })));
        assert!(matches!(HqTrust::from_setting("ca\nnot pem"), Err(TrustError::BadCa { .. })));
    }
}
