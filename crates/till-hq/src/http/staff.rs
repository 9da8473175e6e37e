//! The chain's staff for a register: `POST /v1/staff/roster` (authenticated).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use till_protocol::RosterRequest;

use super::{blocking, json};
use crate::error::HqError;
use crate::services::Hq;
use crate::services::enrollment::RegisterView;

/// The register's sign-in events in, its store's roster out (when it changed).
pub(super) async fn roster(
    State(hq): State<Arc<Hq>>,
    Extension(who): Extension<RegisterView>,
    body: Bytes,
) -> Result<Response, HqError> {
    blocking(move || {
        let req: RosterRequest = json(&body)?;
        Ok(axum::Json(hq.staff_roster(&who, &req)?).into_response())
    })
    .await
}
