//! Facebook Pages: Facebook Login (OAuth 2) for a long-lived user token, then the user picks
//! one of their pages (two-step) whose page token publishes. Posts with photos (uploaded
//! unpublished, then attached) or a video, stories (one per media), comments on the root
//! post. Graph API v20.0; base URLs from `FACEBOOK_GRAPH_URL` and `FACEBOOK_WEB_URL`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, url_with_query};
use crate::types::*;
use crate::Provider;

use super::facebook_story::Stories;

const SCOPES: &[&str] = &[
    "pages_show_list",
    "business_management",
    "pages_manage_posts",
    "pages_manage_engagement",
    "pages_read_engagement",
    "read_insights",
];
const VERSION: &str = "v20.0";
/// Facebook's long-lived user tokens last about 60 days; Postiz counts 59.
const LONG_LIVED_SECS: i64 = 59 * 86_400;

/// The Facebook Page provider.
#[derive(Debug)]
pub struct Facebook {
    info: ProviderInfo,
    http: Http,
    graph: String,
    web: String,
    app_id: String,
    app_secret: String,
    redirect_uri: String,
}

/// Postiz's Facebook cases, in the order Postiz checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::refresh(
        "Error validating access token",
        "Please re-authenticate your Facebook account",
    ),
    ErrorCase::refresh(
        "REVOKED_ACCESS_TOKEN",
        "Access token has been revoked, please re-authenticate",
    ),
    ErrorCase::bad(
        "1366046",
        "Photos should be smaller than 4 MB and saved as JPG, PNG",
    ),
    ErrorCase::bad("1390008", "You are posting too fast, please slow down"),
    ErrorCase::bad("1346003", "Content flagged as abusive by Facebook"),
    ErrorCase::bad(
        "1404006",
        "We couldn't post your comment, A security check in facebook required to proceed.",
    ),
    ErrorCase::bad("2069019", "Invalid file"),
    ErrorCase::bad("1404102", "Content violates Facebook Community Standards"),
    ErrorCase::refresh(
        "1404078",
        "Page publishing authorization required, please re-authenticate",
    ),
    ErrorCase::bad("1366051", "These photos were already posted."),
    ErrorCase::bad("1609008", "Cannot post Facebook.com links"),
    ErrorCase::bad("2061006", "Invalid URL format in post content"),
    ErrorCase::bad("1349125", "Invalid content format"),
    ErrorCase::bad(
        "1404112",
        "For security reasons, your account has limited access to the site for a few days",
    ),
    ErrorCase::bad("Name parameter too long", "Post content is too long"),
    ErrorCase::bad("1363047", "Facebook service temporarily unavailable"),
    ErrorCase::bad("1609010", "Facebook service temporarily unavailable"),
    ErrorCase::bad(
        "4854002",
        "Confirm your identity before you can publish as this Page. Open the Facebook app on your phone and follow the instructions",
    ),
    ErrorCase::bad(
        "(#100) No permission to publish the video",
        "Facebook return: No permission to publish the video",
    ),
    ErrorCase::refresh("490", "Access token expired, please re-authenticate"),
];

/// Graph API error bodies: Postiz's cases, then its reading of any other 401, then our own
/// readings of the Graph `error.code` (expired token, rate limits, outages, any other 400).
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match(body, CASES) {
        return Some(mapped);
    }
    if status == 401 {
        return Some(ProviderError::bad(
            "An unknown error occurred, please try again later or contact support",
        ));
    }
    let v: Value = serde_json::from_str(body).ok()?;
    let err = &v["error"];
    match err["code"].as_i64() {
        Some(190) => Some(ProviderError::RefreshNeeded(
            "Access token expired, please re-authenticate".into(),
        )),
        Some(4 | 17 | 32 | 613) => Some(ProviderError::transient(
            err["message"].as_str().unwrap_or("Rate limited"),
        )),
        Some(1 | 2) => Some(ProviderError::transient(
            "Facebook service temporarily unavailable",
        )),
        Some(_) if status == 400 => Some(ProviderError::bad(
            err["message"]
                .as_str()
                .unwrap_or("Facebook refused the post"),
        )),
        _ => None,
    }
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

