//! Pictures paid with the plan's AI image credits and kept in the media library: what the
//! picture routes, the post generator and the `generateImage` tool share.

use base64::Engine;
use chrono::{DateTime, Utc};
use postiz_ai::{Ai, Picture, Pictures};
use postiz_billing::{CreditKind, Credits};
use postiz_core::{Error, Result};
use postiz_media::{Media, MediaService};

/// Draws `prompt` (expanded first when `expand`) for `org`, paid with one AI image credit taken
/// at `now` and given back when the model fails; `None` when no credit is left.
pub async fn paid_picture(
    ai: &Ai,
    credits: &Credits,
    org: &str,
    now: DateTime<Utc>,
    prompt: &str,
    expand: bool,
) -> Result<Option<Picture>> {
    let Some(credit) = credits.take(org, CreditKind::Images, now).await? else {
        return Ok(None);
    };
    match Pictures::new(ai).generate(prompt, expand).await {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            if let Err(back) = credits.give_back(credit).await {
                tracing::error!(error = %back, "a credit of a failed picture was not given back");
            }
            Err(e)
        }
    }
}

/// Adds a drawn picture to `org`'s library (checked like an upload).
pub async fn store_picture(media: &MediaService, org: &str, picture: &Picture) -> Result<Media> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(picture.base64.trim())
        .map_err(|e| Error::BadGateway {
            message: postiz_ai::FAILED.into(),
            detail: format!("the picture is not base64: {e}"),
        })?;
    media.upload(org, None, bytes::Bytes::from(bytes)).await
}
