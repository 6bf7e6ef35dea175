//! Instagram, two ways: `instagram` (a business account reached through Facebook Login and
//! one of the user's pages: two-step) and `instagram-standalone` (Instagram Login, a token
//! that refreshes itself). Both publish through media containers: create (image, reel, story
//! or carousel), wait until `FINISHED`, publish; comments go on the published media.
//! Base URLs from `INSTAGRAM_FB_GRAPH_URL`, `INSTAGRAM_GRAPH_URL`, `INSTAGRAM_API_URL`,
//! `INSTAGRAM_WEB_URL` and `FACEBOOK_WEB_URL`.

use async_trait::async_trait;
use serde_json::{json, Value};
use std::time::Duration;

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, url_with_query};
use crate::types::*;
use crate::Provider;

const FB_SCOPES: &[&str] = &[
    "instagram_basic",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
];
const IG_SCOPES: &[&str] = &[
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_insights",
];
const LONG_LIVED_SECS: i64 = 59 * 86_400;

/// Postiz's first Instagram cases, checked before the two that ignore case.
const CASES_FIRST: &[ErrorCase] = &[
    ErrorCase::retry(
        "An unknown error occurred",
        "An unknown error occurred, please try again later",
    ),
    ErrorCase::bad("2207081", "This account doesn't support Trial Reels"),
    ErrorCase::refresh(
        "REVOKED_ACCESS_TOKEN",
        "Something is wrong with your connected user, please re-authenticate",
    ),
    ErrorCase::refresh(
        "\"error_subcode\":33",
        "Something is wrong with your connected user, please re-authenticate",
    ),
    // Ours, not Postiz's: an expired or invalidated token (code 190) is refreshed, where
    // Postiz's later `190,` case reads it as missing permissions and stops.
    ErrorCase::refresh(
        "Error validating access token",
        "Something is wrong with your connected user, please re-authenticate",
    ),
];

/// Postiz's cases that ignore case: matched against the lowercased body.
const CASES_ANY_CASE: &[ErrorCase] = &[
    ErrorCase::refresh(
        "the user is not an instagram business",
        "Your Instagram account is not a business account, please convert it to a business account",
    ),
    ErrorCase::refresh(
        "session has been invalidated",
        "You session has been invalidated, this can usually happen from frequent posting, please re-authenticate, and wait 1-2 days before posting again",
    ),
];

/// The rest of Postiz's Instagram cases, in the order Postiz checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::bad("2207050", "Instagram user is restricted"),
    ErrorCase::bad("2207003", "Timeout downloading media, please try again"),
    ErrorCase::bad("2207020", "Media expired, please upload again"),
    ErrorCase::bad("2207032", "Failed to create media, please try again"),
    ErrorCase::bad("2207053", "Unknown upload error, please try again"),
    ErrorCase::bad("2207052", "Media fetch failed, please try again"),
    ErrorCase::bad("2207057", "Invalid thumbnail offset for video"),
    ErrorCase::bad("2207026", "Unsupported video format"),
    ErrorCase::bad("2207023", "Unknown media type"),
    ErrorCase::bad("2207006", "Media not found, please upload again"),
    ErrorCase::bad("2207008", "Media builder expired, please try again"),
    ErrorCase::bad("2207028", "Carousel validation failed"),
    ErrorCase::bad("2207010", "Caption is too long"),
    ErrorCase::bad("2207035", "Product tag positions not supported for videos"),
    ErrorCase::bad("2207036", "Product tag positions required for photos"),
    ErrorCase::bad("2207037", "Product tag validation failed"),
    ErrorCase::bad("2207040", "Too many product tags"),
    ErrorCase::bad("2207004", "Image is too large"),
    ErrorCase::bad("2207005", "Unsupported image format"),
    ErrorCase::bad(
        "2207009",
        "Aspect ratio not supported, must be between 4:5 to 1.91:1",
    ),
    ErrorCase::bad(
        "Page request limit reached",
        "Page posting for today is limited, please try again tomorrow",
    ),
    ErrorCase::bad(
        "2207042",
        "You have reached the maximum of 25 posts per day, allowed for your account",
    ),
    ErrorCase::bad(
        "Not enough permissions to post",
        "Not enough permissions to post",
    ),
    ErrorCase::bad(
        "36003",
        "Aspect ratio not supported, must be between 4:5 to 1.91:1",
    ),
    ErrorCase::bad(
        "190,",
        "The account is missing some permissions to perform this action, please re-add the account and allow all permissions",
    ),
    ErrorCase::bad(
        "36001",
        "Invalid Instagram image resolution max: 1920x1080px",
    ),
    ErrorCase::bad("2207051", "Instagram blocked your request"),
    ErrorCase::bad(
        "2207001",
        "Instagram detected that your post is spam, please try again with different content",
    ),
    ErrorCase::retry("2207082", "Could not upload your media"),
    ErrorCase::bad("2207077", "Instagram Video download failed"),
    ErrorCase::bad(
        "too little or too many attachments",
        "Instagram carousel should have between 2 and 10 media attachments",
    ),
    ErrorCase::bad(
        "2207027",
        "Unknown error, please try again later or contact support",
    ),
    ErrorCase::bad(
        "param collaborators is not allowed",
        "Collaborators are not allowed for carousel",
    ),
];

