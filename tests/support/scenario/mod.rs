//! The scenario-folder harness: runs a folder's `commands` against real actors — registers
//! (the `till` binary on SQLite files, one temporary data directory each), an HQ (the
//! `till-hq` binary on a fresh SQLite database, on loopback) behind a WAN that can be cut,
//! and webstores delivering orders to HQ — and writes what happened as a transcript. The
//! grammar is described at the top of `tests/scenarios.rs` and in `tests/scenarios/README.md`.

pub mod mask;
pub mod words;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::chain::{SECRET, TOKEN, serve_webstores, sign};
use crate::hq::HqProcess;
use crate::pickup::Wan;
use crate::proxy::http;
use crate::{NOW, TempRegister, till_hq_bin};
use mask::Masks;
use words::{Capture, real_times, split, substitute};

/// Runs the scenario in `folder` and returns its transcript.
pub fn run(folder: &Path) -> String {
    let script = std::fs::read_to_string(folder.join("commands"))
        .unwrap_or_else(|e| panic!("{}: cannot read commands: {e}", folder.display()));
    let mut scenario = Scenario::new(folder);
    for (n, text) in script.lines().enumerate() {
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        scenario.line = n + 1;
        scenario.step(text);
    }
    scenario.transcript
}

/// What one command printed.
struct Ran {
    stdout: String,
    stderr: String,
    exit: Option<i32>,
}

impl Ran {
    fn of(out: std::process::Output) -> Ran {
        Ran {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            exit: out.status.code(),
        }
    }
}

/// The HQ of a scenario and the WAN its stores reach it through.
struct Headquarters {
    process: HqProcess,
    wan: Wan,
}

/// A register's `till serve-peer`, stopped when dropped (`@peer stop`, or the scenario's end).
struct PeerServer(std::process::Child);

impl Drop for PeerServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A scenario being run: its actors, its clock, and the transcript so far.
struct Scenario<'a> {
    folder: &'a Path,
    /// HQ's database and secrets.
    work: tempfile::TempDir,
    /// `TILL_NOW` for the registers; `None`: the real clock.
    now: Option<String>,
    /// The registers by name; `""` is the one a folder without `@register` uses.
    registers: BTreeMap<String, TempRegister>,
    current: String,
    hq: Option<Headquarters>,
    /// `till serve-peer` of the registers serving their store's LAN, by register name.
    peers: BTreeMap<String, PeerServer>,
    masks: Masks,
    transcript: String,
    /// The line of `commands` being run, for errors.
    line: usize,
}

