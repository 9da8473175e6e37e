//! Scenario folders: `tests/scenarios/<name>/` holds a store configuration, catalog files,
//! a `commands` script and the `expected` transcript. Adding a case is adding a folder.
//!
//! `commands`: one `till` invocation per line (arguments split on spaces, "double quotes"
//! group), run with the scenario folder as working directory against a fresh temporary
//! register. `#` starts a comment; `@now RFC3339` sets the clock for the lines after it.
//!
//! `expected`: for each command, `$ till ARGS`, its stdout, its stderr prefixed `! `, and
//! `[exit N]` when N is not 0. Run with `UPDATE_EXPECT=1` to rewrite it after a deliberate
//! change, then review the diff.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use till_tests::{NOW, repo, till_bin};

fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    out.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(current);
    }
    out
}

/// Store-credit codes are random (they are bearer secrets); the transcript shows each as
/// `SC-` and twelve `#`.
fn mask_codes(text: &str) -> String {
    const ALPHABET: &str = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("SC-") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let code: String = rest.chars().take(12).collect();
        if code.len() == 12 && code.chars().all(|c| ALPHABET.contains(c)) {
            out.push_str("############");
            rest = &rest[12..];
        }
    }
    out.push_str(rest);
    out
}

fn run_scenario(dir: &Path) -> String {
    let data = tempfile::tempdir().unwrap();
    let script = std::fs::read_to_string(dir.join("commands")).unwrap();
    let mut now = NOW.to_string();
    let mut transcript = String::new();
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Some(at) = line.strip_prefix("@now ") {
            now = at.trim().to_string();
            transcript.push_str(&format!("@now {now}\n"));
            continue;
        }
        let args = split(line);
        let out = Command::new(till_bin())
            .args(&args)
            .current_dir(dir)
            .env("TILL_DATA_DIR", data.path())
            .env("TILL_NOW", &now)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        transcript.push_str(&format!("$ till {line}\n"));
        // The temporary data directory differs per run; show it as $DATA.
        let data_dir = data.path().to_string_lossy();
        transcript.push_str(&mask_codes(&String::from_utf8_lossy(&out.stdout).replace(data_dir.as_ref(), "$DATA")));
        for l in mask_codes(&String::from_utf8_lossy(&out.stderr).replace(data_dir.as_ref(), "$DATA")).lines() {
            transcript.push_str(&format!("! {l}\n"));
        }
        match out.status.code() {
            Some(0) => {}
            Some(code) => transcript.push_str(&format!("[exit {code}]\n")),
            None => transcript.push_str("[killed]\n"),
        }
    }
    transcript
}

#[test]
fn scenarios() {
    let root = repo().join("tests/scenarios");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.join("commands").exists()).collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no scenarios under {}", root.display());
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for dir in &dirs {
        let actual = run_scenario(dir);
        let expected_path = dir.join("expected");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            if update {
                std::fs::write(&expected_path, &actual).unwrap();
            } else {
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                let first = actual
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, e)| a != e)
                    .unwrap_or(actual.lines().count().min(expected.lines().count()));
                failures.push(format!(
                    "scenario {name}: transcript differs at line {} (UPDATE_EXPECT=1 rewrites it)\n  expected: {:?}\n  actual:   {:?}",
                    first + 1,
                    expected.lines().nth(first).unwrap_or("<end>"),
                    actual.lines().nth(first).unwrap_or("<end>")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
