//! The catalog model: products, variants with option values and barcodes, bundles made of
//! components, and price lists per channel and region with effective dates.

use jiff::Timestamp;
use rust_decimal::Decimal;

use crate::money::Money;
use crate::quantity::Unit;
use crate::tax::TaxClass;

/// A product as the merchant thinks of it ("T-shirt"), grouping sellable variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Stable identifier of the product (Shopify's handle).
    pub handle: String,
    /// Display title.
    pub title: String,
    /// Category used by promotions and reports (Shopify's product type).
    pub category: Option<String>,
    /// Brand or supplier.
    pub vendor: Option<String>,
    /// False for draft or archived products, which cannot be sold.
    pub active: bool,
    /// Sold as final: not taken back (unless a manager overrides).
    pub final_sale: bool,
    /// The product's own return window in days, overriding its category's.
    pub return_days: Option<u32>,
    /// The sellable variants; at least one.
    pub variants: Vec<Variant>,
}

/// One sellable variant of a product, identified by its SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Stock keeping unit, unique in the catalog.
    pub sku: String,
    /// Option values such as `Size = M`, in option order.
    pub options: Vec<OptionValue>,
    /// Barcodes that scan to this variant; several are allowed.
    pub barcodes: Vec<String>,
    /// Base shelf price per unit (per piece or per kg), in the store's price basis.
    pub price: Money,
    /// Unit cost for margin and stock valuation, when known.
    pub cost: Option<Money>,
    /// Counted by piece or weighed.
    pub unit: Unit,
    /// Tax class name.
    pub tax_class: String,
    /// For bundles and composite SKUs: the components whose stock a sale consumes.
    pub components: Vec<Component>,
}

impl Variant {
    /// The display name of this variant of `product_title`: title plus option values,
    /// leaving out Shopify's placeholder `Default Title`.
    pub fn display_name(&self, product_title: &str) -> String {
        let values: Vec<&str> =
            self.options.iter().map(|o| o.value.as_str()).filter(|v| !v.is_empty() && *v != "Default Title").collect();
        if values.is_empty() { product_title.to_string() } else { format!("{product_title} - {}", values.join(" / ")) }
    }
}

/// One option value of a variant (`Color = Blue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    /// The option's name (`Color`).
    pub name: String,
    /// This variant's value (`Blue`).
    pub value: String,
}

/// A component of a bundle: selling one bundle takes `quantity` of `sku` from stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The component's SKU.
    pub sku: String,
    /// How much of it one bundle contains.
    pub quantity: Decimal,
}

/// A price for one SKU in one price list, valid from a moment (and optionally until one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceListEntry {
    /// The price list's name.
    pub list: String,
    /// The sales channel it applies to (`store`, `kiosk`, …); `None` for every channel.
    pub channel: Option<String>,
    /// The region it applies to; `None` for every region.
    pub region: Option<String>,
    /// The SKU priced.
    pub sku: String,
    /// The price per unit.
    pub price: Money,
    /// First moment the price applies.
    pub effective_from: Timestamp,
    /// First moment it no longer applies, if it ends.
    pub effective_to: Option<Timestamp>,
}

/// Where a register sells: its channel and region, used to pick price lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesContext {
    /// The channel, e.g. `store`.
    pub channel: Option<String>,
    /// The region, e.g. `DE`.
    pub region: Option<String>,
}

/// Which price an item was sold at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceSource {
    /// The variant's base price.
    Base,
    /// An entry of the named price list.
    List(String),
}

/// `base` or `list:NAME`: how a price source is written in records and exports.
impl std::fmt::Display for PriceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PriceSource::Base => f.write_str("base"),
            PriceSource::List(name) => write!(f, "list:{name}"),
        }
    }
}

impl std::str::FromStr for PriceSource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("list:") {
            Some(name) => Ok(PriceSource::List(name.to_string())),
            None if s == "base" => Ok(PriceSource::Base),
            None => Err(format!("'{s}' is not a price source (base or list:NAME)")),
        }
    }
}

/// Picks the price in force at `now` for `context`: among matching entries that are in
/// effect, the one that took effect last wins (ties go to the more specific entry, then to
/// the list name, so the choice is deterministic); with none, the base price.
pub fn resolve_price(
    base: Money,
    entries: &[PriceListEntry],
    context: &SalesContext,
    now: Timestamp,
) -> (Money, PriceSource) {
    let matches = |want: &Option<String>, have: &Option<String>| match want {
        None => true,
        Some(w) => have.as_deref() == Some(w.as_str()),
    };
    let specificity = |e: &PriceListEntry| e.channel.is_some() as u8 + e.region.is_some() as u8;
    entries
        .iter()
        .filter(|e| matches(&e.channel, &context.channel) && matches(&e.region, &context.region))
        .filter(|e| e.effective_from <= now && e.effective_to.is_none_or(|to| now < to))
        .max_by(|a, b| (a.effective_from, specificity(a), &b.list).cmp(&(b.effective_from, specificity(b), &a.list)))
        .map_or((base, PriceSource::Base), |e| (e.price, PriceSource::List(e.list.clone())))
}

