//! TikTok for Business (`tiktok-business`): TikTok's Business API v1.3. OAuth through
//! TikTok's authorize page, tokens from `tt_user/oauth2` (they last a day and refresh); the
//! account's `open_id` is the `business_id` of every call. A post is one video or up to 35
//! pictures pulled from our URLs, published directly or sent to the drafts
//! (`content_posting_method: UPLOAD`), then polled until TikTok reports it. Every answer is
//! an HTTP 200 envelope `{code, message, data}`; a non-zero code is the error. Tools:
//! `musicSearch` (commercial music library), `locationSearch`.

use async_trait::async_trait;
use serde_json::{json, Value};
use std::time::Duration;

use super::{asset_boolean, devto::text_setting};
use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::{new_state, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "user.info.basic",
    "user.info.username",
    "user.info.stats",
    "video.list",
    "video.upload",
    "video.publish",
];

/// Postiz's mapped Business API errors, in its order.
const CASES: &[ErrorCase] = &[
    ErrorCase::refresh(
        "access_token_invalid",
        "Access token invalid, please re-authenticate your TikTok account",
    ),
    ErrorCase::refresh(
        "Access token is incorrect",
        "Access token invalid, please re-authenticate your TikTok account",
    ),
    ErrorCase::refresh(
        "Access token has expired",
        "Access token invalid, please re-authenticate your TikTok account",
    ),
    ErrorCase::refresh(
        "auth_removed",
        "Access token invalid, please re-authenticate your TikTok account",
    ),
    ErrorCase::bad(
        "rate_limit_exceeded",
        "TikTok API rate limit exceeded, please try again later",
    ),
    ErrorCase::bad(
        "Too many requests",
        "TikTok API rate limit exceeded, please try again later",
    ),
    ErrorCase::bad(
        "file_format_check_failed",
        "File format is invalid, please check video specifications",
    ),
    ErrorCase::bad(
        "duration_check_failed",
        "Video duration is invalid, please check video specifications",
    ),
    ErrorCase::bad(
        "frame_rate_check_failed",
        "Video frame rate is invalid, please check video specifications",
    ),
    ErrorCase::bad(
        "video_pull_failed",
        "Failed to pull video from URL, please check the URL",
    ),
    ErrorCase::bad(
        "photo_pull_failed",
        "Failed to pull photo from URL, please check the URL",
    ),
    ErrorCase::bad(
        "spam_risk_user_banned_from_posting",
        "Account banned from posting, please check TikTok account status",
    ),
    ErrorCase::bad(
        "spam_risk_text",
        "TikTok detected potential spam in the post text",
    ),
    ErrorCase::bad(
        "spam_risk_too_many_posts",
        "TikTok says your daily post limit reached, please try again tomorrow",
    ),
    ErrorCase::bad("spam_risk", "TikTok detected potential spam"),
    ErrorCase::bad(
        "reached_active_user_cap",
        "TikTok daily user limit reached, please try again tomorrow",
    ),
    ErrorCase::bad(
        "url_ownership_unverified",
        "The media domain is not a verified URL property of the TikTok app",
    ),
    ErrorCase::bad(
        "publish_cancelled",
        "TikTok cancelled the upload, please try again",
    ),
    ErrorCase::bad(
        "picture_size_check_failed",
        "Video must be at least 360p, Picture must not exceed 1080x1920",
    ),
    ErrorCase::bad(
        "invalid_params",
        "Invalid request parameters, please check content format",
    ),
    ErrorCase::bad(
        "internal",
        "There is a problem with TikTok servers, please try again later",
    ),
];

/// A Business API envelope: its `data`, or the mapped error of a non-zero `code`.
fn envelope(v: Value, fallback: &str) -> ProviderResult<Value> {
    if v["code"] == 0 {
        return Ok(v["data"].clone());
    }
    let text = v.to_string();
    Err(first_match(&text, CASES).unwrap_or_else(|| {
        ProviderError::bad(
            v["message"]
                .as_str()
                .filter(|m| !m.is_empty())
                .unwrap_or(fallback),
        )
    }))
}

