//! What every fuzz target shares: how many cases to run, the seed corpus on disk
//! (tests/fixtures/fuzz/<target>/), and the mutators that turn valid samples into
//! almost-valid ones — bytes flipped, inserted, deleted, duplicated or spliced from another
//! sample; dictionary tokens dropped in; and, knowing the format, fields, lines and JSON
//! nodes replaced, removed or swapped — so a case gets past the first check and into the
//! parser's deeper branches.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};
use serde_json::Value;

/// The most bytes a mutated input grows to: every case stays small and quick.
pub const MAX_INPUT: usize = 64 * 1024;

/// The proptest configuration of a target: `default` cases (CI's budget), or
/// `TILL_FUZZ_CASES` (then `PROPTEST_CASES`) when set; a fixed seed unless
/// `PROPTEST_RNG_SEED` names another. No failure files are written: a finding becomes a
/// regular test (and its input a seed file), as the project's other property tests do.
pub fn config(default: u32) -> Config {
    let from_env = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u32>().ok());
    let cases = from_env("TILL_FUZZ_CASES").or_else(|| from_env("PROPTEST_CASES")).unwrap_or(default);
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0x7111);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_iters: 2_000,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `test` on `default` cases (see [`config`]) of `strategy`; a failure panics with
/// the shrunk case. For targets that set up something costly once (a register, HQ).
pub fn run<S: Strategy>(default: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = proptest::test_runner::TestRunner::new(config(default));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// The seed files of `target` (tests/fixtures/fuzz/`target`/), sorted by name.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seed files", dir.display());
    files.into_iter().map(|p| std::fs::read(&p).unwrap()).collect()
}

/// The seeds of `target` as text.
pub fn text_seeds(target: &str) -> Vec<String> {
    seeds(target).into_iter().map(|b| String::from_utf8(b).unwrap()).collect()
}

/// One byte-level change.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Flip one bit of the byte at.
    Flip(Index, u8),
    /// Set the byte at to an interesting value.
    Set(Index, u8),
    /// Insert bytes at.
    Insert(Index, Vec<u8>),
    /// Delete up to n bytes at.
    Delete(Index, usize),
    /// Repeat up to n bytes at, k times.
    Repeat(Index, usize, u8),
    /// Insert a slice of another seed at.
    Splice(Index, Index, Index, usize),
    /// Insert a dictionary token at.
    Token(Index, Index),
    /// Overwrite with a dictionary token at.
    Overwrite(Index, Index),
}

/// 1 to `max` byte edits, for a target that makes its valid input itself.
pub fn edits(max: usize) -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(edit(), 1..=max)
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        Just(0u8),
        Just(0xff),
        Just(0x7f),
        Just(0x80),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'"'),
        Just(b','),
        Just(b'.'),
        Just(b'-'),
        Just(b'9'),
        Just(b'0'),
        any::<u8>()
    ];
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<Index>(), interesting).prop_map(|(i, b)| Edit::Set(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<Index>(), 1usize..32, 1u8..16).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
        (any::<Index>(), any::<Index>(), any::<Index>(), 1usize..128).prop_map(|(i, s, f, n)| Edit::Splice(i, s, f, n)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::Token(i, t)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, t)| Edit::Overwrite(i, t)),
    ]
}

fn at(i: &Index, len: usize) -> usize {
    if len == 0 { 0 } else { i.index(len + 1) }
}

/// Applies `edits` to `input`; `seeds` feed splices, `dict` tokens.
pub fn apply(mut input: Vec<u8>, edits: &[Edit], seeds: &[Vec<u8>], dict: &[&[u8]]) -> Vec<u8> {
    for e in edits {
        let len = input.len();
        match e {
            Edit::Flip(i, bit) if len > 0 => input[i.index(len)] ^= 1 << bit,
            Edit::Set(i, b) if len > 0 => input[i.index(len)] = *b,
            Edit::Insert(i, bytes) => {
                let p = at(i, len);
                input.splice(p..p, bytes.iter().copied());
            }
            Edit::Delete(i, n) if len > 0 => {
                let p = i.index(len);
                input.drain(p..(p + n).min(len));
            }
            Edit::Repeat(i, n, k) if len > 0 => {
                let p = i.index(len);
                let piece = input[p..(p + n).min(len)].to_vec();
                for _ in 0..*k {
                    input.splice(p..p, piece.iter().copied());
                }
            }
            Edit::Splice(i, s, f, n) if !seeds.is_empty() => {
                let from = &seeds[s.index(seeds.len())];
                if !from.is_empty() {
                    let start = f.index(from.len());
                    let piece = from[start..(start + n).min(from.len())].to_vec();
                    let p = at(i, len);
                    input.splice(p..p, piece);
                }
            }
            Edit::Token(i, t) if !dict.is_empty() => {
                let p = at(i, len);
                input.splice(p..p, dict[t.index(dict.len())].iter().copied());
            }
            Edit::Overwrite(i, t) if !dict.is_empty() && len > 0 => {
                let token = dict[t.index(dict.len())];
                let p = i.index(len);
                let end = (p + token.len()).min(len);
                input.splice(p..end, token.iter().copied());
            }
            _ => {}
        }
        input.truncate(MAX_INPUT);
    }
    input
}

