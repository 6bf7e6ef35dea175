//! Post statistics (`/analytics/post/:id`), read from the post's network.

use axum::extract::{Path, Query, State};
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
    .answers(ANALYTICS)
}

/// `{missing: true}` for a post published without the network's id, else one entry per
/// metric (`[]` for networks without statistics); `average` marks a metric given as a mean.
const ANALYTICS: &str = "{label: string, percentageChange: number, \
                         data: {total: number, date: string}[], average?: boolean}[] \
                         | {missing: boolean}";

/// The `date` query parameter: days to look back.
#[derive(serde::Deserialize)]
struct DateQuery {
    date: Option<String>,
}

/// A post of the organization: `{missing: true}` when it was published without the
/// network's id, else its statistics (`[]` for networks without them).
async fn post_analytics(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Value>> {
    let days = postiz_integrations::stats::days_of(q.date.as_deref());
    Ok(Json(
        ctx.module
            .posts
            .post_analytics(&s.org.id, &id, days)
            .await?,
    ))
}
