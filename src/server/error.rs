//! API errors: one enum, one JSON shape (`{"error": code, "message": …}`) for every failure.
//! Clients see a short message that names the problem and the fix; details go to the log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The office wall is locked: nothing of the city until the PIN is typed on it.
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

/// Any error answer that is not in the JSON shape yet (the framework's own refusals: a path it
/// cannot decode, a query it cannot read, a plain GET on a socket, a method not allowed) put into
/// it, keeping its status, its headers and its words.
pub async fn in_json_shape(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_lowercase() } else { text };
    let code = status.canonical_reason().unwrap_or("error").to_lowercase().replace(' ', "_");
    let body = serde_json::to_string(&super::answers::ErrorBody { error: code, message }).unwrap_or_default();
    parts.headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::Locked(_) => (StatusCode::LOCKED, "locked"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let message = match &self {
            ApiError::Internal(_) => "internal error; the details are in the service log".to_string(),
            other => other.to_string(),
        };
        (status, Json(super::answers::ErrorBody { error: code.into(), message })).into_response()
    }
}

impl From<crate::index::IndexError> for ApiError {
    fn from(e: crate::index::IndexError) -> Self {
        match e {
            crate::index::IndexError::Query(m) => ApiError::BadRequest(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::office::OfficeError> for ApiError {
    fn from(e: crate::office::OfficeError) -> Self {
        match e {
            // The disk is full or gone: the office must know its command was not carried out.
            crate::office::OfficeError::Audit(_) => ApiError::Unavailable(e.to_string()),
            crate::office::OfficeError::Poisoned => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl ApiError {
    /// A request body that is not the JSON `endpoint` takes.
    pub fn from_json(e: axum::extract::rejection::JsonRejection, endpoint: &str) -> ApiError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::TooLarge("the body is larger than 64 KiB".into());
        }
        if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            return ApiError::UnsupportedMediaType(format!(
                "send the body as JSON with `Content-Type: application/json`; see README.md, \"{endpoint}\""
            ));
        }
        ApiError::BadRequest(format!("{}; see README.md, \"{endpoint}\"", e.body_text()))
    }
}
