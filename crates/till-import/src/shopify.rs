//! Shopify's product CSV export: one row per variant, rows of a product sharing its
//! `Handle`; product fields (Title, Vendor, Type, option names, Status) on the first row
//! only; extra image rows carrying nothing but an image.

use std::collections::{HashMap, VecDeque};
use std::io::Read;

use till_domain::{OptionValue, Product, Unit, Variant};

use crate::fields::{self, SeenKeys};
use crate::{Entry, ImportError, ImportOptions, Record, RowError, RowWarning};

/// Column positions found in the header row.
struct Columns {
    count: usize,
    handle: usize,
    price: usize,
    title: Option<usize>,
    vendor: Option<usize>,
    kind: Option<usize>,
    category: Option<usize>,
    option_names: [Option<usize>; 3],
    option_values: [Option<usize>; 3],
    sku: Option<usize>,
    barcode: Option<usize>,
    taxable: Option<usize>,
    tax_code: Option<usize>,
    cost: Option<usize>,
    status: Option<usize>,
    published: Option<usize>,
    tags: Option<usize>,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Columns, ImportError> {
        let find =
            |name: &str| header.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
        let require = |name: &str| {
            find(name).ok_or_else(|| {
                ImportError::Header(format!(
                    "missing column '{name}'; a Shopify product CSV needs at least Handle and Variant Price"
                ))
            })
        };
        let n = |i: usize, what: &str| find(&format!("Option{i} {what}"));
        Ok(Columns {
            count: header.len(),
            handle: require("Handle")?,
            price: require("Variant Price")?,
            title: find("Title"),
            vendor: find("Vendor"),
            kind: find("Type"),
            category: find("Product Category"),
            option_names: [n(1, "Name"), n(2, "Name"), n(3, "Name")],
            option_values: [n(1, "Value"), n(2, "Value"), n(3, "Value")],
            sku: find("Variant SKU"),
            barcode: find("Variant Barcode"),
            taxable: find("Variant Taxable"),
            tax_code: find("Variant Tax Code"),
            cost: find("Cost per item"),
            status: find("Status"),
            published: find("Published"),
            tags: find("Tags"),
        })
    }
}

/// The product whose rows are being read.
struct Pending {
    handle: String,
    first_line: u64,
    /// Set when the product's first row was refused: later rows are refused with it.
    rejected_at: Option<u64>,
    product: Product,
    option_names: [String; 3],
    lines: Vec<u64>,
}

/// Streams a Shopify product CSV as [`Entry`] values.
pub struct ShopifyCsvReader<R: Read> {
    csv: csv::Reader<R>,
    cols: Columns,
    options: ImportOptions,
    seen: SeenKeys,
    /// Lines spanned by handles already finished, to refuse a handle that reappears.
    finished: HashMap<u128, (u64, u64)>,
    current: Option<Pending>,
    out: VecDeque<Entry>,
    row: csv::StringRecord,
    done: bool,
}

impl<R: Read> ShopifyCsvReader<R> {
    /// Reads the header row and prepares to stream the rest.
    pub fn new(input: R, options: ImportOptions) -> Result<Self, ImportError> {
        let mut csv = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(input);
        let header = csv.headers().map_err(|e| malformed(&e, 1))?.clone();
        let cols = Columns::from_header(&header)?;
        Ok(ShopifyCsvReader {
            csv,
            cols,
            options,
            seen: SeenKeys::default(),
            finished: HashMap::new(),
            current: None,
            out: VecDeque::new(),
            row: csv::StringRecord::new(),
            done: false,
        })
    }

    fn get(&self, col: Option<usize>) -> &str {
        col.and_then(|c| self.row.get(c)).map_or("", str::trim)
    }

    fn flush(&mut self) {
        if let Some(p) = self.current.take() {
            let last = p.lines.last().copied().unwrap_or(p.first_line);
            self.finished.insert(fields::fingerprint(&p.handle), (p.first_line, last));
            if p.rejected_at.is_none() && !p.product.variants.is_empty() {
                self.out.push_back(Entry::Record {
                    line: p.first_line,
                    record: Record::Product { product: p.product, variant_lines: p.lines },
                });
            }
        }
    }

