//! A sale's cost, and the housekeeping after it (retention's pruning of the outboxes
//! included), must not grow with the register's history. Timing is not asserted (machines are noisy): the work SQLite does is counted
//! instead, as virtual-machine steps seen by a progress handler on the store's own
//! connection, for a sale and the housekeeping pass after it, early and late in a long
//! history of quiet days. The counters the pass finds due documents by are checked
//! against what is stored, in a fresh file and in one upgraded from schema version 5.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::{SignedDuration, Timestamp};
use rust_decimal_macros::dec;
use till_domain::{
    Cart, Item, Money, PriceBasis, PriceSource, PricingContext, Quantity, ReceiptNumber, RoundingMode, SaleRecord,
    TaxClass, TaxPolicy, TaxRounding, Tender, TenderKind, Unit, price_cart, settle,
};

use crate::{COMPACT_AFTER, MailOutcome, NewMail, PrintOutcome, PruneBefore, ReplicaIdentity, SaleCommit, Store};

/// A message about sale `n`, queued at `at`.
fn mail_about(n: u64, at: &str) -> NewMail {
    NewMail {
        kind: "ready_for_pickup".into(),
        reference: format!("order:{n}"),
        recipient: "anna@example.com".into(),
        subject: "Ready".into(),
        body: "Ready.\n".into(),
        created_at: at.into(),
    }
}

/// A fresh store in `dir` replicating as register `register` of store S1 (UTC).
fn store_in(dir: &std::path::Path, register: &str) -> Store {
    let mut store = Store::create(&dir.join(format!("{register}.sqlite"))).unwrap();
    store
        .replicate_as(ReplicaIdentity {
            store: "S1".into(),
            register: register.into(),
            timezone: jiff::tz::TimeZone::UTC,
        })
        .unwrap();
    store
}

/// What a sale carries besides itself: stock moves at the store, nothing else.
const PLAIN: SaleCommit<'static> =
    SaleCommit { location: Some("STORE"), resumed_from: None, audit: &[], doc_change: None, order: None };

/// A two-line cash sale rung at `at`, as the register builds one.
fn sale(at: Timestamp, n: u64) -> SaleRecord {
    let item = |sku: &str, price| Item {
        sku: sku.into(),
        name: format!("Item {sku}"),
        category: Some("misc".into()),
        price: Money::new(price),
        price_source: PriceSource::Base,
        cost: None,
        unit: Unit::Each,
        tax_class: TaxClass { name: "standard".into(), rate: dec!(21) },
        components: vec![],
    };
    let mut cart = Cart::new();
    let one = Quantity::new(dec!(1), Unit::Each).unwrap();
    cart.add(item(&format!("SKU-{}", n % 50), dec!(4.95)), one).unwrap();
    cart.add(item("BAG", dec!(0.10)), one).unwrap();
    let policy = TaxPolicy {
        basis: PriceBasis::TaxInclusive,
        rounding: TaxRounding::PerLine,
        mode: RoundingMode::HalfUp,
        minor_units: 2,
    };
    let priced = price_cart(&cart, &PricingContext { policy, promotions: &[], now: at }).unwrap();
    let cash = Tender { kind: TenderKind::Cash, amount: Money::new(dec!(10)) };
    let settlement = settle(priced.total, &[cash], None, 2).unwrap();
    SaleRecord {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        receipt: ReceiptNumber { register: "R1".into(), seq: 0 },
        store: "S1".into(),
        at,
        business_date: at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        currency: "EUR".into(),
        cart: priced,
        settlement,
        coupons: vec![],
        staff: None,
        session: None,
        catalog: None,
        config: None,
    }
}

/// The SQLite work `f` does on the store's connection: virtual-machine steps (loop
/// iterations and jumps, the progress handler's unit), a count of rows visited.
fn work<T>(store: &mut Store, f: impl FnOnce(&mut Store) -> T) -> (T, u64) {
    let steps = Arc::new(AtomicU64::new(0));
    let counter = steps.clone();
    store
        .conn
        .progress_handler(
            1,
            Some(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                false
            }),
        )
        .unwrap();
    let out = f(store);
    store.conn.progress_handler(0, None::<fn() -> bool>).unwrap();
    (out, steps.load(Ordering::Relaxed))
}

