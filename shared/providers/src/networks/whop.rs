//! Whop: OAuth 2 with PKCE as a public client (no secret); each post is a forum post in the
//! chosen experience (markdown, optional title, attachments uploaded first), each comment a
//! reply to the previous post. Tokens refresh. Tools: `companies`, `experiences`.

use async_trait::async_trait;
use serde_json::{json, Value};
use std::time::Duration;

use super::devto::{json_id, text_setting};
use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, pkce, random_string, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "forum:post:create",
    "forum:read",
    "company:basic:read",
];

const CASES: &[ErrorCase] = &[
    ErrorCase::refresh("invalid_grant", "Invalid token, please re-authenticate"),
    ErrorCase::refresh(
        "insufficient_scope",
        "Insufficient permissions, please re-authenticate with required scopes",
    ),
    ErrorCase::bad("invalid_request", "Invalid request parameters"),
    ErrorCase::bad("not_found", "Forum or experience not found"),
];

fn map_error(_status: u16, body: &str) -> Option<ProviderError> {
    first_match(body, CASES)
}

/// The Whop provider.
#[derive(Debug)]
pub struct Whop {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_id: String,
    redirect_uri: String,
    upload_poll: Duration,
}

impl Whop {
    /// Configured from `WHOP_CLIENT_ID`, and `WHOP_URL`, `WHOP_WEB_URL`, `WHOP_UPLOAD_POLL_MS`
    /// (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                refreshes: true,
                tool_tip: Some("Schedule posts to forums"),
                tools: &["companies", "experiences"],
                ..ProviderInfo::basic("whop", "Whop", Editor::Markdown, 50_000, 1)
            },
            http,
            api: config.base_url("WHOP_URL", "https://api.whop.com"),
            web: config.base_url("WHOP_WEB_URL", "https://whop.com"),
            client_id: config.or("WHOP_CLIENT_ID", ""),
            redirect_uri: config.redirect_uri("whop"),
            upload_poll: Duration::from_millis(
                config
                    .get("WHOP_UPLOAD_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(5000),
            ),
        }
    }

    async fn tokens(&self, body: Value, connecting: bool) -> ProviderResult<AuthTokens> {
        let req = self
            .http
            .client()
            .post(format!("{}/oauth/token", self.api))
            .json(&body);
        let t: Value = self.http.json(req, map_error).await.map_err(|e| match e {
            ProviderError::RefreshNeeded(m) | ProviderError::BadRequest { user_message: m }
                if connecting =>
            {
                ProviderError::bad(format!("Authentication failed: {m}"))
            }
            other => other,
        })?;
        let access = t["access_token"].as_str().unwrap_or_default().to_string();
        let req = self
            .http
            .client()
            .get(format!("{}/oauth/userinfo", self.api))
            .bearer_auth(&access);
        let me: Value = self.http.json(req, map_error).await?;
        let username = me["preferred_username"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok(AuthTokens {
            id: json_id(&me["sub"]),
            name: me["name"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(&username)
                .to_string(),
            access_token: access,
            refresh_token: t["refresh_token"].as_str().map(str::to_string),
            expires_in: Some(t["expires_in"].as_i64().unwrap_or(3600)),
            picture: me["picture"].as_str().map(str::to_string),
            username: Some(username),
            additional_settings: None,
        })
    }

    fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}/api/v1{path}", self.api))
            .bearer_auth(token)
    }

    /// Uploads each file (a file record, a PUT of the bytes to its upload URL, then waiting
    /// until Whop says it is ready): `[{id}]` attachments.
    async fn attachments(&self, token: &str, media: &[Media]) -> ProviderResult<Vec<Value>> {
        let mut out = Vec::new();
        for m in media {
            let (reader, len) = self.http.open_media(&m.url).await?.sized().await?;
            let record: Value = self
                .http
                .json(
                    self.api(reqwest::Method::POST, "/files", token)
                        .json(&json!({"filename": reader.name})),
                    map_error,
                )
                .await?;
            let id = json_id(&record["id"]);
            if let Some(upload) = record["upload_url"].as_str() {
                self.http.vet(upload).await?;
                let mut put = self.http.client().put(upload).header("content-length", len);
                for (k, v) in record["upload_headers"].as_object().into_iter().flatten() {
                    put = put.header(k.as_str(), v.as_str().unwrap_or_default());
                }
                self.http
                    .send(put.body(reader.into_body()), map_error)
                    .await?;
                let mut ready = false;
                for _ in 0..108 {
                    let status: Value = self
                        .http
                        .json(
                            self.api(reqwest::Method::GET, &format!("/files/{id}"), token),
                            map_error,
                        )
                        .await?;
                    match status["upload_status"].as_str() {
                        Some("ready") => {
                            ready = true;
                            break;
                        }
                        Some("failed") => {
                            return Err(ProviderError::bad("Whop could not process the media file"))
                        }
                        _ => tokio::time::sleep(self.upload_poll).await,
                    }
                }
                if !ready {
                    return Err(ProviderError::transient("File upload timed out"));
                }
            }
            out.push(json!({"id": id}));
        }
        Ok(out)
    }

    async fn forum_post(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        parent: Option<&str>,
    ) -> ProviderResult<(String, String)> {
        let experience = text_setting(&post.settings, "experience")
            .ok_or_else(|| ProviderError::bad("experience should not be empty"))?;
        let attachments = self.attachments(&auth.access_token, &post.media).await?;
        let mut body = json!({"experience_id": experience, "content": post.message});
        if let Some(p) = parent {
            body["parent_id"] = json!(p);
        } else if let Some(title) = text_setting(&post.settings, "title") {
            body["title"] = json!(title);
        }
        if !attachments.is_empty() {
            body["attachments"] = json!(attachments);
        }
        let v: Value = self
            .http
            .json(
                self.api(reqwest::Method::POST, "/forum_posts", &auth.access_token)
                    .json(&body),
                map_error,
            )
            .await?;
        Ok((json_id(&v["id"]), experience.to_string()))
    }
}