impl Scenario<'_> {
    fn new(folder: &Path) -> Scenario<'_> {
        Scenario {
            folder,
            work: tempfile::tempdir().unwrap(),
            now: Some(NOW.to_string()),
            registers: BTreeMap::new(),
            current: String::new(),
            hq: None,
            peers: BTreeMap::new(),
            masks: Masks::default(),
            transcript: String::new(),
            line: 0,
        }
    }

    /// Stops the run, saying where.
    fn fail(&self, message: &str) -> ! {
        panic!("{}/commands line {}: {message}", self.folder.display(), self.line)
    }

    fn echo(&mut self, text: &str) {
        self.transcript.push_str(text);
        self.transcript.push('\n');
    }

    fn step(&mut self, text: &str) {
        let (words, capture) = Capture::split_off(split(text));
        let words: Vec<String> = words.iter().map(|w| real_times(&substitute(w, &self.masks.vars))).collect();
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let ran = match args.split_first() {
            Some((directive, rest)) if directive.starts_with('@') => self.directive(text, directive, rest),
            _ => {
                self.echo(&format!("$ till {text}"));
                Some(self.run_till(&self.current.clone(), &args))
            }
        };
        let Some(ran) = ran else {
            if capture.is_some() {
                self.fail("only a command's output can be captured");
            }
            return;
        };
        if let Some(capture) = capture {
            let value = capture
                .take(&ran.stdout)
                .unwrap_or_else(|| self.fail(&format!("nothing to capture as {} in: {}", capture.name, ran.stdout)));
            self.masks.vars.push((capture.name, value));
        }
        self.record(&ran);
    }

    /// Runs directive `@…` with its `args`; what it printed, if it ran a command.
    fn directive(&mut self, text: &str, directive: &str, args: &[&str]) -> Option<Ran> {
        if directive == "@register" {
            return self.switch_register(text, args);
        }
        if directive == "@hq" && args != ["start"] {
            self.echo(&format!("$ till-hq {}", text.trim_start_matches("@hq").trim_start()));
            return Some(self.run_hq(args));
        }
        self.echo(text);
        match (directive, args) {
            ("@now", ["real"]) => self.now = None,
            ("@now", [at]) => self.now = Some(at.to_string()),
            ("@clone", [from, to]) => {
                let copy = match self.registers.get(*from) {
                    Some(original) => original.cloned(),
                    None => self.fail(&format!("no register {from} to clone")),
                };
                self.registers.insert(to.to_string(), copy);
            }
            ("@hq", ["start"]) => self.start_hq(),
            ("@sync", []) => return Some(self.run_till(&self.current.clone(), &["sync"])),
            ("@sync", [name]) => return Some(self.run_till(name, &["sync"])),
            ("@offline", []) => self.headquarters().wan.cut(),
            ("@online", []) => self.headquarters().wan.restore(),
            ("@order", [file]) => return Some(self.post_order(file)),
            ("@webhook", [topic, file]) => return Some(self.post_webhook(topic, file)),
            ("@peer", ["serve", name]) => self.serve_peer(name),
            ("@peer", ["stop", name]) => {
                if self.peers.remove(*name).is_none() {
                    self.fail(&format!("register {name} is not serving its peers"));
                }
            }
            _ => self.fail(&format!("unknown directive, or not its arguments: {text} (see tests/scenarios/README.md)")),
        }
        None
    }

    /// Adds a command's output to the transcript: stdout, stderr as `! ` lines, and the
    /// exit status when it is not 0.
    fn record(&mut self, ran: &Ran) {
        self.masks.live = self.now.is_none() || self.hq.is_some();
        let stdout = self.masks.apply(&ran.stdout);
        self.transcript.push_str(&stdout);
        for line in self.masks.apply(&ran.stderr).lines() {
            self.echo(&format!("! {line}"));
        }
        match ran.exit {
            Some(0) => {}
            Some(code) => self.echo(&format!("[exit {code}]")),
            None => self.echo("[killed]"),
        }
    }

    fn register(&mut self, name: &str) -> &mut TempRegister {
        self.registers.entry(name.to_string()).or_insert_with(TempRegister::empty)
    }

    /// `@register NAME [CONFIG]`: later lines run against NAME; with CONFIG, it is created
    /// from it first (`till init --config CONFIG`).
    fn switch_register(&mut self, text: &str, args: &[&str]) -> Option<Ran> {
        self.echo(text);
        match args {
            [name] => {
                self.current = name.to_string();
                None
            }
            [name, config] => {
                self.current = name.to_string();
                let init = ["init", "--config", config];
                self.echo(&format!("$ till {}", init.join(" ")));
                Some(self.run_till(name, &init))
            }
            _ => self.fail("@register takes NAME and an optional CONFIG.toml"),
        }
    }

    /// Runs `till ARGS` against register `name`, in the scenario folder.
    fn run_till(&mut self, name: &str, args: &[&str]) -> Ran {
        let now = self.now.clone();
        let folder = self.folder.to_path_buf();
        let reg = self.register(name);
        reg.now = now;
        let dir = reg.data_dir().to_path_buf();
        let out = reg.command(args).current_dir(folder).env("NO_COLOR", "1").output().unwrap();
        self.masks.data_dir = Some(dir);
        Ran::of(out)
    }

    /// `@peer serve NAME`: `till serve-peer` for register NAME on loopback, its URL as
    /// `$PEER_NAME`.
    fn serve_peer(&mut self, name: &str) {
        if self.peers.contains_key(name) {
            self.fail(&format!("register {name} serves its peers already"));
        }
        let now = self.now.clone();
        let reg = self.register(name);
        reg.now = now;
        let (child, url) = reg.serve_peer();
        self.masks.vars.retain(|(n, _)| *n != format!("PEER_{name}"));
        self.masks.vars.push((format!("PEER_{name}"), url));
        self.peers.insert(name.to_string(), PeerServer(child));
    }

    fn headquarters(&self) -> &Headquarters {
        self.hq.as_ref().unwrap_or_else(|| self.fail("no HQ yet: `@hq start` first"))
    }

    /// `@hq start`: HQ on a fresh SQLite database, serving the webstores, and the WAN to
    /// it (`$HQ`).
    fn start_hq(&mut self) {
        if self.now.is_some() {
            self.fail("HQ runs on the real clock (it signs tokens and checks skew on it): `@now real` first");
        }
        if self.hq.is_some() {
            self.fail("HQ is running already");
        }
        let db = format!("sqlite:{}", self.work.path().join("hq.sqlite").display());
        let process = serve_webstores(&db, self.work.path());
        let wan = Wan::to(&process.url);
        self.masks.vars.push(("HQ".to_string(), wan.0.url.clone()));
        self.hq = Some(Headquarters { process, wan });
    }

    /// Runs `till-hq --db DB ARGS` in the scenario folder.
    fn run_hq(&mut self, args: &[&str]) -> Ran {
        let db = self.headquarters().process.db.clone();
        let out = Command::new(till_hq_bin())
            .arg("--db")
            .arg(db)
            .args(args)
            .current_dir(self.folder)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        Ran::of(out)
    }

    fn read(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.folder.join(file)).unwrap_or_else(|e| self.fail(&format!("cannot read {file}: {e}")))
    }

    /// `@order FILE`: the webstore posts FILE to HQ's order API (`Idempotency-Key`: FILE).
    fn post_order(&mut self, file: &str) -> Ran {
        let body = self.read(file);
        let url = self.headquarters().process.url.clone();
        let bearer = format!("Bearer {TOKEN}");
        let headers =
            [("authorization", bearer.as_str()), ("idempotency-key", file), ("content-type", "application/json")];
        let (status, answer) = http(&url, "POST", "/v1/orders", &headers, &body);
        answered(status, &answer)
    }

    /// `@webhook TOPIC FILE`: Shopify delivers FILE as webhook TOPIC, signed with the
    /// shop's secret (webhook id: TOPIC and FILE).
    fn post_webhook(&mut self, topic: &str, file: &str) -> Ran {
        let body = self.read(file);
        let url = self.headquarters().process.url.clone();
        let signature = sign(SECRET, &body);
        let id = format!("{topic}/{file}");
        let headers = [
            ("content-type", "application/json"),
            ("x-shopify-topic", topic),
            ("x-shopify-shop-domain", crate::chain::SHOP),
            ("x-shopify-webhook-id", id.as_str()),
            ("x-shopify-hmac-sha256", signature.as_str()),
        ];
        let (status, answer) = http(&url, "POST", "/webhooks/shopify", &headers, &body);
        answered(status, &answer)
    }
}

/// HQ's answer to a webstore as one line: `HTTP 201: order ID STATUS`, or the error.
fn answered(status: u16, body: &[u8]) -> Ran {
    let answer: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let summary = if answer["message"].is_string() {
        format!("{}: {}", text(&answer["code"]), text(&answer["message"]))
    } else {
        let id = if answer["id"].is_string() { &answer["id"] } else { &answer["order_id"] };
        let what = if answer["status"].is_string() { &answer["status"] } else { &answer["outcome"] };
        let replayed = if answer["replayed"] == true { " (replayed)" } else { "" };
        format!("order {} {}{replayed}", text(id), text(what))
    };
    Ran { stdout: format!("HTTP {status}: {summary}\n"), stderr: String::new(), exit: Some(0) }
}

/// The folders under `root` that hold a scenario (a `commands` file), sorted.
pub fn folders(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("commands").exists()).collect();
    dirs.sort();
    dirs
}