/// Instagram's error bodies (both logins): Postiz's cases in its order (plus an expired
/// token, refreshed), then the Graph `error.message` of any other 400.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match(body, CASES_FIRST)
        .or_else(|| first_match(&body.to_lowercase(), CASES_ANY_CASE))
        .or_else(|| first_match(body, CASES))
    {
        return Some(mapped);
    }
    if status == 400 {
        let v: Value = serde_json::from_str(body).ok()?;
        return Some(ProviderError::bad(
            v["error"]["message"]
                .as_str()
                .unwrap_or("Instagram refused the post"),
        ));
    }
    None
}

/// Postiz's media rules of both Instagram logins, in its order: at least one media, at most
/// 10, a trial reel is one video; audio (`instagram` only, as Postiz) goes on a single-video
/// Reel, never a story. Then ours: a story is one media.
fn instagram_check(post: &PostDetails, standalone: bool) -> Result<(), String> {
    if post.message.chars().count() > 2200 {
        return Err("The caption should be at most 2200 characters long for Instagram".into());
    }
    if post.media.is_empty() {
        return Err("Should have at least one media".into());
    }
    if post.media.len() > 10 {
        return Err("Instagram carousel only supports up to 10 media attachments".into());
    }
    let has_video = post.media.iter().any(|m| m.kind == MediaKind::Video);
    let story = post.settings.get("post_type").and_then(Value::as_str) == Some("story");
    if super::asset_boolean(post.settings.get("is_trial_reel")) {
        if post.media.len() > 1 {
            return Err("Trial Reels can only have one video".into());
        }
        if !has_video {
            return Err("Trial Reels must be a video".into());
        }
    }
    if !standalone && super::truthy(post.settings.get("audio").and_then(|a| a.get("id"))) {
        if story {
            return Err("Audio can only be added to Reels, not to Stories".into());
        }
        if post.media.len() > 1 {
            return Err("Audio can only be added to a single video Reel".into());
        }
        if !has_video {
            return Err("Audio can only be added to a video Reel".into());
        }
    }
    if story && post.media.len() > 1 {
        return Err("An Instagram story takes one picture or video".into());
    }
    Ok(())
}

/// Media containers on one Graph host (`…/vNN.N`).
#[derive(Debug)]
struct Containers {
    http: Http,
    graph: String,
    web: String,
    poll: Duration,
    /// Licensed audio can be added to Reels (Facebook Login accounts only).
    audio: bool,
}