/// A sellable item as looked up at the counter: everything a cart line needs, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The SKU.
    pub sku: String,
    /// Display name (product title and option values).
    pub name: String,
    /// Category for promotions and reports.
    pub category: Option<String>,
    /// Price per unit in force now.
    pub price: Money,
    /// Where that price came from.
    pub price_source: PriceSource,
    /// Unit cost, when known.
    pub cost: Option<Money>,
    /// Piece or weight.
    pub unit: Unit,
    /// The resolved tax class.
    pub tax_class: TaxClass,
    /// Components consumed from stock (empty for a simple item).
    pub components: Vec<Component>,
}

/// True when `code` looks like a GTIN (8, 12, 13 or 14 digits) whose mod-10 check digit
/// is right. Codes that are not GTIN-shaped (internal codes) are not judged: `None`.
pub fn gtin_check_digit_ok(code: &str) -> Option<bool> {
    let bytes = code.as_bytes();
    if !matches!(bytes.len(), 8 | 12 | 13 | 14) || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (body, check) = bytes.split_at(bytes.len() - 1);
    let sum: u32 =
        body.iter().rev().enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 }).sum();
    Some((10 - sum % 10) % 10 == u32::from(check[0] - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn entry(list: &str, channel: Option<&str>, price: Decimal, from: &str, to: Option<&str>) -> PriceListEntry {
        PriceListEntry {
            list: list.into(),
            channel: channel.map(Into::into),
            region: None,
            sku: "A".into(),
            price: Money::new(price),
            effective_from: ts(from),
            effective_to: to.map(ts),
        }
    }

    #[test]
    fn latest_effective_matching_entry_wins() {
        let entries = vec![
            entry("spring", None, dec!(9), "2026-03-01T00:00:00Z", None),
            entry("summer", None, dec!(8), "2026-06-01T00:00:00Z", Some("2026-09-01T00:00:00Z")),
            entry("kiosk", Some("kiosk"), dec!(7), "2026-07-01T00:00:00Z", None),
        ];
        let store = SalesContext { channel: Some("store".into()), region: None };
        let base = Money::new(dec!(10));
        let at = |s| resolve_price(base, &entries, &store, ts(s));
        assert_eq!(at("2026-01-01T00:00:00Z"), (base, PriceSource::Base));
        assert_eq!(at("2026-04-01T00:00:00Z").0.amount(), dec!(9));
        assert_eq!(at("2026-07-15T00:00:00Z"), (Money::new(dec!(8)), PriceSource::List("summer".into())));
        assert_eq!(at("2026-09-01T00:00:00Z").0.amount(), dec!(9), "summer ended");
        let kiosk = SalesContext { channel: Some("kiosk".into()), region: None };
        assert_eq!(resolve_price(base, &entries, &kiosk, ts("2026-08-01T00:00:00Z")).0.amount(), dec!(7));
    }

    #[test]
    fn gtin_check_digits() {
        assert_eq!(gtin_check_digit_ok("4006381333931"), Some(true));
        assert_eq!(gtin_check_digit_ok("4006381333932"), Some(false));
        assert_eq!(gtin_check_digit_ok("036000291452"), Some(true));
        assert_eq!(gtin_check_digit_ok("96385074"), Some(true));
        assert_eq!(gtin_check_digit_ok("ABC-123"), None);
    }

    #[test]
    fn display_names_skip_default_title() {
        let v = Variant {
            sku: "S".into(),
            options: vec![OptionValue { name: "Title".into(), value: "Default Title".into() }],
            barcodes: vec![],
            price: Money::ZERO,
            cost: None,
            unit: Unit::Each,
            tax_class: "standard".into(),
            components: vec![],
        };
        assert_eq!(v.display_name("Mug"), "Mug");
        let mut m = v.clone();
        m.options = vec![
            OptionValue { name: "Color".into(), value: "Blue".into() },
            OptionValue { name: "Size".into(), value: "M".into() },
        ];
        assert_eq!(m.display_name("Tee"), "Tee - Blue / M");
    }
}
