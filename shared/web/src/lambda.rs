//! The Lambda entry point shared by the HTTP functions.

use axum::Router;
use tower::Layer;

use crate::bootstrap::adapters;
use crate::config::{var, StorageKind, WebConfig};
use crate::http::{finish, normalize_path};
use crate::{telemetry, AppState};

/// Builds the state from the environment (AWS adapters unless `STORAGE` says otherwise).
pub async fn state_from_env() -> Result<AppState, lambda_http::Error> {
    let started = std::time::Instant::now();
    let kind = StorageKind::from_env(StorageKind::Aws)?;
    let adapters = adapters(kind, &var("PUBLIC_URL", "http://localhost:3000")).await?;
    let state = AppState::new(adapters, WebConfig::from_env()).await?;
    tracing::info!(
        init_ms = started.elapsed().as_secs_f64() * 1e3,
        "cold start: state ready"
    );
    Ok(state)
}

/// Runs `routes` as an API Gateway HTTP API (v2) Lambda: JSON logs, adapters built once.
pub async fn run(routes: Router<AppState>) -> Result<(), lambda_http::Error> {
    telemetry::init(true);
    let state = state_from_env().await?;
    serve(routes, state).await
}

/// Serves `routes` with `state` as an API Gateway HTTP API (v2) Lambda (for functions that
/// build their own services from the state first).
pub async fn serve(routes: Router<AppState>, state: AppState) -> Result<(), lambda_http::Error> {
    let app = finish(routes, state);
    let service = tower::util::MapRequestLayer::new(normalize_path::<lambda_http::Body>).layer(app);
    lambda_http::run(service).await
}
