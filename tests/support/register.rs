//! The one register harness of the end-to-end tests: a register in a temporary directory,
//! driven through the real `till` binary — empty, made from a configuration, the demo shop
//! (with its staff), or a demo register that already sold for days while offline — and
//! what tests do to a register besides running commands: read it in process, copy its
//! disk to a second machine, read and write its settings, serve it to its peers.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use till_register::{FixedClock, Register, SeededIds};

use crate::proxy::Rng;
use crate::{CASHIER, MANAGER, NOW, demo_register, repo, ring_random_sale, till_bin};

/// A register in a temporary directory, driven through the real `till` binary.
pub struct TempRegister {
    /// Its data directory (removed when dropped).
    pub dir: tempfile::TempDir,
    /// `TILL_NOW` for its commands; `None` runs them on the real clock (what HQ, which
    /// signs tokens and checks clock skew on its own clock, needs).
    pub now: Option<String>,
    /// `CODE:PIN` passed as `--staff` to every command, once staff exist.
    pub staff: Option<String>,
    /// Its store code (empty before `init`).
    pub store: String,
    /// Its register code (empty before `init`).
    pub register: String,
    /// `TILL_LOG` for its commands (`None`: the test's own environment decides).
    pub log: Option<String>,
}

impl TempRegister {
    /// A new, empty data directory (no register yet), on the tests' fixed clock.
    pub fn empty() -> TempRegister {
        TempRegister {
            dir: tempfile::tempdir().unwrap(),
            now: Some(NOW.to_string()),
            staff: None,
            store: String::new(),
            register: String::new(),
            log: None,
        }
    }

    /// A register created from `config` (a path relative to the repository, or absolute).
    pub fn with_config(config: &str) -> TempRegister {
        let mut reg = TempRegister::empty();
        let made = reg.json(&["init", "--config", repo().join(config).to_str().unwrap()]);
        reg.store = made["store"].as_str().unwrap().to_string();
        reg.register = made["register"].as_str().unwrap().to_string();
        reg
    }

    /// The demo register with the demo catalog imported.
    pub fn demo() -> TempRegister {
        let reg = TempRegister::with_config("assets/demo/store.toml");
        reg.import_demo_catalog();
        reg
    }

    /// The demo register with a manager (1, PIN 1234) and a cashier (2, PIN 5678); commands
    /// run as the cashier unless told otherwise.
    pub fn demo_with_staff() -> TempRegister {
        TempRegister::demo_with_staff_and("")
    }

    /// [`TempRegister::demo_with_staff`] with `extra` appended to the demo configuration
    /// (device sections).
    pub fn demo_with_staff_and(extra: &str) -> TempRegister {
        TempRegister::demo_with_staff_edit(|demo| format!("{demo}\n{extra}"))
    }

    /// [`TempRegister::demo_with_staff`] with the demo configuration changed by `edit`.
    pub fn demo_with_staff_edit(edit: impl Fn(String) -> String) -> TempRegister {
        let demo = std::fs::read_to_string(repo().join("assets/demo/store.toml")).unwrap();
        let config = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(config.path(), edit(demo)).unwrap();
        let mut reg = TempRegister::with_config(config.path().to_str().unwrap());
        reg.import_demo_catalog();
        let add = |reg: &TempRegister, args: &[&str]| {
            let out = reg.till(args);
            assert!(out.status.success(), "staff add failed: {}", String::from_utf8_lossy(&out.stderr));
        };
        add(&reg, &["staff", "add", "--code", "1", "--name", "Maria Manager", "--role", "manager", "--pin", "1234"]);
        reg.staff = Some(MANAGER.to_string());
        add(&reg, &["staff", "add", "--code", "2", "--name", "Carl Cashier", "--role", "cashier", "--pin", "5678"]);
        reg.staff = Some(CASHIER.to_string());
        reg
    }

    /// A demo register of `store`/`register` whose sales so far were made over the last
    /// three days while offline: `sales` of them, varied by `seed`, rung in process with
    /// a clock that stepped through those days. Its commands run on the real clock.
    pub fn selling_offline(store: &str, register: &str, sales: u64, seed: u64) -> TempRegister {
        let start = Timestamp::now() - SignedDuration::from_hours(72);
        let clock = Arc::new(FixedClock::new(start));
        let edit =
            |c: String| c.replace("AMS-01", store).replace("register = \"R1\"", &format!("register = \"{register}\""));
        let (dir, mut reg) = demo_register(edit, clock.clone(), Box::new(SeededIds::new(seed)));
        let mut rng = Rng::new(seed);
        let step = SignedDuration::from_secs(72 * 3600 / (sales.max(1) as i64 + 1));
        for _ in 0..sales {
            clock.advance(step);
            ring_random_sale(&mut reg, &mut |n| rng.below(n));
        }
        TempRegister {
            dir,
            now: None,
            staff: None,
            store: store.to_string(),
            register: register.to_string(),
            log: Some("error".to_string()),
        }
    }

