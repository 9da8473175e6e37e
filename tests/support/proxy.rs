//! A loopback HTTP proxy that misbehaves on purpose, for sync tests: it drops requests,
//! drops responses after HQ has acted on the request, duplicates requests, delays them,
//! and slips in old requests it saw earlier (so HQ sees messages out of order). It keeps
//! every request it forwarded, for replaying the whole outbox later.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often each fault happens, in per mille of requests.
#[derive(Debug, Clone, Copy, Default)]
pub struct Chaos {
    /// Close the connection without forwarding.
    pub drop_request: u32,
    /// Forward, then close without answering (HQ acted; the register never hears).
    pub drop_response: u32,
    /// Forward twice.
    pub duplicate: u32,
    /// Before forwarding, send an old request again (reordering).
    pub replay_old: u32,
    /// Longest random delay before forwarding, in milliseconds.
    pub max_delay_ms: u64,
}

/// What the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests received.
    pub requests: AtomicU64,
    /// Dropped before forwarding.
    pub dropped_requests: AtomicU64,
    /// Forwarded but not answered.
    pub dropped_responses: AtomicU64,
    /// Forwarded twice.
    pub duplicated: AtomicU64,
    /// Old requests slipped in.
    pub replayed: AtomicU64,
}

/// Rewrites a response on its way back, given the request it answers: what an intruder on
/// the path does.
pub type Rewrite = Arc<dyn Fn(&[u8], Vec<u8>) -> Vec<u8> + Send + Sync>;

struct Shared {
    upstreams: Mutex<Vec<String>>,
    rewrite: Mutex<Option<Rewrite>>,
    chaos: Mutex<Chaos>,
    captured: Mutex<Vec<Vec<u8>>>,
    stop: AtomicBool,
    stats: Stats,
    seed: u64,
    counter: AtomicU64,
}

impl Shared {
    /// The upstream request `n` goes to.
    fn upstream(&self, n: u64) -> String {
        let all = self.upstreams.lock().unwrap();
        all[(n % all.len().max(1) as u64) as usize].clone()
    }
}

/// The proxy; stops when dropped.
pub struct Proxy {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    shared: Arc<Shared>,
}

/// SplitMix64: a small seeded generator, so a failing run can be repeated by its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// True `per_mille` times in a thousand.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }
}

fn host_of(url: &str) -> String {
    url.trim_start_matches("http://").trim_end_matches('/').to_string()
}

