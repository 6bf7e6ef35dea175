//! The `posts` function: create/edit/schedule/draft posts, validation, the calendar and list
//! views, threads by id or group, rescheduling, deletion, free slots, tags and internal
//! comments (`/posts*`).

mod pending;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use chrono::Duration;
use postiz_core::Error;
use postiz_integrations::Channels;
use postiz_posts::request::{date_param, parse_date, ChannelPost, CreatePost};
use postiz_posts::{LocalGate, PostsModule, PublisherConfig};
use postiz_web::documented::Documented;
use postiz_web::http::BODY_LIMIT;
use postiz_web::{ApiResult, AppState, Authed, JsonBody, RawJson};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

impl std::ops::Deref for Ctx {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind [`Ctx`] (one `Arc`: a request clones one pointer).
pub struct Services {
    app: AppState,
    /// Posts, dispatcher, scheduler and publisher on the app's ports.
    pub module: PostsModule,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

/// Posts due within this many seconds are sent to the queue when saved
/// (`PUBLISH_HORIZON_SECONDS`, default 90: a little more than the scheduler's period).
pub fn horizon() -> Duration {
    Duration::seconds(
        std::env::var("PUBLISH_HORIZON_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(90),
    )
}

/// The posts module on the app's ports, with providers configured from the environment and
/// the app's secrets, and the given concurrency gate.
pub async fn module(app: &AppState, gate: Arc<dyn postiz_posts::Gate>) -> PostsModule {
    module_with(app, gate, false).await
}

/// The module for the publishing jobs: like [`module`], with notices also emailed to the
/// members (published posts in their digest, failures at once) and posting streaks kept.
pub async fn publishing_module(app: &AppState, gate: Arc<dyn postiz_posts::Gate>) -> PostsModule {
    module_with(app, gate, true).await
}

async fn module_with(app: &AppState, gate: Arc<dyn postiz_posts::Gate>, mail: bool) -> PostsModule {
    let a = &app.adapters;
    let own_media = postiz_media::MediaUrls::from_env(a.blobs.clone()).recogniser();
    let providers =
        postiz_integrations::providers_from_secrets(a.secrets.clone(), Some(own_media)).await;
    let mut channels = Channels::on_table(
        a.table.clone(),
        providers,
        app.keys.clone(),
        a.clock.clone(),
    );
    if mail {
        channels = channels.with_mailer(a.mailer.clone());
    }
    PostsModule::new(
        a.table.clone(),
        a.queue.clone(),
        Arc::new(channels),
        a.clock.clone(),
        gate,
        horizon(),
        PublisherConfig::default(),
    )
}

impl Ctx {
    /// Builds the services.
    pub async fn new(app: &AppState) -> Self {
        Self::with_module(app, module(app, Arc::new(LocalGate::default())).await)
    }

    /// With an already wired module (the local server shares one with its jobs).
    pub fn with_module(app: &AppState, module: PostsModule) -> Self {
        Self(Arc::new(Services {
            app: app.clone(),
            module,
        }))
    }
}

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// A post's state.
const STATE: &str = "'QUEUE' | 'PUBLISHING' | 'PUBLISHED' | 'ERROR' | 'DRAFT'";

/// A calendar or list entry with Postiz's minified keys (`calendar::Minified`); `ad` only on
/// an occurrence of a repeating post.
fn minified() -> String {
    format!(
        "{{i: string, c: string, d: string, u: string | null, ri: string | null, s: {STATE}, \
         g: string, tg: {{t: {{i: string, n: string, c: string, o: string, ca: string, \
         ua: string, da: string | null}}}}[], n: {{i: string, pi: string, n: string, \
         p: string | null}}, iv: integer | null, cm: string, ad?: string}}"
    )
}

/// An attached media (`MediaRef`).
const MEDIA: &str =
    "{id: string, path: string, alt?: string, thumbnail?: string, thumbnailTimestamp?: number}";

/// The fields of a thread's row (`views::thread`) but its `image`.
fn row_fields() -> String {
    format!(
        "id: string, content: string, publishDate: string, group: string, \
         parentPostId: string | null, delay: integer, settings: string, state: {STATE}, \
         releaseURL: string | null, releaseId: string | null, integrationId: string, \
         organizationId: string, intervalInDays: integer | null, creationMethod: string, \
         error: string | null, createdAt: string, updatedAt: string, deletedAt: string | null"
    )
}

/// A row of a thread, with its media (and, on the first row of a post's thread, its tags).
fn thread_row() -> String {
    format!(
        "{{{}, image: {MEDIA}[], tags?: {{tag: {TAG}}}[]}}",
        row_fields()
    )
}

/// A post's thread (`views::thread`: `GET /posts/:id`, `GET /posts/group/:group`).
fn thread_shape() -> String {
    format!(
        "{{group: string, posts: {}[], integrationPicture: string | null, \
         integration: string, settings: object}}",
        thread_row()
    )
}

/// A tag (`views::tag`).
const TAG: &str = "{id: string, name: string, color: string, orgId: string, \
                   createdAt: string, updatedAt: string, deletedAt: string | null}";

/// An internal comment (`views::comment`).
const COMMENT: &str = "{id: string, content: string, postId: string, organizationId: string, \
                       userId: string, createdAt: string, updatedAt: string, deletedAt: null}";

/// A verdict of `POST /posts/valid`: `errors` is `true` or the provider's message.
const VERDICT: &str = "{id: string, identifier: string, name: string, valid: boolean, \
                       settingsError: string | null, errors: boolean | string, \
                       emptyContent: boolean, tooLong: boolean, maximumCharacters: integer}";

/// The next free posting time (`YYYY-MM-DDTHH:mm:00`, UTC).
const SLOT: &str = "{date: string}";

/// A row of the old-posts picker (`Posts::old_posts`).
fn old_post() -> String {
    format!(
        "{{id: string, content: string, publishDate: string, releaseURL: string | null, \
         state: {STATE}, integration: {{id: string, name: string, providerIdentifier: string, \
         picture: string, type: 'social'}}}}"
    )
}

/// A row of a public preview: a thread's row with `image` as JSON text and its channel.
fn preview_row() -> String {
    format!(
        "{{{}, image: string, integration: {{id: string, name: string, picture: string, \
         providerIdentifier: string, profile: string | null}}}}",
        row_fields()
    )
}

/// The debug export: a body `POST /posts` takes, with what went wrong under `_debug`.
fn debug_export_shape() -> String {
    format!(
        "{{type: 'draft' | 'schedule', date: string, shortLink: boolean, \
         tags: {{value: string, label: string}}[], \
         posts: {{integration: {{id: string}}, group: string, settings: object, \
         value: {{id: string, content: string, delay: integer, image: {MEDIA}[]}}[]}}[], \
         _debug: {{postId: string, state: {STATE}, error: string | null, \
         releaseURL: string | null, releaseId: string | null, publishDate: string, \
         creationMethod: string, provider: string | null, channelName: string | null, \
         thread: {}}}}}",
        thread_shape()
    )
}

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    let d = Documented::new("internal-posts")
        .get(
            "/posts",
            "Calendar: the posts of a window (minified keys)",
            calendar,
        )
        .answers(format!("{{p: {}[]}}", minified()))
        .post(
            "/posts",
            "Create, edit, schedule or draft a group of posts",
            create,
        )
        .limit(BODY_LIMIT)
        .answers("{postId: string, integration: string}[]")
        .get("/posts/list", "Posts by state, paginated", list)
        .answers(format!(
            "{{p: {}[], t: integer, pg: integer, l: integer, hm: boolean}}",
            minified()
        ))
        .post("/posts/valid", "Check posts without saving them", valid)
        .limit(BODY_LIMIT)
        .answers(format!("{VERDICT}[]"))
        .post(
            "/posts/should-shortlink",
            "Whether the content has links to shorten",
            should_shortlink,
        )
        .answers("{ask: boolean}")
        .get("/posts/find-slot", "The next free posting time", find_slot)
        .answers(SLOT)
        .get(
            "/posts/find-slot/{id}",
            "The next free posting time of a channel",
            find_slot_for,
        )
        .answers(SLOT)
        .get("/posts/tags", "The organization's tags", tags)
        .answers(format!("{{tags: {TAG}[]}}"))
        .post("/posts/tags", "Create a tag", create_tag)
        .answers(TAG)
        .put("/posts/tags/{id}", "Edit a tag", edit_tag)
        .answers(TAG)
        .delete("/posts/tags/{id}", "Delete a tag", delete_tag)
        .answers(TAG)
        .get("/posts/group/{group}", "The posts of a group", group)
        .answers(thread_shape())
        .get(
            "/posts/group/{group}/debug-export",
            "A group as a re-importable body, with its errors (platform administrators)",
            debug_export,
        )
        .answers(debug_export_shape())
        .get(
            "/posts/old",
            "Posts dated before a date, newest first (the post picker)",
            old_posts,
        )
        .answers(format!("{}[]", old_post()))
        .get(
            "/posts/{id}/statistics",
            "Clicks on the post's short links",
            statistics,
        )
        .answers("{clicks: {short: string, original: string, clicks: integer}[]}")
        .get(
            "/posts/{id}/missing",
            "Candidates for a missing release id",
            missing,
        )
        .answers("{id: string, url: string}[]")
        .put(
            "/posts/{id}/release-id",
            "Record the network's id of a post published without one",
            release_id,
        )
        .answers(thread_row())
        .get(
            "/public/posts/{id}",
            "A post's public preview (the id is the link)",
            preview,
        )
        .open()
        .answers(format!("{}[]", preview_row()))
        .get(
            "/public/posts/{id}/comments",
            "The comments of a post's public preview",
            preview_comments,
        )
        .open()
        .answers(format!("{{comments: {COMMENT}[]}}"))
        .get(
            "/l/{code}",
            "A built-in short link: a redirect to its URL (the click is counted)",
            follow_short_link,
        )
        .open()
        .answers_with(302, "empty")
        .get("/posts/{id}", "One post with its thread", thread)
        .answers(thread_shape())
        .delete(
            "/posts/{id}",
            "Delete a group of posts (by group id)",
            delete_group,
        )
        .answers("{error: boolean}")
        .put(
            "/posts/{id}/date",
            "Move a post to another date",
            change_date,
        )
        .answers(thread_shape())
        .post(
            "/posts/{id}/comments",
            "Add an internal comment",
            add_comment,
        )
        .answers(COMMENT);
    pending::routes(d)
}

type Params = Query<HashMap<String, String>>;

/// A 201 answer, as Nest gives every POST.
type Created = (StatusCode, Json<Value>);

async fn calendar(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
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
            .calendar(&s.org.id, start, end, customer)
            .await?,
    ))
}

