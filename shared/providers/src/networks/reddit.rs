//! Reddit: OAuth 2 (permanent, refreshable), text and link submissions to the subreddits in
//! the settings (the first one is the post's release; the others are submitted too), and
//! comments that chain (the first on the post, later ones on the previous comment). Image and
//! video submissions (media asset leases) are not implemented yet. Base URLs from
//! `REDDIT_URL` (www) and `REDDIT_OAUTH_URL`.

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, refreshed, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["read", "identity", "submit", "flair"];

/// The Reddit provider.
#[derive(Debug)]
pub struct Reddit {
    info: ProviderInfo,
    http: Http,
    web: String,
    api: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

/// `{"json": {"errors": [[code, message, field]]}}` → the first message.
fn json_errors(v: &Value) -> Option<ProviderError> {
    let first = v["json"]["errors"].as_array()?.first()?.clone();
    let code = first[0].as_str().unwrap_or("");
    let message = first[1].as_str().unwrap_or(code);
    Some(match code {
        "RATELIMIT" => ProviderError::transient(format!("Reddit: {message}")),
        _ => ProviderError::bad(format!("Reddit: {message}")),
    })
}

struct Target {
    sr: String,
    title: String,
    kind: String,
    url: Option<String>,
    flair: Option<String>,
}

fn targets(settings: &Value) -> Result<Vec<Target>, String> {
    let list = settings["subreddit"]
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or("Please pick at least one subreddit")?;
    list.iter()
        .map(|entry| {
            let v = &entry["value"];
            let sr = v["subreddit"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("/r/")
                .trim_start_matches("r/")
                .to_lowercase();
            let title = v["title"].as_str().unwrap_or("").to_string();
            let kind = v["type"].as_str().unwrap_or("self").to_string();
            if sr.is_empty() || title.is_empty() {
                return Err("Each subreddit needs a name and a title".to_string());
            }
            if title.chars().count() > 300 {
                return Err("A Reddit title is at most 300 characters".into());
            }
            let url = v["url"]
                .as_str()
                .filter(|u| !u.is_empty())
                .map(str::to_string);
            match kind.as_str() {
                "self" => {}
                "link" if url.is_some() => {}
                "link" => return Err("A link post needs a URL".into()),
                _ => return Err("Image and video posts to Reddit are not supported yet".into()),
            }
            if v["is_flair_required"].as_bool() == Some(true) && v["flair"]["id"].as_str().is_none()
            {
                return Err(format!("r/{sr} requires a flair"));
            }
            Ok(Target {
                sr,
                title,
                kind,
                url,
                flair: v["flair"]["id"].as_str().map(str::to_string),
            })
        })
        .collect()
}

impl Reddit {
    /// Configured from `REDDIT_CLIENT_ID`, `REDDIT_CLIENT_SECRET`, `REDDIT_URL`, `REDDIT_OAUTH_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "reddit",
                name: "Reddit",
                editor: Editor::Normal,
                max_length: 10_000,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 1,
                tools: &[],
            },
            http,
            web: config.base_url("REDDIT_URL", "https://www.reddit.com"),
            api: config.base_url("REDDIT_OAUTH_URL", "https://oauth.reddit.com"),
            client_id: config.or("REDDIT_CLIENT_ID", ""),
            client_secret: config.or("REDDIT_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("reddit"),
        }
    }

    async fn token(&self, form: &[(&str, &str)], refreshing: bool) -> ProviderResult<Value> {
        let basic = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.client_id, self.client_secret))
        );
        let req = self
            .http
            .client()
            .post(format!("{}/api/v1/access_token", self.web))
            .header("Authorization", basic)
            .form(form);
        let v: Value = self
            .http
            .json(req, |status, body| {
                (status == 400 || status == 401).then(|| {
                    ProviderError::bad(format!("Reddit refused the token request: {body}"))
                })
            })
            .await?;
        if let Some(e) = v["error"].as_str() {
            let msg = format!("Reddit refused the token request: {e}");
            return Err(if refreshing {
                ProviderError::RefreshNeeded(msg)
            } else {
                ProviderError::bad(msg)
            });
        }
        Ok(v)
    }

    async fn oauth_post(
        &self,
        token: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}{path}", self.api))
            .bearer_auth(token)
            .form(form);
        let v: Value = self
            .http
            .json(req, |status, _| {
                (status == 403).then(|| ProviderError::bad("Reddit refused: you may not post here"))
            })
            .await?;
        match json_errors(&v) {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }
}

#[async_trait]
impl Provider for Reddit {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("The post should be at most 10000 characters long for Reddit".into());
        }
        targets(&post.settings).map(|_| ())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/api/v1/authorize", self.web),
            &[
                ("client_id", &self.client_id),
                ("response_type", "code"),
                ("state", &state),
                ("redirect_uri", &self.redirect_uri),
                ("duration", "permanent"),
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
                ],
                false,
            )
            .await?;
        let access = t["access_token"].as_str().unwrap_or_default().to_string();
        let req = self
            .http
            .client()
            .get(format!("{}/api/v1/me", self.api))
            .bearer_auth(&access);
        let me: Value = self.http.json(req, crate::http::no_mapping).await?;
        let name = me["name"].as_str().unwrap_or_default().to_string();
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: name.clone(),
            picture: me["icon_img"]
                .as_str()
                .map(|u| u.split('?').next().unwrap_or(u).to_string()),
            username: Some(name),
            access_token: access,
            refresh_token: t["refresh_token"].as_str().map(str::to_string),
            expires_in: t["expires_in"].as_i64(),
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = stored_refresh_token(auth)?;
        let t = self
            .token(
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
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

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let targets = targets(&post.settings).map_err(ProviderError::bad)?;
        let mut first = None;
        for t in targets {
            let mut form: Vec<(&str, &str)> = vec![
                ("api_type", "json"),
                ("sr", &t.sr),
                ("title", &t.title),
                ("kind", &t.kind),
            ];
            match (t.kind.as_str(), &t.url) {
                ("link", Some(u)) => form.push(("url", u)),
                _ => form.push(("text", &post.message)),
            }
            if let Some(f) = &t.flair {
                form.push(("flair_id", f));
            }
            let v = self
                .oauth_post(&auth.access_token, "/api/submit", &form)
                .await?;
            let d = &v["json"]["data"];
            let published = Published {
                id: d["id"].as_str().unwrap_or_default().to_string(),
                url: d["url"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}/r/{}", self.web, t.sr)),
            };
            first.get_or_insert(published);
        }
        first.ok_or_else(|| ProviderError::bad("Please pick at least one subreddit"))
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let thing = if reply_to == root_id {
            format!("t3_{root_id}")
        } else {
            format!("t1_{reply_to}")
        };
        let v = self
            .oauth_post(
                &auth.access_token,
                "/api/comment",
                &[
                    ("api_type", "json"),
                    ("thing_id", &thing),
                    ("text", &post.message),
                ],
            )
            .await?;
        let c = &v["json"]["data"]["things"][0]["data"];
        Ok(Published {
            id: c["id"].as_str().unwrap_or_default().to_string(),
            url: format!(
                "{}{}",
                self.web,
                c["permalink"].as_str().unwrap_or_default()
            ),
        })
    }
}
