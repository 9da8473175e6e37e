//! A description of the machine the benchmark ran on: CPU, cores, memory, kernel, the
//! data directory's filesystem and the SQLite version.

use std::path::Path;
use std::process::Command;

/// `(label, value)` pairs describing this machine; unknown values read "unknown".
pub fn describe(data_dir: &Path) -> Vec<(&'static str, String)> {
    let unknown = || "unknown".to_string();
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(unknown);
    let cores = std::thread::available_parallelism().map_or_else(|_| unknown(), |n| n.to_string());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let kb: u64 = m.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{} GiB", kb.div_ceil(1024 * 1024)))
        })
        .unwrap_or_else(unknown);
    let kernel =
        std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(|_| unknown(), |s| s.trim().to_string());
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("PRETTY_NAME="))?;
            Some(line.trim_start_matches("PRETTY_NAME=").trim_matches('"').to_string())
        })
        .unwrap_or_else(unknown);
    vec![
        ("CPU", cpu),
        ("cores", cores),
        ("memory", memory),
        ("OS", os),
        ("kernel", kernel),
        ("filesystem", filesystem(data_dir).unwrap_or_else(unknown)),
        ("SQLite", rusqlite::version().to_string()),
    ]
}

/// The filesystem type and device of `dir`, from `df -T -P`.
fn filesystem(dir: &Path) -> Option<String> {
    let out = Command::new("df").arg("-T").arg("-P").arg(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut cols = text.lines().nth(1)?.split_whitespace();
    let device = cols.next()?;
    let kind = cols.next()?;
    Some(format!("{kind} on {device} ({})", dir.display()))
}
