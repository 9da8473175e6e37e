//! The file object: a page-cache image over a real file of the base VFS.

use std::ffi::{c_int, c_void};
use std::mem::size_of;
use std::ptr;

use libsqlite3_sys as ffi;

use crate::{Fault, Image, Inner, State};

/// Our part of the file object SQLite allocates (`szOsFile` bytes); the base VFS's file
/// object follows it, at [`REAL_OFFSET`].
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    state: *const State,
    /// The image's key; `None` for files passed straight through (temporary files).
    key: Option<String>,
}

/// Where the base VFS's file object starts, aligned for any C struct.
const REAL_OFFSET: usize = size_of::<File>().next_multiple_of(16);

/// The `szOsFile` our VFS asks for, given the base VFS's.
pub(crate) fn size_with(base: c_int) -> usize {
    REAL_OFFSET + usize::try_from(base).unwrap_or(0)
}

/// SQLite's file objects of the kinds whose durability matters.
const IMAGED: c_int = ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_WAL | ffi::SQLITE_OPEN_MAIN_JOURNAL;

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    // Version 2: shared memory for WAL, but no memory-mapped reads, which would bypass
    // the image.
    iVersion: 2,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: None,
    xUnfetch: None,
};

/// The base VFS's file object inside ours.
///
/// # Safety
/// `f` must point at a file object of `szOsFile` bytes from our VFS.
unsafe fn real(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: the allocation holds REAL_OFFSET bytes of ours, then the base's object.
    unsafe { f.cast::<u8>().add(REAL_OFFSET).cast::<ffi::sqlite3_file>() }
}

/// The base file's methods.
///
/// # Safety
/// `f` must be an open file of our VFS.
unsafe fn methods(f: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: an open base file has its methods set; they are static.
    unsafe { &*(*real(f)).pMethods }
}

/// Our fields of an open file.
///
/// # Safety
/// `f` must be an open file of our VFS.
unsafe fn ours<'a>(f: *mut ffi::sqlite3_file) -> (&'a State, Option<&'a str>) {
    // SAFETY: `open` initialised these fields before handing the file to SQLite.
    unsafe {
        let file = &*f.cast::<File>();
        (&*file.state, file.key.as_deref())
    }
}

pub(crate) unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    f: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite hands us our VFS and `szOsFile` bytes for the file object.
    unsafe {
        let state = crate::state(vfs);
        (*f).pMethods = ptr::null();
        let real = real(f);
        let Some(base_open) = (*state.base).xOpen else { return ffi::SQLITE_CANTOPEN };
        let rc = base_open(state.base, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let key = if flags & IMAGED != 0 { crate::key(name) } else { None };
        if let Some(key) = &key {
            let mut inner = state.lock();
            if !inner.images.contains_key(key) {
                match read_all(real) {
                    Ok(data) => {
                        inner.images.insert(key.clone(), Image { data, ..Image::default() });
                    }
                    Err(rc) => {
                        if let Some(close) = (*(*real).pMethods).xClose {
                            close(real);
                        }
                        return rc;
                    }
                }
            }
        }
        ptr::write(f.cast::<File>(), File { base: ffi::sqlite3_file { pMethods: &METHODS }, state, key });
        ffi::SQLITE_OK
    }
}

/// Reads a whole real file (what survived on disk) into memory.
///
/// # Safety
/// `real` must be an open file of the base VFS.
unsafe fn read_all(real: *mut ffi::sqlite3_file) -> Result<Vec<u8>, c_int> {
    // SAFETY: as the caller promises.
    unsafe {
        let m = &*(*real).pMethods;
        let mut size: ffi::sqlite3_int64 = 0;
        let rc = m.xFileSize.map_or(ffi::SQLITE_IOERR_FSTAT, |f| f(real, &mut size));
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        let mut data = vec![0u8; usize::try_from(size).map_err(|_| ffi::SQLITE_IOERR_FSTAT)?];
        if data.is_empty() {
            return Ok(data);
        }
        let len = c_int::try_from(data.len()).map_err(|_| ffi::SQLITE_IOERR_READ)?;
        let rc = m.xRead.map_or(ffi::SQLITE_IOERR_READ, |f| f(real, data.as_mut_ptr().cast(), len, 0));
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
        Ok(data)
    }
}

