//! One online order as one store fulfils it (`order/STORE/KEY`): HQ writes what to fulfil
//! (`order`, `lines`); the store's registers write what they did (`picks`, `stage`,
//! `notified`, `checkin`, `handovers`, `shipment`). Every register's part is keyed so
//! that two registers working offline never overwrite each other's handovers: each
//! handover is its own entry (`REGISTER/SALE`), so a token used at two registers shows up
//! as two entries once the copies merge. HQ creates the `picks` and `handovers` maps when
//! it publishes the order, so registers only ever add keys to maps that already exist.
//!
//! Every value is text (amounts and quantities as exact decimals, times as RFC 3339):
//! nothing passes through a float.

use std::collections::BTreeMap;
use std::str::FromStr;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, Value};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use till_domain::pickup::{
    CheckIn, Fulfilment, Handover, Notice, OrderLine, PaidAt, Pick, PickupOrder, Shipment, Stage, Substitute,
};

use crate::{DocError, Result};

/// Reading and writing order documents.
pub struct OrderDoc;

/// The document key of HQ order `order_id` (ids hold `:` and any webstore's characters;
/// the key is a short hash of it, the order's id is inside the document).
pub fn order_key(order_id: &str) -> String {
    format!("o{}", &hex::encode(Sha256::digest(order_id.as_bytes()))[..24])
}

