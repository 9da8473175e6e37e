//! HQ's copies of the replicated documents (`docs`): loaded and saved whole, each with its
//! heads, the digest registers compare, and the journal's highest record staged from it.

use till_docs::{ActorId, AutoCommit, DocId, DocKind, digest, heads_to_text};

use crate::db::Tx;
use crate::error::HqError;

/// Document `id` as HQ holds it (empty when it holds none), read in `tx`; changes made to
/// it are written as `actor`.
pub(crate) fn load(tx: &mut dyn Tx, actor: &ActorId, id: &DocId) -> Result<AutoCommit, HqError> {
    let bytes = match tx.one("SELECT bytes FROM docs WHERE id = $1", &[id.as_str().into()])? {
        Some(r) => r.of("docs").bytes("bytes")?,
        None => Vec::new(),
    };
    till_docs::load(&bytes, actor).map_err(|e| HqError::Internal(format!("stored document {id} cannot be loaded: {e}")))
}

/// Saves document `id` whole, with its heads and digest; `max_seq` is the last journal
/// record staged from it (0 for other documents). A stock document's changes reach the
/// materialised chain stock ([`super::chain_stock_marks::doc_saved`]) in the same transaction.
pub(crate) fn save(
    tx: &mut dyn Tx,
    id: &DocId,
    doc: &mut AutoCommit,
    max_seq: i64,
    now: jiff::Timestamp,
) -> Result<(), HqError> {
    let heads = doc.get_heads();
    let old_heads = match id.kind() {
        DocKind::Stock { .. } => tx
            .one("SELECT heads FROM docs WHERE id = $1", &[id.as_str().into()])?
            .map(|r| r.of("docs").text("heads"))
            .transpose()?,
        _ => None,
    };
    tx.exec(
        "INSERT INTO docs (id, store, bytes, heads, digest, max_seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET bytes = excluded.bytes, heads = excluded.heads, digest = excluded.digest, \
         max_seq = excluded.max_seq, updated_at = excluded.updated_at",
        &[
            id.as_str().into(),
            id.store().into(),
            doc.save().into(),
            heads_to_text(&heads).into(),
            digest(&heads).into(),
            max_seq.into(),
            now.to_string().into(),
        ],
    )?;
    if let DocKind::Stock { .. } = id.kind() {
        super::chain_stock_marks::doc_saved(tx, id, doc, old_heads.as_deref())?;
    }
    Ok(())
}

/// The order documents of order `order_id` HQ holds: (store, document id).
pub(crate) fn of_order(tx: &mut dyn Tx, order_id: &str) -> Result<Vec<(String, String)>, HqError> {
    // The key is letters and digits (a hash): no LIKE wildcard in it.
    let pattern = format!("order/%/{}", till_docs::order_key(order_id));
    let rows = tx.query("SELECT id, store FROM docs WHERE id LIKE $1", &[pattern.as_str().into()])?;
    rows.iter().map(|r| Ok((r.of("docs").text("store")?, r.of("docs").text("id")?))).collect()
}

/// The heads of every document HQ holds, by id.
pub(crate) fn heads(tx: &mut dyn Tx) -> Result<Vec<(String, String)>, HqError> {
    let rows = tx.query("SELECT id, heads FROM docs ORDER BY id", &[])?;
    rows.iter().map(|r| Ok((r.of("docs").text("id")?, r.of("docs").text("heads")?))).collect()
}

/// The digest of document `id` HQ holds, if it holds it.
pub(crate) fn digest_of(tx: &mut dyn Tx, id: &DocId) -> Result<Option<String>, HqError> {
    match tx.one("SELECT digest FROM docs WHERE id = $1", &[id.as_str().into()])? {
        Some(r) => Ok(Some(r.of("docs").text("digest")?)),
        None => Ok(None),
    }
}

/// The order documents of `store` changed after `since` (RFC 3339 text; "" for all), with
/// their digests.
pub(crate) fn order_digests_since(tx: &mut dyn Tx, store: &str, since: &str) -> Result<Vec<(String, String)>, HqError> {
    let rows = tx.query(
        "SELECT id, digest FROM docs WHERE store = $1 AND updated_at > $2 AND id LIKE 'order/%'",
        &[store.into(), since.into()],
    )?;
    rows.iter().map(|r| Ok((r.of("docs").text("id")?, r.of("docs").text("digest")?))).collect()
}

/// Document `id`'s stored bytes and the last journal record staged from it, if HQ holds it.
pub(crate) fn held(tx: &mut dyn Tx, id: &DocId) -> Result<Option<(Vec<u8>, u64)>, HqError> {
    match tx.one("SELECT bytes, max_seq FROM docs WHERE id = $1", &[id.as_str().into()])? {
        Some(r) => Ok(Some((r.of("docs").bytes("bytes")?, r.of("docs").count("max_seq")?))),
        None => Ok(None),
    }
}
