//! The back-off on failed authentication, per client address: every 401 HQ answers takes a
//! token from that address's bucket, which refills at a steady rate; an address whose
//! bucket is empty is answered 429 (with `Retry-After`) before any credential is looked
//! up. A register retrying with a revoked credential (a few times a minute) never empties
//! it; a crowd guessing enrollment tokens or credentials does within seconds.
//!
//! The client is the connection's address, or with `--plain-http-behind-proxy` the last
//! address in `X-Forwarded-For` (the one the proxy appended). Loopback clients are never
//! held back: a process on HQ's own machine is its operator's (a proxy without
//! `X-Forwarded-For`, a monitor).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::HqError;

/// Failed authentications an address may make in a burst.
pub const BURST: u32 = 30;
/// One more failure is allowed this often once the burst is spent.
pub const REFILL: Duration = Duration::from_secs(10);
/// Addresses tracked at once; past it, those whose bucket is full again are forgotten and,
/// if none is, new addresses are not held back (never unbounded memory).
const MAX_CLIENTS: usize = 65_536;

/// Where a request came from, as the edge saw the connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer {
    /// The connection's remote address.
    pub addr: SocketAddr,
    /// Whether to believe `X-Forwarded-For` (HQ behind a proxy).
    pub forwarded: bool,
}

/// An address's failures as the time its bucket is full again (a generic cell rate
/// algorithm: each failure pushes it [`REFILL`] later; no float, no timer).
#[derive(Debug, Clone, Copy)]
struct Bucket {
    full_at: Instant,
}

impl Bucket {
    /// How long past the burst the address is at `now`, if it is.
    fn over(&self, now: Instant) -> Option<Duration> {
        let debt = self.full_at.saturating_duration_since(now);
        debt.checked_sub(REFILL * (BURST - 1)).filter(|d| !d.is_zero())
    }
}

static BUCKETS: LazyLock<Mutex<HashMap<IpAddr, Bucket>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The client of a request: see the module.
fn client(request: &Request) -> Option<IpAddr> {
    let peer = request.extensions().get::<Peer>()?;
    let forwarded = peer
        .forwarded
        .then(|| {
            request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .next_back()?
                .to_str()
                .ok()?
                .rsplit(',')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .flatten();
    let ip = forwarded.unwrap_or(peer.addr.ip());
    (!ip.is_loopback()).then_some(ip)
}

/// How long `ip` must wait before HQ looks at its credentials again, if it must.
fn held_back(ip: IpAddr, now: Instant) -> Option<Duration> {
    let buckets = BUCKETS.lock().unwrap_or_else(|e| e.into_inner());
    buckets.get(&ip)?.over(now)
}

/// Takes a token from `ip`'s bucket for a failed authentication.
fn failed(ip: IpAddr, now: Instant) {
    let mut buckets = BUCKETS.lock().unwrap_or_else(|e| e.into_inner());
    if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&ip) {
        buckets.retain(|_, b| b.full_at > now);
        if buckets.len() >= MAX_CLIENTS {
            tracing::warn!(%ip, "too many clients failing authentication to track; this one is not held back");
            return;
        }
    }
    let bucket = buckets.entry(ip).or_insert(Bucket { full_at: now });
    bucket.full_at = bucket.full_at.max(now) + REFILL;
}

/// The middleware: 429 for a client that failed too often, else the request, counting a
/// 401 answer against its client.
pub(crate) async fn guard(request: Request, next: Next) -> Response {
    let Some(ip) = client(&request) else { return next.run(request).await };
    if let Some(wait) = held_back(ip, Instant::now()) {
        let seconds = wait.as_secs().max(1);
        tracing::warn!(%ip, seconds, "held back after failed authentications");
        let mut response =
            HqError::TooMany(format!("too many failed authentications from {ip}: try again in {seconds} s"))
                .into_response();
        response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
        return response;
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED {
        failed(ip, Instant::now());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_failures_empties_the_bucket_which_refills_over_time() {
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..BURST {
            assert_eq!(held_back(ip, t0), None);
            failed(ip, t0);
        }
        let wait = held_back(ip, t0).expect("held back after the burst");
        assert!(wait <= REFILL && wait > Duration::ZERO, "{wait:?}");
        assert_eq!(held_back(ip, t0 + REFILL), None, "one token back after REFILL");
        failed(ip, t0 + REFILL);
        assert!(held_back(ip, t0 + REFILL).is_some());
        assert_eq!(held_back(ip, t0 + REFILL * (BURST + 1)), None, "full again");
    }
}
