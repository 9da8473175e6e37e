//! Order routing: which location fills which line of an order, and why. Pure — the caller
//! reads the locations, their stock and the reservations, and passes them in; the
//! decision comes back with a JSON explanation naming every candidate, what it has, and
//! the rule that picked the winner.
//!
//! Rules, in order:
//! - **Pickup**: the order's pickup store, for every line it can fill; a line it cannot
//!   fill stays unrouted with the reason (the customer chose the store; HQ does not move
//!   the pickup elsewhere on its own).
//! - **Ship**: among locations that ship, the one that can fill every line with the best
//!   score — nearest to the customer (haversine), then cheapest shipment, then shortest
//!   SLA, then location id (so a tie is decided the same way every time).
//! - **Split**: when no single location can fill every line, each line goes to the best
//!   location (same score) that can fill that line; a line no location can fill stays
//!   unrouted.
//!
//! Available stock at a location = on hand (HQ's counters) − active reservations − the
//! location's safety buffer, never below zero.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::status::OrderEvent;

/// A location orders can be routed to.
#[derive(Debug, Clone)]
pub struct Site {
    /// Its id (a store code, or a DC's).
    pub id: String,
    /// `store` or `dc`.
    pub kind: String,
    /// Latitude, decimal degrees.
    pub lat: Decimal,
    /// Longitude, decimal degrees.
    pub lon: Decimal,
    /// Customers may pick orders up here.
    pub pickup: bool,
    /// Orders may ship from here.
    pub ship: bool,
    /// Units of each SKU held back from online orders.
    pub safety_buffer: Decimal,
    /// Cost of one shipment from here.
    pub cost: Decimal,
    /// Promised hours to ship.
    pub sla_hours: i64,
}

/// What a location holds of a SKU, as routing sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holding {
    /// HQ's counters for the location (sellable stock).
    pub on_hand: Decimal,
    /// Reserved by other orders.
    pub reserved: Decimal,
}

/// A line to route (a line matched to the catalog).
#[derive(Debug, Clone)]
pub struct Want {
    /// Line number in the order.
    pub n: i64,
    /// Catalog SKU.
    pub sku: String,
    /// Quantity ordered.
    pub quantity: Decimal,
}

/// How the order reaches the customer.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// Collected at a store: the HQ location it maps to (if any) and what the order named.
    Pickup {
        /// The HQ location, when the name maps to one.
        location: Option<String>,
        /// What the order named (Shopify's pickup location name, or an id).
        asked: String,
    },
    /// Shipped to the customer, at these coordinates when known.
    Ship {
        /// Latitude and longitude of the shipping address.
        to: Option<(Decimal, Decimal)>,
    },
}

/// Everything a routing decision is made from.
pub struct Input<'a> {
    /// Pickup or ship.
    pub delivery: &'a Delivery,
    /// Every location.
    pub sites: &'a [Site],
    /// Locations this order may not use, with why (a store rejected it).
    pub excluded: &'a BTreeMap<String, String>,
    /// Stock by (location, SKU).
    pub holdings: &'a BTreeMap<(String, String), Holding>,
    /// The lines to route.
    pub lines: &'a [Want],
    /// Lines that cannot be routed at all (unknown SKU), with why.
    pub unknown: &'a [(i64, String)],
}

/// A routing decision.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Lines routed: line number, location, quantity to reserve there.
    pub routed: Vec<(i64, String, Decimal)>,
    /// Lines not routed, with why.
    pub unrouted: Vec<(i64, String)>,
    /// What the decision does to the order: every line, some or none routed (its status
    /// follows by [`crate::domain::status::transition`]).
    pub event: OrderEvent,
    /// Candidates, their stock, distance, cost, SLA, the winner and the rule.
    pub explanation: Value,
}

/// Great-circle distance in whole metres (haversine, mean Earth radius).
///
/// Floating point is used here and only here: a distance ranks candidates and is never
/// money; it is rounded to whole metres so the ranking is an integer comparison.
#[allow(clippy::float_arithmetic, clippy::cast_possible_truncation)]
pub fn distance_m(a: (Decimal, Decimal), b: (Decimal, Decimal)) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    let f = |d: Decimal| d.to_f64().unwrap_or(0.0).to_radians();
    let (lat1, lon1, lat2, lon2) = (f(a.0), f(a.1), f(b.0), f(b.1));
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    (2.0 * 6_371_000.0 * h.sqrt().min(1.0).asin()).round() as i64
}

