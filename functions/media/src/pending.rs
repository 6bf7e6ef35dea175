//! Media features this server does not have yet, answering what Postiz answers when each is
//! switched off: AI images and videos (no generator configured), and the Cloudflare R2
//! uploads of `STORAGE_PROVIDER=cloudflare` (files go through `/media/upload-server` here,
//! or the presigned `/media/create-upload`).

use axum::http::StatusCode;
use axum::Json;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{Ctx, MEDIA_ROW};

const CLOUD_UPLOADS: &str =
    "Files are uploaded through /media/upload-server (or /media/create-upload) on this server";

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    let d = d
        .get(
            "/media/video-options",
            "AI video generators available (none yet)",
            video_options,
        )
        .answers("object[]")
        .get(
            "/media/generate-video/{id}/allowed",
            "Whether the organization may use a video generator",
            unknown_generator,
        )
        // Never answered yet (no generator): Postiz's `true`.
        .answers("boolean")
        .post(
            "/media/generate-video",
            "Generate a video with AI",
            generate_video,
        )
        // Never answered yet (no generator): the new media row.
        .answers(MEDIA_ROW)
        .post(
            "/media/video/function",
            "Call a video generator's helper",
            unknown_generator,
        )
        // Never answered yet (no generator): whatever the helper returns.
        .answers("any")
        .post(
            "/media/save-media",
            "Register a file uploaded to Cloudflare R2",
            save_media,
        )
        // Only Postiz's `false` (no name); a named file is refused.
        .answers("boolean");
    [
        "/media/create-multipart-upload",
        "/media/prepare-upload-parts",
        "/media/sign-part",
        "/media/list-parts",
        "/media/abort-multipart-upload",
        "/media/complete-multipart-upload",
    ]
    .into_iter()
    .fold(d, |d, path| {
        // Never answered here (always 400); Postiz answers 200 with S3's answer.
        d.post(
            path,
            "A step of Cloudflare R2 multipart uploads",
            cloud_upload,
        )
        .answers_with(200, "any")
    })
}

async fn video_options(Authed(_s): Authed) -> Json<Value> {
    Json(json!([]))
}

async fn unknown_generator(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::BadRequest("No AI video generator is available on this server yet".into()).into())
}

/// Postiz's validation of `VideoDto.type` against the available generators: none.
async fn generate_video(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::Validation(vec!["type must be any of: ".into()]).into())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SaveMediaBody {
    name: Option<String>,
}

/// Postiz answers `false` without a name.
async fn save_media(
    Authed(_s): Authed,
    JsonBody(b): JsonBody<SaveMediaBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if b.name.as_deref().unwrap_or_default().is_empty() {
        return Ok((StatusCode::CREATED, Json(Value::Bool(false))));
    }
    Err(Error::BadRequest(CLOUD_UPLOADS.into()).into())
}

async fn cloud_upload(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::BadRequest(CLOUD_UPLOADS.into()).into())
}
