//! A receipt good at every register (#16 §3): a receipt this register did not ring is
//! found at HQ when it can be reached (any register of the store; any store when the
//! chain allows it), else in the copies this register keeps of its store peers' recent
//! sales (`till sync --peer`). Goods come back against it with the same rules as a sale
//! rung here; what was returned already counts returns made here, at the peers (their
//! copies) and anywhere HQ booked them, each return document once.
//!
//! A found sale is kept for the life of the register's process, so completing the return
//! does not ask HQ again.

use rust_decimal::Decimal;
use till_domain::{Payment, SaleRecord, TenderKind};
use till_protocol::FindReceipt;
use till_store::{parse_receipt_number, sale_from_payload};
use till_sync::{Remote, SyncError};

use super::CheckoutError;
use crate::{Authority, Register, RegisterError};

/// Where a receipt was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptSource {
    /// Rung at this register.
    Local,
    /// This register's copy of a store peer's sales (over the LAN).
    Peer,
    /// HQ's books.
    Hq,
}

impl ReceiptSource {
    /// The spelling in `--json` and the app (`local`, `peer`, `hq`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptSource::Local => "local",
            ReceiptSource::Peer => "peer",
            ReceiptSource::Hq => "hq",
        }
    }
}

/// A sale found for a return, wherever it was rung.
#[derive(Debug, Clone)]
pub struct FoundSale {
    /// The sale.
    pub sale: SaleRecord,
    /// Where it was found.
    pub source: ReceiptSource,
    /// Returns of it made at other registers (from HQ's books and the peers' copies), each
    /// once, none of them held in this register's own sales.
    pub returns_elsewhere: Vec<SaleRecord>,
}

impl FoundSale {
    /// Units of line `line` returned at other registers.
    pub fn returned_elsewhere(&self, line: u32) -> Decimal {
        self.returns_elsewhere
            .iter()
            .flat_map(|r| r.cart.lines.iter())
            .filter_map(|l| {
                let o = l.returning.as_ref()?.original.as_ref()?;
                (o.sale_id == self.sale.id && o.line == line).then(|| l.quantity.value())
            })
            .sum()
    }

    /// Refunds paid out at other registers for returns of it.
    pub fn refunds_elsewhere(&self) -> Vec<Payment> {
        self.returns_elsewhere
            .iter()
            .filter(|r| r.cart.lines.iter().any(|l| l.returning.is_some()))
            .flat_map(|r| r.settlement.payments.iter().filter(|p| p.amount.is_negative()).cloned())
            .collect()
    }
}

impl Register {
    /// Finds a sale by receipt number or code, wherever it was rung ([`FoundSale`]), for
    /// someone signed in.
    pub fn find_receipt_anywhere(&self, auth: &Authority, text: &str) -> Result<FoundSale, RegisterError> {
        self.signed_in(auth)?;
        // Asked afresh: what was returned elsewhere since an earlier find counts.
        self.found_sales.borrow_mut().clear();
        self.locate_receipt(text)
    }

    /// Finds the sale a receipt number (`R1-000042`, `42` for this register's) or receipt
    /// code (`till:STORE/R1-000042`) names: here, at HQ, or in a peer's copy.
    pub(crate) fn locate_receipt(&self, text: &str) -> Result<FoundSale, RegisterError> {
        let text = text.trim();
        let (store, number) = match text.strip_prefix("till:") {
            Some(code) => code
                .split_once('/')
                .ok_or_else(|| RegisterError::Input(format!("'{text}' is not a receipt code (till:STORE/RECEIPT)")))?,
            None => (self.config.store.as_str(), text),
        };
        let own_store = store == self.config.store;
        let parsed = parse_receipt_number(number);
        let here = match &parsed {
            Some(n) => own_store && n.register == self.config.register,
            None if own_store => true,
            None => return Err(RegisterError::Input(format!("'{text}' is not a receipt number (R1-000042)"))),
        };
        if here {
            return self.found_here(self.receipt(number)?);
        }
        let Some(n) = parsed else { return Err(CheckoutError::ReceiptNotFound(number.into()).into()) };
        if let Some(f) = self.found_sales.borrow().values().find(|f| f.sale.store == store && f.sale.receipt == n) {
            return Ok(f.clone());
        }
        let elsewhere = |why: String| CheckoutError::Elsewhere {
            number: number.to_string(),
            store: store.to_string(),
            register: n.register.clone(),
            why,
        };
        let copy = if own_store { self.store.peer_sale(&n.register, n.seq)? } else { None };
        let query =
            FindReceipt { receipt: if own_store { number.to_string() } else { format!("till:{store}/{number}") } };
        let hq = match Remote::hq_of(self.store()) {
            Err(_) => Err("this register is not enrolled with an HQ".to_string()),
            Ok(remote) => match till_sync::client::find_receipt(&remote, &query) {
                Ok(found) => Ok(found),
                Err(SyncError::Refused { status: 404, .. }) => {
                    Err("HQ has not booked it (its register may not have synced since)".to_string())
                }
                Err(e) if e.is_offline() && !matches!(e, SyncError::Refused { status: 429, .. }) => {
                    tracing::info!("HQ out of reach ({e}); looking among the store peers' sales held here");
                    Err(format!("HQ cannot be reached ({e})"))
                }
                Err(e) => return Err(e.into()),
            },
        };
        let found = match (hq, copy) {
            (Ok(answer), _) => {
                let unreadable = |e: till_store::PayloadError| CheckoutError::ReceiptUnreadable(e.to_string());
                let sale = sale_from_payload(&answer.sale, "HQ").map_err(unreadable)?;
                if sale.store != store || sale.receipt != n {
                    return Err(CheckoutError::ReceiptUnreadable(format!(
                        "HQ answered receipt {} of store {} for {number} of store {store}",
                        sale.receipt, sale.store
                    ))
                    .into());
                }
                let returns = read_returns(&answer.returns)?;
                self.found(sale, ReceiptSource::Hq, returns)?
            }
            (Err(_), Some(sale)) => self.found(sale, ReceiptSource::Peer, Vec::new())?,
            (Err(why), None) => {
                let peers = if own_store {
                    format!(
                        "; no copy of register {}'s sales is held here (`till sync --peer URL` copies them)",
                        n.register
                    )
                } else {
                    String::new()
                };
                return Err(elsewhere(format!("{why}{peers}")).into());
            }
        };
        if found.sale.currency != self.config.currency.code() {
            let why = format!(
                "it was sold in {}; this register refunds in {}",
                found.sale.currency,
                self.config.currency.code()
            );
            return Err(elsewhere(why).into());
        }
        self.found_sales.borrow_mut().insert(found.sale.id.clone(), found.clone());
        Ok(found)
    }

