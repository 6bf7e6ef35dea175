//! The `autopost` function: an organization's RSS/Atom feeds (the rules are in
//! `postiz-autopost`; the runs are the `autopost-worker` function's).
//!
//! | route | what |
//! |---|---|
//! | `GET /autopost` | the list (Postiz's rows, with the last run) |
//! | `POST /autopost` | add → `{id, active}`; an active feed runs at once |
//! | `PUT /autopost/:id` | edit → `{id, active}` |
//! | `DELETE /autopost/:id` | delete |
//! | `POST /autopost/:id/active` | switch on (runs at once) or off → the row |
//! | `POST /autopost/send?url=` | the feed's newest item → `{success, date, url, description}` |

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_autopost::{AutopostInput, AutopostService};
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::dto::{channel_ids, ChannelRef};
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

/// The services behind [`Ctx`].
pub struct Services {
    app: AppState,
    autopost: AutopostService,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.0.app.clone()
    }
}

impl Ctx {
    /// Builds the services from the app state.
    pub fn new(app: &AppState) -> Self {
        let a = &app.adapters;
        Self(Arc::new(Services {
            app: app.clone(),
            autopost: AutopostService::new(a.table.clone(), a.queue.clone(), a.clock.clone()),
        }))
    }

    fn autopost(&self) -> &AutopostService {
        &self.0.autopost
    }
}

/// The routes of this function.
pub fn router(ctx: Ctx) -> axum::Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// The fields of a feed's row as Postiz returns it (`postiz_autopost::service::view`);
/// `integrations` is the JSON text of `[{id}]`.
const ROW_FIELDS: &str = "id: string, organizationId: string, title: string, \
                          content: string | null, onSlot: boolean, syncLast: boolean, \
                          url: string, lastUrl: string | null, active: boolean, \
                          addPicture: boolean, generateContent: boolean, integrations: string, \
                          createdAt: string, updatedAt: string, deletedAt: string | null";

/// The answer of an added or edited feed.
const SAVED: &str = "{id: string, active: boolean}";

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    Documented::new("internal-autopost")
        .get("/autopost", "The organization's RSS feeds", list)
        .answers(format!(
            "{{{ROW_FIELDS}, lastRunAt: string | null, lastError: string | null, \
             drafts: integer}}[]"
        ))
        .post("/autopost", "Add an RSS feed", create)
        .answers(SAVED)
        .put("/autopost/{id}", "Edit an RSS feed", update)
        .answers(SAVED)
        .delete("/autopost/{id}", "Delete an RSS feed", delete)
        .answers(format!("{{{ROW_FIELDS}}}"))
        .post(
            "/autopost/{id}/active",
            "Switch an RSS feed on or off",
            set_active,
        )
        .answers(format!("{{{ROW_FIELDS}}}"))
        .post("/autopost/send", "Read a feed's newest item", test)
        // `{success: false, message}` when the feed cannot be read.
        .answers(
            "{success: boolean, date?: string | null, url?: string, description?: string, \
             message?: string}",
        )
}

/// `AutopostDto`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AutopostBody {
    title: Option<String>,
    content: Option<String>,
    url: Option<String>,
    last_url: Option<String>,
    on_slot: Option<bool>,
    sync_last: Option<bool>,
    active: Option<bool>,
    add_picture: Option<bool>,
    generate_content: Option<bool>,
    integrations: Option<Vec<ChannelRef>>,
}

impl From<AutopostBody> for AutopostInput {
    fn from(b: AutopostBody) -> Self {
        AutopostInput {
            title: b.title,
            content: b.content,
            url: b.url,
            last_url: b.last_url,
            on_slot: b.on_slot,
            sync_last: b.sync_last,
            active: b.active,
            add_picture: b.add_picture,
            generate_content: b.generate_content,
            integrations: channel_ids(b.integrations),
        }
    }
}

async fn list(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.autopost().list(&s.org.id).await?))
}

async fn create(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<AutopostBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let answer = ctx.autopost().create(&s.org.id, b.into()).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn update(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AutopostBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.autopost().update(&s.org.id, &id, b.into()).await?))
}

async fn delete(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.autopost().delete(&s.org.id, &id).await?))
}

/// `{active}`.
#[derive(Deserialize, utoipa::ToSchema)]
struct ActiveBody {
    active: Option<bool>,
}

async fn set_active(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ActiveBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let Some(active) = b.active else {
        return Err(Error::invalid("active must be a boolean value").into());
    };
    let row = ctx.autopost().set_active(&s.org.id, &id, active).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Deserialize)]
struct TestQuery {
    url: Option<String>,
}

async fn test(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    Query(q): Query<TestQuery>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let url = q.url.unwrap_or_default();
    if url.trim().is_empty() {
        return Err(Error::invalid("url should not be empty").into());
    }
    Ok((StatusCode::CREATED, Json(ctx.autopost().test(&url).await?)))
}
