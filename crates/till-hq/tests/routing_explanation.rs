//! HQ's routing explanation as a reviewer reads it: the JSON `till-hq orders` shows for a
//! decision, pretty printed, as inline snapshots (`expect-test`; `UPDATE_EXPECT=1 cargo
//! test -p till-hq --test routing_explanation` rewrites them, then read the diff). The
//! chain is the test chain's: Amsterdam and Utrecht stores, the Rotterdam DC.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use expect_test::{Expect, expect};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use till_hq::domain::routing::{Delivery, Holding, Input, Site, Want, route};

fn site(id: &str, kind: &str, (lat, lon): (Decimal, Decimal), cost: Decimal, sla_hours: i64) -> Site {
    let store = kind == "store";
    Site {
        id: id.into(),
        kind: kind.into(),
        lat,
        lon,
        pickup: store,
        ship: true,
        safety_buffer: if store { dec!(1) } else { dec!(0) },
        cost,
        sla_hours,
    }
}

fn chain() -> Vec<Site> {
    vec![
        site("AMS-01", "store", (dec!(52.3791), dec!(4.9003)), dec!(4.95), 24),
        site("UTR-01", "store", (dec!(52.0907), dec!(5.1214)), dec!(4.95), 24),
        site("DC-01", "dc", (dec!(51.9244), dec!(4.4777)), dec!(2.50), 48),
    ]
}

/// Stock as (location, SKU, on hand, reserved by other orders).
fn holdings(rows: &[(&str, &str, Decimal, Decimal)]) -> BTreeMap<(String, String), Holding> {
    rows.iter()
        .map(|(at, sku, on_hand, reserved)| {
            ((at.to_string(), sku.to_string()), Holding { on_hand: *on_hand, reserved: *reserved })
        })
        .collect()
}

fn want(n: i64, sku: &str, quantity: Decimal) -> Want {
    Want { n, sku: sku.into(), quantity }
}

/// Routes `lines` shipped to a customer near Amsterdam's canals and checks the
/// explanation against `snapshot`.
fn check_shipped(stock: &[(&str, &str, Decimal, Decimal)], lines: &[Want], snapshot: Expect) {
    let delivery = Delivery::Ship { to: Some((dec!(52.3752), dec!(4.8840))) };
    let decision = route(&Input {
        delivery: &delivery,
        sites: &chain(),
        excluded: &BTreeMap::new(),
        holdings: &holdings(stock),
        lines,
        unknown: &[],
    });
    snapshot.assert_eq(&serde_json::to_string_pretty(&decision.explanation).unwrap());
}

