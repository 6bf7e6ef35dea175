//! The `token-refresh` function: one run of the refresh job per scheduled event.

use chrono::Duration;
use postiz_integrations::{Channels, RefreshJob};
use postiz_web::AppState;

/// How far ahead tokens are refreshed (`REFRESH_HORIZON_MINUTES`, default 180).
pub fn horizon() -> Duration {
    let minutes = std::env::var("REFRESH_HORIZON_MINUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(180);
    Duration::minutes(minutes)
}

/// The job on the app's table, with providers configured from the environment and the
/// app's secrets.
pub async fn job(state: &AppState) -> RefreshJob {
    let a = &state.adapters;
    let providers = postiz_integrations::providers_from_secrets(a.secrets.clone(), None).await;
    let channels = Channels::on_table(
        a.table.clone(),
        providers,
        state.keys.clone(),
        a.clock.clone(),
    )
    .with_mailer(a.mailer.clone());
    RefreshJob::new(channels, a.clock.clone(), horizon())
}
