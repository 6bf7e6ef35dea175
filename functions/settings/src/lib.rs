//! The `settings` function: saved post sets (`/sets`), signatures (`/signatures`), the
//! organization's short-link preference (`/settings/shortlink`) and the platform's
//! announcements (`/announcements`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use postiz_settings::Settings;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::Value;

/// Sets, signatures and announcements on the app's table and clock (two pointers: made per
/// request).
pub fn settings(app: &AppState) -> Settings {
    Settings::new(app.adapters.table.clone(), app.adapters.clock.clone())
}

/// The routes of this function.
pub fn router() -> Router<AppState> {
    routes().into_router()
}

/// A saved post set.
const SET: &str = "{id: string, organizationId: string, name: string, content: string, \
    createdAt: string, updatedAt: string}";

/// A signature (`deletedAt` is null while it is live).
const SIGNATURE: &str = "{id: string, organizationId: string, content: string, \
    autoAdd: boolean, createdAt: string, updatedAt: string, deletedAt: string | null}";

/// An announcement.
const ANNOUNCEMENT: &str = "{id: string, title: string, description: string, \
    color: 'INFO' | 'WARNING' | 'ERROR', createdAt: string}";

/// A short-link preference.
const SHORTLINK: &str = "('ASK' | 'YES' | 'NO')";

/// The id of the row written.
const ID: &str = "{id: string}";

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<AppState> {
    Documented::new("internal-settings")
        .get("/sets", "Saved post sets, newest first", sets)
        .answers(format!("{SET}[]"))
        .post(
            "/sets",
            "Save a post set (new, or `id` to replace)",
            save_set,
        )
        .answers(ID)
        .put("/sets", "Replace a post set", save_set)
        .answers(ID)
        .delete("/sets/{id}", "Delete a post set", delete_set)
        .answers(SET)
        .get("/signatures", "The organization's signatures", signatures)
        .answers(format!("{SIGNATURE}[]"))
        .get(
            "/signatures/default",
            "The signature added to new posts, or {}",
            default_signature,
        )
        .answers(format!("{SIGNATURE} | {{}}"))
        .post("/signatures", "Add a signature", create_signature)
        .answers(ID)
        .put("/signatures/{id}", "Edit a signature", update_signature)
        .answers(ID)
        .delete("/signatures/{id}", "Delete a signature", delete_signature)
        .answers(SIGNATURE)
        .get(
            "/settings/shortlink",
            "Whether the editor offers to shorten links",
            shortlink,
        )
        .answers(format!("{{shortlink: {SHORTLINK}}}"))
        .post(
            "/settings/shortlink",
            "Change the short-link preference (admins)",
            set_shortlink,
        )
        .answers(format!(
            "{{id: string, name: string, description: string | null, shortlink: {SHORTLINK}, \
             allowTrial: boolean, isTrailing: boolean, createdAt: string, updatedAt: string}}"
        ))
        .get(
            "/announcements",
            "The platform's announcements",
            announcements,
        )
        .answers(format!("{ANNOUNCEMENT}[]"))
        .post(
            "/announcements",
            "Publish an announcement (platform administrators)",
            create_announcement,
        )
        .answers(ANNOUNCEMENT)
        .delete(
            "/announcements/{id}",
            "Remove an announcement (platform administrators)",
            delete_announcement,
        )
        .answers(ANNOUNCEMENT)
}

/// A 201 answer, as Nest gives every POST.
type Created = (StatusCode, Json<Value>);

async fn sets(State(app): State<AppState>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(settings(&app).sets(&s.org.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SetBody {
    id: Option<String>,
    name: Option<String>,
    content: Option<String>,
}

async fn save_set(
    State(app): State<AppState>,
    Authed(s): Authed,
    method: axum::http::Method,
    JsonBody(b): JsonBody<SetBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let saved = settings(&app)
        .save_set(&s.org.id, b.id, b.name, b.content)
        .await?;
    let status = if method == axum::http::Method::POST {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved)))
}

async fn delete_set(
    State(app): State<AppState>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(settings(&app).delete_set(&s.org.id, &id).await?))
}

async fn signatures(State(app): State<AppState>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(settings(&app).signatures(&s.org.id).await?))
}

async fn default_signature(
    State(app): State<AppState>,
    Authed(s): Authed,
) -> ApiResult<Json<Value>> {
    Ok(Json(settings(&app).default_signature(&s.org.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct SignatureBody {
    content: Option<String>,
    auto_add: Option<bool>,
}

async fn create_signature(
    State(app): State<AppState>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<SignatureBody>,
) -> ApiResult<Created> {
    let saved = settings(&app)
        .save_signature(&s.org.id, None, b.content, b.auto_add)
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn update_signature(
    State(app): State<AppState>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<SignatureBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        settings(&app)
            .save_signature(&s.org.id, Some(&id), b.content, b.auto_add)
            .await?,
    ))
}

async fn delete_signature(
    State(app): State<AppState>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(settings(&app).delete_signature(&s.org.id, &id).await?))
}

async fn shortlink(State(app): State<AppState>, Authed(s): Authed) -> Json<Value> {
    Json(app.accounts.shortlink(&s))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ShortlinkBody {
    shortlink: Option<String>,
}

async fn set_shortlink(
    State(app): State<AppState>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<ShortlinkBody>,
) -> ApiResult<Created> {
    let org = app
        .accounts
        .set_shortlink(&s, b.shortlink.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(org)))
}

async fn announcements(State(app): State<AppState>, Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(settings(&app).announcements().await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AnnouncementBody {
    title: Option<String>,
    description: Option<String>,
    color: Option<String>,
}

async fn create_announcement(
    State(app): State<AppState>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<AnnouncementBody>,
) -> ApiResult<Created> {
    let row = settings(&app)
        .create_announcement(s.user.is_super_admin, b.title, b.description, b.color)
        .await?;
    Ok((StatusCode::CREATED, Json(row)))
}

async fn delete_announcement(
    State(app): State<AppState>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        settings(&app)
            .delete_announcement(s.user.is_super_admin, &id)
            .await?,
    ))
}
