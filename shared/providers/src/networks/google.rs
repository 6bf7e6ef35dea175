//! Google's OAuth 2 for the networks on a Google app (YouTube, Business Profile): the consent
//! URL with offline access, the code exchange and the refresh, on `GOOGLE_ACCOUNTS_URL` and
//! `GOOGLE_TOKEN_URL`.

use crate::config::ProviderConfig;
use crate::error::ProviderResult;
use crate::http::Http;
use crate::oauth::{new_state, random_string, token_request, url_with_query, TokenAnswer};
use crate::types::AuthRequest;

/// A Google OAuth app and where its endpoints are.
#[derive(Debug, Clone)]
pub(super) struct GoogleApp {
    accounts: String,
    token_url: String,
    pub client_id: String,
    client_secret: String,
    redirect_uri: String,
}

impl GoogleApp {
    /// The app `client_id`/`client_secret` redirecting to `identifier`'s callback.
    pub fn new(
        config: &ProviderConfig,
        identifier: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Self {
        Self {
            accounts: config.base_url("GOOGLE_ACCOUNTS_URL", "https://accounts.google.com"),
            token_url: format!(
                "{}/token",
                config.base_url("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com")
            ),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            redirect_uri: config.redirect_uri(identifier),
        }
    }

    /// The consent page asking for `scopes` with offline access (a refresh token).
    pub fn authorize(&self, scopes: &[&str]) -> AuthRequest {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/o/oauth2/v2/auth", self.accounts),
            &[
                ("client_id", &self.client_id),
                ("redirect_uri", &self.redirect_uri),
                ("response_type", "code"),
                ("access_type", "offline"),
                ("prompt", "consent"),
                ("scope", &scopes.join(" ")),
                ("state", &state),
            ],
        );
        AuthRequest {
            url,
            code_verifier: random_string(8),
            state,
        }
    }

    /// Tokens for the consent's `code`.
    pub async fn exchange(&self, http: &Http, code: &str) -> ProviderResult<TokenAnswer> {
        let form = [
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("grant_type", "authorization_code"),
        ];
        token_request(http, &self.token_url, &form, true).await
    }

    /// A new access token from `refresh`; a refused one is `RefreshNeeded`.
    pub async fn renew(&self, http: &Http, refresh: &str) -> ProviderResult<TokenAnswer> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("refresh_token", refresh),
            ("grant_type", "refresh_token"),
        ];
        token_request(http, &self.token_url, &form, false).await
    }
}
