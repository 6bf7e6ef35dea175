//! Discord: OAuth 2 bot install into a server (guild); messages are sent by the app's bot
//! (`DISCORD_BOT_TOKEN_ID`) to the channel picked in the settings, with attachments; replies
//! go to a thread started from the root message (whose id is the message's id). The user
//! token refreshes. Base URLs from `DISCORD_URL` (API) and `DISCORD_WEB_URL`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, refreshed, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["bot", "identify", "guilds"];

/// The Discord provider.
#[derive(Debug)]
pub struct Discord {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_id: String,
    client_secret: String,
    bot_token: String,
    redirect_uri: String,
}

/// Postiz's mapped cases for Discord's error bodies (`{"message": ..., "code": ...}`), in the
/// order Postiz checks them; like Postiz, the codes are looked for anywhere in the body.
const CASES: &[ErrorCase] = &[
    ErrorCase::bad("50001", "Bot doesn't have access to this channel"),
    ErrorCase::bad(
        "50013",
        "Bot lacks permission to send messages in this channel",
    ),
    ErrorCase::bad("10003", "Channel no longer exists"),
    ErrorCase::bad("40005", "Attachment exceeds Discord's size limit"),
    ErrorCase::retry("20028", "Rate limited by Discord"),
];

/// Discord's error bodies: Postiz's cases first (a retry keeps the body's `retry_after`), then
/// any other 429 with its `retry_after`, and an invalid form body with Discord's message.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let retry_after = v["retry_after"]
        .as_f64()
        .map(|s| std::time::Duration::from_secs_f64(s.max(0.0)));
    match first_match(body, CASES) {
        Some(ProviderError::Transient { message, .. }) => {
            return Some(ProviderError::Transient {
                retry_after,
                message,
            })
        }
        Some(mapped) => return Some(mapped),
        None => {}
    }
    if status == 429 {
        return Some(ProviderError::Transient {
            retry_after,
            message: "Discord rate limit".into(),
        });
    }
    if v["code"].as_i64() == Some(50035) {
        return Some(ProviderError::bad(format!(
            "Discord refused the message: {}",
            v["message"].as_str().unwrap_or("invalid form body")
        )));
    }
    None
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
    guild: Option<Value>,
}

fn channel_of(post: &PostDetails) -> ProviderResult<String> {
    post.settings
        .get("channel")
        .and_then(|c| {
            c.as_str()
                .map(str::to_string)
                .or_else(|| c.as_u64().map(|n| n.to_string()))
        })
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ProviderError::bad("Please pick a Discord channel"))
}

