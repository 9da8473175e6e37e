//! The counter devices in the store configuration: `[printer]`, `[scale]`, `[display]` and
//! `[scanner]`. Each is optional: a register without a printer still sells (receipts can be
//! shown, emailed or printed later), and every address is checked when the file is read.

use serde::Deserialize;
use toml::Spanned;

/// Where a bad device setting is: the field's span and what is wrong.
pub(crate) type FieldError = (std::ops::Range<usize>, String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PrinterSection {
    url: Spanned<String>,
    profile: Option<Spanned<String>>,
    columns: Option<Spanned<u16>>,
    code_page: Option<Spanned<String>>,
    #[serde(default)]
    kick_on_cash: bool,
    drawer_pin: Option<Spanned<u8>>,
    drawer_open_level: Option<Spanned<String>>,
    logo: Option<String>,
    stale_after_minutes: Option<Spanned<u32>>,
    stale_receipts: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScaleSection {
    port: String,
    tare_kg: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DisplaySection {
    url: Spanned<String>,
    protocol: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScannerSection {
    port: Option<String>,
    prefix: Option<String>,
    suffix: Option<Spanned<String>>,
    max_gap_ms: Option<u64>,
    min_length: Option<usize>,
}

/// The receipt printer (`[printer]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterConfig {
    /// Where it is: `tcp://HOST:PORT`, `serial:///dev/…[?baud=N]` or `usb://VID:PID`.
    pub url: String,
    /// Its profile (escpos-printer-db model id; `default` when not given).
    pub profile: String,
    /// Characters per line (the receipt width unless given; must fit the profile).
    pub columns: u16,
    /// Its code page (CP858 by default, else the first the profile has).
    pub code_page: String,
    /// Open the drawer after printing a sale paid partly in cash.
    pub kick_on_cash: bool,
    /// The drawer connector pin pulsed (2 or 5).
    pub drawer_pin: till_printer::DrawerPin,
    /// The drawer's sensor reads high when it is open (most drawers; some read low).
    pub drawer_open_high: bool,
    /// A logo printed above the header (PNG; relative to the data directory).
    pub logo: Option<String>,
    /// A receipt queued longer ago than this when the printer can print it (after a paper-out
    /// or an outage) is stale: `stale_receipts` says what happens to it. Seconds.
    pub stale_after_seconds: i64,
    /// What happens to a stale receipt.
    pub stale_receipts: StaleReceipts,
}

/// What the print worker does with a receipt that waited longer than
/// `printer.stale_after_minutes` (the customer has long gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaleReceipts {
    /// Print it, but without its drawer kick: the drawer never pops open unattended for
    /// a sale long done (`print_without_kick`, the default).
    #[default]
    PrintWithoutKick,
    /// Do not print it: it is marked dropped, and can be printed from the sale on demand
    /// (`drop`).
    Drop,
}

/// The default of `printer.stale_after_minutes`.
pub const STALE_AFTER_MINUTES: u32 = 15;

impl PrinterConfig {
    /// A printer named on the command line: `url`, and optionally its profile, code page and
    /// columns — checked exactly as a `[printer]` section is (`width`: the receipt's).
    pub fn from_options(
        url: &str,
        profile: Option<&str>,
        code_page: Option<&str>,
        columns: Option<u16>,
        width: u16,
    ) -> Result<PrinterConfig, String> {
        let mut table = toml::Table::new();
        table.insert("url".into(), url.into());
        if let Some(p) = profile {
            table.insert("profile".into(), p.into());
        }
        if let Some(c) = code_page {
            table.insert("code_page".into(), c.into());
        }
        if let Some(c) = columns {
            table.insert("columns".into(), i64::from(c).into());
        }
        let section: PrinterSection = toml::from_str(&table.to_string()).map_err(|e| e.message().to_string())?;
        printer(&section, width).map_err(|(_, message)| message)
    }

    /// Whether the drawer is open, from the printer's status and the drawer's sensor level.
    pub fn drawer_open(&self, status: &till_printer::PrinterStatus) -> bool {
        status.drawer_pin_high == self.drawer_open_high
    }

    /// The profile this printer was configured with (checked when the file was read).
    pub fn profile(&self) -> Result<&'static till_printer::Profile, till_printer::ProfileError> {
        till_printer::profile(&self.profile)
    }
}

/// The scale (`[scale]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleConfig {
    /// Its serial port (Toledo 8217 protocol).
    pub port: String,
    /// Subtracted from every weighing (the container the store weighs in), kilograms.
    pub tare_kg: rust_decimal::Decimal,
}

/// The customer display (`[display]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayConfig {
    /// Where it is: `serial:///dev/…[?baud=N]` or `tcp://HOST:PORT`.
    pub url: String,
    /// `cd5220` or `epson`.
    pub protocol: String,
}

/// The scanners (`[scanner]`): a serial one's port, and how keyboard-wedge scans are told
/// from typing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScannerConfig {
    /// A serial (USB CDC) scanner's port, if there is one.
    pub port: Option<String>,
    /// How the screen tells a wedge scanner from typing.
    pub wedge: till_barcode::WedgeConfig,
}

