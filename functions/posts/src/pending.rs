//! Post features this server does not have yet, answering what Postiz answers when each is
//! switched off: post analytics (no provider reports statistics yet).

use axum::extract::{Path, State};
use axum::Json;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed};
use serde_json::Value;

use crate::Ctx;

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.get(
        "/analytics/post/{id}",
        "A published post's statistics",
        post_analytics,
    )
}

/// A post of the organization: `{missing: true}` when it was published without the
/// network's id, else no statistics (`[]`), as Postiz answers for providers without them.
async fn post_analytics(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.post_analytics(&s.org.id, &id).await?))
}
