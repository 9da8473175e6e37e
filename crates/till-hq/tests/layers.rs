//! HQ's layers look only down: `http` → `services` → `books` → `db`, with the pure
//! `domain` and the error type beneath them all. This reads every `crate::` and `super::`
//! path in the library's source and fails when a module names a layer above its own,
//! names the crate root instead of a module, or when modules of one layer import each
//! other in a loop. It also holds the drivers to their layer: only `db` speaks SQLite or
//! PostgreSQL, only `http` speaks axum.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A layer's rank: a module may use its own layer and those ranked lower.
fn rank(layer: &str) -> Option<u8> {
    match layer {
        "error" | "domain" => Some(0),
        "db" => Some(1),
        "books" => Some(2),
        "services" => Some(3),
        "http" => Some(4),
        _ => None,
    }
}

/// One file of the library: its module path (`services/intake/mod.rs` is
/// `["services", "intake"]`) and its text.
struct Source {
    module: Vec<String>,
    text: String,
}

impl Source {
    fn new(file: &str, text: &str) -> Source {
        let mut module: Vec<String> = file.trim_end_matches(".rs").split('/').map(String::from).collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        Source { module, text: text.to_string() }
    }

    fn name(&self) -> String {
        self.module.join("::")
    }

    /// Its unit within its layer: `services::intake` for every file under `services/intake/`;
    /// `None` for the layer's own `mod.rs` (its table of contents).
    fn unit(&self) -> Option<&str> {
        self.module.get(1).map(String::as_str)
    }
}

