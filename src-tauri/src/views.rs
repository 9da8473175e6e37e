//! The JSON shapes the screen reads (camelCase; money and quantities as decimal strings —
//! the screen formats them, it never computes with them). Built from the register's
//! types here, at the boundary only.

use serde::Serialize;
use till_domain::pickup::{Fulfilment, PaidAt, PickupOrder};
use till_domain::{PricedCart, SaleRecord};

/// A signed-in staff member.
#[derive(Serialize, Clone)]
pub struct OperatorView {
    /// Staff code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Role name.
    pub role: String,
}

impl From<&till_register::Operator> for OperatorView {
    fn from(o: &till_register::Operator) -> Self {
        OperatorView { code: o.code.clone(), name: o.name.clone(), role: o.role.name.clone() }
    }
}

/// How keyboard-wedge scans are told from typing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WedgeView {
    /// The longest gap between two keys of one scan.
    pub max_gap_ms: u64,
    /// The fewest characters of a scan.
    pub min_length: usize,
    /// What the scanner sends before a code.
    pub prefix: String,
    /// The key that ends a scan.
    pub suffix: String,
}

/// What the window needs to start.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Store id (none before setup).
    pub store: Option<String>,
    /// Register id.
    pub register: Option<String>,
    /// The data directory.
    pub data_dir: String,
    /// The app's version.
    pub version: String,
    /// Kiosk mode.
    pub kiosk: bool,
    /// The screen's locale (BCP 47).
    pub locale: String,
    /// The store's currency.
    pub currency: Option<String>,
    /// The data directory holds no register yet: offer to create one or enroll.
    pub needs_setup: bool,
    /// Who is signed in.
    pub operator: Option<OperatorView>,
    /// Scanner timing.
    pub wedge: WedgeView,
}

/// An adjustment on a line (a promotion or discount), as printed.
#[derive(Serialize)]
pub struct AdjustmentView {
    /// What it is.
    pub label: String,
    /// How much (negative: off the price).
    pub amount: String,
}

/// A cart line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineView {
    /// Line number (for edits).
    pub line: u32,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Quantity (pieces or kg).
    pub quantity: String,
    /// `each` or `kg`.
    pub unit: String,
    /// Price per unit.
    pub unit_price: String,
    /// The line's amount after its adjustments.
    pub total: String,
    /// Promotions and discounts on it.
    pub adjustments: Vec<AdjustmentView>,
}

/// The cart as priced now.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CartView {
    /// Sold lines.
    pub lines: Vec<LineView>,
    /// Before discounts.
    pub subtotal: String,
    /// Every discount.
    pub discount_total: String,
    /// Tax in it.
    pub tax_total: String,
    /// To pay.
    pub total: String,
    /// Currency code.
    pub currency: String,
    /// The parked cart it was resumed from.
    pub parked_from: Option<u64>,
}

impl CartView {
    /// The view of `priced` (a cart resumed from `parked_from`).
    pub fn new(priced: &PricedCart, currency: &str, parked_from: Option<u64>) -> CartView {
        CartView {
            lines: priced
                .lines
                .iter()
                .map(|l| LineView {
                    line: l.id.0,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    quantity: l.quantity.value().normalize().to_string(),
                    unit: l.unit.as_str().to_string(),
                    unit_price: l.list_price.to_string(),
                    total: l.total.to_string(),
                    adjustments: l
                        .adjustments
                        .iter()
                        .map(|a| AdjustmentView { label: a.label.clone(), amount: a.amount.to_string() })
                        .collect(),
                })
                .collect(),
            subtotal: priced.subtotal.to_string(),
            discount_total: priced.discount_total.to_string(),
            tax_total: priced.tax_total.to_string(),
            total: priced.total.to_string(),
            currency: currency.to_string(),
            parked_from,
        }
    }
}

/// A completed sale or return.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SaleDone {
    /// Its receipt number.
    pub receipt: String,
    /// The total settled.
    pub total: String,
    /// Change given.
    pub change: String,
    /// The receipt as text.
    pub receipt_text: String,
    /// Its receipt was queued for the printer.
    pub printed: bool,
}

impl SaleDone {
    /// The view of a committed `sale`.
    pub fn new(sale: &SaleRecord, receipt_text: String, printed: bool) -> SaleDone {
        SaleDone {
            receipt: sale.receipt.to_string(),
            total: sale.settlement.total.to_string(),
            change: sale.settlement.change.to_string(),
            receipt_text,
            printed,
        }
    }
}

/// The status bar.
#[derive(Serialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// Reached HQ last time (`None`: not enrolled with an HQ).
    pub online: Option<bool>,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// The oldest of them, seconds ago.
    pub oldest_pending_age_s: Option<i64>,
    /// The last successful sync.
    pub last_sync: Option<String>,
    /// The printer's state (`None`: no printer configured).
    pub printer: Option<String>,
}

