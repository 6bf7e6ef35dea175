//! `POST /public/v1/upload` (multipart field `file`) and `POST /public/v1/upload-from-url`,
//! both through the media service; the URL is fetched by the SSRF-guarded fetcher.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use postiz_core::Error;
use postiz_fetch::GuardedFetcher;
use postiz_media_fn::UploadForm;
use postiz_web::{ApiKeyOrg, ApiResult, JsonBody};
use serde::Deserialize;
use serde_json::Value;

use crate::openapi::schemas::{Media, NestError, Refused, UploadForm as UploadFormDoc};
use crate::Ctx;

/// The fetcher for user-supplied URLs ([`postiz_media::url_fetcher`]).
pub fn fetcher() -> GuardedFetcher {
    postiz_media::url_fetcher()
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
    let m = ctx.media.import_url(&ctx.fetcher, &org.id, url).await?;
    Ok(answer(&m)?)
}