/// Postiz's names of the Instagram metrics.
fn ig_label(name: &str) -> String {
    match name {
        "follower_count" => "Follower Count".to_string(),
        other => super::meta_insights::capitalized(other),
    }
}

impl Containers {
    fn insights<'a>(&'a self, object: &str, token: &'a str) -> super::meta_insights::Insights<'a> {
        super::meta_insights::Insights {
            http: &self.http,
            url: format!("{}/{object}/insights", self.graph),
            token,
            map: map_error,
            label: ig_label,
        }
    }

    /// Account insights: followers and reach per day, then likes, views, comments, shares,
    /// saves and replies in total (Postiz's two reads).
    async fn account_stats(
        &self,
        account: &str,
        token: &str,
        days: u32,
    ) -> ProviderResult<Vec<Value>> {
        let daily: &[(&str, &str)] = &[("metric", "follower_count,reach")];
        let totals: &[(&str, &str)] = &[
            ("metric", "likes,views,comments,shares,saves,replies"),
            ("metric_type", "total_value"),
        ];
        self.insights(account, token)
            .over_days(days, &[daily, totals])
            .await
    }

    /// A post's views, likes, comments, shares and saves.
    async fn media_stats(&self, media: &str, token: &str) -> ProviderResult<Vec<Value>> {
        self.insights(media, token)
            .post_figures("views,likes,comments,shares,saved,reach")
            .await
    }
}

/// A comment: text only (Instagram comments carry no media); the post's media rules are the
/// root's.
fn comment_check(comment: &PostDetails) -> Result<(), String> {
    if comment.media.is_empty() {
        Ok(())
    } else {
        Err("Instagram comments can only contain text".into())
    }
}

/// The container options a single-media post takes from its settings, as Postiz sends them:
/// collaborators (usernames, not on stories), a trial Reel's graduation strategy, and licensed
/// audio on a single-video Reel.
fn post_options(
    settings: &Value,
    story: bool,
    single_video: bool,
    audio: bool,
) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    let collaborators: Vec<&str> = settings["collaborators"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["label"].as_str().or(c.as_str()))
        .collect();
    if !collaborators.is_empty() && !story {
        q.push(("collaborators", json!(collaborators).to_string()));
    }
    if super::asset_boolean(settings.get("is_trial_reel")) && single_video && !story {
        let strategy = settings["graduation_strategy"].as_str().unwrap_or("MANUAL");
        q.push((
            "trial_params",
            json!({ "graduation_strategy": strategy }).to_string(),
        ));
    }
    let track = &settings["audio"];
    if let (Some(id), true) = (track["id"].as_str(), audio && single_video && !story) {
        let mut config = json!({ "audio_id": id });
        for volume in ["audio_volume", "video_volume"] {
            if let Some(v) = track[volume]
                .as_f64()
                .or_else(|| track[volume].as_str().and_then(|t| t.parse().ok()))
            {
                config[volume] = json!(v);
            }
        }
        q.push(("audio_configuration", config.to_string()));
    }
    q
}