impl Discord {
    /// Configured from `DISCORD_CLIENT_ID`, `DISCORD_CLIENT_SECRET`, `DISCORD_BOT_TOKEN_ID`, `DISCORD_URL`, `DISCORD_WEB_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "discord",
                name: "Discord",
                editor: Editor::Markdown,
                max_length: 1980,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 5,
                tools: &["channels"],
                extension_cookies: None,
            },
            http,
            api: config.base_url("DISCORD_URL", "https://discord.com/api"),
            web: config.base_url("DISCORD_WEB_URL", "https://discord.com"),
            client_id: config.or("DISCORD_CLIENT_ID", ""),
            client_secret: config.or("DISCORD_CLIENT_SECRET", ""),
            bot_token: config.or("DISCORD_BOT_TOKEN_ID", ""),
            redirect_uri: config.redirect_uri("discord"),
        }
    }

    fn bot(&self) -> String {
        format!("Bot {}", self.bot_token)
    }

    async fn token(&self, form: &[(&str, &str)], refreshing: bool) -> ProviderResult<TokenAnswer> {
        let req = self
            .http
            .client()
            .post(format!("{}/oauth2/token", self.api))
            .form(form);
        self.http
            .json(req, |status, body| {
                (status == 400 || status == 401).then(|| {
                    ProviderError::bad(format!("Discord refused the token request: {body}"))
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

    async fn application(&self, token: &str) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}/oauth2/@me", self.api))
            .bearer_auth(token);
        self.http.json(req, map_error).await
    }

    async fn send(&self, channel: &str, post: &PostDetails) -> ProviderResult<Value> {
        let url = format!("{}/channels/{channel}/messages", self.api);
        let req = if post.media.is_empty() {
            self.http
                .client()
                .post(url)
                .json(&json!({"content": post.message}))
        } else {
            let mut attachments = Vec::new();
            let mut form = Form::new();
            for (i, m) in post.media.iter().enumerate() {
                let media = self.http.open_media(&m.url).await?;
                attachments.push(json!({"id": i, "filename": media.name, "description": m.alt}));
                let part = media.into_part()?;
                form = form.part(format!("files[{i}]"), part);
            }
            let payload = json!({"content": post.message, "attachments": attachments});
            self.http
                .client()
                .post(url)
                .multipart(form.text("payload_json", payload.to_string()))
        };
        self.http
            .json(req.header("Authorization", self.bot()), map_error)
            .await
    }
}

#[async_trait]
impl Provider for Discord {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        channel_of(post).map_err(|e| e.to_string())?;
        if post.message.chars().count() > self.info.max_length {
            return Err("The message should be at most 1980 characters long for Discord".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth2/authorize", self.web),
            &[
                ("client_id", &self.client_id),
                ("permissions", "377957124096"),
                ("response_type", "code"),
                ("redirect_uri", &self.redirect_uri),
                ("integration_type", "0"),
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
        let t = self
            .token(
                &[
                    ("client_id", &self.client_id),
                    ("client_secret", &self.client_secret),
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                ],
                false,
            )
            .await?;
        let guild = t
            .guild
            .clone()
            .ok_or_else(|| ProviderError::bad("Please add the bot to a server"))?;
        let app = self.application(&t.access_token).await?;
        Ok(AuthTokens {
            id: guild["id"].as_str().unwrap_or_default().to_string(),
            name: app["application"]["name"]
                .as_str()
                .or(guild["name"].as_str())
                .unwrap_or("Discord")
                .to_string(),
            picture: None,
            username: app["application"]["bot"]["username"]
                .as_str()
                .map(str::to_string),
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
                    ("client_id", &self.client_id),
                    ("client_secret", &self.client_secret),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh),
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

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let channel = channel_of(post)?;
        let m = self.send(&channel, post).await?;
        let id = m["id"].as_str().unwrap_or_default().to_string();
        Ok(Published {
            url: format!("{}/channels/{}/{channel}/{id}", self.web, auth.internal_id),
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
        let channel = channel_of(post)?;
        let req = self
            .http
            .client()
            .post(format!(
                "{}/channels/{channel}/messages/{root_id}/threads",
                self.api
            ))
            .header("Authorization", self.bot())
            .json(&json!({"name": "Thread", "auto_archive_duration": 1440}));
        // A thread started from a message has that message's id; "already created" is fine.
        match self.http.send(req, map_error).await {
            Ok(_) => {}
            Err(ProviderError::BadRequest { user_message })
                if user_message.contains("160004")
                    || user_message.contains("already been created") => {}
            Err(e) => return Err(e),
        }
        let m = self.send(root_id, post).await?;
        let id = m["id"].as_str().unwrap_or_default().to_string();
        Ok(Published {
            url: format!("{}/channels/{}/{root_id}/{id}", self.web, auth.internal_id),
            id,
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        if name != "channels" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let req = self
            .http
            .client()
            .get(format!("{}/guilds/{}/channels", self.api, auth.internal_id))
            .header("Authorization", self.bot());
        let v: Value = self.http.json(req, map_error).await?;
        let list: Vec<Value> = v
            .as_array()
            .map(|cs| {
                cs.iter()
                    .filter(|c| matches!(c["type"].as_i64(), Some(0 | 5 | 15)))
                    .map(|c| json!({"id": c["id"], "name": c["name"]}))
                    .collect()
            })
            .unwrap_or_default();
        Ok(json!(list))
    }
}

#[cfg(test)]
mod tests {
    use super::map_error;
    use crate::error::ProviderError;
    use std::time::Duration;

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(403, r#"{"message": "Missing Access", "code": 50001}"#),
            Some(ProviderError::bad(
                "Bot doesn't have access to this channel"
            ))
        );
        assert_eq!(
            map_error(403, r#"{"message": "Missing Permissions", "code": 50013}"#),
            Some(ProviderError::bad(
                "Bot lacks permission to send messages in this channel"
            ))
        );
        assert_eq!(
            map_error(404, r#"{"message": "Unknown Channel", "code": 10003}"#),
            Some(ProviderError::bad("Channel no longer exists"))
        );
        assert_eq!(
            map_error(
                413,
                r#"{"message": "Request entity too large", "code": 40005}"#
            ),
            Some(ProviderError::bad(
                "Attachment exceeds Discord's size limit"
            ))
        );
    }

    #[test]
    fn a_mapped_retry_keeps_discords_retry_after() {
        assert_eq!(
            map_error(
                429,
                r#"{"message": "The write action you are performing on the channel has hit the write rate limit.", "retry_after": 2.5, "code": 20028}"#
            ),
            Some(ProviderError::Transient {
                retry_after: Some(Duration::from_millis(2500)),
                message: "Rate limited by Discord".into(),
            })
        );
    }

    #[test]
    fn postiz_cases_come_first_in_postiz_order() {
        assert_eq!(
            map_error(403, r#"{"message": "50013 then 50001", "code": 50001}"#),
            Some(ProviderError::bad(
                "Bot doesn't have access to this channel"
            ))
        );
        assert_eq!(
            map_error(
                400,
                r#"{"message": "Invalid Form Body: 10003", "code": 50035}"#
            ),
            Some(ProviderError::bad("Channel no longer exists"))
        );
    }

    #[test]
    fn other_errors_fall_back() {
        assert_eq!(
            map_error(
                429,
                r#"{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}"#
            ),
            Some(ProviderError::Transient {
                retry_after: Some(Duration::from_millis(1500)),
                message: "Discord rate limit".into(),
            })
        );
        assert_eq!(
            map_error(400, r#"{"message": "Invalid Form Body", "code": 50035}"#),
            Some(ProviderError::bad(
                "Discord refused the message: Invalid Form Body"
            ))
        );
        assert_eq!(
            map_error(401, r#"{"message": "401: Unauthorized", "code": 0}"#),
            None
        );
        assert_eq!(map_error(502, "<html>Bad Gateway</html>"), None);
    }
}
