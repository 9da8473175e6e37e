//! Finding an online order for a return in store (BORIS), as a register asks it. A register
//! credential must not be a way to browse the chain's customers, so HQ answers only for
//! the order number together with the customer's e-mail, or for the order's code as the
//! customer shows it (its pickup token); it answers with what a return needs (lines,
//! what was fulfilled and returned) and nothing of the customer. Every lookup is logged
//! (`till-hq lookups`) and a register's lookups are rate-limited.

use till_protocol::{FindOrder, FoundLine, FoundOrder, FoundOrderHead};
use till_token::Verifier;

use super::Hq;
use crate::books::lookups::{self, Lookup};
use crate::books::orders::{held, lines};
use crate::books::registers::RegisterView;
use crate::books::{fulfilments, returns};
use crate::db::{Tx, with_tx};
use crate::error::HqError;

/// Lookups that found nothing a register may make in [`MISS_WINDOW_MINUTES`]: a return desk
/// mistypes now and then; guessing numbers and e-mails needs many more.
pub const MAX_MISSES: u64 = 10;
/// The window [`MAX_MISSES`] counts over.
pub const MISS_WINDOW_MINUTES: i64 = 15;
/// Lookups a register may make in an hour: more than a return a minute, which no return
/// desk serves.
pub const MAX_PER_HOUR: u64 = 60;

impl Hq {
    /// The online order `req` names for a return at `who`'s store, if the number and the
    /// e-mail (or the code) match one; logged and rate-limited (see the module).
    pub fn find_for_return(
        &self,
        who: &RegisterView,
        req: &FindOrder,
        now: jiff::Timestamp,
    ) -> Result<FoundOrder, HqError> {
        let (number, email, code) = (req.number.trim(), req.email.trim(), req.code.trim());
        let via = if !code.is_empty() {
            "code"
        } else if !number.is_empty() && !email.is_empty() {
            "number+email"
        } else {
            return Err(HqError::BadRequest(
                "an online order is found by its number together with the customer's e-mail, or by its code".into(),
            ));
        };
        let found = with_tx(self.db(), |tx| {
            within_budget(tx, who, now, "order lookups")?;
            let id = if via == "code" {
                let keys: Vec<String> = self.key_file().load(tx)?.history.into_iter().map(|step| step.key).collect();
                by_code(tx, &keys, code)?
            } else {
                by_number_and_email(tx, number, email)?
            };
            let asked = if via == "code" { String::new() } else { number.to_string() };
            let order_id = id.clone().unwrap_or_default();
            tracing::info!(register = %who.key, via, asked, order = %order_id, "order lookup");
            lookups::record(
                tx,
                &Lookup { at: now.to_string(), register: who.key.clone(), via: via.into(), asked, order_id },
            )?;
            Ok(id)
        })?;
        let id = found.ok_or_else(|| {
            HqError::NotFound(if via == "code" {
                "no online order has that code".to_string()
            } else {
                format!("no online order {number} with that e-mail")
            })
        })?;
        with_tx(self.db(), |tx| returnable(tx, &id))
    }

    /// The logged order lookups, newest first: `register`'s (everyone's when empty), at most `limit`.
    pub fn order_lookups(&self, register: &str, limit: u32) -> Result<Vec<Lookup>, HqError> {
        with_tx(self.db(), |tx| lookups::list(tx, register, limit))
    }
}

/// Refuses (429) a lookup by register `who` past its budget: [`MAX_MISSES`] lookups that
/// found nothing in [`MISS_WINDOW_MINUTES`], or [`MAX_PER_HOUR`] of any kind (order and
/// receipt lookups share the log and the budget; `what` names them in the refusal).
pub(super) fn within_budget(
    tx: &mut dyn Tx,
    who: &RegisterView,
    now: jiff::Timestamp,
    what: &str,
) -> Result<(), HqError> {
    let ago = |minutes: i64| {
        now.checked_sub(jiff::SignedDuration::from_mins(minutes)).map(|t| t.to_string()).map_err(crate::error::internal)
    };
    let (_, misses) = lookups::since(tx, &who.key, &ago(MISS_WINDOW_MINUTES)?)?;
    let (in_hour, _) = lookups::since(tx, &who.key, &ago(60)?)?;
    if misses >= MAX_MISSES || in_hour >= MAX_PER_HOUR {
        tracing::warn!(register = %who.key, misses, in_hour, "{what} refused: too many");
        return Err(HqError::TooMany(format!(
            "register {} made {in_hour} {what} in the last hour ({misses} that found nothing in \
             {MISS_WINDOW_MINUTES} minutes); HQ allows {MAX_PER_HOUR} an hour and {MAX_MISSES} misses: \
             try again later",
            who.key
        )));
    }
    Ok(())
}

/// The order whose number (with or without `#`) or id is `number` and whose e-mail is
/// `email`, compared without case.
fn by_number_and_email(tx: &mut dyn Tx, number: &str, email: &str) -> Result<Option<String>, HqError> {
    let bare = number.trim_start_matches('#');
    let rows = tx.query(
        "SELECT id FROM orders WHERE (id = $1 OR number = $2 OR number = $3) AND lower(email) = lower($4) ORDER BY id",
        &[number.into(), bare.into(), format!("#{bare}").as_str().into(), email.into()],
    )?;
    match rows.as_slice() {
        [one] => Ok(Some(one.of("orders").text("id")?)),
        [] => Ok(None),
        many => Err(HqError::BadRequest(format!(
            "number {number} with that e-mail is on {} orders: use the order's code or HQ's id",
            many.len()
        ))),
    }
}

/// The order whose current pickup token is `code`: signed by one of HQ's pickup keys (the
/// current one or an earlier one; its store and expiry do not matter for a return).
fn by_code(tx: &mut dyn Tx, keys: &[String], code: &str) -> Result<Option<String>, HqError> {
    let Some(claims) = keys.iter().rev().find_map(|k| Verifier::from_hex(k).ok()?.signed(code).ok()) else {
        return Ok(None);
    };
    let row = tx.one(
        "SELECT id FROM orders WHERE id = $1 AND pickup_token = $2",
        &[claims.order.as_str().into(), claims.token_id.as_str().into()],
    )?;
    Ok(row.map(|r| r.of("orders").text("id")).transpose()?)
}

/// Order `id` as a return needs it.
fn returnable(tx: &mut dyn Tx, id: &str) -> Result<FoundOrder, HqError> {
    let o = held(tx, id)?;
    let done = fulfilments::fulfilled(tx, id)?;
    let lines = lines(tx, id)?
        .into_iter()
        .map(|l| FoundLine {
            n: l.n,
            sku: l.sku,
            title: l.title,
            quantity: l.quantity.to_string(),
            price: l.price.to_string(),
            fulfilled: done.get(&l.n).copied().unwrap_or_default().to_string(),
        })
        .collect();
    let returned =
        returns::returned(tx, id)?.into_iter().map(|(n, q)| (n.to_string(), q.normalize().to_string())).collect();
    Ok(FoundOrder {
        order: FoundOrderHead {
            id: o.id,
            number: o.number,
            currency: o.currency,
            status: o.status.as_str().to_string(),
            lines,
        },
        returned,
    })
}
