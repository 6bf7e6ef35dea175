//! LinkedIn, as a person (`linkedin`) or as a company page (`linkedin-page`, two-step: the
//! user picks one of the organizations they administer). OAuth 2 with refresh, images
//! uploaded through `initializeUpload`, posts through the versioned REST API, comments
//! through social actions. Base URLs from `LINKEDIN_URL` (API) and `LINKEDIN_WEB_URL`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, refreshed, stored_refresh_token, url_with_query};
use crate::plugs::{self, InternalPlugDef, PlugDef};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "w_member_social",
    "r_basicprofile",
    "rw_organization_admin",
    "w_organization_social",
    "r_organization_social",
];
const VERSION: &str = "202601";
const CAROUSEL_RULE: &str = "Carousel can only be created with 2 or more images and no videos.";

/// The post is a carousel of pictures (`post_as_images_carousel`, read as Postiz reads it).
fn carousel(settings: &Value) -> bool {
    super::asset_boolean(settings.get("post_as_images_carousel"))
}

/// The LinkedIn provider (person or page).
#[derive(Debug)]
pub struct LinkedIn {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    page: bool,
}

/// Postiz's mapped cases for LinkedIn's error bodies (person and page), in the order Postiz
/// checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::retry("Unable to obtain activity", "Unable to obtain activity"),
    ErrorCase::retry("resource is forbidden", "Resource is forbidden"),
    ErrorCase::retry("Service Unavailable", "Resource is forbidden"),
];

/// LinkedIn's error bodies: Postiz's cases first, then a duplicate post and a refused token.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match(body, CASES) {
        return Some(mapped);
    }
    if body.contains("DUPLICATE_POST") || body.contains("Content is a duplicate") {
        return Some(ProviderError::bad(
            "This post was already published on LinkedIn",
        ));
    }
    if status == 401 {
        return Some(ProviderError::RefreshNeeded(
            "LinkedIn refused the token".into(),
        ));
    }
    None
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
}

