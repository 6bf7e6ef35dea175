//! The `mcp` function: the product's tools (`postiz-tools`, the registry the assistant uses)
//! for outside AI agents, over MCP's streamable HTTP transport with the official Rust SDK
//! (`rmcp`).
//!
//! | route | credential |
//! |---|---|
//! | `/mcp` | `Authorization: Bearer <API key or pos_ token>` |
//! | `/mcp/:apiKey` | the API key in the path (as Postiz; logged redacted) |
//! | `/mcp-oauth` | a `pos_` OAuth token only; 401 with `WWW-Authenticate` naming the metadata |
//! | `GET /.well-known/oauth-protected-resource/mcp-oauth` | none: RFC 9728 metadata |
//!
//! Stateless, as a Lambda behind API Gateway needs: every POST is answered on its own with
//! a JSON body (no session, no server-sent events, nothing kept in memory between requests);
//! `GET` (a server-to-client stream) answers 405. Posts the tools create are marked `MCP`.

mod auth;
mod server;

use axum::extract::FromRef;
use axum::Router;
use postiz_core::Error;
use postiz_web::AppState;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;

pub use auth::McpCaller;
pub use server::McpServer;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

/// The services behind [`Ctx`].
pub struct Services {
    app: AppState,
    tools: postiz_tools::Toolbox,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.0.app.clone()
    }
}

impl Ctx {
    /// Builds the tools over the app's services; `generateImage` joins them when
    /// `OPENAI_API_KEY` is set (in the environment, or the app's secrets on AWS).
    pub async fn new(app: &AppState) -> Result<Self, Error> {
        let a = &app.adapters;
        let module =
            postiz_posts_fn::module(app, Arc::new(postiz_posts::LocalGate::default())).await;
        let media = postiz_media::MediaService::with_env_urls(
            a.table.clone(),
            a.blobs.clone(),
            a.clock.clone(),
        );
        let mut tools = postiz_tools::Toolbox::new(
            module.posts.channels().clone(),
            module.posts.clone(),
            media,
            postiz_media::url_fetcher(),
            a.clock.clone(),
        );
        if let Some(ai) = postiz_ai::Ai::with_key(app.setting("OPENAI_API_KEY").await)? {
            let credits = postiz_billing::Credits::new(app.billing.clone(), a.table.clone());
            tools = tools.with_pictures(ai, credits);
        }
        Ok(Self(Arc::new(Services {
            app: app.clone(),
            tools,
        })))
    }
}

/// The largest JSON-RPC message read (a post with its settings fits many times over).
const MESSAGE_LIMIT: usize = 1024 * 1024;

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    let server = McpServer::new(ctx.0.tools.clone());
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(MESSAGE_LIMIT)
        // Every request carries its credential, which a rebinding page cannot have: the
        // SDK's Host check (loopback names by default) would only refuse real deployments.
        .disable_allowed_hosts();
    let transport = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    auth::routes(transport, ctx.0.app.clone())
}
