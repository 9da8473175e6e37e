//! Python tools the cross-checks run (biip, python-stdnum, emupos), each in its own
//! virtual environment under the target directory, made once and shared by every test.
//!
//! Tests run in parallel threads and several test binaries may start at once, so an
//! environment is built under an exclusive file lock and marked complete only when pip has
//! finished; a half-made environment (an interrupted run) is removed and built again.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A virtual environment named `name` under `root` with `packages` installed by `python`;
/// returns its directory. Built once: later calls (from any thread or process) reuse it.
pub fn venv(root: &Path, name: &str, python: &Path, packages: &[&str]) -> PathBuf {
    let venv = root.join(name);
    let complete = venv.join("till-complete");
    let lock = File::create(root.join(format!("{name}.lock"))).unwrap();
    lock.lock().unwrap();
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&complete).is_ok_and(|have| have == wanted) {
        return venv;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let out = Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap_or_else(|e| panic!("{} -m venv: {e} (Debian: python3, python3-venv)", python.display()));
    assert!(out.status.success(), "{} -m venv: {}", python.display(), String::from_utf8_lossy(&out.stderr));
    let out = Command::new(venv.join("bin/pip")).args(["install", "-q"]).args(packages).output().unwrap();
    assert!(out.status.success(), "pip install {packages:?}: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(&complete, wanted).unwrap();
    venv
}

/// A Python >= 3.13 (emupos needs it): `python3.13` on the PATH, else pyenv's newest 3.13.
pub fn python313() -> PathBuf {
    if Command::new("python3.13").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return PathBuf::from("python3.13");
    }
    let pyenv = PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".pyenv/versions");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&pyenv)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("3.13")))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .map(|p| p.join("bin/python"))
        .expect("emupos needs Python >= 3.13: install python3.13 (or pyenv install 3.13)")
}
