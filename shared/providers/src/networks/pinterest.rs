//! Pinterest: OAuth 2 (client credentials in Basic auth), tokens that expire and refresh,
//! pins of 1 to 5 images on a board, and the `boards` tool. Base URLs from
//! `PINTEREST_URL` (API) and `PINTEREST_WEB_URL` (authorization page).
//! Video pins: the video is registered, uploaded to the storage URL Pinterest returns, and
//! pinned with a cover picture once processed.

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "boards:read",
    "boards:write",
    "pins:read",
    "pins:write",
    "user_accounts:read",
];

/// The Pinterest provider.
#[derive(Debug)]
pub struct Pinterest {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    poll: std::time::Duration,
}

/// Postiz's mapped cases for Pinterest's error bodies, in the order Postiz checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::bad(
        "constraint: maxItems=5",
        "You can upload a maximum of 5 images per post on Pinterest.",
    ),
    ErrorCase::retry(
        "Unable to reach the URL",
        "Pinterest was unable to reach the URL provided. Please check the link and try again.",
    ),
    // Postiz looks for the board-id pattern with its backslashes escaped twice over.
    ErrorCase::bad(
        r"does not match '^\\\\\\\\d+$'",
        "The board ID must be a numeric string. Please check the board ID format.",
    ),
    ErrorCase::bad(
        "Board not found",
        "The specified board was not found. Please check the board ID.",
    ),
    ErrorCase::bad(
        "cover_image_url or cover_image_content_type",
        "When uploading a video, you must add also an image to be used as a cover image.",
    ),
];

/// Pinterest's error bodies: Postiz's cases.
fn map_error(_status: u16, body: &str) -> Option<ProviderError> {
    first_match(body, CASES)
}

/// A refresh refused for good (`invalid_grant`, revoked app) is a dead token, not a bad post.
fn map_token_error(status: u16, body: &str) -> Option<ProviderError> {
    if (400..500).contains(&status) && status != 429 {
        return Some(ProviderError::RefreshNeeded(format!(
            "Pinterest refused the refresh: {body}"
        )));
    }
    None
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
}

#[derive(Deserialize)]
struct UserAccount {
    id: Option<String>,
    username: String,
    profile_image: Option<String>,
}

#[derive(Deserialize)]
struct Pin {
    id: String,
}

impl Pinterest {
    /// Configured from `PINTEREST_CLIENT_ID`, `PINTEREST_CLIENT_SECRET`, `PINTEREST_URL`, `PINTEREST_WEB_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "pinterest",
                name: "Pinterest",
                editor: Editor::Normal,
                max_length: 500,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 3,
                tools: &["boards"],
                extension_cookies: None,
            },
            http,
            api: config.base_url("PINTEREST_URL", "https://api.pinterest.com"),
            web: config.base_url("PINTEREST_WEB_URL", "https://www.pinterest.com"),
            client_id: config.or("PINTEREST_CLIENT_ID", ""),
            client_secret: config.or("PINTEREST_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("pinterest"),
            poll: std::time::Duration::from_millis(
                config
                    .get("PINTEREST_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(2000),
            ),
        }
    }

    fn basic(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.client_id, self.client_secret))
        )
    }

    async fn token(
        &self,
        form: &[(&str, &str)],
        map: crate::http::ErrorMapper,
    ) -> ProviderResult<TokenAnswer> {
        let req = self
            .http
            .client()
            .post(format!("{}/v5/oauth/token", self.api))
            .header("Authorization", self.basic())
            .form(form);
        self.http.json(req, map).await
    }

    async fn tokens_with_profile(
        &self,
        t: TokenAnswer,
        keep_refresh: Option<&str>,
    ) -> ProviderResult<AuthTokens> {
        let req = self
            .http
            .client()
            .get(format!("{}/v5/user_account", self.api))
            .bearer_auth(&t.access_token);
        let me: UserAccount = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: me.id.unwrap_or_else(|| me.username.clone()),
            name: me.username.clone(),
            access_token: t.access_token,
            refresh_token: t.refresh_token.or(keep_refresh.map(str::to_string)),
            expires_in: t.expires_in,
            picture: me.profile_image,
            username: Some(me.username),
            additional_settings: None,
        })
    }
}

