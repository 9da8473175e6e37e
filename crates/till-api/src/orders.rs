//! Online orders at the store: pickup orders and their handovers, a verified pickup code,
//! endless-aisle items and orders, online orders found for a return, and the outbox of
//! print jobs and mail.

use std::collections::BTreeMap;

use serde::Serialize;
use till_domain::PricedCart;
use till_domain::pickup::{Fulfilment, PaidAt, PickupOrder};
use ts_rs::TS;

use crate::{CartView, Dec, SaleDone};

/// A substitute picked for an order line, with the customer's consent.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SubstituteView {
    /// The substitute's SKU.
    pub sku: String,
    /// Its price per unit for this customer.
    pub price: Dec,
    /// How the customer agreed.
    pub consent: String,
}

/// One line of an online order, with what the store did with it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OrderLineView {
    /// Line number in HQ's order.
    pub n: u32,
    /// Ordered SKU.
    pub sku: String,
    /// What the webstore called it.
    pub title: String,
    /// Units ordered.
    pub quantity: Dec,
    /// Price per unit the customer agreed to.
    pub price: Dec,
    /// Units picked (`null`: not picked yet).
    pub picked: Option<Dec>,
    /// Picked as another item.
    pub substitute: Option<SubstituteView>,
    /// Units handed over so far, at every register.
    pub handed_over: Dec,
    /// Units picked and not handed over yet.
    pub left: Dec,
}

/// One handover of goods to the customer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HandoverView {
    pub register: String,
    /// The journal sale that recorded it.
    pub sale: String,
    pub at: String,
    pub by: String,
    /// The identity document checked ("" none).
    pub id_check: String,
    /// Units per order line number.
    pub lines: BTreeMap<String, Dec>,
}

/// The ready-for-pickup notice sent to the customer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NoticeView {
    pub to: String,
    /// When it was queued.
    pub at: String,
}

/// A parcel shipped from the store.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ShipmentView {
    pub carrier: String,
    pub tracking: String,
}

/// An order document left out of the pickup list (it does not read as an order), and why.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UnreadableOrderView {
    /// The document's id (`order/STORE/KEY`).
    pub doc: String,
    /// What is wrong with it.
    pub reason: String,
}

impl From<&till_register::UnreadableOrder> for UnreadableOrderView {
    fn from(u: &till_register::UnreadableOrder) -> Self {
        UnreadableOrderView { doc: u.doc.clone(), reason: u.reason.clone() }
    }
}

/// An online order as this store fulfils it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PickupOrderView {
    /// HQ's order id (`CHANNEL:ID`).
    pub id: String,
    /// What the customer sees (`#1001`).
    pub number: String,
    /// The customer's email ("" unknown).
    pub email: String,
    /// Where the order stands.
    #[ts(
        type = "'new' | 'picking' | 'picked' | 'ready' | 'checked_in' | 'partly_handed_over' | 'handed_over' | 'shipped' | 'withdrawn'"
    )]
    pub status: &'static str,
    /// `online` (paid on the webstore) or `counter` (paid at handover).
    #[ts(type = "'online' | 'counter'")]
    pub paid: &'static str,
    /// `pickup` or `ship`.
    #[ts(type = "'pickup' | 'ship'")]
    pub fulfilment: &'static str,
    /// Currency of the prices.
    pub currency: String,
    /// Why HQ took the order away from this store.
    pub withdrawn: Option<String>,
    /// The bin the picked goods wait in.
    pub bin: Option<String>,
    /// Curbside: where the customer waits.
    pub checkin: Option<String>,
    /// The ready notice, once sent.
    pub notified: Option<NoticeView>,
    /// Ship orders: the parcel.
    pub shipment: Option<ShipmentView>,
    /// The lines this store fulfils.
    pub lines: Vec<OrderLineView>,
    /// Every handover, from every register.
    pub handovers: Vec<HandoverView>,
}

