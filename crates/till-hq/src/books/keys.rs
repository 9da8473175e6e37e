//! HQ's pickup-token signing key. It lives in a key file outside the database (mode 0600;
//! `till-hq --pickup-key FILE`, by default beside a SQLite database), so a copy or backup
//! of the database cannot mint tokens. The file holds the current secret and the history
//! of HQ's public keys, each signed by the one before it: registers take a new key only
//! along that history from the key they hold (`till-hq keys rotate-pickup`).
//!
//! An HQ from before the file kept the seed in `hq_meta.pickup_key_seed`: the first use
//! writes it to the file and deletes it from the database.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use till_protocol::PickupKeyStep;
use till_token::Issuer;

use crate::db::Tx;
use crate::error::{HqError, internal};

const OLD_SEED: &str = "pickup_key_seed";

/// Where HQ's pickup key file is (`None`: not configured, as on PostgreSQL without
/// `--pickup-key`).
#[derive(Debug, Clone, Default)]
pub struct KeyFile(Option<PathBuf>);

/// HQ's pickup keys: the one that signs now and the history registers follow.
pub(crate) struct PickupKeys {
    /// Signs tokens and the next key's endorsement.
    pub issuer: Issuer,
    /// Public keys oldest first, the last being the issuer's.
    pub history: Vec<PickupKeyStep>,
}

/// The file's contents.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// The current secret (32 bytes, hex).
    seed: String,
    history: Vec<PickupKeyStep>,
}

impl KeyFile {
    /// The key file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> KeyFile {
        KeyFile(Some(path.into()))
    }

    /// The default for a `--db` URL: `PATH.pickup-key` beside a SQLite file; none for
    /// PostgreSQL (every HQ process of one database must be given the same file).
    pub fn default_for(url: &str) -> KeyFile {
        match url.strip_prefix("sqlite:") {
            Some(path) => KeyFile::at(format!("{path}.pickup-key")),
            None => KeyFile(None),
        }
    }

    /// The file's path, or why there is none.
    fn path(&self) -> Result<&Path, HqError> {
        self.0.as_deref().ok_or_else(|| {
            HqError::NotConfigured(
                "HQ keeps its pickup signing key in a file outside the database: give --pickup-key FILE \
                 (or TILL_HQ_PICKUP_KEY); every HQ process of this database needs the same file"
                    .into(),
            )
        })
    }

    /// HQ's keys: read from the file, which is made on first use (from the seed an older HQ
    /// kept in the database, if any, else a new one). Two processes racing to make it keep
    /// the first.
    pub(crate) fn load(&self, tx: &mut dyn Tx) -> Result<PickupKeys, HqError> {
        let path = self.path()?;
        let old = tx.one("SELECT value FROM hq_meta WHERE key = $1", &[OLD_SEED.into()])?;
        let old = old.map(|r| r.of("hq_meta").text("value")).transpose()?;
        if !path.exists() {
            let seed = match &old {
                Some(seed) => decode_seed(seed, "hq_meta.pickup_key_seed")?,
                None => fresh_seed(),
            };
            let issuer = Issuer::from_seed(seed);
            let first = PickupKeyStep { key: issuer.public_key(), endorsement: String::new() };
            create_exclusive(path, &Stored { seed: hex::encode(seed), history: vec![first] })?;
        }
        let keys = read(path)?;
        if let Some(seed) = old {
            let public = Issuer::from_seed(decode_seed(&seed, "hq_meta.pickup_key_seed")?).public_key();
            if !keys.history.iter().any(|step| step.key == public) {
                return Err(internal(format!(
                    "the database holds a pickup key ({public}) that {} does not know: is this the file of another HQ?",
                    path.display()
                )));
            }
            tx.exec("DELETE FROM hq_meta WHERE key = $1", &[OLD_SEED.into()])?;
        }
        Ok(keys)
    }

    /// Replaces the signing key with a new one that the current key endorses; the old
    /// secret is forgotten. Returns the keys after.
    pub(crate) fn rotate(&self, tx: &mut dyn Tx) -> Result<PickupKeys, HqError> {
        let current = self.load(tx)?;
        let seed = fresh_seed();
        let next = Issuer::from_seed(seed).public_key();
        let endorsement = current.issuer.endorse(&next);
        let mut history = current.history;
        history.push(PickupKeyStep { key: next, endorsement });
        let path = self.path()?;
        replace(path, &Stored { seed: hex::encode(seed), history })?;
        read(path)
    }
}

/// 32 random bytes: SHA-256 over four random v4 UUIDs (the OS's generator).
fn fresh_seed() -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    for _ in 0..4 {
        h.update(uuid::Uuid::new_v4().as_bytes());
    }
    h.finalize().into()
}

fn decode_seed(text: &str, what: &str) -> Result<[u8; 32], HqError> {
    let bytes = hex::decode(text.trim()).map_err(|e| internal(format!("{what}: {e}")))?;
    bytes.try_into().map_err(|_| internal(format!("{what}: the seed is not 32 bytes")))
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> HqError {
    internal(format!("pickup key file {}: {e}", path.display()))
}

/// Reads and checks the file: private, well formed, its history endorsed step by step and
/// ending at its secret's key.
fn read(path: &Path) -> Result<PickupKeys, HqError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(|e| io_error(path, e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(io_error(
                path,
                format!("others may read it (mode {:o}); run `chmod 600 {}`", mode & 0o777, path.display()),
            ));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    let stored: Stored = serde_json::from_str(&text).map_err(|e| io_error(path, e))?;
    let issuer = Issuer::from_seed(decode_seed(&stored.seed, &path.display().to_string())?);
    let keys = stored.history.iter().map(|s| (s.key.as_str(), s.endorsement.as_str()));
    let first = stored.history.first().ok_or_else(|| io_error(path, "the key history is empty"))?;
    let current = issuer.public_key();
    if first.key != current {
        till_token::follow_rotation(&first.key, &current, keys).map_err(|e| io_error(path, e))?;
    }
    if stored.history.last().map(|s| s.key.as_str()) != Some(current.as_str()) {
        return Err(io_error(path, "the key history does not end at the current key"));
    }
    Ok(PickupKeys { issuer, history: stored.history })
}

/// Writes `stored` to a private temporary file beside `path`.
fn write_temp(path: &Path, stored: &Stored) -> Result<PathBuf, HqError> {
    use std::io::Write as _;
    let temp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temp).map_err(|e| io_error(&temp, e))?;
    let text = serde_json::to_string_pretty(stored).map_err(|e| internal(e.to_string()))?;
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io_error(&temp, e))?;
    Ok(temp)
}

/// Makes the file whole or not at all; keeps an existing one.
fn create_exclusive(path: &Path, stored: &Stored) -> Result<(), HqError> {
    let temp = write_temp(path, stored)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(path, e)),
    }
}

/// Replaces the file whole.
fn replace(path: &Path, stored: &Stored) -> Result<(), HqError> {
    let temp = write_temp(path, stored)?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io_error(path, e)
    })
}
