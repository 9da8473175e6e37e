//! Power cuts, full disks, failing fsyncs, a free-space reserve and a clock that jumps
//! backwards, each against the real register over a real SQLite file. The faults come
//! from `till-faultvfs`, a VFS that keeps unsynced writes in a page-cache image and
//! throws them away on a power cut.
//!
//! The promise under test: a sale the register acknowledged survives; a sale it refused
//! left nothing behind; the register carries on by itself.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use jiff::SignedDuration;
use rust_decimal_macros::dec;
use till_domain::{Cart, Money, Tender, TenderKind};
use till_faultvfs::{Cut, Fault, FaultVfs};
use till_register::{
    Authority, Durability, FixedClock, Register, RegisterError, SeededIds, Settle, StoreError, StoreOptions,
};
use till_tests::NOW;

/// A demo register in a fresh directory, made durably without the fault VFS.
fn demo_dir(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    till_tests::demo_register(edit, clock, Box::new(SeededIds::new(0))).0
}

fn open(dir: &Path, options: StoreOptions, seed: u64) -> Register {
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    Register::open_with(dir, &options, clock, Box::new(SeededIds::new(seed))).unwrap()
}

fn through(vfs: &FaultVfs, durability: Durability) -> StoreOptions {
    StoreOptions { vfs: Some(vfs.name().to_string()), durability }
}

fn cart(reg: &Register) -> Cart {
    let mut cart = Cart::new();
    reg.scan(&mut cart, "TOTE-1", None).unwrap();
    reg.scan(&mut cart, "NOTE-A5", None).unwrap();
    cart
}

fn sell(reg: &mut Register, cart: &Cart) -> Result<u64, RegisterError> {
    let cash = [Tender { kind: TenderKind::Cash, amount: Money::new(dec!(100)) }];
    Ok(reg.complete_sale(cart, Settle::Tenders(&cash), &mut Authority::setup())?.receipt.seq)
}

/// What a register directory holds after the fact, read with plain SQLite and the
/// register's own journal check.
struct Audit {
    receipts: Vec<u64>,
}

