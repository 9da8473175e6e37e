//! What registers ask: enrollment and rotation, the sync round (digests, documents, the
//! anchor), catalog files, the chain's stock and endless-aisle orders, BORIS lookups, and
//! their store's conflicts. Every route but enrollment is reached only by an authenticated
//! register (`edge::register`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use till_protocol::{
    AnchorRequest, CatalogRequest, ChainStock, ChainStockSince, DOC_HEADER, DigestRequest, EnrollRequest, FindOrder,
    RotateRequest, THROUGH_HEADER,
};

use super::{blocking, json};
use crate::error::HqError;
use crate::services::Hq;
use crate::services::enrollment::RegisterView;

pub(super) async fn enroll(State(hq): State<Arc<Hq>>, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let req: EnrollRequest = json(&body)?;
        Ok(axum::Json(hq.enroll(&req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

pub(super) async fn rotate(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let req: RotateRequest = json(&body)?;
        hq.rotate(&who, &req)?;
        Ok(axum::Json(serde_json::json!({"rotated": true})).into_response())
    })
    .await
}

pub(super) async fn digests(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let req: DigestRequest = json(&body)?;
        Ok(axum::Json(hq.digests(&who, &req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

pub(super) async fn anchor(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let req: AnchorRequest = json(&body)?;
        let through = hq.anchor(&who, req.seq, &req.hash, jiff::Timestamp::now())?;
        Ok(axum::Json(serde_json::json!({ "through_seq": through })).into_response())
    })
    .await
}

pub(super) async fn doc(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let id = headers
            .get(DOC_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| HqError::BadRequest(format!("missing {DOC_HEADER} header")))?
            .to_string();
        let exchange = hq.sync_doc(&who, &id, &body, jiff::Timestamp::now())?;
        let mut response = match exchange.reply {
            Some(bytes) => (StatusCode::OK, bytes).into_response(),
            None => StatusCode::NO_CONTENT.into_response(),
        };
        if let Some(through) = exchange.through {
            response.headers_mut().insert(THROUGH_HEADER, HeaderValue::from(through));
        }
        Ok(response)
    })
    .await
}

pub(super) async fn catalog(State(hq): State<Arc<Hq>>, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let req: CatalogRequest = json(&body)?;
        Ok((StatusCode::OK, hq.catalog_file(req.version)?).into_response())
    })
    .await
}

/// The chain's stock for a register's endless aisle.
pub(super) async fn aisle_stock(State(hq): State<Arc<Hq>>) -> Result<Response, HqError> {
    blocking(move || {
        let stock = ChainStock { at: jiff::Timestamp::now().to_string(), rows: hq.chain_stock()? };
        Ok(axum::Json(stock).into_response())
    })
    .await
}

/// The chain's stock rows changed after a register's watermark, one page.
pub(super) async fn aisle_stock_changes(State(hq): State<Arc<Hq>>, body: Bytes) -> Result<Response, HqError> {
    blocking(move || {
        let req: ChainStockSince = json(&body)?;
        Ok(axum::Json(hq.chain_stock_changes(&req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

/// An endless-aisle order from a register (its own channel); 201 created, 200 repeated.
pub(super) async fn aisle_order(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let (order, replayed) = hq.aisle_order(&who, &body, jiff::Timestamp::now())?;
        let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
        Ok((status, axum::Json(order)).into_response())
    })
    .await
}

/// BORIS: an online order a register is asked to take goods back from.
pub(super) async fn find_order(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let req: FindOrder = json(&body)?;
        Ok(axum::Json(hq.find_for_return(&who, &req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

/// A receipt of the chain a register is asked to take goods back from (#16 §3).
pub(super) async fn find_receipt(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let req: till_protocol::FindReceipt = json(&body)?;
        Ok(axum::Json(hq.find_receipt(&who, &req, jiff::Timestamp::now())?).into_response())
    })
    .await
}

/// The open conflicts of the asking register's own store.
pub(super) async fn store_conflicts(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
) -> Result<Response, HqError> {
    blocking(move || {
        let open = hq.store_conflicts(&who.store)?;
        Ok(axum::Json(open).into_response())
    })
    .await
}
