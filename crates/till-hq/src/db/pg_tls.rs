//! TLS to PostgreSQL: the database URL's `sslmode` (and `sslrootcert`) honoured with
//! rustls, as libpq reads them.
//!
//! The postgres crate parses `sslmode` only as `disable`, `prefer` or `require` and knows
//! no `sslrootcert`; this module takes both out of the URL, hands the crate the rest, and
//! gives it a connector whose certificate check is the one the mode asks for:
//!
//! | `sslmode` | TLS | the server's certificate |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (the default) | if the server offers it | not checked |
//! | `require` | always | not checked (checked as `verify-ca` when `sslrootcert` is given, as libpq does) |
//! | `verify-ca` | always | a chain to `sslrootcert=FILE`, or the system's roots |
//! | `verify-full` | always | as `verify-ca`, and issued for the host in the URL |

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::redact_url;
use crate::error::HqError;

/// How a connection uses TLS: the URL's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, its certificate not checked.
    Prefer,
    /// Always TLS, the certificate not checked: encrypted, but anyone on the path who
    /// answers in the server's place is believed.
    Require,
    /// Always TLS, the certificate chained to a trusted root (any host name).
    VerifyCa,
    /// Always TLS, the certificate chained to a trusted root and issued for the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// What the postgres crate is told: the verify modes are `require` to it (the check
    /// itself is the connector's).
    fn for_driver(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => "require",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        })
    }
}

/// Where the certificates a verifying mode trusts come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    /// The system's root certificates (`sslrootcert=system`, or none given).
    System,
    /// The CA certificates in a PEM file (`sslrootcert=FILE`).
    File(String),
}

/// A PostgreSQL URL read: the driver's configuration and the TLS connector to hand it.
pub(crate) struct PgTarget {
    /// The driver's configuration (the URL without `sslrootcert`, the verify modes as
    /// `require`).
    pub config: postgres::Config,
    /// The connector that starts TLS as the mode asks.
    pub tls: MakeRustls,
    /// The mode asked for, and how the certificate is checked, for messages.
    pub trust: String,
}

/// Reads a `postgres://` URL: `sslmode` and `sslrootcert` taken out and checked, the
/// rest parsed by the postgres crate. Errors name the parameter, never the password.
pub(crate) fn target(url: &str) -> Result<PgTarget, HqError> {
    let shown = redact_url(url);
    let bad = |what: String| HqError::BadRequest(format!("--db '{shown}': {what}"));
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = SslMode::Prefer;
    let mut rootcert = None;
    let mut kept = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key {
            "sslmode" => {
                let value = percent_decode(value).map_err(|e| bad(format!("sslmode: {e}")))?;
                mode = SslMode::parse(&value).ok_or_else(|| {
                    bad(format!("sslmode '{value}' is not one of disable, prefer, require, verify-ca, verify-full"))
                })?;
            }
            "sslrootcert" => {
                let value = percent_decode(value).map_err(|e| bad(format!("sslrootcert: {e}")))?;
                if value.is_empty() {
                    return Err(bad("sslrootcert is empty: give a CA file (PEM) or 'system'".into()));
                }
                rootcert = Some(if value == "system" { Roots::System } else { Roots::File(value) });
            }
            "sslcert" | "sslkey" | "sslpassword" => {
                return Err(bad(format!(
                    "{key}: client certificates are not built yet (HQ authenticates to PostgreSQL by \
                     user and password)"
                )));
            }
            _ => kept.push(param),
        }
    }
    // libpq: with a root certificate file, `require` checks the chain as `verify-ca` does.
    if mode == SslMode::Require && matches!(rootcert, Some(Roots::File(_))) {
        mode = SslMode::VerifyCa;
    }
    let sslmode = format!("sslmode={}", mode.for_driver());
    kept.push(&sslmode);
    let driver_url = format!("{head}?{}", kept.join("&"));
    let config: postgres::Config = driver_url.parse().map_err(|e: postgres::Error| bad(e.to_string()))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (verifier, trust): (Arc<dyn ServerCertVerifier>, String) = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => (
            Arc::new(AnyCertificate { algorithms: provider.signature_verification_algorithms }),
            format!("sslmode={mode}: the server's certificate is not checked"),
        ),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = rootcert.unwrap_or(Roots::System);
            let (store, from) = load_roots(&roots).map_err(bad)?;
            let web_pki =
                rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| bad(format!("sslrootcert: {e}")))?;
            let verifier: Arc<dyn ServerCertVerifier> =
                if mode == SslMode::VerifyCa { Arc::new(AnyName { inner: web_pki }) } else { web_pki };
            let name = if mode == SslMode::VerifyFull { " and issued for the host in the URL" } else { "" };
            (verifier, format!("sslmode={mode}: the server's certificate must chain to {from}{name}"))
        }
    };
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HqError::Internal(format!("TLS for PostgreSQL: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(PgTarget { config, tls: MakeRustls { config: Arc::new(tls) }, trust })
}

/// The root store a verifying mode trusts, and how to name it in messages.
fn load_roots(roots: &Roots) -> Result<(RootCertStore, String), String> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found.errors.first().map(|e| e.to_string()).unwrap_or_else(|| "none installed".into());
                return Err(format!(
                    "no system root certificates to check the server with ({why}); give sslrootcert=FILE"
                ));
            }
            Ok((store, "the system's root certificates".into()))
        }
        Roots::File(path) => {
            let pem = std::fs::read(path).map_err(|e| format!("sslrootcert '{path}': cannot read it: {e}"))?;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("sslrootcert '{path}': not PEM: {e}"))?;
                store.add(cert).map_err(|e| format!("sslrootcert '{path}': not a usable CA certificate: {e}"))?;
            }
            if store.is_empty() {
                return Err(format!("sslrootcert '{path}': holds no CERTIFICATE block"));
            }
            Ok((store, format!("the CA in sslrootcert '{path}'")))
        }
    }
}