/// The TikTok Business provider.
#[derive(Debug)]
pub struct TikTokBusiness {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    poll: Duration,
}

impl TikTokBusiness {
    /// Configured from `TIKTOK_BUSINESS_CLIENT_ID`/`_SECRET`, and `TIKTOK_BUSINESS_URL`,
    /// `TIKTOK_WEB_URL`, `TIKTOK_POLL_MS` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                refreshes: true,
                tools: &["musicSearch", "locationSearch"],
                ..ProviderInfo::basic("tiktok-business", "TikTok", Editor::Normal, 2200, 10_000)
            },
            http,
            api: config.base_url(
                "TIKTOK_BUSINESS_URL",
                "https://business-api.tiktok.com/open_api/v1.3",
            ),
            web: config.base_url("TIKTOK_WEB_URL", "https://www.tiktok.com"),
            client_id: config.or("TIKTOK_BUSINESS_CLIENT_ID", ""),
            client_secret: config.or("TIKTOK_BUSINESS_CLIENT_SECRET", ""),
            // TikTok only accepts Business redirect URLs ending with a slash.
            redirect_uri: format!("{}/", config.redirect_uri("tiktok-business")),
            poll: Duration::from_millis(
                config
                    .get("TIKTOK_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(20_000),
            ),
        }
    }

    async fn get(&self, token: &str, path: &str, query: &[(&str, &str)]) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}{path}", self.api))
            .header("access-token", token)
            .query(query);
        envelope(
            self.http.json(req, no_mapping).await?,
            "TikTok refused the request",
        )
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}{path}", self.api))
            .header("access-token", token)
            .json(body);
        envelope(
            self.http.json(req, no_mapping).await?,
            "TikTok refused the post",
        )
    }

    async fn account(&self, grant: Value, connecting: bool) -> ProviderResult<AuthTokens> {
        let path = if connecting {
            "/tt_user/oauth2/token/"
        } else {
            "/tt_user/oauth2/refresh_token/"
        };
        let req = self
            .http
            .client()
            .post(format!("{}{path}", self.api))
            .json(&grant);
        let data = envelope(
            self.http.json(req, no_mapping).await?,
            "Could not authenticate the TikTok business account",
        )
        .map_err(|e| match e {
            ProviderError::BadRequest { user_message } if !connecting => {
                ProviderError::RefreshNeeded(user_message)
            }
            // A refused code while connecting is the user's to retry, not a dead channel.
            ProviderError::RefreshNeeded(user_message) if connecting => {
                ProviderError::bad(user_message)
            }
            other => other,
        })?;
        let token = data["access_token"].as_str().ok_or_else(|| {
            ProviderError::bad("Could not authenticate the TikTok business account")
        })?;
        let open_id = data["open_id"].as_str().unwrap_or_default().to_string();
        let fields = json!(["username", "display_name", "profile_image"]).to_string();
        let me = self
            .get(
                token,
                "/business/get/",
                &[("business_id", &open_id), ("fields", &fields)],
            )
            .await?;
        Ok(AuthTokens {
            id: open_id,
            name: me["display_name"].as_str().unwrap_or_default().to_string(),
            access_token: token.to_string(),
            refresh_token: data["refresh_token"].as_str().map(str::to_string),
            expires_in: Some(23 * 3600),
            picture: me["profile_image"]
                .as_str()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            username: me["username"].as_str().map(str::to_string),
            additional_settings: None,
        })
    }

    /// The publish request of a post: a video, or its pictures.
    fn body(&self, business: &str, post: &PostDetails) -> (&'static str, Value) {
        let s = &post.settings;
        let draft = text_setting(s, "content_posting_method") == Some("UPLOAD");
        let flag = |k: &str| asset_boolean(s.get(k));
        let mut info = json!({"is_brand_organic": flag("brand_organic_toggle"), "is_branded_content": flag("brand_content_toggle")});
        if !post.message.is_empty() {
            info["caption"] = json!(post.message);
        }
        let location = (!s["location"]["id"].is_null())
            .then(|| (s["location"]["id"].clone(), s["location"]["name"].clone()));
        let video = post
            .media
            .first()
            .is_some_and(|m| m.kind == MediaKind::Video);
        if video {
            if draft {
                info["upload_to_draft"] = json!(true);
            } else {
                info["disable_comment"] = json!(!flag("comment"));
                info["disable_duet"] = json!(!flag("duet"));
                info["disable_stitch"] = json!(!flag("stitch"));
                info["is_ai_generated"] = json!(flag("video_made_with_ai"));
                if let Some((id, name)) = &location {
                    info["location_id"] = id.clone();
                    info["location_name"] = name.clone();
                }
                if !s["music"]["id"].is_null() {
                    let volume = |k: &str| {
                        s["music"][k]
                            .as_f64()
                            .or_else(|| s["music"][k].as_str()?.parse().ok())
                            .unwrap_or(50.0)
                    };
                    info["music_sound_info"] = json!({"music_sound_id": s["music"]["id"], "music_sound_volume": volume("audio_volume"), "video_original_sound_volume": volume("video_volume")});
                }
            }
            let m = &post.media[0];
            let mut body = json!({"business_id": business, "video_url": m.url, "post_info": info});
            if let Some(t) = &m.thumbnail {
                body["custom_thumbnail_url"] = json!(t);
            }
            return ("/business/video/publish/", body);
        }
        if let Some(title) = text_setting(s, "title") {
            info["title"] = json!(title.chars().take(90).collect::<String>());
        }
        if draft {
            info["is_draft"] = json!(true);
        } else {
            info["privacy_level"] =
                json!(text_setting(s, "privacy_level").unwrap_or("PUBLIC_TO_EVERYONE"));
            info["disable_comment"] = json!(!flag("comment"));
            info["auto_add_music"] =
                json!(s["music"]["id"].is_null() && text_setting(s, "autoAddMusic") == Some("yes"));
            if let Some((id, name)) = &location {
                info["location_id"] = id.clone();
                info["location_name"] = name.clone();
            }
            if !s["music"]["id"].is_null() {
                info["music_sound_info"] = json!({"music_sound_id": s["music"]["id"]});
            }
        }
        let images: Vec<&str> = post.media.iter().map(|m| m.url.as_str()).collect();
        (
            "/business/photo/publish/",
            json!({"business_id": business, "photo_images": images, "photo_cover_index": 0, "post_info": info}),
        )
    }
}

