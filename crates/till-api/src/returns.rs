//! A return or exchange as the Returns screen holds it, and what the register quotes for
//! it: the document priced, which way it settles, the refund methods the rules allow.

use serde::{Deserialize, Serialize};
use till_domain::{Disposition, ExchangeSettlement};
use till_register::{RegisterError, ReturnDocument, ReturnPick, ReturnQuote, ReturnedGoods};
use ts_rs::TS;

use crate::args::{ReturnLineArg, decimal};
use crate::{CartView, Dec};

/// Goods back without a receipt, as the screen sends them.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReturnItemArg {
    /// Barcode or SKU.
    pub code: String,
    /// How many (pieces or kg).
    pub quantity: Dec,
    /// The reason code.
    pub reason: String,
    /// Written off as damaged instead of back to stock.
    #[serde(default)]
    #[ts(optional)]
    pub damaged: Option<bool>,
}

/// A whole return or exchange as the screen sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ReturnDocArg {
    /// The receipt (number or printed code); `null` without one.
    pub receipt: Option<String>,
    /// Receipt lines back (with a receipt).
    #[serde(default)]
    pub lines: Vec<ReturnLineArg>,
    /// Items back (without a receipt).
    #[serde(default)]
    pub items: Vec<ReturnItemArg>,
    /// A manager's note overriding the return rules.
    #[serde(default)]
    #[ts(optional)]
    pub override_note: Option<String>,
    /// An exchange's new goods as typed or scanned (`CODE`, `CODE*QTY`).
    #[serde(default)]
    pub new_items: Vec<String>,
}

fn disposition(damaged: Option<bool>) -> Disposition {
    if damaged == Some(true) { Disposition::Damaged } else { Disposition::Restock }
}

impl ReturnDocArg {
    /// The document as the register takes it (a malformed quantity is an `input` error
    /// naming the line or item; a blank override note counts as none).
    pub fn document(&self) -> Result<ReturnDocument, RegisterError> {
        let mut goods = Vec::new();
        for l in &self.lines {
            let quantity = decimal(&l.quantity.0, &format!("quantity of line {}", l.line))?;
            goods.push(ReturnedGoods {
                pick: ReturnPick::Line(l.line, Some(quantity)),
                reason: l.reason.clone(),
                disposition: disposition(l.damaged),
            });
        }
        for i in &self.items {
            let quantity = decimal(&i.quantity.0, &format!("quantity of {}", i.code))?;
            goods.push(ReturnedGoods {
                pick: ReturnPick::Item(i.code.clone(), quantity),
                reason: i.reason.clone(),
                disposition: disposition(i.damaged),
            });
        }
        Ok(ReturnDocument {
            receipt: self.receipt.clone().filter(|r| !r.trim().is_empty()),
            goods,
            override_note: self.override_note.clone().filter(|n| !n.trim().is_empty()),
            new_items: self.new_items.clone(),
        })
    }
}

/// What a return or exchange comes to now, as the register quotes it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReturnQuoteView {
    /// The document priced: the goods back first (negative), then the new goods.
    pub cart: CartView,
    /// `refund` (the customer is owed `-total`), `pay` (the customer pays `total`) or
    /// `even`.
    #[ts(type = "'refund' | 'pay' | 'even'")]
    pub settlement: &'static str,
    /// The refund methods the rules allow here (`original`, `cash`, `credit`), in the
    /// order to offer them.
    pub refund_methods: Vec<String>,
    /// What the cashier should be told about the new goods (an expired item).
    pub warnings: Vec<String>,
}

impl ReturnQuoteView {
    /// The view of `quote` in `currency`.
    pub fn new(quote: &ReturnQuote, currency: &str) -> ReturnQuoteView {
        ReturnQuoteView {
            cart: CartView::new(&quote.priced, currency, None),
            settlement: match quote.settlement {
                ExchangeSettlement::Refund => "refund",
                ExchangeSettlement::Pay => "pay",
                ExchangeSettlement::Even => "even",
            },
            refund_methods: quote.refund_methods.iter().map(|m| m.as_str().to_string()).collect(),
            warnings: quote.warnings.clone(),
        }
    }
}