impl Containers {
    async fn create(
        &self,
        ig: &str,
        token: &str,
        mut q: Vec<(&str, String)>,
    ) -> ProviderResult<String> {
        q.push(("access_token", token.to_string()));
        let req = self
            .http
            .client()
            .post(format!("{}/{ig}/media", self.graph))
            .query(&q);
        let v: Value = self.http.json(req, map_error).await?;
        v["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Unknown("no container id".into()))
    }

    async fn ready(&self, token: &str, id: &str) -> ProviderResult<()> {
        for _ in 0..60 {
            let req = self
                .http
                .client()
                .get(format!("{}/{id}", self.graph))
                .query(&[("fields", "status_code,status"), ("access_token", token)]);
            let v: Value = self.http.json(req, map_error).await?;
            match v["status_code"].as_str() {
                Some("FINISHED") | Some("PUBLISHED") => return Ok(()),
                Some("ERROR") | Some("EXPIRED") => {
                    return Err(ProviderError::bad(
                        "Failed to create media, please try again",
                    ))
                }
                _ => tokio::time::sleep(self.poll).await,
            }
        }
        Err(ProviderError::transient(
            "Instagram is still processing the media",
        ))
    }

    fn media_params(m: &Media, story: bool, carousel_item: bool) -> Vec<(&'static str, String)> {
        let mut q = match (m.kind, story) {
            (MediaKind::Video, true) => vec![
                ("video_url", m.url.clone()),
                ("media_type", "STORIES".into()),
            ],
            (MediaKind::Video, false) => {
                vec![("video_url", m.url.clone()), ("media_type", "REELS".into())]
            }
            (MediaKind::Image, true) => vec![
                ("image_url", m.url.clone()),
                ("media_type", "STORIES".into()),
            ],
            (MediaKind::Image, false) => vec![("image_url", m.url.clone())],
        };
        if carousel_item {
            q.push(("is_carousel_item", "true".into()));
            if m.kind == MediaKind::Video {
                q.retain(|(k, _)| *k != "media_type");
                q.push(("media_type", "VIDEO".into()));
            }
        }
        q
    }

    async fn publish(
        &self,
        ig: &str,
        token: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        instagram_check(post, !self.audio).map_err(ProviderError::bad)?;
        let story = post.settings.get("post_type").and_then(Value::as_str) == Some("story");
        let container = if post.media.len() == 1 {
            let mut q = Self::media_params(&post.media[0], story, false);
            if !story {
                q.push(("caption", post.message.clone()));
            }
            let single_video = post.media[0].kind == MediaKind::Video;
            q.extend(post_options(
                &post.settings,
                story,
                single_video,
                self.audio,
            ));
            self.create(ig, token, q).await?
        } else {
            let mut children = Vec::new();
            for m in &post.media {
                let child = self
                    .create(ig, token, Self::media_params(m, false, true))
                    .await?;
                self.ready(token, &child).await?;
                children.push(child);
            }
            let q = vec![
                ("media_type", "CAROUSEL".into()),
                ("children", children.join(",")),
                ("caption", post.message.clone()),
            ];
            self.create(ig, token, q).await?
        };
        self.ready(token, &container).await?;
        let req = self
            .http
            .client()
            .post(format!("{}/{ig}/media_publish", self.graph))
            .query(&[("creation_id", container.as_str()), ("access_token", token)]);
        let v: Value = self.http.json(req, map_error).await?;
        let id = v["id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no media id".into()))?
            .to_string();
        let req = self
            .http
            .client()
            .get(format!("{}/{id}", self.graph))
            .query(&[("fields", "permalink"), ("access_token", token)]);
        let link: Value = self.http.json(req, map_error).await.unwrap_or(Value::Null);
        let url = link["permalink"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}/p/{id}", self.web));
        Ok(Published { id, url })
    }

    async fn comment(
        &self,
        token: &str,
        root: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let req = self
            .http
            .client()
            .post(format!("{}/{root}/comments", self.graph))
            .query(&[("message", post.message.as_str()), ("access_token", token)]);
        let v: Value = self.http.json(req, map_error).await?;
        let id = v["id"].as_str().unwrap_or_default().to_string();
        Ok(Published {
            id,
            url: format!("{}/p/{root}", self.web),
        })
    }
}

/// `instagram`: a business account behind a Facebook page.
#[derive(Debug)]
pub struct Instagram {
    info: ProviderInfo,
    http: Http,
    fb_web: String,
    containers: Containers,
    app_id: String,
    app_secret: String,
    redirect_uri: String,
}

