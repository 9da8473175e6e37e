//! Parking a cart (to serve the next customer) and resuming it. A parked cart keeps what
//! the cashier entered — SKUs, quantities, discounts, overrides, coupons — and is priced
//! again on resume with the prices in force then.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use till_domain::{Cart, Discount, Money};

use super::CheckoutError;
use crate::{Register, RegisterError};

#[derive(Serialize, Deserialize)]
struct ParkedLine {
    sku: String,
    quantity: String,
    discount: Option<String>,
    override_price: Option<String>,
    override_reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ParkedPayload {
    version: u32,
    lines: Vec<ParkedLine>,
    order_discount: Option<String>,
    coupons: Vec<String>,
}

/// `10%` or `2.50`, as written in parked carts and on the command line.
pub fn discount_text(d: Discount) -> String {
    match d {
        Discount::Percent(p) => format!("{}%", p.normalize()),
        Discount::Amount(a) => a.to_string(),
    }
}

/// Reads `10%` (percent) or `2.50` (amount in the register's currency).
pub fn parse_discount(text: &str, register: &Register) -> Result<Discount, RegisterError> {
    let bad = |reason: String| RegisterError::Input(format!("discount '{text}': {reason}"));
    match text.trim().strip_suffix('%') {
        Some(p) => Decimal::from_str_exact(p.trim()).map(Discount::Percent).map_err(|e| bad(e.to_string())),
        None => register.config.currency.parse_amount(text).map(Discount::Amount).map_err(|e| bad(e.to_string())),
    }
}

impl Register {
    /// Parks `cart` under `label`; returns its number.
    pub fn park(&mut self, cart: &Cart, label: &str) -> Result<u64, RegisterError> {
        if cart.is_empty() {
            return Err(CheckoutError::EmptyCart.into());
        }
        till_domain::screen_text(till_domain::TextField::ParkLabel, label)?;
        super::screen_cart(cart)?;
        let lines = cart
            .active_lines()
            .map(|l| ParkedLine {
                sku: l.item.sku.clone(),
                quantity: l.quantity.to_string(),
                discount: l.discount.map(discount_text),
                override_price: l.price_override.as_ref().map(|o| o.price.to_string()),
                override_reason: l.price_override.as_ref().map(|o| o.reason.clone()),
            })
            .collect();
        let payload = ParkedPayload {
            version: 1,
            lines,
            order_discount: cart.order_discount().map(discount_text),
            coupons: cart.coupons().to_vec(),
        };
        let text = serde_json::to_string(&payload).map_err(|e| RegisterError::corrupt("a parked cart", e))?;
        Ok(self.store.park(label, &self.clock.now().to_string(), &text, cart.resumed_from())?)
    }

    /// Rebuilds parked cart `id`, priced with today's catalog. It stays on the parked list
    /// until the sale completes (or the cart is parked again): a failed payment or a
    /// crash loses nothing.
    pub fn resume(&self, id: u64) -> Result<Cart, RegisterError> {
        let parked = self.store.parked_cart(id)?;
        let payload: ParkedPayload = serde_json::from_str(&parked.payload)
            .map_err(|e| RegisterError::corrupt(format!("parked cart {id}"), e))?;
        let mut cart = Cart::new();
        for line in payload.lines {
            let quantity = Decimal::from_str_exact(&line.quantity)
                .map_err(|e| RegisterError::corrupt(format!("parked cart {id}"), e))?;
            let line_id = self.scan(&mut cart, &line.sku, Some(quantity))?;
            if let Some(d) = line.discount {
                cart.discount_line(line_id, parse_discount(&d, self)?)?;
            }
            if let Some(p) = line.override_price {
                let price = Money::parse(&p).map_err(|e| RegisterError::corrupt(format!("parked cart {id}"), e))?;
                cart.override_price(line_id, price, line.override_reason.as_deref().unwrap_or(""))?;
            }
        }
        if let Some(d) = payload.order_discount {
            cart.discount_order(parse_discount(&d, self)?)?;
        }
        for c in payload.coupons {
            self.apply_coupon(&mut cart, &c)?;
        }
        cart.set_resumed_from(id);
        Ok(cart)
    }
}
