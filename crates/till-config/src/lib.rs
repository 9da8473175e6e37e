//! The store configuration (`store.toml`): store and register ids, currency, tax
//! classes and policy, cash rounding, time zone, receipt texts, devices. Errors name the
//! file, the line and the field. [`edit`] applies `KEY=VALUE` changes to the text and
//! splits the store's keys from one register's.
//!
//! Architecture invariant: pure — no I/O, no clock. The register and HQ validate with
//! this same code, so a configuration HQ accepts is one every register accepts.

use std::collections::BTreeMap;
use std::ops::Range;

use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::Deserialize;
use till_domain::{
    CashRounding, Currency, Denominations, Money, NoReceiptRefund, PriceBasis, ReturnRules, RoundingMode, SalesContext,
    TaxClass, TaxPolicy, TaxRounding,
};
use till_receipt::ReceiptLayout;
use toml::Spanned;

mod devices;
pub mod edit;
mod mail;
mod peers;
pub use devices::{DisplayConfig, PrinterConfig, STALE_AFTER_MINUTES, ScaleConfig, ScannerConfig, StaleReceipts};
pub use edit::{Edit, EditError, KeyScope};
pub use mail::{MAIL_GIVE_UP_AFTER_HOURS, MAIL_MAX_ATTEMPTS, MailConfig, SmtpSecurity};
pub use peers::{MAX_PEERS, PeersConfig};

/// A configuration that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    /// The file (or other source) name.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    store: Spanned<String>,
    register: Spanned<String>,
    currency: Spanned<String>,
    prices_include_tax: bool,
    tax_rounding: Spanned<String>,
    rounding_mode: Spanned<String>,
    cash_rounding: Option<Spanned<String>>,
    tax_classes: Spanned<BTreeMap<String, Spanned<String>>>,
    default_tax_class: Spanned<String>,
    exempt_tax_class: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    location: Option<String>,
    channel: Option<String>,
    region: Option<String>,
    #[serde(default)]
    custom_tenders: Vec<String>,
    #[serde(default)]
    receipt: ReceiptSection,
    #[serde(default)]
    returns: ReturnsSection,
    #[serde(default)]
    permissions: PermissionsSection,
    denominations: Option<Spanned<Vec<String>>>,
    min_free_space_mb: Option<u64>,
    printer: Option<devices::PrinterSection>,
    scale: Option<devices::ScaleSection>,
    display: Option<devices::DisplaySection>,
    scanner: Option<devices::ScannerSection>,
    mail: Option<mail::MailSection>,
    #[serde(default)]
    retention: RetentionSection,
    #[serde(default)]
    peers: peers::PeersSection,
    #[serde(default)]
    aisle: AisleSection,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AisleSection {
    stock_refresh_minutes: Option<Spanned<u32>>,
}

/// How often an enrolled register asks HQ what changed in the chain's stock (`[aisle]
/// stock_refresh_minutes`, 1 to 1440, default 5), after a sync round; opening the Aisle
/// screen (or `till aisle refresh`) asks at once.
pub const DEFAULT_STOCK_REFRESH_MINUTES: u32 = 5;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RetentionSection {
    print_jobs_days: Option<Spanned<u32>>,
    mail_days: Option<Spanned<u32>>,
    orders_days: Option<Spanned<u32>>,
}

