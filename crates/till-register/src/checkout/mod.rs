//! Checkout: a cart rung up by scans (barcode, GS1, weighed and counted labels, SKU),
//! coupons, pricing, the completed document (sale, return, exchange) committed durably,
//! parked carts, receipts, and store credit.

mod elsewhere;
mod entry;
mod parked;
mod return_document;
mod returns;
mod sale;

pub use elsewhere::{FoundSale, ReceiptSource};
pub use entry::{ScanEntry, parse_scan_entry};
pub use parked::{discount_text, parse_discount};
pub use return_document::{ReturnDocument, ReturnQuote, ReturnedGoods};
pub use returns::{ReturnPick, ReturnRequest};
pub(crate) use sale::Carries;
pub use sale::Settle;

use rust_decimal::Decimal;
use till_barcode::Barcode;
use till_domain::{
    Cart, LineId, PricedCart, PricingContext, Quantity, ReturnRefusal, SaleRecord, TextField, Unit, price_cart,
    screen_text,
};
use till_store::ParkedCart;

use crate::catalog::CatalogError;
use crate::{Copy, Register, RegisterError};

/// What checkout refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    /// Nothing to sell.
    #[error("the cart is empty")]
    EmptyCart,
    /// A coupon code no promotion uses.
    #[error("coupon '{0}' is not valid")]
    UnknownCoupon(String),
    /// An item sold by weight scanned without a weight and with no scale to weigh it.
    #[error(
        "{sku} ({name}) is sold by weight: give the weight in kg (e.g. {code}*0.412) or configure a scale ([scale] port)"
    )]
    NeedsWeight {
        /// The code as scanned or typed.
        code: String,
        /// The SKU.
        sku: String,
        /// Its name.
        name: String,
    },
    /// A GS1 code that names no item.
    #[error("{0}: a GS1 code without a GTIN (01) names no item")]
    NoGtin(String),
    /// A label with the price printed in it: the register prices from its catalog.
    #[error("{code}: a price-embedded label ({value} {unit}) — ring the item and override its price instead")]
    PriceEmbedded {
        /// The code scanned.
        code: String,
        /// The price on the label.
        value: Decimal,
        /// Its currency or unit, as the label says.
        unit: String,
    },
    /// No such receipt on this register.
    #[error("no receipt {0} on this register")]
    ReceiptNotFound(String),
    /// A receipt rung at another register (of this store, or of another store) that
    /// cannot be found where it may be: HQ, or this register's copies of its store peers'
    /// sales.
    #[error("receipt {number} was rung on register {register} of store {store}: {why}")]
    Elsewhere {
        /// The receipt number.
        number: String,
        /// The store that rang it.
        store: String,
        /// The register that rang it.
        register: String,
        /// Why it cannot be taken back here, and what would help.
        why: String,
    },
    /// A refund to the original tenders of a sale rung elsewhere, paid partly with a tender
    /// only its own register can refund (store credit, a custom tender).
    #[error(
        "receipt {receipt} was paid partly with {tender}, which only register {register} can refund: refund as cash or store credit here (--refund cash or --refund credit)"
    )]
    OriginalTenderElsewhere {
        /// The receipt.
        receipt: String,
        /// The tender (`store credit`, or a custom tender's name).
        tender: String,
        /// The register that rang the sale.
        register: String,
    },
    /// Anything else about finding a receipt elsewhere (an answer that cannot be read).
    #[error("{0}")]
    ReceiptUnreadable(String),
    /// A line the receipt does not have, or one that returned goods itself.
    #[error("receipt {receipt} has no line {line} that can be returned")]
    NoSuchLine {
        /// The receipt.
        receipt: String,
        /// The line asked for.
        line: u32,
    },
    /// Goods from two receipts (or with and without one) on one cart.
    #[error("one cart takes back goods from one receipt (or none) at a time")]
    OneReceiptPerCart,
    /// A line number given without the receipt it is on.
    #[error("a line number needs the receipt it is on")]
    LineNeedsReceipt,
    /// An item code given with a receipt.
    #[error("with a receipt, pick its lines by number")]
    PickLinesByNumber,
    /// An override of the return rules without a note.
    #[error("an override needs a note saying why")]
    OverrideNeedsNote,
    /// The return rules refuse the return; a manager may override with a note.
    #[error("return refused: {sku} ({name}): {refusal}; a manager may override with a note")]
    ReturnRefused {
        /// The SKU coming back.
        sku: String,
        /// Its name.
        name: String,
        /// The rule that refuses it.
        refusal: ReturnRefusal,
    },
    /// A training sale with goods coming back.
    #[error("training mode sells only")]
    TrainingSellsOnly,
    /// An unknown store-credit code.
    #[error("no store credit {0}")]
    NoStoreCredit(String),
}

