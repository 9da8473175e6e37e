//! The omnichannel tables: `locations`, `orders` and `order_lines`, `reservations`,
//! `order_events`, `order_fulfilments`, `order_returns` and `order_refunds`.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::db::{Row, RowError};
use crate::domain::routing::Site;
use crate::domain::status::OrderStatus;

/// A row of `locations`: where orders may be routed, and its name in Shopify.
#[derive(Debug, Clone)]
pub struct LocationRow {
    /// The location as routing sees it.
    pub site: Site,
    /// Its pickup location's name in Shopify ("" none).
    pub shopify_location: String,
}

impl LocationRow {
    /// The columns [`LocationRow::from_row`] reads.
    pub const COLUMNS: &str = "id, kind, lat, lon, pickup, ship, safety_buffer, cost, sla_hours, shopify_location";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<LocationRow, RowError> {
        let r = row.of("locations");
        Ok(LocationRow {
            site: Site {
                id: r.text("id")?,
                kind: r.text("kind")?,
                lat: r.decimal("lat")?,
                lon: r.decimal("lon")?,
                pickup: r.flag("pickup")?,
                ship: r.flag("ship")?,
                safety_buffer: r.decimal("safety_buffer")?,
                cost: r.decimal("cost")?,
                sla_hours: r.int("sla_hours")?,
            },
            shopify_location: r.text("shopify_location")?,
        })
    }
}

/// A row of `orders`.
#[derive(Debug, Clone)]
pub struct OrderRow {
    /// `CHANNEL:EXTERNAL_ID`.
    pub id: String,
    /// Channel.
    pub channel: String,
    /// The webstore's id.
    pub external_id: String,
    /// The number customers see.
    pub number: String,
    /// Customer email.
    pub email: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// When it was placed (the webstore's clock).
    pub placed_at: String,
    /// The webstore's `updated_at` of the version held.
    pub source_updated_at: String,
    /// Pickup location or ship-to address.
    pub delivery: Value,
    /// Status.
    pub status: OrderStatus,
    /// Routing decisions made so far.
    pub round: i64,
    /// The last routing decision (`null` before the first).
    pub explanation: Value,
    /// The Shopify shop it came from ("" for others).
    pub shop_domain: String,
    /// `online` or `counter`: where the customer pays.
    pub paid_at: String,
    /// The pickup token's id ("" none yet).
    pub pickup_token: String,
    /// When the pickup token expires ("" none yet).
    pub pickup_expires: String,
}

impl OrderRow {
    /// The columns [`OrderRow::from_row`] reads.
    pub const COLUMNS: &str = "id, channel, external_id, number, email, currency, placed_at, source_updated_at, \
                               delivery, status, round, explanation, shop_domain, paid_at, pickup_token, pickup_expires";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<OrderRow, RowError> {
        let r = row.of("orders");
        Ok(OrderRow {
            id: r.text("id")?,
            channel: r.text("channel")?,
            external_id: r.text("external_id")?,
            number: r.text("number")?,
            email: r.text("email")?,
            currency: r.text("currency")?,
            placed_at: r.text("placed_at")?,
            source_updated_at: r.text("source_updated_at")?,
            delivery: r.json("delivery")?,
            status: r.parse("status")?,
            round: r.int("round")?,
            explanation: r.json("explanation")?,
            shop_domain: r.text("shop_domain")?,
            paid_at: r.text("paid_at")?,
            pickup_token: r.text("pickup_token")?,
            pickup_expires: r.text("pickup_expires")?,
        })
    }
}

/// A row of `order_lines`.
#[derive(Debug, Clone)]
pub struct OrderLineRow {
    /// Line number.
    pub n: i64,
    /// The webstore's line id.
    pub external_id: String,
    /// SKU as sent.
    pub ordered_sku: String,
    /// Barcode as sent.
    pub barcode: String,
    /// The webstore's variant id.
    pub variant_id: String,
    /// Title.
    pub title: String,
    /// Units ordered.
    pub quantity: Decimal,
    /// Unit price.
    pub price: Decimal,
    /// The catalog SKU it matched ("" unknown).
    pub sku: String,
    /// `sku`, `barcode` or "" (unknown).
    pub matched_by: String,
    /// Where it is routed ("" not routed).
    pub location: String,
    /// Why it is not routed ("" when it is).
    pub why: String,
}

