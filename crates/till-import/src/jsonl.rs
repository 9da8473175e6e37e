//! Till's JSON-lines catalog format: one JSON object per line, `"type"` saying what it
//! holds (`product`, `price`, `promotion`). Decimals are strings so they stay exact.
//! The format is documented in `docs/catalog-format.md`.

use std::io::{BufRead, BufReader, Read};

use jiff::Timestamp;
use serde::Deserialize;
use till_domain::{
    Component, Discount, OptionValue, PriceListEntry, Product, Promotion, PromotionRule, Quantity, Target, Unit,
    Variant,
};

use crate::fields::{self, SeenKeys};
use crate::{Entry, ImportError, ImportOptions, Record, RowError, RowWarning};

/// Just the `type` of a line, read first so the record itself is then parsed directly
/// (internally tagged enums would lose serde_json's column numbers).
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductLine {
    #[serde(rename = "type")]
    _type: String,
    handle: String,
    title: String,
    category: Option<String>,
    vendor: Option<String>,
    #[serde(default = "yes")]
    active: bool,
    #[serde(default)]
    final_sale: bool,
    return_days: Option<u32>,
    variants: Vec<VariantLine>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantLine {
    sku: String,
    #[serde(default)]
    options: Vec<OptionLine>,
    #[serde(default)]
    barcodes: Vec<String>,
    price: String,
    cost: Option<String>,
    unit: Option<String>,
    tax_class: Option<String>,
    #[serde(default)]
    components: Vec<ComponentLine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionLine {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentLine {
    sku: String,
    quantity: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PriceLine {
    #[serde(rename = "type")]
    _type: String,
    list: String,
    sku: String,
    price: String,
    channel: Option<String>,
    region: Option<String>,
    from: String,
    to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PromotionLine {
    #[serde(rename = "type")]
    _type: String,
    id: String,
    name: String,
    rule: RuleLine,
    coupon: Option<String>,
    starts: Option<String>,
    ends: Option<String>,
    #[serde(default)]
    priority: i32,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum RuleLine {
    PercentOff { target: TargetLine, percent: String },
    AmountOff { target: TargetLine, amount: String },
    BuyXGetY { buy: TargetLine, buy_quantity: u32, get: TargetLine, get_quantity: u32, percent: Option<String> },
    MixAndMatch { target: TargetLine, quantity: u32, price: String },
    SpendThreshold { threshold: String, percent: Option<String>, amount: Option<String> },
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum TargetLine {
    All,
    Skus(Vec<String>),
    Categories(Vec<String>),
}

/// Streams a JSON-lines catalog as [`Entry`] values.
pub struct JsonLinesReader<R: Read> {
    lines: std::io::Lines<BufReader<R>>,
    options: ImportOptions,
    seen: SeenKeys,
    line: u64,
    pending: Vec<Entry>,
}

impl<R: Read> JsonLinesReader<R> {
    /// Prepares to stream `input`.
    pub fn new(input: R, options: ImportOptions) -> Self {
        JsonLinesReader {
            lines: BufReader::new(input).lines(),
            options,
            seen: SeenKeys::default(),
            line: 0,
            pending: Vec::new(),
        }
    }

    fn parse(&mut self, text: &str) -> Result<(Record, Vec<String>), (Option<String>, String)> {
        let json = |e: serde_json::Error| (None, json_reason(&e));
        let kind: Kind = serde_json::from_str(text).map_err(json)?;
        match kind.kind.as_deref() {
            Some("product") => self.product(serde_json::from_str(text).map_err(json)?),
            Some("price") => Ok((Record::Price(self.price(serde_json::from_str(text).map_err(json)?)?), Vec::new())),
            Some("promotion") => {
                let line = serde_json::from_str(text).map_err(json)?;
                Ok((Record::Promotion(promotion(line, self.options.minor_units)?), Vec::new()))
            }
            Some(other) => Err((
                Some("type".into()),
                format!("unknown record type '{other}' (expected product, price or promotion)"),
            )),
            None => {
                Err((Some("type".into()), "missing; every line needs \"type\": product, price or promotion".into()))
            }
        }
    }

    fn product(&mut self, p: ProductLine) -> Result<(Record, Vec<String>), (Option<String>, String)> {
        let field = |name: &str| Some(name.to_string());
        if p.handle.trim().is_empty() {
            return Err((field("handle"), "is empty".into()));
        }
        if p.title.trim().is_empty() {
            return Err((field("title"), "is empty".into()));
        }
        if p.variants.is_empty() {
            return Err((field("variants"), "a product needs at least one variant".into()));
        }
        let mut warnings = Vec::new();
        let mut variants = Vec::new();
        for (i, v) in p.variants.into_iter().enumerate() {
            let at = |name: &str| Some(format!("variants[{i}].{name}"));
            let sku = fields::sku(&v.sku).map_err(|r| (at("sku"), r))?;
            let unit: Unit = v.unit.as_deref().unwrap_or("each").parse().map_err(|r| (at("unit"), r))?;
            let price = fields::amount(&v.price, self.options.minor_units).map_err(|r| (at("price"), r))?;
            let cost = v
                .cost
                .as_deref()
                .map(|c| fields::amount(c, self.options.minor_units))
                .transpose()
                .map_err(|r| (at("cost"), r))?;
            let tax_class = fields::tax_class(v.tax_class.as_deref().unwrap_or(""), &self.options)
                .map_err(|r| (at("tax_class"), r))?;
            let mut barcodes = Vec::new();
            for (j, b) in v.barcodes.iter().enumerate() {
                let (code, warning) =
                    fields::barcode(b).map_err(|r| (Some(format!("variants[{i}].barcodes[{j}]")), r))?;
                warnings.extend(warning);
                barcodes.push(code);
            }
            let mut components = Vec::new();
            for (j, c) in v.components.iter().enumerate() {
                let at = |name: &str| Some(format!("variants[{i}].components[{j}].{name}"));
                let component_sku = fields::sku(&c.sku).map_err(|r| (at("sku"), r))?;
                if component_sku == sku {
                    return Err((at("sku"), "a bundle cannot contain itself".into()));
                }
                if components.iter().any(|c: &Component| c.sku == component_sku) {
                    return Err((at("sku"), format!("{component_sku} is listed twice; give one quantity")));
                }
                // At most grams precision and the per-line limit, like any quantity sold.
                let quantity = fields::positive_decimal(&c.quantity).map_err(|r| (at("quantity"), r))?;
                Quantity::new(quantity, Unit::Kilogram).map_err(|e| (at("quantity"), e.to_string()))?;
                components.push(Component { sku: component_sku, quantity });
            }
            let options = v.options.into_iter().map(|o| OptionValue { name: o.name, value: o.value }).collect();
            variants.push(Variant { sku, options, barcodes, price, cost, unit, tax_class, components });
        }
        // Claim keys only once the whole product is valid, releasing on a clash.
        let mut claimed: Vec<(String, Vec<String>)> = Vec::new();
        let mut clash = None;
        'claim: for (i, v) in variants.iter().enumerate() {
            if let Err(r) = self.seen.claim_sku(&v.sku, self.line) {
                clash = Some((Some(format!("variants[{i}].sku")), r));
                break;
            }
            claimed.push((v.sku.clone(), Vec::new()));
            for (j, b) in v.barcodes.iter().enumerate() {
                if let Err(r) = self.seen.claim_barcode(b, self.line) {
                    clash = Some((Some(format!("variants[{i}].barcodes[{j}]")), r));
                    break 'claim;
                }
                if let Some(last) = claimed.last_mut() {
                    last.1.push(b.clone());
                }
            }
        }
        if clash.is_none()
            && let Err(r) = self.seen.claim_handle(p.handle.trim(), self.line)
        {
            clash = Some((Some("handle".to_string()), r));
        }
        if let Some(err) = clash {
            for (sku, codes) in claimed {
                self.seen.release(&sku, &codes);
            }
            return Err(err);
        }
        let product = Product {
            handle: p.handle.trim().to_string(),
            title: p.title.trim().to_string(),
            category: p.category.filter(|c| !c.trim().is_empty()),
            vendor: p.vendor.filter(|v| !v.trim().is_empty()),
            active: p.active,
            final_sale: p.final_sale,
            return_days: p.return_days,
            variants,
        };
        let variant_lines = vec![self.line; product.variants.len()];
        Ok((Record::Product { product, variant_lines }, warnings))
    }

    fn price(&self, p: PriceLine) -> Result<PriceListEntry, (Option<String>, String)> {
        let field = |name: &str| Some(name.to_string());
        Ok(PriceListEntry {
            list: non_empty(&p.list).map_err(|r| (field("list"), r))?,
            channel: p.channel,
            region: p.region,
            sku: fields::sku(&p.sku).map_err(|r| (field("sku"), r))?,
            price: fields::amount(&p.price, self.options.minor_units).map_err(|r| (field("price"), r))?,
            effective_from: timestamp(&p.from).map_err(|r| (field("from"), r))?,
            effective_to: match p.to.as_deref().map(timestamp).transpose().map_err(|r| (field("to"), r))? {
                Some(to) if to <= timestamp(&p.from).map_err(|r| (field("from"), r))? => {
                    return Err((
                        field("to"),
                        format!("'{}' is not after 'from' ({})", p.to.unwrap_or_default(), p.from),
                    ));
                }
                to => to,
            },
        })
    }
}

fn non_empty(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() { Err("is empty".into()) } else { Ok(t.to_string()) }
}

fn timestamp(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>()
        .map_err(|e| format!("'{text}' is not an RFC 3339 timestamp such as 2026-06-01T00:00:00Z ({e})"))
}

fn target(t: TargetLine) -> Target {
    match t {
        TargetLine::All => Target::All,
        TargetLine::Skus(s) => Target::Skus(s),
        TargetLine::Categories(c) => Target::Categories(c),
    }
}

fn promotion(p: PromotionLine, minor_units: u32) -> Result<Promotion, (Option<String>, String)> {
    let field = |name: &str| Some(format!("rule.{name}"));
    let percent = |name: &str, text: &str| fields::positive_decimal(text).map_err(|r| (field(name), r));
    let money = |name: &str, text: &str| fields::amount(text, minor_units).map_err(|r| (field(name), r));
    let rule = match p.rule {
        RuleLine::PercentOff { target: t, percent: pct } => {
            PromotionRule::PercentOff { target: target(t), percent: percent("percent", &pct)? }
        }
        RuleLine::AmountOff { target: t, amount } => {
            PromotionRule::AmountOff { target: target(t), amount: money("amount", &amount)? }
        }
        RuleLine::BuyXGetY { buy, buy_quantity, get, get_quantity, percent: pct } => PromotionRule::BuyXGetY {
            buy: target(buy),
            buy_quantity,
            get: target(get),
            get_quantity,
            percent: percent("percent", pct.as_deref().unwrap_or("100"))?,
        },
        RuleLine::MixAndMatch { target: t, quantity, price } => {
            PromotionRule::MixAndMatch { target: target(t), quantity, price: money("price", &price)? }
        }
        RuleLine::SpendThreshold { threshold, percent: pct, amount } => {
            let reward = match (pct, amount) {
                (Some(p), None) => Discount::Percent(percent("percent", &p)?),
                (None, Some(a)) => Discount::Amount(money("amount", &a)?),
                _ => return Err((field("percent"), "give exactly one of percent or amount".into())),
            };
            PromotionRule::SpendThreshold { threshold: money("threshold", &threshold)?, reward }
        }
    };
    let promo = Promotion {
        id: non_empty(&p.id).map_err(|r| (Some("id".into()), r))?,
        name: non_empty(&p.name).map_err(|r| (Some("name".into()), r))?,
        rule,
        coupon: match p.coupon.map(|c| c.trim().to_uppercase()) {
            Some(c) if c.is_empty() => {
                return Err((Some("coupon".into()), "is blank; leave it out for a promotion without a code".into()));
            }
            c => c,
        },
        starts: p.starts.as_deref().map(timestamp).transpose().map_err(|r| (Some("starts".into()), r))?,
        ends: p.ends.as_deref().map(timestamp).transpose().map_err(|r| (Some("ends".into()), r))?,
        priority: p.priority,
    };
    promo.validate().map_err(|r| (Some("rule".into()), r))?;
    Ok(promo)
}

/// serde_json's message without its "at line 1" suffix (every line is parsed alone).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let base = text.split(" at line ").next().unwrap_or(&text);
    if e.column() == 0 { base.to_string() } else { format!("{base} (column {})", e.column()) }
}

impl<R: Read> Iterator for JsonLinesReader<R> {
    type Item = Result<Entry, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending.pop() {
            return Some(Ok(e));
        }
        let text = match self.lines.next()? {
            Ok(t) => t,
            Err(e) => return Some(Err(ImportError::Malformed { line: self.line + 1, reason: e.to_string() })),
        };
        self.line += 1;
        let line = self.line;
        // Editors on some systems start a UTF-8 file with a byte-order mark.
        let text = if line == 1 { text.trim_start_matches('\u{feff}') } else { text.as_str() };
        if text.trim().is_empty() {
            return Some(Ok(Entry::Skipped { line, reason: "blank line" }));
        }
        Some(Ok(match self.parse(text) {
            Ok((record, warnings)) => {
                self.pending
                    .extend(warnings.into_iter().rev().map(|message| Entry::Warning(RowWarning { line, message })));
                Entry::Record { line, record }
            }
            Err((field, reason)) => Entry::Rejected(RowError { line, field, reason }),
        }))
    }
}
