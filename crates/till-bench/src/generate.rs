//! A synthetic but realistic catalog, written as a Shopify product CSV and kept in memory
//! for the bare-SQLite baseline and for picking random barcodes and search queries.
//!
//! Everything is derived from one seed through [`SplitMix64`], so a seed always yields
//! the same file byte for byte.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use rust_decimal::Decimal;

/// A small, fast, deterministic pseudo-random generator (SplitMix64, Steele et al. 2014).
/// Good enough to shuffle benchmark inputs; not for anything that needs secrecy.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), by multiply-shift; the bias is below 2⁻³².
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of length `len` (> 0).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// A product category: the Shopify `Type`, its `Product Category` path, a SKU prefix,
/// the tax class its variants carry (empty = the store default) and the nouns its
/// titles end in.
struct Category {
    name: &'static str,
    taxonomy: &'static str,
    sku_prefix: &'static str,
    tax_code: &'static str,
    nouns: &'static [&'static str],
}

const CATEGORIES: &[Category] = &[
    Category {
        name: "Apparel",
        taxonomy: "Apparel & Accessories > Clothing",
        sku_prefix: "APP",
        tax_code: "",
        nouns: &[
            "Shirt", "Sweater", "Hoodie", "Jacket", "Scarf", "Beanie", "Socks", "Trousers", "Cardigan", "Vest",
            "Poncho", "Gloves",
        ],
    },
    Category {
        name: "Footwear",
        taxonomy: "Apparel & Accessories > Shoes",
        sku_prefix: "FTW",
        tax_code: "",
        nouns: &["Sneakers", "Boots", "Sandals", "Loafers", "Slippers", "Clogs", "Espadrilles", "Brogues"],
    },
    Category {
        name: "Kitchen",
        taxonomy: "Home & Garden > Kitchen & Dining",
        sku_prefix: "KIT",
        tax_code: "",
        nouns: &[
            "Mug", "Teapot", "Skillet", "Saucepan", "Colander", "Spatula", "Platter", "Bowl", "Carafe", "Grater",
            "Ladle", "Whisk",
        ],
    },
    Category {
        name: "Home Decor",
        taxonomy: "Home & Garden > Decor",
        sku_prefix: "DEC",
        tax_code: "",
        nouns: &["Vase", "Candle", "Cushion", "Throw", "Lantern", "Mirror", "Planter", "Clock", "Rug", "Frame"],
    },
    Category {
        name: "Bath",
        taxonomy: "Home & Garden > Bathroom Accessories",
        sku_prefix: "BTH",
        tax_code: "",
        nouns: &["Towel", "Bathrobe", "Soap", "Sponge", "Washcloth", "Tumbler", "Caddy"],
    },
    Category {
        name: "Garden",
        taxonomy: "Home & Garden > Lawn & Garden",
        sku_prefix: "GDN",
        tax_code: "",
        nouns: &["Trowel", "Pruner", "Hose", "Birdhouse", "Watering Can", "Seed Tray", "Wheelbarrow", "Rake"],
    },
    Category {
        name: "Toys",
        taxonomy: "Toys & Games > Toys",
        sku_prefix: "TOY",
        tax_code: "",
        nouns: &["Puzzle", "Kite", "Robot", "Teddy", "Yo-Yo", "Spinning Top", "Marble Run", "Puppet"],
    },
    Category {
        name: "Stationery",
        taxonomy: "Office Supplies > General Office Supplies",
        sku_prefix: "STA",
        tax_code: "reduced",
        nouns: &["Notebook", "Journal", "Pencil", "Fountain Pen", "Sketchbook", "Planner", "Envelope", "Postcard"],
    },
    Category {
        name: "Grocery",
        taxonomy: "Food, Beverages & Tobacco > Food Items",
        sku_prefix: "GRO",
        tax_code: "reduced",
        nouns: &[
            "Honey",
            "Granola",
            "Pasta",
            "Olive Oil",
            "Chocolate",
            "Biscuits",
            "Jam",
            "Muesli",
            "Crackers",
            "Rice",
        ],
    },
    Category {
        name: "Beverages",
        taxonomy: "Food, Beverages & Tobacco > Beverages",
        sku_prefix: "BEV",
        tax_code: "reduced",
        nouns: &["Coffee", "Tea", "Lemonade", "Kombucha", "Cider", "Juice", "Cocoa"],
    },
    Category {
        name: "Sports",
        taxonomy: "Sporting Goods > Exercise & Fitness",
        sku_prefix: "SPO",
        tax_code: "",
        nouns: &["Yoga Mat", "Water Bottle", "Dumbbell", "Jump Rope", "Headband", "Backpack", "Racket", "Frisbee"],
    },
    Category {
        name: "Pet Supplies",
        taxonomy: "Animals & Pet Supplies > Pet Supplies",
        sku_prefix: "PET",
        tax_code: "",
        nouns: &["Collar", "Leash", "Pet Bed", "Chew Toy", "Feeding Bowl", "Scratcher"],
    },
    Category {
        name: "Beauty",
        taxonomy: "Health & Beauty > Personal Care",
        sku_prefix: "BEA",
        tax_code: "",
        nouns: &["Lip Balm", "Hand Cream", "Shampoo", "Face Serum", "Body Lotion", "Hairbrush", "Perfume"],
    },
    Category {
        name: "Books",
        taxonomy: "Media > Books",
        sku_prefix: "BOK",
        tax_code: "zero",
        nouns: &["Cookbook", "Field Guide", "Atlas", "Novel", "Poetry Collection", "Travel Guide"],
    },
];

