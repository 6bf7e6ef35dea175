//! YouTube: Google OAuth 2 (offline, refreshable), then the user picks one of their channels
//! (two-step). A post is one video, uploaded with the resumable upload protocol (the
//! session is opened with the metadata, then the bytes are sent to the session URL). No
//! comments. Base URLs from `YOUTUBE_API_URL`, `GOOGLE_ACCOUNTS_URL`, `GOOGLE_TOKEN_URL`.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{first_match_or_retry, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{refreshed, stored_refresh_token};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.force-ssl",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.upload",
];

/// The YouTube provider.
#[derive(Debug)]
pub struct YouTube {
    info: ProviderInfo,
    http: Http,
    api: String,
    google: super::google::GoogleApp,
    analytics_api: String,
}

/// Postiz's YouTube cases, in the order Postiz checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::bad(
        "invalidTags",
        "The maximum allowed is 500 characters in total.",
    ),
    ErrorCase::bad(
        "invalidTitle",
        "We have uploaded your video but we could not set the title. Title is too long.",
    ),
    ErrorCase::bad(
        "invalidDescription",
        "Your video description is invalid, it may contain disallowed characters such as < or >.",
    ),
    ErrorCase::bad(
        "invalidCategoryId",
        "The selected video category is invalid.",
    ),
    ErrorCase::bad(
        "invalidPublishAt",
        "The scheduled publishing time is invalid.",
    ),
    ErrorCase::bad(
        "invalidRecordingDetails",
        "The recording details for the video are invalid.",
    ),
    ErrorCase::bad(
        "invalidVideoGameRating",
        "The video game rating is invalid.",
    ),
    ErrorCase::bad("invalidFilename", "The video file name is invalid."),
    ErrorCase::bad(
        "defaultLanguageNotSet",
        "We could not set the localized video details because no default language is set.",
    ),
    ErrorCase::bad(
        "invalidVideoMetadata",
        "Some of the video details are invalid, please review the title, description and tags.",
    ),
    ErrorCase::bad(
        "mediaBodyRequired",
        "The video file is missing or could not be read, please re-upload the video.",
    ),
    ErrorCase::bad(
        "imageFormatUnsupported",
        "We have uploaded your video but the thumbnail format is not supported, please use JPEG or PNG.",
    ),
    ErrorCase::bad(
        "imageTooTall",
        "We have uploaded your video but the thumbnail image is too tall.",
    ),
    ErrorCase::bad(
        "imageTooWide",
        "We have uploaded your video but the thumbnail image is too wide.",
    ),
    ErrorCase::bad(
        "rateLimitExceeded",
        "You are sending requests too quickly, please wait a little while and try again.",
    ),
    ErrorCase::bad(
        "failedPrecondition",
        "We have uploaded your video but we could not set the thumbnail. Thumbnail size is too large.",
    ),
    ErrorCase::bad(
        "uploadLimitExceeded",
        "You have reached your daily upload limit, please try again tomorrow.",
    ),
    ErrorCase::bad(
        "youtubeSignupRequired",
        "You have to link your youtube account to your google account first.",
    ),
    ErrorCase::bad(
        "youtube.thumbnail",
        "Your account is not verified, we have uploaded your video but we could not set the thumbnail. Please verify your account and try again.",
    ),
    ErrorCase::refresh(
        "Unauthorized",
        "Token expired or invalid, please reconnect your YouTube account.",
    ),
    ErrorCase::refresh(
        "UNAUTHENTICATED",
        "Please re-authenticate your YouTube account",
    ),
    ErrorCase::refresh(
        "invalid_grant",
        "Please re-authenticate your YouTube account",
    ),
];

/// Google API errors (`{"error": {"code", "message", "errors": [{"reason"}]}}`): Postiz's
/// cases (retried when rate limited, as Postiz does whatever the case); then our own readings of the
/// `reason` (quota), a refused token (401) and Google's message for any other 400 or 403.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match_or_retry(status, body, CASES) {
        return Some(mapped);
    }
    let v: Value = serde_json::from_str(body).ok()?;
    let reason = v["error"]["errors"][0]["reason"].as_str().unwrap_or("");
    let message = v["error"]["message"]
        .as_str()
        .unwrap_or("YouTube refused the request")
        .to_string();
    match reason {
        "quotaExceeded" | "userRateLimitExceeded" => Some(ProviderError::transient(
            "YouTube quota exceeded, the video will be retried later",
        )),
        "forbidden" if status == 403 => Some(ProviderError::bad(message)),
        _ if status == 401 => Some(ProviderError::RefreshNeeded(message)),
        _ if status == 400 => Some(ProviderError::bad(message)),
        _ => None,
    }
}

