//! The one place where application errors become HTTP responses, in Postiz's shapes.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use postiz_core::Error;
use serde_json::json;

/// An application error on its way out as an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<postiz_storage::StorageError> for ApiError {
    fn from(e: postiz_storage::StorageError) -> Self {
        ApiError(e.into())
    }
}

fn json_body(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn nest(status: StatusCode, message: serde_json::Value, error: &str) -> Response {
    json_body(
        status,
        json!({"statusCode": status.as_u16(), "message": message, "error": error}),
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self.0 {
            Error::Validation(messages) => {
                nest(StatusCode::BAD_REQUEST, json!(messages), "Bad Request")
            }
            Error::BadRequest(m) => nest(StatusCode::BAD_REQUEST, json!(m), "Bad Request"),
            Error::PlainBadRequest(m) => (
                StatusCode::BAD_REQUEST,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                )],
                m,
            )
                .into_response(),
            Error::PostInvalid {
                provider,
                name,
                message,
            } => json_body(
                StatusCode::BAD_REQUEST,
                json!({"statusCode": 400, "provider": provider, "name": name, "message": message}),
            ),
            Error::Unauthenticated => {
                let mut r = StatusCode::UNAUTHORIZED.into_response();
                r.headers_mut()
                    .insert("logout", HeaderValue::from_static("true"));
                r
            }
            Error::PublicAuth(m) => json_body(StatusCode::UNAUTHORIZED, json!({ "msg": m })),
            Error::Refused { status, msg } => json_body(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                json!({ "msg": msg }),
            ),
            Error::Forbidden(m) => nest(StatusCode::FORBIDDEN, json!(m), "Forbidden"),
            Error::NotFound(m) => nest(StatusCode::NOT_FOUND, json!(m), "Not Found"),
            Error::PaymentRequired { message, url } => json_body(
                StatusCode::PAYMENT_REQUIRED,
                json!({"statusCode": 402, "message": message, "url": url}),
            ),
            Error::PayloadTooLarge(m) => {
                // The rest of the body is left unread: the connection cannot carry another
                // request, and the client must not put it back in its pool.
                let mut r = nest(StatusCode::PAYLOAD_TOO_LARGE, json!(m), "Payload Too Large");
                r.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                r
            }
            Error::UnsupportedMediaType(m) => nest(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!(m),
                "Unsupported Media Type",
            ),
            Error::TooManyRequests {
                message,
                retry_after,
            } => {
                let mut r = nest(
                    StatusCode::TOO_MANY_REQUESTS,
                    json!(message),
                    "Too Many Requests",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
                r
            }
            Error::Conflict(m) => nest(StatusCode::CONFLICT, json!(m), "Conflict"),
            Error::Unprocessable(m) => json_body(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"statusCode": 422, "message": m}),
            ),
            Error::BadGateway { message, detail } => {
                tracing::warn!(%detail, "an upstream service failed");
                json_body(
                    StatusCode::BAD_GATEWAY,
                    json!({"statusCode": 502, "message": message}),
                )
            }
            Error::OAuth {
                status,
                error,
                description,
            } => {
                let mut body = json!({ "error": error });
                if let Some(d) = description {
                    body["error_description"] = json!(d);
                }
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
                let mut r = json_body(status, body);
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
            Error::Unavailable(detail) => {
                tracing::error!(%detail, "dependency unavailable");
                json_body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    json!({"statusCode": 503, "message": "Service temporarily unavailable, please retry"}),
                )
            }
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                json_body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"statusCode": 500, "message": "Internal server error"}),
                )
            }
        }
    }
}
