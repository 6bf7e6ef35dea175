//! Extractors: JSON bodies with Postiz's error shapes, the session, the public API key.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use postiz_accounts::{Organization, Session};
use postiz_core::Error;
use serde::de::DeserializeOwned;

use crate::cookies::header_or_cookie;
use crate::{ApiError, AppState};

/// A JSON request body. An empty body reads as `{}`; malformed JSON is a 400 with a message;
/// a body sent as anything but JSON is a 415 (a cross-site form cannot post JSON).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        parse_json(&bytes).map(JsonBody).map_err(ApiError)
    }
}

/// The bytes of a body that must be JSON (parsed later, e.g. after an idempotency check):
/// [`JsonBody`]'s `Content-Type` rule without the parsing.
#[derive(Debug, Clone)]
pub struct JsonBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_json = is_json(req.headers());
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        if !declared_json && !bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError(Error::UnsupportedMediaType(
                "The request body must be sent as Content-Type: application/json".into(),
            )));
        }
        Ok(JsonBytes(bytes))
    }
}

/// Whether `Content-Type` is JSON (`application/json` or a `+json` type, any parameters).
pub fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5
            && essence.is_char_boundary(essence.len() - 5)
            && essence[essence.len() - 5..].eq_ignore_ascii_case("+json")
            && essence.to_ascii_lowercase().starts_with("application/"))
}

/// The request body as bytes, with the same errors as [`JsonBody`] (413 when too large).
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(|e| {
                ApiError(if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Error::PayloadTooLarge("The request body is too large".into())
                } else {
                    Error::BadRequest(format!("Could not read the request body: {e}"))
                })
            })
    }
}

/// Parses a JSON body: an empty body reads as `{}`; malformed JSON is a 400 with a message.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| Error::BadRequest(format!("Invalid JSON body: {e}")))
}

/// The caller's session: from the `auth` header or cookie, the organization from `showorg`.
#[derive(Debug, Clone)]
pub struct Authed(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for Authed
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = header_or_cookie(&parts.headers, "auth").ok_or(Error::Unauthenticated)?;
        let show_org = header_or_cookie(&parts.headers, "showorg");
        let impersonate = header_or_cookie(&parts.headers, "impersonate");
        let session = state
            .accounts
            .authenticate_as(&token, show_org.as_deref(), impersonate.as_deref())
            .await?;
        tracing::Span::current().record("user_id", session.user.id.as_str());
        if let Some(admin) = &session.impersonated_by {
            tracing::Span::current().record("impersonated_by", admin.as_str());
        }
        Ok(Authed(session))
    }
}

/// The organization of the public API key, or of the `pos_` OAuth access token, in
/// `Authorization` (raw, or after `Bearer `).
#[derive(Debug, Clone)]
pub struct ApiKeyOrg(pub std::sync::Arc<Organization>);

impl<S: Send + Sync> FromRequestParts<S> for ApiKeyOrg
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let key = bearer(&parts.headers);
        if key.is_empty() {
            return Err(Error::PublicAuth("No API Key found".into()).into());
        }
        let Some(org) = org_of_credential(&state, key).await? else {
            let what = if key.starts_with("pos_") {
                "Invalid OAuth token"
            } else {
                "Invalid API key"
            };
            return Err(Error::PublicAuth(what.into()).into());
        };
        // With billing on, the public API needs a subscription (Postiz's rule).
        let billing = &state.billing;
        if billing.enabled() && billing.plan(&org.id).await?.subscription.is_none() {
            return Err(Error::PublicAuth("No subscription found".into()).into());
        }
        Ok(ApiKeyOrg(org))
    }
}

/// The credential of `Authorization`: the value after `Bearer `, or the raw value (Postiz's
/// public API takes the key alone); empty when absent.
pub fn bearer(headers: &axum::http::HeaderMap) -> &str {
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    let token = match raw.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => &raw[7..],
        _ => raw,
    };
    token.trim()
}

/// The organization a public API key or a live `pos_` OAuth access token acts for. A token
/// acts only while the user who approved it is still an enabled member of the organization
/// (Postiz keeps honouring it after the member leaves).
pub async fn org_of_credential(
    state: &AppState,
    credential: &str,
) -> Result<Option<std::sync::Arc<Organization>>, Error> {
    if credential.starts_with("pos_") {
        let Some(grant) = state.oauth.grant(credential).await? else {
            return Ok(None);
        };
        let repo = &state.accounts.repo;
        let (org, member) = tokio::join!(
            repo.organization(&grant.organization_id),
            repo.membership(&grant.organization_id, &grant.user_id),
        );
        if member?.is_none_or(|m| m.disabled) {
            return Ok(None);
        }
        return Ok(org?
            .filter(|o| o.deleted_at.is_none())
            .map(std::sync::Arc::new));
    }
    state.accounts.organization_by_api_key(credential).await
}

/// The caller's network address, for per-address limits: API Gateway's `sourceIp` in Lambda;
/// the connection's peer on `postiz-server`, or the last `X-Forwarded-For` hop when
/// `TRUST_PROXY=true` says a proxy of ours sits in front. `None` when unknown.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        use lambda_http::request::RequestContext;
        if let Some(RequestContext::ApiGatewayV2(ctx)) = parts.extensions.get::<RequestContext>() {
            return Ok(ClientAddress(ctx.http.source_ip.clone()));
        }
        if trust_proxy() {
            let last_hop = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty());
            if let Some(hop) = last_hop {
                return Ok(ClientAddress(Some(hop.to_string())));
            }
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(ClientAddress(peer))
    }
}

fn trust_proxy() -> bool {
    static TRUST: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRUST.get_or_init(|| std::env::var("TRUST_PROXY").is_ok_and(|v| v == "true"))
}
