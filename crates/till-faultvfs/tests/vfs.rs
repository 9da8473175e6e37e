//! The fault VFS itself: synced writes survive a power cut, unsynced ones do not, and
//! armed faults fire where they were armed.
#![allow(clippy::unwrap_used)]

use rusqlite::{Connection, OpenFlags};
use till_faultvfs::{Cut, Fault, FaultVfs};

/// Creates the database durably (without the fault VFS), then opens it through `vfs`.
fn open(path: &std::path::Path, vfs: &FaultVfs, synchronous: &str) -> Connection {
    let setup = Connection::open(path).unwrap();
    setup.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).unwrap();
    setup.execute_batch("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, pad BLOB)").unwrap();
    drop(setup);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    let conn = Connection::open_with_flags_and_vfs(path, flags, vfs.name()).unwrap();
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).unwrap();
    conn.pragma_update(None, "synchronous", synchronous).unwrap();
    conn
}

fn rows(path: &std::path::Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ok, "ok");
    conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap()
}

/// Inserts `n` rows, one commit each, then cuts the power with the connection open.
fn insert_then_cut(name: &str, synchronous: &str, n: i64, cut: Cut) -> i64 {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let vfs = FaultVfs::register(name).unwrap();
    {
        let conn = open(&path, &vfs, synchronous);
        conn.execute_batch("PRAGMA wal_autocheckpoint=0").unwrap();
        for i in 0..n {
            conn.execute("INSERT INTO t (n, pad) VALUES (?1, zeroblob(3000))", [i]).unwrap();
        }
        vfs.cut_power();
    }
    vfs.restore_power(cut).unwrap();
    rows(&path)
}

#[test]
fn synced_commits_survive_a_power_cut() {
    assert_eq!(insert_then_cut("fault-full", "FULL", 50, Cut::DropUnsynced), 50);
    for seed in 0..5 {
        assert_eq!(insert_then_cut(&format!("fault-full-torn-{seed}"), "FULL", 50, Cut::KeepSome(seed)), 50);
    }
}

#[test]
fn unsynced_commits_are_lost() {
    // NORMAL syncs the WAL only at checkpoints, which are off: no commit reaches the disk.
    assert_eq!(insert_then_cut("fault-normal", "NORMAL", 50, Cut::DropUnsynced), 0);
}

#[test]
fn a_full_disk_fails_one_write_and_the_next_commit_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let vfs = FaultVfs::register("fault-disk-full").unwrap();
    let conn = open(&path, &vfs, "FULL");
    vfs.arm(Fault::DiskFull, 0);
    let err = conn.execute("INSERT INTO t (n, pad) VALUES (1, zeroblob(3000))", []).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull), "{err}");
    assert_eq!(vfs.fired(), Some(Fault::DiskFull));
    conn.execute("INSERT INTO t (n, pad) VALUES (2, zeroblob(3000))", []).unwrap();
    drop(conn);
    assert_eq!(rows(&path), 1);
}

#[test]
fn a_failed_sync_fails_the_commit_and_the_next_commit_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let vfs = FaultVfs::register("fault-sync").unwrap();
    let conn = open(&path, &vfs, "FULL");
    conn.execute("INSERT INTO t (n, pad) VALUES (1, zeroblob(3000))", []).unwrap();
    vfs.arm(Fault::SyncFails, 0);
    let err = conn.execute("INSERT INTO t (n, pad) VALUES (2, zeroblob(3000))", []).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::SystemIoFailure), "{err}");
    conn.execute("INSERT INTO t (n, pad) VALUES (3, zeroblob(3000))", []).unwrap();
    let n: Vec<i64> = conn
        .prepare("SELECT n FROM t ORDER BY n")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(n, [1, 3]);
    vfs.cut_power();
    drop(conn);
    vfs.restore_power(Cut::DropUnsynced).unwrap();
    assert_eq!(rows(&path), 2);
}
