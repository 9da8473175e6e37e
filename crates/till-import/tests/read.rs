//! Reading catalog files: every row is imported, rejected with its line and reason, or
//! skipped with a reason.
#![allow(clippy::unwrap_used)]

use till_domain::Unit;
use till_import::{Entry, Format, ImportError, ImportOptions, Record, reader};

fn options() -> ImportOptions {
    ImportOptions {
        tax_classes: vec!["standard".into(), "reduced".into(), "zero".into()],
        default_tax_class: "standard".into(),
        exempt_tax_class: Some("zero".into()),
        minor_units: 2,
    }
}

fn read(format: Format, text: &str) -> Vec<Entry> {
    reader(format, text.as_bytes(), options()).unwrap().map(Result::unwrap).collect()
}

fn summary(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| match e {
            Entry::Record { line, record: Record::Product { product, variant_lines } } => format!(
                "{line}: product {} [{}] variants {:?} at {:?}",
                product.handle,
                product.title,
                product
                    .variants
                    .iter()
                    .map(|v| format!(
                        "{}={}{}",
                        v.sku,
                        v.price,
                        if v.barcodes.is_empty() { String::new() } else { format!("/{}", v.barcodes.join("+")) }
                    ))
                    .collect::<Vec<_>>(),
                variant_lines
            ),
            Entry::Record { line, record } => format!("{line}: {record:?}"),
            Entry::Rejected(e) => format!("rejected {e}"),
            Entry::Warning(w) => format!("warning {w}"),
            Entry::Skipped { line, reason } => format!("skipped line {line}: {reason}"),
        })
        .collect()
}

const HEADER: &str = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Status";

