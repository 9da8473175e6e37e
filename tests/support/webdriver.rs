//! A small W3C WebDriver client for the desktop app's end-to-end tests: `tauri-driver`
//! (which drives Debian's WebKitWebDriver) started on free ports, a session that launches
//! the real `till-app` binary, and the few commands the scenarios use — find, click, type
//! (all at once, as a scanner does, or key by key, as a person does), read text, run a
//! script, take a screenshot.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The WebDriver element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `tauri-driver` on free ports; killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts tauri-driver (from `~/.cargo/bin` or the PATH) with Debian's WebKitWebDriver.
    pub fn start() -> Driver {
        let exe = which("tauri-driver")
            .expect("tauri-driver is installed (cargo install tauri-driver --version ^2; ./test does)");
        let native =
            which("WebKitWebDriver").expect("WebKitWebDriver is installed (Debian: webkit2gtk-driver; ./test does)");
        assert!(std::env::var_os("DISPLAY").is_some(), "the app needs a display: run under xvfb-run (./test does)");
        let (port, native_port) = (free_port(), free_port());
        let child = Command::new(exe)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string(), "--native-driver"])
            .arg(native)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "tauri-driver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }

    /// A session running `app` with `args` (the app's window is the session's window).
    pub fn launch(&self, app: &Path, args: &[&str]) -> Session {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": app, "args": args}
        }}});
        // Plain HTTP on loopback; reqwest is built without a default TLS provider, so it is
        // given a configuration that trusts nobody (till-sync's, never used over HTTP).
        let http = reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(till_sync::trust::trusting_nobody())
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        // tauri-driver listens before its native driver is up: on a loaded machine the
        // first session request can meet a closed connection. No session exists then, so
        // asking again is safe.
        let url = format!("{}/session", self.url);
        let mut tries = 0;
        let v = loop {
            tries += 1;
            let sent = http.post(&url).header("content-type", "application/json").body(caps.to_string()).send();
            match sent {
                Ok(response) => {
                    let text = response.text().unwrap();
                    let v = serde_json::from_str::<Value>(&text).unwrap_or_else(|_| panic!("POST {url}: {text}"));
                    break v["value"].clone(); // the W3C answer, as `call` reads it
                }
                Err(e) if tries < 5 && (e.is_connect() || e.is_request()) => {
                    std::thread::sleep(Duration::from_millis(500 * tries));
                }
                Err(e) => panic!("POST {url}: {e} (after {tries} tries)"),
            }
        };
        let id = v["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        Session { http, base: format!("{}/session/{id}", self.url) }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    home.into_iter().chain(std::env::split_paths(&path)).map(|d| d.join(name)).find(|p| p.is_file())
}

fn call(http: &reqwest::blocking::Client, method: &str, url: &str, body: Option<&Value>) -> Value {
    let request = match method {
        "POST" => {
            http.post(url).header("content-type", "application/json").body(body.unwrap_or(&json!({})).to_string())
        }
        "DELETE" => http.delete(url),
        _ => http.get(url),
    };
    let response = request.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let text = response.text().unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {url}: {text}"));
    v["value"].clone()
}

/// A WebDriver session: the app's window.
pub struct Session {
    http: reqwest::blocking::Client,
    base: String,
}

/// An element of the page.
#[derive(Clone)]
pub struct Element(String);

impl Session {
    fn post(&self, path: &str, body: Value) -> Value {
        call(&self.http, "POST", &format!("{}{path}", self.base), Some(&body))
    }

    fn get(&self, path: &str) -> Value {
        call(&self.http, "GET", &format!("{}{path}", self.base), None)
    }

    /// The element matching `css`, once there is one (waits up to 20 s).
    pub fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.post("/element", json!({"using": "css selector", "value": css}));
            if let Some(id) = v[ELEMENT].as_str() {
                return Element(id.to_string());
            }
            assert!(Instant::now() < deadline, "no element {css}: {v}\npage: {}", self.text("body"));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// How many elements match `css` now.
    pub fn count(&self, css: &str) -> usize {
        self.post("/elements", json!({"using": "css selector", "value": css})).as_array().map_or(0, Vec::len)
    }

    /// Clicks the element matching `css`.
    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{}/click", e.0), json!({}));
    }

    /// Types `text` into the element matching `css` in one burst, as a scanner would.
    pub fn type_fast(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.post(&format!("/element/{}/value", e.0), json!({"text": text}));
    }

    /// Types `text` into the element matching `css` one key at a time, `gap` apart, as a
    /// person would.
    pub fn type_slowly(&self, css: &str, text: &str, gap: Duration) {
        let e = self.find(css);
        for c in text.chars() {
            self.post(&format!("/element/{}/value", e.0), json!({"text": c.to_string()}));
            std::thread::sleep(gap);
        }
    }

    /// Presses keys on whatever has focus (WebDriver key codes: "\u{E007}" Enter,
    /// "\u{E03C}" F12…).
    pub fn keys(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                [json!({"type": "keyDown", "value": c.to_string()}), json!({"type": "keyUp", "value": c.to_string()})]
            })
            .collect();
        self.post("/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}));
    }

    /// Presses `key` while `modifier` is held ("\u{E008}" Shift, "\u{E009}" Control).
    pub fn chord(&self, modifier: &str, key: &str) {
        let actions = json!([
            {"type": "keyDown", "value": modifier},
            {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key},
            {"type": "keyUp", "value": modifier},
        ]);
        self.post("/actions", json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]}));
    }

    /// The visible text of the element matching `css`.
    pub fn text(&self, css: &str) -> String {
        let v = self.post("/element", json!({"using": "css selector", "value": css}));
        match v[ELEMENT].as_str() {
            Some(id) => self.get(&format!("/element/{id}/text")).as_str().unwrap_or_default().to_string(),
            None => String::new(),
        }
    }

    /// Waits until the text of `css` satisfies `pred`; returns it.
    pub fn wait_text(&self, css: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let t = self.text(css);
            if pred(&t) {
                return t;
            }
            assert!(Instant::now() < deadline, "{css} never matched; it says {t:?}\npage: {}", self.text("body"));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `script` in the page (its `return` value).
    pub fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    /// The window as a PNG, saved to `path`.
    pub fn screenshot(&self, path: &Path) {
        let v = self.get("/screenshot");
        let b64 = v.as_str().unwrap_or_default();
        std::fs::write(path, decode_base64(b64)).unwrap();
    }

    /// Resizes the window (its outer size, in CSS pixels).
    pub fn set_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}));
    }

    /// The window's title.
    pub fn title(&self) -> String {
        self.get("/title").as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
    }
}

/// Standard base64 (the screenshot), without a dependency.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
