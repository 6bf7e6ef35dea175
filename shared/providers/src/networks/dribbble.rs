//! Dribbble: OAuth 2 (`public upload`); each post is a shot: exactly one picture (400×300 or
//! 800×600, as Dribbble requires), a title and the message as its description, optionally
//! for a team. Tokens do not expire (Postiz's refresh calls Pinterest's sandbox by mistake;
//! here a dead token asks for a reconnect). Tool: `teams`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde_json::{json, Value};

use super::devto::{json_id, text_setting};
use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::{new_state, random_string, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["public", "upload"];

/// The Dribbble provider.
#[derive(Debug)]
pub struct Dribbble {
    info: ProviderInfo,
    http: Http,
    web: String,
    api: String,
    client_id: String,
    secret: String,
    redirect_uri: String,
}

impl Dribbble {
    /// Configured from `DRIBBBLE_CLIENT_ID`, `DRIBBBLE_CLIENT_SECRET`, and `DRIBBBLE_URL`,
    /// `DRIBBBLE_API_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                tools: &["teams"],
                ..ProviderInfo::basic("dribbble", "Dribbble", Editor::Normal, 40_000, 3)
            },
            http,
            web: config.base_url("DRIBBBLE_URL", "https://dribbble.com"),
            api: config.base_url("DRIBBBLE_API_URL", "https://api.dribbble.com"),
            client_id: config.or("DRIBBBLE_CLIENT_ID", ""),
            secret: config.or("DRIBBBLE_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("dribbble"),
        }
    }

    async fn user(&self, token: &str) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}/v2/user", self.api))
            .bearer_auth(token);
        self.http.json(req, no_mapping).await
    }
}

#[async_trait]
impl Provider for Dribbble {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.media.len() != 1 {
            return Err("Requires one item".into());
        }
        if post.media[0].kind == MediaKind::Video || post.media[0].url.contains("mp4") {
            return Err("Does not support mp4 files".into());
        }
        Ok(())
    }

    fn check_comment(&self, _comment: &PostDetails) -> Result<(), String> {
        Err("Dribbble shots take no comments".into())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/authorize", self.web),
            &[
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("response_type", "code"),
                ("scope", &SCOPES.join(" ")),
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
        // The secret goes in the body, not the query string Postiz uses.
        let t = crate::oauth::token_request(
            &self.http,
            &format!("{}/oauth/token", self.web),
            &[
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("code", code),
                ("redirect_uri", &self.redirect_uri),
            ],
            true,
        )
        .await?;
        let me = self.user(&t.access_token).await?;
        Ok(AuthTokens {
            id: json_id(&me["id"]),
            name: me["name"].as_str().unwrap_or_default().to_string(),
            access_token: t.access_token,
            picture: me["avatar_url"].as_str().map(str::to_string),
            username: me["login"].as_str().map(str::to_string),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let image = self
            .http
            .open_media(&post.media[0].url)
            .await?
            .into_part()?;
        let mut form = Form::new()
            .part("image", image)
            .text(
                "title",
                text_setting(&post.settings, "title")
                    .unwrap_or_default()
                    .to_string(),
            )
            .text("description", post.message.clone());
        if let Some(team) = post.settings["team"].as_str().filter(|t| !t.is_empty()) {
            form = form.text("team_id", team.to_string());
        }
        let req = self
            .http
            .client()
            .post(format!("{}/v2/shots", self.api))
            .bearer_auth(&auth.access_token)
            .multipart(form);
        let resp = self
            .http
            .send(req, |_, body| {
                body.contains("dimensions").then(|| {
                    ProviderError::bad("Invalid image size. Requires 400x300 or 800x600 px images.")
                })
            })
            .await?;
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default();
        let id = location.rsplit('/').next().unwrap_or_default().to_string();
        if id.is_empty() {
            return Err(ProviderError::Unknown(
                "Dribbble gave no shot location".into(),
            ));
        }
        Ok(Published {
            url: format!("{}/shots/{id}", self.web),
            id,
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        if name != "teams" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let me = self.user(&auth.access_token).await?;
        Ok(me["teams"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| json!({"id": t["id"], "name": t["name"]}))
            .collect())
    }
}
