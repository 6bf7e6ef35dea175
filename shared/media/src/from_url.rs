//! Files imported from a URL into the library (`POST /public/v1/upload-from-url`, the
//! assistant's `uploadFromUrl` tool): the URL is fetched by the SSRF-guarded fetcher, checked
//! by its extension, size and bytes.

use postiz_core::{Error, Result};
use postiz_fetch::{FetchError, FetchPolicy, GuardedFetcher};

use crate::limits::{IMAGE_MAX, VIDEO_MAX};
use crate::model::Media;
use crate::service::MediaService;
use crate::sniff::sniff;

/// Extensions accepted (the part of the path before `?`).
const EXTENSIONS: [&str; 6] = [".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4"];

/// The fetcher for user-supplied URLs: `https` only and no private addresses, unless
/// `FETCH_ALLOW_PRIVATE` allows both (self-hosted networks, tests); capped at the video size.
pub fn url_fetcher() -> GuardedFetcher {
    GuardedFetcher::new(FetchPolicy::user_urls(VIDEO_MAX))
}

/// Postiz's `{msg}` 400 of this route.
fn msg(text: &str) -> Error {
    Error::Refused {
        status: 400,
        msg: text.into(),
    }
}

impl MediaService {
    /// Fetches `url` with `fetcher` and adds the file to `org`'s library (counted as an
    /// upload).
    pub async fn import_url(
        &self,
        fetcher: &GuardedFetcher,
        org: &str,
        url: &str,
    ) -> Result<Media> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::invalid("url must be a string"));
        }
        self.admit_upload(org).await?;
        let path = url
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if !EXTENSIONS.iter().any(|e| path.ends_with(e)) {
            return Err(Error::invalid(
                "url must point to a .png, .jpg, .jpeg, .gif, .webp or .mp4 file",
            ));
        }
        let cap = if path.ends_with(".mp4") {
            VIDEO_MAX
        } else {
            IMAGE_MAX
        };
        let fetched = match fetcher.get(url).await {
            Ok(f) => f,
            Err(FetchError::Refused(why)) => {
                return Err(Error::invalid(format!("url is not allowed: {why}")))
            }
            Err(FetchError::TooLarge) => return Err(msg("File is too large.")),
            Err(FetchError::Failed(_)) => return Err(msg("Failed to fetch URL")),
        };
        if fetched.bytes.len() as u64 > cap {
            return Err(msg("File is too large."));
        }
        if sniff(&fetched.bytes).is_none() {
            return Err(msg("Unsupported file type."));
        }
        let name = fetched
            .final_url
            .path_segments()
            .and_then(|mut s| s.next_back().map(str::to_string))
            .filter(|n| !n.is_empty());
        self.upload(org, name.as_deref(), fetched.bytes).await
    }
}