    fn reject(&mut self, line: u64, field: Option<&str>, reason: String) {
        self.out.push_back(Entry::Rejected(RowError { line, field: field.map(str::to_string), reason }));
    }

    fn read_row(&mut self, line: u64) {
        if self.row.len() != self.cols.count {
            let newlines: usize = self.row.iter().map(|f| f.matches('\n').count()).sum();
            let span =
                if newlines == 0 { String::new() } else { format!(" (lines {line}-{})", line + newlines as u64) };
            let reason = format!(
                "the row{span} has {} fields where the header has {} (a missing separator or an unterminated quote?)",
                self.row.len(),
                self.cols.count
            );
            return self.reject(line, None, reason);
        }
        let handle = self.get(Some(self.cols.handle)).to_string();
        if handle.is_empty() {
            return self.reject(line, Some("Handle"), "is empty".to_string());
        }
        let c = &self.cols;
        let carries_variant = [c.price, c.sku.unwrap_or(c.price), c.barcode.unwrap_or(c.price)]
            .into_iter()
            .chain(c.option_values.iter().flatten().copied())
            .any(|i| self.row.get(i).is_some_and(|v| !v.trim().is_empty()));
        let has_title = !self.get(c.title).is_empty();
        let same_product = self.current.as_ref().is_some_and(|p| p.handle == handle);
        if !same_product {
            self.flush();
            if let Some((first, last)) = self.finished.get(&fields::fingerprint(&handle)) {
                let reason = format!(
                    "handle '{handle}' already appeared at lines {first}-{last}; rows of one product must be consecutive"
                );
                return self.reject(line, Some("Handle"), reason);
            }
            if !carries_variant && !has_title {
                self.out.push_back(Entry::Skipped { line, reason: "no product or variant data (image row)" });
                return;
            }
            self.start_product(handle, line);
        } else if !carries_variant {
            self.out.push_back(Entry::Skipped { line, reason: "no variant data (image row)" });
            return;
        }
        let Some(pending) = &self.current else { return };
        if let Some(at) = pending.rejected_at {
            if at != line {
                let reason = format!("product '{}' was rejected at line {at}", pending.handle);
                self.reject(line, None, reason);
            }
            return;
        }
        match self.variant(line) {
            Ok((variant, warnings)) => {
                for message in warnings {
                    self.out.push_back(Entry::Warning(RowWarning { line, message }));
                }
                if let Some(p) = self.current.as_mut() {
                    p.product.variants.push(variant);
                    p.lines.push(line);
                }
            }
            Err((field, reason)) => self.reject(line, Some(field), reason),
        }
    }

    fn start_product(&mut self, handle: String, line: u64) {
        let c = &self.cols;
        let title = self.get(c.title).to_string();
        let status = self.get(c.status).to_ascii_lowercase();
        let published = self.get(c.published).to_ascii_lowercase();
        let category = Some(self.get(c.kind))
            .filter(|t| !t.is_empty())
            .or_else(|| self.get(c.category).rsplit('>').next().map(str::trim).filter(|t| !t.is_empty()))
            .map(str::to_string);
        let vendor = Some(self.get(c.vendor)).filter(|v| !v.is_empty()).map(str::to_string);
        // Shopify has no final-sale field; a "final sale" tag (any case, dash or space) marks it.
        let final_sale =
            self.get(c.tags).split(',').any(|t| t.trim().to_ascii_lowercase().replace('-', " ") == "final sale");
        let option_names = [0, 1, 2].map(|i| self.get(c.option_names[i]).to_string());
        let problem = if title.is_empty() {
            Some(("Title", "is empty on the product's first row".to_string()))
        } else if !matches!(status.as_str(), "" | "active" | "draft" | "archived") {
            Some(("Status", format!("'{status}' is not active, draft or archived")))
        } else {
            None
        };
        let active = matches!(status.as_str(), "" | "active") && published != "false";
        self.current = Some(Pending {
            handle: handle.clone(),
            first_line: line,
            rejected_at: problem.as_ref().map(|_| line),
            product: Product {
                handle,
                title,
                category,
                vendor,
                active,
                final_sale,
                return_days: None,
                variants: Vec::new(),
            },
            option_names,
            lines: Vec::new(),
        });
        if let Some((field, reason)) = problem {
            self.reject(line, Some(field), reason);
        }
    }