impl Pinterest {
    /// Registers a video, uploads it to the storage URL Pinterest returns (a form POST with
    /// the given parameters), and waits until Pinterest has processed it.
    async fn upload_video(&self, auth: &ChannelAuth, m: &Media) -> ProviderResult<String> {
        let req = self
            .http
            .client()
            .post(format!("{}/v5/media", self.api))
            .bearer_auth(&auth.access_token)
            .json(&json!({"media_type": "video"}));
        let reg: Value = self.http.json(req, map_error).await?;
        let media_id = reg["media_id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no media id".into()))?
            .to_string();
        let (media, _) = self.http.open_media(&m.url).await?.sized().await?;
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in reg["upload_parameters"].as_object().into_iter().flatten() {
            form = form.text(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
        let part = media.into_part()?;
        let req = self
            .http
            .client()
            .post(reg["upload_url"].as_str().unwrap_or_default())
            .multipart(form.part("file", part));
        self.http.send(req, map_error).await?;
        for _ in 0..60 {
            let req = self
                .http
                .client()
                .get(format!("{}/v5/media/{media_id}", self.api))
                .bearer_auth(&auth.access_token);
            let v: Value = self.http.json(req, map_error).await?;
            match v["status"].as_str() {
                Some("succeeded") => return Ok(media_id),
                Some("failed") => {
                    return Err(ProviderError::bad("Pinterest could not process the video"))
                }
                _ => tokio::time::sleep(self.poll).await,
            }
        }
        Err(ProviderError::transient(
            "Pinterest is still processing the video",
        ))
    }
}

#[async_trait]
impl Provider for Pinterest {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err(
                "The description should be at most 500 characters long for Pinterest".into(),
            );
        }
        let board = post
            .settings
            .get("board")
            .and_then(Value::as_str)
            .unwrap_or("");
        if board.is_empty() {
            return Err("Pinterest needs a board".into());
        }
        if post
            .settings
            .get("title")
            .and_then(Value::as_str)
            .is_some_and(|t| t.chars().count() > 100)
        {
            return Err("The title should be at most 100 characters long for Pinterest".into());
        }
        // Postiz's rules but the one on pictures' sizes (several pictures must share width and
        // height), which needs the files. Ours: a video pin's second item is a picture.
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        if post.media.is_empty() {
            return Err("Requires at least one media".into());
        }
        if post.media.len() > 5 {
            return Err("You can only have up to 5 media items".into());
        }
        if videos > 0 && videos == post.media.len() {
            return Err(
                "If posting a video you have to also include a cover image as second media".into(),
            );
        }
        if videos > 0 && post.media.len() > 2 {
            return Err("If posting a video you can only have two media items".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/", self.web),
            &[
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("response_type", "code"),
                ("scope", &SCOPES.join(",")),
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
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                ],
                |status, body| {
                    (status < 500 && status != 429)
                        .then(|| ProviderError::bad(format!("Pinterest refused the code: {body}")))
                },
            )
            .await?;
        self.tokens_with_profile(t, None).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = stored_refresh_token(auth)?;
        let scope = SCOPES.join(",");
        let t = self
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh),
                    ("scope", &scope),
                    ("redirect_uri", &self.redirect_uri),
                ],
                map_token_error,
            )
            .await?;
        self.tokens_with_profile(t, Some(refresh)).await
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        super::stats_more::pinterest(&self.http, &self.api, &auth.access_token, days, map_error)
            .await
    }

    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        days: u32,
    ) -> ProviderResult<Vec<Value>> {
        super::stats_more::pinterest_pin(
            &self.http,
            &self.api,
            &auth.access_token,
            post_id,
            days,
            map_error,
        )
        .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let s = &post.settings;
        let video = post.media.iter().find(|m| m.kind == MediaKind::Video);
        let media_source = if let Some(v) = video {
            let cover = post
                .media
                .iter()
                .find(|m| m.kind == MediaKind::Image)
                .map(|m| m.url.clone())
                .unwrap_or_default();
            let media_id = self.upload_video(auth, v).await?;
            json!({"source_type": "video_id", "media_id": media_id, "cover_image_url": cover})
        } else if post.media.len() == 1 {
            json!({"source_type": "image_url", "url": post.media[0].url})
        } else {
            json!({"source_type": "multiple_image_urls", "items": post.media.iter().map(|m| json!({"url": m.url})).collect::<Vec<_>>()})
        };
        let mut body = json!({
            "board_id": s.get("board"),
            "description": post.message,
            "media_source": media_source,
        });
        for k in ["title", "link", "dominant_color"] {
            if let Some(v) = s.get(k).and_then(Value::as_str).filter(|v| !v.is_empty()) {
                body[k] = json!(v);
            }
        }
        let req = self
            .http
            .client()
            .post(format!("{}/v5/pins", self.api))
            .bearer_auth(&auth.access_token)
            .json(&body);
        let pin: Pin = self.http.json(req, map_error).await?;
        Ok(Published {
            url: format!("{}/pin/{}", self.web, pin.id),
            id: pin.id,
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        match name {
            "boards" => {
                let req = self
                    .http
                    .client()
                    .get(format!("{}/v5/boards?page_size=250", self.api))
                    .bearer_auth(&auth.access_token);
                let v: Value = self.http.json(req, map_error).await?;
                let boards: Vec<Value> = v["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|b| json!({"id": b["id"], "name": b["name"]}))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(json!(boards))
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error, Pinterest};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::{MediaKind, PostDetails};
    use crate::Provider;
    use serde_json::json;

    fn pin(kinds: &[MediaKind]) -> PostDetails {
        super::super::test_post(json!({"board": "1"}), kinds)
    }

    #[test]
    fn one_to_five_media_and_a_video_with_its_cover() {
        let p = Pinterest::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        );
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        assert_eq!(
            p.check(&pin(&[])).unwrap_err(),
            "Requires at least one media"
        );
        assert_eq!(
            p.check(&pin(&[img; 6])).unwrap_err(),
            "You can only have up to 5 media items"
        );
        let cover = "If posting a video you have to also include a cover image as second media";
        assert_eq!(p.check(&pin(&[vid])).unwrap_err(), cover);
        assert_eq!(p.check(&pin(&[vid, vid])).unwrap_err(), cover);
        assert_eq!(
            p.check(&pin(&[vid, img, img])).unwrap_err(),
            "If posting a video you can only have two media items"
        );
        assert!(p.check(&pin(&[vid, img])).is_ok());
        assert!(p.check(&pin(&[img])).is_ok());
        assert!(p.check(&pin(&[img; 5])).is_ok());
    }

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(
                400,
                r#"{"code":1,"message":"items: constraint: maxItems=5"}"#
            ),
            Some(ProviderError::bad(
                "You can upload a maximum of 5 images per post on Pinterest."
            ))
        );
        assert_eq!(
            map_error(400, r#"{"code":1,"message":"Unable to reach the URL"}"#),
            Some(ProviderError::transient(
                "Pinterest was unable to reach the URL provided. Please check the link and try again."
            ))
        );
        assert_eq!(
            map_error(400, r"board_id 'abc' does not match '^\\\\\\\\d+$'"),
            Some(ProviderError::bad(
                "The board ID must be a numeric string. Please check the board ID format."
            ))
        );
        assert_eq!(
            map_error(404, r#"{"code":2,"message":"Board not found."}"#),
            Some(ProviderError::bad(
                "The specified board was not found. Please check the board ID."
            ))
        );
    }

    #[test]
    fn postiz_cases_come_first_in_postiz_order() {
        assert_eq!(
            map_error(
                400,
                "Board not found; cover_image_url or cover_image_content_type"
            ),
            Some(ProviderError::bad(
                "The specified board was not found. Please check the board ID."
            ))
        );
    }

    #[test]
    fn other_errors_are_not_mapped() {
        assert_eq!(
            map_error(401, r#"{"code":2,"message":"Authentication failed."}"#),
            None
        );
    }
}
