//! TikTok: OAuth 2 (refreshable), posts through the Content Posting API pulling media from
//! our URLs: one video, or up to 35 photos; the post is then polled until TikTok reports it
//! published. No comments. Errors come as `{"error": {"code", "message"}}` with `code: "ok"`
//! on success. Base URLs from `TIKTOK_URL` (API) and `TIKTOK_WEB_URL`.

use async_trait::async_trait;
use serde_json::{json, Value};
use std::time::Duration;

use crate::config::ProviderConfig;
use crate::error::{first_match_or_retry, rate_limited, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, refreshed, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "user.info.basic",
    "video.publish",
    "video.upload",
    "user.info.profile",
];

/// The TikTok provider.
#[derive(Debug)]
pub struct TikTok {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_key: String,
    client_secret: String,
    redirect_uri: String,
    poll: Duration,
}

/// Postiz's TikTok cases, in the order Postiz checks them (its second, unreachable check of
/// `spam_risk_user_banned_from_posting` left out). `reached_active_user_cap` is Postiz's
/// `disconnect`: the channel must be connected again.
const CASES: &[ErrorCase] = &[
    ErrorCase::refresh(
        "access_token_invalid",
        "Access token invalid, please re-authenticate your TikTok account",
    ),
    ErrorCase::bad(
        "scope_not_authorized",
        "Missing required permissions, please re-authenticate with all scopes",
    ),
    ErrorCase::bad(
        "scope_permission_missed",
        "Additional permissions required, please re-authenticate",
    ),
    ErrorCase::bad(
        "rate_limit_exceeded",
        "TikTok API rate limit exceeded, please try again later",
    ),
    ErrorCase::bad(
        "file_format_check_failed",
        "File format is invalid, please check video specifications",
    ),
    ErrorCase::bad(
        "app_version_check_failed",
        "In order to use the TikTok upload feature, you have to update your app to the latest version",
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
    ErrorCase::bad(
        "spam_risk_too_many_pending_share",
        "TikTok limits pending posts to 5 within any 24-hour period. Please check your TikTok inbox in the TikTok mobile app and try again after 24 hours.",
    ),
    ErrorCase::bad("spam_risk", "TikTok detected potential spam"),
    ErrorCase::refresh(
        "reached_active_user_cap",
        "TikTok daily user limit reached, please re-connect your account",
    ),
    ErrorCase::bad(
        "unaudited_client_can_only_post_to_private_accounts",
        "App not approved for public posting, contact support",
    ),
    ErrorCase::bad(
        "url_ownership_unverified",
        "You have to upload the picture/video to Postiz when sending a URL",
    ),
    ErrorCase::bad(
        "privacy_level_option_mismatch",
        "Privacy level mismatch, please check privacy settings",
    ),
    ErrorCase::bad(
        "invalid_file_upload",
        "Invalid file format or specifications not met",
    ),
    ErrorCase::bad(
        "invalid_params",
        "Invalid request parameters, please check content format",
    ),
    ErrorCase::bad(
        "internal",
        "There is a problem with TikTok servers, please try again later",
    ),
    ErrorCase::bad(
        "picture_size_check_failed",
        "Video must be at least 720p, Picture must no exceed 1080p",
    ),
    ErrorCase::bad("TikTok API error", "TikTok API error, please try again"),
];

/// TikTok's error bodies (`{"error": {"code", "message"}}`, also inside a 200 answer):
/// Postiz's cases (retried when rate limited, as Postiz does whatever the case), then our
/// own reading of the `error.code`.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match_or_retry(status, body, CASES) {
        return Some(mapped);
    }
    let v: Value = serde_json::from_str(body).ok()?;
    let code = v["error"]["code"].as_str()?;
    let message = v["error"]["message"].as_str().unwrap_or("");
    Some(match code {
        "token_not_authorized_for_specified_deployment" => {
            ProviderError::RefreshNeeded(format!("TikTok: {code}"))
        }
        _ if rate_limited(status, body) => ProviderError::transient(format!("TikTok: {code}")),
        _ => ProviderError::bad(format!("TikTok refused the post: {message}")),
    })
}

/// A 200 answer whose `error.code` is not `ok` is an error like any other.
fn ok_or_error(v: Value) -> ProviderResult<Value> {
    match v["error"]["code"].as_str() {
        None | Some("ok") => Ok(v),
        Some(_) => Err(map_error(200, &v.to_string())
            .unwrap_or_else(|| ProviderError::Unknown(format!("TikTok answered {v}")))),
    }
}