/// How long the register keeps its finished outbox rows (`[retention]`), in days after
/// each finished. Housekeeping deletes them past that; what a report, the journal or a
/// reprint reads is never in these tables' prunable rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Printed reprints and skipped or dropped print jobs (`print_jobs_days`, default 30).
    /// A printed original is kept: a later print of its receipt is a DUPLICATE.
    pub print_jobs_days: u32,
    /// Sent and failed mail (`mail_days`, default 90).
    pub mail_days: u32,
    /// Sent and failed endless-aisle orders (`orders_days`, default 180).
    pub orders_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { print_jobs_days: 30, mail_days: 90, orders_days: 180 }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReturnsSection {
    window_days: Option<u32>,
    #[serde(default)]
    category_window_days: BTreeMap<String, u32>,
    #[serde(default)]
    final_sale_categories: Vec<String>,
    #[serde(default)]
    restocking_fee_percent: BTreeMap<String, Spanned<String>>,
    fee_exempt_reasons: Option<Spanned<Vec<String>>>,
    reasons: Option<Vec<String>>,
    no_receipt_refund: Option<Spanned<String>>,
    no_receipt_price_days: Option<u32>,
    peer_sales_days: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PermissionsSection {
    discount_threshold_percent: Option<Spanned<String>>,
    refund_threshold: Option<Spanned<String>>,
    close_difference_threshold: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReceiptSection {
    #[serde(default)]
    header: Vec<String>,
    #[serde(default)]
    footer: Vec<String>,
    width: Option<Spanned<u32>>,
}

/// A register's validated configuration.
#[derive(Debug, Clone)]
pub struct RegisterConfig {
    /// Store id.
    pub store: String,
    /// Register id, the prefix of its receipt numbers.
    pub register: String,
    /// The currency.
    pub currency: Currency,
    /// Tax basis, rounding place and mode.
    pub policy: TaxPolicy,
    /// Cash rounding, when the store rounds cash.
    pub cash_rounding: Option<CashRounding>,
    /// Tax classes by name.
    pub tax_classes: Vec<TaxClass>,
    /// Class for items naming none.
    pub default_tax_class: String,
    /// Class for tax-exempt items (Shopify `Variant Taxable` = FALSE).
    pub exempt_tax_class: Option<String>,
    /// The store's IANA time zone name.
    pub timezone_name: String,
    /// The store's time zone: business days and printed times are local to it.
    pub timezone: TimeZone,
    /// The stock location this register sells from.
    pub location: String,
    /// Channel and region for price lists.
    pub sales_context: SalesContext,
    /// Names of store-defined tenders (voucher, cheque…).
    pub custom_tenders: Vec<String>,
    /// Receipt texts and width.
    pub receipt: ReceiptLayout,
    /// Return windows, final sale, restocking fees, reasons, no-receipt refunds.
    pub returns: ReturnRules,
    /// Thresholds that make an action sensitive.
    pub thresholds: Thresholds,
    /// The notes and coins a drawer is counted in.
    pub denominations: Denominations,
    /// Sales are refused when less disk space than this is free, instead of failing
    /// mid-sale (bytes).
    pub min_free_space: u64,
    /// The receipt printer, if one is configured.
    pub printer: Option<PrinterConfig>,
    /// The scale, if one is configured.
    pub scale: Option<ScaleConfig>,
    /// The customer display, if one is configured.
    pub display: Option<DisplayConfig>,
    /// The scanners' settings (defaults when not configured).
    pub scanner: ScannerConfig,
    /// The SMTP server customer mail goes through, if one is configured.
    pub mail: Option<MailConfig>,
    /// How long finished outbox rows are kept.
    pub retention: Retention,
    /// The store peers this register serves and syncs with on the LAN.
    pub peers: PeersConfig,
    /// Minutes between chain-stock refreshes after sync rounds ([`DEFAULT_STOCK_REFRESH_MINUTES`]).
    pub stock_refresh_minutes: u32,
}

/// Amounts above which an action needs its permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A discount above this percent of what it discounts.
    pub discount_percent: Decimal,
    /// A refund above this amount.
    pub refund: Money,
    /// A drawer count off by more than this amount.
    pub close_difference: Money,
}

impl RegisterConfig {
    /// Parses and validates a configuration; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<RegisterConfig, ConfigError> {
        let err = |span: Option<Range<usize>>, message: String| ConfigError {
            file: source.to_string(),
            line: span.map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1),
            message,
        };
        let file: ConfigFile = toml::from_str(text).map_err(|e| err(e.span(), e.message().trim().to_string()))?;
        let at = |s: &Spanned<String>, field: &str, reason: String| err(Some(s.span()), format!("{field}: {reason}"));

        let id = |s: &Spanned<String>, field: &str| {
            let v = s.get_ref().trim();
            let ok =
                !v.is_empty() && v.len() <= 16 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if ok {
                Ok(v.to_string())
            } else {
                Err(at(s, field, format!("'{v}' must be 1-16 letters, digits, '-' or '_'")))
            }
        };
        let store = id(&file.store, "store")?;
        let register = id(&file.register, "register")?;
        let currency =
            Currency::from_code(file.currency.get_ref().trim()).map_err(|r| at(&file.currency, "currency", r))?;
        let rounding: TaxRounding =
            file.tax_rounding.get_ref().parse().map_err(|r| at(&file.tax_rounding, "tax_rounding", r))?;
        let mode: RoundingMode =
            file.rounding_mode.get_ref().parse().map_err(|r| at(&file.rounding_mode, "rounding_mode", r))?;

        let mut tax_classes = Vec::new();
        for (name, rate) in file.tax_classes.get_ref() {
            let field = format!("tax_classes.{name}");
            if name.contains('/') || name.trim().is_empty() {
                return Err(at(rate, &field, format!("'{name}' is not a usable class name (no '/', not blank)")));
            }
            let value = Decimal::from_str_exact(rate.get_ref().trim()).map_err(|_| {
                at(
                    rate,
                    &field,
                    format!("'{}' is not a rate in percent (write e.g. \"19\" or \"7.7\")", rate.get_ref()),
                )
            })?;
            if value < Decimal::ZERO || value >= Decimal::ONE_HUNDRED {
                return Err(at(rate, &field, format!("{value} must be at least 0 and below 100")));
            }
            tax_classes.push(TaxClass { name: name.clone(), rate: value });
        }
        if tax_classes.is_empty() {
            return Err(err(Some(file.tax_classes.span()), "tax_classes: at least one class is needed".into()));
        }
        let known = |s: &Spanned<String>, field: &str| {
            let name = s.get_ref().trim();
            if tax_classes.iter().any(|c| c.name == name) {
                Ok(name.to_string())
            } else {
                let names: Vec<&str> = tax_classes.iter().map(|c| c.name.as_str()).collect();
                Err(at(s, field, format!("'{name}' is not one of the tax classes ({})", names.join(", "))))
            }
        };
        let default_tax_class = known(&file.default_tax_class, "default_tax_class")?;
        let exempt_tax_class = file.exempt_tax_class.as_ref().map(|s| known(s, "exempt_tax_class")).transpose()?;

        let cash_rounding = match &file.cash_rounding {
            None => None,
            Some(s) => {
                let inc = Decimal::from_str_exact(s.get_ref().trim()).map_err(|_| {
                    at(s, "cash_rounding", format!("'{}' is not an amount such as \"0.05\"", s.get_ref()))
                })?;
                if inc <= Decimal::ZERO || inc.normalize().scale() > currency.minor_units() {
                    return Err(at(
                        s,
                        "cash_rounding",
                        format!("{inc} must be positive and a multiple of the minor unit"),
                    ));
                }
                Some(CashRounding { increment: inc, mode })
            }
        };
        let (timezone_name, timezone) = match &file.timezone {
            None => ("UTC".to_string(), TimeZone::UTC),
            Some(s) => {
                let tz = TimeZone::get(s.get_ref().trim())
                    .map_err(|e| at(s, "timezone", format!("'{}' is not a known IANA time zone ({e})", s.get_ref())))?;
                (s.get_ref().trim().to_string(), tz)
            }
        };
        let width = match &file.receipt.width {
            None => 42,
            Some(w) if matches!(*w.get_ref(), 32 | 42 | 48) => *w.get_ref() as usize,
            Some(w) => {
                return Err(err(
                    Some(w.span()),
                    format!("receipt.width: {} must be 32 (58 mm), 42 or 48 (80 mm)", w.get_ref()),
                ));
            }
        };
        let amount = |s: &Spanned<String>, field: &str| {
            currency.parse_amount(s.get_ref()).map_err(|e| at(s, field, e.to_string()))
        };
        let percent = |s: &Spanned<String>, field: &str| -> Result<Decimal, ConfigError> {
            let v = Decimal::from_str_exact(s.get_ref().trim())
                .map_err(|_| at(s, field, format!("'{}' is not a percentage such as \"10\"", s.get_ref())))?;
            if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
                return Err(at(s, field, format!("{v} is not between 0 and 100")));
            }
            Ok(v)
        };
        let p = &file.permissions;
        let thresholds = Thresholds {
            discount_percent: p
                .discount_threshold_percent
                .as_ref()
                .map_or(Ok(Decimal::TEN), |s| percent(s, "permissions.discount_threshold_percent"))?,
            refund: p
                .refund_threshold
                .as_ref()
                .map_or(Ok(Money::new(Decimal::ONE_HUNDRED)), |s| amount(s, "permissions.refund_threshold"))?,
            close_difference: p
                .close_difference_threshold
                .as_ref()
                .map_or(Ok(Money::new(Decimal::new(5, 0))), |s| amount(s, "permissions.close_difference_threshold"))?,
        };
        let r = file.returns;
        let defaults = ReturnRules::default();
        let mut fees = BTreeMap::new();
        for (category, fee) in &r.restocking_fee_percent {
            fees.insert(category.clone(), percent(fee, &format!("returns.restocking_fee_percent.{category}"))?);
        }
        let no_receipt_refund = match &r.no_receipt_refund {
            None => defaults.no_receipt_refund,
            Some(s) => match s.get_ref().as_str() {
                "store_credit" => NoReceiptRefund::StoreCreditOnly,
                "any" => NoReceiptRefund::Any,
                other => {
                    return Err(at(s, "returns.no_receipt_refund", format!("'{other}' is not store_credit or any")));
                }
            },
        };
        let reasons = r.reasons.unwrap_or(defaults.reasons);
        let fee_exempt_reasons = match &r.fee_exempt_reasons {
            None => defaults.fee_exempt_reasons.into_iter().filter(|e| reasons.contains(e)).collect(),
            Some(list) => {
                if let Some(unknown) = list.get_ref().iter().find(|e| !reasons.contains(e)) {
                    let known = reasons.join(", ");
                    let reason = format!("returns.fee_exempt_reasons: '{unknown}' is not a reason ({known})");
                    return Err(err(Some(list.span()), reason));
                }
                list.get_ref().clone()
            }
        };
        let returns = ReturnRules {
            window_days: r.window_days.unwrap_or(defaults.window_days),
            category_window_days: r.category_window_days,
            final_sale_categories: r.final_sale_categories,
            restocking_fee_percent: fees,
            fee_exempt_reasons,
            reasons,
            no_receipt_refund,
            no_receipt_price_days: r.no_receipt_price_days.unwrap_or(defaults.no_receipt_price_days),
            peer_sales_days: r.peer_sales_days.unwrap_or(defaults.peer_sales_days),
        };
        let denominations = match &file.denominations {
            Some(list) => Denominations::parse(list.get_ref())
                .map_err(|e| err(Some(list.span()), format!("denominations: {e}")))?,
            None => Denominations::for_currency(currency.code()).ok_or_else(|| {
                err(
                    Some(file.currency.span()),
                    format!("no built-in notes and coins for {}; list them under `denominations`", currency.code()),
                )
            })?,
        };
        let located = |(span, message): devices::FieldError| err(Some(span), message);
        let printer = file.printer.as_ref().map(|p| devices::printer(p, width as u16).map_err(&located)).transpose()?;
        let scale = file.scale.as_ref().map(|s| devices::scale(s).map_err(&located)).transpose()?;
        let display = file.display.as_ref().map(|d| devices::display(d).map_err(&located)).transpose()?;
        let scanner =
            file.scanner.as_ref().map(|s| devices::scanner(s).map_err(&located)).transpose()?.unwrap_or_default();
        let mail = file.mail.as_ref().map(|m| mail::mail(m, &store).map_err(&located)).transpose()?;
        let days = |d: &Option<Spanned<u32>>, field: &str, default: u32| match d {
            None => Ok(default),
            Some(d) if (1..=3650).contains(d.get_ref()) => Ok(*d.get_ref()),
            Some(d) => Err(err(Some(d.span()), format!("retention.{field}: {} must be 1 to 3650 days", d.get_ref()))),
        };
        let defaults = Retention::default();
        let r = &file.retention;
        let retention = Retention {
            print_jobs_days: days(&r.print_jobs_days, "print_jobs_days", defaults.print_jobs_days)?,
            mail_days: days(&r.mail_days, "mail_days", defaults.mail_days)?,
            orders_days: days(&r.orders_days, "orders_days", defaults.orders_days)?,
        };
        let peers = peers::peers(&file.peers).map_err(&located)?;
        let stock_refresh_minutes = match &file.aisle.stock_refresh_minutes {
            None => DEFAULT_STOCK_REFRESH_MINUTES,
            Some(m) if (1..=1440).contains(m.get_ref()) => *m.get_ref(),
            Some(m) => {
                return Err(err(
                    Some(m.span()),
                    format!("aisle.stock_refresh_minutes: {} must be 1 to 1440 minutes", m.get_ref()),
                ));
            }
        };
        Ok(RegisterConfig {
            peers,
            stock_refresh_minutes,
            retention,
            mail,
            printer,
            scale,
            display,
            scanner,
            returns,
            thresholds,
            denominations,
            min_free_space: file.min_free_space_mb.unwrap_or(64) * 1024 * 1024,
            store,
            register,
            policy: TaxPolicy {
                basis: if file.prices_include_tax { PriceBasis::TaxInclusive } else { PriceBasis::TaxExclusive },
                rounding,
                mode,
                minor_units: currency.minor_units(),
            },
            currency,
            cash_rounding,
            tax_classes,
            default_tax_class,
            exempt_tax_class,
            timezone_name,
            timezone: timezone.clone(),
            location: file.location.unwrap_or_else(|| "store".to_string()),
            sales_context: SalesContext {
                channel: Some(file.channel.unwrap_or_else(|| "store".to_string())),
                region: file.region,
            },
            custom_tenders: file.custom_tenders,
            receipt: ReceiptLayout { width, header: file.receipt.header, footer: file.receipt.footer, timezone },
        })
    }

    /// The tax class named `name`.
    pub fn tax_class(&self, name: &str) -> Option<&TaxClass> {
        self.tax_classes.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
store = "S1"
register = "R1"
currency = "EUR"
prices_include_tax = true
tax_rounding = "line"
rounding_mode = "half_up"
cash_rounding = "0.05"
default_tax_class = "standard"

[tax_classes]
standard = "19"
reduced = "7"
"#;

    #[test]
    fn a_good_config_parses() {
        let c = RegisterConfig::parse(GOOD, "store.toml").unwrap();
        assert_eq!(c.register, "R1");
        assert_eq!(c.policy.basis, PriceBasis::TaxInclusive);
        assert_eq!(c.cash_rounding.unwrap().increment.to_string(), "0.05");
        assert_eq!(c.tax_class("reduced").unwrap().rate.to_string(), "7");
        assert_eq!(c.receipt.width, 42);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let bad_rate = GOOD.replace("reduced = \"7\"", "reduced = \"7%\"");
        let e = RegisterConfig::parse(&bad_rate, "store.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "store.toml:13: tax_classes.reduced: '7%' is not a rate in percent (write e.g. \"19\" or \"7.7\")"
        );
        let bad_mode = GOOD.replace("half_up", "up");
        let e = RegisterConfig::parse(&bad_mode, "store.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "store.toml:7: rounding_mode: unknown rounding mode 'up' (expected half_up or half_even)"
        );
        let unknown = format!("printr = \"x\"{GOOD}");
        let e = RegisterConfig::parse(&unknown, "store.toml").unwrap_err();
        assert!(e.to_string().starts_with("store.toml:1"), "{e}");
        assert!(e.message.contains("unknown field `printr`"), "{e}");
        let missing = GOOD.replace("currency = \"EUR\"\n", "");
        let e = RegisterConfig::parse(&missing, "store.toml").unwrap_err();
        assert!(e.message.contains("missing field `currency`"), "{e}");
        let class = GOOD.replace("default_tax_class = \"standard\"", "default_tax_class = \"food\"");
        let e = RegisterConfig::parse(&class, "store.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "store.toml:9: default_tax_class: 'food' is not one of the tax classes (reduced, standard)"
        );
    }

    #[test]
    fn device_sections_are_checked_where_they_are_written() {
        let with = |extra: &str| RegisterConfig::parse(&format!("{GOOD}\n{extra}"), "store.toml");
        let c = with("[printer]\nurl = \"usb://04b8:0e28\"\nprofile = \"ZJ-5870\"\ndrawer_pin = 5\n").unwrap();
        let p = c.printer.unwrap();
        assert_eq!((p.columns, p.code_page.as_str()), (32, "CP437"), "58 mm: 32 columns, its first page");
        assert_eq!(p.drawer_pin, till_printer::DrawerPin::Pin5);
        let c = with("[printer]\nurl = \"serial:///dev/ttyS0?baud=19200\"\nprofile = \"TM-T20III\"\n").unwrap();
        assert_eq!((c.printer.as_ref().unwrap().columns, c.printer.unwrap().code_page.as_str()), (42, "CP858"));
        let errors = [
            ("[printer]\nurl = \"lpt://1\"\n", 16, "printer.url"),
            ("[printer]\nurl = \"tcp://p:9100\"\nprofile = \"TM-X\"\n", 17, "known profiles"),
            ("[printer]\nurl = \"tcp://p:9100\"\nprofile = \"ZJ-5870\"\ncolumns = 48\n", 18, "at most 32 columns"),
            ("[printer]\nurl = \"tcp://p:9100\"\nprofile = \"TM-m30III\"\ncode_page = \"CP858\"\n", 18, "no code page"),
            ("[printer]\nurl = \"tcp://p:9100\"\ncode_page = \"CP999\"\n", 17, "no code page 'CP999'"),
            ("[printer]\nurl = \"tcp://p:9100\"\ndrawer_pin = 3\n", 17, "must be 2 or 5"),
            ("[scale]\nport = \"/dev/ttyUSB1\"\ntare_kg = \"-1\"\n", 17, "scale.tare_kg"),
            ("[display]\nurl = \"/dev/ttyUSB2\"\n", 16, "display.url"),
            ("[display]\nurl = \"tcp://pole:4000\"\nprotocol = \"vfd\"\n", 17, "cd5220 or epson"),
            ("[scanner]\nsuffix = \"ab\"\n", 16, "one character"),
        ];
        for (extra, line, says) in errors {
            let e = with(extra).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(says), "{extra}: {e}");
        }
        let c = with(
            "[scale]\nport = \"/dev/ttyUSB1\"\ntare_kg = \"0.015\"\n[scanner]\nprefix = \"~\"\nsuffix = \"\\t\"\n",
        )
        .unwrap();
        assert_eq!(c.scale.unwrap().tare_kg.to_string(), "0.015");
        assert_eq!((c.scanner.wedge.prefix.as_str(), c.scanner.wedge.suffix), ("~", '\t'));
    }

    #[test]
    fn peers_are_off_by_default_and_checked_where_written() {
        let with = |extra: &str| RegisterConfig::parse(&format!("{GOOD}\n{extra}"), "store.toml");
        assert_eq!(with("").unwrap().peers, PeersConfig::default());
        let c =
            with("[peers]\nlisten = \"0.0.0.0:7879\"\nurls = [\"https://r2.lan:7879/\", \"https://10.0.0.3:7879\"]\n")
                .unwrap();
        assert_eq!(c.peers.listen, Some("0.0.0.0:7879".parse().unwrap()));
        assert_eq!(c.peers.urls, ["https://r2.lan:7879", "https://10.0.0.3:7879"]);
        for (extra, says) in [
            ("[peers]\nlisten = \"r2.lan\"\n", "peers.listen: 'r2.lan' is not an address and port"),
            ("[peers]\nurls = [\"http://r2.lan:7879\"]\n", "peers.urls: 'http://r2.lan:7879' is not a peer's"),
            ("[peers]\nurls = [\"https://\"]\n", "is not a peer's https://host:port"),
            ("[peers]\nport = 7879\n", "unknown field `port`"),
        ] {
            let e = with(extra).unwrap_err();
            assert!(e.message.contains(says) && e.line > 1, "{extra}: {e}");
        }
        let many: Vec<String> = (0..=MAX_PEERS).map(|i| format!("\"https://r{i}.lan:7879\"")).collect();
        let e = with(&format!("[peers]\nurls = [{}]\n", many.join(", "))).unwrap_err();
        assert!(e.message.contains("at most 16 peers"), "{e}");
    }

    #[test]
    fn queue_lifecycles_and_retention_have_defaults_and_are_checked_where_written() {
        let with = |extra: &str| RegisterConfig::parse(&format!("{GOOD}\n{extra}"), "store.toml");
        let c = with(
            "[printer]\nurl = \"tcp://p:9100\"\n[mail]\nsmtp = \"smtp://relay.lan\"\nfrom = \"shop@example.com\"\n",
        )
        .unwrap();
        let p = c.printer.unwrap();
        assert_eq!((p.stale_after_seconds, p.stale_receipts), (15 * 60, StaleReceipts::PrintWithoutKick));
        let m = c.mail.unwrap();
        assert_eq!((m.max_attempts, m.give_up_after_seconds), (10, 48 * 3600));
        assert_eq!(c.retention, Retention { print_jobs_days: 30, mail_days: 90, orders_days: 180 });
        assert_eq!(c.stock_refresh_minutes, DEFAULT_STOCK_REFRESH_MINUTES);
        assert_eq!(with("[aisle]\nstock_refresh_minutes = 60\n").unwrap().stock_refresh_minutes, 60);
        let c = with(
            "[printer]\nurl = \"tcp://p:9100\"\nstale_after_minutes = 5\nstale_receipts = \"drop\"\n\
             [retention]\nprint_jobs_days = 7\nmail_days = 14\norders_days = 365\n",
        )
        .unwrap();
        assert_eq!(
            (c.printer.as_ref().unwrap().stale_after_seconds, c.printer.unwrap().stale_receipts),
            (300, StaleReceipts::Drop)
        );
        assert_eq!(c.retention, Retention { print_jobs_days: 7, mail_days: 14, orders_days: 365 });
        let errors = [
            ("[printer]\nurl = \"tcp://p:9100\"\nstale_after_minutes = 0\n", 17, "printer.stale_after_minutes: 0"),
            ("[printer]\nurl = \"tcp://p:9100\"\nstale_receipts = \"kick\"\n", 17, "print_without_kick or drop"),
            (
                "[mail]\nsmtp = \"smtp://relay.lan\"\nfrom = \"shop@example.com\"\nmax_attempts = 0\n",
                18,
                "mail.max_attempts: 0",
            ),
            (
                "[mail]\nsmtp = \"smtp://relay.lan\"\nfrom = \"shop@example.com\"\ngive_up_after_hours = 9999\n",
                18,
                "mail.give_up_after_hours: 9999",
            ),
            ("[retention]\nmail_days = 0\n", 16, "retention.mail_days: 0 must be 1 to 3650 days"),
            ("[aisle]\nstock_refresh_minutes = 0\n", 16, "aisle.stock_refresh_minutes: 0 must be 1 to 1440 minutes"),
            ("[retention]\nsales_days = 10\n", 16, "unknown field `sales_days`"),
        ];
        for (extra, line, says) in errors {
            let e = with(extra).unwrap_err();
            assert_eq!(e.line, line, "{extra}: {e}");
            assert!(e.message.contains(says), "{extra}: {e}");
        }
    }

    #[test]
    fn the_mail_section_is_checked_where_it_is_written() {
        let with = |extra: &str| RegisterConfig::parse(&format!("{GOOD}\n{extra}"), "store.toml");
        assert!(with("").unwrap().mail.is_none(), "no [mail]: no mail is sent");
        let c = with("[mail]\nsmtp = \"smtp://relay.lan\"\nfrom = \"Harbour & Co <shop@example.com>\"\n").unwrap();
        let m = c.mail.unwrap();
        assert_eq!((m.security, m.host.as_str(), m.port), (SmtpSecurity::Plain, "relay.lan", 25));
        assert_eq!(m.store_name, "Harbour & Co", "the sender's name when no store_name is set");
        assert_eq!((m.username, m.password_file, m.store_address), (None, None, None));
        let c = with(
            "[mail]\nsmtp = \"smtp+starttls://mail.example.com:587\"\nfrom = \"shop@example.com\"\n\
             username = \"shop\"\npassword_file = \"smtp-password\"\nstore_address = \"Prinsengracht 1, Amsterdam\"\n",
        )
        .unwrap();
        let m = c.mail.unwrap();
        assert_eq!((m.security, m.port, m.store_name.as_str()), (SmtpSecurity::StartTls, 587, "S1"));
        assert_eq!((m.username.as_deref(), m.password_file.as_deref()), (Some("shop"), Some("smtp-password")));
        assert_eq!(m.store_address.as_deref(), Some("Prinsengracht 1, Amsterdam"));
        let from = "from = \"Harbour & Co <shop@example.com>\"\n";
        let errors = [
            (
                "[mail]\nsmtp = \"mail.example.com:25\"\n".to_string() + from,
                16,
                "mail.smtp: 'mail.example.com:25': expected",
            ),
            ("[mail]\nsmtp = \"imap://mail.example.com\"\n".to_string() + from, 16, "unknown scheme 'imap'"),
            (
                "[mail]\nsmtp = \"smtps://shop:secret@mail.example.com\"\n".to_string() + from,
                16,
                "must not carry credentials",
            ),
            ("[mail]\nsmtp = \"smtps://mail.example.com:99999\"\n".to_string() + from, 16, "port '99999'"),
            (
                "[mail]\nsmtp = \"smtp://relay.lan\"\nfrom = \"Harbour & Co\"\n".into(),
                17,
                "mail.from: 'Harbour & Co' is not a mailbox",
            ),
            (
                "[mail]\nsmtp = \"smtps://m.example.com\"\n".to_string() + from + "username = \"shop\"\n",
                18,
                "set password_file too",
            ),
            (
                "[mail]\nsmtp = \"smtps://m.example.com\"\n".to_string() + from + "password_file = \"pw\"\n",
                18,
                "set username too",
            ),
            (
                "[mail]\nsmtp = \"smtp://relay.lan\"\n".to_string()
                    + from
                    + "username = \"shop\"\npassword_file = \"pw\"\n",
                18,
                "in the clear",
            ),
            (
                "[mail]\nsmtp = \"smtp://relay.lan\"\n".to_string() + from + "store_name = \" \"\n",
                18,
                "mail.store_name",
            ),
            ("[mail]\nsmtp = \"smtp://relay.lan\"\n".to_string() + from + "port = 25\n", 18, "unknown field `port`"),
            ("[mail]\nfrom = \"shop@example.com\"\n".into(), 15, "missing field `smtp`"),
        ];
        for (extra, line, says) in errors {
            let e = with(&extra).unwrap_err();
            assert_eq!((e.file.as_str(), e.line), ("store.toml", line), "{extra}: {e}");
            assert!(e.message.contains(says), "{extra}: {e}");
        }
    }
}
