//! How the registers of one store prove to each other, over TLS, that they hold the
//! store's peer key — without the key ever travelling.
//!
//! Both sides derive Ed25519 key pairs from the peer key HQ gave at enrollment
//! (HMAC-SHA256 keyed by the peer key over a fixed label, one label for the serving side
//! and one for the connecting side) and make self-signed certificates of them. The server
//! presents its certificate and demands the client's; each side accepts exactly the public
//! key the other side's derivation gives, nothing else (no CA, no name, no dates). A
//! device without the peer key can neither finish a handshake with a peer nor pose as one.
//! The derivation runs again at every start and connection, so when HQ changes the peer
//! key (a register revoked) the certificates follow.

use std::sync::Arc;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{ClientConfig, DistinguishedName, ServerConfig};
use sha2::{Digest as _, Sha256};

use crate::trust::{Recording, RefusedCertificate};

/// What can go wrong making a peer's TLS identity (nothing does with a sane build: the
/// derivation takes any key).
#[derive(Debug, thiserror::Error)]
pub enum PeerTlsError {
    /// The certificate could not be made, or rustls refused the configuration.
    #[error("cannot make the store's peer TLS identity: {0}")]
    Setup(String),
}

/// Which end of a peer connection an identity is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The register running `till serve-peer`.
    Server,
    /// The register running `till sync --peer URL`.
    Client,
}

impl Side {
    fn label(self) -> &'static [u8] {
        match self {
            Side::Server => b"till peer tls v1 server ed25519",
            Side::Client => b"till peer tls v1 client ed25519",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Side::Server => "server",
            Side::Client => "client",
        }
    }
}

/// One side's key pair and self-signed certificate, derived from the store's peer key.
pub struct PeerIdentity {
    certificate: CertificateDer<'static>,
    certificate_pem: String,
    key_pem: String,
    key: PrivatePkcs8KeyDer<'static>,
    public_key: Vec<u8>,
}

impl std::fmt::Debug for PeerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PeerIdentity(public key SHA-256 {})", self.public_key_sha256())
    }
}

/// The PKCS#8 (v1) wrapping of an Ed25519 private key: this prefix, then the 32-byte seed.
const ED25519_PKCS8_PREFIX: [u8; 16] =
    [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

impl PeerIdentity {
    /// The identity of `side` for the store whose peer key is `peer_key`.
    pub fn derive(peer_key: &str, side: Side) -> Result<PeerIdentity, PeerTlsError> {
        let setup = |e: rcgen::Error| PeerTlsError::Setup(e.to_string());
        let mut mac = Hmac::<Sha256>::new_from_slice(peer_key.as_bytes())
            .map_err(|e| PeerTlsError::Setup(format!("HMAC key: {e}")))?;
        mac.update(side.label());
        let seed = mac.finalize().into_bytes();
        let mut pkcs8 = ED25519_PKCS8_PREFIX.to_vec();
        pkcs8.extend_from_slice(&seed);
        let key = PrivatePkcs8KeyDer::from(pkcs8);
        let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&key, &rcgen::PKCS_ED25519).map_err(setup)?;
        let mut params = rcgen::CertificateParams::new(vec!["till-peer".to_string()]).map_err(setup)?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(rcgen::DnType::CommonName, format!("Till store peer ({})", side.name()));
        let certificate = params.self_signed(&pair).map_err(setup)?;
        let public_key = rcgen::PublicKeyData::subject_public_key_info(&pair);
        Ok(PeerIdentity {
            certificate: certificate.der().clone(),
            certificate_pem: certificate.pem(),
            key_pem: pair.serialize_pem(),
            key,
            public_key,
        })
    }

    /// The certificate, PEM.
    pub fn certificate_pem(&self) -> String {
        self.certificate_pem.clone()
    }

    /// The private key, PEM (PKCS#8); for tools such as curl in the test suite.
    pub fn private_key_pem(&self) -> String {
        self.key_pem.clone()
    }

    /// The SHA-256 of the public key (its SubjectPublicKeyInfo DER), as hex.
    pub fn public_key_sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.public_key))
    }

    /// The same digest in base64, as curl's `--pinnedpubkey sha256//…` takes it.
    pub fn public_key_sha256_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&self.public_key))
    }

    fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS configuration `till serve-peer` answers with for the store whose peer key is