/// The Manager screen's Sync tab: the register's sync status in full.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    /// Enrolled with an HQ.
    pub enrolled: bool,
    /// The HQ's URL.
    pub hq: Option<String>,
    /// Whether the last attempt reached HQ.
    pub online: bool,
    /// When a round last succeeded.
    pub last_success: Option<String>,
    /// When a round was last attempted.
    pub last_attempt: Option<String>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Sales HQ has not confirmed.
    pub pending_sales: u64,
    /// When the oldest of them was made.
    pub oldest_pending_at: Option<String>,
    /// Its age in seconds.
    pub oldest_pending_age_s: Option<i64>,
    /// The HQ catalog version the register sells on (`None`: its own catalog).
    pub catalog_version: Option<String>,
}

impl From<till_register::SyncStatus> for SyncStatusView {
    fn from(s: till_register::SyncStatus) -> Self {
        SyncStatusView {
            enrolled: s.enrolled,
            hq: s.hq,
            online: s.online,
            last_success: s.last_success,
            last_attempt: s.last_attempt,
            last_error: s.last_error,
            pending_sales: s.pending_sales,
            oldest_pending_at: s.oldest_pending_at,
            oldest_pending_age_s: s.oldest_pending_age_seconds,
            catalog_version: s.catalog_version,
        }
    }
}

/// One of HQ's open conflicts of this store.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictView {
    /// Kind (`clock_skew`, `stock_below_zero`…).
    pub kind: String,
    /// What it is about.
    pub subject: String,
    /// Register ("" for store-wide).
    pub register: String,
    /// What HQ found.
    pub detail: String,
    /// What it needs from a person.
    pub needs: String,
    /// When HQ raised it.
    pub raised_at: String,
}

impl From<till_register::StoreConflict> for ConflictView {
    fn from(c: till_register::StoreConflict) -> Self {
        ConflictView {
            kind: c.kind,
            subject: c.subject,
            register: c.register,
            detail: c.detail,
            needs: c.needs,
            raised_at: c.raised_at,
        }
    }
}

/// A substitute picked for an order line, with the customer's consent.
#[derive(Serialize)]
pub struct SubstituteView {
    /// The substitute's SKU.
    pub sku: String,
    /// Its price per unit for this customer.
    pub price: String,
    /// How the customer agreed.
    pub consent: String,
}

/// One line of an online order, with what the store did with it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineView {
    /// Line number in HQ's order.
    pub n: u32,
    /// Ordered SKU.
    pub sku: String,
    /// What the webstore called it.
    pub title: String,
    /// Units ordered.
    pub quantity: String,
    /// Price per unit the customer agreed to.
    pub price: String,
    /// Units picked (`None`: not picked yet).
    pub picked: Option<String>,
    /// Picked as another item.
    pub substitute: Option<SubstituteView>,
    /// Units handed over so far, at every register.
    pub handed_over: String,
    /// Units picked and not handed over yet.
    pub left: String,
}

/// One handover of goods to the customer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HandoverView {
    /// Register.
    pub register: String,
    /// The journal sale that recorded it.
    pub sale: String,
    /// When.
    pub at: String,
    /// Staff code.
    pub by: String,
    /// The identity document checked ("" none).
    pub id_check: String,
    /// Units per order line.
    pub lines: Vec<HandedLineView>,
}

/// Units of one order line in a handover.
#[derive(Serialize)]
pub struct HandedLineView {
    /// Order line number.
    pub n: u32,
    /// Units.
    pub quantity: String,
}

/// A parcel shipped from the store.
#[derive(Serialize)]
pub struct ShipmentView {
    /// Carrier.
    pub carrier: String,
    /// Tracking number.
    pub tracking: String,
}

/// An online order as this store's pickup screen shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PickupOrderView {
    /// HQ's order id (`CHANNEL:ID`).
    pub id: String,
    /// What the customer sees (`#1001`).
    pub number: String,
    /// The customer's email ("" unknown).
    pub email: String,
    /// `new`, `picking`, `picked`, `ready`, `checked_in`, `partly_handed_over`,
    /// `handed_over`, `shipped` or `withdrawn`.
    pub status: &'static str,
    /// `online` or `counter`.
    pub paid: &'static str,
    /// `pickup` or `ship`.
    pub fulfilment: &'static str,
    /// Currency of the prices.
    pub currency: String,
    /// Why HQ took the order away from this store.
    pub withdrawn: Option<String>,
    /// The bin the picked goods wait in.
    pub bin: Option<String>,
    /// Curbside: where the customer waits.
    pub checkin: Option<String>,
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
                        quantity: l.quantity.normalize().to_string(),
                        price: l.price.to_string(),
                        picked: pick.map(|p| p.picked.normalize().to_string()),
                        substitute: pick.and_then(|p| p.substitute.as_ref()).map(|s| SubstituteView {
                            sku: s.sku.clone(),
                            price: s.price.to_string(),
                            consent: s.consent.clone(),
                        }),
                        handed_over: o.handed_over(l.n).normalize().to_string(),
                        left: o.left(l.n).normalize().to_string(),
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
                    lines: h
                        .lines
                        .iter()
                        .map(|(n, q)| HandedLineView { n: *n, quantity: q.normalize().to_string() })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A line a handover gives the customer.
