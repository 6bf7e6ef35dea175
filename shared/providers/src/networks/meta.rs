//! Facebook Login, shared by the Facebook Page and Instagram (business) providers.

use serde_json::Value;

use crate::error::{ProviderError, ProviderResult};
use crate::http::Http;

/// The app and redirect of a Facebook Login.
#[derive(Debug, Clone)]
pub struct FacebookLogin {
    /// Graph base with version, e.g. `https://graph.facebook.com/v20.0`.
    pub graph: String,
    /// App id.
    pub app_id: String,
    /// App secret.
    pub app_secret: String,
    /// OAuth redirect URI.
    pub redirect_uri: String,
}

impl FacebookLogin {
    /// Exchanges the code for a short-lived user token, then that for a long-lived one;
    /// returns the long-lived token and its lifetime.
    pub async fn long_lived_token(
        &self,
        http: &Http,
        code: &str,
    ) -> ProviderResult<(String, Option<i64>)> {
        let refused = |status: u16, body: &str| {
            (status < 500)
                .then(|| ProviderError::bad(format!("Facebook refused the connection: {body}")))
        };
        let url = format!("{}/oauth/access_token", self.graph);
        let req = http.client().get(&url).query(&[
            ("client_id", self.app_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("client_secret", self.app_secret.as_str()),
            ("code", code),
        ]);
        let short: Value = http.json(req, refused).await?;
        let req = http.client().get(&url).query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", self.app_id.as_str()),
            ("client_secret", self.app_secret.as_str()),
            (
                "fb_exchange_token",
                short["access_token"].as_str().unwrap_or_default(),
            ),
        ]);
        let long: Value = http.json(req, refused).await?;
        let token = long["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ProviderError::bad("Facebook did not return a token"))?;
        Ok((token.to_string(), long["expires_in"].as_i64()))
    }
}

/// Meta's login for Threads and Instagram (standalone): the code gives a short-lived token,
/// exchanged for a long-lived one that later refreshes itself.
#[derive(Debug, Clone)]
pub struct SelfRefreshingLogin {
    /// Name in error messages.
    pub network: &'static str,
    /// Endpoint taking the code (`…/oauth/access_token`).
    pub code_url: String,
    /// Endpoint exchanging for a long-lived token (`…/access_token`).
    pub exchange_url: String,
    /// Its grant type (`th_exchange_token`, `ig_exchange_token`).
    pub exchange_grant: &'static str,
    /// Endpoint refreshing a long-lived token (`…/refresh_access_token`).
    pub refresh_url: String,
    /// Its grant type (`th_refresh_token`, `ig_refresh_token`).
    pub refresh_grant: &'static str,
    /// App id.
    pub app_id: String,
    /// App secret.
    pub app_secret: String,
    /// OAuth redirect URI.
    pub redirect_uri: String,
}

impl SelfRefreshingLogin {
    /// The long-lived token (and its lifetime) for an authorization code.
    pub async fn long_lived_token(
        &self,
        http: &Http,
        code: &str,
    ) -> ProviderResult<(String, Option<i64>)> {
        let network = self.network;
        let refused = |status: u16, body: &str| (status < 500).then(|| ProviderError::bad(body));
        let req = http.client().post(&self.code_url).form(&[
            ("client_id", self.app_id.as_str()),
            ("client_secret", self.app_secret.as_str()),
            ("grant_type", "authorization_code"),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code", code),
        ]);
        let short: Value = http
            .json(req, refused)
            .await
            .map_err(|e| name_error(e, network))?;
        let req = http.client().get(&self.exchange_url).query(&[
            ("grant_type", self.exchange_grant),
            ("client_secret", self.app_secret.as_str()),
            (
                "access_token",
                short["access_token"].as_str().unwrap_or_default(),
            ),
        ]);
        let long: Value = http
            .json(req, refused)
            .await
            .map_err(|e| name_error(e, network))?;
        let token = long["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ProviderError::bad(format!("{network} did not return a token")))?;
        Ok((token.to_string(), long["expires_in"].as_i64()))
    }

    /// A new long-lived token from the current one.
    pub async fn refresh(
        &self,
        http: &Http,
        current: &str,
    ) -> ProviderResult<(String, Option<i64>)> {
        let req = http.client().get(&self.refresh_url).query(&[
            ("grant_type", self.refresh_grant),
            ("access_token", current),
        ]);
        let v: Value = http
            .json(req, |status, body| {
                (status < 500 && status != 429).then(|| {
                    ProviderError::RefreshNeeded(format!("the refresh was refused: {body}"))
                })
            })
            .await?;
        let token = v["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ProviderError::RefreshNeeded("no token in the answer".into()))?;
        Ok((token.to_string(), v["expires_in"].as_i64()))
    }
}

impl SelfRefreshingLogin {
    /// A channel's new tokens: the long-lived token is its own refresh credential.
    pub async fn refresh_channel(
        &self,
        http: &Http,
        auth: &crate::ChannelAuth,
        default_secs: i64,
    ) -> ProviderResult<crate::AuthTokens> {
        let current = auth.refresh_token.as_deref().unwrap_or(&auth.access_token);
        let (token, expires_in) = self.refresh(http, current).await?;
        Ok(crate::oauth::refreshed(
            auth,
            token.clone(),
            Some(token),
            Some(expires_in.unwrap_or(default_secs)),
        ))
    }
}

/// Names the network in a refusal.
fn name_error(e: ProviderError, network: &str) -> ProviderError {
    match e {
        ProviderError::BadRequest { user_message } => {
            ProviderError::bad(format!("{network} refused the connection: {user_message}"))
        }
        other => other,
    }
}

/// A Graph API error body (tests of the Meta networks' error mapping).
#[cfg(test)]
pub(crate) fn graph_error(code: i64, subcode: i64, message: &str) -> String {
    serde_json::json!({"error": {"message": message, "type": "OAuthException", "code": code, "error_subcode": subcode, "fbtrace_id": "Axyz"}})
        .to_string()
}
