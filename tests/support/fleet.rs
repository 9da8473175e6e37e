//! Registers and an HQ under test together: demo registers that sold offline, driven
//! through the real `till` binary, and HQ's view of them in comparable shapes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rust_decimal::Decimal;
use till_register::{FixedClock, Register, SeededIds};

use crate::hq::HqProcess;
use crate::proxy::Rng;
use crate::{demo_register, ring_random_sale, till_bin};

/// A register under test: its directory and codes.
pub struct Till {
    pub dir: tempfile::TempDir,
    pub store: String,
    pub register: String,
}

impl Till {
    /// A demo register of `store`/`register` whose sales so far were made over the last
    /// three days while offline: `sales` of them, varied by `seed`.
    pub fn selling_offline(store: &str, register: &str, sales: u64, seed: u64) -> Till {
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
        Till { dir, store: store.to_string(), register: register.to_string() }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(till_bin());
        c.arg("--data-dir").arg(self.path()).args(args).env("TILL_LOG", "error");
        c
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.command(&all).output().unwrap();
        assert!(out.status.success(), "till {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn enroll(&self, hq: &str, token: &str) {
        let out = self.command(&["enroll", "--hq", hq, "--token", token]).output().unwrap();
        assert!(out.status.success(), "enroll: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Starts `till sync` in the background.
    pub fn spawn_sync(&self) -> Child {
        self.command(&["sync", "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
    }

    /// Runs `till sync` to the end; whether it succeeded.
    pub fn sync(&self) -> bool {
        self.command(&["sync", "--json"]).output().unwrap().status.success()
    }

    pub fn open(&self) -> Register {
        Register::open(self.path(), Arc::new(till_register::SystemClock), Box::new(till_register::RandomIds)).unwrap()
    }

    /// The register's sale ids, from its own database.
    pub fn sale_ids(&self) -> BTreeSet<String> {
        let conn = rusqlite::Connection::open(self.path().join(till_register::DATABASE_FILE)).unwrap();
        let mut stmt = conn.prepare("SELECT id FROM sales").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// Its own totals, as its X report states them, in the shape HQ's report uses.
    pub fn own_totals(&self) -> serde_json::Value {
        let x = self.open().x_report().unwrap();
        totals_json(
            x.totals.sales,
            x.totals.total.amount(),
            x.grand_total.amount(),
            x.totals.taxes.iter().map(|t| (t.rate, t.net.amount(), t.tax.amount(), t.gross.amount())).collect(),
            x.totals.tenders.iter().map(|t| (t.tender.clone(), t.count, t.amount.amount())).collect(),
        )
    }
}

pub fn totals_json(
    sales: u64,
    total: Decimal,
    grand: Decimal,
    taxes: Vec<(Decimal, Decimal, Decimal, Decimal)>,
    tenders: Vec<(String, u64, Decimal)>,
) -> serde_json::Value {
    serde_json::json!({
        "sales": sales,
        "total": total.normalize().to_string(),
        "grand_total": grand.normalize().to_string(),
        "taxes": taxes.iter().map(|(r, n, t, g)| [r, n, t, g].map(|d| d.normalize().to_string())).collect::<Vec<_>>(),
        "tenders": tenders.iter().map(|(name, count, amount)| (name.clone(), *count, amount.normalize().to_string())).collect::<Vec<_>>(),
    })
}

pub fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// HQ's report per register (`STORE/REGISTER` → totals in [`totals_json`]'s shape).
pub fn hq_totals(hq: &HqProcess) -> BTreeMap<String, serde_json::Value> {
    hq.admin_json(&["report", "sales"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = format!("{}/{}", r["store"].as_str().unwrap(), r["register"].as_str().unwrap());
            let taxes = r["taxes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (dec(&t["rate"]), dec(&t["net"]), dec(&t["tax"]), dec(&t["gross"])))
                .collect();
            let tenders = r["tenders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t["tender"].as_str().unwrap().to_string(), t["count"].as_u64().unwrap(), dec(&t["amount"])))
                .collect();
            let totals =
                totals_json(r["sales"].as_u64().unwrap(), dec(&r["total"]), dec(&r["grand_total"]), taxes, tenders);
            (key, totals)
        })
        .collect()
}

/// HQ's booked sales: id → register key, and how many rows each id has.
pub fn hq_sales(hq: &HqProcess) -> Vec<(String, String)> {
    hq.admin_json(&["report", "receipts"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                format!("{}/{}", r["store"].as_str().unwrap(), r["register"].as_str().unwrap()),
            )
        })
        .collect()
}

/// Every SKU a register's stock ledger moved.
pub fn moved_skus(till: &Till) -> BTreeSet<String> {
    let conn = rusqlite::Connection::open(till.path().join(till_register::DATABASE_FILE)).unwrap();
    let mut stmt = conn.prepare("SELECT DISTINCT sku FROM stock_movements").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}