/// First title words: style and character.
const ADJECTIVES: &[&str] = &[
    "Classic",
    "Rustic",
    "Modern",
    "Vintage",
    "Organic",
    "Handmade",
    "Nordic",
    "Coastal",
    "Alpine",
    "Urban",
    "Cozy",
    "Sturdy",
    "Lightweight",
    "Premium",
    "Everyday",
    "Deluxe",
    "Compact",
    "Heritage",
    "Minimal",
    "Artisan",
    "Tropical",
    "Royal",
    "Gentle",
    "Bold",
    "Bright",
    "Quiet",
    "Wild",
    "Golden",
    "Sunny",
    "Misty",
    "Velvet",
    "Ancient",
    "Humble",
    "Graceful",
    "Brisk",
    "Mellow",
    "Radiant",
    "Rugged",
    "Sleek",
    "Snug",
    "Tidy",
    "Whimsical",
    "Zesty",
    "Breezy",
    "Crisp",
    "Dapper",
    "Earthy",
    "Frosty",
    "Glossy",
    "Hearty",
    "Jolly",
    "Lucky",
    "Merry",
    "Noble",
    "Plush",
    "Rapid",
    "Silent",
    "Trusty",
    "Vivid",
    "Woven",
];

/// Second title words: material or colour.
const MATERIALS: &[&str] = &[
    "Linen",
    "Cotton",
    "Wool",
    "Cashmere",
    "Bamboo",
    "Oak",
    "Walnut",
    "Maple",
    "Ceramic",
    "Stoneware",
    "Porcelain",
    "Copper",
    "Brass",
    "Steel",
    "Cast Iron",
    "Leather",
    "Suede",
    "Denim",
    "Canvas",
    "Glass",
    "Marble",
    "Slate",
    "Cork",
    "Rattan",
    "Jute",
    "Hemp",
    "Silk",
    "Fleece",
    "Merino",
    "Terracotta",
    "Indigo",
    "Crimson",
    "Ivory",
    "Charcoal",
    "Olive",
    "Mustard",
    "Teal",
    "Coral",
    "Sage",
    "Navy",
    "Burgundy",
    "Amber",
    "Lavender",
    "Mint",
    "Saffron",
    "Cobalt",
    "Pearl",
    "Onyx",
    "Sandstone",
    "Birch",
];

/// Brands.
const VENDORS: &[&str] = &[
    "Acme Goods",
    "Northwind",
    "Bluebird & Co",
    "Hearth House",
    "Fjord Living",
    "Sol Studio",
    "Kestrel",
    "Maison Verte",
    "Old Mill",
    "Tinker Works",
    "Greenleaf",
    "Pebble Lane",
    "Harbor Supply",
    "Copperline",
    "Wildroot",
    "Little Owl",
    "Stonebridge",
    "Brightside",
    "Juniper Trading",
    "Atlas Outfitters",
];

/// Option values of multi-variant products, in order.
const SIZES: &[&str] = &["S", "M", "L", "XL"];

