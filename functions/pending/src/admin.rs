//! The platform administrators' dashboards (`/admin/*`) and the consent step of outside
//! OAuth apps (`/oauth/authorize`), neither built yet.

use axum::Json;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed};
use serde_json::Value;

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get(
        "/admin/stats",
        "Publishing statistics (platform administrators)",
        dashboard,
    )
    .get(
        "/admin/errors",
        "Publishing errors (platform administrators)",
        dashboard,
    )
    .get(
        "/admin/errors/platforms",
        "Networks with errors (platform administrators)",
        dashboard,
    )
    .get(
        "/oauth/authorize",
        "Check an OAuth app's authorization request",
        consent,
    )
    .open()
    .post(
        "/oauth/authorize",
        "Approve or deny an OAuth app",
        consent_answer,
    )
}

async fn dashboard(Authed(s): Authed) -> ApiResult<Json<Value>> {
    Err(
        Error::admin_feature_not_built(s.user.is_super_admin, "The administration dashboards")
            .into(),
    )
}

async fn consent() -> ApiResult<Json<Value>> {
    Err(Error::not_built("Authorizing outside OAuth apps").into())
}

async fn consent_answer(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::not_built("Authorizing outside OAuth apps").into())
}