/// Metres as kilometres with one decimal, for explanations.
fn km(m: i64) -> String {
    (Decimal::new(m, 3).round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)).to_string()
}

/// One candidate location, scored.
struct Candidate<'a> {
    site: &'a Site,
    distance: Option<i64>,
}

impl Candidate<'_> {
    /// The score: nearer, then cheaper, then faster, then by id. Unknown distance sorts last.
    fn key(&self) -> (i64, Decimal, i64, &str) {
        (self.distance.unwrap_or(i64::MAX), self.site.cost, self.site.sla_hours, self.site.id.as_str())
    }
}

/// Which part of the score decided between the winner and the runner-up.
fn deciding_rule(winner: &Candidate, runner_up: Option<&Candidate>) -> (&'static str, String) {
    let w = winner.site;
    let Some(r) = runner_up else {
        return ("only_candidate", format!("{} is the only location that can fill every line", w.id));
    };
    let (wd, rd) = (winner.distance, r.distance);
    if wd != rd {
        let text = match (wd, rd) {
            (Some(a), Some(b)) => format!(
                "{} is the nearest location that can fill every line ({} km; next {} at {} km)",
                w.id,
                km(a),
                r.site.id,
                km(b)
            ),
            _ => format!("{} is the only location with a known distance that can fill every line", w.id),
        };
        return ("nearest", text);
    }
    if w.cost != r.site.cost {
        return (
            "cheapest",
            format!("equally near; {} ships cheapest ({} against {} from {})", w.id, w.cost, r.site.cost, r.site.id),
        );
    }
    if w.sla_hours != r.site.sla_hours {
        return (
            "fastest",
            format!(
                "equally near and as cheap; {} has the shortest SLA ({} h against {} h at {})",
                w.id, w.sla_hours, r.site.sla_hours, r.site.id
            ),
        );
    }
    ("location_id", format!("equal on distance, cost and SLA with {}; first by location id: {}", r.site.id, w.id))
}

