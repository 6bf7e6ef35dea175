//! The whole product in one process: every function's router on one HTTP server, and the
//! background jobs on timers. `STORAGE=embedded` (default) keeps everything in `DATA_DIR`;
//! `STORAGE=aws` uses the AWS adapters instead.

pub mod backup;
pub mod jobs;
pub mod serve;

use axum::Router;
use postiz_web::config::{var, StorageKind, WebConfig};
use postiz_web::http::{finish, normalize_path};
use postiz_web::AppState;
use std::net::SocketAddr;
use tower::Layer;

/// Every router of every function, merged (and the blob folder, in embedded mode).
pub async fn routes(state: &AppState) -> Router<AppState> {
    let routes = Router::new()
        .merge(postiz_auth_fn::router())
        .merge(postiz_users_fn::router())
        .merge(postiz_public_api_fn::router(
            postiz_public_api_fn::Ctx::new(state).await,
        ))
        .merge(postiz_integrations_fn::router(
            postiz_integrations_fn::Ctx::new(state).await,
        ))
        .merge(postiz_posts_fn::router(
            postiz_posts_fn::Ctx::new(state).await,
        ))
        .merge(postiz_media_fn::router(
            postiz_media_fn::Ctx::new(state).await,
        ))
        .merge(postiz_settings_fn::router())
        .merge(postiz_pending_fn::router())
        .merge(postiz_stripe_webhook_fn::router())
        .merge(postiz_billing_fn::router(
            postiz_billing_fn::Ctx::new(state)
                .await
                .expect("the billing function's services"),
        ))
        .merge(postiz_ai_fn::router(
            postiz_ai_fn::Ctx::new(state)
                .await
                .expect("the AI function's services"),
        ))
        .merge(postiz_oauth_fn::router(postiz_oauth_fn::Ctx::new(state)))
        .merge(postiz_webhooks_fn::router(postiz_webhooks_fn::Ctx::new(
            state,
        )))
        .merge(postiz_autopost_fn::router(postiz_autopost_fn::Ctx::new(
            state,
        )))
        .merge(postiz_mcp_fn::router(
            postiz_mcp_fn::Ctx::new(state)
                .await
                .expect("the MCP function's services"),
        ));
    match state.adapters.file_blobs.clone() {
        Some(blobs) => routes.merge(postiz_web::blob_routes::router(blobs)),
        None => routes,
    }
}

/// The whole OpenAPI document: the public API's routes and every function's internal
/// routes, each from the registration that builds its router. The public-api Lambda serves
/// it from `functions/public-api/openapi.json`, which `postiz-server openapi` writes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    postiz_public_api_fn::openapi::with_internal(
        postiz_public_api_fn::public_openapi(),
        [
            postiz_auth_fn::routes().document(),
            postiz_users_fn::routes().document(),
            postiz_integrations_fn::routes().document(),
            postiz_posts_fn::routes().document(),
            postiz_media_fn::routes().document(),
            postiz_settings_fn::routes().document(),
            postiz_pending_fn::routes().document(),
            postiz_stripe_webhook_fn::routes().document(),
            postiz_billing_fn::routes().document(),
            postiz_ai_fn::routes().document(),
            postiz_oauth_fn::routes().document(),
            postiz_webhooks_fn::routes().document(),
            postiz_autopost_fn::routes().document(),
        ],
    )
}

/// [`openapi`] as the JSON text the public-api Lambda embeds (pretty, newline-terminated).
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// Every internal `(METHOD, path)` the document lists, function by function.
pub fn internal_operations() -> Vec<(String, String)> {
    let mut ops = postiz_auth_fn::routes().operations();
    ops.extend(postiz_users_fn::routes().operations());
    ops.extend(postiz_integrations_fn::routes().operations());
    ops.extend(postiz_posts_fn::routes().operations());
    ops.extend(postiz_media_fn::routes().operations());
    ops.extend(postiz_settings_fn::routes().operations());
    ops.extend(postiz_pending_fn::routes().operations());
    ops.extend(postiz_stripe_webhook_fn::routes().operations());
    ops.extend(postiz_billing_fn::routes().operations());
    ops.extend(postiz_ai_fn::routes().operations());
    ops.extend(postiz_oauth_fn::routes().operations());
    ops.extend(postiz_webhooks_fn::routes().operations());
    ops.extend(postiz_autopost_fn::routes().operations());
    ops
}

/// Where to listen: `HOST` (default 127.0.0.1) and `PORT` (default 3000).
pub fn listen_addr() -> Result<SocketAddr, String> {
    let host = var("HOST", "127.0.0.1");
    let port = var("PORT", "3000");
    let port: u16 = port
        .parse()
        .map_err(|_| format!("PORT must be a number, not {port:?}"))?;
    let ip: std::net::IpAddr = if host == "localhost" {
        std::net::Ipv4Addr::LOCALHOST.into()
    } else {
        host.parse()
            .map_err(|_| format!("HOST must be an IP address, not {host:?}"))?
    };
    Ok(SocketAddr::new(ip, port))
}

/// Boots the adapters and services, starts the jobs, and serves until SIGINT or SIGTERM.
pub async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let addr = listen_addr()?;
    let kind = StorageKind::from_env(StorageKind::Embedded)?;
    let public = var("PUBLIC_URL", &format!("http://{addr}"));
    postiz_web::config::default_backend_url(&public);
    let adapters = postiz_web::bootstrap::adapters(kind, &public).await?;
    let state = AppState::new(adapters, WebConfig::from_env()).await?;
    let jobs = jobs::spawn(&state).await;
    let control = state.adapters.embedded.clone().map(|store| {
        tokio::spawn(async move {
            let dir = postiz_web::bootstrap::data_dir();
            if let Err(e) = backup::serve_control(store, dir).await {
                tracing::warn!(error = %e, "the control socket (backups) is not available");
            }
        })
    });
    let app = finish(routes(&state).await, state);
    let service = tower::util::MapRequestLayer::new(normalize_path::<axum::body::Body>).layer(app);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let limits = serve::ClientLimits::from_env();
    tracing::info!(%addr, storage = ?kind, ?limits, "postiz-server listening");
    serve::serve(listener, service, limits, shutdown_signal()).await?;
    jobs.abort();
    if let Some(control) = control {
        control.abort();
        let _ =
            std::fs::remove_file(postiz_web::bootstrap::data_dir().join(backup::CONTROL_SOCKET));
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
