//! Promotion rules as stored in `promotions.rule` (JSON, decimals as strings).

use serde_json::{Value, json};
use till_domain::{Discount, PromotionRule, Target};

fn encode_target(t: &Target) -> Value {
    match t {
        Target::All => json!("all"),
        Target::Skus(s) => json!({ "skus": s }),
        Target::Categories(c) => json!({ "categories": c }),
    }
}

/// The stored JSON of a promotion rule.
pub(crate) fn encode(rule: &PromotionRule) -> Value {
    match rule {
        PromotionRule::PercentOff { target, percent } => {
            json!({ "kind": "percent_off", "target": encode_target(target), "percent": percent.to_string() })
        }
        PromotionRule::AmountOff { target, amount } => {
            json!({ "kind": "amount_off", "target": encode_target(target), "amount": amount.to_string() })
        }
        PromotionRule::BuyXGetY { buy, buy_quantity, get, get_quantity, percent } => json!({
            "kind": "buy_x_get_y", "buy": encode_target(buy), "buy_quantity": buy_quantity,
            "get": encode_target(get), "get_quantity": get_quantity, "percent": percent.to_string()
        }),
        PromotionRule::MixAndMatch { target, quantity, price } => json!({
            "kind": "mix_and_match", "target": encode_target(target), "quantity": quantity, "price": price.to_string()
        }),
        PromotionRule::SpendThreshold { threshold, reward } => match reward {
            Discount::Percent(p) => {
                json!({ "kind": "spend_threshold", "threshold": threshold.to_string(), "percent": p.to_string() })
            }
            Discount::Amount(a) => {
                json!({ "kind": "spend_threshold", "threshold": threshold.to_string(), "amount": a.to_string() })
            }
        },
    }
}

/// A promotion rule from its stored JSON.
pub(crate) fn decode(text: &str) -> std::result::Result<PromotionRule, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let str_of = |key: &str| v.get(key).and_then(Value::as_str).ok_or_else(|| format!("missing {key}"));
    let dec = |key: &str| -> std::result::Result<rust_decimal::Decimal, String> {
        let s = str_of(key)?;
        rust_decimal::Decimal::from_str_exact(s).map_err(|e| format!("{key}: {e}"))
    };
    let money = |key: &str| dec(key).map(till_domain::Money::new);
    let count = |key: &str| {
        v.get(key).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()).ok_or_else(|| format!("missing {key}"))
    };
    let target = |key: &str| -> std::result::Result<Target, String> {
        let t = v.get(key).ok_or_else(|| format!("missing {key}"))?;
        let list = |k: &str| -> Option<Vec<String>> {
            t.get(k)?.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        };
        if t.as_str() == Some("all") {
            Ok(Target::All)
        } else if let Some(s) = list("skus") {
            Ok(Target::Skus(s))
        } else if let Some(c) = list("categories") {
            Ok(Target::Categories(c))
        } else {
            Err(format!("bad target {t}"))
        }
    };
    Ok(match str_of("kind")? {
        "percent_off" => PromotionRule::PercentOff { target: target("target")?, percent: dec("percent")? },
        "amount_off" => PromotionRule::AmountOff { target: target("target")?, amount: money("amount")? },
        "buy_x_get_y" => PromotionRule::BuyXGetY {
            buy: target("buy")?,
            buy_quantity: count("buy_quantity")?,
            get: target("get")?,
            get_quantity: count("get_quantity")?,
            percent: dec("percent")?,
        },
        "mix_and_match" => PromotionRule::MixAndMatch {
            target: target("target")?,
            quantity: count("quantity")?,
            price: money("price")?,
        },
        "spend_threshold" => {
            let reward = if v.get("percent").is_some() {
                Discount::Percent(dec("percent")?)
            } else {
                Discount::Amount(money("amount")?)
            };
            PromotionRule::SpendThreshold { threshold: money("threshold")?, reward }
        }
        other => return Err(format!("unknown rule kind {other}")),
    })
}
