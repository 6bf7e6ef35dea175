//! Provider settings: app credentials and base URLs, under Postiz's environment names.

use std::collections::HashMap;

/// Settings the providers read (a snapshot of the environment, or a map in tests).
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    values: HashMap<String, String>,
}

impl ProviderConfig {
    /// A snapshot of the process environment.
    pub fn from_env() -> Self {
        Self {
            values: std::env::vars().collect(),
        }
    }

    /// Settings from pairs (tests).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// Overlays values found by `lookup` for every name in [`CREDENTIAL_NAMES`] (in AWS: the
    /// Secrets Manager secret, so app credentials need not sit in the functions' environment).
    pub async fn with_credentials<F, Fut>(mut self, lookup: F) -> Self
    where
        F: Fn(&'static str) -> Fut,
        Fut: std::future::Future<Output = Option<String>>,
    {
        for name in CREDENTIAL_NAMES {
            if let Some(v) = lookup(name).await.filter(|v| !v.is_empty()) {
                self.values.insert(name.to_string(), v);
            }
        }
        self
    }

    /// A value, if set and non-empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A value, or `default`.
    pub fn or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or(default).to_string()
    }

    /// A base URL without its trailing slash.
    pub fn base_url(&self, name: &str, default: &str) -> String {
        self.or(name, default).trim_end_matches('/').to_string()
    }

    /// The web app's URL (`FRONTEND_URL`), where networks redirect after OAuth.
    pub fn frontend_url(&self) -> String {
        self.base_url("FRONTEND_URL", "http://localhost:4200")
    }

    /// The OAuth redirect URI of a provider: `FRONTEND_URL/integrations/social/<id>`.
    pub fn redirect_uri(&self, identifier: &str) -> String {
        format!("{}/integrations/social/{identifier}", self.frontend_url())
    }
}

/// The providers' app credentials: read from the environment, or overlaid from a secret.
pub const CREDENTIAL_NAMES: &[&str] = &[
    "X_API_KEY",
    "X_API_SECRET",
    "LINKEDIN_CLIENT_ID",
    "LINKEDIN_CLIENT_SECRET",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "INSTAGRAM_APP_ID",
    "INSTAGRAM_APP_SECRET",
    "THREADS_APP_ID",
    "THREADS_APP_SECRET",
    "REDDIT_CLIENT_ID",
    "REDDIT_CLIENT_SECRET",
    "DISCORD_CLIENT_ID",
    "DISCORD_CLIENT_SECRET",
    "DISCORD_BOT_TOKEN_ID",
    "SLACK_ID",
    "SLACK_SECRET",
    "TELEGRAM_TOKEN",
    "YOUTUBE_CLIENT_ID",
    "YOUTUBE_CLIENT_SECRET",
    "TIKTOK_CLIENT_ID",
    "TIKTOK_CLIENT_SECRET",
    "PINTEREST_CLIENT_ID",
    "PINTEREST_CLIENT_SECRET",
    "MASTODON_CLIENT_ID",
    "MASTODON_CLIENT_SECRET",
    "KICK_CLIENT_ID",
    "KICK_SECRET",
    "TWITCH_CLIENT_ID",
    "TWITCH_CLIENT_SECRET",
    "VK_ID",
    "DRIBBBLE_CLIENT_ID",
    "DRIBBBLE_CLIENT_SECRET",
    "TUMBLR_CLIENT_ID",
    "TUMBLR_CLIENT_SECRET",
    "NEYNAR_CLIENT_ID",
    "NEYNAR_SECRET_KEY",
    "WHOP_CLIENT_ID",
    "MEWE_APP_ID",
    "MEWE_API_KEY",
    "GOOGLE_GMB_CLIENT_ID",
    "GOOGLE_GMB_CLIENT_SECRET",
    "TIKTOK_BUSINESS_CLIENT_ID",
    "TIKTOK_BUSINESS_CLIENT_SECRET",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn secrets_overlay_the_environment() {
        let base =
            ProviderConfig::from_pairs([("X_API_KEY", "from-env"), ("SLACK_ID", "env-slack")]);
        let c = base
            .with_credentials(|name| async move {
                (name == "X_API_KEY").then(|| "from-secret".to_string())
            })
            .await;
        assert_eq!(c.get("X_API_KEY"), Some("from-secret"));
        assert_eq!(
            c.get("SLACK_ID"),
            Some("env-slack"),
            "names the secret lacks keep their value"
        );
    }
}
