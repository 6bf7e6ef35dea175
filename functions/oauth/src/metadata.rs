//! The authorization server's metadata (RFC 8414) for the `/mcp-oauth` resource: its issuer
//! is `<backend>/mcp-oauth`, so clients find it at
//! `/.well-known/oauth-authorization-server/mcp-oauth`; consent happens on the web app's
//! `/oauth/authorize` page.

use axum::extract::State;
use axum::response::Response;
use postiz_web::config::backend_url;
use postiz_web::documented::Documented;
use postiz_web::http::public_metadata;
use postiz_web::AppState;
use serde_json::json;

use crate::Ctx;

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.get(
        "/.well-known/oauth-authorization-server/mcp-oauth",
        "The OAuth authorization server's metadata (RFC 8414)",
        authorization_server,
    )
    .open()
    .answers(
        "{issuer: string, authorization_endpoint: string, token_endpoint: string, \
         registration_endpoint: string, response_types_supported: string[], \
         grant_types_supported: string[], token_endpoint_auth_methods_supported: string[], \
         code_challenge_methods_supported: string[], scopes_supported: string[]}",
    )
}

async fn authorization_server(State(ctx): State<Ctx>) -> Response {
    let app: AppState = axum::extract::FromRef::from_ref(&ctx);
    let backend = backend_url();
    let frontend = app.web.frontend_url.trim_end_matches('/');
    public_metadata(json!({
        "issuer": format!("{backend}/mcp-oauth"),
        "authorization_endpoint": format!("{frontend}/oauth/authorize"),
        "token_endpoint": format!("{backend}/oauth/token"),
        "registration_endpoint": format!("{backend}/oauth/register"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["mcp:read", "mcp:write"],
    }))
}
