//! The AI settings: key, server, models, time limits.

use std::time::Duration;

/// Which model each feature uses; Postiz's (hard-coded there) by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    /// Text: thread splitting, picture prompts, autopost text (`OPENAI_TEXT_MODEL`, `gpt-4.1`).
    pub text: String,
    /// Pictures (`OPENAI_IMAGE_MODEL`, `chatgpt-image-latest`).
    pub image: String,
    /// The assistant and the agent (`OPENAI_AGENT_MODEL`, `gpt-5.2`).
    pub agent: String,
}

impl Default for Models {
    fn default() -> Self {
        Self {
            text: "gpt-4.1".into(),
            image: "chatgpt-image-latest".into(),
            agent: "gpt-5.2".into(),
        }
    }
}

/// Everything the client needs.
#[derive(Clone, PartialEq, Eq)]
pub struct AiConfig {
    /// `OPENAI_API_KEY`.
    pub api_key: String,
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`).
    pub base_url: String,
    /// Per-feature models.
    pub models: Models,
    /// Longest a single call may take (`OPENAI_TIMEOUT_SECS`, default 120: pictures are slow).
    pub timeout: Duration,
    /// How long 429s and 5xx are retried with backoff before giving up (`OPENAI_RETRY_SECS`,
    /// default 20).
    pub retry_for: Duration,
}

impl std::fmt::Debug for AiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiConfig")
            .field("base_url", &self.base_url)
            .field("models", &self.models)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl AiConfig {
    /// The settings from the environment; `None` without `OPENAI_API_KEY` (AI off).
    pub fn from_env() -> Option<Self> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// The settings from `var` (the environment, or a test's map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let set = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let api_key = set("OPENAI_API_KEY")?;
        let defaults = Models::default();
        let secs = |k: &str, default: u64| {
            Duration::from_secs(set(k).and_then(|v| v.parse().ok()).unwrap_or(default))
        };
        Some(Self {
            api_key,
            base_url: set("OPENAI_BASE_URL")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| "https://api.openai.com/v1".into()),
            models: Models {
                text: set("OPENAI_TEXT_MODEL").unwrap_or(defaults.text),
                image: set("OPENAI_IMAGE_MODEL").unwrap_or(defaults.image),
                agent: set("OPENAI_AGENT_MODEL").unwrap_or(defaults.agent),
            },
            timeout: secs("OPENAI_TIMEOUT_SECS", 120),
            retry_for: secs("OPENAI_RETRY_SECS", 20),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn no_key_no_ai() {
        assert!(AiConfig::from_vars(vars(&[])).is_none());
        assert!(AiConfig::from_vars(vars(&[("OPENAI_API_KEY", "  ")])).is_none());
    }

    #[test]
    fn postiz_models_by_default_and_overrides() {
        let c = AiConfig::from_vars(vars(&[("OPENAI_API_KEY", "sk-test")])).unwrap();
        assert_eq!(c.models, Models::default());
        assert_eq!(c.base_url, "https://api.openai.com/v1");
        let c = AiConfig::from_vars(vars(&[
            ("OPENAI_API_KEY", "sk-test"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/"),
            ("OPENAI_TEXT_MODEL", "llama3"),
            ("OPENAI_TIMEOUT_SECS", "5"),
        ]))
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(c.models.text, "llama3");
        assert_eq!(c.models.image, "chatgpt-image-latest");
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert!(!format!("{c:?}").contains("sk-test"));
    }
}