#[derive(Serialize)]
pub struct HandoverLineView {
    /// Order line number.
    pub n: u32,
    /// The SKU that leaves the store (a substitute's, if picked so).
    pub sku: String,
    /// The order line's title.
    pub title: String,
    /// Units.
    pub quantity: String,
    /// Price per unit.
    pub price: String,
}

/// A pickup token that verified: its order, what a handover gives now, and that handover
/// priced at the order's prices (its total is what a counter-paid order's tenders cover).
#[derive(Serialize)]
pub struct VerifiedView {
    /// The order.
    pub order: PickupOrderView,
    /// What will be handed over.
    pub lines: Vec<HandoverLineView>,
    /// The handover priced.
    pub cart: CartView,
}

impl VerifiedView {
    /// The view of `verified`, priced as `priced`.
    pub fn new(verified: &till_register::VerifiedPickup, priced: &PricedCart) -> VerifiedView {
        let order = &verified.order;
        VerifiedView {
            order: PickupOrderView::from(order),
            lines: verified
                .lines
                .iter()
                .map(|l| HandoverLineView {
                    n: l.n,
                    sku: l.sku.clone(),
                    title: order.lines.iter().find(|o| o.n == l.n).map(|o| o.title.clone()).unwrap_or_default(),
                    quantity: l.quantity.normalize().to_string(),
                    price: l.price.to_string(),
                })
                .collect(),
            cart: CartView::new(priced, &order.currency, None),
        }
    }
}

/// A location's stock of an item, per HQ's last chain snapshot.
#[derive(Serialize)]
pub struct AisleStockView {
    /// The location (store or DC).
    pub location: String,
    /// Units an order may take there.
    pub available: String,
    /// Whether customers can collect orders there.
    pub pickup: bool,
}

/// An endless-aisle search result: the item, where the chain has it, and how old that is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AisleItemView {
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Price per unit at this register.
    pub price: String,
    /// `each` or `kg`.
    pub unit: String,
    /// Stock per location.
    pub stock: Vec<AisleStockView>,
    /// When HQ took the snapshot (`None`: never fetched).
    pub snapshot_at: Option<String>,
    /// The snapshot's age in seconds.
    pub age_seconds: Option<i64>,
}

impl From<till_register::AisleItem> for AisleItemView {
    fn from(h: till_register::AisleItem) -> Self {
        AisleItemView {
            sku: h.item.sku,
            name: h.item.name,
            price: h.item.price.to_string(),
            unit: h.item.unit.as_str().to_string(),
            stock: h
                .stock
                .into_iter()
                .map(|s| AisleStockView {
                    location: s.location,
                    available: s.available.normalize().to_string(),
                    pickup: s.pickup,
                })
                .collect(),
            snapshot_at: h.snapshot_at,
            age_seconds: h.age_seconds,
        }
    }
}

/// Where an endless-aisle order goes, as its body says.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
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
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AisleOrderView {
    /// The order's id at HQ (`aisle-STORE:ID`).
    pub order: String,
    /// Its id in the outbox.
    pub id: String,
    /// Its short number (`REGISTER-xxxxxxxx`).
    pub number: String,
    /// The receipt number of the sale that paid for it.
    pub sale_seq: Option<i64>,
    /// The customer's email.
    pub email: String,
    /// Where it goes.
    pub delivery: AisleDeliveryView,
    /// When it was placed.
    pub created_at: String,
    /// `waiting` (not at HQ yet) or `sent`.
    pub state: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When HQ took it.
    pub sent_at: Option<String>,
    /// HQ's status when it took it (routed…).
    pub hq_status: Option<String>,
}

impl From<till_register::OutboxOrder> for AisleOrderView {
    fn from(o: till_register::OutboxOrder) -> Self {
        let body: serde_json::Value = serde_json::from_str(&o.body).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
        let d = &body["delivery"];
        AisleOrderView {
            order: format!("{}:{}", body["channel"].as_str().unwrap_or("aisle"), o.id),
            number: text(&body["number"]).unwrap_or_default(),
            email: text(&body["email"]).unwrap_or_default(),
            delivery: AisleDeliveryView {
                method: text(&d["method"]).unwrap_or_default(),
                location: text(&d["location"]),
                zip: text(&d["zip"]),
                city: text(&d["city"]),
                country_code: text(&d["country_code"]),
            },
            id: o.id,
            sale_seq: o.sale_seq,
            created_at: o.created_at,
            state: o.state,
            attempts: o.attempts,
            last_error: o.last_error,
            sent_at: o.sent_at,
            hq_status: o.hq_status,
        }
    }
}

/// An endless-aisle order placed and paid: the order and the committed sale.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AisleOrderDone {
    /// The order's id at HQ (`aisle-STORE:ID`).
    pub order: String,
    /// The sale that paid for it.
    pub sale: SaleDone,
    /// The order in the outbox (waiting until a sync round delivers it).
    pub outbox: Option<AisleOrderView>,
}