impl Proxy {
    /// Starts a proxy to `upstream` (`http://host:port`) misbehaving as `chaos` says.
    pub fn start(upstream: &str, chaos: Chaos, seed: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            upstreams: Mutex::new(vec![host_of(upstream)]),
            rewrite: Mutex::new(None),
            chaos: Mutex::new(chaos),
            captured: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            stats: Stats::default(),
            seed,
            counter: AtomicU64::new(0),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || handle(&s, conn));
            }
        });
        Proxy { url, shared }
    }

    /// Points the proxy at another upstream (HQ restarted on a new port).
    pub fn set_upstream(&self, url: &str) {
        self.set_upstreams(&[url]);
    }

    /// Spreads requests over several upstreams in turn (several HQ processes on one
    /// database); a duplicated request goes to the next one.
    pub fn set_upstreams(&self, urls: &[&str]) {
        *self.shared.upstreams.lock().unwrap() = urls.iter().map(|u| host_of(u)).collect();
    }

    /// Rewrites every response from now on (`None`: passes them on as they are).
    pub fn set_rewrite(&self, rewrite: Option<Rewrite>) {
        *self.shared.rewrite.lock().unwrap() = rewrite;
    }

    /// Changes how it misbehaves.
    pub fn set_chaos(&self, chaos: Chaos) {
        *self.shared.chaos.lock().unwrap() = chaos;
    }

    /// What it did so far.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Every request it forwarded, as raw HTTP.
    pub fn captured(&self) -> Vec<Vec<u8>> {
        self.shared.captured.lock().unwrap().clone()
    }

    /// Sends a raw request to the current upstream and returns the status code (0 if the
    /// connection failed).
    pub fn send_raw(&self, request: &[u8]) -> u16 {
        let n = self.shared.counter.fetch_add(1, Ordering::SeqCst);
        forward(&self.shared.upstream(n), request).map(|r| status_of(&r)).unwrap_or(0)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// The status code of a raw HTTP response.
pub fn status_of(response: &[u8]) -> u16 {
    std::str::from_utf8(&response[..response.len().min(64)])
        .ok()
        .and_then(|head| head.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// Reads one HTTP request (head and Content-Length body) from `conn`.
fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.truncate(head_end + length);
    Some(buf)
}

/// Sends `request` upstream on a fresh connection (asking it to close after answering)
/// and reads the whole response.
fn forward(upstream: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).ok()?;
    up.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
    let head_end = request.windows(4).position(|w| w == b"\r\n\r\n")? + 2;
    up.write_all(&request[..head_end]).ok()?;
    up.write_all(b"connection: close\r\n").ok()?;
    // A server may answer (413, 401) and stop reading before the body is all sent: then
    // its answer is read all the same.
    let wrote = up.write_all(&request[head_end..]);
    let mut response = Vec::new();
    let read = up.read_to_end(&mut response);
    if response.is_empty() {
        wrote.ok()?;
        read.ok()?;
    }
    Some(response)
}

fn handle(s: &Shared, mut conn: TcpStream) {
    let Some(request) = read_request(&mut conn) else { return };
    let n = s.counter.fetch_add(1, Ordering::SeqCst);
    let mut rng = Rng::new(s.seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let chaos = *s.chaos.lock().unwrap();
    let upstream = s.upstream(n);
    s.stats.requests.fetch_add(1, Ordering::SeqCst);
    if chaos.max_delay_ms > 0 {
        std::thread::sleep(Duration::from_millis(rng.below(chaos.max_delay_ms)));
    }
    if rng.chance(chaos.drop_request) {
        s.stats.dropped_requests.fetch_add(1, Ordering::SeqCst);
        let _ = conn.shutdown(Shutdown::Both);
        return;
    }
    if rng.chance(chaos.replay_old) {
        let old = {
            let captured = s.captured.lock().unwrap();
            (!captured.is_empty()).then(|| captured[rng.below(captured.len() as u64) as usize].clone())
        };
        if let Some(old) = old {
            s.stats.replayed.fetch_add(1, Ordering::SeqCst);
            let _ = forward(&upstream, &old);
        }
    }
    s.captured.lock().unwrap().push(request.clone());
    let mut response = forward(&upstream, &request);
    if rng.chance(chaos.duplicate) {
        s.stats.duplicated.fetch_add(1, Ordering::SeqCst);
        response = forward(&s.upstream(n + 1), &request);
    }
    if rng.chance(chaos.drop_response) {
        s.stats.dropped_responses.fetch_add(1, Ordering::SeqCst);
        let _ = conn.shutdown(Shutdown::Both);
        return;
    }
    let rewrite = s.rewrite.lock().unwrap().clone();
    match response {
        Some(r) => {
            let r = match rewrite {
                Some(f) => f(&request, r),
                None => r,
            };
            let _ = conn.write_all(&r);
        }
        None => {
            let _ = conn.shutdown(Shutdown::Both);
        }
    }
}

/// Sends one HTTP/1.1 request to `base` (`http://host:port`) and returns the status and
/// body. For hostile-input tests: the body is sent as given, whatever it holds.
pub fn http(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, Vec<u8>) {
    let host = host_of(base);
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {host}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    let mut raw = request.into_bytes();
    raw.extend_from_slice(body);
    let response = forward(&host, &raw).unwrap_or_default();
    let body =
        response.windows(4).position(|w| w == b"\r\n\r\n").map(|i| response[i + 4..].to_vec()).unwrap_or_default();
    (status_of(&response), body)
}

/// Replaces the body of a raw captured request (keeping its head, fixing its length).
pub fn with_body(request: &[u8], body: &[u8]) -> Vec<u8> {
    let head_end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&request[..head_end]);
    let mut out = String::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if line.to_ascii_lowercase().starts_with("content-length:") {
            out.push_str(&format!("content-length: {}\r\n", body.len()));
        } else {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("\r\n");
    let mut raw = out.into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// A raw response whose JSON body `edit` changed (its length fixed). A body that is not
/// JSON is passed on unchanged.
pub fn edit_json_response(response: Vec<u8>, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let Some(head_end) = response.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) else { return response };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&response[head_end..]) else { return response };
    edit(&mut value);
    with_body(&response, &serde_json::to_vec(&value).unwrap())
}

/// The value of header `name` in a raw request.
pub fn header_of(request: &[u8], name: &str) -> Option<String> {
    let head_end = request.windows(4).position(|w| w == b"\r\n\r\n")?;
    String::from_utf8_lossy(&request[..head_end]).split("\r\n").find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// The body of a raw request.
pub fn body_of(request: &[u8]) -> Vec<u8> {
    request.windows(4).position(|w| w == b"\r\n\r\n").map(|i| request[i + 4..].to_vec()).unwrap_or_default()
}
