//! `POST /oauth/token`: the code exchange, as OAuth clients send it (a form, RFC 6749 §4.1.3;
//! JSON accepted too, as Postiz does), the client authenticated by its secret in the form or
//! in HTTP Basic authentication.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use postiz_core::Error;
use postiz_oauth::TokenRequest;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, RawBody};

use crate::Ctx;

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.post(
        "/oauth/token",
        "Exchange an authorization code for an access token",
        token,
    )
    .open()
    .limit(16 * 1024)
    .answers_with(
        200,
        "{id: string, cus: string | null, access_token: string, token_type: 'bearer', \
         scope: string}",
    )
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn parse(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, Error> {
    let invalid = |e: String| Error::oauth("invalid_request", e);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(TokenRequest::default());
    }
    match content_type(headers).as_str() {
        "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(body)
            .map_err(|e| invalid(format!("The form does not read: {e}"))),
        "application/json" => {
            serde_json::from_slice(body).map_err(|e| invalid(format!("Invalid JSON body: {e}")))
        }
        _ => Err(invalid(
            "Send the token request as application/x-www-form-urlencoded".into(),
        )),
    }
}

/// The client id and secret of an HTTP Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let encoded = value
        .get(..6)
        .filter(|s| s.eq_ignore_ascii_case("basic "))
        .map(|_| value[6..].trim())?;
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

async fn token(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Response> {
    let request = parse(&headers, &body)?;
    let mut answer = ctx
        .oauth()
        .exchange(request, basic_credentials(&headers))
        .await?;
    let org = answer["id"].as_str().unwrap_or_default().to_string();
    answer["cus"] = serde_json::json!(ctx.0.customers.customer_of_organization(&org).await?);
    let mut response = Json(answer).into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}
