//! Which documents a round may carry: a register syncs its own journals and its store's
//! documents with HQ, and only the store's shared documents with a peer register.

use till_docs::{DocId, DocKind};

/// Whether document `id` is one the registers of a store share with each other: stock,
/// and the store's online orders (so a pickup handed over at one register is seen at the
/// others during a WAN outage). A register's journal goes to HQ only.
pub fn shared_in_store(id: &DocId) -> bool {
    matches!(id.kind(), DocKind::Stock { .. } | DocKind::Order { .. })
}

/// Whether register `register` of store `store` may read and write document `id` at HQ:
/// its own journals, and its store's stock and order documents — never another
/// register's journal or another store's documents.
pub fn register_may_sync(store: &str, register: &str, id: &DocId) -> bool {
    match id.kind() {
        DocKind::Journal { store: s, register: r, .. } => s == store && r == register,
        DocKind::Stock { store: s } | DocKind::Order { store: s, .. } => s == store,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_register_syncs_its_own_journal_and_its_stores_documents_only() {
        let journal = DocId::journal("AMS-01", "R1", "2024-05-01").unwrap();
        let stock = DocId::stock("AMS-01").unwrap();
        let order = DocId::order("AMS-01", "shopify:1").unwrap();
        for id in [&journal, &stock, &order] {
            assert!(register_may_sync("AMS-01", "R1", id), "{id}");
            assert!(!register_may_sync("UTR-01", "R1", id), "another store's register: {id}");
        }
        assert!(!register_may_sync("AMS-01", "R2", &journal), "another register's journal");
        assert!(register_may_sync("AMS-01", "R2", &stock));
    }

    #[test]
    fn peers_share_stock_and_orders_but_not_journals() {
        assert!(shared_in_store(&DocId::stock("AMS-01").unwrap()));
        assert!(shared_in_store(&DocId::order("AMS-01", "web:WS-1").unwrap()));
        assert!(!shared_in_store(&DocId::journal("AMS-01", "R1", "2024-05-01").unwrap()));
    }
}
