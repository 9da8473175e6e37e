//! Time and identifiers come from outside: the real ones in production, fixed and seeded
//! ones in tests, so every run of a test produces the same receipts.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// Where "now" comes from.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that stands still until moved; for tests and reproducible demos.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    /// Moves the clock forward (or back, for clock-jump tests).
    pub fn advance(&self, by: SignedDuration) {
        let mut at = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *at = at.checked_add(by).unwrap_or(*at);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Where sale ids and secret codes come from.
pub trait IdSource: Send {
    /// A new globally unique sale id (a UUID string).
    fn sale_id(&mut self) -> String;

    /// A new unguessable code for store credit (`SC-` and 12 characters from an
    /// alphabet without look-alikes), derived from a fresh id's random bits.
    fn secret_code(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let id = self.sale_id().replace('-', "");
        // The last 16 hex digits of a v4 or v7 UUID are random: 64 bits for 12 symbols.
        let mut bits = u64::from_str_radix(&id[id.len() - 16..], 16).unwrap_or(0);
        let code: String = (0..12)
            .map(|_| {
                let c = ALPHABET[(bits % 32) as usize] as char;
                bits /= 32;
                c
            })
            .collect();
        format!("SC-{code}")
    }
}

/// Time-ordered random UUIDs (version 7: milliseconds since 1970, then random bits from
/// the operating system). Unique without coordination, like version 4, but sales made
/// one after another get neighbouring ids, so the id index is appended to rather than
/// written at a random page on every commit.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn sale_id(&mut self) -> String {
        uuid::Uuid::now_v7().to_string()
    }
}

/// Reproducible UUIDs from a seed (SplitMix64), for tests.
#[derive(Debug, Clone)]
pub struct SeededIds(u64);

impl SeededIds {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> SeededIds {
        SeededIds(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl IdSource for SeededIds {
    fn sale_id(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }
}
