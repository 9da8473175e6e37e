//! The register's database is its owner's alone: the file `0600`, created so before
//! SQLite writes a byte; SQLite creates the WAL and SHM files with the database file's
//! mode, and files an older Till left readable are tightened when opened.

use std::path::{Path, PathBuf};

use crate::{Result, StoreError};

/// The database file and its WAL and SHM companions.
fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

/// Creates the empty database file at `path`, readable and writable by its owner only.
#[cfg(unix)]
pub(crate) fn create(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|error| StoreError::Private { path: path.to_path_buf(), error })
}

/// Creates the empty database file at `path`.
#[cfg(not(unix))]
pub(crate) fn create(path: &Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(drop)
        .map_err(|error| StoreError::Private { path: path.to_path_buf(), error })
}

/// Takes group and other access away from the database, WAL and SHM files at `path`.
#[cfg(unix)]
pub(crate) fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for file in companions(path) {
        let Ok(meta) = std::fs::metadata(&file) else { continue };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .map_err(|error| StoreError::Private { path: file.clone(), error })?;
        }
    }
    Ok(())
}

/// Nothing to do where files have no Unix modes.
#[cfg(not(unix))]
pub(crate) fn restrict(path: &Path) -> Result<()> {
    let _ = companions(path);
    Ok(())
}