impl CheckoutError {
    /// The stable code ([`RegisterError::code`]).
    pub fn code(&self) -> &'static str {
        match self {
            CheckoutError::EmptyCart => "empty_cart",
            CheckoutError::UnknownCoupon(_) => "unknown_coupon",
            CheckoutError::ReceiptNotFound(_) | CheckoutError::Elsewhere { .. } => "receipt_not_found",
            CheckoutError::OriginalTenderElsewhere { .. } => "original_tender_elsewhere",
            CheckoutError::ReturnRefused { .. } => "return_refused",
            _ => "input",
        }
    }
}

impl Register {
    /// Adds the item for `code` to `cart`: one piece unless a quantity is given; an item
    /// sold by weight is weighed on the configured scale (a stable net weight, or the scan
    /// is refused with why), and without a scale needs its weight given (selling "1 kg" by
    /// default would be a guess).
    pub fn scan(&self, cart: &mut Cart, code: &str, quantity: Option<Decimal>) -> Result<LineId, RegisterError> {
        let item = self.lookup(code)?;
        let quantity = match (quantity, item.unit) {
            (Some(q), unit) => Quantity::new(q, unit)?,
            (None, Unit::Each) => Quantity::ONE,
            (None, Unit::Kilogram) if self.config.scale.is_some() => Quantity::new(self.weigh(None)?, Unit::Kilogram)?,
            (None, Unit::Kilogram) => {
                return Err(CheckoutError::NeedsWeight {
                    code: code.trim().to_string(),
                    sku: item.sku,
                    name: item.name,
                }
                .into());
            }
        };
        Ok(cart.add(item, quantity)?)
    }

    /// Adds a coupon code, refusing codes no promotion uses.
    pub fn apply_coupon(&self, cart: &mut Cart, code: &str) -> Result<(), RegisterError> {
        let wanted = code.trim().to_uppercase();
        if !self.promotions.iter().any(|p| p.coupon.as_deref() == Some(wanted.as_str())) {
            return Err(CheckoutError::UnknownCoupon(code.trim().to_string()).into());
        }
        Ok(cart.add_coupon(&wanted)?)
    }

    /// Prices `cart` now.
    pub fn price(&self, cart: &Cart) -> Result<PricedCart, RegisterError> {
        let ctx = PricingContext { policy: self.config.policy, promotions: &self.promotions, now: self.clock.now() };
        Ok(price_cart(cart, &ctx)?)
    }

    /// The sale with receipt number `number` (`R1-000042` or `42`).
    pub fn receipt(&self, number: &str) -> Result<SaleRecord, RegisterError> {
        let not_found = || CheckoutError::ReceiptNotFound(number.to_string());
        let digits = match number.trim().rsplit_once('-') {
            Some((register, seq)) if register == self.config.register => seq,
            Some(_) => return Err(not_found().into()),
            None => number.trim(),
        };
        let seq: u64 = digits.parse().map_err(|_| not_found())?;
        Ok(self.store.sale_by_seq(seq)?.ok_or_else(not_found)?)
    }

    /// A receipt as text.
    pub fn receipt_text(&self, sale: &SaleRecord, copy: Copy) -> String {
        till_receipt::receipt_text(sale, &self.config.receipt, copy)
    }

    /// Parked carts, oldest first.
    pub fn parked(&self) -> Result<Vec<ParkedCart>, RegisterError> {
        Ok(self.store.parked()?)
    }