async fn list(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    let num = |name: &str, default: usize| -> Result<usize, Error> {
        match q.get(name).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| Error::invalid(format!("{name} must be a non-negative integer"))),
        }
    };
    let (page, limit) = (num("page", 0)?, num("limit", 20)?);
    if !(1..=100).contains(&limit) {
        return Err(Error::invalid("limit must be between 1 and 100").into());
    }
    let state = q.get("state").map(String::as_str).unwrap_or("all");
    let customer = q
        .get("customer")
        .map(String::as_str)
        .filter(|c| !c.is_empty());
    Ok(Json(
        ctx.module
            .posts
            .list(&s.org.id, page, limit, state, customer)
            .await?,
    ))
}

async fn create(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(body): JsonBody<CreatePost>,
) -> ApiResult<Created> {
    Ok((
        StatusCode::CREATED,
        Json(ctx.module.posts.create(&s.org.id, body, "WEB").await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ValidBody {
    #[serde(default)]
    posts: Vec<ChannelPost>,
}

async fn valid(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(body): JsonBody<ValidBody>,
) -> ApiResult<Created> {
    Ok((
        StatusCode::CREATED,
        Json(ctx.module.posts.validate(&s.org.id, &body.posts).await?),
    ))
}

/// `{messages: [..]}` of `POST /posts/should-shortlink`.
#[derive(Deserialize, utoipa::ToSchema)]
struct ShouldShortlink {
    #[serde(default)]
    messages: Vec<String>,
}

/// Whether to ask the user about shortening the links of these messages: a shortener is
/// configured and some link is not short yet.
async fn should_shortlink(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    JsonBody(body): JsonBody<ShouldShortlink>,
) -> Created {
    let ask = ctx.module.posts.short_links.should_ask(&body.messages);
    (StatusCode::CREATED, Json(serde_json::json!({ "ask": ask })))
}

/// `GET /l/:code`: 302 to the link's URL, counting the click (not for crawlers fetching a
/// preview, nor for `HEAD`); 404 for a code that is not a built-in link.
async fn follow_short_link(
    State(ctx): State<Ctx>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let repo = ctx.module.posts.short_links.repo();
    let Some(link) = repo.code(&code).await? else {
        return Err(Error::NotFound("Short link not found".into()).into());
    };
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if method == axum::http::Method::GET && !postiz_shortlinks::builtin::is_crawler(agent) {
        if let Err(e) = repo.count_click(&link.code).await {
            tracing::warn!(error = %e, "a short link click was not counted");
        }
    }
    Ok((
        StatusCode::FOUND,
        [
            (axum::http::header::LOCATION, link.url),
            (axum::http::header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response())
}

async fn find_slot(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.find_slot(&s.org.id, None).await?))
}

async fn find_slot_for(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module.posts.find_slot(&s.org.id, Some(&id)).await?,
    ))
}

async fn tags(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.tags(&s.org.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TagBody {
    name: String,
    #[serde(default)]
    color: String,
}

async fn create_tag(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<TagBody>,
) -> ApiResult<Created> {
    Ok((
        StatusCode::CREATED,
        Json(
            ctx.module
                .posts
                .create_tag(&s.org.id, &b.name, &b.color)
                .await?,
        ),
    ))
}

async fn edit_tag(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<TagBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module
            .posts
            .edit_tag(&s.org.id, &id, &b.name, &b.color)
            .await?,
    ))
}

async fn delete_tag(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.delete_tag(&s.org.id, &id).await?))
}

async fn group(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(group): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.group(&s.org.id, &group).await?))
}

