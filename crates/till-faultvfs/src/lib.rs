//! A SQLite VFS that injects the faults Till's crash harnesses need: a power cut that
//! loses every write not yet synced, a disk that fills up, an fsync that fails.
//!
//! It wraps the platform's default VFS. Every database, WAL and rollback journal opened
//! through it is held as an in-memory image — what the operating system's page cache
//! would show — while the real file on disk holds only what a sync made durable. Reads
//! see the image; a sync writes the image's changed ranges to the real file and syncs
//! it. A power cut throws the images away (optionally keeping a random part of the
//! unsynced writes, as a disk that reorders them might), so the files left on disk are
//! exactly what survived. Locks and the WAL index (shared memory, which SQLite rebuilds
//! from the WAL after a crash) go to the real VFS unchanged.
//!
//! Test tooling only: no register links it. It is the one crate in Till with `unsafe`,
//! because SQLite's VFS interface is C.

mod file;

use std::collections::HashMap;
use std::ffi::{CString, c_char, c_int, c_void};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use libsqlite3_sys as ffi;

/// What survives a power cut of the writes not yet synced.
#[derive(Clone, Copy, Debug)]
pub enum Cut {
    /// Nothing unsynced survives.
    DropUnsynced,
    /// Each unsynced write survives or not, at random from this seed: a disk that
    /// reorders writes and loses power part-way through them.
    KeepSome(u64),
}

/// A fault to inject at a chosen I/O call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The power goes out at this write: it and every later write or sync fail, until
    /// [`FaultVfs::restore_power`] decides what survived.
    PowerCut,
    /// The disk is full: this write fails with `SQLITE_FULL`; later ones succeed.
    DiskFull,
    /// This sync fails with `SQLITE_IOERR_FSYNC` and, as on Linux, the file's writes
    /// that were not yet synced are dropped.
    SyncFails,
}

/// Why a fault VFS could not be registered.
#[derive(Debug)]
pub struct RegisterError(String);

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RegisterError {}

/// A registered fault-injecting VFS. Open a connection through it by name (e.g.
/// rusqlite's `open_with_flags_and_vfs`, or Till's `StoreOptions { vfs }`).
///
/// The VFS stays registered for the life of the process (SQLite keeps a pointer to it);
/// give each one a unique name.
#[derive(Clone, Copy)]
pub struct FaultVfs {
    state: &'static State,
}

/// One file's page-cache image.
#[derive(Default)]
struct Image {
    /// What reads see.
    data: Vec<u8>,
    /// `(offset, length)` of each write since the last sync.
    dirty: Vec<(usize, usize)>,
    /// Whether the length changed by truncation since the last sync.
    resized: bool,
}

/// The VFS's mutable state, behind one lock.
#[derive(Default)]
struct Inner {
    images: HashMap<String, Image>,
    powered: bool,
    writes: u64,
    syncs: u64,
    /// The armed fault and the write (or sync) count at which it fires.
    armed: Option<(Fault, u64)>,
    fired: Option<Fault>,
}

/// The VFS's state; `pAppData` of the registered `sqlite3_vfs` points here.
struct State {
    base: *mut ffi::sqlite3_vfs,
    inner: Mutex<Inner>,
    name: String,
}

// SAFETY: `base` points at a VFS SQLite registered for the life of the process, whose
// methods are thread-safe; everything mutable is behind the mutex.
unsafe impl Send for State {}
// SAFETY: as above.
unsafe impl Sync for State {}

impl State {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl FaultVfs {
    /// Registers a fault VFS named `name` over the platform's default VFS.
    pub fn register(name: &str) -> Result<FaultVfs, RegisterError> {
        let cname = CString::new(name).map_err(|_| RegisterError(format!("VFS name {name:?} contains a NUL")))?;
        // SAFETY: a null name asks SQLite for its default VFS (initialising SQLite first).
        let base = unsafe { ffi::sqlite3_vfs_find(std::ptr::null()) };
        if base.is_null() {
            return Err(RegisterError("SQLite has no default VFS".into()));
        }
        // SAFETY: a VFS SQLite found stays valid for the life of the process.
        let base_ref = unsafe { &*base };
        let inner = Inner { powered: true, ..Inner::default() };
        let state: &'static State = Box::leak(Box::new(State { base, inner: Mutex::new(inner), name: name.into() }));
        let vfs = ffi::sqlite3_vfs {
            iVersion: 2,
            szOsFile: c_int::try_from(file::size_with(base_ref.szOsFile))
                .map_err(|_| RegisterError("file object too large".into()))?,
            mxPathname: base_ref.mxPathname,
            pNext: std::ptr::null_mut(),
            zName: cname.into_raw(),
            pAppData: std::ptr::from_ref(state).cast_mut().cast::<c_void>(),
            xOpen: Some(file::open),
            xDelete: Some(delete),
            xAccess: Some(access),
            xFullPathname: Some(full_pathname),
            // Loading extensions is not something a harness does; the base VFS's functions
            // ignore their VFS argument.
            xDlOpen: base_ref.xDlOpen,
            xDlError: base_ref.xDlError,
            xDlSym: base_ref.xDlSym,
            xDlClose: base_ref.xDlClose,
            xRandomness: Some(randomness),
            xSleep: Some(sleep),
            xCurrentTime: Some(current_time),
            xGetLastError: Some(last_error),
            xCurrentTimeInt64: Some(current_time_int64),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        };
        let vfs: &'static mut ffi::sqlite3_vfs = Box::leak(Box::new(vfs));
        // SAFETY: `vfs` is fully initialised and lives for the rest of the process.
        let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 0) };
        if rc != ffi::SQLITE_OK {
            return Err(RegisterError(format!("sqlite3_vfs_register failed with code {rc}")));
        }
        Ok(FaultVfs { state })
    }

    /// The name to open connections with.
    pub fn name(&self) -> &str {
        &self.state.name
    }

    /// Arms `fault` to fire at the write (or, for [`Fault::SyncFails`], the sync) that
    /// comes after `after` more of them. Replaces any fault already armed.
    pub fn arm(&self, fault: Fault, after: u64) {
        let mut inner = self.state.lock();
        let now = if fault == Fault::SyncFails { inner.syncs } else { inner.writes };
        inner.armed = Some((fault, now + after + 1));
        inner.fired = None;
    }

    /// Disarms the armed fault, if it has not fired.
    pub fn disarm(&self) {
        self.state.lock().armed = None;
    }

    /// The fault that fired since it was armed, if any.
    pub fn fired(&self) -> Option<Fault> {
        self.state.lock().fired
    }

    /// Writes and syncs of database, WAL and journal files so far.
    pub fn counts(&self) -> (u64, u64) {
        let inner = self.state.lock();
        (inner.writes, inner.syncs)
    }

    /// Cuts the power now: every later write, sync, truncation and delete fails.
    pub fn cut_power(&self) {
        self.state.lock().powered = false;
    }

    /// Brings the machine back after a power cut (or simulates one, if the power is on):
    /// the unsynced writes survive as `cut` says, every page-cache image is dropped, and
    /// writes work again. Close every connection opened through this VFS first.
    pub fn restore_power(&self, cut: Cut) -> std::io::Result<()> {
        let mut inner = self.state.lock();
        let images = std::mem::take(&mut inner.images);
        inner.powered = true;
        inner.armed = None;
        drop(inner);
        let Cut::KeepSome(seed) = cut else { return Ok(()) };
        let mut rng = SplitMix64(seed);
        for (path, image) in images {
            if image.dirty.is_empty() || !Path::new(&path).exists() {
                continue;
            }
            let mut file = std::fs::OpenOptions::new().write(true).open(&path)?;
            for &(offset, len) in &image.dirty {
                let end = (offset + len).min(image.data.len());
                if offset < end && rng.next() & 1 == 1 {
                    file.seek(SeekFrom::Start(offset as u64))?;
                    file.write_all(&image.data[offset..end])?;
                }
            }
            file.sync_all()?;
        }
        Ok(())
    }
}