impl Instagram {
    /// Configured from `FACEBOOK_APP_ID`, `FACEBOOK_APP_SECRET` and the base URLs.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        let graph = format!(
            "{}/v20.0",
            config.base_url("INSTAGRAM_FB_GRAPH_URL", "https://graph.facebook.com")
        );
        Self {
            info: ProviderInfo {
                identifier: "instagram",
                name: "Instagram\n(Facebook Business)",
                editor: Editor::Normal,
                max_length: 2200,
                two_step: true,
                scopes: FB_SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 400,
                tools: &[],
                extension_cookies: None,
            },
            containers: Containers {
                http: http.clone(),
                graph,
                web: config.base_url("INSTAGRAM_WEB_URL", "https://www.instagram.com"),
                poll: Duration::from_millis(
                    config
                        .get("INSTAGRAM_POLL_MS")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(2000),
                ),
                audio: true,
            },
            http,
            fb_web: config.base_url("FACEBOOK_WEB_URL", "https://www.facebook.com"),
            app_id: config.or("FACEBOOK_APP_ID", ""),
            app_secret: config.or("FACEBOOK_APP_SECRET", ""),
            redirect_uri: config.redirect_uri("instagram"),
        }
    }

    async fn accounts(&self, user_token: &str) -> ProviderResult<Vec<Value>> {
        let req = self
            .http
            .client()
            .get(format!("{}/me/accounts", self.containers.graph))
            .query(&[
                (
                    "fields",
                    "id,instagram_business_account,username,name,access_token",
                ),
                ("limit", "100"),
                ("access_token", user_token),
            ]);
        let v: Value = self.http.json(req, map_error).await?;
        Ok(v["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p["instagram_business_account"]["id"].is_string())
            .collect())
    }

    async fn ig_profile(&self, ig: &str, token: &str) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}/{ig}", self.containers.graph))
            .query(&[
                ("fields", "name,username,profile_picture_url"),
                ("access_token", token),
            ]);
        self.http.json(req, map_error).await
    }
}

#[async_trait]
impl Provider for Instagram {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        instagram_check(post, false)
    }

    fn check_comment(&self, comment: &PostDetails) -> Result<(), String> {
        comment_check(comment)
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/v20.0/dialog/oauth", self.fb_web),
            &[
                ("client_id", &self.app_id),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
                ("scope", &FB_SCOPES.join(",")),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: random_string(8),
            state,
        })
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let graph = &self.containers.graph;
        let login = super::meta::FacebookLogin {
            graph: graph.clone(),
            app_id: self.app_id.clone(),
            app_secret: self.app_secret.clone(),
            redirect_uri: self.redirect_uri.clone(),
        };
        let (token, expires_in) = login.long_lived_token(&self.http, code).await?;
        let req = self
            .http
            .client()
            .get(format!("{graph}/me"))
            .query(&[("fields", "id,name"), ("access_token", token.as_str())]);
        let me: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: me["name"].as_str().unwrap_or_default().to_string(),
            access_token: token,
            expires_in: Some(expires_in.unwrap_or(LONG_LIVED_SECS)),
            ..Default::default()
        })
    }

    async fn pages(&self, auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        let mut out = Vec::new();
        for p in self.accounts(&auth.access_token).await? {
            let ig = p["instagram_business_account"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let profile = self.ig_profile(&ig, &auth.access_token).await?;
            out.push(Page {
                name: profile["name"]
                    .as_str()
                    .or(profile["username"].as_str())
                    .unwrap_or_default()
                    .to_string(),
                picture: profile["profile_picture_url"].as_str().map(str::to_string),
                id: ig,
            });
        }
        Ok(out)
    }

    async fn select_page(&self, auth: &ChannelAuth, page_id: &str) -> ProviderResult<AuthTokens> {
        let accounts = self.accounts(&auth.access_token).await?;
        let page = accounts
            .iter()
            .find(|p| p["instagram_business_account"]["id"].as_str() == Some(page_id))
            .ok_or_else(|| {
                ProviderError::bad("This Instagram account is not linked to one of your pages")
            })?;
        let token = page["access_token"]
            .as_str()
            .unwrap_or(&auth.access_token)
            .to_string();
        let profile = self.ig_profile(page_id, &token).await?;
        Ok(AuthTokens {
            id: page_id.to_string(),
            name: profile["name"]
                .as_str()
                .or(profile["username"].as_str())
                .unwrap_or_default()
                .to_string(),
            username: profile["username"].as_str().map(str::to_string),
            picture: profile["profile_picture_url"].as_str().map(str::to_string),
            access_token: token,
            expires_in: Some(LONG_LIVED_SECS),
            refresh_token: None,
            additional_settings: None,
        })
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        self.containers
            .account_stats(&auth.internal_id, &auth.access_token, days)
            .await
    }

    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        self.containers
            .media_stats(post_id, &auth.access_token)
            .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.containers
            .publish(&auth.internal_id, &auth.access_token, post)
            .await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.containers
            .comment(&auth.access_token, root_id, post)
            .await
    }
}

