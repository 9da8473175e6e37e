//! A receipt good at every register (#16 §3): a register asks for a sale rung at another
//! register by the receipt number printed on it (a register of its own store) or by the
//! receipt's code (`till:STORE/R1-000042`). HQ answers with the sale as its register
//! journalled it and every return booked against it anywhere, so the asking register takes
//! goods back with the same rules and counts what came back elsewhere.
//!
//! Scope: the asking register's own store by default; every store of the chain once the
//! chain allows it (`till-hq returns-scope chain`, kept in `hq_meta`). A receipt code alone
//! does not prove a purchase to a store that is not allowed to see it. Every lookup is
//! logged in the order-lookup log (`till-hq lookups`, via `receipt`) and counts toward the
//! same per-register rate limit as order lookups: a register credential must not be a way
//! to page through the chain's sales. A register asking about a sale it rang itself (for
//! the returns of it made at other registers) is answered without either: it learns
//! nothing of anyone else's, and a return desk must not run out of lookups on its own
//! receipts.

use serde::Serialize;
use till_protocol::{FindReceipt, FoundReceipt, MAX_RECEIPT_TEXT, MAX_RETURNS_SENT};

use super::Hq;
use super::lookup::within_budget;
use crate::books::lookups::{self, Lookup};
use crate::books::registers::RegisterView;
use crate::books::sale_returns;
use crate::db::{Tx, with_tx};
use crate::error::HqError;

/// Where a register may find receipts: its own store's, or the whole chain's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReturnsScope {
    /// Receipts of the register's own store only (the default).
    Store,
    /// Receipts of every store of the chain.
    Chain,
}

impl std::str::FromStr for ReturnsScope {
    type Err = HqError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "store" => Ok(ReturnsScope::Store),
            "chain" => Ok(ReturnsScope::Chain),
            other => Err(HqError::BadRequest(format!("returns scope '{other}': expected store or chain"))),
        }
    }
}

impl ReturnsScope {
    /// The spelling (`store`, `chain`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnsScope::Store => "store",
            ReturnsScope::Chain => "chain",
        }
    }
}

/// The `hq_meta` key the scope is kept under.
const SCOPE_KEY: &str = "returns_scope";

fn scope_in(tx: &mut dyn Tx) -> Result<ReturnsScope, HqError> {
    match tx.one("SELECT value FROM hq_meta WHERE key = $1", &[SCOPE_KEY.into()])? {
        Some(r) => r.of("hq_meta").text("value")?.parse(),
        None => Ok(ReturnsScope::Store),
    }
}

/// HQ's answer for a sale found (or not): the sale as its register journalled it and the
/// returns booked against it anywhere.
fn answer(tx: &mut dyn Tx, found: Option<sale_returns::Found>) -> Result<Option<FoundReceipt>, HqError> {
    let Some(found) = found else { return Ok(None) };
    let returns = sale_returns::returns_of(tx, &found.id, MAX_RETURNS_SENT)?;
    Ok(Some(FoundReceipt {
        store: found.store,
        register: found.register,
        receipt: found.receipt,
        sale: found.payload,
        returns,
    }))
}

/// A receipt as asked: its store (`None`: the asking register's) and number.
fn parse(text: &str) -> Result<(Option<&str>, &str), HqError> {
    let bad =
        |why: &str| HqError::BadRequest(format!("receipt {:?}: {why}", text.chars().take(40).collect::<String>()));
    if text.len() > MAX_RECEIPT_TEXT {
        return Err(bad(&format!("longer than {MAX_RECEIPT_TEXT} bytes")));
    }
    let (store, number) = match text.strip_prefix("till:") {
        Some(code) => {
            let (store, number) = code.split_once('/').ok_or_else(|| bad("a code reads till:STORE/RECEIPT"))?;
            (Some(store), number)
        }
        None => (None, text),
    };
    let printable = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if store.is_some_and(|s| !printable(s)) {
        return Err(bad("not a store code"));
    }
    let well_formed = number.rsplit_once('-').is_some_and(|(register, seq)| {
        printable(register) && !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit())
    });
    if !well_formed {
        return Err(bad("a receipt number reads REGISTER-NUMBER (R1-000042)"));
    }
    Ok((store, number))
}

impl Hq {
    /// The sale `req` names, for a return at `who`'s register: within the scope the chain
    /// allows, logged and rate-limited (see the module).
    pub fn find_receipt(
        &self,
        who: &RegisterView,
        req: &FindReceipt,
        now: jiff::Timestamp,
    ) -> Result<FoundReceipt, HqError> {
        let text = req.receipt.trim();
        let (store, number) = parse(text)?;
        let store = store.unwrap_or(&who.store);
        // A register asking about a sale it rang itself (for the returns of it made at other
        // registers) learns nothing of anyone else's: no budget, nothing logged.
        let own = store == who.store && number.rsplit_once('-').is_some_and(|(register, _)| register == who.register);
        let found = with_tx(self.db(), |tx| {
            if own {
                let found = sale_returns::find(tx, store, number)?;
                return answer(tx, found).map(Ok);
            }
            within_budget(tx, who, now, "lookups")?;
            let allowed = store == who.store || scope_in(tx)? == ReturnsScope::Chain;
            let found = if allowed { sale_returns::find(tx, store, number)? } else { None };
            let asked = format!("{store}/{number}");
            let sale_id = found.as_ref().map(|f| f.id.clone()).unwrap_or_default();
            tracing::info!(register = %who.key, asked, sale = %sale_id, allowed, "receipt lookup");
            lookups::record(
                tx,
                &Lookup {
                    at: now.to_string(),
                    register: who.key.clone(),
                    via: "receipt".into(),
                    asked,
                    order_id: sale_id,
                },
            )?;
            // Refused after the transaction commits: the refusal is logged too.
            if !allowed {
                return Ok(Err(HqError::Forbidden(format!(
                    "receipt {number} is from store {store}: this chain takes returns only in the store of purchase \
                     (till-hq returns-scope chain allows every store)"
                ))));
            }
            answer(tx, found).map(Ok)
        })??;
        found.ok_or_else(|| HqError::NotFound(format!("no receipt {number} of store {store} has reached HQ")))
    }

    /// Where registers may find receipts (`store` unless set).
    pub fn returns_scope(&self) -> Result<ReturnsScope, HqError> {
        with_tx(self.db(), |tx| scope_in(tx))
    }

    /// Sets where registers may find receipts.
    pub fn set_returns_scope(&self, scope: ReturnsScope) -> Result<(), HqError> {
        with_tx(self.db(), |tx| {
            tx.exec(
                "INSERT INTO hq_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
                &[SCOPE_KEY.into(), scope.as_str().into()],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn receipts_parse_as_numbers_or_codes_and_junk_is_refused_bounded() {
        assert_eq!(parse("R1-000042").unwrap(), (None, "R1-000042"));
        assert_eq!(parse("till:UTR-01/R2-7").unwrap(), (Some("UTR-01"), "R2-7"));
        for junk in ["", "42", "R1-", "R1-4a", "till:R1-1", "till:/R1-1", "till:A B/R1-1", "R 1-1", "x\u{0}-1"] {
            assert!(parse(junk).is_err(), "{junk:?}");
        }
        let long = format!("R1-{}", "9".repeat(MAX_RECEIPT_TEXT));
        let err = parse(&long).unwrap_err().to_string();
        assert!(err.contains("longer than") && err.len() < 200, "{err}");
    }
}
