//! The results: one [`Figure`] per measured line, printed as a table or as JSON.

use std::time::Duration;

use serde_json::{Value, json};

use crate::stats::{human, micros, ratio};

/// What a figure must meet.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Reported for context only.
    None,
    /// Till may take at most this many times the bare baseline.
    RatioAtMost(f64),
    /// Till's value must be below this absolute time.
    Below(Duration),
}

impl Target {
    /// How the target reads in the table.
    pub fn text(self) -> String {
        match self {
            Target::None => "—".to_string(),
            Target::RatioAtMost(r) => format!("≤ {r}×"),
            Target::Below(d) => format!("< {}", human(d)),
        }
    }

    /// Whether Till met it; `None` when there is nothing to meet.
    pub fn met(self, till: Duration, bare: Duration) -> Option<bool> {
        match self {
            Target::None => None,
            Target::RatioAtMost(r) => Some(ratio(till, bare) <= r),
            Target::Below(d) => Some(till < d),
        }
    }
}

/// One measured line: Till's figure, the bare-SQLite figure it rests on, and its target.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Stable key for the JSON output.
    pub key: &'static str,
    /// What is measured, in words.
    pub name: String,
    /// Till's value.
    pub till: Duration,
    /// The bare-SQLite baseline's value.
    pub bare: Duration,
    /// Which measurement the figure belongs to (figures of one group share a baseline).
    pub group: &'static str,
    /// What the baseline is.
    pub bare_op: &'static str,
    /// What Till must meet.
    pub target: Target,
}

impl Figure {
    /// `PASS`, `MISS` or `info`.
    pub fn result(&self) -> &'static str {
        match self.target.met(self.till, self.bare) {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "info",
        }
    }

    /// Till / bare.
    pub fn ratio(&self) -> f64 {
        ratio(self.till, self.bare)
    }

    fn json(&self) -> Value {
        let target = match self.target {
            Target::None => Value::Null,
            Target::RatioAtMost(r) => json!({ "max_ratio": r }),
            Target::Below(d) => json!({ "below_us": micros(d) }),
        };
        json!({
            "key": self.key,
            "group": self.group,
            "figure": self.name,
            "till_us": micros(self.till),
            "bare_us": micros(self.bare),
            "bare_op": self.bare_op,
            "ratio": self.ratio(),
            "target": target,
            "result": self.result(),
        })
    }
}

/// A fixture's selling rate across its run, in sales per second per step of sales: a
/// ratio of the last step to the first well below 1 means a sale gets slower as the
/// register's history grows.
#[derive(Debug, Clone)]
pub struct RateFigure {
    /// Stable key for the JSON output.
    pub key: &'static str,
    /// Which fixture, in words.
    pub name: String,
    /// Sales per step.
    pub step: u64,
    /// Sales per second in each step, in order (at least one).
    pub rates: Vec<f64>,
}

impl RateFigure {
    /// The first step's rate.
    pub fn first(&self) -> f64 {
        self.rates.first().copied().unwrap_or(0.0)
    }

    /// The last step's rate.
    pub fn last(&self) -> f64 {
        self.rates.last().copied().unwrap_or(0.0)
    }

    /// Last / first.
    pub fn ratio(&self) -> f64 {
        if self.first() > 0.0 { self.last() / self.first() } else { f64::NAN }
    }

    fn text(&self) -> String {
        let steps: Vec<String> = self.rates.iter().map(|r| format!("{r:.0}")).collect();
        format!(
            "  {}, steps of {} sales: first {:.0}/s, last {:.0}/s, last/first {:.2}\n    per step: {}\n",
            self.name,
            self.step,
            self.first(),
            self.last(),
            self.ratio(),
            steps.join(" ")
        )
    }

    fn json(&self) -> Value {
        json!({
            "key": self.key,
            "fixture": self.name,
            "step_sales": self.step,
            "first_per_s": self.first(),
            "last_per_s": self.last(),
            "ratio_last_first": self.ratio(),
            "per_step_per_s": self.rates,
        })
    }
}

