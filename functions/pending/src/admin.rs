//! The platform administrators' dashboards (`/admin/*`), not built yet.

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
}

async fn dashboard(Authed(s): Authed) -> ApiResult<Json<Value>> {
    Err(
        Error::admin_feature_not_built(s.user.is_super_admin, "The administration dashboards")
            .into(),
    )
}
