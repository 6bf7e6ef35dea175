//! Post routes of the public API, with the hourly limit and `Idempotency-Key` on creation.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use postiz_core::Error;
use postiz_posts::public::PostEdit;
use postiz_posts::request::{date_param, CreatePost};
use postiz_web::{parse_json, ApiError, ApiKeyOrg, ApiResult, JsonBody, JsonBytes, RawJson};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::idempotency::Claim;
use crate::openapi::schemas::{
    CreatePost as CreatePostDoc, CreateRefused, Deleted, MissingItem, Msg, NestError, PostCreated,
    PostEdit as PostEditDoc, PostList, PostStatistics, Refused, SettingsAnswer, StateAnswer,
    Throttled,
};
use crate::Ctx;

type Params = Query<HashMap<String, String>>;

#[utoipa::path(
    get,
    path = "/public/v1/posts",
    operation_id = "listPosts",
    summary = "List posts in a window",
    tag = "posts",
    description = "The organization's posts published or due in a window (both ends included); \
recurring posts once per occurrence. Comments are not listed.",
    params(
        ("startDate" = String, Query, format = DateTime, description = "Window start (ISO 8601)"),
        ("endDate" = String, Query, format = DateTime, description = "Window end (ISO 8601)"),
        ("customer" = Option<String>, Query, description = "Only the channels of this customer"),
    ),
    responses(
        (status = 200, description = "The posts", body = PostList),
        (status = 400, description = "A date is missing or invalid", body = NestError),
    )
)]
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
#[utoipa::path(
    post,
    path = "/public/v1/posts",
    operation_id = "createPosts",
    summary = "Create posts",
    tag = "posts",
    description = "Creates (schedules, drafts, publishes now, or updates) posts: one entry per channel. \
Limited per organization and hour (`API_LIMIT`, 90 by default); every call counts, refused ones too.\n\n\
**Extension:** with an `Idempotency-Key` header, a repeated request (same key, same body) gets \
the first answer again instead of creating the posts twice (for 24 hours).",
    params(
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$",
            description = "**Extension.** 1 to 255 visible ASCII characters; repeats of the same \
request with the same key answer the first result."),
    ),
    request_body = CreatePostDoc,
    responses(
        (status = 201, description = "The created entries, in order", body = [PostCreated],
            headers(
                ("X-RateLimit-Limit" = i64, description = "Calls allowed per hour"),
                ("X-RateLimit-Remaining" = i64, description = "Calls left in this window"),
                ("X-RateLimit-Reset" = i64, description = "Seconds until the window resets"),
            )),
        (status = 400, description = "Invalid body, unknown channel, or a channel refused the post", body = CreateRefused),
        (status = 409, description = "**Extension:** a request with this `Idempotency-Key` is still being processed", body = Refused),
        (status = 413, description = "The body is too large", body = NestError),
        (status = 422, description = "**Extension:** this `Idempotency-Key` was used with another body", body = Msg),
        (status = 429, description = "Hourly limit reached", body = Throttled,
            headers(("Retry-After" = i64, description = "Seconds until the block ends"))),
    )
)]
pub async fn create(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
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

#[utoipa::path(
    get,
    path = "/public/v1/posts/{id}",
    operation_id = "getPost",
    summary = "Get one post (extension)",
    tag = "posts",
    description = "**Extension** (not in Postiz): one post with its real state, error, comments and channel.",
    params(("id" = String, Path, description = "Post id (the main post of an entry)")),
    responses(
        (status = 200, description = "The post", body = Object),
        (status = 404, description = "`{\"msg\": \"Post not found\"}`", body = Msg),
    )
)]
pub async fn one(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.public_post(&org.id, &id).await?))
}

#[utoipa::path(
    put,
    path = "/public/v1/posts/{id}",
    operation_id = "editPost",
    summary = "Edit an unpublished post (extension)",
    tag = "posts",
    description = "**Extension** (not in Postiz): new content and/or date for a post that was not \
published yet (draft, queued or failed); its state does not change. Answers the post as `GET` does.",
    params(("id" = String, Path, description = "Post id")),
    request_body = PostEditDoc,
    responses(
        (status = 200, description = "The changed post", body = Object),
        (status = 400, description = "Invalid body, published post, or the channel refuses the post", body = CreateRefused),
        (status = 404, description = "`{\"msg\": \"Post not found\"}`", body = Msg),
        (status = 409, description = "The post is being published right now", body = NestError),
    )
)]
pub async fn edit(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    JsonBody(edit): JsonBody<PostEdit>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.edit_post(&org.id, &id, edit).await?))
}

#[utoipa::path(
    delete,
    path = "/public/v1/posts/{id}",
    operation_id = "deletePost",
    summary = "Delete a post",
    tag = "posts",
    description = "Deletes the post's whole entry (main post and comments) and cancels its publishing. \
Answers `{\"error\": true}`, as Postiz does.",
    params(("id" = String, Path, description = "Post id")),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 404, description = "`{\"msg\": \"Post not found\"}`", body = Msg),
    )
)]
pub async fn delete(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.delete_post(&org.id, &id).await?))
}

