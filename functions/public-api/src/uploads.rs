//! `POST /public/v1/upload` (multipart field `file`) and `POST /public/v1/upload-from-url`,
//! both through the media service; the URL is fetched by the SSRF-guarded fetcher.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postiz_core::Error;
use postiz_fetch::{FetchError, FetchPolicy, GuardedFetcher};
use postiz_media::{IMAGE_MAX, VIDEO_MAX};
use postiz_media_fn::UploadForm;
use postiz_web::{ApiKeyOrg, ApiResult, JsonBody};
use serde::Deserialize;
use serde_json::Value;

use crate::openapi::schemas::{Media, NestError, Refused, UploadForm as UploadFormDoc};
use crate::Ctx;

/// Extensions `upload-from-url` accepts (the part of the path before `?`).
const EXTENSIONS: [&str; 6] = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4"];

/// The fetcher for user-supplied URLs: `https` only and no private addresses, unless
/// `FETCH_ALLOW_PRIVATE` allows both (self-hosted networks, tests); capped at the video size.
pub fn fetcher() -> GuardedFetcher {
    GuardedFetcher::new(FetchPolicy::user_urls(VIDEO_MAX))
}

fn answer(m: &postiz_media::Media) -> Result<(StatusCode, Json<Value>), Error> {
    let v = serde_json::to_value(m.upload_answer()).map_err(Error::internal)?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(
    post,
    path = "/public/v1/upload",
    operation_id = "upload",
    summary = "Upload a file",
    tag = "media",
    description = "Uploads a file into the media library (multipart field `file`); its `path` goes \
into `image[].path` when posting.",
    request_body(content = UploadFormDoc, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The stored file", body = Media),
        (status = 400, description = "No file, another field, unsupported type or too large", body = Refused),
        (status = 413, description = "The body is too large", body = NestError),
    )
)]
pub async fn upload(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    form: UploadForm,
) -> ApiResult<(StatusCode, Json<Value>)> {
    ctx.media.admit_upload(&org.id).await?;
    let m = ctx
        .media
        .upload(&org.id, form.file_name.as_deref(), form.bytes)
        .await?;
    Ok(answer(&m)?)
}

/// Body of `POST /public/v1/upload-from-url`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UrlBody {
    /// Public `https` URL of a .png, .jpg, .jpeg, .gif, .webp or .mp4 file.
    #[serde(default)]
    #[schema(value_type = String)]
    url: Value,
}

fn msg(text: &str) -> Error {
    Error::Refused {
        status: 400,
        msg: text.into(),
    }
}

#[utoipa::path(
    post,
    path = "/public/v1/upload-from-url",
    operation_id = "uploadFromUrl",
    summary = "Upload a file from a URL",
    tag = "media",
    description = "Fetches a public `https` URL into the media library.",
    request_body = UrlBody,
    responses(
        (status = 201, description = "The stored file", body = Media),
        (status = 400, description = "Invalid or refused URL, failed fetch, unsupported type or too large", body = Refused),
    )
)]
pub async fn upload_from_url(
    State(ctx): State<Ctx>,
    ApiKeyOrg(org): ApiKeyOrg,
    JsonBody(b): JsonBody<UrlBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let Some(url) = b.url.as_str().map(str::trim).filter(|u| !u.is_empty()) else {
        return Err(Error::invalid("url must be a string").into());
    };
    ctx.media.admit_upload(&org.id).await?;
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !EXTENSIONS.iter().any(|e| path.ends_with(e)) {
        return Err(Error::invalid(
            "url must point to a .png, .jpg, .jpeg, .gif, .webp or .mp4 file",
        )
        .into());
    }
    let cap = if path.ends_with(".mp4") {
        VIDEO_MAX
    } else {
        IMAGE_MAX
    };
    let fetched = match ctx.fetcher.get(url).await {
        Ok(f) => f,
        Err(FetchError::Refused(why)) => {
            return Err(Error::invalid(format!("url is not allowed: {why}")).into())
        }
        Err(FetchError::TooLarge) => return Err(msg("File is too large.").into()),
        Err(FetchError::Failed(_)) => return Err(msg("Failed to fetch URL").into()),
    };
    if fetched.bytes.len() as u64 > cap {
        return Err(msg("File is too large.").into());
    }
    if postiz_media::sniff(&fetched.bytes).is_none() {
        return Err(msg("Unsupported file type.").into());
    }
    let name = fetched
        .final_url
        .path_segments()
        .and_then(|mut s| s.next_back().map(str::to_string))
        .filter(|n| !n.is_empty());
    let m = ctx
        .media
        .upload(&org.id, name.as_deref(), fetched.bytes)
        .await?;
    Ok(answer(&m)?)
}
