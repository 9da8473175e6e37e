//! Returns and exchanges: finding the receipt, checking the rules, and adding return
//! lines to a cart whose refunds are each line's share of what was paid. Completing the
//! cart (with new items for an exchange) is [`Register::complete_sale`].

use rust_decimal::Decimal;
use till_domain::{
    Cart, Disposition, OriginalLine, Quantity, ReturnLine, ReturnTerms, SaleRecord, no_receipt_refund, plan_line_return,
};

use super::CheckoutError;
use crate::{Authority, Register, RegisterError};

/// Which goods come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnPick {
    /// A line of the receipt (its number), with a quantity (`None`: all that is left).
    Line(u32, Option<Decimal>),
    /// Without a receipt: a barcode or SKU and a quantity.
    Item(String, Decimal),
}

/// A return to add to a cart.
#[derive(Debug, Clone)]
pub struct ReturnRequest {
    /// The receipt: its number (`R1-000042`, `42`) or the code printed on it
    /// (`till:STORE/R1-000042`). `None` for a return without a receipt.
    pub receipt: Option<String>,
    /// What comes back.
    pub picks: Vec<ReturnPick>,
    /// A reason code from the store's list.
    pub reason: String,
    /// Back to stock, or written off as damaged.
    pub disposition: Disposition,
    /// A manager's note overriding the return rules (window, final sale); needs
    /// `return_override`.
    pub override_note: Option<String>,
}

impl Register {
    /// Finds a sale by receipt number or by the code printed on its receipt, for someone
    /// signed in (a receipt names what a customer bought and how they paid): rung here, or
    /// elsewhere (see [`Register::find_receipt_anywhere`], which also says where).
    pub fn find_receipt(&self, auth: &Authority, text: &str) -> Result<SaleRecord, RegisterError> {
        Ok(self.find_receipt_anywhere(auth, text)?.sale)
    }

    /// What is left to return of each line of `sale`: (line, sold less returned so far,
    /// here and elsewhere).
    pub fn returnable(&self, sale: &SaleRecord) -> Result<Vec<(u32, Decimal)>, RegisterError> {
        let found = self.original_sale(&sale.id, &self.receipt_name(sale))?;
        sale.cart
            .lines
            .iter()
            .filter(|l| l.returning.is_none())
            .map(|l| {
                let returned = self.store.returned_quantity(&sale.id, l.id.0)? + found.returned_elsewhere(l.id.0);
                Ok((l.id.0, l.quantity.value() - returned))
            })
            .collect()
    }

    /// Adds the return lines of `request` to `cart`. Quantities never exceed what was sold
    /// minus what was returned already (here, or earlier on this cart); the store's return
    /// rules apply unless a manager's note overrides them (checked when the sale
    /// completes). One cart takes back goods from one receipt at most.
    pub fn add_return(&self, cart: &mut Cart, request: &ReturnRequest) -> Result<(), RegisterError> {
        let rules = &self.config.returns;
        till_domain::screen_text(till_domain::TextField::ReturnReason, &request.reason)?;
        if let Some(note) = &request.override_note {
            till_domain::screen_text(till_domain::TextField::ReturnOverrideNote, note)?;
        }
        rules.check_reason(&request.reason)?;
        if let Some(note) = &request.override_note
            && note.trim().is_empty()
        {
            return Err(CheckoutError::OverrideNeedsNote.into());
        }
        let found = request.receipt.as_deref().map(|r| self.locate_receipt(r)).transpose()?;
        let original = found.as_ref().map(|f| &f.sale);
        let cart_original = cart
            .active_lines()
            .filter_map(|l| l.returning.as_ref())
            .map(|r| r.original.as_ref().map(|o| o.sale_id.clone()))
            .next();
        if let Some(existing) = cart_original
            && existing != original.as_ref().map(|o| o.id.clone())
        {
            return Err(CheckoutError::OneReceiptPerCart.into());
        }
        let now = self.clock.now();
        for pick in &request.picks {
            let (item, quantity, refund, original_line, sold_at) = match (pick, original) {
                (ReturnPick::Line(no, qty), Some(sale)) => {
                    let line =
                        sale.cart.lines.iter().find(|l| l.id.0 == *no && l.returning.is_none()).ok_or_else(|| {
                            CheckoutError::NoSuchLine { receipt: sale.receipt.to_string(), line: *no }
                        })?;
                    let in_cart: Decimal = cart
                        .active_lines()
                        .filter_map(|l| l.returning.as_ref().and_then(|r| r.original.as_ref()).map(|o| (o, l.quantity)))
                        .filter(|(o, _)| o.sale_id == sale.id && o.line == *no)
                        .map(|(_, q)| q.value())
                        .sum();
                    let elsewhere = found.as_ref().map_or(Decimal::ZERO, |f| f.returned_elsewhere(*no));
                    let returned = self.store.returned_quantity(&sale.id, *no)? + elsewhere + in_cart;
                    let mode = self.config.policy.mode;
                    let minor = self.config.currency.minor_units();
                    let planned = plan_line_return(&sale.receipt.to_string(), line, returned, *qty, mode, minor)?;
                    let components = self.store.variant_by_sku(&line.sku)?.map(|v| v.components).unwrap_or_default();
                    let original = OriginalLine {
                        sale_id: sale.id.clone(),
                        receipt: self.receipt_name(sale),
                        seq: sale.receipt.seq,
                        line: *no,
                    };
                    (line.returned_item(components), planned.quantity, planned.refund, Some(original), Some(sale.at))
                }
                (ReturnPick::Item(code, qty), None) => {
                    let item = self.lookup(code)?;
                    let quantity = Quantity::new(*qty, item.unit)?;
                    let recent = self.store.lowest_recent_unit_price(&item.sku, rules.no_receipt_price_since(now))?;
                    let refund = no_receipt_refund(
                        item.price,
                        recent,
                        quantity,
                        &self.config.currency,
                        self.config.policy.mode,
                    )?;
                    (item, quantity, refund, None, None)
                }
                (ReturnPick::Line(..), None) => {
                    return Err(CheckoutError::LineNeedsReceipt.into());
                }
                (ReturnPick::Item(..), Some(_)) => {
                    return Err(CheckoutError::PickLinesByNumber.into());
                }
            };
            let stored = self.store.variant_by_sku(&item.sku)?;
            let terms = ReturnTerms {
                category: item.category.clone(),
                final_sale: stored.as_ref().is_some_and(|v| v.final_sale),
                window_days: stored.as_ref().and_then(|v| v.return_days),
            };
            let verdict = match sold_at {
                Some(at) => rules.check(&terms, at, now),
                None => rules.check(&terms, now, now),
            };
            if let Err(refusal) = verdict
                && request.override_note.is_none()
            {
                return Err(CheckoutError::ReturnRefused { sku: item.sku, name: item.name, refusal }.into());
            }
            let returning = ReturnLine {
                original: original_line,
                refund,
                fee_percent: rules.fee_percent(item.category.as_deref(), &request.reason),
                reason: request.reason.clone(),
                disposition: request.disposition,
                override_note: request.override_note.clone(),
            };
            cart.add_return(item, quantity, returning)?;
        }
        Ok(())
    }
}
