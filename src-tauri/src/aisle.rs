//! The endless-aisle screen's commands: the chain's catalog with each location's stock (HQ's
//! last snapshot and its age), what a basket would charge, an order for pickup at another
//! store or shipping, paid here, and the outbox of such orders. Each is one register call
//! on a blocking thread (`till_register`'s `aisle.rs` holds the rules).

use rust_decimal::Decimal;
use tauri::State;
use till_register::AisleDelivery;

use crate::commands::{TenderArg, decimal, input, receipt_prints, sale_done, tenders};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::{AisleItemView, AisleOrderDone, AisleOrderView, CartView};

type Reply<T> = Result<T, AppError>;

/// A basket line as the screen sends it: a SKU and whole pieces.
#[derive(serde::Deserialize)]
pub struct AisleLineArg {
    sku: String,
    quantity: String,
}

fn basket(args: &[AisleLineArg]) -> Reply<Vec<(String, Decimal)>> {
    args.iter().map(|l| Ok((l.sku.clone(), decimal(&l.quantity, &format!("quantity of {}", l.sku))?))).collect()
}

/// Where the order goes: `{method: "pickup", location}` or `{method: "ship", zip, city,
/// countryCode, latitude?, longitude?}`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryArg {
    method: String,
    location: Option<String>,
    zip: Option<String>,
    city: Option<String>,
    country_code: Option<String>,
    latitude: Option<String>,
    longitude: Option<String>,
}

impl DeliveryArg {
    fn delivery(self) -> Reply<AisleDelivery> {
        let given = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let needed = |v: Option<String>, what: &str| given(v).ok_or_else(|| input(format!("{what} is needed")));
        match self.method.as_str() {
            "pickup" => Ok(AisleDelivery::Pickup { location: needed(self.location, "the pickup store")? }),
            "ship" => {
                let coordinates = match (given(self.latitude), given(self.longitude)) {
                    (None, None) => None,
                    (Some(lat), Some(lon)) => {
                        decimal(&lat, "latitude")?;
                        decimal(&lon, "longitude")?;
                        Some((lat, lon))
                    }
                    _ => return Err(input("give both latitude and longitude, or neither")),
                };
                Ok(AisleDelivery::Ship {
                    coordinates,
                    zip: needed(self.zip, "the postcode")?,
                    city: needed(self.city, "the city")?,
                    country_code: needed(self.country_code, "the country")?.to_uppercase(),
                })
            }
            other => Err(input(format!("delivery '{other}' is not pickup or ship"))),
        }
    }
}

/// The chain's catalog matching `text`, each item with its stock per location and the
/// snapshot's time and age (no sign-in needed: a kiosk browses it).
#[tauri::command]
pub async fn aisle_search(state: State<'_, AppState>, text: String, limit: usize) -> Reply<Vec<AisleItemView>> {
    state
        .with(move |s| {
            Ok(s.register()?.aisle_search(&text, limit.clamp(1, 100))?.into_iter().map(Into::into).collect())
        })
        .await
}

/// What an order for `lines` would charge now, priced by the register (nothing stored).
#[tauri::command]
pub async fn aisle_quote(state: State<'_, AppState>, lines: Vec<AisleLineArg>) -> Reply<CartView> {
    state
        .with(move |s| {
            let reg = s.register()?;
            let priced = reg.aisle_quote(&basket(&lines)?)?;
            Ok(CartView::new(&priced, reg.config().currency.code(), None))
        })
        .await
}

/// Places an endless-aisle order for `lines`, delivered as `delivery`, for the customer at
/// `email`, paid now with `tenders` (approvals: manager `CODE:PIN`s, as for `pay`). The
/// sale and the queued order commit together; the receipt and the customer display go
/// as `pay`'s do. Answers the order's id, the sale, and the order as the outbox holds it.
#[tauri::command]
pub async fn aisle_order(
    state: State<'_, AppState>,
    lines: Vec<AisleLineArg>,
    delivery: DeliveryArg,
    email: String,
    tenders: Vec<TenderArg>,
    approvals: Vec<String>,
    receipt: Option<String>,
) -> Reply<AisleOrderDone> {
    state
        .with(move |s| {
            let print = receipt_prints(receipt.as_deref())?;
            let lines = basket(&lines)?;
            let delivery = delivery.delivery()?;
            let (reg, _, mut auth) = s.acting(&approvals)?;
            let tenders = self::tenders(reg, &tenders)?;
            let (order, sale) = reg.aisle_order(&lines, &delivery, &email, &tenders, &mut auth)?;
            let id = order.rsplit_once(':').map_or(order.as_str(), |(_, id)| id);
            let outbox = reg.aisle_orders(false)?.into_iter().find(|o| o.id == id).map(Into::into);
            Ok(AisleOrderDone { sale: sale_done(reg, &sale, print), order, outbox })
        })
        .await
}

/// The endless-aisle orders placed here, newest first (`waiting`: only those HQ has not
/// taken yet). They carry customers' emails: a signed-in staff member only.
#[tauri::command]
pub async fn aisle_orders(state: State<'_, AppState>, waiting: bool) -> Reply<Vec<AisleOrderView>> {
    state
        .with(move |s| {
            let (reg, _, _) = s.acting(&[])?;
            Ok(reg.aisle_orders(waiting)?.into_iter().rev().map(Into::into).collect())
        })
        .await
}