    /// Reads the variant on the current row.
    fn variant(&mut self, line: u64) -> Result<(Variant, Vec<String>), (&'static str, String)> {
        let c = &self.cols;
        let pending = self.current.as_ref().ok_or(("Handle", "no product".to_string()))?;
        let mut warnings = Vec::new();
        let mut options = Vec::new();
        for i in 0..3 {
            let value = self.get(c.option_values[i]);
            if value.is_empty() {
                continue;
            }
            let row_name = self.get(c.option_names[i]);
            let name = if !row_name.is_empty() {
                row_name.to_string()
            } else if !pending.option_names[i].is_empty() {
                pending.option_names[i].clone()
            } else {
                format!("Option{}", i + 1)
            };
            options.push(OptionValue { name, value: value.to_string() });
        }
        let price =
            fields::amount(self.get(Some(c.price)), self.options.minor_units).map_err(|r| ("Variant Price", r))?;
        let cost = match self.get(c.cost) {
            "" => None,
            text => Some(fields::amount(text, self.options.minor_units).map_err(|r| ("Cost per item", r))?),
        };
        let taxable = self.get(c.taxable).to_ascii_lowercase();
        let tax_class = match taxable.as_str() {
            "" | "true" => {
                fields::tax_class(self.get(c.tax_code), &self.options).map_err(|r| ("Variant Tax Code", r))?
            }
            "false" => self
                .options
                .exempt_tax_class
                .clone()
                .ok_or(("Variant Taxable", "FALSE, but the store configures no exempt_tax_class".to_string()))?,
            other => return Err(("Variant Taxable", format!("'{other}' is not TRUE or FALSE"))),
        };
        let sku = match self.get(c.sku) {
            "" => {
                let derived = derived_sku(&pending.handle, &options);
                warnings.push(format!("no Variant SKU; using '{derived}'"));
                derived
            }
            text => fields::sku(text).map_err(|r| ("Variant SKU", r))?,
        };
        let mut barcodes = Vec::new();
        let barcode_text = self.get(c.barcode).to_string();
        if !barcode_text.is_empty() {
            let (code, warning) = fields::barcode(&barcode_text).map_err(|r| ("Variant Barcode", r))?;
            warnings.extend(warning);
            barcodes.push(code);
        }
        self.seen.claim_sku(&sku, line).map_err(|r| ("Variant SKU", r))?;
        if let Some(code) = barcodes.first()
            && let Err(reason) = self.seen.claim_barcode(code, line)
        {
            self.seen.release(&sku, &[]);
            return Err(("Variant Barcode", reason));
        }
        let variant =
            Variant { sku, options, barcodes, price, cost, unit: Unit::Each, tax_class, components: Vec::new() };
        Ok((variant, warnings))
    }
}

/// A SKU for a variant exported without one: the handle plus its option values.
fn derived_sku(handle: &str, options: &[OptionValue]) -> String {
    let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).filter(|v| *v != "Default Title").collect();
    if values.is_empty() { handle.to_string() } else { format!("{handle}/{}", values.join("/")) }
}

fn malformed(e: &csv::Error, fallback_line: u64) -> ImportError {
    let line = e.position().map_or(fallback_line, csv::Position::line);
    ImportError::Malformed { line, reason: e.to_string() }
}

impl<R: Read> Iterator for ShopifyCsvReader<R> {
    type Item = Result<Entry, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(entry) = self.out.pop_front() {
                return Some(Ok(entry));
            }
            if self.done {
                return None;
            }
            match self.csv.read_record(&mut self.row) {
                Ok(true) => {
                    let line = self.row.position().map_or(0, csv::Position::line);
                    self.read_row(line);
                }
                Ok(false) => {
                    self.flush();
                    self.done = true;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(malformed(&e, 0)));
                }
            }
        }
    }
}