async fn thread(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.thread(&s.org.id, &id).await?))
}

async fn delete_group(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(group): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module.posts.delete_group(&s.org.id, &group).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct DateBody {
    date: String,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    republish: Option<bool>,
}

async fn change_date(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<DateBody>,
) -> ApiResult<Json<Value>> {
    let date = parse_date(&b.date)
        .ok_or_else(|| Error::invalid("date must be a valid ISO 8601 date string"))?;
    let action = b.action.as_deref().unwrap_or("update");
    Ok(Json(
        ctx.module
            .posts
            .change_date(&s.org.id, &id, date, action, b.republish.unwrap_or(false))
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CommentBody {
    comment: String,
}

async fn add_comment(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<CommentBody>,
) -> ApiResult<Created> {
    let comment = ctx
        .module
        .posts
        .add_comment(&s.org.id, &s.user.id, &id, &b.comment)
        .await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

async fn debug_export(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(group): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module
            .posts
            .debug_export(&s.org.id, &group, s.user.is_super_admin)
            .await?,
    ))
}

async fn old_posts(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    let date = date_param(&q, "date")?;
    Ok(Json(ctx.module.posts.old_posts(&s.org.id, date).await?))
}

async fn statistics(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.statistics(&s.org.id, &id).await?))
}

async fn missing(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.missing(&s.org.id, &id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ReleaseIdBody {
    #[serde(default)]
    release_id: String,
}

async fn release_id(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ReleaseIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        ctx.module
            .posts
            .set_release_id(&s.org.id, &id, &b.release_id)
            .await?,
    ))
}

async fn preview(State(ctx): State<Ctx>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.preview(&id).await?))
}

async fn preview_comments(
    State(ctx): State<Ctx>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.preview_comments(&id).await?))
}