/// `%XX` escapes of a URL parameter decoded (the postgres crate decodes the rest).
fn percent_decode(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex =
                value.get(i + 1..i + 3).ok_or_else(|| format!("'%' not followed by two hex digits in '{value}'"))?;
            let byte = u8::from_str_radix(hex, 16)
                .map_err(|_| format!("'%{hex}' is not an escape (two hex digits) in '{value}'"))?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("'{value}' is not UTF-8 once decoded"))
}

/// The rustls error in a connection failure's chain, if TLS is what failed.
pub(crate) fn tls_failure(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        if let Some(io) = e.downcast_ref::<io::Error>()
            && let Some(tls) = io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(tls.to_string());
        }
        next = e.source();
    }
    None
}

/// Accepts any certificate (`prefer`, `require`): the handshake is still signed by the
/// key of the certificate presented, but nothing says whose key that is.
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the standard check, except that the certificate need not name the host.
#[derive(Debug)]
struct AnyName {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
}

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
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

/// The postgres crate's TLS connector, over tokio-rustls.
#[derive(Clone)]
pub(crate) struct MakeRustls {
    config: Arc<ClientConfig>,
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        // The host is checked when TLS starts: Unix sockets (no host) never start it.
        Ok(RustlsConnect { config: self.config.clone(), domain: domain.to_string() })
    }
}

/// One connection's TLS handshake.
pub(crate) struct RustlsConnect {
    config: Arc<ClientConfig>,
    domain: String,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let name = ServerName::try_from(self.domain.clone()).map_err(|e| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("host '{}' for TLS: {e}", self.domain))
            })?;
            let tls = tokio_rustls::TlsConnector::from(self.config).connect(name, stream).await?;
            Ok(RustlsStream(tls))
        })
    }
}

/// A TLS connection to PostgreSQL.
pub(crate) struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        // Not offered: SCRAM then authenticates without binding to this TLS session.
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn error_of(url: &str) -> String {
        match target(url) {
            Ok(_) => panic!("{url} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn sslmode_is_read_and_the_verify_modes_reach_the_driver_as_require() {
        use postgres::config::SslMode as Driver;
        for (url, driver) in [
            ("postgres://till@db/hq", Driver::Prefer),
            ("postgres://till@db/hq?sslmode=disable", Driver::Disable),
            ("postgres://till@db/hq?sslmode=prefer", Driver::Prefer),
            ("postgres://till@db/hq?sslmode=require&application_name=hq", Driver::Require),
            ("postgres://till@db/hq?sslmode=verify-full&sslrootcert=system", Driver::Require),
            ("postgres://till@db/hq?sslrootcert=system&sslmode=verify-ca", Driver::Require),
        ] {
            let target = target(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(target.config.get_ssl_mode(), driver, "{url}");
        }
        let app = target("postgres://till@db/hq?sslmode=require&application_name=hq").unwrap();
        assert_eq!(app.config.get_application_name(), Some("hq"));
    }

    #[test]
    fn bad_tls_parameters_are_named_and_the_password_is_not_shown() {
        let said = error_of("postgres://till:s3cret@db/hq?sslmode=verify_full");
        assert!(said.contains("sslmode 'verify_full' is not one of"), "{said}");
        assert!(!said.contains("s3cret") && said.contains("till:***@db"), "{said}");

        let said =
            error_of("postgres://till@db/hq?password=s3cret&sslmode=verify-full&sslrootcert=/nonexistent/ca.pem");
        assert!(said.contains("sslrootcert '/nonexistent/ca.pem': cannot read it"), "{said}");
        assert!(!said.contains("s3cret"), "{said}");

        let empty = tempfile::NamedTempFile::new().unwrap();
        let said = error_of(&format!("postgres://till@db/hq?sslmode=verify-ca&sslrootcert={}", empty.path().display()));
        assert!(said.contains("holds no CERTIFICATE block"), "{said}");

        let said = error_of("postgres://till@db/hq?sslcert=/c.pem&sslkey=/k.pem");
        assert!(said.contains("sslcert: client certificates are not built yet"), "{said}");
        let said = error_of("postgres://till@db/hq?sslrootcert=");
        assert!(said.contains("sslrootcert is empty"), "{said}");
        let said = error_of("postgres://till@db/hq?sslmode=require&sslrootcert=%zz");
        assert!(said.contains("sslrootcert: '%zz' is not an escape"), "{said}");
    }

    #[test]
    fn percent_escapes_in_a_root_certificate_path_are_decoded() {
        assert_eq!(percent_decode("/etc/my%20certs/ca.pem").unwrap(), "/etc/my certs/ca.pem");
        assert_eq!(percent_decode("plain").unwrap(), "plain");
        assert!(percent_decode("%4").is_err());
    }

    #[test]
    fn require_with_a_root_certificate_checks_the_chain_as_libpq_does() {
        let dir = tempfile::tempdir().unwrap();
        let ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = ca.self_signed(&key).unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, ca.pem()).unwrap();
        let target = target(&format!("postgres://till@db/hq?sslmode=require&sslrootcert={}", path.display())).unwrap();
        assert!(
            target.trust.starts_with("sslmode=verify-ca: the server's certificate must chain to"),
            "{}",
            target.trust
        );
        let plain = super::target("postgres://till@db/hq?sslmode=require").unwrap();
        assert_eq!(plain.trust, "sslmode=require: the server's certificate is not checked");
    }
}
