//! The store side of an online order: pick, stage, hand over (pickup and curbside) or pack
//! and ship (ship-from-store). The order's lines come from HQ; everything else is what the
//! store's registers recorded, possibly on several registers while offline, so the rules
//! here read a merged order and decide what may happen next — and spot what two offline
//! registers did that cannot both be true (the same goods handed over twice).

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;

/// How the order reaches the customer from this store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fulfilment {
    /// The customer collects it at the counter (or curbside).
    #[default]
    Pickup,
    /// The store packs and ships it.
    Ship,
}

/// Where the customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaidAt {
    /// Captured by the webstore: nothing is due at the counter.
    #[default]
    Online,
    /// Paid at the counter on handover.
    Counter,
}

/// An online order as one store sees it: HQ's part (what to fulfil) and the store's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PickupOrder {
    /// HQ's order id (`CHANNEL:ID`).
    pub id: String,
    /// What the customer sees (`#1001`).
    pub number: String,
    /// The customer's email ('' unknown).
    pub email: String,
    /// ISO 4217 code of the prices.
    pub currency: String,
    /// The store fulfilling these lines.
    pub store: String,
    /// Pickup or ship.
    pub fulfilment: Fulfilment,
    /// Online or at the counter.
    pub paid_at: PaidAt,
    /// The id of the pickup token HQ issued ('' for shipped orders).
    pub token_id: String,
    /// HQ took the order away from this store (cancelled, or routed elsewhere).
    pub withdrawn: Option<String>,
    /// The lines this store fulfils.
    pub lines: Vec<OrderLine>,
    /// What was picked, per line number.
    pub picks: BTreeMap<u32, Pick>,
    /// Where the picked goods wait.
    pub stage: Option<Stage>,
    /// When the customer was told it is ready.
    pub notified: Option<Notice>,
    /// Curbside: the customer has arrived.
    pub checkin: Option<CheckIn>,
    /// Every handover, from every register.
    pub handovers: Vec<Handover>,
    /// Ship-from-store: the parcel.
    pub shipment: Option<Shipment>,
}

/// One line to fulfil.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// Line number in HQ's order.
    pub n: u32,
    /// Catalog SKU.
    pub sku: String,
    /// What the webstore called it.
    pub title: String,
    /// Units ordered.
    pub quantity: Decimal,
    /// Price per unit the customer agreed to.
    pub price: Decimal,
}

/// What a picker found for one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// Units picked (less than ordered: a short pick).
    pub picked: Decimal,
    /// Picked as a different item, with the customer's consent.
    pub substitute: Option<Substitute>,
    /// Staff code.
    pub by: String,
    /// Register that recorded it.
    pub register: String,
    /// When.
    pub at: Timestamp,
}

/// A substitute for an ordered item.
#[derive(Debug, Clone, PartialEq)]
pub struct Substitute {
    /// The substitute's SKU.
    pub sku: String,
    /// Its price per unit for this customer (the price adjustment).
    pub price: Decimal,
    /// How the customer agreed ("phoned 14:02, agreed").
    pub consent: String,
}

/// Where staged goods wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// Bin or shelf.
    pub bin: String,
    /// Staff code.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// The "ready for pickup" message.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Address it went to.
    pub to: String,
    /// When it was queued.
    pub at: Timestamp,
}

/// A curbside arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckIn {
    /// Parking spot or car.
    pub spot: String,
    /// When.
    pub at: Timestamp,
}

/// Goods handed to the customer at one register.
#[derive(Debug, Clone, PartialEq)]
pub struct Handover {
    /// Unique per handover (`REGISTER/SALE_ID`).
    pub key: String,
    /// Register.
    pub register: String,
    /// The journal sale that recorded it.
    pub sale: String,
    /// The token shown.
    pub token_id: String,
    /// Staff code.
    pub by: String,
    /// What identity document was checked ('' none).
    pub id_check: String,
    /// When.
    pub at: Timestamp,
    /// Units per line number.
    pub lines: BTreeMap<u32, Decimal>,
}

/// A parcel shipped from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Shipment {
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking: String,
    /// Staff code.
    pub by: String,
    /// When.
    pub at: Timestamp,
}

