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
