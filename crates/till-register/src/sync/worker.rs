//! The background sync worker: runs a sync round every so often on its own connection
//! to the register's database, never on the sale path. Offline, it backs off
//! exponentially with jitter (no busy loop, and a store's registers coming back together
//! do not all knock at once); the first success returns it to the normal interval.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::{Clock, RandomIds, Register, RegisterError, SyncError};

/// How long to wait after `failures` consecutive failed rounds: exponential from `base`,
/// capped at `cap`, with "equal jitter" — half fixed, half drawn from `jitter` — so waits
/// never collapse to zero and registers spread out.
pub fn backoff(failures: u32, jitter: u64, base: Duration, cap: Duration) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(failures.min(31)).unwrap_or(u32::MAX));
    let ceiling = exp.min(cap).as_millis().max(2) as u64;
    Duration::from_millis(ceiling / 2 + jitter % (ceiling / 2 + 1))
}

/// What a panic said, as text.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => format!("panic: {s}"),
        (_, Some(s)) => format!("panic: {s}"),
        _ => "panic".to_string(),
    }
}

/// What the worker reports after each round.
#[derive(Debug, Clone)]
pub struct SyncEvent {
    /// Whether the round reached HQ.
    pub online: bool,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// Age of the oldest of them, in seconds.
    pub oldest_pending_age_seconds: Option<i64>,
    /// Why the round failed.
    pub error: Option<String>,
    /// The store peers (`[peers] urls`) the round reached, and why each other one failed.
    pub peers: PeerRounds,
    /// How long the worker waits before the next round.
    pub next_in: Duration,
}

/// How a round with the register's store peers went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerRounds {
    /// Peers synced with.
    pub reached: usize,
    /// `URL: why` for each peer that was not.
    pub failed: Vec<String>,
}

/// One round with each of the register's store peers (`[peers] urls`), after HQ's and
/// whatever became of it: with the WAN down the LAN is what carries the store's stock,
/// orders and recent sales between its registers. A register not enrolled has no peer key
/// and no peers to reach.
fn sync_peers(reg: &mut Register) -> PeerRounds {
    let mut rounds = PeerRounds::default();
    for url in reg.config().peers.urls.clone() {
        match std::panic::catch_unwind(AssertUnwindSafe(|| reg.sync_once(Some(&url)))) {
            Ok(Ok(_)) => rounds.reached += 1,
            Ok(Err(RegisterError::Sync(SyncError::NotEnrolled))) => return PeerRounds::default(),
            Ok(Err(e)) => rounds.failed.push(format!("{url}: {e}")),
            Err(panic) => rounds.failed.push(format!("{url}: {}", panic_text(panic.as_ref()))),
        }
    }
    for failure in &rounds.failed {
        tracing::warn!(%failure, "store peer round failed");
    }
    rounds
}

/// Timing of the worker.
#[derive(Debug, Clone, Copy)]
pub struct WorkerTiming {
    /// Between successful rounds.
    pub interval: Duration,
    /// First wait after a failure (doubles per failure).
    pub base: Duration,
    /// Longest wait after failures.
    pub cap: Duration,
}

impl Default for WorkerTiming {
    fn default() -> Self {
        WorkerTiming { interval: Duration::from_secs(30), base: Duration::from_secs(2), cap: Duration::from_secs(300) }
    }
}

