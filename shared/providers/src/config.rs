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