/// Postiz's names of the page metrics.
fn page_label(name: &str) -> String {
    match name {
        "page_total_media_view_unique" => "Page Impressions",
        "page_post_engagements" => "Posts Engagement",
        "page_daily_follows" => "Page followers",
        _ => "Media views",
    }
    .to_string()
}

/// Postiz's names of the post metrics.
fn post_label(name: &str) -> String {
    match name {
        "post_total_media_view_unique" => "Impressions",
        "post_clicks" => "Clicks",
        "post_clicks_by_type" => "Clicks by Type",
        "post_reactions_by_type_total" => "Reactions",
        other => other,
    }
    .to_string()
}

fn picture(v: &Value) -> Option<String> {
    v["picture"]["data"]["url"].as_str().map(str::to_string)
}

impl Facebook {
    /// Configured from `FACEBOOK_APP_ID`, `FACEBOOK_APP_SECRET`, `FACEBOOK_GRAPH_URL`, `FACEBOOK_WEB_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "facebook",
                name: "Facebook Page",
                editor: Editor::Normal,
                max_length: 63_206,
                two_step: true,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 500,
                tools: &[],
                extension_cookies: None,
            },
            http,
            graph: format!(
                "{}/{VERSION}",
                config.base_url("FACEBOOK_GRAPH_URL", "https://graph.facebook.com")
            ),
            web: config.base_url("FACEBOOK_WEB_URL", "https://www.facebook.com"),
            app_id: config.or("FACEBOOK_APP_ID", ""),
            app_secret: config.or("FACEBOOK_APP_SECRET", ""),
            redirect_uri: config.redirect_uri("facebook"),
        }
    }

    fn login(&self) -> super::meta::FacebookLogin {
        super::meta::FacebookLogin {
            graph: self.graph.clone(),
            app_id: self.app_id.clone(),
            app_secret: self.app_secret.clone(),
            redirect_uri: self.redirect_uri.clone(),
        }
    }

    async fn accounts(&self, user_token: &str) -> ProviderResult<Vec<Value>> {
        let req = self
            .http
            .client()
            .get(format!("{}/me/accounts", self.graph))
            .query(&[
                (
                    "fields",
                    "id,username,name,access_token,picture.type(large)",
                ),
                ("limit", "100"),
                ("access_token", user_token),
            ]);
        let v: Value = self.http.json(req, map_error).await?;
        Ok(v["data"].as_array().cloned().unwrap_or_default())
    }

    fn insights<'a>(
        &'a self,
        object: &str,
        token: &'a str,
        label: fn(&str) -> String,
    ) -> super::meta_insights::Insights<'a> {
        super::meta_insights::Insights {
            http: &self.http,
            url: format!("{}/{object}/insights", self.graph),
            token,
            map: map_error,
            label,
        }
    }

    async fn post_to(&self, path: &str, token: &str, body: Value) -> ProviderResult<String> {
        let req = self
            .http
            .client()
            .post(format!("{}/{path}", self.graph))
            .query(&[("access_token", token)])
            .json(&body);
        let id: Id = self.http.json(req, map_error).await?;
        Ok(id.id)
    }
}

