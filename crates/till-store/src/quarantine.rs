//! Replicated documents a sync round set aside: one that failed its shape check (as
//! received, or this register's own copy) or that the other side refused. The round goes
//! on with every other document; the sync status names these; each is tried again once
//! either side's copy changes, or when a manager releases it.

use rusqlite::params;
use till_docs::DocId;

use crate::Result;

/// A document set aside, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedDoc {
    /// The document's id.
    pub doc: String,
    /// The side it failed with: `hq` or `peer`.
    pub side: String,
    /// Why, in words (the document, where in it and what is wrong).
    pub reason: String,
    /// This register's digest of the document when it failed.
    pub ours: String,
    /// The other side's digest of it then.
    pub theirs: String,
    /// When it was first set aside (RFC 3339).
    pub since: String,
    /// When it last failed (RFC 3339).
    pub at: String,
}

impl crate::Store {
    /// Sets document `q.doc` aside for side `q.side`, or records that it failed again (its
    /// first `since` is kept).
    pub fn quarantine_doc(&self, q: &QuarantinedDoc) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO sync_quarantine (doc, side, reason, ours, theirs, since, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (doc, side) DO UPDATE
                 SET reason = excluded.reason, ours = excluded.ours, theirs = excluded.theirs, at = excluded.at",
            )?
            .execute(params![q.doc, q.side, q.reason, q.ours, q.theirs, q.since, q.at])?;
        Ok(())
    }

    /// Takes document `doc` out of quarantine for `side` (it synced, or a manager released
    /// it). Returns whether it was set aside.
    pub fn release_doc(&self, doc: &DocId, side: &str) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached("DELETE FROM sync_quarantine WHERE doc = ?1 AND side = ?2")?
            .execute(params![doc.as_str(), side])?;
        Ok(n > 0)
    }

    /// Releases every document set aside (a manager's "try them all again"). Returns how
    /// many were.
    pub fn release_all_docs(&self) -> Result<usize> {
        Ok(self.conn.execute("DELETE FROM sync_quarantine", [])?)
    }

    /// Every document set aside, by id and side.
    pub fn quarantined_docs(&self) -> Result<Vec<QuarantinedDoc>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT doc, side, reason, ours, theirs, since, at FROM sync_quarantine ORDER BY doc, side",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(QuarantinedDoc {
                doc: r.get(0)?,
                side: r.get(1)?,
                reason: r.get(2)?,
                ours: r.get(3)?,
                theirs: r.get(4)?,
                since: r.get(5)?,
                at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_document_set_aside_twice_keeps_its_first_time_and_is_released_per_side() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(&dir.path().join("R1.sqlite")).unwrap();
        let id = DocId::order("AMS", "shopify:1").unwrap();
        let q = QuarantinedDoc {
            doc: id.to_string(),
            side: "hq".into(),
            reason: "first".into(),
            ours: "a".into(),
            theirs: "b".into(),
            since: "2026-11-27T10:00:00Z".into(),
            at: "2026-11-27T10:00:00Z".into(),
        };
        store.quarantine_doc(&q).unwrap();
        let again = QuarantinedDoc {
            reason: "second".into(),
            since: "x".into(),
            at: "2026-11-27T11:00:00Z".into(),
            ..q.clone()
        };
        store.quarantine_doc(&again).unwrap();
        store.quarantine_doc(&QuarantinedDoc { side: "peer".into(), ..q.clone() }).unwrap();
        let held = store.quarantined_docs().unwrap();
        assert_eq!(held.len(), 2);
        assert_eq!(
            (held[0].reason.as_str(), held[0].since.as_str(), held[0].at.as_str()),
            ("second", q.since.as_str(), again.at.as_str())
        );
        assert!(store.release_doc(&id, "hq").unwrap());
        assert!(!store.release_doc(&id, "hq").unwrap());
        assert_eq!(store.quarantined_docs().unwrap()[0].side, "peer");
        assert_eq!(store.release_all_docs().unwrap(), 1);
        assert!(store.quarantined_docs().unwrap().is_empty());
    }
}
