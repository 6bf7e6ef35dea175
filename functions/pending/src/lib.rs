//! The `pending` function: the platform administrators' dashboards (`/admin/*`, built:
//! see `admin`), and the routes of features this server does not have yet, so that every
//! page of Postiz's web app works meanwhile. Each answers what Postiz answers when the
//! feature is switched off or empty (an empty list, `{}`, `false`); an action that would need
//! the feature is refused with a 400 that says so, where Postiz would fail with a 5xx, hang
//! or log the user out. The issue that builds a feature moves its routes to their own
//! function (docs/frontend.md lists them).
//!
//! | routes | feature |
//! |---|---|
//! | `/third-party*` | third-party media services |
//! | `/admin/*` | platform administrators' dashboards (built) |
//!
//! Refusals use `postiz_core::Error::not_built` and `Error::admin_feature_not_built`.

mod admin;
mod third_party;

use axum::Router;
use postiz_web::documented::Documented;
use postiz_web::AppState;

/// The routes of this function.
pub fn router() -> Router<AppState> {
    routes().into_router()
}

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<AppState> {
    let d = Documented::new("internal-pending");
    let d = third_party::routes(d);
    admin::routes(d)
}