impl LinkedIn {
    /// `linkedin` (person) or, with `page`, `linkedin-page`; configured from
    /// `LINKEDIN_CLIENT_ID`, `LINKEDIN_CLIENT_SECRET`, `LINKEDIN_URL`, `LINKEDIN_WEB_URL`.
    pub fn new(config: &ProviderConfig, http: Http, page: bool) -> Self {
        let identifier = if page { "linkedin-page" } else { "linkedin" };
        Self {
            info: ProviderInfo {
                identifier,
                name: if page { "LinkedIn Page" } else { "LinkedIn" },
                editor: Editor::Normal,
                max_length: 3000,
                two_step: page,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 2,
                tools: &[],
                extension_cookies: None,
            },
            http,
            api: config.base_url("LINKEDIN_URL", "https://api.linkedin.com"),
            web: config.base_url("LINKEDIN_WEB_URL", "https://www.linkedin.com"),
            client_id: config.or("LINKEDIN_CLIENT_ID", ""),
            client_secret: config.or("LINKEDIN_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri(identifier),
            page,
        }
    }

    fn author(&self, id: &str) -> String {
        if self.page {
            format!("urn:li:organization:{id}")
        } else {
            format!("urn:li:person:{id}")
        }
    }

    fn rest(&self, req: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
        req.bearer_auth(token)
            .header("LinkedIn-Version", VERSION)
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    async fn token(&self, form: &[(&str, &str)], refreshing: bool) -> ProviderResult<TokenAnswer> {
        let req = self
            .http
            .client()
            .post(format!("{}/oauth/v2/accessToken", self.web))
            .form(form);
        self.http
            .json(req, |status, body| {
                (400..500).contains(&status).then(|| {
                    ProviderError::bad(format!("LinkedIn refused the token request: {body}"))
                })
            })
            .await
            .map_err(|e| match (refreshing, e) {
                (true, ProviderError::BadRequest { user_message }) => {
                    ProviderError::RefreshNeeded(user_message)
                }
                (_, other) => other,
            })
    }

    async fn upload_image(&self, auth: &ChannelAuth, m: &Media) -> ProviderResult<String> {
        let req = self
            .rest(
                self.http
                    .client()
                    .post(format!("{}/rest/images?action=initializeUpload", self.api)),
                &auth.access_token,
            )
            .json(&json!({"initializeUploadRequest": {"owner": self.author(&auth.internal_id)}}));
        let init: Value = self.http.json(req, map_error).await?;
        let upload_url = init["value"]["uploadUrl"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let urn = init["value"]["image"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (picture, len) = self.http.open_media(&m.url).await?.sized().await?;
        let put = self
            .http
            .client()
            .put(upload_url)
            .bearer_auth(&auth.access_token)
            .header("content-type", picture.content_type.clone())
            .header("content-length", len)
            .body(picture.into_body());
        self.http.send(put, map_error).await?;
        Ok(urn)
    }

    /// Uploads a video in the parts LinkedIn asks for, then finalizes it with their ETags.
    async fn upload_video(&self, auth: &ChannelAuth, m: &Media) -> ProviderResult<String> {
        let (mut video, len) = self.http.open_media(&m.url).await?.sized().await?;
        let init_req = self
            .rest(
                self.http
                    .client()
                    .post(format!("{}/rest/videos?action=initializeUpload", self.api)),
                &auth.access_token,
            )
            .json(&json!({"initializeUploadRequest": {
                "owner": self.author(&auth.internal_id),
                "fileSizeBytes": len,
                "uploadCaptions": false,
                "uploadThumbnail": false,
            }}));
        let init: Value = self.http.json(init_req, map_error).await?;
        let v = &init["value"];
        let urn = v["video"].as_str().unwrap_or_default().to_string();
        let mut etags = Vec::new();
        // The parts are read in order from the file, one in memory at a time.
        let mut parts: Vec<&Value> = v["uploadInstructions"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        parts.sort_by_key(|p| p["firstByte"].as_u64().unwrap_or(0));
        let mut position = 0u64;
        for part in parts {
            let (first, last) = (
                part["firstByte"].as_u64().unwrap_or(0),
                part["lastByte"].as_u64().unwrap_or(0),
            );
            if first != position || last < first {
                return Err(ProviderError::Unknown(
                    "LinkedIn asked for parts that do not follow each other".into(),
                ));
            }
            let chunk = video
                .read_chunk((last - first + 1) as usize)
                .await?
                .ok_or_else(|| {
                    ProviderError::Unknown(
                        "LinkedIn asked for bytes past the end of the video".into(),
                    )
                })?;
            position = last + 1;
            let put = self
                .http
                .client()
                .put(part["uploadUrl"].as_str().unwrap_or_default())
                .header("content-type", "application/octet-stream")
                .body(chunk);
            let resp = self.http.send(put, map_error).await?;
            let etag = resp
                .headers()
                .get("etag")
                .and_then(|e| e.to_str().ok())
                .ok_or_else(|| {
                    ProviderError::Unknown("LinkedIn did not acknowledge a video part".into())
                })?;
            etags.push(etag.to_string());
        }
        let finalize = self
            .rest(
                self.http
                    .client()
                    .post(format!("{}/rest/videos?action=finalizeUpload", self.api)),
                &auth.access_token,
            )
            .json(&json!({"finalizeUploadRequest": {
                "video": urn,
                "uploadToken": v["uploadToken"].as_str().unwrap_or(""),
                "uploadedPartIds": etags,
            }}));
        self.http.send(finalize, map_error).await?;
        Ok(urn)
    }
}

#[async_trait]
impl Provider for LinkedIn {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    /// Postiz's media rules: a carousel is two or more pictures and no video, a video is the
    /// only media.
    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("The post should be at most 3000 characters long for LinkedIn".into());
        }
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        if carousel(&post.settings) && (post.media.len() < 2 || videos > 0) {
            return Err(CAROUSEL_RULE.into());
        }
        if videos > 0 && post.media.len() > 1 {
            return Err("Can have maximum 1 media when selecting a video.".into());
        }
        Ok(())
    }

    /// Comments are text only (as Postiz); the carousel rule is the root's.
    fn check_comment(&self, comment: &PostDetails) -> Result<(), String> {
        if !comment.media.is_empty() {
            return Err("Comments can only contain text.".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/v2/authorization", self.web),
            &[
                ("response_type", "code"),
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
                ("scope", &SCOPES.join(" ")),
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
                    ("client_id", &self.client_id),
                    ("client_secret", &self.client_secret),
                ],
                false,
            )
            .await?;
        let req = self
            .http
            .client()
            .get(format!("{}/v2/userinfo", self.api))
            .bearer_auth(&t.access_token);
        let info: Value = self.http.json(req, map_error).await?;
        let req = self
            .http
            .client()
            .get(format!("{}/v2/me", self.api))
            .bearer_auth(&t.access_token);
        let me: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: info["sub"].as_str().unwrap_or_default().to_string(),
            name: info["name"].as_str().unwrap_or_default().to_string(),
            picture: info["picture"].as_str().map(str::to_string),
            username: me["vanityName"].as_str().map(str::to_string),
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
            additional_settings: None,
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = stored_refresh_token(auth)?;
        let t = self
            .token(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh),
                    ("client_id", &self.client_id),
                    ("client_secret", &self.client_secret),
                ],
                true,
            )
            .await?;
        Ok(refreshed(
            auth,
            t.access_token,
            t.refresh_token,
            t.expires_in,
        ))
    }

    async fn pages(&self, auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        if !self.page {
            return Err(ProviderError::NotSupported("pages"));
        }
        let req = self
            .http
            .client()
            .get(format!(
                "{}/v2/organizationalEntityAcls?q=roleAssignee&state=APPROVED&projection=(elements*(role,organizationalTarget~(localizedName,vanityName)))",
                self.api
            ))
            .bearer_auth(&auth.access_token);
        let v: Value = self.http.json(req, map_error).await?;
        Ok(v["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                let id = e["organizationalTarget"]
                    .as_str()?
                    .rsplit(':')
                    .next()?
                    .to_string();
                Some(Page {
                    id,
                    name: e["organizationalTarget~"]["localizedName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    picture: None,
                })
            })
            .collect())
    }

    async fn select_page(&self, auth: &ChannelAuth, page_id: &str) -> ProviderResult<AuthTokens> {
        if !self.pages(auth).await?.iter().any(|p| p.id == page_id) {
            return Err(ProviderError::bad(
                "You are not an administrator of this page",
            ));
        }
        let req = self
            .http
            .client()
            .get(format!("{}/v2/organizations/{page_id}", self.api))
            .bearer_auth(&auth.access_token);
        let org: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: page_id.to_string(),
            name: org["localizedName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            username: org["vanityName"].as_str().map(str::to_string),
            access_token: auth.access_token.clone(),
            refresh_token: auth.refresh_token.clone(),
            ..Default::default()
        })
    }

    /// A page's views, follower gains and share statistics per day (pages only).
    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        if !self.page {
            return Ok(Vec::new());
        }
        let headers = [
            ("LinkedIn-Version", VERSION),
            ("X-Restli-Protocol-Version", "2.0.0"),
        ];
        super::stats_more::linkedin_page(
            &self.http,
            &self.api,
            &auth.access_token,
            &auth.internal_id,
            days,
            map_error,
            &headers,
        )
        .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let mut images = Vec::new();
        for m in &post.media {
            images.push(match m.kind {
                MediaKind::Video => self.upload_video(auth, m).await?,
                MediaKind::Image => self.upload_image(auth, m).await?,
            });
        }
        let mut body = json!({
            "author": self.author(&auth.internal_id),
            "commentary": post.message,
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        });
        match images.as_slice() {
            [] => {}
            [one] => body["content"] = json!({"media": {"id": one}}),
            many => {
                body["content"] = json!({"multiImage": {"images": many.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()}})
            }
        }
        let req = self
            .rest(
                self.http.client().post(format!("{}/rest/posts", self.api)),
                &auth.access_token,
            )
            .json(&body);
        let resp = self.http.send(req, map_error).await?;
        let urn = resp
            .headers()
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Unknown("LinkedIn did not return the post id".into()))?;
        Ok(Published {
            url: format!("{}/feed/update/{urn}", self.web),
            id: urn,
        })
    }

    /// Pages repost or reply after N likes; personal accounts have none (as Postiz).
    fn plugs(&self) -> &'static [PlugDef] {
        const PLUGS: &[PlugDef] = &[
            plugs::auto_repost("linkedin-page-autoRepostPost"),
            plugs::auto_plug("linkedin-page-autoPlugPost"),
        ];
        if self.page {
            PLUGS
        } else {
            &[]
        }
    }

    fn internal_plugs(&self) -> &'static [InternalPlugDef] {
        const INTERNAL: &[InternalPlugDef] = &[
            plugs::ADD_COMMENT,
            plugs::repost_users("linkedin-repost-post-users", &["linkedin", "linkedin-page"]),
        ];
        INTERNAL
    }

    /// `likesSummary.totalLikes` of the post's social actions.
    async fn likes(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<u64> {
        let url = format!(
            "{}/rest/socialActions/{}",
            self.api,
            crate::oauth1::pct(post_id)
        );
        let req = self.rest(self.http.client().get(url), &auth.access_token);
        let v: Value = self.http.json(req, map_error).await?;
        v["likesSummary"]["totalLikes"].as_u64().ok_or_else(|| {
            ProviderError::Unknown("LinkedIn did not return the post's likes".into())
        })
    }

    /// A reshare of the post by this channel (person or organization).
    async fn repost(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<()> {
        let body = json!({
            "author": self.author(&auth.internal_id),
            "commentary": "",
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
            "reshareContext": {"parent": post_id},
        });
        let req = self
            .rest(
                self.http.client().post(format!("{}/rest/posts", self.api)),
                &auth.access_token,
            )
            .json(&body);
        self.http.send(req, map_error).await?;
        Ok(())
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let url = format!(
            "{}/rest/socialActions/{}/comments",
            self.api,
            crate::oauth1::pct(root_id)
        );
        let body = json!({"actor": self.author(&auth.internal_id), "object": root_id, "message": {"text": post.message}});
        let req = self
            .rest(self.http.client().post(url), &auth.access_token)
            .json(&body);
        let v: Value = self.http.json(req, map_error).await?;
        let id = v["id"]
            .as_str()
            .or(v["$URN"].as_str())
            .unwrap_or_default()
            .to_string();
        Ok(Published {
            url: format!("{}/feed/update/{root_id}", self.web),
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error, LinkedIn};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::{Media, MediaKind, PostDetails};
    use crate::Provider;
    use serde_json::json;

    fn linkedin() -> LinkedIn {
        LinkedIn::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
            false,
        )
    }

    fn media(kind: MediaKind) -> Media {
        Media {
            kind,
            url: "https://example.com/m".into(),
            alt: None,
            thumbnail: None,
        }
    }

    fn post(carousel: bool, media: Vec<Media>) -> PostDetails {
        PostDetails {
            id: "p".into(),
            message: "hello".into(),
            settings: json!({"post_as_images_carousel": carousel}),
            media,
        }
    }

    #[test]
    fn media_rules_follow_postiz() {
        let p = linkedin();
        let (img, vid) = (media(MediaKind::Image), media(MediaKind::Video));
        let carousel = "Carousel can only be created with 2 or more images and no videos.";
        assert_eq!(
            p.check(&post(true, vec![img.clone()])).unwrap_err(),
            carousel
        );
        assert_eq!(
            p.check(&post(true, vec![img.clone(), vid.clone()]))
                .unwrap_err(),
            carousel
        );
        assert_eq!(p.check(&post(true, vec![])).unwrap_err(), carousel);
        assert!(p.check(&post(true, vec![img.clone(), img.clone()])).is_ok());
        assert_eq!(
            p.check(&post(false, vec![vid.clone(), img.clone()]))
                .unwrap_err(),
            "Can have maximum 1 media when selecting a video."
        );
        assert!(p.check(&post(false, vec![vid.clone()])).is_ok());
        assert!(p
            .check(&post(false, vec![img.clone(), img.clone()]))
            .is_ok());
    }

    #[test]
    fn comments_are_text_only() {
        let p = linkedin();
        let text = post(true, vec![]);
        assert!(p.check_comment(&text).is_ok(), "a carousel's text comment");
        assert_eq!(
            p.check_comment(&post(false, vec![media(MediaKind::Image)]))
                .unwrap_err(),
            "Comments can only contain text."
        );
    }

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(
                500,
                r#"{"message":"Unable to obtain activity","status":500}"#
            ),
            Some(ProviderError::transient("Unable to obtain activity"))
        );
        assert_eq!(
            map_error(
                403,
                r#"{"message":"Not enough permissions: resource is forbidden"}"#
            ),
            Some(ProviderError::transient("Resource is forbidden"))
        );
        assert_eq!(
            map_error(503, "Service Unavailable"),
            Some(ProviderError::transient("Resource is forbidden"))
        );
    }

    #[test]
    fn postiz_cases_come_first_in_postiz_order() {
        assert_eq!(
            map_error(401, "Unable to obtain activity; resource is forbidden"),
            Some(ProviderError::transient("Unable to obtain activity"))
        );
    }

    #[test]
    fn other_errors_fall_back() {
        assert_eq!(
            map_error(
                422,
                r#"{"message":"Content is a duplicate of urn:li:share:1"}"#
            ),
            Some(ProviderError::bad(
                "This post was already published on LinkedIn"
            ))
        );
        assert_eq!(
            map_error(401, r#"{"message":"Invalid access token"}"#),
            Some(ProviderError::RefreshNeeded(
                "LinkedIn refused the token".into()
            ))
        );
        assert_eq!(map_error(422, r#"{"message":"owner is required"}"#), None);
    }
}
