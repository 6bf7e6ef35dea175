//! The `public-api` function: Postiz's public API under `/public/v1`, authenticated by the
//! organization's API key in `Authorization`, plus our extensions (one post's outcome, edits
//! of unpublished posts, `Idempotency-Key` on creation), and uploads into the media library.

mod channels;
pub mod idempotency;
pub mod limit;
mod posts;
mod uploads;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{delete, get, post, put};
use axum::Router;
use postiz_integrations::{Channels, Notifications};
use postiz_posts::{LocalGate, PostsModule};
use postiz_web::AppState;
use std::sync::Arc;

pub use idempotency::Idempotency;
pub use limit::RateLimiter;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx {
    app: AppState,
    /// Posts rules (the public API never publishes itself).
    pub module: PostsModule,
    /// Channels service.
    pub channels: Arc<Channels>,
    /// Notifications store.
    pub notifications: Notifications,
    /// The hourly limit of `POST /public/v1/posts`.
    pub limiter: RateLimiter,
    /// Replays of `POST /public/v1/posts` under the same `Idempotency-Key`.
    pub idempotency: Idempotency,
    /// The media library.
    pub media: postiz_media::MediaService,
    /// The fetcher of `upload-from-url`.
    pub fetcher: postiz_fetch::GuardedFetcher,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

impl Ctx {
    /// Builds the services from the app state and the environment (`API_LIMIT`).
    pub async fn new(app: &AppState) -> Self {
        let a = &app.adapters;
        let providers = postiz_integrations::providers_from_secrets(a.secrets.clone()).await;
        let channels = Channels::on_table(
            a.table.clone(),
            providers,
            app.keys.clone(),
            a.clock.clone(),
        );
        Self {
            app: app.clone(),
            module: postiz_posts_fn::module(app, Arc::new(LocalGate::default())).await,
            notifications: channels.notifications().clone(),
            channels: Arc::new(channels),
            limiter: RateLimiter::from_env(a.table.clone(), a.clock.clone()),
            idempotency: Idempotency::new(a.table.clone(), a.clock.clone()),
            media: postiz_media_fn::media_service(app),
            fetcher: uploads::fetcher(),
        }
    }
}

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    Router::new()
        .route("/public/v1/is-connected", get(channels::is_connected))
        .route("/public/v1/integrations", get(channels::list))
        .route("/public/v1/integrations/{id}", delete(channels::delete))
        .route("/public/v1/groups", get(channels::groups))
        .route("/public/v1/find-slot/{id}", get(channels::find_slot))
        .route(
            "/public/v1/integration-settings/{id}",
            get(channels::settings),
        )
        .route(
            "/public/v1/integration-trigger/{id}",
            post(channels::trigger),
        )
        .route("/public/v1/social/{provider}", get(channels::connect_url))
        .route("/public/v1/analytics/{id}", get(channels::analytics))
        .route("/public/v1/analytics/post/{id}", get(posts::analytics))
        .route("/public/v1/notifications", get(channels::notifications))
        .route("/public/v1/posts", get(posts::list).post(posts::create))
        .route(
            "/public/v1/posts/group/{group}",
            delete(posts::delete_group),
        )
        .route(
            "/public/v1/posts/{id}",
            get(posts::one).put(posts::edit).delete(posts::delete),
        )
        .route("/public/v1/posts/{id}/missing", get(posts::missing))
        .route("/public/v1/posts/{id}/release-id", put(posts::release_id))
        .route("/public/v1/posts/{id}/status", put(posts::status))
        .route("/public/v1/posts/{id}/settings", put(posts::settings))
        .route(
            "/public/v1/upload",
            post(uploads::upload).layer(DefaultBodyLimit::max(postiz_media_fn::UPLOAD_BODY_LIMIT)),
        )
        .route("/public/v1/upload-from-url", post(uploads::upload_from_url))
        .route("/public/v1/generate-video", post(channels::not_offered))
        .route("/public/v1/video/function", post(channels::not_offered))
        .with_state(ctx)
}
