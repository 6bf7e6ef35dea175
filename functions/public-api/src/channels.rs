//! Channel, customer, notification and analytics routes of the public API.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_core::Error;
use postiz_integrations::notifications::PAGE;
use postiz_posts::repo::iso;
use postiz_web::{ApiKeyOrg, ApiResult, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::Ctx;

type Params = Query<HashMap<String, String>>;

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    q.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

pub async fn is_connected(ApiKeyOrg(_org): ApiKeyOrg) -> Json<Value> {
    Json(json!({"connected": true}))
}

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

pub async fn groups(State(ctx): State<Ctx>, ApiKeyOrg(org): ApiKeyOrg) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.public_groups(&org.id).await?))
}

pub async fn delete(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.public_delete(&org.id, &id).await?))
}

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

pub async fn settings(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.public_settings(&org.id, &id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerBody {
    #[serde(default)]
    method_name: String,
    #[serde(default)]
    data: Value,
}

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

/// Channel analytics: no provider here reports statistics yet, so `[]` (Postiz's answer for
/// providers without analytics) once the channel is known.
pub async fn analytics(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    ctx.channels.public_channel(&org.id, &id).await?;
    Ok(Json(json!([])))
}

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
        "hasMore": (page + 1) * PAGE < total,
    })))
}

/// AI video generation is not offered by this server.
pub async fn not_offered(ApiKeyOrg(_org): ApiKeyOrg) -> ApiResult<Json<Value>> {
    Err(Error::Refused {
        status: 400,
        msg: "Video generation is not available on this server".into(),
    }
    .into())
}
