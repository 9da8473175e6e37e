//! HQ's pickup-token signing key: made once per database (`hq_meta.pickup_key_seed`), so
//! every HQ process on that database signs with it; registers get its public half at
//! enrollment and in every digest answer.

use sha2::Digest as _;
use till_token::Issuer;

use crate::db::Tx;
use crate::error::{HqError, internal};

const SEED: &str = "pickup_key_seed";

/// HQ's token issuer: the seed is made on first use (32 bytes: SHA-256 over four random
/// v4 UUIDs) and kept; two processes racing to make it keep the first.
pub(crate) fn issuer(tx: &mut dyn Tx) -> Result<Issuer, HqError> {
    let fresh = {
        let mut h = sha2::Sha256::new();
        for _ in 0..4 {
            h.update(uuid::Uuid::new_v4().as_bytes());
        }
        hex::encode(h.finalize())
    };
    tx.exec(
        "INSERT INTO hq_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        &[SEED.into(), fresh.into()],
    )?;
    let seed = tx
        .one("SELECT value FROM hq_meta WHERE key = $1", &[SEED.into()])?
        .ok_or_else(|| internal("pickup key seed missing"))?
        .of("hq_meta")
        .text("value")?;
    let bytes = hex::decode(&seed).map_err(|e| internal(format!("pickup key seed: {e}")))?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| internal("pickup key seed is not 32 bytes"))?;
    Ok(Issuer::from_seed(seed))
}
