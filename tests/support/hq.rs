//! A real `till-hq` process for end-to-end tests: started on a free loopback port, killed
//! with SIGKILL (no clean shutdown) and restarted on the same database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use crate::till_hq_bin;

/// Which database the HQ tests run on: `TILL_TEST_PG` (a PostgreSQL URL whose database
/// the tests may fill; each test makes its own schema-free database by name), else a
/// SQLite file in the given directory.
pub fn database_url(dir: &std::path::Path, name: &str) -> String {
    match std::env::var("TILL_TEST_PG") {
        Ok(base) if !base.is_empty() => crate::hq::fresh_pg_database(&base, name),
        _ => format!("sqlite:{}", dir.join(format!("{name}.sqlite")).display()),
    }
}

/// Creates (dropping any old one) a PostgreSQL database `till_NAME` next to `base`'s and
/// returns its URL. `base` is `postgres://USER@HOST:PORT/DB`.
pub fn fresh_pg_database(base: &str, name: &str) -> String {
    let db = format!("till_{}", name.replace('-', "_"));
    let run = |sql: &str| {
        let out = Command::new("psql").args([base, "-v", "ON_ERROR_STOP=1", "-qc", sql]).output().expect("psql runs");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    run(&format!("CREATE DATABASE {db}"));
    let (prefix, _) = base.rsplit_once('/').expect("postgres URL ends with /DB");
    let url = format!("{prefix}/{db}");
    // A fresh database, a fresh pickup key.
    let _ = std::fs::remove_file(pg_key_file(&url));
    url
}

/// A running HQ server.
pub struct HqProcess {
    /// The database URL it serves.
    pub db: String,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    serve_args: Vec<String>,
    child: Child,
}

impl HqProcess {
    /// Starts `till-hq --db DB serve --listen 127.0.0.1:0` and waits until it listens.
    pub fn start(db: &str) -> HqProcess {
        HqProcess::start_with(db, &[])
    }

    /// The same, with more `serve` arguments (`--shopify-secret-file PATH`…).
    pub fn start_with(db: &str, serve_args: &[&str]) -> HqProcess {
        let mut child = hq_command(db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(serve_args)
            .env("TILL_LOG", "till_hq=warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("till-hq starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("till-hq said '{line}'")).to_string();
        HqProcess { db: db.to_string(), url, serve_args: serve_args.iter().map(|a| a.to_string()).collect(), child }
    }

    /// Its process id (to read its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills it with SIGKILL, whatever it is doing.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills it and starts a new process on the same database (a new port).
    pub fn restart(&mut self) {
        self.kill();
        let args = self.serve_args.clone();
        *self = HqProcess::start_with(&self.db.clone(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    }

    /// Runs an administration command against its database.
    pub fn admin(&self, args: &[&str]) -> Output {
        hq_admin(&self.db, args)
    }

    /// Runs an administration command with `--json` and parses its output.
    pub fn admin_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.admin(&all);
        assert!(out.status.success(), "till-hq {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("till-hq {args:?} printed no JSON: {e}"))
    }

    /// Records goods received at HQ: `qty` of `sku` at the store's floor location.
    pub fn receive(&self, store: &str, sku: &str, qty: &str) {
        let location = format!("{store}-floor");
        let out =
            self.admin(&["stock", "receive", "--store", store, "--location", &location, "--sku", sku, "--qty", qty]);
        assert!(out.status.success(), "stock receive: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Adds a register and returns its enrollment token (the last line of the output).
    pub fn token(&self, store: &str, register: &str) -> String {
        let out = self.admin(&["register", "add", "--store", store, "--register", register]);
        assert!(out.status.success(), "register add: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_string()
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Runs `till-hq --db DB ARGS`.
pub fn hq_admin(db: &str, args: &[&str]) -> Output {
    hq_command(db).args(args).output().expect("till-hq runs")
}

/// `till-hq --db DB`, its pickup key file given on PostgreSQL (beside a SQLite database it
/// has a default): one file per database, as every HQ process of a database shares it.
pub fn hq_command(db: &str) -> Command {
    let mut command = Command::new(till_hq_bin());
    command.arg("--db").arg(db);
    if !db.starts_with("sqlite:") {
        command.env("TILL_HQ_PICKUP_KEY", pg_key_file(db));
        command.env("TILL_HQ_PIN_PEPPER", pg_key_file(db).with_extension("pin-pepper"));
    }
    command
}

/// The pickup key file the tests give HQ on the PostgreSQL database `db`.
pub fn pg_key_file(db: &str) -> std::path::PathBuf {
    let name: String = db.rsplit('/').next().unwrap_or("hq").chars().filter(char::is_ascii_alphanumeric).collect();
    let dir = std::env::temp_dir().join("till-test-pickup-keys");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.pickup-key"))
}
