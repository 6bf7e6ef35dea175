//! X: OAuth 1.0a (three-legged: request token → authorize → access token; tokens do not
//! expire), tweets through API v2 with media uploaded through the v1.1 upload endpoint
//! (pictures in one request, videos in chunks, waiting for X to process them), and threads as
//! replies to the previous tweet. Base URLs from `X_URL` and `X_UPLOAD_URL`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth1::Consumer;
use crate::plugs::{self, InternalPlugDef, PlugDef};
use crate::types::*;
use crate::Provider;

use super::x_video::ChunkedUpload;

/// The X provider.
#[derive(Debug)]
pub struct X {
    info: ProviderInfo,
    http: Http,
    api: String,
    upload: String,
    web: String,
    consumer: Consumer,
    redirect_uri: String,
    analytics_off: bool,
}

/// The length X counts (twitter-text v3): most Latin, Greek, Cyrillic, Hebrew, Arabic and
/// general punctuation count 1, other characters (CJK, emoji, ...) count 2, and every link
/// counts 23 whatever its length.
pub fn weighted_length(text: &str) -> usize {
    let light = |c: char| matches!(c as u32, 0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247);
    let mut total = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            total += 23 + (word.len() - trimmed.len());
        } else {
            total += word
                .chars()
                .map(|c| if light(c) { 1 } else { 2 })
                .sum::<usize>();
        }
    }
    total
}

/// Postiz's mapped cases for X's error bodies, in the order Postiz checks them.
/// X articles are not published yet (the article API is not built).
const ARTICLES_NOT_SUPPORTED: &str =
    "Publishing X articles is not supported yet: post it as a regular post";

const CASES: &[ErrorCase] = &[
    ErrorCase::bad(
        "You are not permitted to perform this action",
        "There is a problem posting, please edit your post and check character count and media attachments",
    ),
    ErrorCase::retry(
        "Service Unavailable",
        "X is currently unavailable, please try again later",
    ),
    ErrorCase::bad(
        "maximum of one cashtag",
        "There can be maximum of one cashtag ($SYMBOL) per post",
    ),
    ErrorCase::bad(
        "maximum of 4 items",
        "There must be a maximum of 4 items per post",
    ),
    ErrorCase::refresh(
        "Unsupported Authentication",
        "X authentication has expired, please reconnect your account",
    ),
    ErrorCase::bad(
        "You are not allowed to create a Tweet",
        "You are not allowed to create a post with duplicate content",
    ),
    ErrorCase::bad(
        "usage-capped",
        "Posting failed - capped reached. Please try again later",
    ),
    ErrorCase::bad(
        "user-suspended",
        "Your X account has been suspended, please reconnect with another account",
    ),
    ErrorCase::bad(
        "duplicate-rules",
        "You have already posted this post, please wait before posting again",
    ),
    ErrorCase::bad(
        "Your account is not permitted to access this feature",
        "X blocked your request",
    ),
    ErrorCase::bad(
        "The Tweet contains an invalid URL.",
        "The Tweet contains a URL that is not allowed on X",
    ),
    ErrorCase::bad(
        "This user is not allowed to post a video longer than 2 minutes",
        "The video you are trying to post is longer than 2 minutes, which is not allowed for this account",
    ),
];

/// X's error bodies: Postiz's cases first, then our own readings (stale media ids, the usage
/// cap by its title, a refused token, and the `detail` of any other 400/403).
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match(body, CASES) {
        return Some(mapped);
    }
    if body.contains("Your media IDs are invalid") {
        return Some(ProviderError::bad(
            "Invalid media, please try to upload the media again",
        ));
    }
    if body.contains("UsageCapExceeded") {
        return Some(ProviderError::transient(
            "The X API usage cap was reached, please try later",
        ));
    }
    if status == 401 {
        return Some(ProviderError::RefreshNeeded(
            "X refused the token, please reconnect the channel".into(),
        ));
    }
    if status == 403 || status == 400 {
        let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let detail = v["detail"]
            .as_str()
            .or(v["errors"][0]["message"].as_str())
            .unwrap_or("X refused the post");
        return Some(ProviderError::bad(detail));
    }
    None
}