fn map(doc: &AutoCommit, parent: &ObjId, key: &str) -> Result<Option<ObjId>> {
    Ok(match doc.get(parent, key)? {
        Some((Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

fn map_mut(doc: &mut AutoCommit, parent: &ObjId, key: &str) -> Result<ObjId> {
    match map(doc, parent, key)? {
        Some(id) => Ok(id),
        None => Ok(doc.put_object(parent, key, ObjType::Map)?),
    }
}

fn put_fields(doc: &mut AutoCommit, obj: &ObjId, fields: &[(&str, String)]) -> Result<()> {
    for (k, v) in fields {
        doc.put(obj, *k, v.as_str())?;
    }
    Ok(())
}

/// A reader of one map's text fields that names the document and field on error.
struct Fields<'a> {
    doc: &'a AutoCommit,
    obj: ObjId,
    name: &'a str,
    path: String,
}

impl Fields<'_> {
    fn bad(&self, field: &str, reason: String) -> DocError {
        DocError::BadRecord { doc: self.name.to_string(), key: format!("{}.{field}", self.path), reason }
    }

    fn text(&self, field: &str) -> Result<String> {
        match self.doc.get(&self.obj, field)? {
            Some((Value::Scalar(s), _)) => match s.as_str() {
                Some(t) => Ok(t.to_string()),
                None => Err(self.bad(field, format!("not text: {s}"))),
            },
            None => Ok(String::new()),
            Some(_) => Err(self.bad(field, "not text".into())),
        }
    }

    fn decimal(&self, field: &str) -> Result<Decimal> {
        let t = self.text(field)?;
        Decimal::from_str_exact(&t).map_err(|e| self.bad(field, format!("'{t}' is not a decimal: {e}")))
    }

    fn time(&self, field: &str) -> Result<jiff::Timestamp> {
        let t = self.text(field)?;
        jiff::Timestamp::from_str(&t).map_err(|e| self.bad(field, format!("'{t}' is not a time: {e}")))
    }
}

fn fields<'a>(doc: &'a AutoCommit, obj: ObjId, name: &'a str, path: &str) -> Fields<'a> {
    Fields { doc, obj, name, path: path.to_string() }
}

fn line_no(k: &str, name: &str) -> Result<u32> {
    k.parse().map_err(|_| DocError::BadRecord { doc: name.into(), key: k.into(), reason: "not a line number".into() })
}

impl OrderDoc {
    /// Writes HQ's part: the order's header and the lines this store fulfils (HQ only).
    /// Lines no longer this store's are removed; `withdrawn` says why the store lost it.
    pub fn publish(doc: &mut AutoCommit, order: &PickupOrder) -> Result<()> {
        let header = map_mut(doc, &ROOT, "order")?;
        let fulfilment = match order.fulfilment {
            Fulfilment::Pickup => "pickup",
            Fulfilment::Ship => "ship",
        };
        let paid = match order.paid_at {
            PaidAt::Online => "online",
            PaidAt::Counter => "counter",
        };
        put_fields(
            doc,
            &header,
            &[
                ("id", order.id.clone()),
                ("number", order.number.clone()),
                ("email", order.email.clone()),
                ("currency", order.currency.clone()),
                ("store", order.store.clone()),
                ("fulfilment", fulfilment.into()),
                ("paid_at", paid.into()),
                ("token_id", order.token_id.clone()),
                ("withdrawn", order.withdrawn.clone().unwrap_or_default()),
            ],
        )?;
        // The maps registers add entries to are HQ's to create: two registers creating
        // `handovers` offline would each make their own map, and a merge keeps only one.
        map_mut(doc, &ROOT, "picks")?;
        map_mut(doc, &ROOT, "handovers")?;
        let lines = map_mut(doc, &ROOT, "lines")?;
        let keep: Vec<String> = order.lines.iter().map(|l| l.n.to_string()).collect();
        for k in doc.keys(&lines).collect::<Vec<_>>() {
            if !keep.contains(&k) {
                doc.delete(&lines, k.as_str())?;
            }
        }
        for l in &order.lines {
            let line = map_mut(doc, &lines, &l.n.to_string())?;
            put_fields(
                doc,
                &line,
                &[
                    ("sku", l.sku.clone()),
                    ("title", l.title.clone()),
                    ("quantity", l.quantity.to_string()),
                    ("price", l.price.to_string()),
                ],
            )?;
        }
        Ok(())
    }

    /// Reads the order, or `None` when HQ has not published it (yet) in this copy.
    pub fn read(doc: &AutoCommit, name: &str) -> Result<Option<PickupOrder>> {
        let Some(header) = map(doc, &ROOT, "order")? else { return Ok(None) };
        let h = fields(doc, header, name, "order");
        let fulfilment = match h.text("fulfilment")?.as_str() {
            "pickup" => Fulfilment::Pickup,
            "ship" => Fulfilment::Ship,
            other => return Err(h.bad("fulfilment", format!("'{other}' is not pickup or ship"))),
        };
        let paid_at = match h.text("paid_at")?.as_str() {
            "online" => PaidAt::Online,
            "counter" => PaidAt::Counter,
            other => return Err(h.bad("paid_at", format!("'{other}' is not online or counter"))),
        };
        let withdrawn = Some(h.text("withdrawn")?).filter(|w| !w.is_empty());
        let mut order = PickupOrder {
            id: h.text("id")?,
            number: h.text("number")?,
            email: h.text("email")?,
            currency: h.text("currency")?,
            store: h.text("store")?,
            fulfilment,
            paid_at,
            token_id: h.text("token_id")?,
            withdrawn,
            ..PickupOrder::default()
        };
        let children = |key: &str| -> Result<Vec<(String, ObjId)>> {
            let Some(obj) = map(doc, &ROOT, key)? else { return Ok(Vec::new()) };
            let mut out = Vec::new();
            for k in doc.keys(&obj).collect::<Vec<_>>() {
                if let Some(child) = map(doc, &obj, &k)? {
                    out.push((k, child));
                }
            }
            Ok(out)
        };
        for (k, obj) in children("lines")? {
            let f = fields(doc, obj, name, &format!("lines.{k}"));
            order.lines.push(OrderLine {
                n: line_no(&k, name)?,
                sku: f.text("sku")?,
                title: f.text("title")?,
                quantity: f.decimal("quantity")?,
                price: f.decimal("price")?,
            });
        }
        order.lines.sort_by_key(|l| l.n);
        for (k, obj) in children("picks")? {
            let f = fields(doc, obj, name, &format!("picks.{k}"));
            let sku = f.text("substitute_sku")?;
            let substitute = if sku.is_empty() {
                None
            } else {
                Some(Substitute { sku, price: f.decimal("substitute_price")?, consent: f.text("consent")? })
            };
            let pick = Pick {
                picked: f.decimal("picked")?,
                substitute,
                by: f.text("by")?,
                register: f.text("register")?,
                at: f.time("at")?,
            };
            order.picks.insert(line_no(&k, name)?, pick);
        }
        let single = |key: &str| -> Result<Option<Fields<'_>>> {
            Ok(map(doc, &ROOT, key)?.map(|obj| fields(doc, obj, name, key)))
        };
        if let Some(f) = single("stage")? {
            order.stage = Some(Stage { bin: f.text("bin")?, by: f.text("by")?, at: f.time("at")? });
        }
        if let Some(f) = single("notified")? {
            order.notified = Some(Notice { to: f.text("to")?, at: f.time("at")? });
        }
        if let Some(f) = single("checkin")? {
            order.checkin = Some(CheckIn { spot: f.text("spot")?, at: f.time("at")? });
        }
        if let Some(f) = single("shipment")? {
            order.shipment = Some(Shipment {
                carrier: f.text("carrier")?,
                tracking: f.text("tracking")?,
                by: f.text("by")?,
                at: f.time("at")?,
            });
        }
        for (k, obj) in children("handovers")? {
            let f = fields(doc, obj.clone(), name, &format!("handovers.{k}"));
            let mut lines = BTreeMap::new();
            if let Some(l) = map(doc, &obj, "lines")? {
                let lf = fields(doc, l.clone(), name, &format!("handovers.{k}.lines"));
                for n in doc.keys(&l).collect::<Vec<_>>() {
                    lines.insert(line_no(&n, name)?, lf.decimal(&n)?);
                }
            }
            order.handovers.push(Handover {
                key: k,
                register: f.text("register")?,
                sale: f.text("sale")?,
                token_id: f.text("token_id")?,
                by: f.text("by")?,
                id_check: f.text("id_check")?,
                at: f.time("at")?,
                lines,
            });
        }
        order.handovers.sort_by(|a, b| a.at.cmp(&b.at).then(a.key.cmp(&b.key)));
        Ok(Some(order))
    }

    /// Whether `after` left HQ's part (`order`, `lines`) as `before` had it: all a
    /// register may not change.
    pub fn hq_part_unchanged(before: &AutoCommit, after: &AutoCommit, name: &str) -> Result<bool> {
        let hq =
            |doc: &AutoCommit| -> Result<Option<PickupOrder>> { Ok(OrderDoc::read(doc, name)?.map(|o| o.hq_part())) };
        Ok(hq(before)? == hq(after)?)
    }

    /// Records a pick of line `n`.
    pub fn put_pick(doc: &mut AutoCommit, n: u32, pick: &Pick) -> Result<()> {
        let picks = map_mut(doc, &ROOT, "picks")?;
        let obj = doc.put_object(&picks, n.to_string().as_str(), ObjType::Map)?;
        let (sku, price, consent) = match &pick.substitute {
            Some(s) => (s.sku.clone(), s.price.to_string(), s.consent.clone()),
            None => Default::default(),
        };
        put_fields(
            doc,
            &obj,
            &[
                ("picked", pick.picked.to_string()),
                ("substitute_sku", sku),
                ("substitute_price", price),
                ("consent", consent),
                ("by", pick.by.clone()),
                ("register", pick.register.clone()),
                ("at", pick.at.to_string()),
            ],
        )
    }

    /// Records where the picked goods are staged.
    pub fn put_stage(doc: &mut AutoCommit, stage: &Stage) -> Result<()> {
        let obj = doc.put_object(ROOT, "stage", ObjType::Map)?;
        put_fields(doc, &obj, &[("bin", stage.bin.clone()), ("by", stage.by.clone()), ("at", stage.at.to_string())])
    }

    /// Records the "ready" message.
    pub fn put_notice(doc: &mut AutoCommit, notice: &Notice) -> Result<()> {
        let obj = doc.put_object(ROOT, "notified", ObjType::Map)?;
        put_fields(doc, &obj, &[("to", notice.to.clone()), ("at", notice.at.to_string())])
    }

    /// Records a curbside arrival.
    pub fn put_checkin(doc: &mut AutoCommit, checkin: &CheckIn) -> Result<()> {
        let obj = doc.put_object(ROOT, "checkin", ObjType::Map)?;
        put_fields(doc, &obj, &[("spot", checkin.spot.clone()), ("at", checkin.at.to_string())])
    }

    /// Records a parcel shipped.
    pub fn put_shipment(doc: &mut AutoCommit, shipment: &Shipment) -> Result<()> {
        let obj = doc.put_object(ROOT, "shipment", ObjType::Map)?;
        put_fields(
            doc,
            &obj,
            &[
                ("carrier", shipment.carrier.clone()),
                ("tracking", shipment.tracking.clone()),
                ("by", shipment.by.clone()),
                ("at", shipment.at.to_string()),
            ],
        )
    }

    /// Adds a handover under its own key.
    pub fn put_handover(doc: &mut AutoCommit, handover: &Handover) -> Result<()> {
        let all = map_mut(doc, &ROOT, "handovers")?;
        let obj = doc.put_object(&all, handover.key.as_str(), ObjType::Map)?;
        put_fields(
            doc,
            &obj,
            &[
                ("register", handover.register.clone()),
                ("sale", handover.sale.clone()),
                ("token_id", handover.token_id.clone()),
                ("by", handover.by.clone()),
                ("id_check", handover.id_check.clone()),
                ("at", handover.at.to_string()),
            ],
        )?;
        let lines = doc.put_object(&obj, "lines", ObjType::Map)?;
        for (n, q) in &handover.lines {
            doc.put(&lines, n.to_string().as_str(), q.to_string().as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn order() -> PickupOrder {
        PickupOrder {
            id: "shopify:820982911946154508".into(),
            number: "#1001".into(),
            email: "anna@example.com".into(),
            currency: "EUR".into(),
            store: "AMS".into(),
            fulfilment: Fulfilment::Pickup,
            paid_at: PaidAt::Online,
            token_id: "tok".into(),
            withdrawn: None,
            lines: vec![OrderLine {
                n: 1,
                sku: "MUG".into(),
                title: "Mug".into(),
                quantity: Decimal::new(2, 0),
                price: Decimal::new(1250, 2),
            }],
            picks: BTreeMap::new(),
            stage: None,
            notified: None,
            checkin: None,
            handovers: vec![],
            shipment: None,
        }
    }

    #[test]
    fn an_order_round_trips_and_two_registers_handovers_both_survive_a_merge() {
        let mut hq = AutoCommit::new();
        OrderDoc::publish(&mut hq, &order()).unwrap();
        hq.commit();
        let mut r1 = hq.fork();
        let mut r2 = hq.fork();
        let pick = Pick {
            picked: Decimal::new(2, 0),
            substitute: None,
            by: "1".into(),
            register: "R1".into(),
            at: at("2026-11-27T10:00:00Z"),
        };
        OrderDoc::put_pick(&mut r1, 1, &pick).unwrap();
        OrderDoc::put_stage(&mut r1, &Stage { bin: "B-3".into(), by: "1".into(), at: at("2026-11-27T10:01:00Z") })
            .unwrap();
        r1.commit();
        r2.merge(&mut r1).unwrap();
        for (doc, register) in [(&mut r1, "R1"), (&mut r2, "R2")] {
            let h = Handover {
                key: format!("{register}/s"),
                register: register.into(),
                sale: "s".into(),
                token_id: "tok".into(),
                by: "2".into(),
                id_check: "passport".into(),
                at: at("2026-11-27T12:00:00Z"),
                lines: [(1, Decimal::new(2, 0))].into(),
            };
            OrderDoc::put_handover(doc, &h).unwrap();
            doc.commit();
        }
        assert!(OrderDoc::hq_part_unchanged(&hq, &r1, "t").unwrap());
        r1.merge(&mut r2).unwrap();
        let merged = OrderDoc::read(&r1, "t").unwrap().unwrap();
        assert_eq!(merged.picks[&1], pick);
        assert_eq!(merged.stage.as_ref().unwrap().bin, "B-3");
        assert_eq!(merged.handovers.len(), 2);
        assert_eq!(merged.over_handed().len(), 1);
        let mut tampered = r1.fork();
        let header = map(&tampered, &ROOT, "order").unwrap().unwrap();
        tampered.put(&header, "store", "UTR").unwrap();
        assert!(!OrderDoc::hq_part_unchanged(&r1, &tampered, "t").unwrap());
        assert!(OrderDoc::read(&AutoCommit::new(), "t").unwrap().is_none());
        assert_eq!(order_key("shopify:1"), order_key("shopify:1"));
        assert_ne!(order_key("shopify:1"), order_key("shopify:2"));
    }

    #[test]
    fn a_bad_value_names_its_field() {
        let mut doc = AutoCommit::new();
        OrderDoc::publish(&mut doc, &order()).unwrap();
        let lines = map(&doc, &ROOT, "lines").unwrap().unwrap();
        let line = map(&doc, &lines, "1").unwrap().unwrap();
        doc.put(&line, "quantity", "two").unwrap();
        let err = OrderDoc::read(&doc, "order/AMS/x").unwrap_err().to_string();
        assert!(err.contains("order/AMS/x") && err.contains("lines.1.quantity") && err.contains("'two'"), "{err}");
    }
}
