//! Enrollment and credential rotation: how a register gets, and renews, the credential it
//! authenticates every later request with.

use serde::{Deserialize, Serialize};

/// `POST /v1/enroll`: a one-time token exchanged for a device credential. The register
/// makes the credential itself and saves it before asking, so a crash between HQ's
/// answer and the register's save loses nothing: the same request succeeds again.
#[derive(Debug, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The token HQ printed for this register.
    pub token: String,
    /// The register's store code (must match the token's).
    pub store: String,
    /// The register's code (must match the token's).
    pub register: String,
    /// The credential the register will authenticate with from now on.
    pub credential: String,
}

/// HQ's answer to [`EnrollRequest`].
#[derive(Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// Store code.
    pub store: String,
    /// Register code.
    pub register: String,
    /// The store's key for syncing with the other registers of the store on the LAN
    /// (`till serve-peer`): the same for every register of the store, from HQ.
    pub peer_key: String,
    /// HQ's public key (Ed25519, hex) that pickup tokens are verified with, offline.
    #[serde(default)]
    pub pickup_key: Option<String>,
}

/// `POST /v1/rotate` (authenticated): the next credential. The current one stays valid
/// until the next is first used, so a crash between HQ's answer and the register's save
/// leaves a register that can still authenticate and rotate again.
#[derive(Debug, Serialize, Deserialize)]
pub struct RotateRequest {
    /// The next credential.
    pub next: String,
}