/// `instagram-standalone`: Instagram Login, no Facebook page needed.
#[derive(Debug)]
pub struct InstagramStandalone {
    info: ProviderInfo,
    http: Http,
    api: String,
    graph_root: String,
    web: String,
    containers: Containers,
    app_id: String,
    app_secret: String,
    redirect_uri: String,
}

impl InstagramStandalone {
    /// Configured from `INSTAGRAM_APP_ID`, `INSTAGRAM_APP_SECRET` and the base URLs.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        let graph_root = config.base_url("INSTAGRAM_GRAPH_URL", "https://graph.instagram.com");
        Self {
            info: ProviderInfo {
                identifier: "instagram-standalone",
                name: "Instagram\n(Standalone)",
                editor: Editor::Normal,
                max_length: 2200,
                two_step: false,
                scopes: IG_SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 200,
                tools: &[],
                extension_cookies: None,
            },
            containers: Containers {
                http: http.clone(),
                graph: format!("{graph_root}/v21.0"),
                web: config.base_url("INSTAGRAM_WEB_URL", "https://www.instagram.com"),
                poll: Duration::from_millis(
                    config
                        .get("INSTAGRAM_POLL_MS")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(2000),
                ),
                audio: false,
            },
            http,
            api: config.base_url("INSTAGRAM_API_URL", "https://api.instagram.com"),
            web: config.base_url("INSTAGRAM_WEB_URL", "https://www.instagram.com"),
            graph_root,
            app_id: config.or("INSTAGRAM_APP_ID", ""),
            app_secret: config.or("INSTAGRAM_APP_SECRET", ""),
            redirect_uri: config.redirect_uri("instagram-standalone"),
        }
    }

    fn login(&self) -> super::meta::SelfRefreshingLogin {
        super::meta::SelfRefreshingLogin {
            network: "Instagram",
            code_url: format!("{}/oauth/access_token", self.api),
            exchange_url: format!("{}/access_token", self.graph_root),
            exchange_grant: "ig_exchange_token",
            refresh_url: format!("{}/refresh_access_token", self.graph_root),
            refresh_grant: "ig_refresh_token",
            app_id: self.app_id.clone(),
            app_secret: self.app_secret.clone(),
            redirect_uri: self.redirect_uri.clone(),
        }
    }

    async fn profile(&self, token: &str, expires_in: Option<i64>) -> ProviderResult<AuthTokens> {
        let req = self
            .http
            .client()
            .get(format!("{}/me", self.containers.graph))
            .query(&[
                ("fields", "user_id,username,name,profile_picture_url"),
                ("access_token", token),
            ]);
        let me: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: me["user_id"]
                .as_str()
                .map(str::to_string)
                .or_else(|| me["user_id"].as_i64().map(|i| i.to_string()))
                .unwrap_or_default(),
            name: me["name"]
                .as_str()
                .or(me["username"].as_str())
                .unwrap_or_default()
                .to_string(),
            username: me["username"].as_str().map(str::to_string),
            picture: me["profile_picture_url"].as_str().map(str::to_string),
            access_token: token.to_string(),
            refresh_token: Some(token.to_string()),
            expires_in: Some(expires_in.unwrap_or(LONG_LIVED_SECS)),
            additional_settings: None,
        })
    }
}

