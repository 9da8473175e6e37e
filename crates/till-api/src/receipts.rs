//! A receipt found for a return wherever it was rung (#16 §3): `till receipt find --json`,
//! and what the app's Returns screen shows of where the sale came from.

use serde::Serialize;
use ts_rs::TS;

use crate::ReceiptView;

/// A receipt found here, in a store peer's copy, or at HQ, with what is left to return.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FoundReceiptView {
    /// Where it was found: this register (`local`), this register's copy of a store peer's
    /// sales (`peer`, over the LAN), or HQ's books (`hq`).
    #[ts(type = "'local' | 'peer' | 'hq'")]
    pub source: &'static str,
    /// The store that rang it.
    pub store: String,
    /// The register that rang it.
    pub register: String,
    /// Its id (a UUID).
    pub sale_id: String,
    /// The receipt, with what is left to return per line (returns made anywhere counted).
    pub found: ReceiptView,
}

impl FoundReceiptView {
    /// The view of `found`, with what is `left` to return per line, and its text.
    pub fn new(
        found: &till_register::FoundSale,
        left: &[(u32, rust_decimal::Decimal)],
        text: String,
    ) -> FoundReceiptView {
        FoundReceiptView {
            source: found.source.as_str(),
            store: found.sale.store.clone(),
            register: found.sale.receipt.register.clone(),
            sale_id: found.sale.id.clone(),
            found: ReceiptView::new(&found.sale, left, text),
        }
    }
}
