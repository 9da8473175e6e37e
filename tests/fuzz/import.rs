//! Catalog files (till-import): the Shopify product CSV export and Till's JSON lines.
//! Every entry is a record, a rejection with a reason, a warning or a skipped line; a
//! whole-file error has a message; nothing panics, and the reader ends.

use proptest::prelude::*;
use proptest::sample::Index;
use till_import::{Entry, Format, ImportOptions, reader};

use crate::corpus::{self, COMMON_TOKENS};

fn options() -> ImportOptions {
    ImportOptions {
        tax_classes: vec!["standard".into(), "reduced".into(), "zero".into()],
        default_tax_class: "standard".into(),
        exempt_tax_class: Some("zero".into()),
        minor_units: 2,
    }
}

/// Reads the whole of `input`; checks every entry and that the reader stops.
fn read_all(format: Format, input: &[u8]) {
    let lines = input.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let entries = match reader(format, input, options()) {
        Ok(entries) => entries,
        Err(e) => {
            assert!(!e.to_string().trim().is_empty(), "a file refused without a message");
            return;
        }
    };
    // A reader that never ends is a hang: no file yields more entries than a few per line.
    for (n, entry) in entries.enumerate() {
        assert!((n as u64) < 4 * lines + 16, "more entries than the file has lines: the reader does not end");
        match entry {
            Ok(Entry::Rejected(e)) => {
                assert!(!e.reason.trim().is_empty(), "a rejected row without a reason: {e:?}");
                assert!(e.line >= 1 && e.line <= lines + 1, "rejected at line {} of {lines}", e.line);
            }
            Ok(Entry::Warning(w)) => assert!(!w.message.trim().is_empty(), "a warning without a message"),
            Ok(Entry::Record { line, .. } | Entry::Skipped { line, .. }) => {
                assert!(line >= 1 && line <= lines + 1, "an entry at line {line} of {lines}");
            }
            Err(e) => {
                assert!(!e.to_string().trim().is_empty(), "a file error without a message");
                break;
            }
        }
    }
}

const CSV_TOKENS: &[&[u8]] =
    &[b",", b"\"", b"\"\"", b"\n", b"\r", b",,,,", b"TRUE", b"FALSE", b"kg", b"g", b"lb", b"'", b"Default Title"];

/// A CSV cell that stresses the row reader.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("19.999".to_string()),
        Just("1e5".to_string()),
        Just("79228162514264337593543950336".to_string()),
        Just("TRUE".to_string()),
        Just("maybe".to_string()),
        Just("'".to_string()),
        Just("'0036000291452".to_string()),
        Just("4006381333932".to_string()),
        Just("a\nb".to_string()),
        Just("\"".to_string()),
        Just("kg".to_string()),
        Just("oz".to_string()),
        (1usize..3000).prop_map(|n| "y".repeat(n)),
        "\\PC{0,20}",
    ]
}

/// One change to a CSV table, cell by cell.
#[derive(Debug, Clone)]
enum CsvEdit {
    Set(Index, Index, String),
    Copy(Index, Index, Index, Index),
    DropColumn(Index),
    SwapColumns(Index, Index),
    DropRow(Index),
    RepeatRow(Index, u8),
    ShortRow(Index, Index),
}

fn csv_edit() -> impl Strategy<Value = CsvEdit> {
    prop_oneof![
        5 => (any::<Index>(), any::<Index>(), cell()).prop_map(|(r, c, v)| CsvEdit::Set(r, c, v)),
        2 => (any::<Index>(), any::<Index>(), any::<Index>(), any::<Index>()).prop_map(|(a, b, c, d)| CsvEdit::Copy(a, b, c, d)),
        1 => any::<Index>().prop_map(CsvEdit::DropColumn),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| CsvEdit::SwapColumns(a, b)),
        1 => any::<Index>().prop_map(CsvEdit::DropRow),
        1 => (any::<Index>(), 1u8..4).prop_map(|(r, k)| CsvEdit::RepeatRow(r, k)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(r, c)| CsvEdit::ShortRow(r, c)),
    ]
}

