//! `till pickup …`, `till boris …`, `till aisle …`: online orders at the store from the
//! command line.

use std::path::Path;

use anyhow::{Context, Result};
use rust_decimal::Decimal;
use till_api::cli::ReadyNotice;
use till_api::{
    AisleItemView, AisleOrderView, MailJobView, MailRoundView, OnlineOrderView, PickupOrderView, VerifiedView,
};
use till_domain::Disposition;
use till_domain::pickup::{PickupOrder, Substitute};
use till_register::{AisleDelivery, Copy, OnlineRefund};

use crate::args::{AisleCommand, BorisCommand, Cli, PickupCommand};
use crate::{authority, open, print, usage};

fn decimal(flag: &str, text: &str) -> Result<Decimal> {
    Decimal::from_str_exact(text.trim()).map_err(|e| usage(format!("{flag} '{text}': not a number ({e})")))
}

fn order_text(o: &PickupOrder) -> String {
    let mut out = format!(
        "{} {} [{}]{}{}\n",
        o.number,
        o.email,
        o.status().as_str(),
        o.stage.as_ref().map(|s| format!(" bin {}", s.bin)).unwrap_or_default(),
        o.withdrawn.as_ref().map(|w| format!(" — withdrawn: {w}")).unwrap_or_default()
    );
    for l in &o.lines {
        let pick = match o.picks.get(&l.n) {
            Some(p) => match &p.substitute {
                Some(s) => format!("picked {} as {} at {}", p.picked, s.sku, s.price),
                None => format!("picked {}", p.picked),
            },
            None => "to pick".into(),
        };
        out += &format!(
            "  {:>2}. {:<16} × {:<4} {:>9}  {pick}, handed over {}\n",
            l.n,
            l.sku,
            l.quantity,
            l.price,
            o.handed_over(l.n)
        );
    }
    out
}

/// Runs `till pickup …`.
pub fn run(cli: &Cli, dir: &Path, command: &PickupCommand) -> Result<()> {
    let mut reg = open(dir)?;
    let show = |o: &PickupOrder| print(cli, &PickupOrderView::from(o), || order_text(o));
    match command {
        PickupCommand::List => {
            let list = reg.pickup_list()?;
            let orders = &list.orders;
            print(cli, &orders.iter().map(PickupOrderView::from).collect::<Vec<_>>(), || {
                let mut out: String = if orders.is_empty() {
                    "no online orders at this store\n".into()
                } else {
                    orders.iter().map(order_text).collect()
                };
                for u in &list.unreadable {
                    out += &format!("left out (does not read as an order): {}\n  {}\n", u.doc, u.reason);
                }
                out
            });
            // The JSON list holds orders only: what was left out is said on stderr.
            if cli.json {
                for u in &list.unreadable {
                    eprintln!("left out (does not read as an order): {}: {}", u.doc, u.reason);
                }
            }
        }
        PickupCommand::Show { order } => show(&reg.pickup_order(order)?),
        PickupCommand::Pick { order, line, qty, substitute, price, consent } => {
            let auth = authority(cli, &mut reg)?;
            let substitute = match substitute {
                Some(sku) => Some(Substitute {
                    sku: sku.clone(),
                    price: decimal("--price", price.as_deref().unwrap_or_default())?,
                    consent: consent.clone().unwrap_or_default(),
                }),
                None => None,
            };
            show(&reg.pick(order, *line, decimal("--qty", qty)?, substitute, &auth)?);
        }
        PickupCommand::Stage { order, bin } => {
            let auth = authority(cli, &mut reg)?;
            show(&reg.stage(order, bin, &auth)?);
        }
        PickupCommand::Checkin { order, spot } => show(&reg.check_in(order, spot)?),
        PickupCommand::Verify { token } => {
            let (v, priced) = reg.quote_handover(token, None)?;
            print(cli, &VerifiedView::new(&v, &priced), || {
                let mut text = format!("VALID: order {} for {}\n", v.order.number, v.order.email);
                for l in &v.lines {
                    text += &format!("  hand over line {}: {} × {} at {}\n", l.n, l.sku, l.quantity, l.price);
                }
                text
            });
        }
        PickupCommand::Handover { token, lines, id_check, tenders } => {
            let mut auth = authority(cli, &mut reg)?;
            let wanted = lines
                .iter()
                .map(|l| {
                    let (n, q) = l.split_once(':').ok_or_else(|| usage(format!("--line {l}: expected LINE:QTY")))?;
                    let n = n.trim().parse().map_err(|_| usage(format!("--line {l}: '{n}' is not a line number")))?;
                    Ok((n, decimal("--line", q)?))
                })
                .collect::<Result<Vec<(u32, Decimal)>>>()?;
            let tenders = tenders
                .iter()
                .map(|t| reg.parse_tender(t).with_context(|| format!("--tender {t}")))
                .collect::<Result<Vec<_>>>()?;
            let wanted = (!wanted.is_empty()).then_some(wanted.as_slice());
            let sale = reg.hand_over(token, wanted, id_check, &tenders, &mut auth)?;
            crate::commands::committed(cli, &mut reg, &sale, Copy::Original);
        }
        PickupCommand::Ready { order, resend } => {
            let auth = authority(cli, &mut reg)?;
            let order = reg.notify_ready(order, *resend, &auth)?;
            // The notice is committed and its mail queued; this one-shot process is the mail
            // worker for it (the app runs one in the background). A server out of reach
            // leaves it waiting.
            let round = reg
                .send_pending_mail()
                .unwrap_or_else(|e| till_register::MailRound { blocked: Some(e.to_string()), ..Default::default() });
            let mail = reg.order_mail(&order)?.pop().context("the queued mail is not in the outbox")?;
            let notice = ReadyNotice {
                order: PickupOrderView::from(&order),
                mail: MailJobView::from(&mail),
                round: MailRoundView::from(&round),
            };
            print(cli, &notice, || {
                let state = match mail.state.as_str() {
                    "sent" => "sent".to_string(),
                    "failed" => format!("refused: {}", mail.last_error.clone().unwrap_or_default()),
                    _ => format!(
                        "waiting for the mail server{}; it goes when the server answers (till mail work)",
                        mail.last_error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default()
                    ),
                };
                format!("order {}: ready mail to {} {state}\n", order.number, mail.recipient)
            });
        }
        PickupCommand::Ship { order, carrier, tracking } => {
            let mut auth = authority(cli, &mut reg)?;
            let sale = reg.ship(order, carrier, tracking, &mut auth)?;
            crate::commands::committed(cli, &mut reg, &sale, Copy::Original);
        }
    }
    Ok(())
}

