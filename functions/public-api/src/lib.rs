//! The `public-api` function: Postiz's public API under `/public/v1`, authenticated by the
//! organization's API key in `Authorization`, plus our extensions (one post's outcome, edits
//! of unpublished posts, `Idempotency-Key` on creation), and uploads into the media library.

mod channels;
pub mod idempotency;
pub mod limit;
pub mod openapi;
mod posts;
mod uploads;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::Router;
use postiz_integrations::{Channels, Notifications};
use postiz_posts::{LocalGate, PostsModule};
use postiz_web::AppState;
use std::sync::Arc;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub use idempotency::Idempotency;
pub use limit::RateLimiter;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

impl std::ops::Deref for Ctx {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind [`Ctx`] (one `Arc`: a request clones one pointer).
pub struct Services {
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
        let own_media = postiz_media::MediaUrls::from_env(a.blobs.clone()).recogniser();
        let providers =
            postiz_integrations::providers_from_secrets(a.secrets.clone(), Some(own_media)).await;
        let channels = Channels::on_table(
            a.table.clone(),
            providers,
            app.keys.clone(),
            a.clock.clone(),
        );
        Self(Arc::new(Services {
            app: app.clone(),
            module: postiz_posts_fn::module(app, Arc::new(LocalGate::default())).await,
            notifications: channels.notifications().clone(),
            channels: Arc::new(channels),
            limiter: RateLimiter::from_env(a.table.clone(), a.clock.clone()),
            idempotency: Idempotency::new(a.table.clone(), a.clock.clone()),
            media: postiz_media_fn::media_service(app),
            fetcher: uploads::fetcher(),
        }))
    }
}

/// Every route of this function, each registered once for both the router and the document.
fn api() -> OpenApiRouter<Ctx> {
    OpenApiRouter::with_openapi(openapi::frame())
        .routes(routes!(channels::is_connected))
        .routes(routes!(channels::list))
        .routes(routes!(channels::delete))
        .routes(routes!(channels::groups))
        .routes(routes!(channels::find_slot))
        .routes(routes!(channels::settings))
        .routes(routes!(channels::trigger))
        .routes(routes!(channels::connect_url))
        .routes(routes!(channels::analytics))
        .routes(routes!(posts::analytics))
        .routes(routes!(channels::notifications))
        .routes(routes!(posts::list, posts::create))
        .routes(routes!(posts::delete_group))
        .routes(routes!(posts::one, posts::edit, posts::delete))
        .routes(routes!(posts::missing))
        .routes(routes!(posts::release_id))
        .routes(routes!(posts::status))
        .routes(routes!(posts::settings))
        .routes(
            routes!(uploads::upload)
                .layer(DefaultBodyLimit::max(postiz_media_fn::UPLOAD_BODY_LIMIT)),
        )
        .routes(routes!(uploads::upload_from_url))
        .routes(routes!(channels::generate_video))
        .routes(routes!(channels::video_function))
        .routes(routes!(openapi::serve))
}

/// The routes of this function, with `GET /openapi.json`.
pub fn router(ctx: Ctx) -> Router<AppState> {
    let (routes, _doc) = api().split_for_parts();
    routes.with_state(ctx)
}

/// The public API's part of the OpenAPI document: [`router`]'s routes, completed (security
/// scheme, shared responses). `postiz-server` adds the internal API's routes, where every
/// function's router is known (see [`openapi::DOCUMENT`]).
pub fn public_openapi() -> utoipa::openapi::OpenApi {
    openapi::complete(api().into_openapi())
}
