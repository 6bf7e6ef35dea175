//! Twitch: OAuth 2; each post is a chat message in the user's own channel, or an announcement
//! with a colour (`messageType`, `announcementColor`); comments reply to the previous
//! message. Tokens refresh.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::{new_state, random_string, stored_refresh_token, token_request, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "user:write:chat",
    "user:read:chat",
    "moderator:manage:announcements",
];

/// The Twitch provider.
#[derive(Debug)]
pub struct Twitch {
    info: ProviderInfo,
    http: Http,
    id: String,
    api: String,
    web: String,
    client_id: String,
    secret: String,
    redirect_uri: String,
}

impl Twitch {
    /// Configured from `TWITCH_CLIENT_ID`, `TWITCH_CLIENT_SECRET`, and `TWITCH_ID_URL`,
    /// `TWITCH_API_URL`, `TWITCH_WEB_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                refreshes: true,
                ..ProviderInfo::basic("twitch", "Twitch", Editor::Normal, 500, 1)
            },
            http,
            id: config.base_url("TWITCH_ID_URL", "https://id.twitch.tv"),
            api: config.base_url("TWITCH_API_URL", "https://api.twitch.tv"),
            web: config.base_url("TWITCH_WEB_URL", "https://twitch.tv"),
            client_id: config.or("TWITCH_CLIENT_ID", ""),
            secret: config.or("TWITCH_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("twitch"),
        }
    }

    fn helix(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}/helix{path}", self.api))
            .bearer_auth(token)
            .header("client-id", &self.client_id)
    }

    async fn user(&self, token: &str) -> ProviderResult<Value> {
        let v: Value = self
            .http
            .json(
                self.helix(reqwest::Method::GET, "/users", token),
                no_mapping,
            )
            .await?;
        Ok(v["data"][0].clone())
    }

    async fn profile(&self, t: crate::oauth::TokenAnswer) -> ProviderResult<AuthTokens> {
        let user = self.user(&t.access_token).await?;
        let id = user["id"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown(format!("unexpected user answer: {user}")))?;
        Ok(AuthTokens {
            id: id.to_string(),
            name: user["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
            picture: user["profile_image_url"]
                .as_str()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            username: user["login"].as_str().map(str::to_string),
            additional_settings: None,
        })
    }

    async fn send(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        reply_to: Option<&str>,
    ) -> ProviderResult<Published> {
        let me = &auth.internal_id;
        let text: String = post.message.chars().take(500).collect();
        let id = if post.settings["messageType"] == "announcement" {
            let color = post.settings["announcementColor"]
                .as_str()
                .filter(|c| !c.is_empty())
                .unwrap_or("primary");
            let req = self
                .helix(
                    reqwest::Method::POST,
                    "/chat/announcements",
                    &auth.access_token,
                )
                .query(&[("broadcaster_id", me), ("moderator_id", me)])
                .json(&json!({"message": text, "color": color}));
            self.http.send(req, no_mapping).await?;
            // Announcements get no message id.
            format!("announcement-{}", random_string(8))
        } else {
            let mut body = json!({"broadcaster_id": me, "sender_id": me, "message": text});
            if let Some(r) = reply_to {
                body["reply_parent_message_id"] = json!(r);
            }
            let req = self
                .helix(reqwest::Method::POST, "/chat/messages", &auth.access_token)
                .json(&body);
            let v: Value = self.http.json(req, no_mapping).await?;
            let sent = &v["data"][0];
            if sent["is_sent"] != true {
                let reason = sent["drop_reason"]["message"]
                    .as_str()
                    .unwrap_or("Twitch did not send the chat message");
                return Err(ProviderError::bad(reason));
            }
            sent["message_id"].as_str().unwrap_or_default().to_string()
        };
        let login = self
            .user(&auth.access_token)
            .await
            .ok()
            .and_then(|u| u["login"].as_str().map(str::to_string));
        Ok(Published {
            id,
            url: match login {
                Some(l) => format!("{}/{l}", self.web),
                None => self.web.clone(),
            },
        })
    }
}

#[async_trait]
impl Provider for Twitch {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth2/authorize", self.id),
            &[
                ("response_type", "code"),
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
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
        let t = token_request(
            &self.http,
            &format!("{}/oauth2/token", self.id),
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("redirect_uri", &self.redirect_uri),
                ("code", code),
            ],
            true,
        )
        .await?;
        self.profile(t).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let t = token_request(
            &self.http,
            &format!("{}/oauth2/token", self.id),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("refresh_token", stored_refresh_token(auth)?),
            ],
            false,
        )
        .await?;
        self.profile(t).await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.send(auth, post, None).await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let reply = (!reply_to.starts_with("announcement-")).then_some(reply_to);
        self.send(auth, post, reply).await
    }
}