/// Where an order stands at the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PickupStatus {
    /// Nothing done yet.
    New,
    /// Some lines picked.
    Picking,
    /// Every line picked (some may be short).
    Picked,
    /// Picked and staged in a bin: ready for the customer.
    Ready,
    /// Curbside: the customer is waiting outside.
    CheckedIn,
    /// Some goods handed over, more to come.
    PartlyHandedOver,
    /// Everything that was picked is with the customer.
    HandedOver,
    /// Packed and shipped.
    Shipped,
    /// HQ took the order away from this store.
    Withdrawn,
}

impl PickupStatus {
    /// The status as written in lists and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PickupStatus::New => "new",
            PickupStatus::Picking => "picking",
            PickupStatus::Picked => "picked",
            PickupStatus::Ready => "ready",
            PickupStatus::CheckedIn => "checked_in",
            PickupStatus::PartlyHandedOver => "partly_handed_over",
            PickupStatus::HandedOver => "handed_over",
            PickupStatus::Shipped => "shipped",
            PickupStatus::Withdrawn => "withdrawn",
        }
    }
}

/// Why a pickup step was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickupError {
    /// HQ withdrew the order from this store.
    #[error("order {number} is no longer this store's: {why}")]
    Withdrawn {
        /// Order number.
        number: String,
        /// HQ's reason.
        why: String,
    },
    /// No such line on the order.
    #[error("order {number} has no line {n}")]
    NoLine {
        /// Order number.
        number: String,
        /// The line asked for.
        n: u32,
    },
    /// A quantity that is negative or more than the line allows.
    #[error("line {n}: {asked} is more than the {allowed} {what}")]
    TooMany {
        /// Line number.
        n: u32,
        /// Asked for.
        asked: Decimal,
        /// At most.
        allowed: Decimal,
        /// What limits it.
        what: &'static str,
    },
    /// A negative or zero quantity.
    #[error("line {n}: quantity {asked} must be more than zero")]
    NotPositive {
        /// Line number.
        n: u32,
        /// Asked for.
        asked: Decimal,
    },
    /// A substitute without the customer's consent.
    #[error("line {n}: a substitute needs the customer's consent recorded (how they agreed)")]
    NoConsent {
        /// Line number.
        n: u32,
    },
    /// Nothing is left to hand over.
    #[error("order {number}: nothing left to hand over{}", used(.previous))]
    NothingLeft {
        /// Order number.
        number: String,
        /// Where the goods went already.
        previous: Vec<Gone>,
    },
    /// Nothing was picked yet.
    #[error("order {number}: nothing is picked yet; pick it first")]
    NotPicked {
        /// Order number.
        number: String,
    },
    /// A step that does not apply to this kind of order.
    #[error("order {number} is a {kind} order: {step} does not apply")]
    WrongKind {
        /// Order number.
        number: String,
        /// pickup or ship.
        kind: &'static str,
        /// The step.
        step: &'static str,
    },
    /// A required text was empty.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The order is not (or no longer) waiting staged for the customer.
    #[error("order {number} is {status}, not staged for pickup: {hint}")]
    NotStaged {
        /// Order number.
        number: String,
        /// Its status (as [`PickupStatus::as_str`] writes it).
        status: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// The order carries no email address to write to.
    #[error("order {number} has no customer email: tell the customer another way (phone, the webstore)")]
    NoEmail {
        /// Order number.
        number: String,
    },
    /// The customer was told already; sending again needs a deliberate resend.
    #[error("order {number}: the customer was already told it is ready ({to}, {at}); resend to send it again")]
    AlreadyNotified {
        /// Order number.
        number: String,
        /// Where the notice went.
        to: String,
        /// When it was queued.
        at: Timestamp,
    },
}

fn used(previous: &[Gone]) -> String {
    let said: Vec<String> = previous.iter().map(Gone::to_string).collect();
    if said.is_empty() { String::new() } else { format!(" (already handed over: {})", said.join("; ")) }
}

/// Where an order's goods went already, when nothing is left to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gone {
    /// Handed over at a register.
    HandedOver {
        /// The register.
        register: String,
        /// When.
        at: Timestamp,
    },
    /// Shipped to the customer.
    Shipped,
}

impl std::fmt::Display for Gone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gone::HandedOver { register, at } => write!(f, "register {register} at {at}"),
            Gone::Shipped => f.write_str("already shipped"),
        }
    }
}

/// One line of a handover: what leaves the store and at what price.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverLine {
    /// Order line number.
    pub n: u32,
    /// SKU that leaves the store (the substitute's, if picked so).
    pub sku: String,
    /// Units.
    pub quantity: Decimal,
    /// Price per unit the customer pays.
    pub price: Decimal,
}