impl YouTube {
    /// Configured from `YOUTUBE_CLIENT_ID`, `YOUTUBE_CLIENT_SECRET` and the base URLs.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "youtube",
                name: "YouTube",
                editor: Editor::Normal,
                max_length: 5000,
                two_step: true,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 200,
                tools: &[],
                extension_cookies: None,
            },
            http,
            api: config.base_url("YOUTUBE_API_URL", "https://www.googleapis.com"),
            google: super::google::GoogleApp::new(
                config,
                "youtube",
                &config.or("YOUTUBE_CLIENT_ID", ""),
                &config.or("YOUTUBE_CLIENT_SECRET", ""),
            ),
            analytics_api: config.base_url(
                "YOUTUBE_ANALYTICS_URL",
                "https://youtubeanalytics.googleapis.com",
            ),
        }
    }

    async fn channels(&self, token: &str) -> ProviderResult<Vec<Value>> {
        let req = self
            .http
            .client()
            .get(format!("{}/youtube/v3/channels", self.api))
            .query(&[("part", "snippet"), ("mine", "true")])
            .bearer_auth(token);
        let v: Value = self.http.json(req, map_error).await?;
        Ok(v["items"].as_array().cloned().unwrap_or_default())
    }
}

#[async_trait]
impl Provider for YouTube {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.media.len() != 1 {
            return Err("You need one media".into());
        }
        if post.media[0].kind != MediaKind::Video {
            return Err("Item must be a video".into());
        }
        let title = post
            .settings
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("");
        if title.trim().is_empty() || title.chars().count() > 100 {
            return Err("A YouTube video needs a title of at most 100 characters".into());
        }
        if post.message.chars().count() > self.info.max_length {
            return Err(
                "The description should be at most 5000 characters long for YouTube".into(),
            );
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(self.google.authorize(SCOPES))
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let t = self.google.exchange(&self.http, code).await?;
        let access = t.access_token.clone();
        let req = self
            .http
            .client()
            .get(format!("{}/oauth2/v2/userinfo", self.api))
            .bearer_auth(&access);
        let me: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: me["name"].as_str().unwrap_or_default().to_string(),
            picture: me["picture"].as_str().map(str::to_string),
            username: None,
            access_token: access,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
            additional_settings: None,
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let t = self
            .google
            .renew(&self.http, stored_refresh_token(auth)?)
            .await?;
        Ok(refreshed(
            auth,
            t.access_token,
            t.refresh_token,
            t.expires_in,
        ))
    }

    async fn pages(&self, auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        Ok(self
            .channels(&auth.access_token)
            .await?
            .iter()
            .map(|c| Page {
                id: c["id"].as_str().unwrap_or_default().to_string(),
                name: c["snippet"]["title"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                picture: c["snippet"]["thumbnails"]["default"]["url"]
                    .as_str()
                    .map(str::to_string),
            })
            .collect())
    }

    async fn select_page(&self, auth: &ChannelAuth, page_id: &str) -> ProviderResult<AuthTokens> {
        let channels = self.channels(&auth.access_token).await?;
        let c = channels
            .iter()
            .find(|c| c["id"].as_str() == Some(page_id))
            .ok_or_else(|| {
                ProviderError::bad("This channel is not one of the account's channels")
            })?;
        Ok(AuthTokens {
            id: page_id.to_string(),
            name: c["snippet"]["title"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            username: c["snippet"]["customUrl"].as_str().map(str::to_string),
            picture: c["snippet"]["thumbnails"]["default"]["url"]
                .as_str()
                .map(str::to_string),
            access_token: auth.access_token.clone(),
            refresh_token: auth.refresh_token.clone(),
            expires_in: None,
            additional_settings: None,
        })
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        super::stats_more::youtube(
            &self.http,
            &self.analytics_api,
            &auth.access_token,
            days,
            map_error,
        )
        .await
    }

    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        super::stats_more::youtube_video(
            &self.http,
            &self.api,
            &auth.access_token,
            post_id,
            map_error,
        )
        .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let s = &post.settings;
        let (video, len) = self
            .http
            .open_media(&post.media[0].url)
            .await?
            .sized()
            .await?;
        let content_type = video.content_type.clone();
        let metadata = json!({
            "snippet": {
                "title": s["title"],
                "description": post.message,
                "tags": s["tags"].as_array().map(|t| t.iter().filter_map(|x| x["label"].as_str().or(x.as_str())).collect::<Vec<_>>()).unwrap_or_default(),
            },
            "status": {
                "privacyStatus": s["type"].as_str().unwrap_or("public"),
                "selfDeclaredMadeForKids": s["selfDeclaredMadeForKids"].as_str() == Some("yes") || s["selfDeclaredMadeForKids"].as_bool() == Some(true),
            },
        });
        let req = self
            .http
            .client()
            .post(format!(
                "{}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status",
                self.api
            ))
            .bearer_auth(&auth.access_token)
            .header("X-Upload-Content-Type", content_type.clone())
            .header("X-Upload-Content-Length", len.to_string())
            .json(&metadata);
        let session = self.http.send(req, map_error).await?;
        let location = session
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| {
                ProviderError::Unknown("YouTube did not open an upload session".into())
            })?;
        let req = self
            .http
            .client()
            .put(location)
            .bearer_auth(&auth.access_token)
            .header("content-type", content_type)
            .header("content-length", len)
            .body(video.into_body());
        let video: Value = self.http.json(req, map_error).await?;
        let id = video["id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no video id".into()))?
            .to_string();
        if let Some(thumbnail) = s["thumbnail"]["path"].as_str().filter(|p| !p.is_empty()) {
            // The video is public already: a refused thumbnail must not fail the post (a retry
            // would upload the video twice), so it is reported in the log only.
            if let Err(e) = self.set_thumbnail(&auth.access_token, &id, thumbnail).await {
                tracing::warn!(video = %id, error = %e, "YouTube refused the thumbnail");
            }
        }
        Ok(Published {
            url: format!("https://www.youtube.com/watch?v={id}"),
            id,
        })
    }
}