pub(super) fn printer(p: &PrinterSection, receipt_width: u16) -> Result<PrinterConfig, FieldError> {
    let url = p.url.get_ref().trim().to_string();
    till_printer::PrinterUrl::parse(&url).map_err(|e| (p.url.span(), format!("printer.url: {e}")))?;
    let (profile_name, profile) = match &p.profile {
        Some(s) => (
            s.get_ref().clone(),
            till_printer::profile(s.get_ref()).map_err(|e| (s.span(), format!("printer.profile: {e}")))?,
        ),
        None => ("default".to_string(), till_printer::profile("default").map_err(|e| (p.url.span(), e.to_string()))?),
    };
    let columns = match &p.columns {
        Some(c) if !matches!(*c.get_ref(), 32 | 42 | 48) => {
            return Err((c.span(), format!("printer.columns: {} must be 32 (58 mm), 42 or 48 (80 mm)", c.get_ref())));
        }
        Some(c) => *c.get_ref(),
        None => receipt_width.min(profile.columns[0].max(32)),
    };
    let at_columns = p.columns.as_ref().map_or(p.url.span(), |c| c.span());
    profile.font_for(columns).map_err(|e| (at_columns, format!("printer.columns: {e}")))?;
    let code_page = match &p.code_page {
        Some(c) => {
            profile.code_page(c.get_ref()).map_err(|e| (c.span(), format!("printer.code_page: {e}")))?;
            c.get_ref().to_ascii_uppercase()
        }
        None if profile.code_page("CP858").is_ok() => "CP858".to_string(),
        None => profile.code_pages.keys().next().cloned().unwrap_or_else(|| "CP437".to_string()),
    };
    let drawer_pin = match p.drawer_pin.as_ref().map(|n| (*n.get_ref(), n.span())) {
        None | Some((2, _)) => till_printer::DrawerPin::Pin2,
        Some((5, _)) => till_printer::DrawerPin::Pin5,
        Some((n, span)) => return Err((span, format!("printer.drawer_pin: {n} must be 2 or 5"))),
    };
    let drawer_open_high = match &p.drawer_open_level {
        None => true,
        Some(l) if l.get_ref() == "high" => true,
        Some(l) if l.get_ref() == "low" => false,
        Some(l) => return Err((l.span(), format!("printer.drawer_open_level: '{}' is not high or low", l.get_ref()))),
    };
    let stale_after_seconds = match &p.stale_after_minutes {
        None => i64::from(STALE_AFTER_MINUTES) * 60,
        Some(m) if *m.get_ref() == 0 || *m.get_ref() > 7 * 24 * 60 => {
            return Err((
                m.span(),
                format!("printer.stale_after_minutes: {} must be 1 to 10080 (a week)", m.get_ref()),
            ));
        }
        Some(m) => i64::from(*m.get_ref()) * 60,
    };
    let stale_receipts = match &p.stale_receipts {
        None => StaleReceipts::default(),
        Some(s) if s.get_ref() == "print_without_kick" => StaleReceipts::PrintWithoutKick,
        Some(s) if s.get_ref() == "drop" => StaleReceipts::Drop,
        Some(s) => {
            return Err((
                s.span(),
                format!("printer.stale_receipts: '{}' is not print_without_kick or drop", s.get_ref()),
            ));
        }
    };
    Ok(PrinterConfig {
        stale_after_seconds,
        stale_receipts,
        drawer_open_high,
        url,
        profile: profile_name,
        columns,
        code_page,
        kick_on_cash: p.kick_on_cash,
        drawer_pin,
        logo: p.logo.clone(),
    })
}

pub(super) fn scale(s: &ScaleSection) -> Result<ScaleConfig, FieldError> {
    let tare_kg = match &s.tare_kg {
        None => rust_decimal::Decimal::ZERO,
        Some(t) => {
            let v = rust_decimal::Decimal::from_str_exact(t.get_ref().trim())
                .ok()
                .filter(|v| !v.is_sign_negative())
                .ok_or_else(|| {
                    (t.span(), format!("scale.tare_kg: '{}' is not a weight in kg such as \"0.015\"", t.get_ref()))
                })?;
            v.normalize()
        }
    };
    Ok(ScaleConfig { port: s.port.clone(), tare_kg })
}

pub(super) fn display(d: &DisplaySection) -> Result<DisplayConfig, FieldError> {
    let url = d.url.get_ref().trim().to_string();
    if !(url.starts_with("serial://") || url.starts_with("tcp://")) {
        return Err((
            d.url.span(),
            format!("display.url '{url}': expected serial:///dev/PORT[?baud=N] or tcp://HOST:PORT"),
        ));
    }
    let protocol = match &d.protocol {
        None => "cd5220".to_string(),
        Some(p) if matches!(p.get_ref().as_str(), "cd5220" | "epson") => p.get_ref().clone(),
        Some(p) => return Err((p.span(), format!("display.protocol: '{}' is not cd5220 or epson", p.get_ref()))),
    };
    Ok(DisplayConfig { url, protocol })
}

pub(super) fn scanner(s: &ScannerSection) -> Result<ScannerConfig, FieldError> {
    let defaults = till_barcode::WedgeConfig::default();
    let suffix = match &s.suffix {
        None => defaults.suffix,
        Some(x) => {
            let mut chars = x.get_ref().chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err((
                        x.span(),
                        format!("scanner.suffix: {:?} must be one character (\"\\n\", \"\\t\")", x.get_ref()),
                    ));
                }
            }
        }
    };
    Ok(ScannerConfig {
        port: s.port.clone(),
        wedge: till_barcode::WedgeConfig {
            max_gap_ms: s.max_gap_ms.unwrap_or(defaults.max_gap_ms),
            min_length: s.min_length.unwrap_or(defaults.min_length),
            prefix: s.prefix.clone().unwrap_or(defaults.prefix),
            suffix,
        },
    })
}