/// Byte-level mutations of the seeds: a seed with 1–8 edits.
pub fn mutated(seeds: Vec<Vec<u8>>, dict: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (0..n, prop::collection::vec(edit(), 1..9))
        .prop_map(move |(s, edits)| apply(seeds[s].clone(), &edits, &seeds, dict))
}

/// Arbitrary bytes, up to `max` of them.
pub fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// Text that no longer has to be valid UTF-8 made so (invalid sequences replaced).
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Tokens that trip number and text handling in any format.
pub const COMMON_TOKENS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"-1",
    b"0.001",
    b"1e400",
    b"-1e-400",
    b"99999999999999999999999999999",
    b"79228162514264337593543950335.5",
    b"0.0000000000000000000000000000001",
    b"NaN",
    b"inf",
    b"\xc3\xa9",
    b"\xf0\x9d\x84\x9e",
    b"\xe2\x80\xae",
    b"\xff\xfe",
    b"\x00",
    b"\x1d",
    b"%",
    b"*",
    b":",
    b"/",
    b"=",
    b"\\",
    b"\"",
    b"''",
    b"\r\n",
];

/// A JSON value that stresses a reader: extreme numbers, odd strings, deep nesting.
fn interesting_json() -> impl Strategy<Value = Value> {
    let deep = (1usize..200).prop_map(|d| {
        let mut v = Value::Null;
        for _ in 0..d {
            v = Value::Array(vec![v]);
        }
        v
    });
    prop_oneof![
        Just(Value::Null),
        Just(Value::Bool(true)),
        Just(Value::Bool(false)),
        Just(serde_json::json!(0)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!(i64::MIN)),
        Just(serde_json::json!(1.5e300)),
        Just(serde_json::json!(-0.0001)),
        Just(serde_json::json!("")),
        Just(serde_json::json!(" ")),
        Just(serde_json::json!("0")),
        Just(serde_json::json!("-1")),
        Just(serde_json::json!("1e99999")),
        Just(serde_json::json!("1e-28")),
        Just(serde_json::json!("79228162514264337593543950336")),
        Just(serde_json::json!("0.0000000000000000000000000000001")),
        Just(serde_json::json!("12.345")),
        Just(serde_json::json!("NaN")),
        Just(serde_json::json!("2026-02-30T25:61:00Z")),
        Just(serde_json::json!("9999-12-31T23:59:59Z")),
        Just(serde_json::json!("\u{202e}\u{0}\u{1d}é𝄞")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        (1usize..5000).prop_map(|n| Value::String("x".repeat(n))),
        "\\PC{0,24}".prop_map(Value::String),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        deep,
    ]
}

/// One change to a JSON tree, at a node picked by index.
#[derive(Debug, Clone)]
pub enum JsonEdit {
    /// Replace the node with an interesting value.
    Replace(Index, Value),
    /// Remove the node from its object or array.
    Remove(Index),
    /// Replace the node with a copy of another node (of any seed).
    Graft(Index, Index, Index),
    /// Repeat an array's element.
    Grow(Index, u8),
    /// Add a key the format does not know.
    Extra(Index, String, Value),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => (any::<Index>(), interesting_json()).prop_map(|(i, v)| JsonEdit::Replace(i, v)),
        2 => any::<Index>().prop_map(JsonEdit::Remove),
        2 => (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(i, s, n)| JsonEdit::Graft(i, s, n)),
        1 => (any::<Index>(), 1u8..40).prop_map(|(i, n)| JsonEdit::Grow(i, n)),
        1 => (any::<Index>(), "[a-z_]{1,12}", interesting_json()).prop_map(|(i, k, v)| JsonEdit::Extra(i, k, v)),
    ]
}

/// Every node's JSON pointer, the root first.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(c, format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn all_pointers(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    pointers(v, String::new(), &mut out);
    out
}

fn parent_of(pointer: &str) -> Option<(&str, String)> {
    let (parent, last) = pointer.rsplit_once('/')?;
    Some((parent, last.replace("~1", "/").replace("~0", "~")))
}