#[async_trait]
impl Provider for InstagramStandalone {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        instagram_check(post, true)
    }

    fn check_comment(&self, comment: &PostDetails) -> Result<(), String> {
        comment_check(comment)
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/authorize", self.web),
            &[
                ("client_id", &self.app_id),
                ("redirect_uri", &self.redirect_uri),
                ("response_type", "code"),
                ("scope", &IG_SCOPES.join(",")),
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
        let (token, expires_in) = self.login().long_lived_token(&self.http, code).await?;
        self.profile(&token, expires_in).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        self.login()
            .refresh_channel(&self.http, auth, LONG_LIVED_SECS)
            .await
    }

    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        self.containers
            .account_stats(&auth.internal_id, &auth.access_token, days)
            .await
    }

    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        self.containers
            .media_stats(post_id, &auth.access_token)
            .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.containers
            .publish(&auth.internal_id, &auth.access_token, post)
            .await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.containers
            .comment(&auth.access_token, root_id, post)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error, Instagram, InstagramStandalone};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::MediaKind;
    use crate::Provider;
    use serde_json::json;

    use super::super::test_post as post;

    #[test]
    fn comments_are_text_whatever_the_post_settings() {
        let config = ProviderConfig::from_pairs::<&str, &str>([]);
        let ig = Instagram::new(&config, Http::default());
        let standalone = InstagramStandalone::new(&config, Http::default());
        let reel = json!({"post_type": "post", "is_trial_reel": true, "audio": {"id": "1"}});
        for p in [&ig as &dyn Provider, &standalone] {
            assert_eq!(p.check_comment(&post(reel.clone(), &[])), Ok(()));
            assert_eq!(
                p.check_comment(&post(reel.clone(), &[MediaKind::Image])),
                Err("Instagram comments can only contain text".into())
            );
        }
    }

    #[test]
    fn media_rules_follow_postiz() {
        let config = ProviderConfig::from_pairs::<&str, &str>([]);
        let ig = Instagram::new(&config, Http::default());
        let standalone = InstagramStandalone::new(&config, Http::default());
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        let feed = json!({"post_type": "post"});
        for p in [&ig as &dyn Provider, &standalone] {
            assert_eq!(
                p.check(&post(feed.clone(), &[])).unwrap_err(),
                "Should have at least one media"
            );
            assert_eq!(
                p.check(&post(feed.clone(), &[img; 11])).unwrap_err(),
                "Instagram carousel only supports up to 10 media attachments"
            );
            assert!(p.check(&post(feed.clone(), &[img; 10])).is_ok());
            let trial = json!({"post_type": "post", "is_trial_reel": true});
            assert_eq!(
                p.check(&post(trial.clone(), &[vid, vid])).unwrap_err(),
                "Trial Reels can only have one video"
            );
            assert_eq!(
                p.check(&post(trial.clone(), &[img])).unwrap_err(),
                "Trial Reels must be a video"
            );
            assert!(p.check(&post(trial, &[vid])).is_ok());
        }
        let audio = json!({"post_type": "post", "audio": {"id": "a1"}});
        let story = json!({"post_type": "story", "audio": {"id": "a1"}});
        assert_eq!(
            ig.check(&post(story, &[vid])).unwrap_err(),
            "Audio can only be added to Reels, not to Stories"
        );
        assert_eq!(
            ig.check(&post(audio.clone(), &[vid, img])).unwrap_err(),
            "Audio can only be added to a single video Reel"
        );
        assert_eq!(
            ig.check(&post(audio.clone(), &[img])).unwrap_err(),
            "Audio can only be added to a video Reel"
        );
        assert!(ig.check(&post(audio.clone(), &[vid])).is_ok());
        // Postiz's standalone provider has no audio rule.
        assert!(standalone.check(&post(audio, &[img])).is_ok());
    }

    use super::super::meta::graph_error as graph;

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(
                500,
                r#"{"error":{"message":"An unknown error occurred","code":1}}"#
            ),
            Some(ProviderError::transient(
                "An unknown error occurred, please try again later"
            ))
        );
        assert_eq!(
            map_error(400, &graph(9, 2207082, "Could not upload")),
            Some(ProviderError::transient("Could not upload your media"))
        );
        assert_eq!(
            map_error(400, &graph(9, 2207050, "The user is restricted")),
            Some(ProviderError::bad("Instagram user is restricted"))
        );
        assert_eq!(
            map_error(400, &graph(100, 33, "Object does not exist")),
            Some(ProviderError::RefreshNeeded(
                "Something is wrong with your connected user, please re-authenticate".into()
            ))
        );
        assert_eq!(
            map_error(
                400,
                r#"{"error":{"message":"(#100) Param collaborators is not allowed for carousel; param collaborators is not allowed"}}"#
            ),
            Some(ProviderError::bad(
                "Collaborators are not allowed for carousel"
            ))
        );
    }

    #[test]
    fn two_cases_ignore_case() {
        assert_eq!(
            map_error(400, &graph(10, 0, "The user is not an Instagram Business")),
            Some(ProviderError::RefreshNeeded(
                "Your Instagram account is not a business account, please convert it to a business account".into()
            ))
        );
        assert_eq!(
            map_error(400, &graph(190, 460, "Session Has Been Invalidated")),
            Some(ProviderError::RefreshNeeded(
                "You session has been invalidated, this can usually happen from frequent posting, please re-authenticate, and wait 1-2 days before posting again".into()
            ))
        );
    }

    #[test]
    fn earlier_cases_win() {
        // An expired token (code 190) is refreshed before Postiz's missing-permissions case.
        assert_eq!(
            map_error(
                400,
                &graph(
                    190,
                    463,
                    "Error validating access token: Session has expired"
                )
            ),
            Some(ProviderError::RefreshNeeded(
                "Something is wrong with your connected user, please re-authenticate".into()
            ))
        );
        assert_eq!(
            map_error(400, &graph(190, 10, "Permissions error")),
            Some(ProviderError::bad(
                "The account is missing some permissions to perform this action, please re-add the account and allow all permissions"
            ))
        );
        // The unknown-error retry comes before every code.
        assert_eq!(
            map_error(500, &graph(2, 2207050, "An unknown error occurred")),
            Some(ProviderError::transient(
                "An unknown error occurred, please try again later"
            ))
        );
        // Both aspect-ratio codes and the 190 case: 2207009 is checked first.
        assert_eq!(
            map_error(400, &graph(190, 2207009, "ratio")),
            Some(ProviderError::bad(
                "Aspect ratio not supported, must be between 4:5 to 1.91:1"
            ))
        );
        // The case-insensitive account checks come after the revoked token.
        assert_eq!(
            map_error(
                400,
                r#"{"error":{"message":"REVOKED_ACCESS_TOKEN: session has been invalidated"}}"#
            ),
            Some(ProviderError::RefreshNeeded(
                "Something is wrong with your connected user, please re-authenticate".into()
            ))
        );
    }

    #[test]
    fn unmatched_bodies_fall_back() {
        assert_eq!(
            map_error(
                400,
                &graph(100, 0, "Only photo or video can be accepted as media type.")
            ),
            Some(ProviderError::bad(
                "Only photo or video can be accepted as media type."
            ))
        );
        assert_eq!(map_error(502, "Bad Gateway"), None);
    }
}