    /// What a store-credit code holds; an unknown code is an error.
    pub fn store_credit(&self, code: &str) -> Result<till_domain::Money, RegisterError> {
        let code = code.trim().to_uppercase();
        if !self.store.store_credit_exists(&code)? {
            return Err(CheckoutError::NoStoreCredit(code).into());
        }
        Ok(self.config.currency.round(self.store.store_credit_balance(&code)?, self.config.policy.mode))
    }
}

/// What scanning a code did: the line it rang, and what the cashier should be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The cart line.
    pub line: LineId,
    /// Warnings to show (an expired item, a passed best-before date) — the sale goes on.
    pub warnings: Vec<String>,
}

impl Register {
    /// Scans a code as a scanner sends it: a GS1 message (its GTIN (01), a net weight
    /// (310n) for an item sold by weight, its use-by and best-before dates checked against
    /// today), a variable-measure number carrying a weight or a count (the store's
    /// country's rules), or any code [`Register::scan`] takes (barcode, GTIN, SKU). An
    /// explicit `quantity` wins over one in the code.
    pub fn scan_code(&self, cart: &mut Cart, code: &str, quantity: Option<Decimal>) -> Result<Scanned, RegisterError> {
        let parsed = self.parse_barcode(code, None);
        let mut warnings = Vec::new();
        let (lookup, measured) = match &parsed {
            Ok(b @ Barcode::Gs1 { elements, .. }) => {
                let gtin = b.lookup_gtin().ok_or_else(|| CheckoutError::NoGtin(code.trim().to_string()))?;
                let today = self.now().to_zoned_datetime(self.config().timezone.clone()).date();
                for e in elements {
                    match (e.ai.as_str(), e.date) {
                        ("17", Some(d)) if d < today => warnings.push(format!("EXPIRED: use by {d}")),
                        ("15", Some(d)) if d < today => warnings.push(format!("past its best-before date {d}")),
                        _ => {}
                    }
                }
                let weight = elements.iter().find(|e| e.ai.starts_with("310")).and_then(|e| e.decimal);
                (gtin, weight)
            }
            Ok(Barcode::Gtin { gtin, .. }) => {
                match gtin.rcn.as_ref().and_then(|r| r.measure.as_ref().zip(r.item.as_ref())) {
                    Some((m, _)) if m.kind == "price" => {
                        let (code, value, unit) = (code.trim().to_string(), m.value, m.unit.clone());
                        return Err(CheckoutError::PriceEmbedded { code, value, unit }.into());
                    }
                    Some((m, item)) => (item.clone(), Some(m.value)),
                    None => (code.trim().to_string(), None),
                }
            }
            Ok(Barcode::Text { .. }) => (code.trim().to_string(), None),
            Err(e) => {
                // Not a code this reads (a SKU, a code with a typo): the plain lookup decides,
                // and a misread barcode is named as such.
                return match self.scan(cart, code, quantity) {
                    Ok(line) => Ok(Scanned { line, warnings }),
                    Err(RegisterError::Catalog(CatalogError::UnknownCode(_)))
                        if code.trim().bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        Err(RegisterError::Input(e.to_string()))
                    }
                    Err(other) => Err(other),
                };
            }
        };
        let line = self.scan(cart, &lookup, quantity.or(measured))?;
        Ok(Scanned { line, warnings })
    }
}

/// Refuses a cart whose free texts (price-override reasons, return reasons and override
/// notes) look like they hold a card number: a cart is committed to the journal or parked
/// for other registers, and neither may carry one.
pub(crate) fn screen_cart(cart: &Cart) -> Result<(), RegisterError> {
    for line in cart.lines() {
        if let Some(o) = &line.price_override {
            screen_text(TextField::PriceOverrideReason, &o.reason)?;
        }
        if let Some(r) = &line.returning {
            screen_text(TextField::ReturnReason, &r.reason)?;
            if let Some(note) = &r.override_note {
                screen_text(TextField::ReturnOverrideNote, note)?;
            }
        }
    }
    Ok(())
}