    /// This register's own `sale`, with the returns of it made at other registers (HQ's
    /// books and the peers' copies), kept for the rest of the lookup's work.
    fn found_here(&self, sale: SaleRecord) -> Result<FoundSale, RegisterError> {
        let booked = self.returns_booked_at_hq(&sale)?;
        let found = self.found(sale, ReceiptSource::Local, booked)?;
        self.found_sales.borrow_mut().insert(found.sale.id.clone(), found.clone());
        Ok(found)
    }

    /// The returns of this register's own `sale` made at other registers, as HQ booked them:
    /// asked whenever the register is enrolled (HQ answers a register about its own sales
    /// without counting the lookup). Out of reach or refused, the answer is none and the
    /// peers' copies are what counts, as offline; a return HQ sends that cannot be read is
    /// an error (counting it as nothing could pay a line out twice).
    fn returns_booked_at_hq(&self, sale: &SaleRecord) -> Result<Vec<SaleRecord>, RegisterError> {
        let Ok(remote) = Remote::hq_of(self.store()) else { return Ok(Vec::new()) };
        let query = FindReceipt { receipt: sale.receipt.to_string() };
        let answer = match till_sync::client::find_receipt(&remote, &query) {
            Ok(answer) => answer,
            Err(e) => {
                tracing::info!(receipt = %sale.receipt, error = %e, "returns of it elsewhere not asked of HQ");
                return Ok(Vec::new());
            }
        };
        read_returns(&answer.returns)
    }

    /// `sale` found at `source`, with the returns of it made elsewhere that `more` and the
    /// peers' copies name, each once and none held here.
    fn found(
        &self,
        sale: SaleRecord,
        source: ReceiptSource,
        more: Vec<SaleRecord>,
    ) -> Result<FoundSale, RegisterError> {
        let mut others = more;
        others.extend(self.store.peer_returns_of(&sale.id)?);
        others.sort_by(|a, b| a.id.cmp(&b.id));
        others.dedup_by(|a, b| a.id == b.id);
        let mut returns_elsewhere = Vec::with_capacity(others.len());
        for r in others {
            if self.store.sale_by_id(&r.id)?.is_none() {
                returns_elsewhere.push(r);
            }
        }
        Ok(FoundSale { sale, source, returns_elsewhere })
    }

    /// The sale a return line names, for its refund: found earlier in this process, rung
    /// here, or found again by its receipt.
    pub(crate) fn original_sale(&self, sale_id: &str, receipt: &str) -> Result<FoundSale, RegisterError> {
        if let Some(f) = self.found_sales.borrow().get(sale_id) {
            return Ok(f.clone());
        }
        if let Some(sale) = self.store.sale_by_id(sale_id)? {
            return self.found_here(sale);
        }
        self.locate_receipt(receipt)
    }

    /// Refuses a refund to the original tenders of a sale rung elsewhere when it was paid
    /// with a tender only its own register can refund (store credit, custom tenders).
    pub(crate) fn check_original_tenders(&self, found: &FoundSale) -> Result<(), RegisterError> {
        if found.source == ReceiptSource::Local {
            return Ok(());
        }
        let other =
            found.sale.settlement.payments.iter().filter(|p| !p.amount.is_negative()).find_map(|p| match &p.kind {
                TenderKind::Cash | TenderKind::Card(_) => None,
                TenderKind::StoreCredit(_) => Some("store credit".to_string()),
                TenderKind::Custom(name) => Some(name.clone()),
            });
        match other {
            Some(tender) => Err(CheckoutError::OriginalTenderElsewhere {
                receipt: found.sale.receipt.to_string(),
                tender,
                register: found.sale.receipt.register.clone(),
            }
            .into()),
            None => Ok(()),
        }
    }

    /// How a return line names `sale`'s receipt: its number, or its code when another
    /// store rang it.
    pub(crate) fn receipt_name(&self, sale: &SaleRecord) -> String {
        if sale.store == self.config.store {
            sale.receipt.to_string()
        } else {
            format!("till:{}/{}", sale.store, sale.receipt)
        }
    }
}

/// The returns HQ sent with a sale, read; one that cannot be read is an error.
fn read_returns(payloads: &[String]) -> Result<Vec<SaleRecord>, RegisterError> {
    let unreadable = |e: till_store::PayloadError| CheckoutError::ReceiptUnreadable(e.to_string());
    payloads.iter().map(|r| sale_from_payload(r, "HQ").map_err(|e| unreadable(e).into())).collect()
}