#[test]
fn shopify_export_with_variants_and_image_rows() {
    let csv = format!(
        "{HEADER}\n\
tee,Organic Tee,<p>Soft</p>,Acme,Apparel > Shirts,,summer,TRUE,Size,S,Color,Blue,,,TEE-S-BLU,200,shopify,5,deny,manual,19.99,,TRUE,TRUE,4006381333931,https://x/1.jpg,1,,FALSE,,kg,,7.50,active\n\
tee,,,,,,,,,M,,Blue,,,TEE-M-BLU,200,shopify,5,deny,manual,19.99,,TRUE,TRUE,4006381333948,,,,,,kg,,7.50,\n\
tee,,,,,,,,,,,,,,,,,,,,,,,,,https://x/2.jpg,2,,,,,,,\n\
mug,Mug,,Acme,,Kitchen,,TRUE,Title,Default Title,,,,,MUG-1,300,shopify,1,deny,manual,8.50,,TRUE,FALSE,\"'0036000291452\",,,,FALSE,,kg,,3.10,active\n"
    );
    let entries = read(Format::ShopifyCsv, &csv);
    assert_eq!(
        summary(&entries),
        [
            "skipped line 4: no variant data (image row)",
            "2: product tee [Organic Tee] variants [\"TEE-S-BLU=19.99/4006381333931\", \"TEE-M-BLU=19.99/4006381333948\"] at [2, 3]",
            "5: product mug [Mug] variants [\"MUG-1=8.50/0036000291452\"] at [5]",
        ]
    );
    let products: Vec<_> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Record { record: Record::Product { product, .. }, .. } => Some(product.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(products.len(), 2);
    let tee = &products[0];
    assert_eq!(tee.category.as_deref(), Some("Shirts"), "Type empty: last segment of Product Category");
    assert_eq!(tee.variants.len(), 2);
    assert_eq!(tee.variants[1].options[0].name, "Size", "option names carry over from the first row");
    assert_eq!(tee.variants[1].display_name(&tee.title), "Organic Tee - M / Blue");
    assert_eq!(tee.variants[0].cost.unwrap().to_string(), "7.50");
    let mug = &products[1];
    assert_eq!(mug.variants[0].tax_class, "zero", "Variant Taxable FALSE uses the exempt class");
    assert_eq!(mug.variants[0].barcodes, vec!["0036000291452"], "the spreadsheet apostrophe is dropped");
    assert_eq!(mug.variants[0].unit, Unit::Each);
    assert!(entries.iter().any(|e| matches!(e, Entry::Skipped { line: 4, .. })));
}

#[test]
fn shopify_bad_rows_are_reported_by_line_and_the_rest_imports() {
    let csv = format!(
        "{HEADER}\n\
a,Apple,,,,Fruit,,TRUE,Title,Default Title,,,,,A-1,,,,,,abc,,,TRUE,,,,,,,,,,active\n\
b,Banana,,,,Fruit,,TRUE,Title,Default Title,,,,,B-1,,,,,,0.30,,,TRUE,4006381333932,,,,,,,,,active\n\
c,,,,,Fruit,,TRUE,Title,Default Title,,,,,C-1,,,,,,1.00,,,TRUE,,,,,,,,,,active\n\
c,,,,,,,,,Big,,,,,C-2,,,,,,1.00,,,TRUE,,,,,,,,,,\n\
d,Date,,,,Fruit,,TRUE,Title,Default Title,,,,,B-1,,,,,,2.00,,,TRUE,,,,,,,,,,active\n\
e,Elder,,,,Fruit,,TRUE,Title,Default Title,,,,,E-1,,,,,,2.001,,,TRUE,,,,,,,,,,active\n\
f,Fig,,,,Fruit,,TRUE,Title,Default Title,,,,,F-1,,,,,,2.00,,,TRUE,4.00638E+12,,,,,,gold,,,active\n\
g,Grape,,,,Fruit,,TRUE,Title,Default Title,,,,,G-1,,,,,,2.00,,,TRUE,,,,,,,,luxury,,active\n\
a,Apple again,,,,Fruit,,TRUE,Title,Default Title,,,,,A-2,,,,,,1.00,,,TRUE,,,,,,,,,,active\n\
h,Hazelnut,,,,Nuts,,TRUE,Title,Default Title,,,,,,,,,,,4.00,,,TRUE,,,,,,,,reduced,,draft\n"
    );
    let entries = read(Format::ShopifyCsv, &csv);
    let expected = [
        "rejected line 2: Variant Price: 'abc' is not a valid amount: Invalid decimal: unknown character",
        "warning line 3: barcode 4006381333932 has a wrong GTIN check digit; imported as is, found by exact match",
        "3: product b [Banana] variants [\"B-1=0.30/4006381333932\"] at [3]",
        "rejected line 4: Title: is empty on the product's first row",
        "rejected line 5: product 'c' was rejected at line 4",
        "rejected line 6: Variant SKU: SKU 'B-1' already used at line 3",
        "rejected line 7: Variant Price: 2.001 has more than 2 decimals",
        "rejected line 8: Variant Barcode: '4.00638E+12' looks like a number a spreadsheet turned into scientific notation; export barcodes as text",
        "rejected line 9: Variant Tax Code: unknown tax class 'luxury' (the store has: standard, reduced, zero)",
        "rejected line 10: Handle: handle 'a' already appeared at lines 2-2; rows of one product must be consecutive",
        "warning line 11: no Variant SKU; using 'h'",
        "11: product h [Hazelnut] variants [\"h=4.00\"] at [11]",
    ];
    assert_eq!(summary(&entries), expected);
    let hazelnut = entries.iter().find_map(|e| match e {
        Entry::Record { record: Record::Product { product, .. }, .. } if product.handle == "h" => Some(product),
        _ => None,
    });
    assert!(!hazelnut.unwrap().active, "draft products import inactive");
}

#[test]
fn shopify_header_without_required_columns_is_fatal() {
    let err = reader(Format::ShopifyCsv, "Name,Price\nx,1\n".as_bytes(), options()).err().unwrap();
    assert!(matches!(err, ImportError::Header(_)));
    assert_eq!(
        err.to_string(),
        "line 1: missing column 'Handle'; a Shopify product CSV needs at least Handle and Variant Price"
    );
}

#[test]
fn shopify_unterminated_quote_reports_every_line_it_swallowed() {
    let csv = "Handle,Title,Variant Price\na,A,1.00\nb,\"B,2.00\nc,C,3.00\n";
    let results: Vec<_> = reader(Format::ShopifyCsv, csv.as_bytes(), options()).unwrap().collect();
    let shown: Vec<String> = results.iter().map(|r| format!("{r:?}")).collect();
    assert_eq!(shown.len(), 3, "{shown:?}");
    assert!(shown[0].contains("no Variant SKU; using 'a'"));
    assert!(shown[2].contains("handle: \"a\""), "the product before the break still imports");
    assert_eq!(
        shown[1],
        "Ok(Rejected(RowError { line: 3, field: None, reason: \"the row (lines 3-5) has 2 fields where the header has 3 (a missing separator or an unterminated quote?)\" }))"
    );
}

#[test]
fn json_lines_products_prices_promotions_and_errors() {
    let text = r#"{"type":"product","handle":"cheese","title":"Gouda","category":"deli","variants":[{"sku":"GOUDA","price":"12.99","unit":"kg","tax_class":"reduced","barcodes":["2012345000000"]}]}
{"type":"product","handle":"box","title":"Gift box","variants":[{"sku":"BOX","price":"25.00","components":[{"sku":"GOUDA","quantity":"0.5"},{"sku":"WINE","quantity":"1"}]}]}

{"type":"price","list":"winter","sku":"GOUDA","price":"11.99","from":"2026-11-01T00:00:00Z"}
{"type":"promotion","id":"b2g1","name":"Buy 2 get 1","rule":{"kind":"buy_x_get_y","buy":{"categories":["tees"]},"buy_quantity":2,"get":{"categories":["tees"]},"get_quantity":1}}
{"type":"promotion","id":"t","name":"Spend 50","rule":{"kind":"spend_threshold","threshold":"50","amount":"5.00"},"coupon":"save5"}
{"type":"product","handle":"x","title":"X","variants":[{"sku":"X","price":12.5}]}
{"type":"product","handle":"y","title":"Y","variants":[{"sku":"Y","price":"1","colour":"red"}]}
{"type":"price","list":"w","sku":"Y","price":"1","from":"yesterday"}
{"type":"product","handle":"z","title":"Z","variants":[{"sku":"GOUDA","price":"1"}]}
{"type":"promotion","id":"bad","name":"Bad","rule":{"kind":"percent_off","target":"all","percent":"150"}}
not json
{"type":"product","handle":"cheese","title":"Gouda again","variants":[{"sku":"GOUDA-2","price":"1"}]}
"#;
    let entries = read(Format::JsonLines, text);
    let s = summary(&entries);
    assert!(s[0].starts_with("1: product cheese [Gouda]"), "{s:?}");
    assert_eq!(
        s[1],
        "warning line 1: barcode 2012345000000 has a wrong GTIN check digit; imported as is, found by exact match"
    );
    assert!(s[2].starts_with("2: product box"), "{s:?}");
    assert_eq!(s[3], "skipped line 3: blank line");
    assert!(s[4].starts_with("4: Price(PriceListEntry { list: \"winter\""), "{s:?}");
    assert!(s[5].starts_with("5: Promotion("), "{s:?}");
    assert!(s[6].contains("coupon: Some(\"SAVE5\")"), "{s:?}");
    assert_eq!(
        &s[7..],
        [
            "rejected line 7: invalid type: floating point `12.5`, expected a string (column 78)",
            "rejected line 8: unknown field `colour`, expected one of `sku`, `options`, `barcodes`, `price`, `cost`, `unit`, `tax_class`, `components` (column 86)",
            "rejected line 9: from: 'yesterday' is not an RFC 3339 timestamp such as 2026-06-01T00:00:00Z (failed to parse four digit integer as year: invalid digit, expected 0-9 but got y)",
            "rejected line 10: variants[0].sku: SKU 'GOUDA' already used at line 1",
            "rejected line 11: rule: promotion 'bad': percent 150 is not in (0, 100]",
            "rejected line 12: expected ident (column 2)",
            "rejected line 13: handle: handle 'cheese' already used at line 1",
        ]
    );
}

#[test]
fn json_lines_refuse_what_would_break_a_sale_later() {
    let text = "\u{feff}{\"type\":\"product\",\"handle\":\"a\",\"title\":\"A\",\"variants\":[{\"sku\":\"A\",\"price\":\"1\"}]}
{\"type\":\"promotion\",\"id\":\"huge\",\"name\":\"x\",\"rule\":{\"kind\":\"buy_x_get_y\",\"buy\":\"all\",\"buy_quantity\":4000000000,\"get\":\"all\",\"get_quantity\":1}}
{\"type\":\"promotion\",\"id\":\"set\",\"name\":\"x\",\"rule\":{\"kind\":\"mix_and_match\",\"target\":\"all\",\"quantity\":100000,\"price\":\"1\"}}
{\"type\":\"promotion\",\"id\":\"blank\",\"name\":\"x\",\"coupon\":\"  \",\"rule\":{\"kind\":\"percent_off\",\"target\":\"all\",\"percent\":\"10\"}}
{\"type\":\"product\",\"handle\":\"box\",\"title\":\"Box\",\"variants\":[{\"sku\":\"BOX\",\"price\":\"9\",\"components\":[{\"sku\":\"A\",\"quantity\":\"1\"},{\"sku\":\"A\",\"quantity\":\"2\"}]}]}
{\"type\":\"price\",\"list\":\"w\",\"sku\":\"A\",\"price\":\"1\",\"from\":\"2026-06-01T00:00:00Z\",\"to\":\"2026-05-01T00:00:00Z\"}
";
    let s = summary(&read(Format::JsonLines, text));
    assert!(s[0].starts_with("1: product a [A]"), "a byte-order mark does not cost the first line: {s:?}");
    assert_eq!(
        &s[1..],
        [
            "rejected line 2: rule: promotion 'huge': buy and get quantities must be at most 99999",
            "rejected line 3: rule: promotion 'set': a mix-and-match set has at most 99999 pieces",
            "rejected line 4: coupon: is blank; leave it out for a promotion without a code",
            "rejected line 5: variants[0].components[1].sku: A is listed twice; give one quantity",
            "rejected line 6: to: '2026-05-01T00:00:00Z' is not after 'from' (2026-06-01T00:00:00Z)",
        ]
    );
}
