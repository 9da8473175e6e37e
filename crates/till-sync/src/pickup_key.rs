//! HQ's pickup-token key as the register holds it: taken at enrollment, replaced only by a
//! key HQ's history shows the held key signed (`till-hq keys rotate-pickup`). An answer
//! offering any other key — an intercepting proxy, a compromised relay — changes nothing:
//! the register keeps its key, logs the attempt, and shows it in its sync status until HQ
//! hands over a key properly.

use till_protocol::PickupKeyStep;
use till_store::Store;

use crate::client::SyncError;

/// Setting holding HQ's public key for pickup tokens (hex), from enrollment and rotations.
pub const PICKUP_KEY_SETTING: &str = "sync.pickup_key";

/// Setting holding the last refused key change, as shown in the sync status.
pub(crate) const ALERT_SETTING: &str = "sync.pickup_key_alert";

/// Takes HQ's `offered` key if it follows from the held one along `history`. Returns the
/// alert when it was refused.
pub(crate) fn take(
    store: &mut Store,
    offered: &str,
    history: &[PickupKeyStep],
    now: jiff::Timestamp,
) -> Result<Option<String>, SyncError> {
    let held = store.setting(PICKUP_KEY_SETTING)?;
    let Some(held) = held else {
        // Enrolled before HQ handed out a key at enrollment: the first one is taken as
        // given (over the link the register verifies HQ on).
        store.set_setting(PICKUP_KEY_SETTING, offered)?;
        return Ok(None);
    };
    if held.eq_ignore_ascii_case(offered) {
        return Ok(None);
    }
    let steps = history.iter().map(|s| (s.key.as_str(), s.endorsement.as_str()));
    match till_token::follow_rotation(&held, offered, steps) {
        Ok(()) => {
            tracing::info!(old = short(&held), new = short(offered), "HQ rotated its pickup key");
            store.change_settings(&[(PICKUP_KEY_SETTING, offered)], &[ALERT_SETTING], None)?;
            Ok(None)
        }
        Err(why) => {
            let alert = format!(
                "{now}: HQ's answer offered pickup key {} in place of {} without the held key's signature \
                 ({why}); the register kept its key. Someone may be intercepting the link to HQ.",
                short(offered),
                short(&held)
            );
            tracing::warn!("{alert}");
            store.set_setting(ALERT_SETTING, &alert)?;
            Ok(Some(alert))
        }
    }
}

/// A key's first 16 hex digits, enough to tell keys apart in a message. The offered key
/// is untrusted text: only hex digits are kept.
fn short(key: &str) -> String {
    key.chars().filter(char::is_ascii_hexdigit).take(16).collect()
}