/// Everything one run produced.
#[derive(Debug, Default)]
pub struct Report {
    /// The machine, as `(label, value)` pairs.
    pub machine: Vec<(&'static str, String)>,
    /// Run parameters, as `(label, value)` pairs.
    pub params: Vec<(&'static str, String)>,
    /// The measured figures, in order.
    pub figures: Vec<Figure>,
    /// The fixtures' selling rates across their runs.
    pub rates: Vec<RateFigure>,
    /// Sub-measurements that explain the figures (phases, sizes), as `(label, value)`.
    pub details: Vec<(String, String)>,
    /// Remarks: skipped lines, caveats.
    pub notes: Vec<String>,
}

/// Pads `s` with spaces to `width` characters (not bytes: the table has µ and ×).
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_string() } else { format!("{s}{}", " ".repeat(width - n)) }
}

/// Right-aligns `s` in `width` characters.
fn rpad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_string() } else { format!("{}{s}", " ".repeat(width - n)) }
}

impl Report {
    /// The human-readable report.
    pub fn text(&self) -> String {
        let mut out = String::new();
        out.push_str("Machine\n");
        for (k, v) in &self.machine {
            out.push_str(&format!("  {}{v}\n", pad(&format!("{k}:"), 18)));
        }
        out.push_str("Run\n");
        for (k, v) in &self.params {
            out.push_str(&format!("  {}{v}\n", pad(&format!("{k}:"), 18)));
        }
        out.push('\n');
        let rows: Vec<[String; 6]> = self
            .figures
            .iter()
            .map(|f| {
                [
                    f.name.clone(),
                    human(f.till),
                    human(f.bare),
                    format!("{:.2}×", f.ratio()),
                    f.target.text(),
                    f.result().to_string(),
                ]
            })
            .collect();
        let header = ["Figure", "Till", "Bare SQLite", "Ratio", "Target", "Result"];
        let mut widths = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |cells: &[String; 6]| {
            let mut s = pad(&cells[0], widths[0]);
            for i in 1..4 {
                s.push_str("  ");
                s.push_str(&rpad(&cells[i], widths[i]));
            }
            s.push_str("  ");
            s.push_str(&pad(&cells[4], widths[4]));
            s.push_str("  ");
            s.push_str(&cells[5]);
            s.push('\n');
            s
        };
        out.push_str(&line(&header.map(str::to_string)));
        out.push_str(&format!("{}\n", "-".repeat(widths.iter().sum::<usize>() + 2 * 5)));
        for r in &rows {
            out.push_str(&line(r));
        }
        if !self.rates.is_empty() {
            out.push_str(
                "\nSelling rate across the run (scan, price, complete_sale, maintain; sync off), sales/s per step\n",
            );
            for r in &self.rates {
                out.push_str(&r.text());
            }
        }
        out.push_str("\nBaselines (bare SQLite, same pragmas: WAL, synchronous=FULL, temp_store=MEMORY)\n");
        let mut seen = Vec::new();
        for f in &self.figures {
            if !seen.contains(&f.group) {
                seen.push(f.group);
                out.push_str(&format!("  {}: {}\n", f.group, f.bare_op));
            }
        }
        if !self.details.is_empty() {
            out.push_str("\nDetails\n");
            for (k, v) in &self.details {
                out.push_str(&format!("  {k}: {v}\n"));
            }
        }
        if !self.notes.is_empty() {
            out.push_str("\nNotes\n");
            for n in &self.notes {
                out.push_str(&format!("  - {n}\n"));
            }
        }
        let missed: Vec<&str> = self.figures.iter().filter(|f| f.result() == "MISS").map(|f| f.name.as_str()).collect();
        let judged = self.figures.iter().filter(|f| f.result() != "info").count();
        out.push_str(&format!("\n{} of {judged} targets met", judged - missed.len()));
        if missed.is_empty() {
            out.push_str(".\n");
        } else {
            out.push_str(&format!("; missed: {}.\n", missed.join("; ")));
        }
        out
    }

    /// The machine-readable report.
    pub fn json(&self) -> Value {
        let pairs = |v: &[(&'static str, String)]| -> Value {
            Value::Object(v.iter().map(|(k, v)| ((*k).to_string(), Value::String(v.clone()))).collect())
        };
        json!({
            "machine": pairs(&self.machine),
            "params": pairs(&self.params),
            "figures": self.figures.iter().map(Figure::json).collect::<Vec<_>>(),
            "rates": self.rates.iter().map(RateFigure::json).collect::<Vec<_>>(),
            "details": Value::Object(self.details.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()),
            "notes": self.notes,
        })
    }
}
