//! What HQ refuses or fails at: one error type for every layer, mapped to an HTTP status
//! at the boundary (`http`) and to a message by the command line.

/// What HQ refuses or fails at, mapped to an HTTP status at the boundary.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// The request is malformed (body, document id, sync message).
    #[error("{0}")]
    BadRequest(String),
    /// No valid credential or token.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but not allowed to touch this.
    #[error("{0}")]
    Forbidden(String),
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request contradicts one HQ already took (an idempotency key reused).
    #[error("{0}")]
    Conflict(String),
    /// The feature asked for is not configured on this server.
    #[error("{0}")]
    NotConfigured(String),
    /// The request body is larger than the route takes.
    #[error("{0}")]
    TooLarge(String),
    /// The client was too slow to send its request.
    #[error("{0}")]
    Timeout(String),
    /// This client asked too often; try again later.
    #[error("{0}")]
    TooMany(String),
    /// Every slot for work is taken; try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(String),
    /// A bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl HqError {
    /// A stable code for the error body.
    pub fn code(&self) -> &'static str {
        match self {
            HqError::BadRequest(_) => "bad_request",
            HqError::Unauthorized(_) => "unauthorized",
            HqError::Forbidden(_) => "forbidden",
            HqError::NotFound(_) => "not_found",
            HqError::Conflict(_) => "conflict",
            HqError::NotConfigured(_) => "not_configured",
            HqError::TooLarge(_) => "too_large",
            HqError::Timeout(_) => "timeout",
            HqError::TooMany(_) => "too_many",
            HqError::Busy(_) => "busy",
            HqError::Database(_) => "database",
            HqError::Internal(_) => "internal",
        }
    }
}

impl From<crate::domain::status::InvalidTransition> for HqError {
    fn from(e: crate::domain::status::InvalidTransition) -> Self {
        HqError::Conflict(e.to_string())
    }
}

/// An [`HqError::Internal`] from anything printable: for failures that mean a bug or
/// stored data HQ itself wrote and cannot read back.
pub(crate) fn internal(e: impl std::fmt::Display) -> HqError {
    HqError::Internal(e.to_string())
}