impl From<&PickupOrder> for PickupOrderView {
    fn from(o: &PickupOrder) -> Self {
        PickupOrderView {
            id: o.id.clone(),
            number: o.number.clone(),
            email: o.email.clone(),
            status: o.status().as_str(),
            paid: match o.paid_at {
                PaidAt::Online => "online",
                PaidAt::Counter => "counter",
            },
            fulfilment: match o.fulfilment {
                Fulfilment::Pickup => "pickup",
                Fulfilment::Ship => "ship",
            },
            currency: o.currency.clone(),
            withdrawn: o.withdrawn.clone(),
            bin: o.stage.as_ref().map(|s| s.bin.clone()),
            checkin: o.checkin.as_ref().map(|c| c.spot.clone()),
            notified: o.notified.as_ref().map(|n| NoticeView { to: n.to.clone(), at: n.at.to_string() }),
            shipment: o
                .shipment
                .as_ref()
                .map(|s| ShipmentView { carrier: s.carrier.clone(), tracking: s.tracking.clone() }),
            lines: o
                .lines
                .iter()
                .map(|l| {
                    let pick = o.picks.get(&l.n);
                    OrderLineView {
                        n: l.n,
                        sku: l.sku.clone(),
                        title: l.title.clone(),
                        quantity: Dec::of(l.quantity),
                        price: Dec::of(l.price),
                        picked: pick.map(|p| Dec::of(p.picked)),
                        substitute: pick.and_then(|p| p.substitute.as_ref()).map(|s| SubstituteView {
                            sku: s.sku.clone(),
                            price: Dec::of(s.price),
                            consent: s.consent.clone(),
                        }),
                        handed_over: Dec::of(o.handed_over(l.n)),
                        left: Dec::of(o.left(l.n)),
                    }
                })
                .collect(),
            handovers: o
                .handovers
                .iter()
                .map(|h| HandoverView {
                    register: h.register.clone(),
                    sale: h.sale.clone(),
                    at: h.at.to_string(),
                    by: h.by.clone(),
                    id_check: h.id_check.clone(),
                    lines: h.lines.iter().map(|(n, q)| (n.to_string(), Dec::of(q))).collect(),
                })
                .collect(),
        }
    }
}

/// A line a handover gives the customer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HandoverLineView {
    /// Order line number.
    pub n: u32,
    /// The SKU that leaves the store (a substitute's, if picked so).
    pub sku: String,
    /// The order line's title.
    pub title: String,
    /// Units.
    pub quantity: Dec,
    /// Price per unit.
    pub price: Dec,
}

/// A pickup code that verified: its order, what a handover gives now, and that handover
/// priced at the order's prices (its total is what a counter-paid order's tenders cover).
#[derive(Debug, Clone, Serialize, TS)]
pub struct VerifiedView {
    /// Always true (a code that does not verify is an error).
    pub valid: bool,
    pub order: PickupOrderView,
    /// What will be handed over.
    pub hand_over: Vec<HandoverLineView>,
    /// The handover priced.
    pub cart: CartView,
}

impl VerifiedView {
    /// The view of `verified`, priced as `priced`.
    pub fn new(verified: &till_register::VerifiedPickup, priced: &PricedCart) -> VerifiedView {
        let order = &verified.order;
        VerifiedView {
            valid: true,
            order: PickupOrderView::from(order),
            hand_over: verified
                .lines
                .iter()
                .map(|l| HandoverLineView {
                    n: l.n,
                    sku: l.sku.clone(),
                    title: order.lines.iter().find(|o| o.n == l.n).map(|o| o.title.clone()).unwrap_or_default(),
                    quantity: Dec::of(l.quantity),
                    price: Dec::of(l.price),
                })
                .collect(),
            cart: CartView::new(priced, &order.currency, None),
        }
    }
}

/// A location's stock of an item, per HQ's last chain snapshot.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AisleStockView {
    /// The location (store or DC).
    pub location: String,
    /// Units an order may take there.
    pub available: Dec,
    /// Whether customers can collect orders there.
    pub pickup: bool,
}

/// An endless-aisle search result: the item, where the chain has it, and how old that is.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AisleItemView {
    pub sku: String,
    pub name: String,
    /// Price per unit at this register.
    pub price: Dec,
    /// `each` or `kg`.
    #[ts(type = "'each' | 'kg'")]
    pub unit: String,
    /// Stock per location.
    pub stock: Vec<AisleStockView>,
    /// When HQ took the snapshot (`null`: never fetched).
    pub snapshot_at: Option<String>,
    /// The snapshot's age in seconds.
    pub age_seconds: Option<i64>,
}

impl From<&till_register::AisleItem> for AisleItemView {
    fn from(h: &till_register::AisleItem) -> Self {
        AisleItemView {
            sku: h.item.sku.clone(),
            name: h.item.name.clone(),
            price: Dec::of(h.item.price),
            unit: h.item.unit.as_str().to_string(),
            stock: h
                .stock
                .iter()
                .map(|s| AisleStockView {
                    location: s.location.clone(),
                    available: Dec::of(s.available),
                    pickup: s.pickup,
                })
                .collect(),
            snapshot_at: h.snapshot_at.clone(),
            age_seconds: h.age_seconds,
        }
    }
}