#[async_trait]
impl Provider for Whop {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let (verifier, challenge) = pkce();
        let nonce = random_string(12);
        let url = url_with_query(
            &format!("{}/oauth/authorize", self.api),
            &[
                ("response_type", "code"),
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("scope", &SCOPES.join(" ")),
                ("state", &state),
                ("nonce", &nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: verifier,
            state,
        })
    }

    async fn authenticate(&self, code: &str, code_verifier: &str) -> ProviderResult<AuthTokens> {
        self.tokens(
            json!({"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri, "client_id": self.client_id, "code_verifier": code_verifier}),
            true,
        )
        .await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = stored_refresh_token(auth)?;
        self.tokens(json!({"grant_type": "refresh_token", "refresh_token": refresh, "client_id": self.client_id}), false).await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let (id, experience) = self.forum_post(auth, post, None).await?;
        Ok(Published {
            url: format!("{}/experiences/{experience}/{id}", self.web),
            id,
        })
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let (id, experience) = self.forum_post(auth, post, Some(reply_to)).await?;
        Ok(Published {
            id,
            url: format!("{}/experiences/{experience}/{root_id}", self.web),
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        let path = match name {
            "companies" => "/companies?first=50".to_string(),
            "experiences" => match data["id"].as_str().filter(|c| !c.is_empty()) {
                Some(company) => format!(
                    "/forums?company_id={}&first=50",
                    url::form_urlencoded::byte_serialize(company.as_bytes()).collect::<String>()
                ),
                None => return Ok(json!([])),
            },
            other => return Err(ProviderError::bad(format!("Unknown function {other}"))),
        };
        let v: Value = self
            .http
            .json(
                self.api(reqwest::Method::GET, &path, &auth.access_token),
                map_error,
            )
            .await?;
        let list = v["data"].as_array().cloned().unwrap_or_default();
        Ok(list
            .iter()
            .map(|item| match name {
                "companies" => json!({"id": item["id"], "name": item["title"]}),
                _ => {
                    let e = &item["experience"];
                    json!({"id": if e["id"].is_null() { &item["id"] } else { &e["id"] }, "name": if e["name"].is_null() { &item["id"] } else { &e["name"] }})
                }
            })
            .collect())
    }
}