    fn import_demo_catalog(&self) {
        for file in ["assets/demo/catalog.csv", "assets/demo/extras.jsonl"] {
            let out = self.till(&["catalog", "import", repo().join(file).to_str().unwrap()]);
            assert!(out.status.success(), "import {file} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }

    /// The register's data directory.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The register's SQLite file.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join(till_register::DATABASE_FILE)
    }

    /// A `till` command for this register (not yet run).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(till_bin());
        cmd.arg("--data-dir").arg(self.dir.path());
        if let Some(staff) = &self.staff
            && !args.contains(&"--staff")
        {
            cmd.arg("--staff").arg(staff);
        }
        cmd.args(args).env_remove("TILL_DATA_DIR");
        match &self.now {
            Some(now) => cmd.env("TILL_NOW", now),
            None => cmd.env_remove("TILL_NOW"),
        };
        if let Some(log) = &self.log {
            cmd.env("TILL_LOG", log);
        }
        cmd
    }

    /// Runs `till ARGS` for this register.
    pub fn till(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs `till --json ARGS`, expects success, and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.till(&all);
        assert!(
            out.status.success(),
            "till {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The register in process, on the real clock (to read what it holds).
    pub fn open(&self) -> Register {
        Register::open(self.data_dir(), Arc::new(till_register::SystemClock), Box::new(till_register::RandomIds))
            .unwrap()
    }

    /// Enrolls it with the HQ at `hq` with an enrollment `token` (as its manager, if it has
    /// staff: enrolling is `configure_sync`); expects success.
    pub fn enroll(&self, hq: &str, token: &str) {
        let mut args = vec!["enroll", "--hq", hq, "--token", token];
        if self.staff.is_some() {
            args.extend(["--staff", MANAGER]);
        }
        let out = self.till(&args);
        assert!(out.status.success(), "enroll: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts `till sync` in the background.
    pub fn spawn_sync(&self) -> Child {
        self.command(&["sync", "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    }

    /// Runs `till sync` to the end; whether it succeeded.
    pub fn sync(&self) -> bool {
        self.till(&["sync", "--json"]).status.success()
    }

    /// `till serve-peer` for this register (the store's LAN); the process and its URL.
    pub fn serve_peer(&self) -> (Child, String) {
        let mut child = self
            .command(&["serve-peer", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("serve-peer said '{line}'"));
        (child, url.to_string())
    }

    /// A second machine with a copy of this register's disk: it sells as the same
    /// register.
    pub fn cloned(&self) -> TempRegister {
        let clone = tempfile::tempdir().unwrap();
        copy_files(self.data_dir(), clone.path());
        TempRegister {
            dir: clone,
            now: self.now.clone(),
            staff: self.staff.clone(),
            store: self.store.clone(),
            register: self.register.clone(),
            log: self.log.clone(),
        }
    }

    /// A setting from its database, read directly.
    pub fn setting(&self, key: &str) -> Option<String> {
        let conn = rusqlite::Connection::open(self.database()).unwrap();
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).ok()
    }

    /// Sets a setting directly in its database (what a crashed process left, or a round
    /// that happened earlier than it did).
    pub fn set_setting(&self, key: &str, value: &str) {
        let conn = rusqlite::Connection::open(self.database()).unwrap();
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)", [key, value]).unwrap();
    }

    /// Its sale ids, from its own database.
    pub fn sale_ids(&self) -> BTreeSet<String> {
        self.strings("SELECT id FROM sales")
    }

    /// Every SKU its stock ledger moved.
    pub fn moved_skus(&self) -> BTreeSet<String> {
        self.strings("SELECT DISTINCT sku FROM stock_movements")
    }

    fn strings(&self, sql: &str) -> BTreeSet<String> {
        let conn = rusqlite::Connection::open(self.database()).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// Its own totals, as its X report states them, in the shape HQ's report uses
    /// ([`crate::fleet::totals_json`]).
    pub fn own_totals(&self) -> serde_json::Value {
        let mut reg = self.open();
        let auth = reg.authority(self.staff.as_deref(), &[]).unwrap();
        let x = reg.x_report(&auth).unwrap();
        crate::fleet::totals_json(
            x.totals.sales,
            x.totals.total.amount(),
            x.grand_total.amount(),
            x.totals.taxes.iter().map(|t| (t.rate, t.net.amount(), t.tax.amount(), t.gross.amount())).collect(),
            x.totals.tenders.iter().map(|t| (t.tender.clone(), t.count, t.amount.amount())).collect(),
        )
    }
}

/// Copies every file of directory `from` into `to` (a register's disk: the database and
/// its WAL files).
pub fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}