/// The library's files (the binary's `main.rs` and `cli/` are not part of it).
fn library(src: &Path) -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            if path.is_dir() {
                if rel != "cli" {
                    walk(&path, root, out);
                }
            } else if rel.ends_with(".rs") && rel != "lib.rs" && rel != "main.rs" {
                out.push(Source::new(&rel, &std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(src, src, &mut out);
    out.sort_by_key(Source::name);
    out
}

/// The text without `//` comments (doc comments name modules of any layer in prose).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every path the text names through `crate::` or `super::`, resolved from the crate root
/// (`use super::{a, b::c}` in `services/x.rs` names `services::a` and `services::b::c`).
fn references(source: &Source) -> Vec<Vec<String>> {
    let code = code(&source.text);
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let rest = &code[at..];
        let starts_word = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        let base = if starts_word && rest.starts_with("crate::") {
            at += "crate::".len();
            Some(Vec::new())
        } else if starts_word && rest.starts_with("super::") {
            let mut base = source.module.clone();
            while code[at..].starts_with("super::") {
                base.pop();
                at += "super::".len();
            }
            Some(base)
        } else {
            None
        };
        match base {
            Some(base) => {
                let mut cursor = at;
                for path in tree(&code, &mut cursor) {
                    out.push(base.iter().cloned().chain(path).collect());
                }
                at = cursor.max(at + 1);
            }
            None => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

/// A `use` tree at `code[*at..]`: `a::b`, `a::{b, c::{d, self}}`, `a::*`; the paths it names.
fn tree(code: &str, at: &mut usize) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let skip_space = |at: &mut usize| {
        while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
            *at += 1;
        }
    };
    skip_space(at);
    if bytes.get(*at) == Some(&b'{') {
        *at += 1;
        let mut out = Vec::new();
        loop {
            skip_space(at);
            match bytes.get(*at) {
                None => return out,
                Some(b'}') => {
                    *at += 1;
                    return out;
                }
                Some(b',') => *at += 1,
                Some(_) => {
                    let before = *at;
                    out.extend(tree(code, at));
                    if *at == before {
                        *at += 1;
                    }
                }
            }
        }
    }
    let start = *at;
    while *at < bytes.len() && (bytes[*at].is_ascii_alphanumeric() || bytes[*at] == b'_') {
        *at += 1;
    }
    let ident = &code[start..*at];
    if ident.is_empty() {
        return vec![Vec::new()];
    }
    let head = if ident == "self" { Vec::new() } else { vec![ident.to_string()] };
    if code[*at..].starts_with("::") {
        *at += 2;
        if bytes.get(*at) == Some(&b'*') {
            *at += 1;
            return vec![head];
        }
        return tree(code, at).into_iter().map(|tail| head.iter().cloned().chain(tail).collect()).collect();
    }
    vec![head]
}

/// Everything wrong with the library's imports, in words.
fn violations(sources: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    // Which unit uses which, within each layer.
    let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for source in sources {
        let layer = &source.module[0];
        let Some(own) = rank(layer) else {
            out.push(format!("{} belongs to no layer (http, services, books, db, domain, error)", source.name()));
            continue;
        };
        for path in references(source) {
            let Some(target) = path.first() else { continue };
            let Some(theirs) = rank(target) else {
                out.push(format!(
                    "{} names `crate::{}` at the crate root: name it in its module, so its layer shows",
                    source.name(),
                    path.join("::")
                ));
                continue;
            };
            if theirs > own {
                out.push(format!("{} ({layer}) imports {} from a layer above it", source.name(), path.join("::")));
            }
            if target == layer
                && let (Some(from), Some(to)) = (source.unit(), path.get(1))
                && from != to
                && sources.iter().any(|s| s.module[0] == *layer && s.unit() == Some(to))
            {
                edges.entry((layer.clone(), from.to_string())).or_default().insert(to.clone());
            }
        }
        let code = code(&source.text);
        for (driver, home) in [("rusqlite::", "db"), ("postgres::", "db"), ("axum::", "http")] {
            if code.contains(driver) && layer != home {
                out.push(format!("{} uses {} outside {home}", source.name(), driver.trim_end_matches(':')));
            }
        }
    }
    // A loop among the units of one layer: depth-first, reporting the first found.
    fn visit(
        node: &(String, String),
        edges: &BTreeMap<(String, String), BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<(String, String)>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node.1) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.1.clone());
            return Some(cycle);
        }
        if !done.insert(node.clone()) {
            return None;
        }
        path.push(node.1.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(&(node.0.clone(), next.clone()), edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(node, &edges, &mut path, &mut done) {
            out.push(format!("{} modules import each other in a loop: {}", node.0, cycle.join(" → ")));
            break;
        }
    }
    out
}

#[test]
fn every_module_of_hq_imports_only_from_its_layer_or_below_and_without_loops() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = library(&src);
    assert!(sources.len() > 20, "read {} files under {}", sources.len(), src.display());
    for layer in ["http", "services", "books", "db", "domain"] {
        assert!(sources.iter().any(|s| s.module[0] == layer), "no {layer} layer in {}", src.display());
    }
    let found = violations(&sources);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_catches_a_lower_layer_naming_an_upper_one_by_any_path() {
    let sources = [
        Source::new("books/stock.rs", "use crate::services::Hq;\n"),
        Source::new("db/mod.rs", "use crate::{books::orders, error::HqError};\n"),
        Source::new("services/intake/shopify.rs", "fn f() { super::super::super::http::serve(); }\n"),
        Source::new("books/orders.rs", "/// Listed by [`crate::services::orders`].\nuse crate::Hq;\n"),
        Source::new("books/events.rs", "use rusqlite::Connection;\n"),
    ];
    let found = violations(&sources);
    let says = |what: &str| assert!(found.iter().any(|v| v.contains(what)), "{what} not in {found:#?}");
    says("books::stock (books) imports services::Hq from a layer above it");
    says("db (db) imports books::orders from a layer above it");
    says("services::intake::shopify (services) imports http::serve from a layer above it");
    says("books::orders names `crate::Hq` at the crate root");
    says("books::events uses rusqlite outside db");
    assert_eq!(found.len(), 5, "the doc comment's path is prose, not an import: {found:#?}");
}

#[test]
fn the_check_catches_a_loop_within_a_layer_but_not_a_layers_own_table_of_contents() {
    let sources = [
        Source::new("services/mod.rs", "pub struct Hq; use crate::db::Db;\n"),
        Source::new("services/routing.rs", "use super::{Hq, fulfilment};\n"),
        Source::new("services/fulfilment.rs", "use super::Hq; use crate::services::intake::take;\n"),
        Source::new("services/intake/mod.rs", "use super::routing::route;\n"),
        Source::new("db/mod.rs", "mod sqlite; use crate::error::HqError;\n"),
        Source::new("error.rs", "pub enum HqError {}\n"),
    ];
    let found = violations(&sources);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("services modules import each other in a loop"), "{}", found[0]);
    assert!(found[0].contains("fulfilment → intake → routing → fulfilment"), "{}", found[0]);
}
