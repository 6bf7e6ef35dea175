//! Post routes of the public API, with the hourly limit and `Idempotency-Key` on creation.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use postiz_core::Error;
use postiz_posts::public::PostEdit;
use postiz_posts::request::{parse_date, CreatePost};
use postiz_web::{parse_json, ApiError, ApiKeyOrg, ApiResult, JsonBody, RawBody, RawJson};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::idempotency::Claim;
use crate::Ctx;

type Params = Query<HashMap<String, String>>;

fn date_param(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<chrono::DateTime<chrono::Utc>, Error> {
    q.get(name)
        .and_then(|v| parse_date(v))
        .ok_or_else(|| Error::invalid(format!("{name} must be a valid ISO 8601 date string")))
}

pub async fn list(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Query(q): Params,
) -> ApiResult<RawJson> {
    let start = date_param(&q, "startDate")?;
    let end = date_param(&q, "endDate")?;
    let customer = q
        .get("customer")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    Ok(RawJson(
        ctx.module
            .posts
            .public_list(&org.id, start, end, customer)
            .await?,
    ))
}

/// `POST /public/v1/posts`: counted against the hourly limit before anything else (as in
/// Postiz, refused bodies count too); the limit headers go on every answer.
pub async fn create(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Response {
    let verdict = match ctx.limiter.hit(&org.id).await {
        Ok(v) => v,
        Err(e) => return ApiError(e).into_response(),
    };
    let mut res = if verdict.blocked {
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"statusCode": 429, "message": "ThrottlerException: Too Many Requests"})),
        )
            .into_response()
    } else {
        let key = headers
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap_or("\u{0}").to_string());
        match create_once(&ctx, &org.id, key.as_deref(), &body).await {
            Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
            Err(e) => ApiError(e).into_response(),
        }
    };
    res.headers_mut().extend(verdict.headers());
    res
}

async fn create_once(ctx: &Ctx, org: &str, key: Option<&str>, body: &[u8]) -> Result<Value, Error> {
    let Some(key) = key else {
        return create_posts(ctx, org, body).await;
    };
    if let Claim::Replay(v) = ctx.idempotency.claim(org, key, body).await? {
        return Ok(v);
    }
    match create_posts(ctx, org, body).await {
        Ok(v) => {
            ctx.idempotency.complete(org, key, &v).await?;
            Ok(v)
        }
        Err(e) => {
            if let Err(release) = ctx.idempotency.release(org, key).await {
                tracing::warn!(error = %release, "could not free an idempotency key");
            }
            Err(e)
        }
    }
}

async fn create_posts(ctx: &Ctx, org: &str, body: &[u8]) -> Result<Value, Error> {
    let mut req: CreatePost = parse_json(body)?;
    ctx.module.posts.prepare_public(org, &mut req).await?;
    let method = match req.creation_method.as_deref() {
        Some("CLI") => "CLI",
        _ => "API",
    };
    ctx.module.posts.create(org, req, method).await
}

pub async fn one(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.public_post(&org.id, &id).await?))
}

pub async fn edit(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    JsonBody(edit): JsonBody<PostEdit>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.edit_post(&org.id, &id, edit).await?))
}

pub async fn delete(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.delete_post(&org.id, &id).await?))
}

pub async fn delete_group(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(group): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module
            .posts
            .delete_public_group(&org.id, &group)
            .await?,
    ))
}

pub async fn missing(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.missing(&org.id, &id).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseBody {
    #[serde(default)]
    release_id: String,
}

pub async fn release_id(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ReleaseBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module
            .posts
            .set_release_id(&org.id, &id, &b.release_id)
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct StatusBody {
    #[serde(default)]
    status: String,
}

pub async fn status(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<StatusBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module.posts.set_status(&org.id, &id, &b.status).await?,
    ))
}

#[derive(Deserialize)]
pub struct SettingsBody {
    #[serde(default)]
    settings: Value,
}

pub async fn settings(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SettingsBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module
            .posts
            .merge_settings(&org.id, &id, &b.settings)
            .await?,
    ))
}

/// Post analytics: `{"missing": true}` for a post published without a release id, else `[]`
/// (no provider here reports statistics yet).
pub async fn analytics(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let missing = match ctx.module.posts.repo.get(&org.id, &id).await? {
        Some(p) if p.deleted_at.is_none() => p.root().release_id.as_deref() == Some("missing"),
        _ => false,
    };
    Ok(Json(if missing {
        json!({"missing": true})
    } else {
        json!([])
    }))
}
