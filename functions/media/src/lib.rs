//! The `media` function: the media library routes (`/media*`).
//!
//! Postiz's routes: `GET /media?page&search`, `POST /media/upload-server`,
//! `POST /media/upload-simple` (`preventSave=true` → only `{path}`), `POST /media/information`,
//! `DELETE /media/:id`. Ours, for files too big for a request body: `POST /media/create-upload`
//! `{name?, contentType?, size}` → `{uploadId, key, url, contentType}` (PUT the bytes to `url`
//! with that `Content-Type` within an hour), then `POST /media/complete-upload` `{key}` → the
//! media row.
//!
//! Upload bodies may reach 1 GiB + 1 MiB (the video cap): locally, videos of any accepted size
//! go through `upload-server`; an image body stops being kept past 10 MiB. In Lambda the API
//! Gateway caps bodies at ~6 MB, so big files take the presigned flow.

pub mod multipart;
mod pending;
mod stream;

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use postiz_core::Error;
use postiz_media::{InfoUpdate, MediaService, VIDEO_MAX};
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub use multipart::{file_field, UploadForm};

/// The largest upload request body: the video cap plus room for the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = VIDEO_MAX as usize + 1024 * 1024;

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
    /// The media library.
    pub media: MediaService,
    /// Fetches outside videos for the preview stream.
    pub fetcher: postiz_fetch::GuardedFetcher,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.app.clone()
    }
}

/// The media library on the app's ports ([`MediaService::with_env_urls`]).
pub fn media_service(app: &AppState) -> MediaService {
    let a = &app.adapters;
    MediaService::with_env_urls(a.table.clone(), a.blobs.clone(), a.clock.clone())
}

impl Ctx {
    /// Builds the services.
    pub async fn new(app: &AppState) -> Self {
        Self(Arc::new(Services {
            app: app.clone(),
            media: media_service(app),
            fetcher: stream::video_fetcher(),
        }))
    }
}

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// A library entry (`GET /media` results, `POST /media/information`).
pub const LIBRARY_ITEM: &str =
    "{id: string, name: string, originalName: string | null, path: string, \
     thumbnail: string | null, alt: string | null, thumbnailTimestamp: number | null}";

/// The whole media record (uploads, deletion).
pub const MEDIA_ROW: &str =
    "{id: string, name: string, originalName: string | null, path: string, \
     organizationId: string, thumbnail: string | null, thumbnailTimestamp: number | null, \
     alt: string | null, fileSize: integer, type: 'image' | 'video', createdAt: string, \
     updatedAt: string, deletedAt: string | null}";

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    let d = Documented::new("internal-media")
        .get(
            "/media",
            "The media library, paginated, with search",
            library,
        )
        .answers(format!("{{pages: integer, results: {LIBRARY_ITEM}[]}}"))
        .post(
            "/media/upload-server",
            "Upload a file (multipart)",
            upload_server,
        )
        .limit(UPLOAD_BODY_LIMIT)
        .answers(MEDIA_ROW)
        .post(
            "/media/upload-simple",
            "Upload a file (multipart, simple answer)",
            upload_simple,
        )
        .limit(UPLOAD_BODY_LIMIT)
        .answers(format!("{MEDIA_ROW} | {{path: string}}"))
        .post(
            "/media/information",
            "Alt text and thumbnail of a file",
            information,
        )
        .answers(LIBRARY_ITEM)
        .post(
            "/media/create-upload",
            "Presigned upload for a big file",
            create_upload,
        )
        .answers("{uploadId: string, key: string, url: string, contentType: string}")
        .post(
            "/media/complete-upload",
            "Finish a presigned upload (checked)",
            complete_upload,
        )
        .answers(MEDIA_ROW)
        .delete("/media/{id}", "Delete a file", remove)
        .answers(MEDIA_ROW)
        .get(
            "/public/stream",
            "A video for the preview, from our media or a public .mp4 URL",
            stream::stream,
        )
        .open()
        .answers("text");
    pending::routes(d)
}

/// A 201 answer, as Nest gives every POST.
type Created = (StatusCode, Json<Value>);

fn created(v: impl serde::Serialize) -> Created {
    (StatusCode::CREATED, Json(json!(v)))
}

async fn library(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let page = match q.get("page").map(|p| p.trim()).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .map_err(|_| Error::invalid("page must be a positive integer"))?,
    };
    let search = q.get("search").map(String::as_str);
    Ok(Json(json!(
        ctx.media.library(&s.org.id, page, search).await?
    )))
}

async fn upload_server(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    form: UploadForm,
) -> ApiResult<Created> {
    ctx.media.admit_upload(&s.org.id).await?;
    let m = ctx
        .media
        .upload(&s.org.id, form.file_name.as_deref(), form.bytes)
        .await?;
    Ok(created(m.row()))
}

async fn upload_simple(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Query(q): Query<HashMap<String, String>>,
    form: UploadForm,
) -> ApiResult<Created> {
    ctx.media.admit_upload(&s.org.id).await?;
    let prevent = |v: Option<&String>| v.is_some_and(|v| v == "true");
    if prevent(q.get("preventSave")) || prevent(form.fields.get("preventSave")) {
        let file = ctx.media.store(form.bytes).await?;
        return Ok(created(json!({ "path": file.path })));
    }
    let m = ctx
        .media
        .upload(&s.org.id, form.file_name.as_deref(), form.bytes)
        .await?;
    Ok(created(m.row()))
}

async fn information(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Created> {
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| Error::invalid("id must be a string"))?
        .to_string();
    let info: InfoUpdate = serde_json::from_value(body)
        .map_err(|e| Error::BadRequest(format!("Invalid JSON body: {e}")))?;
    let m = ctx.media.information(&s.org.id, &id, &info).await?;
    Ok(created(m.library_item()))
}

async fn remove(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(ctx.media.delete(&s.org.id, &id).await?.row())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct CreateUpload {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    size: u64,
}

async fn create_upload(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<CreateUpload>,
) -> ApiResult<Created> {
    ctx.media.admit_upload(&s.org.id).await?;
    let ticket = ctx
        .media
        .begin_upload(
            &s.org.id,
            b.name.as_deref(),
            b.content_type.as_deref(),
            b.size,
        )
        .await?;
    Ok(created(ticket))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct CompleteUpload {
    key: String,
}

async fn complete_upload(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<CompleteUpload>,
) -> ApiResult<Created> {
    let m = ctx.media.complete_upload(&s.org.id, &b.key).await?;
    Ok(created(m.row()))
}
