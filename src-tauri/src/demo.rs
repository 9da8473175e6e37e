//! The demo register a first start offers: the demo store's configuration and catalog
//! (built into the app, so a packaged app needs no files beside it), with a manager
//! (1, PIN 1234) and a cashier (2, PIN 5678) to sign in as.

use std::path::Path;

use anyhow::{Context, Result};
use till_register::{Authority, NewStaff, RandomIds, Register};

const STORE: &str = include_str!("../../assets/demo/store.toml");
const CATALOGS: [(&str, &str); 2] = [
    ("catalog.csv", include_str!("../../assets/demo/catalog.csv")),
    ("extras.jsonl", include_str!("../../assets/demo/extras.jsonl")),
];

/// Creates the demo register in `dir` and opens it.
pub fn create(dir: &Path) -> Result<Register> {
    Register::init(dir, STORE, "demo store.toml")?;
    let mut reg = Register::open(dir, till_register::clock_from_env()?, Box::new(RandomIds))?;
    let import = tempfile_dir(dir)?;
    for (name, text) in CATALOGS {
        let path = import.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        let report = reg.import_catalog(&path, &mut |_| {})?;
        anyhow::ensure!(report.rejected.is_empty(), "the demo catalog {name} has rejected rows");
    }
    std::fs::remove_dir_all(&import).ok();
    let mut setup = Authority::setup();
    reg.add_staff(&mut setup, &NewStaff { code: "1", name: "Maria Manager", role: "manager", pin: "1234" })?;
    let (_, mut manager) = reg.sign_in_authority("1", "1234")?;
    reg.add_staff(&mut manager, &NewStaff { code: "2", name: "Carl Cashier", role: "cashier", pin: "5678" })?;
    Ok(reg)
}

/// A scratch directory for the catalog files, inside the data directory.
fn tempfile_dir(dir: &Path) -> Result<std::path::PathBuf> {
    let import = dir.join("demo-import");
    std::fs::create_dir_all(&import).with_context(|| format!("creating {}", import.display()))?;
    Ok(import)
}