fn table(text: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn apply_csv(mut rows: Vec<Vec<String>>, edits: &[CsvEdit]) -> Vec<u8> {
    for e in edits {
        let n = rows.len();
        if n == 0 {
            break;
        }
        match e {
            CsvEdit::Set(r, c, v) => {
                let row = &mut rows[r.index(n)];
                if !row.is_empty() {
                    let c = c.index(row.len());
                    row[c] = v.clone();
                }
            }
            CsvEdit::Copy(r1, c1, r2, c2) => {
                let (a, b) = (r1.index(n), r2.index(n));
                if !rows[a].is_empty() && !rows[b].is_empty() {
                    let v = rows[a][c1.index(rows[a].len())].clone();
                    let c = c2.index(rows[b].len());
                    rows[b][c] = v;
                }
            }
            CsvEdit::DropColumn(c) => {
                let width = rows[0].len().max(1);
                let c = c.index(width);
                for row in &mut rows {
                    if c < row.len() {
                        row.remove(c);
                    }
                }
            }
            CsvEdit::SwapColumns(a, b) => {
                let width = rows[0].len().max(1);
                let (a, b) = (a.index(width), b.index(width));
                for row in &mut rows {
                    if a < row.len() && b < row.len() {
                        row.swap(a, b);
                    }
                }
            }
            CsvEdit::DropRow(r) => {
                rows.remove(r.index(n));
            }
            CsvEdit::RepeatRow(r, k) => {
                let p = r.index(n);
                let row = rows[p].clone();
                for _ in 0..*k {
                    rows.insert(p + 1, row.clone());
                }
            }
            CsvEdit::ShortRow(r, c) => {
                let row = &mut rows[r.index(n)];
                let keep = c.index(row.len() + 1);
                row.truncate(keep);
            }
        }
    }
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for row in &rows {
        w.write_record(row).unwrap();
    }
    w.into_inner().unwrap()
}

fn csv_structured() -> impl Strategy<Value = Vec<u8>> {
    let tables: Vec<Vec<Vec<String>>> = corpus::seeds("import-csv").iter().map(|s| table(s)).collect();
    let n = tables.len();
    (0..n, prop::collection::vec(csv_edit(), 1..8)).prop_map(move |(s, edits)| apply_csv(tables[s].clone(), &edits))
}

fn dict() -> &'static [&'static [u8]] {
    static DICT: std::sync::OnceLock<Vec<&'static [u8]>> = std::sync::OnceLock::new();
    DICT.get_or_init(|| COMMON_TOKENS.iter().chain(CSV_TOKENS).copied().collect())
}

proptest! {
    #![proptest_config(corpus::config(2048))]

    #[test]
    fn shopify_csv_any_bytes(input in corpus::bytes(4096)) {
        read_all(Format::ShopifyCsv, &input);
    }

    #[test]
    fn shopify_csv_mutated_bytes(input in corpus::mutated(corpus::seeds("import-csv"), dict())) {
        read_all(Format::ShopifyCsv, &input);
    }

    #[test]
    fn shopify_csv_mutated_cells(input in csv_structured()) {
        read_all(Format::ShopifyCsv, &input);
    }

    #[test]
    fn shopify_csv_mutated_lines(input in corpus::lines_mutated(corpus::text_seeds("import-csv"), dict())) {
        read_all(Format::ShopifyCsv, &input);
    }

    #[test]
    fn json_lines_any_bytes(input in corpus::bytes(4096)) {
        read_all(Format::JsonLines, &input);
    }

    #[test]
    fn json_lines_mutated_bytes(input in corpus::mutated(corpus::seeds("import-jsonl"), COMMON_TOKENS)) {
        read_all(Format::JsonLines, &input);
    }

    #[test]
    fn json_lines_mutated_records(input in corpus::jsonl_mutated(corpus::text_seeds("import-jsonl"))) {
        read_all(Format::JsonLines, &input);
    }
}

/// The seeds themselves read without a whole-file error (so the mutations start valid).
#[test]
fn the_seeds_read() {
    for (target, format) in [("import-csv", Format::ShopifyCsv), ("import-jsonl", Format::JsonLines)] {
        for seed in corpus::seeds(target) {
            let entries: Vec<_> = reader(format, seed.as_slice(), options()).unwrap().collect();
            assert!(entries.iter().all(Result::is_ok), "{target}: {entries:?}");
            assert!(entries.iter().any(|e| matches!(e, Ok(Entry::Record { .. }))), "{target}: a seed without a record");
        }
    }
}
