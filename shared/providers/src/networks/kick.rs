//! Kick: OAuth 2 with PKCE; each post is a chat message in the user's own channel, and each
//! comment a reply to the previous message. Tokens refresh.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::{new_state, pkce, stored_refresh_token, token_request, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["chat:write", "user:read", "channel:read"];

/// The Kick provider.
#[derive(Debug)]
pub struct Kick {
    info: ProviderInfo,
    http: Http,
    id: String,
    api: String,
    web: String,
    client_id: String,
    secret: String,
    redirect_uri: String,
}

impl Kick {
    /// Configured from `KICK_CLIENT_ID`, `KICK_SECRET`, and `KICK_ID_URL`, `KICK_API_URL`,
    /// `KICK_WEB_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                refreshes: true,
                ..ProviderInfo::basic("kick", "Kick", Editor::Normal, 500, 3)
            },
            http,
            id: config.base_url("KICK_ID_URL", "https://id.kick.com"),
            api: config.base_url("KICK_API_URL", "https://api.kick.com"),
            web: config.base_url("KICK_WEB_URL", "https://kick.com"),
            client_id: config.or("KICK_CLIENT_ID", ""),
            secret: config.or("KICK_SECRET", ""),
            redirect_uri: config.redirect_uri("kick"),
        }
    }

    async fn profile(
        &self,
        token: &str,
        tokens: crate::oauth::TokenAnswer,
    ) -> ProviderResult<AuthTokens> {
        let req = self
            .http
            .client()
            .get(format!("{}/public/v1/users", self.api))
            .bearer_auth(token);
        let v: Value = self.http.json(req, no_mapping).await?;
        let user = if v["data"].is_array() {
            &v["data"][0]
        } else {
            &v["data"]
        };
        let id = user["user_id"]
            .as_i64()
            .map(|n| n.to_string())
            .or_else(|| user["user_id"].as_str().map(str::to_string));
        let id =
            id.ok_or_else(|| ProviderError::Unknown(format!("unexpected user answer: {v}")))?;
        let name = user["name"].as_str().unwrap_or_default().to_string();
        Ok(AuthTokens {
            id,
            name: name.clone(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_in: tokens.expires_in,
            picture: user["profile_picture"]
                .as_str()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            username: Some(name),
            additional_settings: None,
        })
    }

    async fn chat(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        reply_to: Option<&str>,
    ) -> ProviderResult<Published> {
        let broadcaster: i64 = auth
            .internal_id
            .parse()
            .map_err(|_| ProviderError::RefreshNeeded("the channel id is not a Kick id".into()))?;
        let mut body = json!({
            "type": "user",
            "content": post.message.chars().take(500).collect::<String>(),
            "broadcaster_user_id": broadcaster,
        });
        if let Some(r) = reply_to {
            body["reply_to_message_id"] = json!(r);
        }
        let req = self
            .http
            .client()
            .post(format!("{}/public/v1/chat", self.api))
            .bearer_auth(&auth.access_token)
            .json(&body);
        let v: Value = self.http.json(req, no_mapping).await?;
        let data = if v["data"].is_object() {
            &v["data"]
        } else {
            &v
        };
        if data["is_sent"] != true {
            return Err(ProviderError::bad("Kick did not send the chat message"));
        }
        let id = data["message_id"].as_str().unwrap_or_default().to_string();
        // The channel's page: its slug, when Kick says it.
        let req = self
            .http
            .client()
            .get(format!("{}/public/v1/channels", self.api))
            .bearer_auth(&auth.access_token);
        let slug = match self.http.json::<Value>(req, no_mapping).await {
            Ok(c) => c["data"][0]["slug"].as_str().map(str::to_string),
            Err(_) => None,
        };
        Ok(Published {
            id,
            url: match slug {
                Some(s) => format!("{}/{s}", self.web),
                None => self.web.clone(),
            },
        })
    }
}

#[async_trait]
impl Provider for Kick {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let (verifier, challenge) = pkce();
        let url = url_with_query(
            &format!("{}/oauth/authorize", self.id),
            &[
                ("response_type", "code"),
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("scope", &SCOPES.join(" ")),
                ("state", &state),
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
        let t = token_request(
            &self.http,
            &format!("{}/oauth/token", self.id),
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("redirect_uri", &self.redirect_uri),
                ("code", code),
                ("code_verifier", code_verifier),
            ],
            true,
        )
        .await?;
        let token = t.access_token.clone();
        self.profile(&token, t).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let t = token_request(
            &self.http,
            &format!("{}/oauth/token", self.id),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("refresh_token", stored_refresh_token(auth)?),
            ],
            false,
        )
        .await?;
        let token = t.access_token.clone();
        self.profile(&token, t).await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.chat(auth, post, None).await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.chat(auth, post, Some(reply_to)).await
    }
}
