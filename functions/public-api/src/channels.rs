//! Channel, customer, notification and analytics routes of the public API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_core::Error;
use postiz_integrations::notifications::PAGE;
use postiz_posts::repo::iso;
use postiz_web::{ApiKeyOrg, ApiResult, JsonBody, RawJson};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::openapi::schemas::{
    AuthUrl, Connected, Customer, Integration, Msg, Notifications, Output, Refused, Slot,
};
use crate::Ctx;

type Params = Query<HashMap<String, String>>;

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

#[utoipa::path(
    get,
    path = "/public/v1/is-connected",
    operation_id = "isConnected",
    summary = "Check the API key",
    tag = "channels",
    description = "Checks the key: `{\"connected\": true}` once it is valid.",
    responses((status = 200, description = "The key is valid", body = Connected))
)]
pub async fn is_connected(ApiKeyOrg(_org): ApiKeyOrg) -> RawJson {
    RawJson(axum::body::Bytes::from_static(br#"{"connected":true}"#))
}

#[utoipa::path(
    get,
    path = "/public/v1/integrations",
    operation_id = "listIntegrations",
    summary = "List channels",
    tag = "channels",
    description = "The organization's channels (disabled ones too), of one customer when `group` is given.",
    params(("group" = Option<String>, Query, description = "Customer id: only that customer's channels")),
    responses((status = 200, description = "The channels", body = [Integration]))
)]
pub async fn list(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.channels
            .public_list(&org.id, param(&q, "group"))
            .await?,
    ))
}

#[utoipa::path(
    get,
    path = "/public/v1/groups",
    operation_id = "listGroups",
    summary = "List customers",
    tag = "channels",
    description = "The organization's customers (groups of channels).",
    responses((status = 200, description = "The customers", body = [Customer]))
)]
pub async fn groups(State(ctx): State<Ctx>, ApiKeyOrg(org): ApiKeyOrg) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.public_groups(&org.id).await?))
}

#[utoipa::path(
    delete,
    path = "/public/v1/integrations/{id}",
    operation_id = "deleteIntegration",
    summary = "Delete a channel",
    tag = "channels",
    description = "Deletes a channel and its posts; answers the deleted channel (no secrets).",
    params(("id" = String, Path, description = "Channel id")),
    responses(
        (status = 200, description = "The deleted channel", body = Integration),
        (status = 404, description = "`{\"msg\": \"Integration not found\"}`", body = Msg),
    )
)]
pub async fn delete(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let deleted = ctx.channels.public_delete(&org.id, &id).await?;
    ctx.module.posts.delete_for_channel(&org.id, &id).await?;
    Ok(Json(deleted))
}

#[utoipa::path(
    get,
    path = "/public/v1/find-slot/{id}",
    operation_id = "findSlot",
    summary = "Next free posting time of a channel",
    tag = "channels",
    description = "The channel's next free posting time (UTC, without a zone).",
    params(("id" = String, Path, description = "Channel id")),
    responses(
        (status = 200, description = "The slot", body = Slot),
        (status = 404, description = "Unknown or disabled channel", body = Msg),
    )
)]
pub async fn find_slot(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let c = ctx.channels.public_channel(&org.id, &id).await?;
    if c.disabled {
        return Err(postiz_integrations::public::integration_not_found().into());
    }
    Ok(Json(
        ctx.module.posts.find_slot(&org.id, Some(&c.id)).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/public/v1/integration-settings/{id}",
    operation_id = "integrationSettings",
    summary = "A channel's rules, settings and tools",
    tag = "channels",
    description = "The channel provider's rules, length limit, settings schema and tools: \
`{\"output\": {\"rules\", \"maxLength\", \"settings\", \"tools\"}}`.",
    params(("id" = String, Path, description = "Channel id")),
    responses(
        (status = 200, description = "The provider's settings", body = Output),
        (status = 404, description = "`{\"msg\": \"Integration not found\"}`", body = Msg),
    )
)]
pub async fn settings(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.public_settings(&org.id, &id).await?))
}

/// Body of `POST /public/v1/integration-trigger/{id}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TriggerBody {
    /// A tool of the provider (see `integration-settings`).
    #[serde(default)]
    method_name: String,
    /// The tool's arguments.
    #[serde(default)]
    #[schema(value_type = Object)]
    data: Value,
}