/// The median of `values`.
fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    values[values.len() / 2]
}

#[test]
fn a_sale_and_its_housekeeping_do_the_same_work_after_a_long_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), "R1");
    // A quiet store: 24 sales a day, so each day's journal document keeps fewer changes
    // than compaction waits for, and the days pile up.
    let mut at: Timestamp = "2026-01-05T08:00:00Z".parse().unwrap();
    // (sale's work, housekeeping's work) per sale, in a window of `WINDOW` sales.
    const WINDOW: u64 = 25;
    let mut early = (Vec::new(), Vec::new());
    let mut late = (Vec::new(), Vec::new());
    for n in 1..=3_000u64 {
        let record = sale(at, n);
        let (committed, sale_work) = work(&mut store, |s| s.commit_sale(record, &PLAIN));
        let seq = committed.unwrap().receipt.seq as i64;
        // What leaves after the sale: its receipt printed, a reprint of it, a mail sent;
        // all but the printed original become prunable a day later.
        let now = at.as_second();
        let stamp = at.to_string();
        for copy in [0, 1] {
            let job = store.queue_print(seq, copy, false, &stamp).unwrap();
            store.record_print(job, PrintOutcome::Printed { at: &stamp, stale: false }, now).unwrap();
        }
        let mail = store.queue_mail(&mail_about(n, &stamp)).unwrap();
        store.record_mail(mail, MailOutcome::Sent(&stamp), now).unwrap();
        let day_ago = now - 86_400;
        let before = PruneBefore { print_jobs: day_ago, mail: day_ago, orders: day_ago };
        let (kept, housekeeping_work) = work(&mut store, |s| {
            s.maintain()?;
            s.prune_outboxes(before, 200)
        });
        kept.unwrap();
        let window = if (300 - WINDOW..300).contains(&n) {
            Some(&mut early)
        } else if (3_000 - WINDOW..3_000).contains(&n) {
            Some(&mut late)
        } else {
            None
        };
        if let Some((sales, housekeeping)) = window {
            sales.push(sale_work);
            housekeeping.push(housekeeping_work);
        }
        at = at.checked_add(SignedDuration::from_hours(1)).unwrap();
    }
    let held: (i64, i64) = store
        .conn
        .query_row("SELECT COUNT(*), SUM(copy = 0) FROM print_jobs", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(held.0 - held.1, 25, "a day of reprints is kept, the older pruned: {held:?}");
    assert_eq!(held.1, 3_000, "every printed original is kept");
    let mails: i64 = store.conn.query_row("SELECT COUNT(*) FROM mail_outbox", [], |r| r.get(0)).unwrap();
    assert_eq!(mails, 25, "a day of sent mail");
    let (sale_early, sale_late) = (median(early.0), median(late.0));
    let (kept_early, kept_late) = (median(early.1), median(late.1));
    // Equal up to a tenth (a b-tree one level deeper, a longer WAL): the work must not
    // grow with the number of days, documents or sales held.
    let same = |late: u64, early: u64| late * 10 <= early * 11;
    assert!(
        same(sale_late, sale_early) && same(kept_late, kept_early),
        "SQL steps after 12 days / after 125 days: a sale {sale_early} / {sale_late}, its housekeeping {kept_early} / {kept_late}"
    );
}

/// Per document, what `sync_docs` counts of its stored changes and what `sync_changes`
/// holds: (document, changes, their bytes, saved bytes) from each.
type Counted = Vec<(String, i64, i64, i64)>;

/// The counters `sync_docs` keeps, and the same figures recomputed from `sync_changes`.
fn counters_and_rows(store: &Store) -> (Counted, Counted) {
    let read = |sql: &str| -> Counted {
        let mut stmt = store.conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
    };
    let counted = read("SELECT doc, pending_changes, pending_bytes, saved_bytes FROM sync_docs ORDER BY doc");
    let held = read(
        "SELECT doc, SUM(hash <> ''), SUM(CASE WHEN hash <> '' THEN length(bytes) ELSE 0 END), \
         SUM(CASE WHEN hash = '' THEN length(bytes) ELSE 0 END) FROM sync_changes GROUP BY doc ORDER BY doc",
    );
    (counted, held)
}