unsafe extern "C" fn close(f: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes an open file once; our fields are dropped exactly then.
    unsafe {
        let rc = methods(f).xClose.map_or(ffi::SQLITE_OK, |close| close(real(f)));
        drop(ptr::read(&(*f.cast::<File>()).key));
        (*f).pMethods = ptr::null();
        rc
    }
}

unsafe extern "C" fn read(
    f: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite passes an open file and a buffer of `amount` bytes.
    unsafe {
        let (state, key) = ours(f);
        let Some(key) = key else {
            return methods(f).xRead.map_or(ffi::SQLITE_IOERR_READ, |g| g(real(f), buf, amount, offset));
        };
        let inner = state.lock();
        let Some(image) = inner.images.get(key) else { return ffi::SQLITE_IOERR_READ };
        let (Ok(offset), Ok(amount)) = (usize::try_from(offset), usize::try_from(amount)) else {
            return ffi::SQLITE_IOERR_READ;
        };
        let out = std::slice::from_raw_parts_mut(buf.cast::<u8>(), amount);
        let have = image.data.len().saturating_sub(offset).min(amount);
        if have > 0 {
            out[..have].copy_from_slice(&image.data[offset..offset + have]);
        }
        if have < amount {
            out[have..].fill(0);
            return ffi::SQLITE_IOERR_SHORT_READ;
        }
        ffi::SQLITE_OK
    }
}

/// Counts a write and fires an armed write fault; `Err` is the code to fail it with.
fn before_write(inner: &mut Inner) -> Result<(), c_int> {
    if !inner.powered {
        return Err(ffi::SQLITE_IOERR_WRITE);
    }
    inner.writes += 1;
    match inner.armed {
        Some((fault @ (Fault::PowerCut | Fault::DiskFull), at)) if inner.writes >= at => {
            inner.armed = None;
            inner.fired = Some(fault);
            if fault == Fault::PowerCut {
                inner.powered = false;
                Err(ffi::SQLITE_IOERR_WRITE)
            } else {
                Err(ffi::SQLITE_FULL)
            }
        }
        _ => Ok(()),
    }
}