/// What opening the Aisle screen's refresh of the chain stock did (HQ's changes since the
/// register's watermark, applied a page per transaction).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AisleRefreshView {
    /// Pages fetched.
    #[ts(type = "number")]
    pub pages: u64,
    /// Rows changed.
    #[ts(type = "number")]
    pub rows: u64,
    /// HQ did not know the register's watermark: a full fetch.
    pub reset: bool,
}

impl From<&till_register::ChainStockRefresh> for AisleRefreshView {
    fn from(r: &till_register::ChainStockRefresh) -> Self {
        AisleRefreshView { pages: r.pages, rows: r.rows, reset: r.reset }
    }
}

/// Where an endless-aisle order goes, as its body says.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AisleDeliveryView {
    /// `pickup` or `ship`.
    pub method: String,
    /// The pickup store.
    pub location: Option<String>,
    /// Ship-to postcode.
    pub zip: Option<String>,
    /// Ship-to city.
    pub city: Option<String>,
    /// Ship-to country.
    pub country_code: Option<String>,
}

/// An endless-aisle order in this register's outbox.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AisleOrderView {
    /// Its id in the outbox.
    pub id: String,
    /// The order's id at HQ (`aisle-STORE:ID`).
    pub order: String,
    /// Its short number (`REGISTER-xxxxxxxx`).
    pub number: String,
    /// The receipt sequence number of the sale that paid for it.
    pub sale_seq: Option<i64>,
    /// That sale's receipt number (`REGISTER-000123`): what a refund takes back.
    pub receipt: Option<String>,
    /// The customer's email.
    pub email: String,
    /// Where it goes.
    pub delivery: AisleDeliveryView,
    /// The order API body it is sent as.
    pub body: String,
    /// When it was placed.
    pub created_at: String,
    /// `waiting` (not at HQ yet), `sent`, or `failed`: HQ refused it for good
    /// (`last_error` says why); the customer has paid, so re-place it (`till aisle
    /// re-place`) or refund its sale (a return of `receipt`).
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed (a failed order: HQ's reason).
    pub last_error: Option<String>,
    /// When HQ took it.
    pub sent_at: Option<String>,
    /// HQ's status when it took it (routed…).
    pub hq_status: Option<String>,
}

impl From<&till_register::OutboxOrder> for AisleOrderView {
    fn from(o: &till_register::OutboxOrder) -> Self {
        // The body is the register's own (written with the sale); a field it lacks shows empty.
        let body: serde_json::Value = serde_json::from_str(&o.body).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let d = &body["delivery"];
        let number = text(&body["number"]).unwrap_or_default();
        // The number is REGISTER-xxxxxxxx: the register that took it, whose receipt it is.
        let receipt =
            number.rsplit_once('-').zip(o.sale_seq).map(|((register, _), seq)| format!("{register}-{seq:06}"));
        AisleOrderView {
            id: o.id.clone(),
            order: format!("{}:{}", body["channel"].as_str().unwrap_or("aisle"), o.id),
            number,
            sale_seq: o.sale_seq,
            receipt,
            email: text(&body["email"]).unwrap_or_default(),
            delivery: AisleDeliveryView {
                method: text(&d["method"]).unwrap_or_default(),
                location: text(&d["location"]),
                zip: text(&d["zip"]),
                city: text(&d["city"]),
                country_code: text(&d["country_code"]),
            },
            body: o.body.clone(),
            created_at: o.created_at.clone(),
            state: o.state.clone(),
            attempts: o.attempts,
            last_error: o.last_error.clone(),
            sent_at: o.sent_at.clone(),
            hq_status: o.hq_status.clone(),
        }
    }
}

/// An endless-aisle order placed and paid: the order and the committed sale.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AisleOrderDone {
    /// The order's id at HQ (`aisle-STORE:ID`).
    pub order: String,
    /// The sale that paid for it.
    pub sale: SaleDone,
    /// The order in the outbox (waiting until a sync round delivers it).
    pub outbox: Option<AisleOrderView>,
}