#[test]
fn the_counters_housekeeping_reads_are_what_the_stored_changes_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_in(dir.path(), "R1");
    let mut other = store_in(dir.path(), "R2");
    let mut at: Timestamp = "2026-01-05T08:00:00Z".parse().unwrap();
    // A busy day: its document is compacted once it holds more than COMPACT_AFTER changes
    // weighing as much as its saved part, then goes on collecting changes.
    let mut compactions = 0;
    for n in 1..=(COMPACT_AFTER as u64 + 40) {
        store.commit_sale(sale(at, n), &PLAIN).unwrap();
        compactions += store.maintain().unwrap().compacted;
        at = at.checked_add(SignedDuration::from_secs(30)).unwrap();
    }
    assert_eq!(compactions, 1, "the day's document was due once");
    // Changes received from elsewhere count too (another register's day, as a peer sends
    // it), and so do those received again, once.
    for n in 1..=3 {
        other.commit_sale(sale(at, 10_000 + n), &PLAIN).unwrap();
    }
    let id = till_docs::DocId::journal("S1", "R2", &at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap();
    let changes = other.doc_copy(&id).unwrap().get_changes(&[]);
    store.store_received(&id, changes.clone()).unwrap();
    store.store_received(&id, changes).unwrap();
    let (counted, held) = counters_and_rows(&store);
    assert_eq!(counted.len(), 2, "{counted:?}");
    assert_eq!(counted, held);
    // Due after sale COMPACT_AFTER + 1 (the first compaction has no saved part to weigh).
    assert_eq!((counted[0].1, counted[1].1), (39, 3), "changes since the compaction; the three received");
    assert!(counted[0].3 > 0 && counted[1].3 == 0, "only the compacted day has a saved part: {counted:?}");
}

#[test]
fn the_due_query_and_its_partial_index_say_the_same_number() {
    // The number is written out in both (see `DUE_FOR_COMPACTION`); the work test above
    // fails if SQLite cannot answer the query from the index.
    assert!(crate::replica::DUE_FOR_COMPACTION.contains(&format!("pending_changes > {COMPACT_AFTER} ")));
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path(), "R1");
    let plan: String = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", crate::replica::DUE_FOR_COMPACTION))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(plan.contains("USING INDEX sync_docs_compact_due"), "{plan}");
}

#[test]
fn a_register_from_before_the_counters_counts_what_it_holds_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("R1.sqlite");
    let mut store = store_in(dir.path(), "R1");
    let mut at: Timestamp = "2026-01-05T08:00:00Z".parse().unwrap();
    for n in 1..=(COMPACT_AFTER as u64 + 4) {
        store.commit_sale(sale(at, n), &PLAIN).unwrap();
        at = at.checked_add(SignedDuration::from_secs(30)).unwrap();
    }
    drop(store);
    // The file as schema version 5 left it: no counters, no indexes on them (and not
    // version 7's staff column).
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(crate::schema::BACK_TO_V7).unwrap();
    conn.execute_batch(
        "DROP INDEX sync_docs_compact_due; DROP INDEX sync_docs_last_seq; \
         ALTER TABLE sync_docs DROP COLUMN pending_changes; ALTER TABLE sync_docs DROP COLUMN pending_bytes; \
         ALTER TABLE sync_docs DROP COLUMN saved_bytes; ALTER TABLE staff DROP COLUMN last_failed_at; \
         PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(conn);
    let mut store = Store::open(&path).unwrap();
    let (counted, held) = counters_and_rows(&store);
    assert_eq!(counted, held);
    assert_eq!(store.maintain().unwrap().compacted, 1, "the day's changes were due before the upgrade");
    let (counted, held) = counters_and_rows(&store);
    assert_eq!((counted.clone(), counted[0].1), (held, 0));
}