/// Why TikTok says a post failed, in Postiz's words when one of its cases matches the status
/// answer (always the user's to fix, as in Postiz), else with TikTok's own `fail_reason`.
fn failure(status: &Value) -> ProviderError {
    let text = status.to_string();
    match CASES.iter().find(|case| text.contains(case.needle)) {
        Some(case) => ProviderError::bad(case.message),
        None => {
            let reason = status["data"]["fail_reason"].as_str().unwrap_or("unknown");
            ProviderError::bad(format!("TikTok could not publish the post: {reason}"))
        }
    }
}

impl TikTok {
    /// Configured from `TIKTOK_CLIENT_ID`, `TIKTOK_CLIENT_SECRET`, `TIKTOK_URL`, `TIKTOK_WEB_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "tiktok",
                name: "Tiktok",
                editor: Editor::Normal,
                max_length: 2000,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 10_000,
                tools: &[],
                extension_cookies: None,
            },
            http,
            api: config.base_url("TIKTOK_URL", "https://open.tiktokapis.com"),
            web: config.base_url("TIKTOK_WEB_URL", "https://www.tiktok.com"),
            client_key: config.or("TIKTOK_CLIENT_ID", ""),
            client_secret: config.or("TIKTOK_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("tiktok"),
            poll: Duration::from_millis(
                config
                    .get("TIKTOK_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(3000),
            ),
        }
    }

    async fn token(&self, form: &[(&str, &str)], refreshing: bool) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}/v2/oauth/token/", self.api))
            .form(form);
        let v: Value = self.http.json(req, crate::http::no_mapping).await?;
        if let Some(e) = v["error"].as_str().filter(|e| !e.is_empty()) {
            let msg = format!("TikTok refused the token request: {e}");
            return Err(if refreshing {
                ProviderError::RefreshNeeded(msg)
            } else {
                ProviderError::bad(msg)
            });
        }
        Ok(v)
    }

    async fn api_post(&self, token: &str, path: &str, body: Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}{path}", self.api))
            .bearer_auth(token)
            .json(&body);
        ok_or_error(self.http.json(req, map_error).await?)
    }

    async fn username(&self, token: &str) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}/v2/user/info/", self.api))
            .query(&[(
                "fields",
                "open_id,avatar_url,display_name,union_id,username",
            )])
            .bearer_auth(token);
        let v = ok_or_error(self.http.json(req, map_error).await?)?;
        Ok(v["data"]["user"].clone())
    }
}

