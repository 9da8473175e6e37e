//! A return or an exchange asked for whole, as a front end holds it on screen: the goods
//! back (each with its own reason and disposition), an override note, and for an exchange
//! the new goods. The register builds the cart from it, quotes it (prices, which way it
//! settles, the refund methods the rules allow) and commits it; nothing about it is kept
//! between calls.

use till_domain::{Cart, Disposition, ExchangeSettlement, PricedCart, RefundMethod, SaleRecord, Tender};

use super::{ReturnPick, ReturnRequest, Settle, parse_scan_entry};
use crate::{Authority, Register, RegisterError};

/// Goods coming back, with why and where they go.
#[derive(Debug, Clone)]
pub struct ReturnedGoods {
    /// A receipt line or, without a receipt, an item.
    pub pick: ReturnPick,
    /// A reason code from the store's list (it decides the restocking fee).
    pub reason: String,
    /// Back to stock, or written off as damaged.
    pub disposition: Disposition,
}

/// A whole return or exchange.
#[derive(Debug, Clone, Default)]
pub struct ReturnDocument {
    /// The receipt (number or printed code); `None` for goods back without one.
    pub receipt: Option<String>,
    /// What comes back, in order (the document's first lines).
    pub goods: Vec<ReturnedGoods>,
    /// A manager's note overriding the return rules (needs `return_override`).
    pub override_note: Option<String>,
    /// For an exchange: what the customer takes instead, as typed or scanned
    /// (`CODE`, `CODE*QTY`, `QTY*CODE`).
    pub new_items: Vec<String>,
}

/// What a [`ReturnDocument`] comes to now.
#[derive(Debug, Clone)]
pub struct ReturnQuote {
    /// The document priced (return lines negative, restocking fees as adjustments).
    pub priced: PricedCart,
    /// Whether the customer pays, is refunded, or neither.
    pub settlement: ExchangeSettlement,
    /// The refund methods the rules allow for these goods.
    pub refund_methods: Vec<RefundMethod>,
    /// Warnings of the new items' scans (an expired item).
    pub warnings: Vec<String>,
}

impl Register {
    /// The cart of `doc`: its goods back (each reason and disposition its own), then its new
    /// items; with scan warnings. The return rules apply as in [`Register::add_return`].
    pub fn return_cart(&self, doc: &ReturnDocument) -> Result<(Cart, Vec<String>), RegisterError> {
        if doc.goods.is_empty() {
            return Err(RegisterError::Input("pick what comes back: a receipt line or an item".into()));
        }
        let mut cart = Cart::new();
        for goods in &doc.goods {
            let request = ReturnRequest {
                receipt: doc.receipt.clone(),
                picks: vec![goods.pick.clone()],
                reason: goods.reason.clone(),
                disposition: goods.disposition,
                override_note: doc.override_note.clone(),
            };
            self.add_return(&mut cart, &request)?;
        }
        let mut warnings = Vec::new();
        for text in &doc.new_items {
            let entry = parse_scan_entry(text)?;
            warnings.extend(self.scan_code(&mut cart, &entry.code, entry.quantity)?.warnings);
        }
        Ok((cart, warnings))
    }

    /// The refund methods the rules allow for the goods back in `cart` (store credit only
    /// without a receipt, unless the store allows any).
    pub fn refund_methods(&self, cart: &Cart) -> Vec<RefundMethod> {
        let without_receipt = cart.active_lines().filter_map(|l| l.returning.as_ref()).any(|r| r.original.is_none());
        self.config.returns.refund_methods(without_receipt)
    }

    /// `doc` priced, with which way it settles and the refund methods allowed, for someone
    /// signed in (it shows what a receipt holds).
    pub fn quote_return(&self, auth: &Authority, doc: &ReturnDocument) -> Result<ReturnQuote, RegisterError> {
        self.signed_in(auth)?;
        let (cart, warnings) = self.return_cart(doc)?;
        let priced = self.price(&cart)?;
        let settlement = till_domain::exchange_settlement(priced.total, false)?;
        Ok(ReturnQuote { refund_methods: self.refund_methods(&cart), priced, settlement, warnings })
    }

    /// Commits `doc`: `tenders` pay what an exchange leaves due, `refund` says where what
    /// is owed goes ([`Settle::Exchange`]); every sensitive action in it (no receipt,
    /// override, a big refund) authorized as for any document. Under an idempotency `key`
    /// (a UUID) a retry returns the document committed the first time.
    pub fn complete_return(
        &mut self,
        key: Option<&str>,
        doc: &ReturnDocument,
        tenders: &[Tender],
        refund: RefundMethod,
        auth: &mut Authority,
    ) -> Result<SaleRecord, RegisterError> {
        // A retry comes back before the cart is built again: its goods are returned already.
        if let Some(key) = key {
            let id = uuid::Uuid::parse_str(key.trim())
                .map_err(|e| RegisterError::Input(format!("return key '{key}' is not a UUID: {e}")))?
                .hyphenated()
                .to_string();
            if let Some(sale) = self.store.sale_by_id(&id)? {
                tracing::info!(receipt = %sale.receipt, "return retried: the document was committed before");
                return Ok(sale);
            }
        }
        let (cart, _) = self.return_cart(doc)?;
        let how = Settle::Exchange { tenders, refund };
        match key {
            Some(key) => self.complete_sale_once(key, &cart, how, auth),
            None => self.complete_sale(&cart, how, auth),
        }
    }
}