fn line_qty(flag: &str, text: &str) -> Result<(String, Decimal)> {
    let (a, q) = text.split_once(':').ok_or_else(|| usage(format!("{flag} {text}: expected X:QTY")))?;
    Ok((a.trim().to_string(), decimal(flag, q)?))
}

/// Runs `till boris …`.
pub fn boris(cli: &Cli, dir: &Path, command: &BorisCommand) -> Result<()> {
    let mut reg = open(dir)?;
    match command {
        BorisCommand::Find { order } => {
            let o = reg.find_online_order(&order.query())?;
            print(cli, &OnlineOrderView::from(&o), || {
                let mut text = format!("{} {} ({}, from {})\n", o.number, o.email, o.id, o.source);
                for l in &o.lines {
                    text += &format!(
                        "  {:>2}. {:<16} {:>9}  received {}, returned {}, may return {}\n",
                        l.n,
                        l.sku,
                        l.price,
                        l.fulfilled,
                        l.returned,
                        l.returnable()
                    );
                }
                text
            });
        }
        BorisCommand::Return { order, lines, reason, damaged, refund } => {
            let mut auth = authority(cli, &mut reg)?;
            let picks = lines
                .iter()
                .map(|l| {
                    let (n, q) = line_qty("--line", l)?;
                    let n = n.parse().map_err(|_| usage(format!("--line {l}: '{n}' is not a line number")))?;
                    Ok((n, q))
                })
                .collect::<Result<Vec<(u32, Decimal)>>>()?;
            let refund: OnlineRefund = refund.parse().map_err(|e: String| usage(format!("--refund {e}")))?;
            let disposition = if *damaged { Disposition::Damaged } else { Disposition::Restock };
            let sale = reg.return_online(&order.query(), &picks, reason, disposition, refund, &mut auth)?;
            crate::commands::committed(cli, &mut reg, &sale, Copy::Original);
        }
    }
    Ok(())
}