#[async_trait]
impl Provider for TikTok {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("The post should be at most 2000 characters long for TikTok".into());
        }
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        match (post.media.len(), videos) {
            (0, _) => Err("No video / images selected".into()),
            (1, 1) => Ok(()),
            (_, v) if v > 0 => {
                Err("Only pictures are supported when selecting multiple items".into())
            }
            (n, _) if n > 35 => Err("TikTok takes at most 35 pictures".into()),
            _ => Ok(()),
        }
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/v2/auth/authorize/", self.web),
            &[
                ("client_key", &self.client_key),
                ("scope", &SCOPES.join(",")),
                ("response_type", "code"),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: random_string(8),
            state,
        })
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let t = self
            .token(
                &[
                    ("client_key", &self.client_key),
                    ("client_secret", &self.client_secret),
                    ("code", code),
                    ("grant_type", "authorization_code"),
                    ("redirect_uri", &self.redirect_uri),
                ],
                false,
            )
            .await?;
        let access = t["access_token"].as_str().unwrap_or_default().to_string();
        let user = self.username(&access).await?;
        Ok(AuthTokens {
            id: t["open_id"]
                .as_str()
                .or(user["open_id"].as_str())
                .unwrap_or_default()
                .to_string(),
            name: user["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            picture: user["avatar_url"].as_str().map(str::to_string),
            username: user["username"].as_str().map(str::to_string),
            access_token: access,
            refresh_token: t["refresh_token"].as_str().map(str::to_string),
            expires_in: t["expires_in"].as_i64(),
            additional_settings: None,
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = stored_refresh_token(auth)?;
        let t = self
            .token(
                &[
                    ("client_key", &self.client_key),
                    ("client_secret", &self.client_secret),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh),
                ],
                true,
            )
            .await?;
        Ok(refreshed(
            auth,
            t["access_token"].as_str().unwrap_or_default().to_string(),
            t["refresh_token"].as_str().map(str::to_string),
            t["expires_in"].as_i64(),
        ))
    }

    async fn analytics(&self, auth: &ChannelAuth, _days: u32) -> ProviderResult<Vec<Value>> {
        super::stats_more::tiktok(&self.http, &self.api, &auth.access_token, map_error).await
    }

    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        super::stats_more::tiktok_video(
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
        let privacy = s["privacy_level"].as_str().unwrap_or("PUBLIC_TO_EVERYONE");
        let flag = |k: &str| s[k].as_bool() == Some(false);
        let init = if post.media[0].kind == MediaKind::Video {
            let body = json!({
                "post_info": {
                    "title": post.message,
                    "privacy_level": privacy,
                    "disable_duet": flag("duet"),
                    "disable_comment": flag("comment"),
                    "disable_stitch": flag("stitch"),
                    "brand_content_toggle": s["brand_content_toggle"].as_bool().unwrap_or(false),
                    "brand_organic_toggle": s["brand_organic_toggle"].as_bool().unwrap_or(false),
                },
                "source_info": {"source": "PULL_FROM_URL", "video_url": post.media[0].url},
            });
            self.api_post(&auth.access_token, "/v2/post/publish/video/init/", body)
                .await?
        } else {
            let body = json!({
                "post_info": {
                    "title": s["title"].as_str().unwrap_or(""),
                    "description": post.message,
                    "privacy_level": privacy,
                    "disable_comment": flag("comment"),
                    "auto_add_music": s["autoAddMusic"].as_str() == Some("yes"),
                },
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_cover_index": 0,
                    "photo_images": post.media.iter().map(|m| m.url.clone()).collect::<Vec<_>>(),
                },
                "post_mode": if s["content_posting_method"].as_str() == Some("UPLOAD") { "MEDIA_UPLOAD" } else { "DIRECT_POST" },
                "media_type": "PHOTO",
            });
            self.api_post(&auth.access_token, "/v2/post/publish/content/init/", body)
                .await?
        };
        let publish_id = init["data"]["publish_id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no publish id".into()))?
            .to_string();
        for _ in 0..60 {
            let status = self
                .api_post(
                    &auth.access_token,
                    "/v2/post/publish/status/fetch/",
                    json!({ "publish_id": publish_id }),
                )
                .await?;
            match status["data"]["status"].as_str() {
                Some("PUBLISH_COMPLETE") => {
                    let id = status["data"]["publicaly_available_post_id"][0]
                        .as_i64()
                        .map(|i| i.to_string())
                        .or_else(|| {
                            status["data"]["publicaly_available_post_id"][0]
                                .as_str()
                                .map(str::to_string)
                        })
                        .unwrap_or_else(|| publish_id.clone());
                    let user = self
                        .username(&auth.access_token)
                        .await
                        .unwrap_or(Value::Null);
                    let handle = user["username"].as_str().unwrap_or("");
                    return Ok(Published {
                        url: format!("{}/@{handle}/video/{id}", self.web),
                        id,
                    });
                }
                Some("SEND_TO_USER_INBOX") => {
                    return Ok(Published {
                        url: format!("{}/", self.web),
                        id: publish_id,
                    });
                }
                Some("FAILED") => return Err(failure(&status)),
                _ => tokio::time::sleep(self.poll).await,
            }
        }
        Err(ProviderError::Unknown(
            "TikTok did not confirm the post in time; check the account before posting again"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{failure, map_error, ok_or_error, TikTok};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::MediaKind;
    use crate::Provider;
    use serde_json::json;

    use super::super::test_post as post;

    #[test]
    fn one_video_or_pictures() {
        let p = TikTok::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        );
        let s = json!({"privacy_level": "PUBLIC_TO_EVERYONE", "duet": false, "stitch": false, "comment": false});
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        assert_eq!(
            p.check(&post(s.clone(), &[])).unwrap_err(),
            "No video / images selected"
        );
        let only_pictures = "Only pictures are supported when selecting multiple items";
        assert_eq!(
            p.check(&post(s.clone(), &[img, vid])).unwrap_err(),
            only_pictures
        );
        assert_eq!(
            p.check(&post(s.clone(), &[vid, vid])).unwrap_err(),
            only_pictures
        );
        assert!(p.check(&post(s.clone(), &[vid])).is_ok());
        assert!(p.check(&post(s.clone(), &[img])).is_ok());
        assert!(p.check(&post(s, &[img, img, img])).is_ok());
    }

    fn envelope(code: &str, message: &str) -> String {
        json!({"data": {}, "error": {"code": code, "message": message, "log_id": "log-1"}})
            .to_string()
    }

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(
                401,
                &envelope("access_token_invalid", "The access token is invalid")
            ),
            Some(ProviderError::RefreshNeeded(
                "Access token invalid, please re-authenticate your TikTok account".into()
            ))
        );
        assert_eq!(
            map_error(403, &envelope("spam_risk_too_many_posts", "Daily cap")),
            Some(ProviderError::bad(
                "TikTok says your daily post limit reached, please try again tomorrow"
            ))
        );
        assert_eq!(
            map_error(403, &envelope("reached_active_user_cap", "Cap")),
            Some(ProviderError::RefreshNeeded(
                "TikTok daily user limit reached, please re-connect your account".into()
            ))
        );
        assert_eq!(
            map_error(500, &envelope("internal_error", "Something broke")),
            Some(ProviderError::bad(
                "There is a problem with TikTok servers, please try again later"
            ))
        );
    }

    #[test]
    fn earlier_cases_win() {
        // The specific spam codes come before the catch-all `spam_risk`.
        assert_eq!(
            map_error(403, &envelope("spam_risk_too_many_pending_share", "Pending")),
            Some(ProviderError::bad(
                "TikTok limits pending posts to 5 within any 24-hour period. Please check your TikTok inbox in the TikTok mobile app and try again after 24 hours."
            ))
        );
        assert_eq!(
            map_error(403, &envelope("spam_risk_other", "Spam")),
            Some(ProviderError::bad("TikTok detected potential spam"))
        );
        // `internal` is checked before `picture_size_check_failed`.
        assert_eq!(
            map_error(
                400,
                &envelope("picture_size_check_failed", "internal check")
            ),
            Some(ProviderError::bad(
                "There is a problem with TikTok servers, please try again later"
            ))
        );
    }

    #[test]
    fn a_rate_limited_answer_is_retried_with_the_case_message() {
        assert_eq!(
            map_error(429, &envelope("rate_limit_exceeded", "Too many requests")),
            Some(ProviderError::transient(
                "TikTok API rate limit exceeded, please try again later"
            ))
        );
        assert_eq!(
            map_error(429, &envelope("spam_risk_text", "Spam")),
            Some(ProviderError::transient(
                "TikTok detected potential spam in the post text"
            ))
        );
    }

    #[test]
    fn unmatched_bodies_fall_back() {
        assert_eq!(
            map_error(400, &envelope("some_new_code", "Nope")),
            Some(ProviderError::bad("TikTok refused the post: Nope"))
        );
        assert_eq!(
            map_error(
                401,
                &envelope("token_not_authorized_for_specified_deployment", "")
            ),
            Some(ProviderError::RefreshNeeded(
                "TikTok: token_not_authorized_for_specified_deployment".into()
            ))
        );
        assert_eq!(map_error(502, "<html>Bad Gateway</html>"), None);
    }

    #[test]
    fn errors_inside_a_200_and_failed_posts_use_the_cases() {
        let ok = json!({"data": {"publish_id": "p1"}, "error": {"code": "ok", "message": ""}});
        assert_eq!(ok_or_error(ok.clone()).unwrap(), ok);
        assert_eq!(
            ok_or_error(
                json!({"data": {}, "error": {"code": "url_ownership_unverified", "message": ""}})
            ),
            Err(ProviderError::bad(
                "You have to upload the picture/video to Postiz when sending a URL"
            ))
        );
        let failed = |reason: &str| json!({"data": {"status": "FAILED", "fail_reason": reason}, "error": {"code": "ok", "message": ""}});
        assert_eq!(
            failure(&failed("video_pull_failed")),
            ProviderError::bad("Failed to pull video from URL, please check the URL")
        );
        assert_eq!(
            failure(&failed("access_token_invalid")),
            ProviderError::bad("Access token invalid, please re-authenticate your TikTok account")
        );
        assert_eq!(
            failure(&failed("mystery")),
            ProviderError::bad("TikTok could not publish the post: mystery")
        );
    }
}