#[utoipa::path(
    delete,
    path = "/public/v1/posts/group/{group}",
    operation_id = "deletePostGroup",
    summary = "Delete a group of posts",
    tag = "posts",
    description = "Deletes every post of a group; `{\"error\": true}`. **Differs from Postiz**: 404 \
when no post of the organization has that group (Postiz answers 200 for any group).",
    params(("group" = String, Path, description = "Group id")),
    responses(
        (status = 200, description = "Deleted", body = Deleted),
        (status = 404, description = "`{\"msg\": \"Post not found\"}`", body = Msg),
    )
)]
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

#[utoipa::path(
    get,
    path = "/public/v1/posts/{id}/missing",
    operation_id = "missingContent",
    summary = "Candidates for a missing release id",
    tag = "posts",
    description = "For a post published without a release id: the network's recent content to pick \
its id from (`[]` when the provider offers none).",
    params(("id" = String, Path, description = "Post id")),
    responses((status = 200, description = "Candidates", body = [MissingItem]))
)]
pub async fn missing(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.missing(&org.id, &id).await?))
}

/// Body of `PUT /public/v1/posts/{id}/release-id`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseBody {
    /// The post's id on the network.
    #[serde(default)]
    release_id: String,
}

#[utoipa::path(
    put,
    path = "/public/v1/posts/{id}/release-id",
    operation_id = "setReleaseId",
    summary = "Connect a post to its release id",
    tag = "posts",
    description = "Records the network's id of a post published without one (release id `missing`); \
answers the post's row.",
    params(("id" = String, Path, description = "Post id")),
    request_body = ReleaseBody,
    responses(
        (status = 200, description = "The post", body = Object),
        (status = 400, description = "Empty id, or the post's release id is not missing", body = NestError),
        (status = 404, description = "`{\"msg\": \"Post not found\"}`", body = Msg),
    )
)]
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

/// Body of `PUT /public/v1/posts/{id}/status`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusBody {
    /// `draft` takes the post out of the queue; `schedule` queues it.
    #[serde(default)]
    #[schema(value_type = crate::openapi::schemas::StatusValue)]
    status: String,
}

#[utoipa::path(
    put,
    path = "/public/v1/posts/{id}/status",
    operation_id = "setPostStatus",
    summary = "Draft or queue a post",
    tag = "posts",
    description = "Makes a post a draft, or queues it (a failed post is retried).",
    params(("id" = String, Path, description = "Post id")),
    request_body = StatusBody,
    responses(
        (status = 200, description = "`{id, state}`", body = StateAnswer),
        (status = 400, description = "Invalid status, unknown or published post, or the channel refuses it", body = CreateRefused),
        (status = 409, description = "The post is being published right now", body = NestError),
    )
)]
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

/// Body of `PUT /public/v1/posts/{id}/settings`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SettingsBody {
    /// Keys merged into the post's provider settings.
    #[serde(default)]
    #[schema(value_type = Object)]
    settings: Value,
}

#[utoipa::path(
    put,
    path = "/public/v1/posts/{id}/settings",
    operation_id = "mergePostSettings",
    summary = "Change a post's provider settings",
    tag = "posts",
    description = "Merges keys into the provider settings of a queued post or a draft.",
    params(("id" = String, Path, description = "Post id")),
    request_body = SettingsBody,
    responses(
        (status = 200, description = "`{postId, publishDate}`", body = SettingsAnswer),
        (status = 400, description = "Invalid settings, or the post cannot change", body = NestError),
        (status = 404, description = "Unknown post", body = NestError),
    )
)]
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

/// Post analytics: `{"missing": true}` for a post published without a release id, else its
/// statistics read from the network (kept an hour).
#[utoipa::path(
    get,
    path = "/public/v1/analytics/post/{id}",
    operation_id = "postAnalytics",
    summary = "Post statistics",
    tag = "posts",
    description = "The post's statistics: `[{label, percentageChange, data: [{total, date}]}]` (`[]` \
before it is published or for providers without statistics), or `{\"missing\": true}` for a post \
published without a release id.",
    params(
        ("id" = String, Path, description = "Post id"),
        ("date" = Option<String>, Query, description = "Days to look back"),
    ),
    responses((status = 200, description = "The statistics", body = PostStatistics))
)]
pub async fn analytics(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    Path(id): Path<String>,
    Query(q): Query<crate::channels::DateQuery>,
) -> ApiResult<Json<Value>> {
    let days = postiz_integrations::stats::days_of(q.date.as_deref());
    Ok(Json(
        ctx.module.posts.post_analytics(&org.id, &id, days).await?,
    ))
}