/// Runs `till aisle …`.
pub fn aisle(cli: &Cli, dir: &Path, command: &AisleCommand) -> Result<()> {
    let mut reg = open(dir)?;
    match command {
        AisleCommand::Search { text, limit } => {
            let hits = reg.aisle_search(text, *limit)?;
            print(cli, &hits.iter().map(AisleItemView::from).collect::<Vec<_>>(), || {
                let mut text = String::new();
                if let Some(h) = hits.first() {
                    text += &match (&h.snapshot_at, h.age_seconds) {
                        (Some(at), Some(age)) => format!("chain stock as of {at} ({} min ago)\n", age / 60),
                        _ => "no chain stock yet: sync with HQ\n".into(),
                    };
                }
                for h in &hits {
                    let stock: Vec<String> =
                        h.stock.iter().map(|s| format!("{} {}", s.location, s.available)).collect();
                    text += &format!(
                        "{:<16} {:<30} {:>9}  {}\n",
                        h.item.sku,
                        h.item.name,
                        h.item.price,
                        if stock.is_empty() { "nowhere in stock".into() } else { stock.join(", ") }
                    );
                }
                text
            });
        }
        AisleCommand::Order { items, pickup_at, ship_to, email, tenders } => {
            let mut auth = authority(cli, &mut reg)?;
            let lines = items.iter().map(|i| line_qty("--item", i)).collect::<Result<Vec<_>>>()?;
            let delivery = delivery(pickup_at.as_deref(), ship_to.as_deref())?
                .ok_or_else(|| usage("--pickup-at STORE or --ship-to ADDRESS".into()))?;
            let tenders = tenders
                .iter()
                .map(|t| reg.parse_tender(t).with_context(|| format!("--tender {t}")))
                .collect::<Result<Vec<_>>>()?;
            let (id, sale) = reg.aisle_order(&lines, &delivery, email, &tenders, &mut auth)?;
            if !cli.json {
                crate::write_out(&format!("Order {id} placed; it goes to HQ with the next sync.\n"));
            }
            crate::commands::committed(cli, &mut reg, &sale, Copy::Original);
        }
        AisleCommand::Replace { order, pickup_at, ship_to } => {
            let auth = authority(cli, &mut reg)?;
            let delivery = delivery(pickup_at.as_deref(), ship_to.as_deref())?;
            let placed = reg.replace_aisle_order(order, delivery.as_ref(), &auth)?;
            print(cli, &AisleOrderView::from(&placed), || {
                format!("Order {} queued again; it goes to HQ with the next sync.\n", placed.id)
            });
        }
        AisleCommand::Refresh => {
            let r = reg.aisle_refresh()?;
            let view = serde_json::json!({
                "pages": r.pages, "rows": r.rows, "reset": r.reset, "dropped": r.dropped, "watermark": r.watermark,
            });
            print(cli, &view, || {
                format!(
                    "Chain stock refreshed: {} changed row(s) in {} page(s){}.\n",
                    r.rows,
                    r.pages,
                    if r.reset { format!(", a full fetch ({} old row(s) dropped)", r.dropped) } else { String::new() }
                )
            });
        }
        AisleCommand::Orders { waiting } => {
            let orders = reg.aisle_orders(*waiting)?;
            print(cli, &orders.iter().map(AisleOrderView::from).collect::<Vec<_>>(), || {
                orders
                    .iter()
                    .map(|o| {
                        format!(
                            "{} {} {}{}{}\n",
                            o.created_at,
                            o.id,
                            o.state,
                            o.hq_status.as_ref().map(|s| format!(" (HQ: {s})")).unwrap_or_default(),
                            o.last_error.as_ref().map(|e| format!(" — {e}")).unwrap_or_default()
                        )
                    })
                    .collect()
            });
        }
    }
    Ok(())
}

/// The delivery `--pickup-at` or `--ship-to ZIP,CITY,COUNTRY[,LAT,LON]` names (`None`:
/// neither given).
fn delivery(pickup_at: Option<&str>, ship_to: Option<&str>) -> Result<Option<AisleDelivery>> {
    Ok(match (pickup_at, ship_to) {
        (Some(location), _) => Some(AisleDelivery::Pickup { location: location.to_string() }),
        (None, Some(to)) => {
            let parts: Vec<&str> = to.split(',').map(str::trim).collect();
            Some(match parts.as_slice() {
                [zip, city, cc] => AisleDelivery::Ship {
                    coordinates: None,
                    zip: zip.to_string(),
                    city: city.to_string(),
                    country_code: cc.to_string(),
                },
                [zip, city, cc, lat, lon] => AisleDelivery::Ship {
                    coordinates: Some((lat.to_string(), lon.to_string())),
                    zip: zip.to_string(),
                    city: city.to_string(),
                    country_code: cc.to_string(),
                },
                _ => return Err(usage(format!("--ship-to {to}: expected ZIP,CITY,COUNTRY[,LAT,LON]"))),
            })
        }
        (None, None) => None,
    })
}

/// A message in the outbox, as a line of `till mail jobs`.
pub fn mail_line(j: &till_register::MailJob) -> String {
    let next = match (j.state.as_str(), j.next_attempt_at.and_then(|t| jiff::Timestamp::from_second(t).ok())) {
        ("waiting", Some(t)) => format!(", next attempt {t}"),
        _ => String::new(),
    };
    format!(
        "mail {} to {} {} ({} attempt(s){next}){}: {}\n",
        j.id,
        j.recipient,
        j.state,
        j.attempts,
        j.last_error.as_ref().map(|e| format!(", {e}")).unwrap_or_default(),
        j.subject
    )
}
