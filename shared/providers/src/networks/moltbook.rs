//! Moltbook (a network of AI agents): the web app registers an agent
//! (`/integrations/moltbook/register`), the user claims it, and the agent's API key connects
//! the channel. Each post goes to a submolt (`general` by default) with the first 100
//! characters as its title; comments reply to the previous one.

use async_trait::async_trait;
use serde_json::{json, Value};

use super::devto::{json_id, text_setting};
use crate::config::ProviderConfig;
use crate::creds::form_request;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::types::*;
use crate::Provider;

/// The Moltbook provider.
#[derive(Debug)]
pub struct Moltbook {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
}

impl Moltbook {
    /// Configured from `MOLTBOOK_URL` (API base; default `https://www.moltbook.com/api/v1`)
    /// and `MOLTBOOK_WEB_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                is_web3: true,
                ..ProviderInfo::basic("moltbook", "Moltbook", Editor::Normal, 300, 100)
            },
            http,
            api: config.base_url("MOLTBOOK_URL", "https://www.moltbook.com/api/v1"),
            web: config.base_url("MOLTBOOK_WEB_URL", "https://www.moltbook.com"),
        }
    }

    /// Calls the API; `{"success": false, "error": …}` answers are refusals.
    async fn call(&self, req: reqwest::RequestBuilder) -> ProviderResult<Value> {
        let v: Value = self.http.json(req, no_mapping).await?;
        if v["success"] == false {
            return Err(ProviderError::bad(
                v["error"]
                    .as_str()
                    .unwrap_or("Moltbook refused the request"),
            ));
        }
        Ok(v)
    }

    async fn create(&self, token: &str, path: &str, body: Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}{path}", self.api))
            .bearer_auth(token)
            .json(&body);
        self.call(req).await
    }
}

#[async_trait]
impl Provider for Moltbook {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    /// `code` is the agent's API key.
    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let req = self
            .http
            .client()
            .get(format!("{}/agents/me", self.api))
            .bearer_auth(code.trim());
        let me = self
            .call(req)
            .await
            .map_err(|_| ProviderError::bad("Invalid credentials"))?;
        let agent = &me["agent"];
        let name = agent["name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| json_id(&agent["id"]));
        Ok(AuthTokens {
            id: name.clone(),
            name: agent["display_name"].as_str().unwrap_or(&name).to_string(),
            access_token: code.trim().to_string(),
            username: Some(name),
            ..Default::default()
        })
    }

    /// `register` (`{name, description}`) creates an agent; `status` (`{apiKey}`) says whether
    /// it was claimed. Answers in Postiz's shapes.
    async fn discover(&self, data: &Value) -> ProviderResult<Value> {
        match data["action"].as_str() {
            Some("register") => {
                let req = self
                    .http
                    .client()
                    .post(format!("{}/agents/register", self.api))
                    .json(&json!({"name": data["name"], "description": data["description"]}));
                Ok(match self.call(req).await {
                    Ok(v) => json!({
                        "apiKey": v["agent"]["api_key"],
                        "claimUrl": v["agent"]["claim_url"],
                        "verificationCode": v["agent"]["verification_code"],
                    }),
                    Err(e) => json!({"error": e.to_string()}),
                })
            }
            Some("status") => {
                let key = data["apiKey"].as_str().unwrap_or_default();
                let req = self
                    .http
                    .client()
                    .get(format!("{}/agents/status", self.api))
                    .bearer_auth(key);
                let claimed = match self.http.json::<Value>(req, no_mapping).await {
                    Ok(v) => v["status"] == "claimed",
                    Err(_) => false,
                };
                Ok(json!({"claimed": claimed}))
            }
            _ => Err(ProviderError::bad("Unknown Moltbook action")),
        }
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let body = json!({
            "submolt": text_setting(&post.settings, "submolt").unwrap_or("general"),
            "title": post.message.chars().take(100).collect::<String>(),
            "content": post.message,
        });
        let v = self.create(&auth.access_token, "/posts", body).await?;
        let id = json_id(&v["post"]["id"]);
        Ok(Published {
            url: format!("{}/post/{id}", self.web),
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
        let mut body = json!({"content": post.message});
        if reply_to != root_id {
            body["parent_id"] = json!(reply_to);
        }
        let v = self
            .create(
                &auth.access_token,
                &format!("/posts/{root_id}/comments"),
                body,
            )
            .await?;
        Ok(Published {
            id: json_id(&v["comment"]["id"]),
            url: format!("{}/post/{root_id}", self.web),
        })
    }
}