/// A line handed over more than it was ordered: two registers used one token offline.
#[derive(Debug, Clone, PartialEq)]
pub struct OverHanded {
    /// Line number.
    pub n: u32,
    /// Units handed over in total.
    pub handed: Decimal,
    /// Units that could be (picked, else ordered).
    pub allowed: Decimal,
    /// The handovers involved (`register sale at`).
    pub handovers: Vec<String>,
}

impl PickupOrder {
    /// HQ's part alone (what to fulfil), without what the store did.
    pub fn hq_part(&self) -> PickupOrder {
        PickupOrder {
            id: self.id.clone(),
            number: self.number.clone(),
            email: self.email.clone(),
            currency: self.currency.clone(),
            store: self.store.clone(),
            fulfilment: self.fulfilment,
            paid_at: self.paid_at,
            token_id: self.token_id.clone(),
            withdrawn: self.withdrawn.clone(),
            lines: self.lines.clone(),
            ..PickupOrder::default()
        }
    }

    fn kind(&self) -> &'static str {
        match self.fulfilment {
            Fulfilment::Pickup => "pickup",
            Fulfilment::Ship => "ship",
        }
    }

    fn live(&self) -> Result<(), PickupError> {
        match &self.withdrawn {
            Some(why) => Err(PickupError::Withdrawn { number: self.number.clone(), why: why.clone() }),
            None => Ok(()),
        }
    }

    fn line(&self, n: u32) -> Result<&OrderLine, PickupError> {
        self.lines.iter().find(|l| l.n == n).ok_or_else(|| PickupError::NoLine { number: self.number.clone(), n })
    }

    /// Units of line `n` handed over so far, over every register's handovers.
    pub fn handed_over(&self, n: u32) -> Decimal {
        self.handovers.iter().filter_map(|h| h.lines.get(&n)).copied().sum()
    }

    /// Units of line `n` that may still be handed over: picked (else nothing) less handed.
    pub fn left(&self, n: u32) -> Decimal {
        let picked = self.picks.get(&n).map_or(Decimal::ZERO, |p| p.picked);
        (picked - self.handed_over(n)).max(Decimal::ZERO)
    }

    /// Where the order stands.
    pub fn status(&self) -> PickupStatus {
        if self.withdrawn.is_some() {
            return PickupStatus::Withdrawn;
        }
        if self.shipment.is_some() {
            return PickupStatus::Shipped;
        }
        let all_picked = !self.lines.is_empty() && self.lines.iter().all(|l| self.picks.contains_key(&l.n));
        if !self.handovers.is_empty() {
            let done = all_picked && self.lines.iter().all(|l| self.left(l.n).is_zero());
            return if done { PickupStatus::HandedOver } else { PickupStatus::PartlyHandedOver };
        }
        match (all_picked, self.picks.is_empty(), &self.stage, &self.checkin) {
            (true, _, Some(_), Some(_)) => PickupStatus::CheckedIn,
            (true, _, Some(_), None) => PickupStatus::Ready,
            (true, ..) => PickupStatus::Picked,
            (false, false, ..) => PickupStatus::Picking,
            (false, true, ..) => PickupStatus::New,
        }
    }

    /// Checks a pick of `picked` units of line `n` (fewer than ordered: a short pick).
    pub fn check_pick(&self, n: u32, picked: Decimal, substitute: Option<&Substitute>) -> Result<(), PickupError> {
        self.live()?;
        let line = self.line(n)?;
        if picked.is_sign_negative() {
            return Err(PickupError::NotPositive { n, asked: picked });
        }
        if picked > line.quantity {
            return Err(PickupError::TooMany { n, asked: picked, allowed: line.quantity, what: "ordered" });
        }
        if let Some(s) = substitute {
            if s.sku.trim().is_empty() {
                return Err(PickupError::Empty("the substitute's SKU"));
            }
            if s.consent.trim().is_empty() {
                return Err(PickupError::NoConsent { n });
            }
        }
        Ok(())
    }

    /// Checks staging or a curbside check-in: only pickup orders, and only live ones.
    pub fn check_pickup_step(&self, step: &'static str, text: &str, what: &'static str) -> Result<(), PickupError> {
        self.live()?;
        if self.fulfilment != Fulfilment::Pickup {
            return Err(PickupError::WrongKind { number: self.number.clone(), kind: self.kind(), step });
        }
        if text.trim().is_empty() {
            return Err(PickupError::Empty(what));
        }
        Ok(())
    }

    /// Checks telling the customer the order is ready: a live pickup order, staged (ready,
    /// or the customer already checked in), with an email address; once told, again only
    /// when `resend`. Returns the address to write to.
    pub fn check_notify(&self, resend: bool) -> Result<&str, PickupError> {
        self.live()?;
        if self.fulfilment != Fulfilment::Pickup {
            return Err(PickupError::WrongKind {
                number: self.number.clone(),
                kind: self.kind(),
                step: "the ready notice",
            });
        }
        let to = self.email.trim();
        if to.is_empty() {
            return Err(PickupError::NoEmail { number: self.number.clone() });
        }
        let status = self.status();
        let hint = match status {
            PickupStatus::Ready | PickupStatus::CheckedIn => None,
            PickupStatus::New | PickupStatus::Picking => Some("pick every line and stage it in a bin first"),
            PickupStatus::Picked => Some("stage it in a bin first"),
            _ => Some("the goods were handed over already"),
        };
        if let Some(hint) = hint {
            return Err(PickupError::NotStaged { number: self.number.clone(), status: status.as_str(), hint });
        }
        if let Some(told) = &self.notified
            && !resend
        {
            return Err(PickupError::AlreadyNotified { number: self.number.clone(), to: told.to.clone(), at: told.at });
        }
        Ok(to)
    }

    /// Checks recording a shipment: only ship orders, picked, with carrier and tracking.
    pub fn check_ship(&self, carrier: &str, tracking: &str) -> Result<Vec<HandoverLine>, PickupError> {
        self.live()?;
        if self.fulfilment != Fulfilment::Ship {
            return Err(PickupError::WrongKind { number: self.number.clone(), kind: self.kind(), step: "shipping" });
        }
        if carrier.trim().is_empty() {
            return Err(PickupError::Empty("the carrier"));
        }
        if tracking.trim().is_empty() {
            return Err(PickupError::Empty("the tracking number"));
        }
        if self.shipment.is_some() {
            return Err(PickupError::NothingLeft { number: self.number.clone(), previous: vec![Gone::Shipped] });
        }
        self.plan(None)
    }

    /// What a handover gives the customer: `wanted` (line, units) for a partial pickup, or
    /// everything picked and not yet handed over. Refused when nothing is left (the token
    /// was used up — the message says where and when).
    pub fn plan_handover(&self, wanted: Option<&[(u32, Decimal)]>) -> Result<Vec<HandoverLine>, PickupError> {
        self.live()?;
        if self.fulfilment != Fulfilment::Pickup {
            return Err(PickupError::WrongKind { number: self.number.clone(), kind: self.kind(), step: "handover" });
        }
        self.plan(wanted)
    }

    fn plan(&self, wanted: Option<&[(u32, Decimal)]>) -> Result<Vec<HandoverLine>, PickupError> {
        if self.picks.is_empty() {
            return Err(PickupError::NotPicked { number: self.number.clone() });
        }
        let line_out = |n: u32, quantity: Decimal| -> Result<HandoverLine, PickupError> {
            let line = self.line(n)?;
            let (sku, price) = match self.picks.get(&n).and_then(|p| p.substitute.as_ref()) {
                Some(s) => (s.sku.clone(), s.price),
                None => (line.sku.clone(), line.price),
            };
            Ok(HandoverLine { n, sku, quantity, price })
        };
        let mut out = Vec::new();
        match wanted {
            Some(wanted) => {
                for &(n, quantity) in wanted {
                    self.line(n)?;
                    if quantity <= Decimal::ZERO {
                        return Err(PickupError::NotPositive { n, asked: quantity });
                    }
                    let left = self.left(n);
                    if quantity > left {
                        return Err(PickupError::TooMany {
                            n,
                            asked: quantity,
                            allowed: left,
                            what: "picked and not handed over",
                        });
                    }
                    out.push(line_out(n, quantity)?);
                }
            }
            None => {
                for line in &self.lines {
                    let left = self.left(line.n);
                    if left > Decimal::ZERO {
                        out.push(line_out(line.n, left)?);
                    }
                }
            }
        }
        if out.is_empty() {
            let previous =
                self.handovers.iter().map(|h| Gone::HandedOver { register: h.register.clone(), at: h.at }).collect();
            return Err(PickupError::NothingLeft { number: self.number.clone(), previous });
        }
        Ok(out)
    }

    /// Lines handed over beyond what could be (picked, else ordered): what two registers
    /// did offline with one token, found once their copies merge.
    pub fn over_handed(&self) -> Vec<OverHanded> {
        let mut out = Vec::new();
        for line in &self.lines {
            let handed = self.handed_over(line.n);
            let allowed = self.picks.get(&line.n).map_or(line.quantity, |p| p.picked.max(Decimal::ZERO));
            if handed > allowed {
                let handovers = self
                    .handovers
                    .iter()
                    .filter(|h| h.lines.contains_key(&line.n))
                    .map(|h| format!("register {} sale {} at {}", h.register, h.sale, h.at))
                    .collect();
                out.push(OverHanded { n: line.n, handed, allowed, handovers });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn order() -> PickupOrder {
        PickupOrder {
            id: "shopify:1".into(),
            number: "#1001".into(),
            email: "a@example.com".into(),
            currency: "EUR".into(),
            store: "AMS".into(),
            fulfilment: Fulfilment::Pickup,
            paid_at: PaidAt::Online,
            token_id: "t1".into(),
            withdrawn: None,
            lines: vec![
                OrderLine { n: 1, sku: "MUG".into(), title: "Mug".into(), quantity: dec!(2), price: dec!(12.50) },
                OrderLine { n: 2, sku: "TEA".into(), title: "Tea".into(), quantity: dec!(1), price: dec!(4.95) },
            ],
            picks: BTreeMap::new(),
            stage: None,
            notified: None,
            checkin: None,
            handovers: vec![],
            shipment: None,
        }
    }

    fn pick(o: &mut PickupOrder, n: u32, picked: Decimal) {
        o.check_pick(n, picked, None).unwrap();
        o.picks.insert(
            n,
            Pick { picked, substitute: None, by: "1".into(), register: "R1".into(), at: at("2026-11-27T10:00:00Z") },
        );
    }

    fn hand(o: &mut PickupOrder, register: &str, lines: &[HandoverLine]) {
        o.handovers.push(Handover {
            key: format!("{register}/{}", o.handovers.len()),
            register: register.into(),
            sale: format!("sale-{register}"),
            token_id: "t1".into(),
            by: "2".into(),
            id_check: String::new(),
            at: at("2026-11-27T12:00:00Z"),
            lines: lines.iter().map(|l| (l.n, l.quantity)).collect(),
        });
    }

    #[test]
    fn a_pickup_goes_from_new_to_handed_over() {
        let mut o = order();
        assert_eq!(o.status(), PickupStatus::New);
        assert!(matches!(o.plan_handover(None), Err(PickupError::NotPicked { .. })));
        pick(&mut o, 1, dec!(2));
        assert_eq!(o.status(), PickupStatus::Picking);
        pick(&mut o, 2, dec!(1));
        assert_eq!(o.status(), PickupStatus::Picked);
        o.check_pickup_step("staging", "B-12", "the bin").unwrap();
        o.stage = Some(Stage { bin: "B-12".into(), by: "1".into(), at: at("2026-11-27T10:05:00Z") });
        assert_eq!(o.status(), PickupStatus::Ready);
        o.checkin = Some(CheckIn { spot: "P3".into(), at: at("2026-11-27T11:00:00Z") });
        assert_eq!(o.status(), PickupStatus::CheckedIn);
        let plan = o.plan_handover(None).unwrap();
        assert_eq!(plan.len(), 2);
        assert_eq!((plan[0].quantity, plan[0].price), (dec!(2), dec!(12.50)));
        hand(&mut o, "R1", &plan);
        assert_eq!(o.status(), PickupStatus::HandedOver);
        let refused = o.plan_handover(None).unwrap_err();
        assert!(refused.to_string().contains("already handed over: register R1"), "{refused}");
        assert!(o.over_handed().is_empty());
    }

    #[test]
    fn partial_pickup_short_pick_and_substitute() {
        let mut o = order();
        pick(&mut o, 1, dec!(1)); // short: one of two mugs
        let sub = Substitute { sku: "TEA-L".into(), price: dec!(3.95), consent: "phoned, agreed".into() };
        assert!(matches!(
            o.check_pick(2, dec!(1), Some(&Substitute { consent: " ".into(), ..sub.clone() })),
            Err(PickupError::NoConsent { n: 2 })
        ));
        assert!(matches!(o.check_pick(1, dec!(3), None), Err(PickupError::TooMany { .. })));
        o.check_pick(2, dec!(1), Some(&sub)).unwrap();
        o.picks.insert(
            2,
            Pick {
                picked: dec!(1),
                substitute: Some(sub),
                by: "1".into(),
                register: "R1".into(),
                at: at("2026-11-27T10:00:00Z"),
            },
        );
        let first = o.plan_handover(Some(&[(2, dec!(1))])).unwrap();
        assert_eq!((first[0].sku.as_str(), first[0].price), ("TEA-L", dec!(3.95)));
        hand(&mut o, "R1", &first);
        assert_eq!(o.status(), PickupStatus::PartlyHandedOver);
        assert!(matches!(o.plan_handover(Some(&[(2, dec!(1))])), Err(PickupError::TooMany { .. })));
        let rest = o.plan_handover(None).unwrap();
        assert_eq!(rest, vec![HandoverLine { n: 1, sku: "MUG".into(), quantity: dec!(1), price: dec!(12.50) }]);
        hand(&mut o, "R2", &rest);
        assert_eq!(o.status(), PickupStatus::HandedOver);
    }

    #[test]
    fn one_token_used_at_two_offline_registers_is_over_handed() {
        let mut o = order();
        pick(&mut o, 1, dec!(2));
        pick(&mut o, 2, dec!(1));
        let plan = o.plan_handover(None).unwrap();
        let mut r1 = o.clone();
        hand(&mut r1, "R1", &plan);
        let mut merged = r1.clone();
        hand(&mut merged, "R2", &plan); // R2 never saw R1's handover
        let over = merged.over_handed();
        assert_eq!(over.len(), 2);
        assert_eq!((over[0].handed, over[0].allowed), (dec!(4), dec!(2)));
        assert_eq!(over[0].handovers.len(), 2);
    }

    #[test]
    fn only_a_staged_pickup_order_with_an_email_is_notified_and_only_once_unless_resent() {
        let mut o = order();
        let refused = o.check_notify(false).unwrap_err();
        assert!(matches!(refused, PickupError::NotStaged { status: "new", .. }), "{refused}");
        pick(&mut o, 1, dec!(2));
        pick(&mut o, 2, dec!(1));
        let refused = o.check_notify(false).unwrap_err().to_string();
        assert_eq!(refused, "order #1001 is picked, not staged for pickup: stage it in a bin first");
        o.stage = Some(Stage { bin: "B-1".into(), by: "1".into(), at: at("2026-11-27T10:05:00Z") });
        assert_eq!(o.check_notify(false).unwrap(), "a@example.com");
        o.notified = Some(Notice { to: "a@example.com".into(), at: at("2026-11-27T10:06:00Z") });
        let refused = o.check_notify(false).unwrap_err().to_string();
        assert!(refused.contains("already told") && refused.contains("2026-11-27T10:06:00Z"), "{refused}");
        assert_eq!(o.check_notify(true).unwrap(), "a@example.com");
        o.checkin = Some(CheckIn { spot: "P1".into(), at: at("2026-11-27T11:00:00Z") });
        assert!(o.check_notify(true).is_ok(), "curbside: the customer may be told while waiting");
        let mut no_email = o.clone();
        no_email.email = " ".into();
        assert!(matches!(no_email.check_notify(true), Err(PickupError::NoEmail { .. })));
        let mut withdrawn = o.clone();
        withdrawn.withdrawn = Some("cancelled by the webstore".into());
        assert!(matches!(withdrawn.check_notify(true), Err(PickupError::Withdrawn { .. })));
        let plan = o.plan_handover(None).unwrap();
        hand(&mut o, "R1", &plan);
        assert!(o.check_notify(true).unwrap_err().to_string().contains("handed over already"));
        let mut ship = order();
        ship.fulfilment = Fulfilment::Ship;
        assert!(matches!(ship.check_notify(false), Err(PickupError::WrongKind { .. })));
    }

    #[test]
    fn withdrawn_and_wrong_kind_are_refused() {
        let mut o = order();
        o.withdrawn = Some("cancelled by the webstore".into());
        assert!(o.check_pick(1, dec!(1), None).unwrap_err().to_string().contains("cancelled by the webstore"));
        let mut o = order();
        o.fulfilment = Fulfilment::Ship;
        assert!(matches!(o.check_pickup_step("staging", "B", "the bin"), Err(PickupError::WrongKind { .. })));
        pick(&mut o, 1, dec!(2));
        assert!(matches!(o.check_ship("", "1Z"), Err(PickupError::Empty(_))));
        assert_eq!(o.check_ship("PostNL", "3S123").unwrap().len(), 1);
    }
}
