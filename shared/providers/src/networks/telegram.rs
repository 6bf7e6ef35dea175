//! Telegram: a bot (`TELEGRAM_TOKEN`) added to a group or channel. Connecting finds the chat
//! where someone sent `/connect <word>` to the bot (`discover`), then the chat id is the
//! code. Messages in HTML, photos (one or a group), replies to the previous message.
//! Base URL from `TELEGRAM_URL`.

use async_trait::async_trait;
use serde_json::{json, Value};
use std::time::Duration;

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::new_state;
use crate::types::*;
use crate::Provider;

/// The Telegram provider.
#[derive(Debug)]
pub struct Telegram {
    info: ProviderInfo,
    http: Http,
    api: String,
}

/// Bot API failures: `{"ok": false, "error_code", "description", "parameters": {"retry_after"}}`.
fn failure(v: &Value) -> ProviderError {
    let description = v["description"]
        .as_str()
        .unwrap_or("Telegram refused the request")
        .to_string();
    match v["error_code"].as_i64() {
        Some(429) => ProviderError::Transient {
            retry_after: v["parameters"]["retry_after"]
                .as_u64()
                .map(Duration::from_secs),
            message: description,
        },
        Some(401) => ProviderError::Unknown(format!("the bot token is invalid: {description}")),
        Some(403) => ProviderError::RefreshNeeded(format!(
            "The bot was removed from the chat, please add it again: {description}"
        )),
        Some(500..=599) => ProviderError::transient(description),
        _ => ProviderError::bad(description),
    }
}

fn message_url(chat: &Value, message_id: i64) -> String {
    match chat["username"].as_str() {
        Some(u) => format!("https://t.me/{u}/{message_id}"),
        None => {
            let id = chat["id"].as_i64().unwrap_or_default().to_string();
            format!(
                "https://t.me/c/{}/{message_id}",
                id.trim_start_matches("-100").trim_start_matches('-')
            )
        }
    }
}

impl Telegram {
    /// Configured from `TELEGRAM_TOKEN` and `TELEGRAM_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "telegram",
                name: "Telegram",
                editor: Editor::Html,
                max_length: 4096,
                two_step: false,
                scopes: &[],
                custom_fields: None,
                is_web3: true,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 3,
                tools: &[],
                extension_cookies: None,
            },
            http,
            api: format!(
                "{}/bot{}",
                config.base_url("TELEGRAM_URL", "https://api.telegram.org"),
                config.or("TELEGRAM_TOKEN", "")
            ),
        }
    }

    /// Calls a Bot API method; returns `result`.
    async fn call(&self, method: &str, body: Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}/{method}", self.api))
            .json(&body);
        let resp = self
            .http
            .send(req, |status, body| {
                let v: Value = serde_json::from_str(body).ok()?;
                (status >= 400).then(|| failure(&v))
            })
            .await?;
        let v: Value = resp
            .json()
            .await
            .map_err(|e| ProviderError::Unknown(format!("unexpected answer: {e}")))?;
        if v["ok"].as_bool() == Some(true) {
            Ok(v["result"].clone())
        } else {
            Err(failure(&v))
        }
    }

    async fn send(
        &self,
        chat: &str,
        post: &PostDetails,
        reply_to: Option<&str>,
    ) -> ProviderResult<Published> {
        let mut base = json!({"chat_id": chat, "parse_mode": "HTML"});
        if let Some(r) = reply_to.and_then(|r| r.parse::<i64>().ok()) {
            base["reply_to_message_id"] = json!(r);
        }
        let images: Vec<&Media> = post.media.iter().collect();
        let result = match images.as_slice() {
            [] => {
                let mut b = base.clone();
                b["text"] = json!(post.message);
                self.call("sendMessage", b).await?
            }
            [one] => {
                let mut b = base.clone();
                let (method, field) = if one.kind == MediaKind::Video {
                    ("sendVideo", "video")
                } else {
                    ("sendPhoto", "photo")
                };
                b[field] = json!(one.url);
                b["caption"] = json!(post.message);
                self.call(method, b).await?
            }
            many => {
                let media: Vec<Value> = many
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let kind = if m.kind == MediaKind::Video {
                            "video"
                        } else {
                            "photo"
                        };
                        let mut item = json!({"type": kind, "media": m.url});
                        if i == 0 {
                            item["caption"] = json!(post.message);
                            item["parse_mode"] = json!("HTML");
                        }
                        item
                    })
                    .collect();
                let mut b = base.clone();
                b.as_object_mut().map(|o| o.remove("parse_mode"));
                b["media"] = json!(media);
                let group = self.call("sendMediaGroup", b).await?;
                group
                    .as_array()
                    .and_then(|g| g.first())
                    .cloned()
                    .unwrap_or(Value::Null)
            }
        };
        let id = result["message_id"]
            .as_i64()
            .ok_or_else(|| ProviderError::Unknown("no message id in the answer".into()))?;
        Ok(Published {
            url: message_url(&result["chat"], id),
            id: id.to_string(),
        })
    }
}

#[async_trait]
impl Provider for Telegram {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        Ok(AuthRequest {
            url: state.clone(),
            code_verifier: String::new(),
            state,
        })
    }

    /// `code` is the chat id found by [`Provider::discover`].
    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let chat = self
            .call("getChat", json!({"chat_id": code}))
            .await
            .map_err(|e| match e {
                ProviderError::RefreshNeeded(m) => ProviderError::bad(m),
                other => other,
            })?;
        let chat_id = chat["id"]
            .as_i64()
            .map(|i| i.to_string())
            .ok_or_else(|| ProviderError::bad("No chat found"))?;
        Ok(AuthTokens {
            id: chat["username"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| chat_id.clone()),
            name: chat["title"]
                .as_str()
                .or(chat["first_name"].as_str())
                .unwrap_or("Telegram")
                .to_string(),
            access_token: chat_id,
            refresh_token: None,
            expires_in: None,
            picture: None,
            username: chat["username"].as_str().map(str::to_string),
            additional_settings: None,
        })
    }

    /// Finds the chat where `/connect <word>` was sent to the bot: `{"chatId": ...}` or `{}`.
    async fn discover(&self, data: &Value) -> ProviderResult<Value> {
        let word = data["word"]
            .as_str()
            .filter(|w| !w.is_empty())
            .ok_or_else(|| ProviderError::bad("word is required"))?;
        if self.api.ends_with("/bot") {
            return Err(ProviderError::bad(
                "Telegram is not configured on this server (TELEGRAM_TOKEN is not set)",
            ));
        }
        let updates = self
            .call(
                "getUpdates",
                json!({"allowed_updates": ["message", "channel_post"]}),
            )
            .await?;
        let wanted = format!("/connect {word}");
        let found = updates
            .as_array()
            .into_iter()
            .flatten()
            .rev()
            .find_map(|u| {
                let m = if u["message"].is_object() {
                    &u["message"]
                } else {
                    &u["channel_post"]
                };
                (m["text"].as_str().map(str::trim) == Some(wanted.as_str()))
                    .then(|| m["chat"]["id"].clone())
            });
        Ok(match found {
            Some(chat_id) => json!({ "chatId": chat_id }),
            None => json!({}),
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.send(&auth.access_token, post, None).await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.send(&auth.access_token, post, Some(reply_to)).await
    }
}
