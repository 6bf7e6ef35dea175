//! The generator's research step: a web search (Tavily's search API, as Postiz uses) when
//! `TAVILY_API_KEY` is set, its three best results given to the writer as current information.

use postiz_core::{Error, Result};
use serde_json::{json, Value};
use std::time::Duration;

/// Results kept (Postiz's `maxResults`).
const RESULTS: usize = 3;

/// A web search provider.
#[derive(Clone)]
pub struct Research {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl std::fmt::Debug for Research {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Research")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl Research {
    /// Search through `TAVILY_API_KEY` (at `TAVILY_URL`, default `https://api.tavily.com`);
    /// `None` without a key.
    pub fn from_env() -> Option<Self> {
        let key = std::env::var("TAVILY_API_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())?;
        let base = std::env::var("TAVILY_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "https://api.tavily.com".into());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .ok()?;
        Some(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: key.trim().to_string(),
        })
    }

    /// What the web says about `query`: the best results' titles, addresses and text.
    pub async fn search(&self, query: &str) -> Result<String> {
        let answer = self
            .http
            .post(format!("{}/search", self.base))
            .bearer_auth(&self.key)
            .json(&json!({"query": query, "max_results": RESULTS}))
            .send()
            .await
            .map_err(|e| Error::Unavailable(format!("web search: {}", e.without_url())))?;
        let status = answer.status();
        if !status.is_success() {
            return Err(Error::Unavailable(format!("web search answered {status}")));
        }
        let body: Value = answer
            .json()
            .await
            .map_err(|e| Error::Unavailable(format!("web search: {}", e.without_url())))?;
        Ok(body["results"]
            .as_array()
            .into_iter()
            .flatten()
            .take(RESULTS)
            .map(|r| {
                format!(
                    "{} ({})\n{}",
                    r["title"].as_str().unwrap_or_default(),
                    r["url"].as_str().unwrap_or_default(),
                    r["content"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n"))
    }
}