/// A running worker; stops (and joins) when dropped or [`SyncWorker::stop`]ped.
pub struct SyncWorker {
    stop: Arc<(Mutex<bool>, Condvar)>,
    nudged: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl SyncWorker {
    /// Starts syncing the register in `dir` with its HQ, reporting each round to `events`.
    pub fn spawn(
        dir: PathBuf,
        clock: Arc<dyn Clock>,
        timing: WorkerTiming,
        events: impl Fn(SyncEvent) + Send + 'static,
    ) -> Result<SyncWorker, RegisterError> {
        let mut reg = Register::open(&dir, clock.clone(), Box::new(RandomIds))?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let nudged = Arc::new(AtomicBool::new(false));
        let (s, n) = (stop.clone(), nudged.clone());
        let mut jitter = uuid::Uuid::new_v4().as_u64_pair().0;
        let handle = std::thread::Builder::new()
            .name("till-sync".into())
            .spawn(move || {
                let mut failures = 0u32;
                loop {
                    // A round that panics (a bug; input never should) is a failed round: the
                    // worker says so, reopens the register and carries on.
                    let round = std::panic::catch_unwind(AssertUnwindSafe(|| reg.sync_once(None)));
                    let (online, error) = match &round {
                        Ok(Ok(_)) => (true, None),
                        Ok(Err(e)) => (false, Some(e.to_string())),
                        Err(panic) => {
                            let what = panic_text(panic.as_ref());
                            tracing::error!(%what, "a sync round panicked; the worker restarts it on a fresh connection");
                            match Register::open(&dir, clock.clone(), Box::new(RandomIds)) {
                                Ok(fresh) => reg = fresh,
                                Err(e) => tracing::error!(error = %e, "the register could not be reopened; retrying on the old connection"),
                            }
                            (false, Some(format!("the sync round failed unexpectedly ({what}); the worker restarted it")))
                        }
                    };
                    let wait = match &round {
                        Ok(Ok(_)) | Ok(Err(RegisterError::Sync(SyncError::NotEnrolled))) => {
                            failures = 0;
                            timing.interval
                        }
                        _ => {
                            failures = failures.saturating_add(1);
                            jitter = jitter.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                            backoff(failures - 1, jitter >> 11, timing.base, timing.cap)
                        }
                    };
                    let peers = sync_peers(&mut reg);
                    let status = reg.sync_status().ok();
                    events(SyncEvent {
                        online,
                        pending_sales: status.as_ref().map_or(0, |s| s.pending_sales),
                        oldest_pending_age_seconds: status.and_then(|s| s.oldest_pending_age_seconds),
                        error,
                        peers,
                        next_in: wait,
                    });
                    let (lock, cvar) = &*s;
                    let Ok(guard) = lock.lock() else { return };
                    let Ok((guard, _)) =
                        cvar.wait_timeout_while(guard, wait, |stopped| !*stopped && !n.load(Ordering::SeqCst))
                    else {
                        return;
                    };
                    if *guard {
                        return;
                    }
                    n.store(false, Ordering::SeqCst);
                }
            })
            .map_err(|e| RegisterError::Io { path: "sync worker thread".into(), error: e })?;
        Ok(SyncWorker { stop, nudged, handle: Some(handle) })
    }

    /// Runs the next round now (after a sale, say) instead of waiting.
    pub fn nudge(&self) {
        self.nudged.store(true, Ordering::SeqCst);
        self.stop.1.notify_all();
    }

    /// Stops the worker after its current round.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Ok(mut stopped) = self.stop.0.lock() {
            *stopped = true;
        }
        self.stop.1.notify_all();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_never_reaches_zero() {
        let (base, cap) = (Duration::from_secs(2), Duration::from_secs(300));
        for jitter in [0, 1, 999, u64::MAX] {
            let waits: Vec<Duration> = (0..20).map(|f| backoff(f, jitter, base, cap)).collect();
            assert!(waits.iter().all(|w| *w >= Duration::from_secs(1)), "{waits:?}");
            assert!(waits.iter().all(|w| *w <= cap), "{waits:?}");
            assert!(waits[19] >= cap / 2, "capped waits stay long: {waits:?}");
            for (f, w) in waits.iter().enumerate().take(6) {
                let ceiling = base * (1 << f);
                assert!(*w >= ceiling / 2 && *w <= ceiling, "failure {f}: {w:?}");
            }
        }
        // Jitter spreads registers out.
        let spread: std::collections::BTreeSet<Duration> = (0..50).map(|j| backoff(3, j * 7919, base, cap)).collect();
        assert!(spread.len() > 10);
    }
}