impl OrderLineRow {
    /// The columns [`OrderLineRow::from_row`] reads.
    pub const COLUMNS: &str =
        "n, external_id, ordered_sku, barcode, variant_id, title, quantity, price, sku, matched_by, location, why";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<OrderLineRow, RowError> {
        let r = row.of("order_lines");
        Ok(OrderLineRow {
            n: r.int("n")?,
            external_id: r.text("external_id")?,
            ordered_sku: r.text("ordered_sku")?,
            barcode: r.text("barcode")?,
            variant_id: r.text("variant_id")?,
            title: r.text("title")?,
            quantity: r.decimal("quantity")?,
            price: r.decimal("price")?,
            sku: r.text("sku")?,
            matched_by: r.text("matched_by")?,
            location: r.text("location")?,
            why: r.text("why")?,
        })
    }
}

/// A row of `reservations`: stock held for one line in one routing round.
#[derive(Debug, Clone)]
pub struct ReservationRow {
    /// Line number.
    pub n: i64,
    /// Where.
    pub location: String,
    /// SKU.
    pub sku: String,
    /// Units.
    pub quantity: Decimal,
    /// `active`, `released` or `fulfilled`.
    pub state: String,
    /// Why it ended ("" while active).
    pub reason: String,
}

impl ReservationRow {
    /// The columns [`ReservationRow::from_row`] reads.
    pub const COLUMNS: &str = "n, location, sku, quantity, state, reason";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<ReservationRow, RowError> {
        let r = row.of("reservations");
        Ok(ReservationRow {
            n: r.int("n")?,
            location: r.text("location")?,
            sku: r.text("sku")?,
            quantity: r.decimal("quantity")?,
            state: r.text("state")?,
            reason: r.text("reason")?,
        })
    }
}

/// A row of `order_events`: one entry of an order's history.
#[derive(Debug, Clone)]
pub struct OrderEventRow {
    /// When.
    pub at: String,
    /// What happened.
    pub event: String,
    /// Why, in words.
    pub detail: String,
}

impl OrderEventRow {
    /// The columns [`OrderEventRow::from_row`] reads.
    pub const COLUMNS: &str = "at, event, detail";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<OrderEventRow, RowError> {
        let r = row.of("order_events");
        Ok(OrderEventRow { at: r.text("at")?, event: r.text("event")?, detail: r.text("detail")? })
    }
}

/// A row of `order_fulfilments`: units of a line that left a location.
#[derive(Debug, Clone)]
pub struct FulfilmentRow {
    /// Line number.
    pub n: i64,
    /// Units.
    pub quantity: Decimal,
}

impl FulfilmentRow {
    /// The columns [`FulfilmentRow::from_row`] reads.
    pub const COLUMNS: &str = "n, quantity";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<FulfilmentRow, RowError> {
        let r = row.of("order_fulfilments");
        Ok(FulfilmentRow { n: r.int("n")?, quantity: r.decimal("quantity")? })
    }
}

/// A row of `order_returns`: units of a line returned at a store.
#[derive(Debug, Clone)]
pub struct OrderReturnRow {
    /// Line number.
    pub n: i64,
    /// Units back.
    pub quantity: Decimal,
}

impl OrderReturnRow {
    /// The columns [`OrderReturnRow::from_row`] reads.
    pub const COLUMNS: &str = "n, quantity";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<OrderReturnRow, RowError> {
        let r = row.of("order_returns");
        Ok(OrderReturnRow { n: r.int("n")?, quantity: r.decimal("quantity")? })
    }
}

/// A row of `order_refunds`: what a store return owes the online tender.
#[derive(Debug, Clone)]
pub struct RefundRow {
    /// The return sale at the store.
    pub sale_id: String,
    /// The order.
    pub order_id: String,
    /// Store.
    pub store: String,
    /// Register.
    pub register: String,
    /// Amount owed (positive).
    pub amount: Decimal,
    /// `pending` or `done`.
    pub state: String,
    /// The webstore's refund reference once done.
    pub reference: String,
    /// When the return was booked.
    pub at: String,
}

impl RefundRow {
    /// The columns [`RefundRow::from_row`] reads.
    pub const COLUMNS: &str = "sale_id, order_id, store, register, amount, state, reference, at";

    /// The row's fields, typed.
    pub fn from_row(row: &Row) -> Result<RefundRow, RowError> {
        let r = row.of("order_refunds");
        Ok(RefundRow {
            sale_id: r.text("sale_id")?,
            order_id: r.text("order_id")?,
            store: r.text("store")?,
            register: r.text("register")?,
            amount: r.decimal("amount")?,
            state: r.text("state")?,
            reference: r.text("reference")?,
            at: r.text("at")?,
        })
    }
}