#[async_trait]
impl Provider for TikTokBusiness {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        if post.media.is_empty() {
            return Err("No video / images selected".into());
        }
        if post.media.len() > 1 && videos > 0 {
            return Err("Only pictures are supported when selecting multiple items".into());
        }
        if post.media.len() > 35 {
            return Err("You can select up to 35 pictures".into());
        }
        if post.message.chars().count() > self.info.max_length {
            return Err(format!(
                "The post should be at most {} characters long for TikTok",
                self.info.max_length
            ));
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/v2/auth/authorize/", self.web),
            &[
                ("client_key", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
                ("response_type", "code"),
                ("disable_auto_auth", "1"),
                ("scope", &SCOPES.join(",")),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: state.clone(),
            state,
        })
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        self.account(
            json!({"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "authorization_code", "auth_code": code, "redirect_uri": self.redirect_uri}),
            true,
        )
        .await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = crate::oauth::stored_refresh_token(auth)?;
        self.account(
            json!({"client_id": self.client_id, "client_secret": self.client_secret, "grant_type": "refresh_token", "refresh_token": refresh}),
            false,
        )
        .await
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        super::stats_more::tiktok_business(
            &self.http,
            &self.api,
            &auth.access_token,
            &auth.internal_id,
            days,
        )
        .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let business = &auth.internal_id;
        let (path, body) = self.body(business, post);
        let started = self.post(&auth.access_token, path, &body).await?;
        let share = started["share_id"]
            .as_str()
            .ok_or_else(|| ProviderError::bad("TikTok refused the post"))?
            .to_string();
        for _ in 0..27 {
            let status = self
                .get(
                    &auth.access_token,
                    "/business/publish/status/",
                    &[("business_id", business), ("publish_id", &share)],
                )
                .await?;
            match status["status"].as_str() {
                Some("PUBLISH_COMPLETE") => {
                    let fields = json!(["username"]).to_string();
                    let handle = self
                        .get(
                            &auth.access_token,
                            "/business/get/",
                            &[("business_id", business), ("fields", &fields)],
                        )
                        .await
                        .ok()
                        .and_then(|me| me["username"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    let id = status["post_ids"][0]
                        .as_str()
                        .map(str::to_string)
                        .or(status["post_ids"][0].as_i64().map(|n| n.to_string()));
                    return Ok(match id {
                        Some(id) => Published {
                            url: format!("{}/@{handle}/video/{id}", self.web),
                            id,
                        },
                        None => Published {
                            url: format!("{}/@{handle}", self.web),
                            id: share,
                        },
                    });
                }
                Some("SEND_TO_USER_INBOX") => {
                    return Ok(Published {
                        id: "missing".into(),
                        url: format!("{}/messages?lang=en", self.web),
                    });
                }
                Some("FAILED") => {
                    let text =
                        format!("{} {status}", status["reason"].as_str().unwrap_or_default());
                    return Err(first_match(&text, CASES).unwrap_or_else(|| {
                        ProviderError::bad("TikTok refused to publish your post")
                    }));
                }
                _ => tokio::time::sleep(self.poll).await,
            }
        }
        Err(ProviderError::Unknown(
            "TikTok did not confirm the post in time; check the account before posting again"
                .into(),
        ))
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        let business = auth.internal_id.as_str();
        match name {
            "musicSearch" => {
                let mut q = vec![("business_id", business)];
                if let Some(g) = data["genre"].as_str().filter(|g| !g.is_empty()) {
                    q.push(("genre", g));
                }
                let v = self
                    .get(&auth.access_token, "/discovery/cml/trending_list/", &q)
                    .await?;
                Ok(v["list"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| {
                        let clip = if t["full_duration_song_clip"]["song_clip_id"].is_null() { &t["trending_song_clip"] } else { &t["full_duration_song_clip"] };
                        let id = clip["song_clip_id"].as_str()?;
                        let seconds = t["duration"].as_f64().or(t["trending_song_clip"]["duration"].as_f64()).unwrap_or(0.0);
                        Some(json!({
                            "id": id, "title": t["commercial_music_name"].as_str().unwrap_or_default(),
                            "artist": t["artist"].as_str().unwrap_or_default(), "image": t["thumbnail_url"].as_str().unwrap_or_default(),
                            "duration": seconds * 1000.0,
                            "previewUrl": t["preview_url"].as_str().or(t["trending_song_clip"]["preview_url"].as_str()).unwrap_or_default(),
                        }))
                    })
                    .collect())
            }
            "locationSearch" => {
                let Some(q) = data["q"].as_str().filter(|q| !q.is_empty()) else {
                    return Ok(json!([]));
                };
                let q: String = q.chars().take(100).collect();
                let v = self
                    .get(
                        &auth.access_token,
                        "/business/publish/location/",
                        &[("business_id", business), ("search_query", &q)],
                    )
                    .await?;
                Ok(v["locations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|l| json!({"id": l["location_id"], "name": l["location_name"].as_str().unwrap_or_default(), "address": l["location_address"].as_str().unwrap_or_default()}))
                    .collect())
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_with_a_code_are_errors() {
        assert_eq!(
            envelope(json!({"code": 0, "data": {"a": 1}}), "x").unwrap(),
            json!({"a": 1})
        );
        assert!(matches!(
            envelope(
                json!({"code": 40105, "message": "Access token has expired"}),
                "x"
            ),
            Err(ProviderError::RefreshNeeded(_))
        ));
        assert_eq!(
            envelope(json!({"code": 40002, "message": "spam_risk_text"}), "x").unwrap_err(),
            ProviderError::bad("TikTok detected potential spam in the post text")
        );
        assert_eq!(
            envelope(json!({"code": 40001, "message": "Something else"}), "x").unwrap_err(),
            ProviderError::bad("Something else")
        );
    }
}