/// Decides where each line goes.
pub fn route(input: &Input) -> Decision {
    let available = |site: &Site, sku: &str, taken: &BTreeMap<(String, String), Decimal>| -> Decimal {
        let key = (site.id.clone(), sku.to_string());
        let h = input.holdings.get(&key).copied().unwrap_or_default();
        let t = taken.get(&key).copied().unwrap_or_default();
        (h.on_hand - h.reserved - site.safety_buffer - t).max(Decimal::ZERO)
    };
    let stock_of = |site: &Site, taken: &BTreeMap<(String, String), Decimal>| -> Vec<Value> {
        input
            .lines
            .iter()
            .map(|l| {
                let h = input.holdings.get(&(site.id.clone(), l.sku.clone())).copied().unwrap_or_default();
                json!({
                    "line": l.n, "sku": l.sku, "needed": l.quantity.to_string(),
                    "on_hand": h.on_hand.normalize().to_string(), "reserved": h.reserved.normalize().to_string(),
                    "safety_buffer": site.safety_buffer.normalize().to_string(),
                    "available": available(site, &l.sku, taken).normalize().to_string(),
                })
            })
            .collect()
    };
    let excluded: Vec<Value> = input.excluded.iter().map(|(l, why)| json!({"location": l, "reason": why})).collect();
    let mut routed = Vec::new();
    let mut unrouted: Vec<(i64, String)> = input.unknown.to_vec();
    let mut explanation = json!({"excluded": excluded});
    let no_taken = BTreeMap::new();

    match input.delivery {
        Delivery::Pickup { location, asked } => {
            explanation["mode"] = json!("pickup");
            explanation["pickup"] = json!({"asked": asked, "location": location});
            let site = location.as_ref().and_then(|id| input.sites.iter().find(|s| &s.id == id));
            let refused = match (location, site) {
                (None, _) => Some(format!(
                    "pickup location '{asked}' is not mapped to an HQ location (till-hq location add … --shopify-location '{asked}')"
                )),
                (Some(id), None) => Some(format!("pickup location {id} is not an HQ location")),
                (Some(id), Some(_)) if input.excluded.contains_key(id) => {
                    Some(format!("pickup store {id} rejected the order: {}", input.excluded[id]))
                }
                (Some(id), Some(s)) if !s.pickup => Some(format!("{id} does not offer pickup")),
                _ => None,
            };
            if let Some(why) = refused {
                unrouted.extend(input.lines.iter().map(|l| (l.n, why.clone())));
                explanation["rule"] = json!("pickup_store");
                explanation["winner"] = Value::Null;
                explanation["summary"] = json!(why);
            } else if let Some(site) = site {
                explanation["candidates"] = json!([{
                    "location": site.id, "kind": site.kind, "cost": site.cost.to_string(),
                    "sla_hours": site.sla_hours, "stock": stock_of(site, &no_taken),
                }]);
                let mut short = Vec::new();
                for l in input.lines {
                    let a = available(site, &l.sku, &no_taken);
                    if a >= l.quantity {
                        routed.push((l.n, site.id.clone(), l.quantity));
                    } else {
                        let why = format!(
                            "pickup store {} cannot fill line {} ({}): {} available of {} needed",
                            site.id,
                            l.n,
                            l.sku,
                            a.normalize(),
                            l.quantity
                        );
                        short.push(why.clone());
                        unrouted.push((l.n, why));
                    }
                }
                explanation["rule"] = json!("pickup_store");
                explanation["winner"] = json!(site.id);
                explanation["summary"] = json!(if short.is_empty() {
                    format!("pickup at {}, the order's pickup store, which can fill every line", site.id)
                } else {
                    format!("pickup at {}, the order's pickup store; {}", site.id, short.join("; "))
                });
            }
        }
        Delivery::Ship { to } => {
            explanation["mode"] = json!("ship");
            explanation["customer"] =
                to.map_or(Value::Null, |(lat, lon)| json!({"lat": lat.to_string(), "lon": lon.to_string()}));
            let mut candidates: Vec<Candidate> = input
                .sites
                .iter()
                .filter(|s| s.ship && !input.excluded.contains_key(&s.id))
                .map(|s| Candidate { site: s, distance: to.map(|c| distance_m(c, (s.lat, s.lon))) })
                .collect();
            candidates.sort_by(|a, b| a.key().cmp(&b.key()));
            let fills_all =
                |c: &Candidate| input.lines.iter().all(|l| available(c.site, &l.sku, &no_taken) >= l.quantity);
            explanation["candidates"] = Value::Array(
                candidates
                    .iter()
                    .map(|c| {
                        json!({
                            "location": c.site.id, "kind": c.site.kind,
                            "distance_km": c.distance.map(km), "cost": c.site.cost.to_string(),
                            "sla_hours": c.site.sla_hours, "fills_all": fills_all(c),
                            "stock": stock_of(c.site, &no_taken),
                        })
                    })
                    .collect(),
            );
            let fillers: Vec<&Candidate> = candidates.iter().filter(|c| fills_all(c)).collect();
            if input.lines.is_empty() {
                explanation["rule"] = json!("none");
                explanation["winner"] = Value::Null;
                explanation["summary"] = json!("no line can be routed");
            } else if let Some(winner) = fillers.first() {
                let (rule, text) = deciding_rule(winner, fillers.get(1).copied());
                routed.extend(input.lines.iter().map(|l| (l.n, winner.site.id.clone(), l.quantity)));
                explanation["rule"] = json!(rule);
                explanation["winner"] = json!(winner.site.id);
                explanation["split"] = json!(false);
                explanation["summary"] = json!(text);
            } else {
                let lacks: Vec<String> = candidates
                    .iter()
                    .map(|c| {
                        let missing: Vec<String> = input
                            .lines
                            .iter()
                            .filter(|l| available(c.site, &l.sku, &no_taken) < l.quantity)
                            .map(|l| {
                                format!(
                                    "{} ({} available of {})",
                                    l.sku,
                                    available(c.site, &l.sku, &no_taken).normalize(),
                                    l.quantity
                                )
                            })
                            .collect();
                        format!("{} lacks {}", c.site.id, missing.join(", "))
                    })
                    .collect();
                let mut taken: BTreeMap<(String, String), Decimal> = BTreeMap::new();
                let mut used = Vec::new();
                for l in input.lines {
                    match candidates.iter().find(|c| available(c.site, &l.sku, &taken) >= l.quantity) {
                        Some(c) => {
                            *taken.entry((c.site.id.clone(), l.sku.clone())).or_default() += l.quantity;
                            routed.push((l.n, c.site.id.clone(), l.quantity));
                            if !used.contains(&c.site.id) {
                                used.push(c.site.id.clone());
                            }
                        }
                        None => unrouted.push((
                            l.n,
                            format!("no location can fill line {} ({}): {} needed", l.n, l.sku, l.quantity),
                        )),
                    }
                }
                let why = if candidates.is_empty() {
                    "no location ships this order".to_string()
                } else {
                    format!("no single location can fill every line ({})", lacks.join("; "))
                };
                explanation["rule"] = json!(if used.is_empty() { "none" } else { "split_per_line" });
                explanation["winner"] = Value::Null;
                explanation["split"] = json!(used.len() > 1);
                explanation["shipments"] = json!(used);
                explanation["summary"] = json!(if used.is_empty() {
                    why
                } else {
                    format!(
                        "split shipment from {}: {why}; each line goes to the nearest location that can fill it",
                        used.join(" and ")
                    )
                });
            }
        }
    }
    unrouted.sort();
    let mut lines: Vec<Value> = routed
        .iter()
        .map(|(n, loc, q)| json!({"line": n, "location": loc, "quantity": q.to_string()}))
        .chain(unrouted.iter().map(|(n, why)| json!({"line": n, "location": Value::Null, "why": why})))
        .collect();
    lines.sort_by_key(|v| v["line"].as_i64());
    explanation["lines"] = Value::Array(lines);
    let event = match (routed.is_empty(), unrouted.is_empty()) {
        (false, true) => OrderEvent::RoutedAll,
        (false, false) => OrderEvent::RoutedSome,
        (true, _) => OrderEvent::RoutedNone,
    };
    Decision { routed, unrouted, event, explanation }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn site(id: &str, lat: Decimal, lon: Decimal, cost: Decimal) -> Site {
        Site {
            id: id.into(),
            kind: "store".into(),
            lat,
            lon,
            pickup: true,
            ship: true,
            safety_buffer: dec!(1),
            cost,
            sla_hours: 24,
        }
    }

    #[test]
    fn amsterdam_to_utrecht_is_about_35_km() {
        let d = distance_m((dec!(52.3702), dec!(4.8952)), (dec!(52.0907), dec!(5.1214)));
        assert!((34_000..36_000).contains(&d), "{d}");
    }

    #[test]
    fn nearest_filler_wins_then_split_when_none_fills_all() {
        let sites = [site("AMS", dec!(52.37), dec!(4.89), dec!(2)), site("DC", dec!(51.92), dec!(4.48), dec!(1))];
        let mut holdings = BTreeMap::new();
        holdings.insert(("AMS".into(), "A".into()), Holding { on_hand: dec!(3), reserved: dec!(0) });
        holdings.insert(("DC".into(), "A".into()), Holding { on_hand: dec!(10), reserved: dec!(0) });
        holdings.insert(("DC".into(), "B".into()), Holding { on_hand: dec!(10), reserved: dec!(0) });
        let lines = [Want { n: 1, sku: "A".into(), quantity: dec!(2) }];
        let excluded = BTreeMap::new();
        let delivery = Delivery::Ship { to: Some((dec!(52.36), dec!(4.90))) };
        let input = Input {
            delivery: &delivery,
            sites: &sites,
            excluded: &excluded,
            holdings: &holdings,
            lines: &lines,
            unknown: &[],
        };
        let d = route(&input);
        assert_eq!(d.routed, vec![(1, "AMS".to_string(), dec!(2))]);
        assert_eq!(d.explanation["rule"], "nearest");

        let lines =
            [Want { n: 1, sku: "A".into(), quantity: dec!(2) }, Want { n: 2, sku: "B".into(), quantity: dec!(1) }];
        holdings.insert(("DC".into(), "A".into()), Holding { on_hand: dec!(10), reserved: dec!(9) });
        let input = Input {
            delivery: &delivery,
            sites: &sites,
            excluded: &excluded,
            holdings: &holdings,
            lines: &lines,
            unknown: &[],
        };
        let d = route(&input);
        assert_eq!(d.routed, vec![(1, "AMS".to_string(), dec!(2)), (2, "DC".to_string(), dec!(1))]);
        assert_eq!(d.event, OrderEvent::RoutedAll);
        assert_eq!(d.explanation["rule"], "split_per_line");
        assert!(d.explanation["summary"].as_str().unwrap().contains("AMS lacks B"), "{}", d.explanation);
    }
}
