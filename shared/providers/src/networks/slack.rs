//! Slack: OAuth v2 bot install; messages to a channel picked in the settings (the bot joins
//! it first), threads with `thread_ts`, and the `channels` tool. Slack answers errors as
//! HTTP 200 with `{"ok": false, "error": "..."}`, read here. Base URL from `SLACK_URL`.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::{new_state, random_string, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "channels:read",
    "chat:write",
    "users:read",
    "groups:read",
    "channels:join",
    "chat:write.customize",
];

/// The Slack provider.
#[derive(Debug)]
pub struct Slack {
    info: ProviderInfo,
    http: Http,
    base: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

/// Slack's `error` codes in terms of what to do.
fn classify(error: &str) -> ProviderError {
    match error {
        "invalid_auth" | "not_authed" | "token_revoked" | "token_expired" | "account_inactive" => {
            ProviderError::RefreshNeeded(format!("Slack: {error}"))
        }
        "ratelimited"
        | "service_unavailable"
        | "fatal_error"
        | "internal_error"
        | "request_timeout" => ProviderError::transient(format!("Slack: {error}")),
        "channel_not_found" => {
            ProviderError::bad("The Slack channel was not found, please pick another channel")
        }
        "is_archived" => ProviderError::bad("The Slack channel is archived"),
        "msg_too_long" => ProviderError::bad("The message is too long for Slack"),
        "not_in_channel" => ProviderError::bad("The bot is not a member of this channel"),
        other => ProviderError::bad(format!("Slack refused the message: {other}")),
    }
}

fn channel_of(post: &PostDetails) -> ProviderResult<String> {
    post.settings
        .get("channel")
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ProviderError::bad("Please pick a Slack channel"))
}

impl Slack {
    /// Configured from `SLACK_ID`, `SLACK_SECRET`, `SLACK_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "slack",
                name: "Slack",
                editor: Editor::Normal,
                max_length: 400_000,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 3,
                tools: &["channels"],
                extension_cookies: None,
            },
            http,
            base: config.base_url("SLACK_URL", "https://slack.com"),
            client_id: config.or("SLACK_ID", ""),
            client_secret: config.or("SLACK_SECRET", ""),
            redirect_uri: config.redirect_uri("slack"),
        }
    }

    /// Calls a Web API method; `ok: false` becomes a classified error.
    async fn call(
        &self,
        method: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
        json_body: Option<Value>,
    ) -> ProviderResult<Value> {
        let mut req = self
            .http
            .client()
            .post(format!("{}/api/{method}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req = match json_body {
            Some(b) => req.json(&b),
            None => req.form(form),
        };
        let v: Value = self.http.json(req, no_mapping).await?;
        if v["ok"].as_bool() == Some(true) {
            Ok(v)
        } else {
            Err(classify(v["error"].as_str().unwrap_or("unknown_error")))
        }
    }

    async fn send(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        thread: Option<&str>,
    ) -> ProviderResult<Published> {
        let channel = channel_of(post)?;
        if thread.is_none() {
            self.call(
                "conversations.join",
                Some(&auth.access_token),
                &[("channel", &channel)],
                None,
            )
            .await?;
        }
        let mut blocks =
            vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": post.message}})];
        for m in post.media.iter().filter(|m| m.kind == MediaKind::Image) {
            blocks.push(json!({"type": "image", "image_url": m.url, "alt_text": m.alt.clone().unwrap_or_else(|| "image".into())}));
        }
        let mut body = json!({"channel": channel, "text": post.message, "blocks": blocks});
        if let Some(ts) = thread {
            body["thread_ts"] = json!(ts);
        }
        let sent = self
            .call(
                "chat.postMessage",
                Some(&auth.access_token),
                &[],
                Some(body),
            )
            .await?;
        let ts = sent["ts"].as_str().unwrap_or_default().to_string();
        let in_channel = sent["channel"].as_str().unwrap_or(&channel).to_string();
        let link = self
            .call(
                "chat.getPermalink",
                Some(&auth.access_token),
                &[("channel", &in_channel), ("message_ts", &ts)],
                None,
            )
            .await?;
        Ok(Published {
            url: link["permalink"].as_str().unwrap_or_default().to_string(),
            id: ts,
        })
    }
}

#[async_trait]
impl Provider for Slack {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        channel_of(post).map_err(|e| e.to_string())?;
        if post.message.chars().count() > self.info.max_length {
            return Err("The message is too long for Slack".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/v2/authorize", self.base),
            &[
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("scope", &SCOPES.join(",")),
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
        let v = self
            .call(
                "oauth.v2.access",
                None,
                &[
                    ("client_id", &self.client_id),
                    ("client_secret", &self.client_secret),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                ],
                None,
            )
            .await
            .map_err(|e| match e {
                ProviderError::RefreshNeeded(m) => ProviderError::bad(m),
                other => other,
            })?;
        let token = v["access_token"].as_str().unwrap_or_default().to_string();
        let bot = v["bot_user_id"].as_str().unwrap_or_default();
        let req = self
            .http
            .client()
            .get(format!("{}/api/users.info", self.base))
            .query(&[("user", bot)])
            .bearer_auth(&token);
        let user: Value = self.http.json(req, no_mapping).await?;
        let u = &user["user"];
        Ok(AuthTokens {
            id: v["team"]["id"].as_str().unwrap_or_default().to_string(),
            name: u["real_name"]
                .as_str()
                .or(v["team"]["name"].as_str())
                .unwrap_or("Slack")
                .to_string(),
            access_token: token,
            refresh_token: None,
            expires_in: None,
            picture: u["profile"]["image_original"].as_str().map(str::to_string),
            username: u["name"].as_str().map(str::to_string),
            additional_settings: None,
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.send(auth, post, None).await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.send(auth, post, Some(root_id)).await
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        if name != "channels" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let v = self
            .call(
                "conversations.list",
                Some(&auth.access_token),
                &[("types", "public_channel,private_channel")],
                None,
            )
            .await?;
        let list: Vec<Value> = v["channels"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| json!({"id": c["id"], "name": c["name"]}))
                    .collect()
            })
            .unwrap_or_default();
        Ok(json!(list))
    }
}