/// A line of an online order found for a return.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OnlineLineView {
    pub n: u32,
    /// SKU (a substitute's, if picked so).
    pub sku: String,
    pub title: String,
    /// Price per unit paid.
    pub price: Dec,
    /// Units the customer received.
    pub fulfilled: Dec,
    /// Units back already.
    pub returned: Dec,
    /// Units that may still come back.
    pub returnable: Dec,
}

/// An online order found for a return (at HQ, else among this store's own).
#[derive(Debug, Clone, Serialize, TS)]
pub struct OnlineOrderView {
    /// HQ's id.
    pub id: String,
    /// The customer's number.
    pub number: String,
    /// The customer's email.
    pub email: String,
    /// `hq` or `store`: where it was found.
    #[ts(type = "'hq' | 'store'")]
    pub source: &'static str,
    pub lines: Vec<OnlineLineView>,
}

impl From<&till_register::OnlineOrder> for OnlineOrderView {
    fn from(o: &till_register::OnlineOrder) -> Self {
        OnlineOrderView {
            id: o.id.clone(),
            number: o.number.clone(),
            email: o.email.clone(),
            source: o.source,
            lines: o
                .lines
                .iter()
                .map(|l| OnlineLineView {
                    n: l.n,
                    sku: l.sku.clone(),
                    title: l.title.clone(),
                    price: Dec::of(l.price),
                    fulfilled: Dec::of(l.fulfilled),
                    returned: Dec::of(l.returned),
                    returnable: Dec::of(l.returnable()),
                })
                .collect(),
        }
    }
}

/// A message in the mail outbox.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MailJobView {
    pub id: i64,
    /// What kind (`ready_for_pickup`).
    pub kind: String,
    /// What it is about (the order's id).
    #[serde(rename = "ref")]
    #[ts(rename = "ref")]
    pub reference: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// When it was queued.
    pub created_at: String,
    /// `waiting`, `sent` or `failed` (refused for good, or given up on after
    /// `mail.max_attempts` attempts or `mail.give_up_after_hours`).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Why the last attempt did not send it.
    pub last_error: Option<String>,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// While waiting after a failed attempt: when the next attempt may be (RFC 3339).
    pub next_attempt_at: Option<String>,
}

impl From<&till_register::MailJob> for MailJobView {
    fn from(j: &till_register::MailJob) -> Self {
        MailJobView {
            id: j.id,
            kind: j.kind.clone(),
            reference: j.reference.clone(),
            recipient: j.recipient.clone(),
            subject: j.subject.clone(),
            body: j.body.clone(),
            created_at: j.created_at.clone(),
            state: j.state.clone(),
            attempts: j.attempts,
            last_error: j.last_error.clone(),
            sent_at: j.sent_at.clone(),
            next_attempt_at: j
                .next_attempt_at
                .and_then(|t| jiff::Timestamp::from_second(t).ok())
                .map(|t| t.to_string()),
        }
    }
}

/// One pass of the mail worker.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MailRoundView {
    /// Messages the server took.
    pub sent: u64,
    /// Messages still waiting.
    pub waiting: u64,
    /// Messages refused for good in this pass.
    pub failed: u64,
    /// Why the pass stopped early (the server out of reach), if it did.
    pub blocked: Option<String>,
}

impl From<&till_register::MailRound> for MailRoundView {
    fn from(r: &till_register::MailRound) -> Self {
        MailRoundView { sent: r.sent, waiting: r.waiting, failed: r.failed, blocked: r.blocked.clone() }
    }
}

/// One pass of the print worker.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrintRoundView {
    /// Jobs printed.
    pub printed: u64,
    /// Jobs still waiting.
    pub waiting: u64,
    /// Of the printed, those that had waited past `printer.stale_after_minutes`: printed
    /// without their drawer kick.
    pub late: u64,
    /// Jobs that had waited too long and were dropped (`printer.stale_receipts = "drop"`).
    pub dropped: u64,
    /// What stopped printing (`paper out`, `offline`…), if anything.
    pub blocked: Option<String>,
}

impl From<&till_register::PrintRound> for PrintRoundView {
    fn from(r: &till_register::PrintRound) -> Self {
        PrintRoundView {
            printed: r.printed,
            waiting: r.waiting,
            late: r.late,
            dropped: r.dropped,
            blocked: r.blocked.clone(),
        }
    }
}

/// The configured printer in a word, and whether the drawer is open.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PrinterSummaryView {
    /// `ready`, `paper out`, `cover open`, `offline`…
    pub summary: String,
    /// Whether the cash drawer is open.
    pub drawer_open: bool,
}