fn form_pairs(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The stored token is `token:secret`.
fn token_pair(access: &str) -> ProviderResult<(&str, &str)> {
    access
        .split_once(':')
        .ok_or_else(|| ProviderError::RefreshNeeded("the stored X token is malformed".into()))
}

impl X {
    /// Configured from `X_API_KEY`, `X_API_SECRET`, `X_URL`, `X_UPLOAD_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "x",
                name: "X",
                editor: Editor::Normal,
                max_length: 280,
                two_step: false,
                scopes: &[],
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 10,
                tools: &[],
                extension_cookies: None,
            },
            http,
            api: config.base_url("X_URL", "https://api.twitter.com"),
            upload: config.base_url("X_UPLOAD_URL", "https://upload.twitter.com"),
            web: config.base_url("X_WEB_URL", "https://x.com"),
            consumer: Consumer {
                key: config.or("X_API_KEY", ""),
                secret: config.or("X_API_SECRET", ""),
            },
            redirect_uri: config.redirect_uri("x"),
            analytics_off: config.get("DISABLE_X_ANALYTICS").is_some(),
        }
    }

    fn stats(&self) -> super::x_analytics::XStats<'_> {
        super::x_analytics::XStats {
            http: &self.http,
            api: &self.api,
            consumer: &self.consumer,
            map: map_error,
        }
    }

    /// Uploads one media file: a picture in one request, a video in chunks.
    async fn upload_media(&self, token: (&str, &str), m: &Media) -> ProviderResult<String> {
        let url = format!("{}/1.1/media/upload.json", self.upload);
        let media = self.http.open_media(&m.url).await?;
        let content_type = media.content_type.clone();
        if m.kind == MediaKind::Video {
            let upload = ChunkedUpload {
                url: &url,
                http: &self.http,
                consumer: &self.consumer,
                token,
                map: map_error,
            };
            let video_type = if content_type.starts_with("video/") {
                content_type.as_str()
            } else {
                "video/mp4"
            };
            return upload.video(media, video_type).await;
        }
        let part = media.into_part()?;
        let auth = self.consumer.header("POST", &url, &[], &[], Some(token));
        let req = self
            .http
            .client()
            .post(&url)
            .header("Authorization", auth)
            .multipart(Form::new().part("media", part));
        let v: Value = self.http.json(req, map_error).await?;
        v["media_id_string"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Unknown("no media id in X's answer".into()))
    }

    async fn tweet(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        reply_to: Option<&str>,
    ) -> ProviderResult<Published> {
        let token = token_pair(&auth.access_token)?;
        let mut media_ids = Vec::new();
        for m in &post.media {
            media_ids.push(self.upload_media(token, m).await?);
        }
        let mut body = json!({ "text": post.message });
        if !media_ids.is_empty() {
            body["media"] = json!({ "media_ids": media_ids });
        }
        if let Some(r) = reply_to {
            body["reply"] = json!({ "in_reply_to_tweet_id": r });
        }
        let url = format!("{}/2/tweets", self.api);
        let header = self.consumer.header("POST", &url, &[], &[], Some(token));
        let req = self
            .http
            .client()
            .post(&url)
            .header("Authorization", header)
            .json(&body);
        let v: Value = self.http.json(req, map_error).await?;
        let id = v["data"]["id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no tweet id in X's answer".into()))?
            .to_string();
        Ok(Published {
            url: format!("{}/i/status/{id}", self.web),
            id,
        })
    }
}