#[test]
fn one_location_that_fills_every_line_nearest_first() {
    // Amsterdam's one tote is its safety buffer; Utrecht has both items, the DC too.
    check_shipped(
        &[
            ("AMS-01", "TOTE-1", dec!(1), dec!(0)),
            ("UTR-01", "TOTE-1", dec!(5), dec!(0)),
            ("UTR-01", "MUG-1", dec!(4), dec!(1)),
            ("DC-01", "TOTE-1", dec!(20), dec!(0)),
            ("DC-01", "MUG-1", dec!(4), dec!(0)),
        ],
        &[want(1, "TOTE-1", dec!(2)), want(2, "MUG-1", dec!(1))],
        expect![[r#"
            {
              "candidates": [
                {
                  "cost": "4.95",
                  "distance_km": "1.2",
                  "fills_all": false,
                  "kind": "store",
                  "location": "AMS-01",
                  "sla_hours": 24,
                  "stock": [
                    {
                      "available": "0",
                      "line": 1,
                      "needed": "2",
                      "on_hand": "1",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "TOTE-1"
                    },
                    {
                      "available": "0",
                      "line": 2,
                      "needed": "1",
                      "on_hand": "0",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "MUG-1"
                    }
                  ]
                },
                {
                  "cost": "4.95",
                  "distance_km": "35.5",
                  "fills_all": true,
                  "kind": "store",
                  "location": "UTR-01",
                  "sla_hours": 24,
                  "stock": [
                    {
                      "available": "4",
                      "line": 1,
                      "needed": "2",
                      "on_hand": "5",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "TOTE-1"
                    },
                    {
                      "available": "2",
                      "line": 2,
                      "needed": "1",
                      "on_hand": "4",
                      "reserved": "1",
                      "safety_buffer": "1",
                      "sku": "MUG-1"
                    }
                  ]
                },
                {
                  "cost": "2.50",
                  "distance_km": "57.3",
                  "fills_all": true,
                  "kind": "dc",
                  "location": "DC-01",
                  "sla_hours": 48,
                  "stock": [
                    {
                      "available": "20",
                      "line": 1,
                      "needed": "2",
                      "on_hand": "20",
                      "reserved": "0",
                      "safety_buffer": "0",
                      "sku": "TOTE-1"
                    },
                    {
                      "available": "4",
                      "line": 2,
                      "needed": "1",
                      "on_hand": "4",
                      "reserved": "0",
                      "safety_buffer": "0",
                      "sku": "MUG-1"
                    }
                  ]
                }
              ],
              "customer": {
                "lat": "52.3752",
                "lon": "4.8840"
              },
              "excluded": [],
              "lines": [
                {
                  "line": 1,
                  "location": "UTR-01",
                  "quantity": "2"
                },
                {
                  "line": 2,
                  "location": "UTR-01",
                  "quantity": "1"
                }
              ],
              "mode": "ship",
              "rule": "nearest",
              "split": false,
              "summary": "UTR-01 is the nearest location that can fill every line (35.5 km; next DC-01 at 57.3 km)",
              "winner": "UTR-01"
            }"#]],
    );
}

#[test]
fn a_split_when_no_location_fills_every_line() {
    // Totes only in Amsterdam, notebooks only at the DC.
    check_shipped(
        &[("AMS-01", "TOTE-1", dec!(3), dec!(0)), ("DC-01", "NOTE-A5", dec!(10), dec!(0))],
        &[want(1, "TOTE-1", dec!(2)), want(2, "NOTE-A5", dec!(4))],
        expect![[r#"
            {
              "candidates": [
                {
                  "cost": "4.95",
                  "distance_km": "1.2",
                  "fills_all": false,
                  "kind": "store",
                  "location": "AMS-01",
                  "sla_hours": 24,
                  "stock": [
                    {
                      "available": "2",
                      "line": 1,
                      "needed": "2",
                      "on_hand": "3",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "TOTE-1"
                    },
                    {
                      "available": "0",
                      "line": 2,
                      "needed": "4",
                      "on_hand": "0",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "NOTE-A5"
                    }
                  ]
                },
                {
                  "cost": "4.95",
                  "distance_km": "35.5",
                  "fills_all": false,
                  "kind": "store",
                  "location": "UTR-01",
                  "sla_hours": 24,
                  "stock": [
                    {
                      "available": "0",
                      "line": 1,
                      "needed": "2",
                      "on_hand": "0",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "TOTE-1"
                    },
                    {
                      "available": "0",
                      "line": 2,
                      "needed": "4",
                      "on_hand": "0",
                      "reserved": "0",
                      "safety_buffer": "1",
                      "sku": "NOTE-A5"
                    }
                  ]
                },
                {
                  "cost": "2.50",
                  "distance_km": "57.3",
                  "fills_all": false,
                  "kind": "dc",
                  "location": "DC-01",
                  "sla_hours": 48,
                  "stock": [
                    {
                      "available": "0",
                      "line": 1,
                      "needed": "2",
                      "on_hand": "0",
                      "reserved": "0",
                      "safety_buffer": "0",
                      "sku": "TOTE-1"
                    },
                    {
                      "available": "10",
                      "line": 2,
                      "needed": "4",
                      "on_hand": "10",
                      "reserved": "0",
                      "safety_buffer": "0",
                      "sku": "NOTE-A5"
                    }
                  ]
                }
              ],
              "customer": {
                "lat": "52.3752",
                "lon": "4.8840"
              },
              "excluded": [],
              "lines": [
                {
                  "line": 1,
                  "location": "AMS-01",
                  "quantity": "2"
                },
                {
                  "line": 2,
                  "location": "DC-01",
                  "quantity": "4"
                }
              ],
              "mode": "ship",
              "rule": "split_per_line",
              "shipments": [
                "AMS-01",
                "DC-01"
              ],
              "split": true,
              "summary": "split shipment from AMS-01 and DC-01: no single location can fill every line (AMS-01 lacks NOTE-A5 (0 available of 4); UTR-01 lacks TOTE-1 (0 available of 2), NOTE-A5 (0 available of 4); DC-01 lacks TOTE-1 (0 available of 2)); each line goes to the nearest location that can fill it",
              "winner": null
            }"#]],
    );
}
