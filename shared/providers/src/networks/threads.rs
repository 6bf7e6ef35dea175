//! Threads (Meta): OAuth 2, then a long-lived token that refreshes itself (the current
//! token is the refresh credential). Posts are containers (text, image, video or carousel)
//! that are created, checked until ready, then published; replies set `reply_to_id` to the
//! previous post. Base URLs from `THREADS_URL` (Graph) and `THREADS_WEB_URL`.

use async_trait::async_trait;
use serde_json::Value;
use std::time::Duration;

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, url_with_query};
use crate::plugs::{self, PlugDef};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "threads_basic",
    "threads_content_publish",
    "threads_manage_replies",
    "threads_manage_insights",
];
const LONG_LIVED_SECS: i64 = 58 * 86_400;

/// The Threads provider.
#[derive(Debug)]
pub struct Threads {
    info: ProviderInfo,
    http: Http,
    graph: String,
    web: String,
    app_id: String,
    app_secret: String,
    redirect_uri: String,
    poll: Duration,
}

/// The metrics of Threads' insights.
const METRICS: &str = "views,likes,replies,reposts,quotes";

/// Postiz's mapped cases for Threads' error bodies, in the order Postiz checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::refresh("Error validating access token", "Threads access token expired"),
    ErrorCase::bad(
        "2207051",
        "Error from Meta: We restrict certain activity to protect our community",
    ),
    ErrorCase::bad("4279013", "User restricted"),
    ErrorCase::bad(
        "The media could not be fetched from this URI",
        "One of the media URLs is invalid or inaccessible, make sure it's being uploaded to Postiz first",
    ),
    ErrorCase::bad(
        "text must be at most 500 characters",
        "Post text exceeds 500 characters limit",
    ),
];

/// Threads' error bodies: Postiz's cases first, then the Graph `error.message` of any other 400.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if let Some(mapped) = first_match(body, CASES) {
        return Some(mapped);
    }
    if status == 400 {
        let v: Value = serde_json::from_str(body).ok()?;
        return Some(ProviderError::bad(
            v["error"]["message"]
                .as_str()
                .unwrap_or("Threads refused the post")
                .to_string(),
        ));
    }
    None
}