unsafe extern "C" fn write(
    f: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: SQLite passes an open file and a buffer of `amount` bytes.
    unsafe {
        let (state, key) = ours(f);
        let Some(key) = key else {
            return methods(f).xWrite.map_or(ffi::SQLITE_IOERR_WRITE, |g| g(real(f), buf, amount, offset));
        };
        let mut inner = state.lock();
        if let Err(rc) = before_write(&mut inner) {
            return rc;
        }
        let Some(image) = inner.images.get_mut(key) else { return ffi::SQLITE_IOERR_WRITE };
        let (Ok(offset), Ok(amount)) = (usize::try_from(offset), usize::try_from(amount)) else {
            return ffi::SQLITE_IOERR_WRITE;
        };
        let end = offset + amount;
        if image.data.len() < end {
            image.data.resize(end, 0);
        }
        image.data[offset..end].copy_from_slice(std::slice::from_raw_parts(buf.cast::<u8>(), amount));
        image.dirty.push((offset, amount));
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn truncate(f: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: SQLite passes an open file.
    unsafe {
        let (state, key) = ours(f);
        let Some(key) = key else {
            return methods(f).xTruncate.map_or(ffi::SQLITE_IOERR_TRUNCATE, |g| g(real(f), size));
        };
        let mut inner = state.lock();
        if !inner.powered {
            return ffi::SQLITE_IOERR_TRUNCATE;
        }
        let (Some(image), Ok(size)) = (inner.images.get_mut(key), usize::try_from(size)) else {
            return ffi::SQLITE_IOERR_TRUNCATE;
        };
        image.data.resize(size, 0);
        image.resized = true;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: SQLite passes an open file.
    unsafe {
        let (state, key) = ours(f);
        let m = methods(f);
        let real = real(f);
        let Some(key) = key else {
            return m.xSync.map_or(ffi::SQLITE_IOERR_FSYNC, |g| g(real, flags));
        };
        let mut inner = state.lock();
        if !inner.powered {
            return ffi::SQLITE_IOERR_FSYNC;
        }
        inner.syncs += 1;
        if let Some((Fault::SyncFails, at)) = inner.armed
            && inner.syncs >= at
        {
            inner.armed = None;
            inner.fired = Some(Fault::SyncFails);
            // The kernel drops the pages it failed to write: the image becomes the disk.
            let data = read_all(real).unwrap_or_default();
            inner.images.insert(key.to_string(), Image { data, ..Image::default() });
            return ffi::SQLITE_IOERR_FSYNC;
        }
        let Some(image) = inner.images.get_mut(key) else { return ffi::SQLITE_IOERR_FSYNC };
        let rc = flush(real, m, image);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        m.xSync.map_or(ffi::SQLITE_IOERR_FSYNC, |g| g(real, flags))
    }
}

/// Writes an image's changes since the last sync to its real file.
///
/// # Safety
/// `real` must be an open file of the base VFS and `m` its methods.
unsafe fn flush(real: *mut ffi::sqlite3_file, m: &ffi::sqlite3_io_methods, image: &mut Image) -> c_int {
    // SAFETY: as the caller promises; the buffers are slices of the image.
    unsafe {
        let len = image.data.len();
        if image.resized {
            let Ok(size) = ffi::sqlite3_int64::try_from(len) else { return ffi::SQLITE_IOERR_TRUNCATE };
            let rc = m.xTruncate.map_or(ffi::SQLITE_IOERR_TRUNCATE, |g| g(real, size));
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        for &(offset, amount) in &image.dirty {
            let end = (offset + amount).min(len);
            if offset >= end {
                continue;
            }
            let (Ok(n), Ok(at)) = (c_int::try_from(end - offset), ffi::sqlite3_int64::try_from(offset)) else {
                return ffi::SQLITE_IOERR_WRITE;
            };
            let rc = m.xWrite.map_or(ffi::SQLITE_IOERR_WRITE, |g| g(real, image.data[offset..].as_ptr().cast(), n, at));
            if rc != ffi::SQLITE_OK {
                return rc;
            }
        }
        image.dirty.clear();
        image.resized = false;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn file_size(f: *mut ffi::sqlite3_file, out: *mut ffi::sqlite3_int64) -> c_int {
    // SAFETY: SQLite passes an open file and an out pointer.
    unsafe {
        let (state, key) = ours(f);
        let Some(key) = key else {
            return methods(f).xFileSize.map_or(ffi::SQLITE_IOERR_FSTAT, |g| g(real(f), out));
        };
        let inner = state.lock();
        let Some(image) = inner.images.get(key) else { return ffi::SQLITE_IOERR_FSTAT };
        *out = ffi::sqlite3_int64::try_from(image.data.len()).unwrap_or(ffi::sqlite3_int64::MAX);
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn file_control(f: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    // SAFETY: SQLite passes an open file.
    unsafe {
        let (_, key) = ours(f);
        // A size hint would grow the real file behind the image's back.
        if key.is_some() && op == ffi::SQLITE_FCNTL_SIZE_HINT {
            return ffi::SQLITE_OK;
        }
        methods(f).xFileControl.map_or(ffi::SQLITE_NOTFOUND, |g| g(real(f), op, arg))
    }
}

// Locks, sector size, device characteristics and the WAL index go to the base file.

unsafe extern "C" fn lock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xLock.map_or(ffi::SQLITE_IOERR_LOCK, |g| g(real(f), level)) }
}

unsafe extern "C" fn unlock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xUnlock.map_or(ffi::SQLITE_IOERR_UNLOCK, |g| g(real(f), level)) }
}

unsafe extern "C" fn check_reserved_lock(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xCheckReservedLock.map_or(ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, |g| g(real(f), out)) }
}

unsafe extern "C" fn sector_size(f: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xSectorSize.map_or(4096, |g| g(real(f))) }
}

unsafe extern "C" fn device_characteristics(f: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xDeviceCharacteristics.map_or(0, |g| g(real(f))) }
}

unsafe extern "C" fn shm_map(
    f: *mut ffi::sqlite3_file,
    page: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xShmMap.map_or(ffi::SQLITE_IOERR_SHMMAP, |g| g(real(f), page, size, extend, out)) }
}

unsafe extern "C" fn shm_lock(f: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xShmLock.map_or(ffi::SQLITE_IOERR_SHMLOCK, |g| g(real(f), offset, n, flags)) }
}

unsafe extern "C" fn shm_barrier(f: *mut ffi::sqlite3_file) {
    // SAFETY: delegating to the open base file.
    unsafe {
        if let Some(g) = methods(f).xShmBarrier {
            g(real(f));
        }
    }
}

unsafe extern "C" fn shm_unmap(f: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: delegating to the open base file.
    unsafe { methods(f).xShmUnmap.map_or(ffi::SQLITE_OK, |g| g(real(f), delete)) }
}