/// `peer_key`: its derived certificate, and a client certificate demanded and accepted only
/// if it carries the client side's derived public key.
pub fn server_config(peer_key: &str) -> Result<ServerConfig, PeerTlsError> {
    let me = PeerIdentity::derive(peer_key, Side::Server)?;
    let them = PeerIdentity::derive(peer_key, Side::Client)?;
    let provider = provider();
    let verifier = Arc::new(PeerKeyPin::new(&them, Side::Client, &provider));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PeerTlsError::Setup(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![me.certificate.clone()], me.private_key())
        .map_err(|e| PeerTlsError::Setup(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The TLS configuration `till sync --peer URL` connects with: it accepts only a server
/// with the serving side's derived public key and presents the client side's certificate.
/// The second value records why a server's certificate was refused.
pub fn client_config(peer_key: &str) -> Result<(ClientConfig, RefusedCertificate), PeerTlsError> {
    let me = PeerIdentity::derive(peer_key, Side::Client)?;
    let them = PeerIdentity::derive(peer_key, Side::Server)?;
    let provider = provider();
    let refused = RefusedCertificate::default();
    let verifier = Arc::new(Recording {
        inner: Arc::new(PeerKeyPin::new(&them, Side::Server, &provider)),
        refused: refused.clone(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PeerTlsError::Setup(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(vec![me.certificate.clone()], me.private_key())
        .map_err(|e| PeerTlsError::Setup(e.to_string()))?;
    Ok((config, refused))
}

/// Accepts exactly the certificates carrying one public key (the other side's derived
/// key); the handshake signatures are then checked against that key.
#[derive(Debug)]
struct PeerKeyPin {
    public_key: Vec<u8>,
    side: Side,
    algorithms: WebPkiSupportedAlgorithms,
}

/// The certificate presented does not carry the key the store's peer key gives.
#[derive(Debug, thiserror::Error)]
#[error(
    "the {side} presented a certificate with public key SHA-256 {got}, not the one this store's peer key gives \
     ({want}): it does not hold this store's peer key"
)]
struct NotThisStore {
    side: &'static str,
    got: String,
    want: String,
}

impl PeerKeyPin {
    fn new(expected: &PeerIdentity, side: Side, provider: &rustls::crypto::CryptoProvider) -> PeerKeyPin {
        PeerKeyPin {
            public_key: expected.public_key.clone(),
            side,
            algorithms: provider.signature_verification_algorithms,
        }
    }

    fn check(&self, end_entity: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
        let got = parsed.subject_public_key_info();
        if got.as_ref() == self.public_key.as_slice() {
            return Ok(());
        }
        Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(Arc::new(
            NotThisStore {
                side: self.side.name(),
                got: hex::encode(Sha256::digest(got.as_ref())),
                want: hex::encode(Sha256::digest(&self.public_key)),
            },
        )))))
    }
}

impl ServerCertVerifier for PeerKeyPin {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity).map(|()| ServerCertVerified::assertion())
    }

    crate::trust::signatures_by_algorithms!();
}

impl ClientCertVerifier for PeerKeyPin {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity).map(|()| ClientCertVerified::assertion())
    }

    crate::trust::signatures_by_algorithms!();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_same_peer_key_gives_the_same_keys_and_sides_and_stores_differ() {
        let a = PeerIdentity::derive("store-key-1", Side::Server).unwrap();
        let again = PeerIdentity::derive("store-key-1", Side::Server).unwrap();
        assert_eq!(a.public_key_sha256(), again.public_key_sha256());
        let client = PeerIdentity::derive("store-key-1", Side::Client).unwrap();
        assert_ne!(a.public_key_sha256(), client.public_key_sha256());
        let other = PeerIdentity::derive("store-key-2", Side::Server).unwrap();
        assert_ne!(a.public_key_sha256(), other.public_key_sha256());
        assert!(a.certificate_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
        // The private key round-trips through the standard PKCS#8 form.
        let pair = rcgen::KeyPair::from_pem(&a.private_key_pem()).unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(rcgen::PublicKeyData::subject_public_key_info(&pair))),
            a.public_key_sha256()
        );
        server_config("store-key-1").unwrap();
        client_config("store-key-1").unwrap();
    }

    #[test]
    fn a_certificate_with_another_key_is_refused_naming_both_digests() {
        let want = PeerIdentity::derive("k", Side::Server).unwrap();
        let pin = PeerKeyPin::new(&want, Side::Server, &rustls::crypto::ring::default_provider());
        pin.check(&want.certificate).unwrap();
        let wrong = PeerIdentity::derive("not-k", Side::Server).unwrap();
        let err = crate::trust::describe(&pin.check(&wrong.certificate).unwrap_err());
        assert!(err.contains(&wrong.public_key_sha256()) && err.contains(&want.public_key_sha256()), "{err}");
    }
}