impl Threads {
    /// Configured from `THREADS_APP_ID`, `THREADS_APP_SECRET`, `THREADS_URL`, `THREADS_WEB_URL`.
    fn insights<'a>(&'a self, edge: String, token: &'a str) -> super::meta_insights::Insights<'a> {
        super::meta_insights::Insights {
            http: &self.http,
            url: format!("{}/v1.0/{edge}", self.graph),
            token,
            map: map_error,
            label: super::meta_insights::capitalized,
        }
    }

    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "threads",
                name: "Threads",
                editor: Editor::Normal,
                max_length: 500,
                two_step: false,
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
            graph: config.base_url("THREADS_URL", "https://graph.threads.net"),
            web: config.base_url("THREADS_WEB_URL", "https://www.threads.net"),
            app_id: config.or("THREADS_APP_ID", ""),
            app_secret: config.or("THREADS_APP_SECRET", ""),
            redirect_uri: config.redirect_uri("threads"),
            poll: Duration::from_millis(
                config
                    .get("THREADS_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(2000),
            ),
        }
    }

    fn login(&self) -> super::meta::SelfRefreshingLogin {
        super::meta::SelfRefreshingLogin {
            network: "Threads",
            code_url: format!("{}/oauth/access_token", self.graph),
            exchange_url: format!("{}/access_token", self.graph),
            exchange_grant: "th_exchange_token",
            refresh_url: format!("{}/refresh_access_token", self.graph),
            refresh_grant: "th_refresh_token",
            app_id: self.app_id.clone(),
            app_secret: self.app_secret.clone(),
            redirect_uri: self.redirect_uri.clone(),
        }
    }

    async fn profile(&self, token: &str, expires_in: Option<i64>) -> ProviderResult<AuthTokens> {
        let req = self
            .http
            .client()
            .get(format!("{}/v1.0/me", self.graph))
            .query(&[
                ("fields", "id,username,name,threads_profile_picture_url"),
                ("access_token", token),
            ]);
        let me: Value = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: me["name"]
                .as_str()
                .or(me["username"].as_str())
                .unwrap_or_default()
                .to_string(),
            picture: me["threads_profile_picture_url"]
                .as_str()
                .map(str::to_string),
            username: me["username"].as_str().map(str::to_string),
            access_token: token.to_string(),
            refresh_token: Some(token.to_string()),
            expires_in: Some(expires_in.unwrap_or(LONG_LIVED_SECS)),
            additional_settings: None,
        })
    }

    async fn container(
        &self,
        auth: &ChannelAuth,
        params: Vec<(&str, String)>,
    ) -> ProviderResult<String> {
        let mut q = params;
        q.push(("access_token", auth.access_token.clone()));
        let req = self
            .http
            .client()
            .post(format!("{}/v1.0/{}/threads", self.graph, auth.internal_id))
            .query(&q);
        let v: Value = self.http.json(req, map_error).await?;
        v["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Unknown("no container id".into()))
    }

    /// Waits until a container is `FINISHED` (bounded); `ERROR` is the user's to fix.
    async fn ready(&self, auth: &ChannelAuth, id: &str) -> ProviderResult<()> {
        for _ in 0..30 {
            let req = self
                .http
                .client()
                .get(format!("{}/v1.0/{id}", self.graph))
                .query(&[
                    ("fields", "status,error_message"),
                    ("access_token", auth.access_token.as_str()),
                ]);
            let v: Value = self.http.json(req, map_error).await?;
            match v["status"].as_str() {
                Some("FINISHED") | Some("PUBLISHED") => return Ok(()),
                Some("ERROR") | Some("EXPIRED") => {
                    return Err(ProviderError::bad(
                        v["error_message"]
                            .as_str()
                            .unwrap_or("Threads could not process the media")
                            .to_string(),
                    ))
                }
                _ => tokio::time::sleep(self.poll).await,
            }
        }
        Err(ProviderError::transient(
            "Threads is still processing the media",
        ))
    }

    async fn post(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        reply_to: Option<&str>,
    ) -> ProviderResult<Published> {
        let reply: Vec<(&str, String)> = reply_to
            .map(|r| vec![("reply_to_id", r.to_string())])
            .unwrap_or_default();
        let media_param = |m: &Media| {
            if m.kind == MediaKind::Video {
                ("VIDEO", "video_url")
            } else {
                ("IMAGE", "image_url")
            }
        };
        let id = match post.media.as_slice() {
            [] => {
                let mut p = vec![
                    ("media_type", "TEXT".to_string()),
                    ("text", post.message.clone()),
                ];
                p.extend(reply.clone());
                self.container(auth, p).await?
            }
            [one] => {
                let (kind, field) = media_param(one);
                let mut p = vec![
                    ("media_type", kind.to_string()),
                    (field, one.url.clone()),
                    ("text", post.message.clone()),
                ];
                p.extend(reply.clone());
                self.container(auth, p).await?
            }
            many => {
                let mut children = Vec::new();
                for m in many {
                    let (kind, field) = media_param(m);
                    let child = self
                        .container(
                            auth,
                            vec![
                                ("media_type", kind.to_string()),
                                (field, m.url.clone()),
                                ("is_carousel_item", "true".into()),
                            ],
                        )
                        .await?;
                    self.ready(auth, &child).await?;
                    children.push(child);
                }
                let mut p = vec![
                    ("media_type", "CAROUSEL".to_string()),
                    ("children", children.join(",")),
                    ("text", post.message.clone()),
                ];
                p.extend(reply.clone());
                self.container(auth, p).await?
            }
        };
        self.ready(auth, &id).await?;
        let req = self
            .http
            .client()
            .post(format!(
                "{}/v1.0/{}/threads_publish",
                self.graph, auth.internal_id
            ))
            .query(&[
                ("creation_id", id.as_str()),
                ("access_token", auth.access_token.as_str()),
            ]);
        let v: Value = self.http.json(req, map_error).await?;
        let published = v["id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no post id".into()))?
            .to_string();
        let req = self
            .http
            .client()
            .get(format!("{}/v1.0/{published}", self.graph))
            .query(&[
                ("fields", "permalink"),
                ("access_token", auth.access_token.as_str()),
            ]);
        let link: Value = self.http.json(req, map_error).await.unwrap_or(Value::Null);
        let url = link["permalink"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}/post/{published}", self.web));
        Ok(Published { id: published, url })
    }
}