/// A small deterministic generator for which unsynced writes survive.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The state behind a VFS pointer SQLite hands back.
///
/// # Safety
/// `vfs` must be a VFS registered by [`FaultVfs::register`].
unsafe fn state<'a>(vfs: *mut ffi::sqlite3_vfs) -> &'a State {
    // SAFETY: the caller passes our VFS, whose `pAppData` is a leaked `State`.
    unsafe { &*((*vfs).pAppData as *const State) }
}

/// The base VFS of our VFS.
///
/// # Safety
/// As for [`state`].
unsafe fn base(vfs: *mut ffi::sqlite3_vfs) -> &'static ffi::sqlite3_vfs {
    // SAFETY: the base VFS lives for the life of the process.
    unsafe { &*state(vfs).base }
}

/// The path SQLite passes, as the key of its image.
///
/// # Safety
/// `name` must be null or a NUL-terminated string.
unsafe fn key(name: *const c_char) -> Option<String> {
    if name.is_null() {
        return None;
    }
    // SAFETY: SQLite passes NUL-terminated paths.
    Some(unsafe { std::ffi::CStr::from_ptr(name) }.to_string_lossy().into_owned())
}

unsafe extern "C" fn delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_dir: c_int) -> c_int {
    // SAFETY: SQLite calls this with our VFS and a path.
    let (state, key) = unsafe { (state(vfs), key(name)) };
    {
        let mut inner = state.lock();
        if !inner.powered {
            return ffi::SQLITE_IOERR_DELETE;
        }
        if let Some(key) = key {
            inner.images.remove(&key);
        }
    }
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xDelete.map_or(ffi::SQLITE_IOERR_DELETE, |f| f(state.base, name, sync_dir)) }
}

unsafe extern "C" fn access(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, flags: c_int, out: *mut c_int) -> c_int {
    // SAFETY: SQLite calls this with our VFS and a path.
    let (state, key) = unsafe { (state(vfs), key(name)) };
    if flags == ffi::SQLITE_ACCESS_EXISTS
        && let Some(key) = key
        && let Some(image) = state.lock().images.get(&key)
    {
        // The base VFS says a file exists only if it is not empty; so does the image.
        // SAFETY: SQLite passes a valid out pointer.
        unsafe { *out = c_int::from(!image.data.is_empty()) };
        return ffi::SQLITE_OK;
    }
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xAccess.map_or(ffi::SQLITE_IOERR_ACCESS, |f| f(state.base, name, flags, out)) }
}

unsafe extern "C" fn full_pathname(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xFullPathname.map_or(ffi::SQLITE_ERROR, |f| f(state(vfs).base, name, n, out)) }
}

unsafe extern "C" fn randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xRandomness.map_or(0, |f| f(state(vfs).base, n, out)) }
}

unsafe extern "C" fn sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xSleep.map_or(0, |f| f(state(vfs).base, micros)) }
}

unsafe extern "C" fn current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xCurrentTime.map_or(ffi::SQLITE_ERROR, |f| f(state(vfs).base, out)) }
}

unsafe extern "C" fn last_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xGetLastError.map_or(0, |f| f(state(vfs).base, n, out)) }
}

unsafe extern "C" fn current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut ffi::sqlite3_int64) -> c_int {
    // SAFETY: delegating with the base VFS's own pointer.
    unsafe { base(vfs).xCurrentTimeInt64.map_or(ffi::SQLITE_ERROR, |f| f(state(vfs).base, out)) }
}
