//! Short.io: `POST /links` on the API makes a link on the account's domain, the statistics
//! API's `GET /statistics/link/:id?period=total` counts its clicks. The secret key goes in
//! the `authorization` header as is (Short.io's scheme; Postiz sends `Bearer <key>`).
//! `SHORT_IO_SECRET_KEY` and `SHORT_IO_DOMAIN` (the account's short domain; Postiz assumes
//! `short.io`, which no account can use) are required; `SHORT_IO_API_URL` and
//! `SHORT_IO_STATISTICS_URL` default to Short.io's.

use async_trait::async_trait;
use postiz_core::{Error, Result};
use serde_json::json;

use crate::dub::on_domain;
use crate::{call, http, LinkRecord, Made, Shortener};

/// The Short.io adapter.
pub struct ShortIo {
    http: reqwest::Client,
    key: String,
    api: String,
    statistics: String,
    domain: String,
}

impl ShortIo {
    /// From `SHORT_IO_SECRET_KEY` and `SHORT_IO_DOMAIN` (both required), and the URLs.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let key = var("SHORT_IO_SECRET_KEY")?;
        let Some(domain) = var("SHORT_IO_DOMAIN") else {
            tracing::error!("SHORT_IO_SECRET_KEY is set without SHORT_IO_DOMAIN (your Short.io domain): Short.io is off");
            return None;
        };
        let url = |k: &str, default: &str| {
            var(k)
                .unwrap_or_else(|| default.into())
                .trim_end_matches('/')
                .to_string()
        };
        Some(Self {
            http: http(),
            key,
            api: url("SHORT_IO_API_URL", "https://api.short.io"),
            statistics: url("SHORT_IO_STATISTICS_URL", "https://statistics.short.io"),
            domain,
        })
    }
}

#[async_trait]
impl Shortener for ShortIo {
    fn name(&self) -> &'static str {
        "short.io"
    }

    fn is_short(&self, url: &str) -> bool {
        on_domain(url, &self.domain)
    }

    async fn shorten(&self, _org: &str, url: &str) -> Result<Made> {
        let v = call(
            "Short.io",
            self.http
                .post(format!("{}/links", self.api))
                .header("authorization", &self.key)
                .json(&json!({"originalURL": url, "domain": self.domain})),
        )
        .await?;
        let id = v["idString"]
            .as_str()
            .map(str::to_string)
            .or_else(|| v["id"].as_i64().map(|n| n.to_string()));
        match (v["shortURL"].as_str(), id) {
            (Some(short), Some(id)) => Ok(Made {
                short: short.into(),
                remote_id: id,
            }),
            _ => Err(Error::Unavailable(
                "Short.io answered without a short link".into(),
            )),
        }
    }

    async fn clicks(&self, link: &LinkRecord) -> Result<i64> {
        let v = call(
            "Short.io",
            self.http
                .get(format!(
                    "{}/statistics/link/{}",
                    self.statistics,
                    link.remote_id.replace(['/', '?', '#'], "")
                ))
                .query(&[("period", "total"), ("tz", "UTC")])
                .header("authorization", &self.key),
        )
        .await?;
        Ok(v["totalClicks"].as_i64().unwrap_or(0))
    }
}
