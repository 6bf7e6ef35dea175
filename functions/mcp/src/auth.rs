//! Who an MCP request acts for: the organization of the API key or `pos_` token it carries,
//! put in the request's extensions for the tools (the SDK hands the request's parts to them).

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use postiz_web::config::backend_url;
use postiz_web::extract::{bearer, org_of_credential};
use postiz_web::http::public_metadata;
use postiz_web::{ApiError, AppState};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::StreamableHttpService;
use serde_json::json;

use crate::McpServer;

/// The organization an MCP request acts for.
#[derive(Debug, Clone)]
pub struct McpCaller {
    /// Organization id.
    pub org_id: String,
}

type Transport = StreamableHttpService<McpServer, NeverSessionManager>;

pub(crate) fn routes(transport: Transport, app: AppState) -> Router<AppState> {
    let by_header = Router::new()
        .route_service("/mcp", transport.clone())
        .route_layer(from_fn_with_state(app.clone(), header_credential));
    let by_path = Router::new()
        .route_service("/mcp/{key}", transport.clone())
        .route_layer(from_fn_with_state(app.clone(), path_credential));
    let by_oauth = Router::new()
        .route_service("/mcp-oauth", transport)
        .route_layer(from_fn_with_state(app, oauth_credential));
    by_header.merge(by_path).merge(by_oauth).route(
        "/.well-known/oauth-protected-resource/mcp-oauth",
        get(protected_resource),
    )
}

fn refusal(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Runs the transport for `credential`'s organization, or answers `refused` when the
/// credential is unknown.
async fn with_caller(
    app: &AppState,
    credential: &str,
    mut req: Request,
    next: Next,
    refused: impl FnOnce() -> Response,
) -> Response {
    match org_of_credential(app, credential).await {
        Ok(Some(org)) => {
            tracing::Span::current().record("user_id", format!("org:{}", org.id).as_str());
            req.extensions_mut().insert(McpCaller {
                org_id: org.id.clone(),
            });
            next.run(req).await
        }
        Ok(None) => refused(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// `/mcp`: an API key or a `pos_` token in `Authorization`.
async fn header_credential(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let credential = bearer(req.headers()).to_string();
    if credential.is_empty() {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Missing Authorization header",
        );
    }
    with_caller(&app, &credential, req, next, || {
        refusal(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Invalid API Key or OAuth token",
        )
    })
    .await
}

/// `/mcp/:apiKey`: the API key in the path. An unknown key is a 400, as Postiz answers: a 401
/// would send OAuth-capable clients looking for an authorization server.
async fn path_credential(
    State(app): State<AppState>,
    Path(key): Path<String>,
    req: Request,
    next: Next,
) -> Response {
    if key.starts_with("pos_") {
        return refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send OAuth tokens in the Authorization header",
        );
    }
    with_caller(&app, &key, req, next, || {
        refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Invalid API Key",
        )
    })
    .await
}

/// The `WWW-Authenticate` challenge of `/mcp-oauth` (RFC 9728 §5.1).
fn challenge(error: Option<&str>) -> HeaderValue {
    let metadata = format!(
        "{}/.well-known/oauth-protected-resource/mcp-oauth",
        backend_url()
    );
    let mut value =
        format!("Bearer resource_metadata=\"{metadata}\", scope=\"mcp:read mcp:write\"");
    if let Some(error) = error {
        value.push_str(&format!(", error=\"{error}\""));
    }
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
}

fn oauth_refusal(error: Option<&'static str>, description: &str) -> Response {
    let mut r = refusal(
        StatusCode::UNAUTHORIZED,
        error.unwrap_or("unauthorized"),
        description,
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, challenge(error));
    r
}

/// `/mcp-oauth`: a `pos_` OAuth token only; anything else is told where to get one.
async fn oauth_credential(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let credential = bearer(req.headers()).to_string();
    if credential.is_empty() {
        return oauth_refusal(None, "Bearer token required");
    }
    if !credential.starts_with("pos_") {
        return oauth_refusal(Some("invalid_token"), "An OAuth access token is required");
    }
    with_caller(&app, &credential, req, next, || {
        oauth_refusal(Some("invalid_token"), "Token is invalid or revoked")
    })
    .await
}

/// RFC 9728 metadata of the `/mcp-oauth` resource: its authorization server is this backend
/// (issuer `<backend>/mcp-oauth`, as Postiz names it).
async fn protected_resource() -> Response {
    let resource = format!("{}/mcp-oauth", backend_url());
    public_metadata(json!({
        "resource": resource,
        "authorization_servers": [resource],
        "scopes_supported": ["mcp:read", "mcp:write"],
        "bearer_methods_supported": ["header"],
        "resource_name": "Postiz",
    }))
}
