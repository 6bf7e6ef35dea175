//! Channel features this server does not have yet, answering what Postiz answers for a
//! provider without them: @-mention lookups, bot name and picture changes and the
//! logged-out page pick of partner flows; and channel statistics (`/analytics/:id`). Every channel id is looked up in the caller's organization first.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_core::validate::{is_plausible_id, Checks};
use postiz_core::Error;
use postiz_integrations::Channel;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::Ctx;

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.post(
        "/integrations/mentions",
        "Accounts matching an @-mention",
        mentions,
    )
    .answers("{none: boolean}")
    .post(
        "/integrations/{id}/nickname",
        "Change a bot channel's name and picture",
        nickname,
    )
    // Always refused here; Postiz answers the updated channel row.
    .answers("object")
    .post(
        "/integrations/public/provider/{id}/connect",
        "Pick a page with the connect flow's state (partner flows)",
        public_page,
    )
    .open()
    // Always refused here; Postiz's answer.
    .answers("{success: boolean}")
    .get(
        "/analytics/{id}",
        "A channel's statistics over the last days",
        analytics,
    )
    .answers(
        "{label: string, percentageChange: number, data: {total: number, date: string}[], \
         average?: boolean}[]",
    )
}

/// The caller's live channel `id`, or 404.
async fn channel(ctx: &Ctx, org: &str, id: &str) -> Result<Channel, Error> {
    let found = if is_plausible_id(id) {
        ctx.channels.repo.get(org, id).await?
    } else {
        None
    };
    found.ok_or_else(|| Error::NotFound("Channel not found".into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MentionBody {
    id: Option<String>,
    name: Option<String>,
}

/// No provider looks mentions up yet: `{none: true}`, as Postiz answers for such providers
/// (the editor then offers no suggestions).
async fn mentions(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<MentionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Checks::new()
        .length("id", b.id.as_deref(), 1, 128)
        .length("name", b.name.as_deref(), 1, 100)
        .finish()?;
    channel(&ctx, &s.org.id, b.id.as_deref().unwrap_or_default()).await?;
    Ok((StatusCode::CREATED, Json(json!({ "none": true }))))
}

/// No channel offers changing its name and picture (`changeNickName` is false for each).
async fn nickname(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let c = channel(&ctx, &s.org.id, &id).await?;
    Err(Error::BadRequest(format!(
        "{} channels cannot change their name or picture",
        c.provider_identifier
    ))
    .into())
}

/// The connect flow's state is used up when the connection completes, so there is none
/// left to pick a page with; the signed-in page pick (`/integrations/provider/:id/connect`)
/// is the way.
async fn public_page() -> ApiResult<Json<Value>> {
    Err(Error::BadRequest("Invalid or expired state".into()).into())
}

/// The channel's statistics over `?date=N` days (`[]` for networks without them).
async fn analytics(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let days = postiz_integrations::stats::days_of(q.get("date").map(String::as_str));
    Ok(Json(
        ctx.channels.channel_stats(&s.org.id, &id, days).await?,
    ))
}
