//! Signing in with a PIN: how long someone waits after wrong PINs. A doubling back-off,
//! not a permanent lock, so nobody can lock every manager out of a register from the
//! sign-in screen; a manager can still clear it at once. Time is passed in.

use jiff::{SignedDuration, Timestamp};

/// Wrong PINs in a row before the first wait.
pub const BACK_OFF_AFTER: u32 = 5;
/// The wait after the [`BACK_OFF_AFTER`]th wrong PIN; it doubles with each further one.
pub const FIRST_WAIT: SignedDuration = SignedDuration::from_secs(30);
/// The longest wait.
pub const LONGEST_WAIT: SignedDuration = SignedDuration::from_secs(3600);

/// How long the next try must wait after `failed` wrong PINs in a row: nothing for the
/// first four, 30 s after the fifth, doubling after each further one, at most an hour.
pub fn pin_wait(failed: u32) -> SignedDuration {
    if failed < BACK_OFF_AFTER {
        return SignedDuration::ZERO;
    }
    // 30 s × 2^7 is past the hour already.
    let doublings = (failed - BACK_OFF_AFTER).min(7);
    let wait = FIRST_WAIT.as_secs() << doublings;
    SignedDuration::from_secs(wait.min(LONGEST_WAIT.as_secs()))
}

/// When the next PIN may be tried after `failed` wrong ones in a row, the last at
/// `last_failed`: `None` if now. A clock that went back (`last_failed` in the future)
/// never makes the wait longer than [`pin_wait`] from now.
pub fn next_pin_try(failed: u32, last_failed: Option<Timestamp>, now: Timestamp) -> Option<Timestamp> {
    let wait = pin_wait(failed);
    let last = last_failed?;
    if wait.is_zero() {
        return None;
    }
    let until = last.checked_add(wait).ok()?.min(now.checked_add(wait).ok()?);
    (now < until).then_some(until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_wait_doubles_from_the_fifth_wrong_pin_up_to_an_hour() {
        let waits: Vec<i64> = (0..=14).map(|n| pin_wait(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(pin_wait(u32::MAX).as_secs(), 3600);
    }

    #[test]
    fn the_next_try_waits_from_the_last_wrong_pin() {
        let last = at("2026-11-27T10:00:00Z");
        assert_eq!(next_pin_try(4, Some(last), last), None, "four wrong PINs: no wait");
        assert_eq!(next_pin_try(5, None, last), None, "no time recorded: no wait");
        assert_eq!(next_pin_try(5, Some(last), at("2026-11-27T10:00:10Z")), Some(at("2026-11-27T10:00:30Z")));
        assert_eq!(next_pin_try(5, Some(last), at("2026-11-27T10:00:30Z")), None, "waited out");
        assert_eq!(next_pin_try(6, Some(last), at("2026-11-27T10:00:30Z")), Some(at("2026-11-27T10:01:00Z")));
        // The clock went back an hour: the wait counts from now, not from the future.
        assert_eq!(next_pin_try(5, Some(last), at("2026-11-27T09:00:00Z")), Some(at("2026-11-27T09:00:30Z")));
    }
}