#[async_trait]
impl Provider for Threads {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("Post text exceeds 500 characters limit".into());
        }
        if post.media.len() > 20 {
            return Err("Threads takes at most 20 media per post".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/authorize", self.web),
            &[
                ("client_id", &self.app_id),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
                ("response_type", "code"),
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
        self.profile(&token, expires_in).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        self.login()
            .refresh_channel(&self.http, auth, LONG_LIVED_SECS)
            .await
    }

    fn finds_published(&self) -> bool {
        true
    }

    /// The account's posts since a minute before `since` (`GET /{user}/threads`), matched on
    /// the text.
    async fn find_published(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        since: chrono::DateTime<chrono::Utc>,
    ) -> ProviderResult<Option<Published>> {
        let after = since - chrono::Duration::minutes(1);
        let req = self
            .http
            .client()
            .get(format!("{}/v1.0/{}/threads", self.graph, auth.internal_id))
            .query(&[
                ("fields", "id,text,timestamp,permalink"),
                ("since", &after.timestamp().to_string()),
                ("limit", "25"),
                ("access_token", &auth.access_token),
            ]);
        let v: Value = self.http.json(req, map_error).await?;
        let found = v["data"].as_array().into_iter().flatten().find(|d| {
            d["text"].as_str().map(str::trim) == Some(post.message.trim())
                && d["timestamp"]
                    .as_str()
                    .and_then(|t| {
                        chrono::DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%z")
                            .or_else(|_| chrono::DateTime::parse_from_rfc3339(t))
                            .ok()
                    })
                    .is_some_and(|t| t >= after)
        });
        Ok(found.and_then(|d| {
            let id = d["id"].as_str()?.to_string();
            let url = d["permalink"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}/post/{id}", self.web));
            Some(Published { id, url })
        }))
    }

    /// Profile insights: views per day, likes, replies, reposts and quotes in total.
    async fn analytics(&self, auth: &ChannelAuth, days: u32) -> ProviderResult<Vec<Value>> {
        self.insights(
            format!("{}/threads_insights", auth.internal_id),
            &auth.access_token,
        )
        .over_days(days, &[&[("metric", METRICS)]])
        .await
    }

    /// A post's views, likes, replies, reposts and quotes.
    async fn post_analytics(
        &self,
        auth: &ChannelAuth,
        post_id: &str,
        _days: u32,
    ) -> ProviderResult<Vec<Value>> {
        self.insights(format!("{post_id}/insights"), &auth.access_token)
            .post_figures(METRICS)
            .await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.post(auth, post, None).await
    }

    fn plugs(&self) -> &'static [PlugDef] {
        const PLUGS: &[PlugDef] = &[plugs::auto_plug("threads-autoPlugPost")];
        PLUGS
    }

    /// The post's lifetime `likes` insight.
    async fn likes(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<u64> {
        let likes = self
            .insights(format!("{post_id}/insights"), &auth.access_token)
            .lifetime("likes")
            .await?
            .ok_or_else(|| {
                ProviderError::Unknown("Threads did not return the post's likes".into())
            })?;
        Ok(likes.max(0.0) as u64)
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.post(auth, post, Some(reply_to)).await
    }
}

#[cfg(test)]
mod tests {
    use super::map_error;
    use crate::error::ProviderError;

    use super::super::meta::graph_error as graph;

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
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
                "Threads access token expired".into()
            ))
        );
        assert_eq!(
            map_error(400, &graph(100, 2207051, "Action is blocked")),
            Some(ProviderError::bad(
                "Error from Meta: We restrict certain activity to protect our community"
            ))
        );
        assert_eq!(
            map_error(400, &graph(100, 4279013, "Restricted")),
            Some(ProviderError::bad("User restricted"))
        );
        assert_eq!(
            map_error(400, &graph(100, 0, "The media could not be fetched from this URI: x")),
            Some(ProviderError::bad(
                "One of the media URLs is invalid or inaccessible, make sure it's being uploaded to Postiz first"
            ))
        );
    }

    #[test]
    fn postiz_cases_come_first_in_postiz_order() {
        // An expired token wins over a restriction code in the same body.
        assert_eq!(
            map_error(400, &graph(190, 2207051, "Error validating access token")),
            Some(ProviderError::RefreshNeeded(
                "Threads access token expired".into()
            ))
        );
        assert_eq!(
            map_error(
                400,
                &graph(100, 2207051, "text must be at most 500 characters")
            ),
            Some(ProviderError::bad(
                "Error from Meta: We restrict certain activity to protect our community"
            ))
        );
    }

    #[test]
    fn other_errors_fall_back() {
        assert_eq!(
            map_error(400, &graph(100, 33, "Object does not exist")),
            Some(ProviderError::bad("Object does not exist"))
        );
        assert_eq!(map_error(503, r#"{"error":{"message":"busy"}}"#), None);
    }
}