fn audit(dir: &Path) -> Audit {
    let conn = rusqlite::Connection::open(dir.join(till_register::DATABASE_FILE)).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok", "integrity_check");
    let receipts: Vec<u64> = conn
        .prepare("SELECT seq FROM sales ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, i64>(0))
        .unwrap()
        .map(|seq| seq.unwrap() as u64)
        .collect();
    drop(conn);
    let expected: Vec<u64> = (1..=receipts.len() as u64).collect();
    assert_eq!(receipts, expected, "receipt numbers are gapless from 1");
    let report = open(dir, StoreOptions::default(), 99).verify_journal().unwrap();
    assert!(report.problem.is_none(), "journal: {:?}", report.problem);
    Audit { receipts }
}

/// Sells until the armed power cut fires (or `sales` are done), then cuts, brings the
/// power back keeping what `cut` says, and returns (acknowledged, found afterwards).
fn power_cut_run(vfs: &FaultVfs, durability: Durability, seed: u64, cut: Cut) -> (u64, u64) {
    let dir = demo_dir(|c| c);
    let mut acknowledged = 0;
    {
        let mut reg = open(dir.path(), through(vfs, durability), seed);
        let cart = cart(&reg);
        // A sale is some dozens of writes; cut somewhere in the first ~15 sales, or, one
        // run in four, while the register closes (and checkpoints).
        let at_close = seed % 4 == 3;
        if !at_close {
            vfs.arm(Fault::PowerCut, seed * 7 % 400);
        }
        for _ in 0..15 {
            match sell(&mut reg, &cart) {
                Ok(seq) => acknowledged = seq,
                Err(_) => break,
            }
        }
        if at_close {
            vfs.arm(Fault::PowerCut, seed % 16);
        } else {
            vfs.cut_power();
        }
    }
    vfs.cut_power(); // if the armed cut has not come yet, it comes now
    vfs.restore_power(cut).unwrap();
    let found = audit(dir.path()).receipts.len() as u64;
    (acknowledged, found)
}

#[test]
fn with_wal_and_full_sync_a_power_cut_never_loses_an_acknowledged_sale() {
    let vfs = FaultVfs::register("power-full").unwrap();
    for seed in 0..40 {
        let cut = if seed % 2 == 0 { Cut::DropUnsynced } else { Cut::KeepSome(seed) };
        let (acknowledged, found) = power_cut_run(&vfs, Durability::Full, seed, cut);
        assert_eq!(vfs.fired(), Some(Fault::PowerCut), "seed {seed}: the cut came during the run");
        assert!(found >= acknowledged, "seed {seed}: {acknowledged} sales acknowledged, {found} survived");
        assert!(found <= acknowledged + 1, "seed {seed}: only the sale in flight may survive unacknowledged");
    }
}

#[test]
fn the_harness_sees_the_loss_when_commits_are_not_synced() {
    // The control run: with synchronous=NORMAL the WAL is synced only at checkpoints, so
    // the same cuts must lose acknowledged sales — or the harness proves nothing.
    let vfs = FaultVfs::register("power-normal").unwrap();
    let mut lost = 0;
    for seed in 0..8 {
        // Cut points spread over the run (a sale is a few dozen writes), so that sales
        // were acknowledged before the cut.
        let (acknowledged, found) = power_cut_run(&vfs, Durability::Normal, seed * 7 + 1, Cut::DropUnsynced);
        lost += acknowledged.saturating_sub(found);
    }
    assert!(lost > 0, "the control run lost nothing: the harness cannot detect a lost sale");
}

/// Arms `fault` at each point of one sale in turn; each time the sale must be refused
/// (nothing printed), nothing of it may be stored, and the same cart must then sell.
fn refused_then_recovers(name: &str, fault: Fault, expected: fn(&RegisterError) -> bool) {
    let dir = demo_dir(|c| c);
    let vfs = FaultVfs::register(name).unwrap();
    let mut reg = open(dir.path(), through(&vfs, Durability::Full), 1);
    let cart = cart(&reg);
    // How many writes (or syncs) one sale makes, once the session is open and the log
    // warmed up.
    sell(&mut reg, &cart).unwrap();
    let before = vfs.counts();
    sell(&mut reg, &cart).unwrap();
    let after = vfs.counts();
    let points = if fault == Fault::SyncFails { after.1 - before.1 } else { after.0 - before.0 };
    assert!(points > 0);
    let mut sold = 2;
    for point in 0..points {
        vfs.arm(fault, point);
        let err = sell(&mut reg, &cart).unwrap_err();
        assert_eq!(vfs.fired(), Some(fault), "point {point} of {points}");
        assert!(expected(&err), "point {point} of {points}: unexpected error {err}");
        sold += 1;
        assert_eq!(sell(&mut reg, &cart).unwrap(), sold, "point {point}: the next sale takes the next number");
    }
    drop(reg);
    assert_eq!(audit(dir.path()).receipts.len() as u64, sold);
}

#[test]
fn a_full_disk_refuses_the_sale_and_the_register_recovers() {
    refused_then_recovers("disk-full", Fault::DiskFull, |e| {
        matches!(e, RegisterError::Store(StoreError::DiskFull(_))) && e.to_string().contains("the disk is full")
    });
}

#[test]
fn a_failed_fsync_refuses_the_sale_and_the_register_recovers() {
    refused_then_recovers("fsync-fails", Fault::SyncFails, |e| {
        matches!(e, RegisterError::Store(StoreError::DiskIo(_))) && e.to_string().contains("the disk failed to write")
    });
}

#[test]
fn below_the_free_space_reserve_no_sale_starts() {
    // A reserve no disk has: every sale is refused before anything is written.
    let dir = demo_dir(|c| c.replace("min_free_space_mb = 64", "min_free_space_mb = 1000000000"));
    let mut reg = open(dir.path(), StoreOptions::default(), 1);
    let cart = cart(&reg);
    let err = sell(&mut reg, &cart).unwrap_err();
    assert!(matches!(err, RegisterError::LowDisk { .. }), "{err}");
    assert!(err.to_string().contains("free"), "{err}");
    drop(reg);
    assert!(audit(dir.path()).receipts.is_empty());
}

#[test]
fn a_clock_jumping_backwards_keeps_numbering_and_the_chain() {
    let dir = demo_dir(|c| c);
    let clock = Arc::new(FixedClock::new(NOW.parse().unwrap()));
    let mut reg = Register::open(dir.path(), clock.clone(), Box::new(SeededIds::new(3))).unwrap();
    let cart = cart(&reg);
    let mut seqs = vec![sell(&mut reg, &cart).unwrap()];
    for hours in [-1, -48, 24 * 400, -24 * 800] {
        clock.advance(SignedDuration::from_hours(hours));
        seqs.push(sell(&mut reg, &cart).unwrap());
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    // Each receipt keeps the time the clock said, even when it went backwards.
    let first = reg.receipt("1").unwrap().at;
    let second = reg.receipt("2").unwrap().at;
    assert!(second < first, "the second sale is recorded at the earlier time the clock gave");
    drop(reg);
    assert_eq!(audit(dir.path()).receipts.len(), 5);
}