/// The Shopify product CSV header, as exported by Shopify admin.
pub const HEADER: &[&str] = &[
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Status",
];

/// One generated variant (a SKU), as the baseline stores it and the benchmark scans it.
#[derive(Debug, Clone)]
pub struct GenItem {
    /// The SKU.
    pub sku: String,
    /// Its EAN-13 barcode (unique, valid check digit).
    pub barcode: String,
    /// The display name Till gives it: the product title, plus ` - SIZE` for sized
    /// variants.
    pub title: String,
    /// Price, exact to the cent.
    pub price: Decimal,
    /// False for the ~2 % of products exported as drafts (Till refuses to sell them).
    pub active: bool,
}

/// The generated catalog: every variant, and how the file came out.
#[derive(Debug)]
pub struct Catalog {
    /// Every variant in file order.
    pub items: Vec<GenItem>,
    /// Number of products (handles).
    pub products: u64,
    /// Size of the CSV file in bytes.
    pub csv_bytes: u64,
}

/// The GS1 mod-10 check digit of a GTIN body (all digits but the check digit): weights
/// 3 and 1 alternate starting with 3 at the rightmost body digit.
pub fn gs1_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 }).sum();
    ((10 - sum % 10) % 10) as u8
}

/// Unique EAN-13 codes: the GS1 prefix `40`, then ten digits that are a bijection of the
/// item number (multiplication by a unit modulo 10¹⁰ plus an offset, so codes look
/// scattered yet never repeat), then the check digit.
struct BarcodeMaker {
    multiplier: u64,
    offset: u64,
}

const TEN_DIGITS: u64 = 10_000_000_000;

impl BarcodeMaker {
    fn new(rng: &mut SplitMix64) -> BarcodeMaker {
        // A multiplier coprime to 10¹⁰ (odd, not a multiple of 5) makes the map a bijection.
        let mut multiplier = rng.below(TEN_DIGITS) | 1;
        if multiplier.is_multiple_of(5) {
            multiplier = (multiplier + 2) % TEN_DIGITS;
        }
        BarcodeMaker { multiplier, offset: rng.below(TEN_DIGITS) }
    }

    fn code(&self, n: u64) -> String {
        let scattered =
            ((u128::from(n) * u128::from(self.multiplier) + u128::from(self.offset)) % u128::from(TEN_DIGITS)) as u64;
        let text = format!("40{scattered:010}");
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        format!("{text}{}", gs1_check_digit(&digits))
    }
}

/// An amount of cents written with two decimals (`1299` → `12.99`).
fn cents_text(cents: i64) -> String {
    Decimal::new(cents, 2).to_string()
}

/// Writes one CSV field, quoting it when it holds a separator, a quote or a line break.
fn field(out: &mut impl Write, text: &str, first: bool) -> std::io::Result<()> {
    if !first {
        out.write_all(b",")?;
    }
    if text.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(text.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(text.as_bytes())
    }
}

fn row(out: &mut impl Write, fields: &[&str; 36]) -> std::io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        field(out, f, i == 0)?;
    }
    out.write_all(b"\n")
}

/// A handle: the title in lower case with dashes, plus the product number for uniqueness.
fn handle(title: &str, product: u64) -> String {
    let mut h: String =
        title.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    h.push('-');
    h.push_str(&product.to_string());
    h
}