/// Applies `edits` to `v`; `seeds` feed grafts.
pub fn apply_json(mut v: Value, edits: &[JsonEdit], seeds: &[Value]) -> Value {
    for e in edits {
        let ps = all_pointers(&v);
        match e {
            JsonEdit::Replace(i, with) => {
                if let Some(node) = v.pointer_mut(&ps[i.index(ps.len())]) {
                    *node = with.clone();
                }
            }
            JsonEdit::Remove(i) => {
                if let Some((parent, key)) = parent_of(&ps[i.index(ps.len())]) {
                    match v.pointer_mut(parent) {
                        Some(Value::Object(m)) => {
                            m.remove(&key);
                        }
                        Some(Value::Array(a)) => {
                            if let Ok(n) = key.parse::<usize>()
                                && n < a.len()
                            {
                                a.remove(n);
                            }
                        }
                        _ => {}
                    }
                }
            }
            JsonEdit::Graft(i, s, n) => {
                let from = &seeds[s.index(seeds.len())];
                let from_ps = all_pointers(from);
                let piece = from.pointer(&from_ps[n.index(from_ps.len())]).cloned().unwrap_or(Value::Null);
                if let Some(node) = v.pointer_mut(&ps[i.index(ps.len())]) {
                    *node = piece;
                }
            }
            JsonEdit::Grow(i, k) => {
                if let Some(Value::Array(a)) = v.pointer_mut(&ps[i.index(ps.len())])
                    && let Some(first) = a.first().cloned()
                {
                    a.extend(std::iter::repeat_n(first, *k as usize));
                }
            }
            JsonEdit::Extra(i, key, with) => {
                if let Some(Value::Object(m)) = v.pointer_mut(&ps[i.index(ps.len())]) {
                    m.insert(key.clone(), with.clone());
                }
            }
        }
    }
    v
}

/// Structure-aware mutations of JSON seeds: 1–6 tree edits, then sometimes a few byte
/// edits of the written text.
pub fn json_mutated(seeds: Vec<Value>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (0..n, prop::collection::vec(json_edit(), 1..7), prop::collection::vec(edit(), 0..3)).prop_map(
        move |(s, edits, byte_edits)| {
            let v = apply_json(seeds[s].clone(), &edits, &seeds);
            let text = serde_json::to_vec(&v).unwrap();
            apply(text, &byte_edits, &[], COMMON_TOKENS)
        },
    )
}

/// One change to a line-structured text (CSV rows, TOML lines, JSON lines).
#[derive(Debug, Clone)]
pub enum LineEdit {
    /// Drop a line.
    Drop(Index),
    /// Repeat a line.
    Repeat(Index, u8),
    /// Move a line elsewhere.
    Move(Index, Index),
    /// Copy a line from another seed in.
    Borrow(Index, Index, Index),
}

fn line_edit() -> impl Strategy<Value = LineEdit> {
    prop_oneof![
        any::<Index>().prop_map(LineEdit::Drop),
        (any::<Index>(), 1u8..6).prop_map(|(i, k)| LineEdit::Repeat(i, k)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| LineEdit::Move(a, b)),
        (any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(i, s, l)| LineEdit::Borrow(i, s, l)),
    ]
}

/// Applies line edits to `text`.
pub fn apply_lines(text: &str, edits: &[LineEdit], seeds: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let len = lines.len();
        match e {
            LineEdit::Drop(i) => {
                lines.remove(i.index(len));
            }
            LineEdit::Repeat(i, k) => {
                let p = i.index(len);
                let line = lines[p].clone();
                for _ in 0..*k {
                    lines.insert(p, line.clone());
                }
            }
            LineEdit::Move(a, b) => {
                let line = lines.remove(a.index(len));
                lines.insert(b.index(len), line);
            }
            LineEdit::Borrow(i, s, l) => {
                let from: Vec<&str> = seeds[s.index(seeds.len())].lines().collect();
                if !from.is_empty() {
                    lines.insert(i.index(len + 1), from[l.index(from.len())].to_string());
                }
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Line-level mutations of text seeds (0–4 line edits), then 0–4 byte edits.
pub fn lines_mutated(seeds: Vec<String>, dict: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    (0..n, prop::collection::vec(line_edit(), 0..5), prop::collection::vec(edit(), 0..5)).prop_map(
        move |(s, lines, bytes)| {
            let text = apply_lines(&seeds[s], &lines, &seeds);
            let raw: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
            apply(text.into_bytes(), &bytes, &raw, dict)
        },
    )
}

/// JSON-lines seeds mutated per line: each line parsed and given tree edits, then line
/// edits over the whole file.
pub fn jsonl_mutated(seeds: Vec<String>) -> impl Strategy<Value = Vec<u8>> {
    let values: Vec<Value> =
        seeds.iter().flat_map(|s| s.lines().filter_map(|l| serde_json::from_str(l).ok())).collect();
    let n = seeds.len();
    (
        0..n,
        prop::collection::vec((any::<Index>(), prop::collection::vec(json_edit(), 1..4)), 0..4),
        prop::collection::vec(line_edit(), 0..4),
    )
        .prop_map(move |(s, tree_edits, line_edits)| {
            let mut lines: Vec<String> = seeds[s].lines().map(str::to_string).collect();
            for (i, edits) in &tree_edits {
                if lines.is_empty() {
                    break;
                }
                let p = i.index(lines.len());
                if let Ok(v) = serde_json::from_str::<Value>(&lines[p]) {
                    lines[p] = serde_json::to_string(&apply_json(v, edits, &values)).unwrap();
                }
            }
            apply_lines(&lines.join("\n"), &line_edits, &seeds).into_bytes()
        })
}
