//! Who and where: what the window needs to start, the signed-in staff member, and how a
//! keyboard-wedge scanner is told from typing.

use serde::Serialize;
use ts_rs::TS;

/// A signed-in staff member.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OperatorView {
    pub code: String,
    pub name: String,
    pub role: String,
}

impl From<&till_register::Operator> for OperatorView {
    fn from(o: &till_register::Operator) -> Self {
        OperatorView { code: o.code.clone(), name: o.name.clone(), role: o.role.name.clone() }
    }
}

/// How keyboard-wedge scans are told from typing (the store's `[scanner]` timing).
#[derive(Debug, Clone, Serialize, TS)]
pub struct WedgeView {
    /// The longest gap between two keys of one scan.
    pub max_gap_ms: u64,
    /// The fewest characters of a scan.
    pub min_length: usize,
    /// What the scanner sends before a code.
    pub prefix: String,
    /// The key that ends a scan.
    pub suffix: String,
}

impl From<&till_barcode::WedgeConfig> for WedgeView {
    fn from(w: &till_barcode::WedgeConfig) -> Self {
        WedgeView {
            max_gap_ms: w.max_gap_ms,
            min_length: w.min_length,
            prefix: w.prefix.clone(),
            suffix: w.suffix.to_string(),
        }
    }
}

/// What the window needs to start.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SessionView {
    /// Store id (none before setup).
    pub store: Option<String>,
    /// Register id.
    pub register: Option<String>,
    /// The data directory.
    pub data_dir: String,
    /// The app's version.
    pub version: String,
    /// Kiosk mode.
    pub kiosk: bool,
    /// The screen's locale (BCP 47).
    pub locale: String,
    /// The store's currency.
    pub currency: Option<String>,
    /// The data directory holds no register yet: offer to create one or enroll.
    pub needs_setup: bool,
    /// Who is signed in.
    pub operator: Option<OperatorView>,
    /// Scanner timing.
    pub wedge: WedgeView,
}

/// What a burst of keys was: typing, or a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KeyEvent {
    /// `typed` or `scanned`.
    #[ts(type = "'typed' | 'scanned'")]
    pub kind: &'static str,
    /// The text.
    pub text: String,
}