impl YouTube {
    /// Sets a video's custom thumbnail (`thumbnails.set`, a media upload of the picture).
    async fn set_thumbnail(&self, token: &str, video: &str, url: &str) -> ProviderResult<()> {
        let (picture, len) = self.http.open_media(url).await?.sized().await?;
        let req = self
            .http
            .client()
            .post(format!("{}/upload/youtube/v3/thumbnails/set", self.api))
            .query(&[("videoId", video)])
            .bearer_auth(token)
            .header("content-type", picture.content_type.clone())
            .header("content-length", len)
            .body(picture.into_body());
        self.http.send(req, map_error).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error, YouTube};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::MediaKind;
    use crate::Provider;
    use serde_json::json;

    use super::super::test_post as post;

    #[test]
    fn exactly_one_video() {
        let p = YouTube::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        );
        let s = json!({"title": "A title", "type": "public"});
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        assert_eq!(
            p.check(&post(s.clone(), &[])).unwrap_err(),
            "You need one media"
        );
        assert_eq!(
            p.check(&post(s.clone(), &[vid, vid])).unwrap_err(),
            "You need one media"
        );
        assert_eq!(
            p.check(&post(s.clone(), &[img])).unwrap_err(),
            "Item must be a video"
        );
        assert!(p.check(&post(s, &[vid])).is_ok());
    }

    fn google(code: u16, reason: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": code, "message": message, "errors": [{"message": message, "domain": "youtube", "reason": reason}]}})
            .to_string()
    }

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(400, &google(400, "uploadLimitExceeded", "Too many videos")),
            Some(ProviderError::bad(
                "You have reached your daily upload limit, please try again tomorrow."
            ))
        );
        assert_eq!(
            map_error(400, &google(400, "invalidTitle", "Bad title")),
            Some(ProviderError::bad(
                "We have uploaded your video but we could not set the title. Title is too long."
            ))
        );
        assert_eq!(
            map_error(
                401,
                r#"{"error":{"code":401,"message":"Invalid Credentials","status":"UNAUTHENTICATED"}}"#
            ),
            Some(ProviderError::RefreshNeeded(
                "Please re-authenticate your YouTube account".into()
            ))
        );
        assert_eq!(
            map_error(400, r#"{"error":"invalid_grant"}"#),
            Some(ProviderError::RefreshNeeded(
                "Please re-authenticate your YouTube account".into()
            ))
        );
    }

    #[test]
    fn earlier_cases_win() {
        // "Unauthorized" is checked before "UNAUTHENTICATED".
        assert_eq!(
            map_error(
                401,
                r#"{"error":{"message":"Unauthorized","status":"UNAUTHENTICATED"}}"#
            ),
            Some(ProviderError::RefreshNeeded(
                "Token expired or invalid, please reconnect your YouTube account.".into()
            ))
        );
        assert_eq!(
            map_error(400, &google(400, "invalidTags", "invalidTitle too")),
            Some(ProviderError::bad(
                "The maximum allowed is 500 characters in total."
            ))
        );
    }

    #[test]
    fn a_rate_limited_case_is_retried_with_its_message() {
        let body = google(429, "rateLimitExceeded", "Slow down");
        assert_eq!(
            map_error(403, &body),
            Some(ProviderError::bad(
                "You are sending requests too quickly, please wait a little while and try again."
            ))
        );
        assert_eq!(
            map_error(429, &body),
            Some(ProviderError::transient(
                "You are sending requests too quickly, please wait a little while and try again."
            ))
        );
    }

    #[test]
    fn unmatched_bodies_fall_back() {
        assert_eq!(
            map_error(403, &google(403, "quotaExceeded", "Quota")),
            Some(ProviderError::transient(
                "YouTube quota exceeded, the video will be retried later"
            ))
        );
        assert_eq!(
            map_error(
                401,
                &google(
                    401,
                    "authError",
                    "Request had invalid authentication credentials."
                )
            ),
            Some(ProviderError::RefreshNeeded(
                "Request had invalid authentication credentials.".into()
            ))
        );
        assert_eq!(
            map_error(404, &google(404, "videoNotFound", "Not found")),
            None
        );
    }
}
