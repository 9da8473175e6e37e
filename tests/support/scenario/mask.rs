//! What a transcript hides so it reads the same on every run, and only that: random
//! values and the real clock's. Totals, quantities, statuses and messages stay visible.
//!
//! Always: the register's data directory (`$DATA`), a captured variable's value (`$NAME`),
//! store-credit codes (`SC-############`: bearer secrets, random). Once the scenario runs
//! on the real clock or has an HQ ("live"): every date and time (its digits as `#`,
//! fractions of a second dropped, so a receipt keeps its columns), ages (`# min ago`),
//! a sync round's requests and bytes (Automerge changes carry random actor ids and times,
//! and its Bloom filters now and then cost another message), loopback ports,
//! UUIDs (numbered by first appearance, `<uuid 1>`, so the same sale is recognisable
//! further on; an order number made of a UUID's last digits as `R1-<uuid 1 tail>`), and
//! pickup tokens not captured into a variable.

use std::path::PathBuf;
use std::sync::LazyLock;

use regex::{Captures, Regex};

fn pattern(text: &str) -> Regex {
    Regex::new(text).unwrap_or_else(|e| panic!("mask pattern {text}: {e}"))
}

static TIME: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?)?(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?"));
static AGE: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b\d+ (min|s|h) ago\b"));
static TRAFFIC: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b\d+ request\(s\), \d+ bytes sent, \d+ received\b"));
static PORT: LazyLock<Regex> = LazyLock::new(|| pattern(r"\b127\.0\.0\.1:\d+"));
static UUID: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"));
static PICKUP_TOKEN: LazyLock<Regex> = LazyLock::new(|| pattern(r"\bTP1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"));
static STORE_CREDIT: LazyLock<Regex> = LazyLock::new(|| pattern(r"SC-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{12}"));
static FRACTION: LazyLock<Regex> = LazyLock::new(|| pattern(r"\.\d+"));

/// The masks of one scenario run.
#[derive(Debug, Default)]
pub struct Masks {
    /// Random and clock-dependent values are masked too (real clock, or an HQ).
    pub live: bool,
    /// Captured variables: name and value.
    pub vars: Vec<(String, String)>,
    /// The data directory of the register a command runs against.
    pub data_dir: Option<PathBuf>,
    uuids: Vec<String>,
}

impl Masks {
    /// `text` as the transcript shows it.
    pub fn apply(&mut self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(dir) = &self.data_dir {
            text = text.replace(dir.to_string_lossy().as_ref(), "$DATA");
        }
        let mut vars: Vec<&(String, String)> = self.vars.iter().filter(|(_, value)| !value.is_empty()).collect();
        vars.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
        for (name, value) in vars {
            text = text.replace(value.as_str(), &format!("${name}"));
        }
        text = STORE_CREDIT.replace_all(&text, "SC-############").into_owned();
        if !self.live {
            return text;
        }
        text = PICKUP_TOKEN.replace_all(&text, "<pickup token>").into_owned();
        text = UUID
            .replace_all(&text, |c: &Captures| {
                let id = c[0].to_string();
                let n = match self.uuids.iter().position(|u| *u == id) {
                    Some(i) => i + 1,
                    None => {
                        self.uuids.push(id);
                        self.uuids.len()
                    }
                };
                format!("<uuid {n}>")
            })
            .into_owned();
        for (i, id) in self.uuids.iter().enumerate() {
            // An endless-aisle order's number ends in its id's last eight digits.
            let tail = &id[id.len() - 8..];
            text = text.replace(&format!("-{tail}"), &format!("-<uuid {} tail>", i + 1));
        }
        text = TIME
            .replace_all(&text, |c: &Captures| FRACTION.replace(&c[0], "").replace(|d: char| d.is_ascii_digit(), "#"))
            .into_owned();
        text = AGE.replace_all(&text, "# $1 ago").into_owned();
        text = TRAFFIC.replace_all(&text, "# request(s), # bytes sent, # received").into_owned();
        PORT.replace_all(&text, "127.0.0.1:<port>").into_owned()
    }
}
