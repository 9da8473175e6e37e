//! HQ reads what it stored through typed, fallible row mappers: a value that cannot be
//! what its column holds is an error naming the table and column — never an empty string
//! or a zero that a report would add up as if it were true.
#![allow(clippy::unwrap_used, missing_docs)]

use till_hq::Hq;

fn now() -> jiff::Timestamp {
    "2024-05-01T09:00:00Z".parse().unwrap()
}

/// An HQ on a SQLite file, and a second connection to that file for changing it behind
/// HQ's back.
fn hq_and_file() -> (tempfile::TempDir, Hq, rusqlite::Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.sqlite");
    let hq = Hq::open(&format!("sqlite:{}", path.display())).unwrap();
    let file = rusqlite::Connection::open(&path).unwrap();
    (dir, hq, file)
}

#[test]
fn a_malformed_amount_or_count_is_an_error_naming_its_table_and_column() {
    let (_dir, hq, file) = hq_and_file();
    hq.add_register("AMS-01", "R1", now()).unwrap();
    let report = hq.sales_report(None).unwrap();
    assert_eq!((report[0].grand_total.to_string(), report[0].through_seq), ("0".to_string(), 0));

    file.execute("UPDATE registers SET grand_total = '12,50'", []).unwrap();
    let e = hq.sales_report(None).unwrap_err().to_string();
    assert_eq!(e, "internal error: stored registers.grand_total: '12,50' is not a decimal");

    file.execute("UPDATE registers SET grand_total = '0', through_seq = 'many'", []).unwrap();
    let e = hq.registers().unwrap_err().to_string();
    assert_eq!(e, "internal error: stored registers.through_seq: text where an integer is required");

    file.execute("UPDATE registers SET through_seq = -1", []).unwrap();
    let e = hq.registers().unwrap_err().to_string();
    assert_eq!(e, "internal error: stored registers.through_seq: -1 where a count (0 or more) is required");
}

#[test]
fn a_location_with_a_blank_cost_is_refused_not_listed_as_free() {
    let (_dir, hq, file) = hq_and_file();
    let site = till_hq::domain::routing::Site {
        id: "AMS-01".into(),
        kind: "store".into(),
        lat: "52.3791".parse().unwrap(),
        lon: "4.9003".parse().unwrap(),
        pickup: true,
        ship: true,
        safety_buffer: "1".parse().unwrap(),
        cost: "4.95".parse().unwrap(),
        sla_hours: 24,
    };
    hq.add_location(&till_hq::LocationSpec { site, shopify_location: String::new() }, now()).unwrap();
    assert_eq!(hq.locations().unwrap()[0].cost, "4.95");

    file.execute("UPDATE locations SET cost = ''", []).unwrap();
    let e = hq.locations().unwrap_err().to_string();
    assert_eq!(e, "internal error: stored locations.cost: '' is not a decimal");
    file.execute("UPDATE locations SET cost = '4.95', pickup = 2", []).unwrap();
    let e = hq.chain_stock().unwrap_err().to_string();
    assert_eq!(e, "internal error: stored locations.pickup: 2 where a flag (0 or 1) is required");
}

#[test]
fn a_schema_version_that_is_not_a_number_stops_hq_from_opening() {
    let (dir, hq, file) = hq_and_file();
    drop(hq);
    file.execute("UPDATE hq_meta SET value = 'five' WHERE key = 'schema_version'", []).unwrap();
    let Err(e) = Hq::open(&format!("sqlite:{}", dir.path().join("hq.sqlite").display())) else {
        panic!("HQ opened a database whose schema version it cannot read")
    };
    assert_eq!(e.to_string(), "database: stored hq_meta.value of schema_version: 'five' is not a number");
}
