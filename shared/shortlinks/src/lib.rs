//! Short links, as Postiz has them (§8.2 of the reference) and one more:
//! - a provider chosen by the environment in Postiz's order: Dub (`DUB_TOKEN`), Short.io
//!   (`SHORT_IO_SECRET_KEY`), Kutt (`KUTT_API_KEY`);
//! - else the built-in shortener: `<SHORT_LINK_URL>/l/<code>` served by this backend, with
//!   click counts in the table. Its base is `SHORT_LINK_URL`, else the backend's public URL
//!   (`BACKEND_URL`); a loopback base (a machine nobody else can reach) leaves it off
//!   unless `SHORT_LINK_URL` names it; `SHORT_LINKS=off` turns short links off.
//!
//! Every link made is remembered for its organization, so a post's statistics ask the
//! provider only about links the organization made, by the provider's own id.

pub mod builtin;
pub mod dub;
pub mod kutt;
pub mod repo;
pub mod shortio;
pub mod text;

use async_trait::async_trait;
use postiz_core::{Clock, Error, Result};
use postiz_storage::Table;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use builtin::BuiltIn;
pub use repo::{LinkRecord, ShortLinkRepo};

/// A link a shortener made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    /// The short URL.
    pub short: String,
    /// The shortener's id of it.
    pub remote_id: String,
}

/// A link shortener.
#[async_trait]
pub trait Shortener: Send + Sync + 'static {
    /// Its name in the records (`dub`, `short.io`, `kutt`, `builtin`).
    fn name(&self) -> &'static str;
    /// Whether `url` is one of its short links (not to be shortened again).
    fn is_short(&self, url: &str) -> bool;
    /// Makes a short link to `url` for the organization.
    async fn shorten(&self, org: &str, url: &str) -> Result<Made>;
    /// How many times the link was followed.
    async fn clicks(&self, link: &LinkRecord) -> Result<i64>;
}

/// The HTTP client the providers share: 15 s per call.
pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}

/// Sends a provider's request; its JSON answer, or why there is none. Failures leave the URL
/// out of the text (keys travel in headers, but the link being shortened is the user's).
pub(crate) async fn call(provider: &str, request: reqwest::RequestBuilder) -> Result<Value> {
    let unreachable = |e: reqwest::Error| {
        Error::Unavailable(format!(
            "{provider} could not be reached: {}",
            e.without_url()
        ))
    };
    let r = request.send().await.map_err(unreachable)?;
    if !r.status().is_success() {
        return Err(refused(provider, r).await);
    }
    r.json().await.map_err(unreachable)
}

/// A provider's answer that is not a success.
async fn refused(provider: &str, r: reqwest::Response) -> Error {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let reason: String = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| {
            v["error"]["message"]
                .as_str()
                .or(v["message"].as_str())
                .or(v["error"].as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| text.chars().take(200).collect());
    Error::Unavailable(format!("{provider} answered {status}: {reason}"))
}

/// The product's short links: the configured shortener, if any, and what it made.
#[derive(Clone)]
pub struct ShortLinks {
    shortener: Option<Arc<dyn Shortener>>,
    repo: ShortLinkRepo,
    clock: Arc<dyn Clock>,
}

impl ShortLinks {
    /// With `shortener` (`None`: short links are off).
    pub fn new(
        shortener: Option<Arc<dyn Shortener>>,
        table: Arc<dyn Table>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            shortener,
            repo: ShortLinkRepo::new(table),
            clock,
        }
    }

    /// The shortener the environment configures (see the crate's documentation).
    pub fn from_env(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let repo = ShortLinkRepo::new(table.clone());
        let shortener: Option<Arc<dyn Shortener>> =
            if var("SHORT_LINKS").is_some_and(|v| v.eq_ignore_ascii_case("off")) {
                None
            } else if let Some(d) = dub::Dub::from_vars(var) {
                Some(Arc::new(d))
            } else if let Some(s) = shortio::ShortIo::from_vars(var) {
                Some(Arc::new(s))
            } else if let Some(k) = kutt::Kutt::from_vars(var) {
                Some(Arc::new(k))
            } else {
                BuiltIn::from_vars(var, repo).map(|b| Arc::new(b) as Arc<dyn Shortener>)
            };
        Self::new(shortener, table, clock)
    }

    /// The stored links (the built-in shortener's redirects read it).
    pub fn repo(&self) -> &ShortLinkRepo {
        &self.repo
    }

    /// `POST /posts/should-shortlink`: whether these messages have a link not yet short.
    pub fn should_ask(&self, messages: &[String]) -> bool {
        let Some(s) = &self.shortener else {
            return false;
        };
        messages
            .iter()
            .flat_map(|m| text::find_links(m))
            .any(|f| !s.is_short(&f.url))
    }

    /// `texts` with every link not yet short replaced by a short link (each distinct URL
    /// shortened once, the links remembered for the organization). Unchanged when short
    /// links are off.
    pub async fn shorten_all(&self, org: &str, texts: &[String]) -> Result<Vec<String>> {
        let Some(s) = &self.shortener else {
            return Ok(texts.to_vec());
        };
        let mut wanted: Vec<String> = Vec::new();
        for t in texts {
            for f in text::find_links(t) {
                if !s.is_short(&f.url) && !wanted.contains(&f.url) {
                    wanted.push(f.url);
                }
            }
        }
        if wanted.len() > 50 {
            return Err(Error::BadRequest(
                "Too many links to shorten in one post (at most 50)".into(),
            ));
        }
        let made = futures_util::future::try_join_all(wanted.iter().map(|url| async move {
            let m = s.shorten(org, url).await.map_err(|e| match e {
                Error::Unavailable(detail) => Error::BadGateway {
                    message:
                        "The links could not be shortened; try again, or keep the original links"
                            .into(),
                    detail,
                },
                other => other,
            })?;
            self.repo
                .record(
                    org,
                    &LinkRecord {
                        short: m.short.clone(),
                        original: url.clone(),
                        remote_id: m.remote_id,
                        provider: s.name().into(),
                        created_at: self.clock.now().timestamp_millis(),
                    },
                )
                .await?;
            Ok::<_, Error>((url.clone(), m.short))
        }))
        .await?;
        let map: HashMap<String, String> = made.into_iter().collect();
        Ok(texts
            .iter()
            .map(|t| text::replace_links(t, |u| map.get(u).cloned()))
            .collect())
    }

    /// `GET /posts/:id/statistics`: `[{short, original, clicks}]` for the organization's
    /// short links in these texts, each once.
    pub async fn statistics(&self, org: &str, texts: &[String]) -> Result<Vec<Value>> {
        let Some(s) = &self.shortener else {
            return Ok(Vec::new());
        };
        let mut seen = Vec::new();
        for t in texts {
            for f in text::find_links(t) {
                if s.is_short(&f.url) && !seen.contains(&f.url) {
                    seen.push(f.url);
                }
            }
        }
        let mut out = Vec::new();
        for short in seen.into_iter().take(50) {
            let Some(link) = self.repo.link(org, &short).await? else {
                continue;
            };
            let clicks = match s.clicks(&link).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(provider = s.name(), error = %e, "short link clicks unavailable");
                    continue;
                }
            };
            out.push(json!({"short": link.short, "original": link.original, "clicks": clicks}));
        }
        Ok(out)
    }
}
