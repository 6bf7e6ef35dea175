//! Channels ("integrations" in Postiz): connecting social accounts, their encrypted tokens,
//! the token refresh job, customers, posting times, and the in-app notifications the jobs
//! raise.

pub mod mail;
pub mod model;
pub mod notifications;
pub mod platform_log;
pub mod plugs;
pub mod public;
pub mod refresh;
pub mod repo;
pub mod service;
pub mod stats;
pub mod streak;

pub use mail::{NoticeJob, NoticeKind, NoticeMail, NoticeReport};
pub use model::Channel;
pub use notifications::Notifications;
pub use platform_log::PlatformLog;
pub use refresh::RefreshJob;
pub use repo::ChannelRepo;
pub use service::{ChannelAllowance, Channels};
pub use streak::Streaks;

use postiz_providers::{ProviderConfig, Providers};
use std::sync::Arc;

/// The providers, configured from the environment, with app credentials overlaid from the
/// app's secrets when they hold them.
pub async fn providers_from_secrets(
    secrets: Arc<dyn postiz_storage::Secrets>,
    own_media: Option<postiz_providers::OwnMedia>,
) -> Providers {
    let config = ProviderConfig::from_env()
        .with_credentials(|name| {
            let secrets = secrets.clone();
            async move { secrets.get(name).await.ok() }
        })
        .await;
    Providers::with_own_media(&config, own_media)
}
