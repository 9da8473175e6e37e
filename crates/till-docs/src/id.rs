//! Document ids: readable paths that say what a document holds and whose it is.

use std::fmt;

use crate::{DocError, Result};

/// What kind of document an id names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// One register's journal for one business day (`journal/STORE/REGISTER/DATE`).
    Journal {
        /// Store code.
        store: String,
        /// Register code.
        register: String,
        /// Business day, `YYYY-MM-DD`.
        day: String,
    },
    /// Inventory counters of one store (`stock/STORE`).
    Stock {
        /// Store code.
        store: String,
    },
    /// One online order as one store fulfils it (`order/STORE/KEY`).
    Order {
        /// Store code.
        store: String,
        /// The order's key ([`crate::order_key`]).
        key: String,
    },
}

/// A replicated document's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId(String);

/// Store and register codes may hold letters, digits, `-` and `_` (they become path parts).
fn code_ok(code: &str) -> bool {
    !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn day_ok(day: &str) -> bool {
    let b = day.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl DocId {
    /// The journal document of `store`/`register` for business day `day` (`YYYY-MM-DD`).
    pub fn journal(store: &str, register: &str, day: &str) -> Result<DocId> {
        DocId::parse(&format!("journal/{store}/{register}/{day}"))
    }

    /// The inventory document of `store`.
    pub fn stock(store: &str) -> Result<DocId> {
        DocId::parse(&format!("stock/{store}"))
    }

    /// The document of HQ order `order_id` at `store`.
    pub fn order(store: &str, order_id: &str) -> Result<DocId> {
        DocId::parse(&format!("order/{store}/{}", crate::order_key(order_id)))
    }

    /// Parses an id received from elsewhere, refusing anything that is not a known kind.
    pub fn parse(text: &str) -> Result<DocId> {
        let bad = |reason| DocError::BadId { id: text.chars().take(200).collect(), reason };
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            ["journal", store, register, day] => {
                if !code_ok(store) || !code_ok(register) {
                    return Err(bad("store and register codes are letters, digits, '-' and '_'"));
                }
                if !day_ok(day) {
                    return Err(bad("the day must be YYYY-MM-DD"));
                }
            }
            ["stock", store] => {
                if !code_ok(store) {
                    return Err(bad("the store code is letters, digits, '-' and '_'"));
                }
            }
            ["order", store, key] => {
                if !code_ok(store) || !code_ok(key) {
                    return Err(bad("store code and order key are letters, digits, '-' and '_'"));
                }
            }
            _ => return Err(bad("expected journal/STORE/REGISTER/DAY, stock/STORE or order/STORE/KEY")),
        }
        Ok(DocId(text.to_string()))
    }

    /// What the id names.
    pub fn kind(&self) -> DocKind {
        let parts: Vec<&str> = self.0.split('/').collect();
        match parts.as_slice() {
            ["journal", store, register, day] => {
                DocKind::Journal { store: store.to_string(), register: register.to_string(), day: day.to_string() }
            }
            ["order", store, key] => DocKind::Order { store: store.to_string(), key: key.to_string() },
            [_, store] => DocKind::Stock { store: store.to_string() },
            _ => unreachable!("DocId is only built by parse"),
        }
    }

    /// The store the document belongs to.
    pub fn store(&self) -> &str {
        self.0.split('/').nth(1).unwrap_or_default()
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_refuse() {
        let j = DocId::journal("AMS-01", "R1", "2026-11-27").unwrap();
        assert_eq!(j.as_str(), "journal/AMS-01/R1/2026-11-27");
        assert_eq!(j.store(), "AMS-01");
        assert!(matches!(j.kind(), DocKind::Journal { .. }));
        assert_eq!(DocId::stock("AMS-01").unwrap().kind(), DocKind::Stock { store: "AMS-01".into() });
        assert!(matches!(DocId::order("AMS-01", "shopify:1").unwrap().kind(), DocKind::Order { .. }));
        for bad in [
            "",
            "order/A",
            "order/A/b:c",
            "journal/A/B",
            "journal/A/B/2026-1-27",
            "stock/../x",
            "stock/a b",
            "other/x",
            "stock/A/B",
        ] {
            assert!(DocId::parse(bad).is_err(), "{bad}");
        }
    }
}
