//! `till-hq staff …`: the chain's staff. PINs come from `--pin-file` or a prompt on the
//! terminal (not echoed), else a line of stdin; never from the command line, never logged.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use clap::Subcommand;
use till_domain::{Action, Permission};
use till_hq::{ChainStaffChange, ChainStaffView, Hq, NewChainStaff, Stores};

use super::output::{Output, each};

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Add a staff member of the chain.
    Add {
        /// Staff code (badge number), 1-16 letters or digits.
        #[arg(long)]
        code: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Role: cashier, supervisor, manager, or one made with `staff role`.
        #[arg(long)]
        role: String,
        /// Where they may work: `all` or store codes, e.g. AMS-01,UTR-01.
        #[arg(long)]
        stores: String,
        /// A file holding the PIN (4-8 digits); without it the PIN is asked for.
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
    },
    /// Set what a role may do: ACTION=allowed|denied|approval … (creates the role if new).
    Role {
        /// The role.
        name: String,
        /// Changes, e.g. price_override=approval paid_out=denied.
        #[arg(required = true, value_name = "ACTION=PERMISSION")]
        changes: Vec<String>,
    },
    /// Give a staff member another role and/or other stores.
    Assign {
        /// Staff code.
        code: String,
        /// The role.
        #[arg(long)]
        role: Option<String>,
        /// Where they may work: `all` or store codes separated by commas.
        #[arg(long)]
        stores: Option<String>,
    },
    /// Set a new PIN (also ends a wait after wrong PINs).
    Pin {
        /// Staff code.
        code: String,
        /// A file holding the new PIN; without it the PIN is asked for.
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
    },
    /// End the wait after wrong PINs, at every register from its next sync.
    Unlock {
        /// Staff code.
        code: String,
    },
    /// A staff member left: every register refuses them from its next sync.
    Remove {
        /// Staff code.
        code: String,
    },
    /// Staff (stores, `(locked)`, `(removed)`) and the permission matrix.
    List,
}

/// Runs one `till-hq staff` command.
pub fn run(hq: &Hq, command: StaffCommand, out: &Output, now: jiff::Timestamp) -> Result<()> {
    let (view, said) = match command {
        StaffCommand::List => {
            let list = hq.staff_list()?;
            return out.print(&list, || {
                let mut lines = each(&list.staff, "no staff at HQ", |s| vec![line(s)]);
                lines.push(String::new());
                lines.push("roles:".into());
                for r in &list.roles {
                    let perms: Vec<String> = r.permissions.iter().map(|(a, p)| format!("{a}={p}")).collect();
                    lines.push(format!("  {}: {}", r.name, perms.join(" ")));
                }
                lines
            });
        }
        StaffCommand::Role { name, changes } => {
            let changes = changes
                .iter()
                .map(|c| {
                    let (a, p) = c.split_once('=').ok_or_else(|| anyhow!("'{c}': give ACTION=PERMISSION"))?;
                    let action = a.parse::<Action>().map_err(|e| anyhow!(e))?;
                    let permission = p.parse::<Permission>().map_err(|e| anyhow!(e))?;
                    Ok((action, permission))
                })
                .collect::<Result<Vec<_>>>()?;
            let role = hq.staff_role(&name, &changes, now)?;
            return out
                .print(&role, || vec![format!("role {} saved; registers take it at their next sync", role.name)]);
        }
        StaffCommand::Add { code, name, role, stores, pin_file } => {
            let pin = read_pin(pin_file.as_deref(), &code)?;
            let stores = Stores::parse(&stores)?;
            let view =
                hq.staff_add(&NewChainStaff { code: &code, name: &name, role: &role, pin: &pin, stores }, now)?;
            (view, "added")
        }
        StaffCommand::Assign { code, role, stores } => {
            let stores = stores.as_deref().map(Stores::parse).transpose()?;
            (hq.staff_change(&code, &ChainStaffChange::Assign { role: role.as_deref(), stores }, now)?, "assigned")
        }
        StaffCommand::Pin { code, pin_file } => {
            let pin = read_pin(pin_file.as_deref(), &code)?;
            (hq.staff_change(&code, &ChainStaffChange::Pin(&pin), now)?, "has a new PIN")
        }
        StaffCommand::Unlock { code } => (hq.staff_change(&code, &ChainStaffChange::Unlock, now)?, "unlocked"),
        StaffCommand::Remove { code } => (hq.staff_change(&code, &ChainStaffChange::Remove, now)?, "removed"),
    };
    out.print(&view, || vec![format!("staff {} {said}; registers take it at their next sync", view.code), line(&view)])
}

fn line(s: &ChainStaffView) -> String {
    let state = match (s.active, s.locked) {
        (false, _) => " (removed)",
        (true, true) => " (locked)",
        _ => "",
    };
    format!("{}  {}  {}  stores {}{state}", s.code, s.name, s.role, s.stores)
}

/// The PIN: the first line of `file`, else asked for on the terminal without echo, else
/// the first line of stdin (for scripts).
fn read_pin(file: Option<&Path>, code: &str) -> Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("--pin-file: cannot read {}", path.display()))?;
        let pin = text.lines().next().unwrap_or("").trim().to_string();
        anyhow::ensure!(!pin.is_empty(), "--pin-file: {} is empty", path.display());
        return Ok(pin);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    let stty = |arg: &str| {
        // Echo off while the PIN is typed; if stty is missing the PIN still works, echoed.
        let _ = std::process::Command::new("stty").arg(arg).stdin(std::process::Stdio::inherit()).status();
    };
    if terminal {
        eprint!("PIN for staff {code}: ");
        let _ = std::io::stderr().flush();
        stty("-echo");
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        stty("echo");
        eprintln!();
    }
    read.context("cannot read the PIN from stdin")?;
    let pin = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(!pin.is_empty(), "no PIN for staff {code}: give --pin-file FILE or type it when asked");
    Ok(pin)
}