#[async_trait]
impl Provider for X {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    /// 280, 4,000 for a "Verified" (Premium) account, 100,000 for an article (as Postiz).
    fn max_length(&self, settings: &Value, additional: &Value) -> usize {
        if settings["post_type"] == "article" {
            return 100_000;
        }
        let verified = additional
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| s["title"] == "Verified" && s["value"] == true);
        if verified {
            4_000
        } else {
            self.info.max_length
        }
    }

    /// twitter-text's weighted length (see [`weighted_length`]).
    fn length(&self, text: &str) -> usize {
        weighted_length(text)
    }

    /// Media rules (an article's messages take pictures only, as Postiz); the length is
    /// checked by the caller against [`Provider::max_length`], which depends on the channel.
    fn check(&self, post: &PostDetails) -> Result<(), String> {
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        if post.settings["post_type"] == "article" && videos > 0 {
            return Err("X articles only support images".into());
        }
        if post.media.len() > 4 || (videos > 0 && post.media.len() > 1) {
            return Err("X takes up to 4 pictures or 1 video per post".into());
        }
        Ok(())
    }

    /// Replies go on the post a published article creates: a draft article (any status but
    /// `published`, as Postiz) has none.
    fn check_thread(&self, thread: &[PostDetails]) -> Result<(), String> {
        let Some((root, replies)) = thread.split_first() else {
            return Ok(());
        };
        if root.settings["post_type"] == "article"
            && root.settings["article_status"] != "published"
            && !replies.is_empty()
        {
            return Err(
                "A draft article cannot have thread replies, remove them or publish the article"
                    .into(),
            );
        }
        if root.settings["post_type"] == "article" {
            // Refused rather than sent as a tweet the user did not ask for.
            return Err(ARTICLES_NOT_SUPPORTED.into());
        }
        Ok(())
    }

    /// Gets a request token; the state is that token and the verifier keeps `token:secret`.
    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let url = format!("{}/oauth/request_token", self.api);
        let header = self.consumer.header(
            "POST",
            &url,
            &[("oauth_callback", &self.redirect_uri)],
            &[],
            None,
        );
        let req = self
            .http
            .client()
            .post(&url)
            .header("Authorization", header);
        let body = self
            .http
            .send(req, map_error)
            .await?
            .text()
            .await
            .unwrap_or_default();
        let pairs = form_pairs(&body);
        let (token, secret) = match (
            get(&pairs, "oauth_token"),
            get(&pairs, "oauth_token_secret"),
        ) {
            (Some(t), Some(s)) => (t.to_string(), s.to_string()),
            _ => {
                return Err(ProviderError::Unknown(
                    "X did not return a request token".into(),
                ))
            }
        };
        Ok(AuthRequest {
            url: format!(
                "{}/oauth/authorize?oauth_token={}",
                self.api,
                crate::oauth1::pct(&token)
            ),
            code_verifier: format!("{token}:{secret}"),
            state: token,
        })
    }

    /// `code` is the `oauth_verifier` X sent back.
    async fn authenticate(&self, code: &str, code_verifier: &str) -> ProviderResult<AuthTokens> {
        let request = code_verifier
            .split_once(':')
            .ok_or_else(|| ProviderError::bad("The connection expired, please try again"))?;
        let url = format!("{}/oauth/access_token", self.api);
        let header = self.consumer.header(
            "POST",
            &url,
            &[("oauth_verifier", code)],
            &[],
            Some(request),
        );
        let req = self
            .http
            .client()
            .post(&url)
            .header("Authorization", header);
        let body = self
            .http
            .send(req, |status, body| {
                (status < 500)
                    .then(|| ProviderError::bad(format!("X refused the connection: {body}")))
            })
            .await?
            .text()
            .await
            .unwrap_or_default();
        let pairs = form_pairs(&body);
        let (token, secret) = match (
            get(&pairs, "oauth_token"),
            get(&pairs, "oauth_token_secret"),
        ) {
            (Some(t), Some(s)) => (t.to_string(), s.to_string()),
            _ => return Err(ProviderError::bad("X did not return an access token")),
        };
        let me_url = format!(
            "{}/2/users/me?user.fields=profile_image_url,verified",
            self.api
        );
        let header = self
            .consumer
            .header("GET", &me_url, &[], &[], Some((&token, &secret)));
        let req = self
            .http
            .client()
            .get(&me_url)
            .header("Authorization", header);
        let me: Value = self.http.json(req, map_error).await?;
        let d = &me["data"];
        Ok(AuthTokens {
            id: d["id"].as_str().unwrap_or_default().to_string(),
            name: d["name"].as_str().unwrap_or_default().to_string(),
            access_token: format!("{token}:{secret}"),
            refresh_token: None,
            expires_in: None,
            picture: d["profile_image_url"].as_str().map(str::to_string),
            username: d["username"].as_str().map(str::to_string),
            additional_settings: Some(json!([{
                "title": "Verified",
                "description": "Is this a verified user? (Premium)",
                "type": "checkbox",
                "value": d["verified"].as_bool().unwrap_or(false),
            }])),
        })
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        if self.analytics_off {
            return Ok(Vec::new());
        }
        let token = token_pair(&auth.access_token)?;
        self.stats()
            .channel(&auth.internal_id, token, days, chrono::Utc::now())
            .await
    }

    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        if self.analytics_off {
            return Ok(Vec::new());
        }
        let token = token_pair(&auth.access_token)?;
        self.stats().post(post_id, token, chrono::Utc::now()).await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.tweet(auth, post, None).await
    }

    /// Both read likes, so both are off with `DISABLE_X_ANALYTICS`, as in Postiz.
    fn plugs(&self) -> &'static [PlugDef] {
        const PLUGS: &[PlugDef] = &[
            plugs::auto_repost("x-autoRepostPost"),
            plugs::auto_plug("x-autoPlugPost"),
        ];
        if self.analytics_off {
            &[]
        } else {
            PLUGS
        }
    }

    fn internal_plugs(&self) -> &'static [InternalPlugDef] {
        const INTERNAL: &[InternalPlugDef] = &[plugs::repost_users("x-repost-post-users", &["x"])];
        INTERNAL
    }

    /// The post's `like_count` (its public metrics).
    async fn likes(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<u64> {
        let token = token_pair(&auth.access_token)?;
        let url = crate::oauth::url_with_query(
            &format!("{}/2/tweets/{}", self.api, crate::oauth1::pct(post_id)),
            &[("tweet.fields", "public_metrics")],
        );
        let v = self.stats().get(&url, token).await?;
        v["data"]["public_metrics"]["like_count"]
            .as_u64()
            .ok_or_else(|| ProviderError::Unknown("X did not return the post's likes".into()))
    }

    /// A retweet by the channel's account (`POST /2/users/:id/retweets`).
    async fn repost(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<()> {
        let token = token_pair(&auth.access_token)?;
        let url = format!(
            "{}/2/users/{}/retweets",
            self.api,
            crate::oauth1::pct(&auth.internal_id)
        );
        let header = self.consumer.header("POST", &url, &[], &[], Some(token));
        let req = self
            .http
            .client()
            .post(&url)
            .header("Authorization", header)
            .json(&json!({ "tweet_id": post_id }));
        let v: Value = self.http.json(req, map_error).await?;
        if v["data"]["retweeted"].as_bool() == Some(true) {
            Ok(())
        } else {
            Err(ProviderError::Unknown(
                "X did not confirm the repost".into(),
            ))
        }
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.tweet(auth, post, Some(reply_to)).await
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error, weighted_length, X};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::MediaKind;
    use crate::Provider;
    use serde_json::json;

    fn x() -> X {
        X::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        )
    }

    use super::super::test_post as post;

    #[test]
    fn articles_take_pictures_and_a_draft_no_replies() {
        let p = x();
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        let article = json!({"post_type": "article", "article_status": "draft"});
        assert_eq!(
            p.check(&post(article.clone(), &[vid])).unwrap_err(),
            "X articles only support images"
        );
        assert!(p.check(&post(article.clone(), &[img, img])).is_ok());
        assert!(p.check(&post(json!({"post_type": "post"}), &[vid])).is_ok());
        let draft =
            "A draft article cannot have thread replies, remove them or publish the article";
        let reply = post(article.clone(), &[]);
        assert_eq!(
            p.check_thread(&[post(article.clone(), &[]), reply.clone()])
                .unwrap_err(),
            draft
        );
        let no_status = json!({"post_type": "article"});
        assert_eq!(
            p.check_thread(&[post(no_status, &[]), reply.clone()])
                .unwrap_err(),
            draft
        );
        // Otherwise an article is refused clearly, never sent as a tweet.
        assert_eq!(
            p.check_thread(&[post(article, &[])]).unwrap_err(),
            super::ARTICLES_NOT_SUPPORTED
        );
        let published = json!({"post_type": "article", "article_status": "published"});
        assert_eq!(
            p.check_thread(&[post(published, &[]), reply.clone()])
                .unwrap_err(),
            super::ARTICLES_NOT_SUPPORTED
        );
        let tweet = json!({"who_can_reply_post": "everyone"});
        assert!(p.check_thread(&[post(tweet, &[]), reply]).is_ok());
    }

    #[test]
    fn four_pictures_or_one_video() {
        let p = x();
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        let msg = "X takes up to 4 pictures or 1 video per post";
        assert_eq!(p.check(&post(json!({}), &[img; 5])).unwrap_err(), msg);
        assert_eq!(p.check(&post(json!({}), &[vid, img])).unwrap_err(), msg);
        assert!(p.check(&post(json!({}), &[img; 4])).is_ok());
    }

    #[test]
    fn counts_like_x() {
        assert_eq!(weighted_length("hello"), 5);
        assert_eq!(weighted_length("日本語"), 6);
        assert_eq!(
            weighted_length("read https://example.com/a/very/long/path/that/goes/on/and/on now"),
            5 + 23 + 4
        );
        assert_eq!(weighted_length("😀"), 2);
        assert_eq!(weighted_length("Ελληνικά и русский"), 18);
    }

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(
                403,
                r#"{"detail":"You are not allowed to create a Tweet with duplicate content."}"#
            ),
            Some(ProviderError::bad(
                "You are not allowed to create a post with duplicate content"
            ))
        );
        assert_eq!(
            map_error(503, "Service Unavailable"),
            Some(ProviderError::transient(
                "X is currently unavailable, please try again later"
            ))
        );
        assert_eq!(
            map_error(
                403,
                r#"{"errors":[{"message":"Unsupported Authentication"}]}"#
            ),
            Some(ProviderError::RefreshNeeded(
                "X authentication has expired, please reconnect your account".into()
            ))
        );
        assert_eq!(
            map_error(400, "This user is not allowed to post a video longer than 2 minutes"),
            Some(ProviderError::bad(
                "The video you are trying to post is longer than 2 minutes, which is not allowed for this account"
            ))
        );
    }

    #[test]
    fn postiz_cases_come_first_in_postiz_order() {
        // Postiz's bad-body `usage-capped` wins over our transient reading of the title.
        assert_eq!(
            map_error(
                429,
                r#"{"title":"UsageCapExceeded","type":"https://api.twitter.com/2/problems/usage-capped"}"#
            ),
            Some(ProviderError::bad(
                "Posting failed - capped reached. Please try again later"
            ))
        );
        // The first case listed wins when a body holds two needles.
        assert_eq!(
            map_error(403, "You are not permitted to perform this action. Service Unavailable"),
            Some(ProviderError::bad(
                "There is a problem posting, please edit your post and check character count and media attachments"
            ))
        );
        // A Postiz case wins over the 401 and `detail` fallbacks.
        assert_eq!(
            map_error(401, "Unsupported Authentication"),
            Some(ProviderError::RefreshNeeded(
                "X authentication has expired, please reconnect your account".into()
            ))
        );
    }

    #[test]
    fn keeps_our_readings_after_postiz_cases() {
        assert_eq!(
            map_error(429, r#"{"title":"UsageCapExceeded"}"#),
            Some(ProviderError::transient(
                "The X API usage cap was reached, please try later"
            ))
        );
        assert_eq!(
            map_error(401, "{}"),
            Some(ProviderError::RefreshNeeded(
                "X refused the token, please reconnect the channel".into()
            ))
        );
        assert_eq!(
            map_error(400, r#"{"detail":"Text is required"}"#),
            Some(ProviderError::bad("Text is required"))
        );
        assert_eq!(map_error(429, r#"{"title":"Too Many Requests"}"#), None);
    }
}
