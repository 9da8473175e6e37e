//! HQ's view of a fleet of registers in shapes that compare with the registers' own
//! (`TempRegister::own_totals`): totals per register and the booked sales.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::hq::HqProcess;

/// A register's totals in one shape, so HQ's report and the register's own X report
/// compare with `==`: counts, totals and grand total, taxes per rate, tenders.
pub fn totals_json(
    sales: u64,
    total: Decimal,
    grand: Decimal,
    taxes: Vec<(Decimal, Decimal, Decimal, Decimal)>,
    tenders: Vec<(String, u64, Decimal)>,
) -> serde_json::Value {
    serde_json::json!({
        "sales": sales,
        "total": total.normalize().to_string(),
        "grand_total": grand.normalize().to_string(),
        "taxes": taxes.iter().map(|(r, n, t, g)| [r, n, t, g].map(|d| d.normalize().to_string())).collect::<Vec<_>>(),
        "tenders": tenders.iter().map(|(name, count, amount)| (name.clone(), *count, amount.normalize().to_string())).collect::<Vec<_>>(),
    })
}

/// A decimal from HQ's JSON (decimals are strings).
pub fn dec(v: &serde_json::Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// HQ's report per register (`STORE/REGISTER` → totals in [`totals_json`]'s shape).
pub fn hq_totals(hq: &HqProcess) -> BTreeMap<String, serde_json::Value> {
    hq.admin_json(&["report", "sales"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = format!("{}/{}", r["store"].as_str().unwrap(), r["register"].as_str().unwrap());
            let taxes = r["taxes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (dec(&t["rate"]), dec(&t["net"]), dec(&t["tax"]), dec(&t["gross"])))
                .collect();
            let tenders = r["tenders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t["tender"].as_str().unwrap().to_string(), t["count"].as_u64().unwrap(), dec(&t["amount"])))
                .collect();
            let totals =
                totals_json(r["sales"].as_u64().unwrap(), dec(&r["total"]), dec(&r["grand_total"]), taxes, tenders);
            (key, totals)
        })
        .collect()
}

/// HQ's booked sales: id → register key, and how many rows each id has.
pub fn hq_sales(hq: &HqProcess) -> Vec<(String, String)> {
    hq.admin_json(&["report", "receipts"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                format!("{}/{}", r["store"].as_str().unwrap(), r["register"].as_str().unwrap()),
            )
        })
        .collect()
}