#[async_trait]
impl Provider for Facebook {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("Post content is too long".into());
        }
        if post.settings.get("post_type").and_then(Value::as_str) == Some("story")
            && post.media.is_empty()
        {
            return Err("Story should have at least one media".into());
        }
        Ok(())
    }

    /// A comment is text with at most one picture; the story rule is the root's.
    fn check_comment(&self, comment: &PostDetails) -> Result<(), String> {
        if comment.media.len() > 1 || comment.media.iter().any(|m| m.kind == MediaKind::Video) {
            return Err("A Facebook comment can carry at most one picture".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/{VERSION}/dialog/oauth", self.web),
            &[
                ("client_id", &self.app_id),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
                ("scope", &SCOPES.join(",")),
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
        let req = self
            .http
            .client()
            .get(format!("{}/me", self.graph))
            .query(&[
                ("fields", "id,name,picture"),
                ("access_token", token.as_str()),
            ]);
        let me: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: me["name"].as_str().unwrap_or_default().to_string(),
            picture: picture(&me),
            username: None,
            refresh_token: None,
            expires_in: Some(expires_in.unwrap_or(LONG_LIVED_SECS)),
            access_token: token,
            additional_settings: None,
        })
    }

    async fn pages(&self, auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        Ok(self
            .accounts(&auth.access_token)
            .await?
            .iter()
            .map(|p| Page {
                id: p["id"].as_str().unwrap_or_default().to_string(),
                name: p["name"].as_str().unwrap_or_default().to_string(),
                picture: picture(p),
            })
            .collect())
    }

    async fn select_page(&self, auth: &ChannelAuth, page_id: &str) -> ProviderResult<AuthTokens> {
        let pages = self.accounts(&auth.access_token).await?;
        let page = pages
            .iter()
            .find(|p| p["id"].as_str() == Some(page_id))
            .ok_or_else(|| ProviderError::bad("This page is not one of the account's pages"))?;
        Ok(AuthTokens {
            id: page_id.to_string(),
            name: page["name"].as_str().unwrap_or_default().to_string(),
            access_token: page["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            picture: picture(page),
            username: page["username"].as_str().map(str::to_string),
            expires_in: Some(LONG_LIVED_SECS),
            refresh_token: None,
            additional_settings: None,
        })
    }

    /// Page insights (Postiz's metrics and labels), one point per day.
    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        let metrics =
            "page_total_media_view_unique,page_media_view,page_post_engagements,page_daily_follows";
        self.insights(&auth.internal_id, &auth.access_token, page_label)
            .over_days(days, &[&[("metric", metrics)]])
            .await
    }

    /// A post's reach, reactions and clicks.
    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        self.insights(post_id, &auth.access_token, post_label)
            .post_figures("post_total_media_view_unique,post_reactions_by_type_total,post_clicks,post_clicks_by_type")
            .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let page = &auth.internal_id;
        if post.settings["post_type"] == "story" {
            let stories = Stories {
                http: &self.http,
                graph: &self.graph,
                web: &self.web,
                page,
                token: &auth.access_token,
                map: map_error,
            };
            return stories.publish(&post.media).await;
        }
        let mut attached = Vec::new();
        if let [video] = post.media.as_slice() {
            if video.kind == MediaKind::Video {
                // Facebook fetches the file itself and publishes it as a page video.
                let body =
                    json!({"file_url": video.url, "description": post.message, "published": true});
                let id = self
                    .post_to(&format!("{page}/videos"), &auth.access_token, body)
                    .await?;
                return Ok(Published {
                    url: format!("{}/{page}/videos/{id}", self.web),
                    id,
                });
            }
        }
        for m in &post.media {
            let id = self
                .post_to(
                    &format!("{page}/photos"),
                    &auth.access_token,
                    json!({"url": m.url, "published": false}),
                )
                .await?;
            attached.push(json!({ "media_fbid": id }));
        }
        let mut body = json!({"message": post.message, "published": true});
        if !attached.is_empty() {
            body["attached_media"] = json!(attached);
        }
        let id = self
            .post_to(&format!("{page}/feed"), &auth.access_token, body)
            .await?;
        Ok(Published {
            url: format!("{}/{id}", self.web),
            id,
        })
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let mut body = json!({ "message": post.message });
        if let Some(m) = post.media.first() {
            body["attachment_url"] = json!(m.url);
        }
        let id = self
            .post_to(&format!("{root_id}/comments"), &auth.access_token, body)
            .await?;
        Ok(Published {
            url: format!("{}/{id}", self.web),
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{map_error, Facebook};
    use crate::config::ProviderConfig;
    use crate::error::ProviderError;
    use crate::http::Http;
    use crate::types::{Media, MediaKind, PostDetails};
    use crate::Provider;
    use serde_json::json;

    use super::super::meta::graph_error as graph;

    #[test]
    fn a_comment_is_text_with_at_most_one_picture() {
        let p = Facebook::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        );
        let comment = |media: Vec<MediaKind>| PostDetails {
            id: "c".into(),
            message: "thanks".into(),
            settings: json!({ "post_type": "story" }),
            media: media
                .into_iter()
                .map(|kind| Media {
                    kind,
                    url: "https://example.com/m".into(),
                    alt: None,
                    thumbnail: None,
                })
                .collect(),
        };
        assert_eq!(
            p.check_comment(&comment(vec![])),
            Ok(()),
            "the story rule is the root's"
        );
        assert_eq!(p.check_comment(&comment(vec![MediaKind::Image])), Ok(()));
        assert!(p
            .check_comment(&comment(vec![MediaKind::Image, MediaKind::Image]))
            .is_err());
        assert!(p.check_comment(&comment(vec![MediaKind::Video])).is_err());
    }

    #[test]
    fn a_story_needs_media() {
        let p = Facebook::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        );
        let post = |post_type: &str, media: Vec<Media>| PostDetails {
            id: "p".into(),
            message: "hello".into(),
            settings: json!({ "post_type": post_type }),
            media,
        };
        assert_eq!(
            p.check(&post("story", vec![])).unwrap_err(),
            "Story should have at least one media"
        );
        let photo = Media {
            kind: MediaKind::Image,
            url: "https://example.com/a.jpg".into(),
            alt: None,
            thumbnail: None,
        };
        assert!(p.check(&post("story", vec![photo])).is_ok());
        assert!(p.check(&post("post", vec![])).is_ok());
    }

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(400, &graph(368, 1390008, "You are posting too fast")),
            Some(ProviderError::bad(
                "You are posting too fast, please slow down"
            ))
        );
        assert_eq!(
            map_error(400, &graph(200, 1404078, "Publishing is not authorized")),
            Some(ProviderError::RefreshNeeded(
                "Page publishing authorization required, please re-authenticate".into()
            ))
        );
        assert_eq!(
            map_error(
                400,
                &graph(100, 0, "(#100) No permission to publish the video")
            ),
            Some(ProviderError::bad(
                "Facebook return: No permission to publish the video"
            ))
        );
        assert_eq!(
            map_error(401, r#"{"error":{"message":"Unauthorized"}}"#),
            Some(ProviderError::bad(
                "An unknown error occurred, please try again later or contact support"
            ))
        );
    }

    #[test]
    fn earlier_cases_win() {
        // An expired token names "Error validating access token" before any code.
        assert_eq!(
            map_error(
                400,
                &graph(
                    190,
                    1390008,
                    "Error validating access token: Session has expired"
                )
            ),
            Some(ProviderError::RefreshNeeded(
                "Please re-authenticate your Facebook account".into()
            ))
        );
        // A body with "490" in it, but an earlier code too.
        assert_eq!(
            map_error(400, &graph(100, 1366051, "Duplicate photos 4901")),
            Some(ProviderError::bad("These photos were already posted."))
        );
        assert_eq!(
            map_error(400, &graph(100, 0, "Blocked 4901")),
            Some(ProviderError::RefreshNeeded(
                "Access token expired, please re-authenticate".into()
            ))
        );
        // A 401 that matches a case keeps the case.
        assert_eq!(
            map_error(401, &graph(190, 0, "REVOKED_ACCESS_TOKEN")),
            Some(ProviderError::RefreshNeeded(
                "Access token has been revoked, please re-authenticate".into()
            ))
        );
    }

    #[test]
    fn unmatched_bodies_fall_back() {
        assert_eq!(
            map_error(400, &graph(32, 0, "Page request limit reached")),
            Some(ProviderError::transient("Page request limit reached"))
        );
        assert_eq!(
            map_error(400, &graph(100, 0, "Invalid parameter")),
            Some(ProviderError::bad("Invalid parameter"))
        );
        assert_eq!(map_error(502, "Bad Gateway"), None);
    }
}