#[utoipa::path(
    post,
    path = "/public/v1/integration-trigger/{id}",
    operation_id = "integrationTrigger",
    summary = "Run a channel provider's tool",
    tag = "channels",
    description = "Runs one of the provider's tools: `{\"output\": ...}`.",
    params(("id" = String, Path, description = "Channel id")),
    request_body = TriggerBody,
    responses(
        (status = 201, description = "The tool's answer", body = Output),
        (status = 400, description = "Invalid body", body = Refused),
        (status = 404, description = "Unknown channel, provider or tool", body = Msg),
    )
)]
pub async fn trigger(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<TriggerBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if b.method_name.trim().is_empty() {
        return Err(Error::invalid("methodName should not be empty").into());
    }
    let data = if b.data.is_null() { json!({}) } else { b.data };
    let out = ctx
        .channels
        .public_trigger(&org.id, &id, &b.method_name, &data)
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(
    get,
    path = "/public/v1/social/{provider}",
    operation_id = "connectUrl",
    summary = "Start connecting a channel",
    tag = "channels",
    description = "Starts connecting a channel: the provider's authorization URL.",
    params(
        ("provider" = String, Path, description = "Provider identifier, e.g. `mastodon`"),
        ("refresh" = Option<String>, Query, description = "Channel id to reconnect"),
    ),
    responses(
        (status = 200, description = "Where to send the user", body = AuthUrl),
        (status = 400, description = "`{\"msg\": \"Integration not allowed\"}`", body = Msg),
    )
)]
pub async fn connect_url(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(provider): Path<String>,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    if ctx.channels.providers().get(&provider).is_none() {
        return Err(Error::Refused {
            status: 400,
            msg: "Integration not allowed".into(),
        }
        .into());
    }
    let refresh = param(&q, "refresh").map(str::to_string);
    Ok(Json(
        ctx.channels
            .start_connect(&org.id, "", &provider, refresh)
            .await?,
    ))
}

/// The `date` query parameter of the statistics: days to look back.
#[derive(serde::Deserialize)]
pub struct DateQuery {
    /// Days (1 to 365; 7 when absent).
    pub date: Option<String>,
}

/// Channel analytics, read from the network with a fresh token and kept an hour.
#[utoipa::path(
    get,
    path = "/public/v1/analytics/{id}",
    operation_id = "channelAnalytics",
    summary = "Channel statistics",
    tag = "channels",
    description = "The channel's statistics: `[{label, percentageChange, data: [{total, date}]}]` \
(`[]` for providers without statistics), kept an hour per channel and period.",
    params(
        ("id" = String, Path, description = "Channel id"),
        ("date" = Option<String>, Query, description = "Days to look back"),
    ),
    responses(
        (status = 200, description = "The statistics", body = [Object]),
        (status = 404, description = "`{\"msg\": \"Integration not found\"}`", body = Msg),
    )
)]
pub async fn analytics(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> ApiResult<Json<Value>> {
    ctx.channels.public_channel(&org.id, &id).await?;
    let days = postiz_integrations::stats::days_of(q.date.as_deref());
    Ok(Json(ctx.channels.channel_stats(&org.id, &id, days).await?))
}

#[utoipa::path(
    get,
    path = "/public/v1/notifications",
    operation_id = "listNotifications",
    summary = "List notifications",
    tag = "channels",
    description = "The organization's notifications, newest first, 100 a page.",
    params(("page" = Option<u32>, Query, description = "Page, from 0")),
    responses(
        (status = 200, description = "One page", body = Notifications),
        (status = 400, description = "`page` is not an integer ≥ 0", body = Refused),
    )
)]
pub async fn notifications(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    let page: usize = match param(&q, "page") {
        None => 0,
        Some(p) => p
            .parse()
            .map_err(|_| Error::invalid("page must be an integer not less than 0"))?,
    };
    let (items, total) = ctx.notifications.page(&org.id, page, PAGE).await?;
    let notifications: Vec<Value> = items
        .into_iter()
        .map(|n| json!({"id": n.id, "content": n.content, "link": n.link, "createdAt": iso(n.created_at)}))
        .collect();
    Ok(Json(json!({
        "notifications": notifications,
        "total": total,
        "page": page,
        "limit": PAGE,
        "hasMore": page.saturating_add(1).saturating_mul(PAGE) < total,
    })))
}

/// AI video generation is not offered by this server.
fn not_offered() -> ApiResult<Json<Value>> {
    Err(Error::Refused {
        status: 400,
        msg: "Video generation is not available on this server".into(),
    }
    .into())
}

#[utoipa::path(
    post,
    path = "/public/v1/generate-video",
    operation_id = "generateVideo",
    summary = "Generate a video (not offered)",
    tag = "media",
    description = "AI video generation: not offered by this server (always 400).",
    request_body(content = Object, description = "`{type, output, customParams}`"),
    responses((status = 400, description = "`{\"msg\": \"Video generation is not available on this server\"}`", body = Msg))
)]
pub async fn generate_video(ApiKeyOrg(_org): ApiKeyOrg) -> ApiResult<Json<Value>> {
    not_offered()
}

#[utoipa::path(
    post,
    path = "/public/v1/video/function",
    operation_id = "videoFunction",
    summary = "Video helpers (not offered)",
    tag = "media",
    description = "AI video helpers: not offered by this server (always 400).",
    request_body(content = Object, description = "`{identifier, functionName, params}`"),
    responses((status = 400, description = "`{\"msg\": \"Video generation is not available on this server\"}`", body = Msg))
)]
pub async fn video_function(ApiKeyOrg(_org): ApiKeyOrg) -> ApiResult<Json<Value>> {
    not_offered()
}