/// Generates `skus` variants (products of 1–4 sizes) from `seed`, writes them to `path`
/// as a Shopify product CSV and returns them.
pub fn write_catalog(path: &Path, skus: u64, seed: u64) -> Result<Catalog> {
    let mut rng = SplitMix64::new(seed);
    let barcodes = BarcodeMaker::new(&mut rng);
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let write_err = || format!("cannot write {}", path.display());
    row(&mut out, HEADER.try_into().context("the CSV header must have 36 columns")?).with_context(write_err)?;

    let mut items = Vec::with_capacity(usize::try_from(skus).context("--skus is too large for this machine")?);
    let mut product = 0u64;
    while (items.len() as u64) < skus {
        product += 1;
        let category = rng.pick(CATEGORIES);
        let noun = *rng.pick(category.nouns);
        let material = *rng.pick(MATERIALS);
        let adjective = *rng.pick(ADJECTIVES);
        let title = if rng.chance(30) {
            let second = *rng.pick(ADJECTIVES);
            format!("{adjective} {second} {material} {noun}")
        } else {
            format!("{adjective} {material} {noun}")
        };
        let vendor = *rng.pick(VENDORS);
        let handle = handle(&title, product);
        let remaining = skus - items.len() as u64;
        let variants = (1 + rng.below(4)).min(remaining);
        let body = format!("<p>{title} by {vendor}. Made from {}, built to last.</p>", material.to_lowercase());
        let tags = format!("{}, {}, {}", category.name.to_lowercase(), material.to_lowercase(), noun.to_lowercase());
        let image = format!("https://cdn.example.com/products/{handle}.jpg");
        let seo_description = format!("Shop the {title} from {vendor}.");
        let active = !rng.chance(2);
        let status = if active { "active" } else { "draft" };
        // Base price 0.99–299.99 ending in 9; larger sizes cost a little more. Capped so
        // that any three lines stay below the 1000.00 tendered in the commit benchmark.
        let base_cents = (99 + rng.below(29_000) as i64) / 10 * 10 + 9;
        for v in 0..variants {
            let sized = variants > 1;
            let size = if sized { SIZES[v as usize] } else { "Default Title" };
            let sku = if sized {
                format!("{}-{product:07}-{size}", category.sku_prefix)
            } else {
                format!("{}-{product:07}", category.sku_prefix)
            };
            let barcode = barcodes.code(items.len() as u64);
            let cents = (base_cents + 100 * v as i64).min(29_999);
            let price = cents_text(cents);
            let compare_at = if rng.chance(20) { cents_text(cents * 5 / 4) } else { String::new() };
            let cost = cents_text(cents * (40 + rng.below(30) as i64) / 100);
            let grams = (50 + rng.below(1950)).to_string();
            let qty = rng.below(200).to_string();
            let display = if sized { format!("{title} - {size}") } else { title.clone() };
            let first = v == 0;
            let p = |s: &str| if first { s.to_string() } else { String::new() };
            let fields: [&str; 36] = [
                &handle,
                &p(&title),
                &p(&body),
                &p(vendor),
                &p(category.taxonomy),
                &p(category.name),
                &p(&tags),
                if first { "TRUE" } else { "" },
                if first { if sized { "Size" } else { "Title" } } else { "" },
                size,
                "",
                "",
                "",
                "",
                &sku,
                &grams,
                "shopify",
                &qty,
                "deny",
                "manual",
                &price,
                &compare_at,
                "TRUE",
                "TRUE",
                &barcode,
                &p(&image),
                if first { "1" } else { "" },
                "",
                if first { "FALSE" } else { "" },
                &p(&title),
                &p(&seo_description),
                "",
                "g",
                category.tax_code,
                &cost,
                if first { status } else { "" },
            ];
            row(&mut out, &fields).with_context(write_err)?;
            items.push(GenItem { sku, barcode, title: display, price: Decimal::new(cents, 2), active });
        }
    }
    out.flush().with_context(write_err)?;
    let csv_bytes = std::fs::metadata(path).with_context(|| format!("cannot stat {}", path.display()))?.len();
    Ok(Catalog { items, products: product, csv_bytes })
}

/// The words of a product title (the part before ` - SIZE`).
pub fn title_words(display_title: &str) -> Vec<&str> {
    let product_title = display_title.split(" - ").next().unwrap_or(display_title);
    product_title.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_known_codes() {
        // 4006381333931 (a well-known EAN-13 example) and 5901234123457 (GS1's).
        for code in ["4006381333931", "5901234123457"] {
            let digits: Vec<u8> = code.bytes().map(|b| b - b'0').collect();
            assert_eq!(gs1_check_digit(&digits[..12]), digits[12], "{code}");
        }
    }

    #[test]
    fn barcodes_are_unique_and_valid() {
        let maker = BarcodeMaker::new(&mut SplitMix64::new(7));
        let mut seen = std::collections::HashSet::new();
        for n in 0..10_000 {
            let code = maker.code(n);
            assert_eq!(code.len(), 13);
            assert_eq!(till_domain::catalog::gtin_check_digit_ok(&code), Some(true), "{code}");
            assert!(seen.insert(code));
        }
    }
}
