//! Scenario folders: `tests/scenarios/<name>/` holds a `commands` script, the `expected`
//! transcript, and whatever the script reads (store configurations, catalogs, orders).
//! Adding a case is adding a folder. The harness is `till_tests::scenario`; every line
//! runs a real binary (`till`, `till-hq`) on real SQLite files, and HQ on loopback.
//!
//! `commands`, one step per line; `#` starts a comment. A line that does not start with
//! `@` is one `till` invocation (arguments split on spaces, "double quotes" group), run
//! with the folder as working directory against the current register. Directives:
//!
//! - `@now RFC3339` pins the registers' clock for the lines after it (the default is
//!   2026-11-27T10:15:00Z); `@now real` lets them run on the real clock. Folders with an
//!   HQ run on the real clock: HQ signs pickup tokens and checks clock skew on its own.
//! - `@register NAME [CONFIG.toml]` switches the register later lines run against; each
//!   register has its own temporary data directory. With CONFIG it is created from it
//!   (`till init --config CONFIG`, shown as such). A folder without `@register` uses one.
//! - `@clone FROM TO`: register TO is a copy of FROM's disk (a second machine selling as
//!   the same register).
//! - `@hq start` starts HQ on loopback (a fresh SQLite database) behind the WAN the stores
//!   reach it through, `$HQ`; it serves Shopify webhooks and the order API.
//! - `@hq ARGS…` runs `till-hq --db DB ARGS` (in the folder), shown as `$ till-hq ARGS`.
//! - `@sync [NAME]` runs `till sync` for register NAME (default: the current one).
//! - `@offline` / `@online` cut and restore the WAN between the stores and HQ.
//! - `@peer serve NAME` starts `till serve-peer` for register NAME on loopback (its store's
//!   LAN), its URL as `$PEER_NAME`; `@peer stop NAME` switches it off.
//! - `@order FILE.json` posts FILE to HQ's order API as a webstore does;
//!   `@webhook TOPIC FILE.json` delivers it as a Shopify webhook, signed as Shopify signs.
//!   Either shows `HTTP STATUS: order ID STATUS` (or HQ's error).
//! - `{real+N}` / `{real-N}` in a line (N a whole number of `s`, `m`, `h` or `d`) is the
//!   real clock plus or minus N when the line runs (RFC 3339, to the second): an effective
//!   time relative to HQ's clock (`--effective {real+1h}`), or `@now {real+2h}` to pin the
//!   registers' clock past it without waiting.
//! - A command ending in `> NAME` captures the last line of its output as `$NAME` for the
//!   lines after it (`> NAME "TEXT"`: the first word of the first line containing TEXT).
//!
//! `expected`: each step as written (`$ till …`, `$ till-hq …`, directives), then its
//! stdout, its stderr prefixed `! `, and `[exit N]` when N is not 0. What differs per run
//! is masked (`till_tests::scenario::mask`): a data directory as `$DATA`, a captured value
//! as `$NAME`, store-credit codes; with an HQ or the real clock also dates and times,
//! UUIDs, ports, ages and a sync round's requests and bytes. Run with `UPDATE_EXPECT=1` to rewrite the
//! transcripts after a deliberate change, then review the diff; `SCENARIO=NAME` runs only
//! folder NAME.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};

use till_tests::repo;
use till_tests::scenario::mask::Masks;
use till_tests::scenario::words::{Capture, split, substitute};
use till_tests::scenario::{folders, run};

/// How the transcript of `dir` differs from its `expected` file, if it does (rewriting
/// the file instead with UPDATE_EXPECT).
fn compare(dir: &Path) -> Option<String> {
    let started = std::time::Instant::now();
    let actual = run(dir);
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    println!("scenario {name}: {:.1?}", started.elapsed());
    let expected_path = dir.join("expected");
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    if actual == expected {
        return None;
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
        return None;
    }
    let first = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or(actual.lines().count().min(expected.lines().count()));
    Some(format!(
        "scenario {name}: transcript differs at line {} (UPDATE_EXPECT=1 rewrites it)\n  expected: {:?}\n  actual:   {:?}",
        first + 1,
        expected.lines().nth(first).unwrap_or("<end>"),
        actual.lines().nth(first).unwrap_or("<end>")
    ))
}

/// Every folder, two at a time: the multi-actor folders spend most of their time waiting
/// on processes, and CI has two cores.
#[test]
fn scenarios() {
    let mut dirs = folders(&repo().join("tests/scenarios"));
    // `SCENARIO=NAME` runs only that folder (while writing one).
    if let Ok(only) = std::env::var("SCENARIO") {
        dirs.retain(|d| d.file_name().is_some_and(|n| n.to_string_lossy() == only));
    }
    assert!(!dirs.is_empty(), "no scenarios under tests/scenarios");
    let queue = std::sync::Mutex::new(dirs.iter());
    let next = || -> Option<&PathBuf> { queue.lock().unwrap().next() };
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| s.spawn(|| std::iter::from_fn(next).filter_map(|d| compare(d)).collect::<Vec<_>>()))
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_line_splits_into_words_and_a_capture() {
    let (words, capture) = Capture::split_off(split(r#"@hq conflicts > HALT "does not match""#));
    assert_eq!(words, ["@hq", "conflicts"]);
    let capture = capture.unwrap();
    assert_eq!((capture.name.as_str(), capture.marker.as_deref()), ("HALT", Some("does not match")));
    assert_eq!(capture.take("0a OPEN two records\n1b OPEN does not match its check\n").as_deref(), Some("1b"));
    let (words, last) = Capture::split_off(split("order token web:1 > PICKUP"));
    assert_eq!(words, ["order", "token", "web:1"]);
    assert_eq!(last.unwrap().take("Pickup token:\nTP1.a.b\n\n").as_deref(), Some("TP1.a.b"));
    let vars = [("T".to_string(), "x".to_string()), ("T2".to_string(), "y".to_string())];
    assert_eq!(substitute("$T2/$T", &vars), "y/x", "longer names first");
}

#[test]
fn masks_hide_what_differs_per_run_and_keep_the_figures() {
    let mut masks = Masks::default();
    masks.vars.push(("HQ".into(), "http://127.0.0.1:4711".into()));
    let pinned = "Receipt R1-000001  2026-11-27 10:05  credit SC-ABCDEFGHJKLM 12.50";
    assert_eq!(masks.apply(pinned), "Receipt R1-000001  2026-11-27 10:05  credit SC-############ 12.50");
    masks.live = true;
    let sale = "01a24f26-f7a3-703b-96e9-81b1280ff7b6";
    let text = format!(
        "{sale} R1-000001 sale 2026-12-07T06:18:03.56510144Z 39.90\n\
         HQ http://127.0.0.1:4711: online; peer 127.0.0.1:5000\n\
         synced: 3 document(s) exchanged in 7 request(s), 2520 bytes sent, 765 received\n\
         oldest 2026-12-07T06:18:14+01:00, 12 min ago; again {sale}, then 01a24f27-1721-71f1-8305-4c66dc5bc80f\n\
         order R1-280ff7b6 placed; R1-000004 is a receipt\n"
    );
    assert_eq!(
        masks.apply(&text),
        "<uuid 1> R1-000001 sale ####-##-##T##:##:##Z 39.90\n\
         HQ $HQ: online; peer 127.0.0.1:<port>\n\
         synced: 3 document(s) exchanged in # request(s), # bytes sent, # received\n\
         oldest ####-##-##T##:##:##+##:##, # min ago; again <uuid 1>, then <uuid 2>\n\
         order R1-<uuid 1 tail> placed; R1-000004 is a receipt\n"
    );
}
