//! Mastodon: OAuth 2 on one instance (`MASTODON_URL`), statuses with media, threads by
//! replying to the previous status. Tokens do not expire (no refresh). Every attempt at the
//! same message carries the same `Idempotency-Key`, so a resend after an unknown outcome
//! returns the status already created instead of posting twice.

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde::Deserialize;
use std::time::Duration;

use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["write:statuses", "profile", "write:media"];

/// The Mastodon provider.
#[derive(Debug)]
pub struct Mastodon {
    info: ProviderInfo,
    http: Http,
    base: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    media_poll: Duration,
}

/// Postiz's mapped cases for Mastodon's error bodies, in the order Postiz checks them.
const CASES: &[ErrorCase] = &[
    ErrorCase::refresh(
        "Your login is currently disabled",
        "Your login is currently disabled",
    ),
    ErrorCase::bad(
        "not finished processing",
        "The media was still processing when the post was published, please try again",
    ),
    ErrorCase::bad(
        "could not be found",
        "The uploaded media expired before the post was published, please post again",
    ),
];

/// Mastodon's error bodies: Postiz's cases.
fn map_error(_status: u16, body: &str) -> Option<ProviderError> {
    first_match(body, CASES)
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Deserialize)]
struct Account {
    id: String,
    username: String,
    acct: Option<String>,
    display_name: Option<String>,
    avatar: Option<String>,
}

#[derive(Deserialize)]
struct Attachment {
    id: String,
}

#[derive(Deserialize)]
struct Status {
    id: String,
    url: Option<String>,
}

impl Mastodon {
    /// Configured from `MASTODON_URL`, `MASTODON_CLIENT_ID`, `MASTODON_CLIENT_SECRET`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "mastodon",
                name: "Mastodon",
                editor: Editor::Normal,
                max_length: 500,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 5,
                tools: &[],
                extension_cookies: None,
            },
            http,
            base: config.base_url("MASTODON_URL", "https://mastodon.social"),
            client_id: config.or("MASTODON_CLIENT_ID", ""),
            client_secret: config.or("MASTODON_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("mastodon"),
            media_poll: Duration::from_millis(
                config
                    .get("MASTODON_MEDIA_POLL_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1000),
            ),
        }
    }

    async fn upload(&self, token: &str, media: &Media) -> ProviderResult<String> {
        let part = self.http.open_media(&media.url).await?.into_part()?;
        let mut form = Form::new().part("file", part);
        if let Some(alt) = &media.alt {
            form = form.text("description", alt.clone());
        }
        let req = self
            .http
            .client()
            .post(format!("{}/api/v2/media", self.base))
            .bearer_auth(token)
            .multipart(form);
        let resp = self.http.send(req, map_error).await?;
        let processing = resp.status().as_u16() == 202;
        let att: Attachment = resp
            .json()
            .await
            .map_err(|e| ProviderError::Unknown(format!("unexpected media answer: {e}")))?;
        if processing {
            self.wait_processed(token, &att.id).await?;
        }
        Ok(att.id)
    }

    /// Polls `GET /api/v1/media/:id` (206 while processing, 200 when ready), bounded.
    async fn wait_processed(&self, token: &str, id: &str) -> ProviderResult<()> {
        for _ in 0..60 {
            let req = self
                .http
                .client()
                .get(format!("{}/api/v1/media/{id}", self.base))
                .bearer_auth(token);
            let resp = self.http.send(req, map_error).await?;
            if resp.status().as_u16() == 200 {
                return Ok(());
            }
            tokio::time::sleep(self.media_poll).await;
        }
        Err(ProviderError::transient("the media is still processing"))
    }

    async fn post_status(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        reply_to: Option<&str>,
    ) -> ProviderResult<Published> {
        let mut media_ids = Vec::new();
        for m in &post.media {
            media_ids.push(self.upload(&auth.access_token, m).await?);
        }
        let mut form: Vec<(&str, String)> = vec![
            ("status", post.message.clone()),
            ("visibility", "public".into()),
        ];
        for id in media_ids {
            form.push(("media_ids[]", id));
        }
        if let Some(r) = reply_to {
            form.push(("in_reply_to_id", r.to_string()));
        }
        let req = self
            .http
            .client()
            .post(format!("{}/api/v1/statuses", self.base))
            .bearer_auth(&auth.access_token)
            .header("Idempotency-Key", format!("postiz-{}", post.id))
            .form(&form);
        let status: Status = self.http.json(req, map_error).await?;
        let url = status
            .url
            .unwrap_or_else(|| format!("{}/statuses/{}", self.base, status.id));
        Ok(Published { id: status.id, url })
    }
}

#[async_trait]
impl Provider for Mastodon {
    fn idempotent_publish(&self) -> bool {
        true
    }

    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth/authorize", self.base),
            &[
                ("client_id", &self.client_id),
                ("response_type", "code"),
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
        let scope = SCOPES.join(" ");
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("scope", scope.as_str()),
        ];
        let req = self
            .http
            .client()
            .post(format!("{}/oauth/token", self.base))
            .form(&form);
        let token: Token = self.http.json(req, map_error).await.map_err(|e| match e {
            ProviderError::RefreshNeeded(m) => {
                ProviderError::bad(format!("The code was refused: {m}"))
            }
            other => other,
        })?;
        let req = self
            .http
            .client()
            .get(format!("{}/api/v1/accounts/verify_credentials", self.base))
            .bearer_auth(&token.access_token);
        let me: Account = self.http.json(req, map_error).await?;
        let name = me
            .display_name
            .filter(|n| !n.is_empty())
            .or(me.acct)
            .unwrap_or_else(|| me.username.clone());
        Ok(AuthTokens {
            id: me.id,
            name,
            access_token: token.access_token,
            refresh_token: None,
            expires_in: None,
            picture: me.avatar,
            username: Some(me.username),
            additional_settings: None,
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.post_status(auth, post, None).await
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.post_status(auth, post, Some(reply_to)).await
    }
}

#[cfg(test)]
mod tests {
    use super::map_error;
    use crate::error::ProviderError;

    #[test]
    fn maps_postiz_cases_with_postiz_wording() {
        assert_eq!(
            map_error(403, r#"{"error":"Your login is currently disabled"}"#),
            Some(ProviderError::RefreshNeeded(
                "Your login is currently disabled".into()
            ))
        );
        assert_eq!(
            map_error(
                422,
                r#"{"error":"Validation failed: Media not finished processing"}"#
            ),
            Some(ProviderError::bad(
                "The media was still processing when the post was published, please try again"
            ))
        );
        assert_eq!(
            map_error(422, r#"{"error":"Media 123 could not be found"}"#),
            Some(ProviderError::bad(
                "The uploaded media expired before the post was published, please post again"
            ))
        );
    }

    #[test]
    fn postiz_cases_come_first_in_postiz_order() {
        assert_eq!(
            map_error(
                422,
                "one not finished processing, another could not be found"
            ),
            Some(ProviderError::bad(
                "The media was still processing when the post was published, please try again"
            ))
        );
    }

    #[test]
    fn other_errors_are_not_mapped() {
        assert_eq!(
            map_error(401, r#"{"error":"The access token is invalid"}"#),
            None
        );
    }
}
