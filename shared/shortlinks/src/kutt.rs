//! Kutt (kutt.it or a self-hosted Kutt): `POST /links` makes a link, `GET /links/:id/stats`
//! reads its `visit_count` by the link's id (Postiz asks by the short address, which Kutt's
//! API does not take, and sums only the last day). The key in `X-API-KEY`
//! (`KUTT_API_KEY`); the API at `KUTT_API_ENDPOINT` (default `https://kutt.it/api/v2`);
//! links on `KUTT_SHORT_LINK_DOMAIN` (default `kutt.it`, sent only when set).

use async_trait::async_trait;
use postiz_core::{Error, Result};
use serde_json::json;

use crate::dub::on_domain;
use crate::{call, http, LinkRecord, Made, Shortener};

/// The Kutt adapter.
pub struct Kutt {
    http: reqwest::Client,
    key: String,
    endpoint: String,
    domain: String,
    custom_domain: bool,
}

impl Kutt {
    /// From `KUTT_API_KEY` (required), `KUTT_API_ENDPOINT`, `KUTT_SHORT_LINK_DOMAIN`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let domain = var("KUTT_SHORT_LINK_DOMAIN");
        Some(Self {
            http: http(),
            key: var("KUTT_API_KEY")?,
            endpoint: var("KUTT_API_ENDPOINT")
                .unwrap_or_else(|| "https://kutt.it/api/v2".into())
                .trim_end_matches('/')
                .to_string(),
            custom_domain: domain.is_some(),
            domain: domain.unwrap_or_else(|| "kutt.it".into()),
        })
    }
}

#[async_trait]
impl Shortener for Kutt {
    fn name(&self) -> &'static str {
        "kutt"
    }

    fn is_short(&self, url: &str) -> bool {
        on_domain(url, &self.domain)
    }

    async fn shorten(&self, _org: &str, url: &str) -> Result<Made> {
        let mut body = json!({"target": url, "reuse": false});
        if self.custom_domain {
            body["domain"] = json!(self.domain);
        }
        let v = call(
            "Kutt",
            self.http
                .post(format!("{}/links", self.endpoint))
                .header("X-API-KEY", &self.key)
                .json(&body),
        )
        .await?;
        match (v["link"].as_str(), v["id"].as_str()) {
            (Some(short), Some(id)) => Ok(Made {
                short: short.into(),
                remote_id: id.into(),
            }),
            _ => Err(Error::Unavailable(
                "Kutt answered without a short link".into(),
            )),
        }
    }

    async fn clicks(&self, link: &LinkRecord) -> Result<i64> {
        let v = call(
            "Kutt",
            self.http
                .get(format!(
                    "{}/links/{}/stats",
                    self.endpoint,
                    link.remote_id.replace(['/', '?', '#'], "")
                ))
                .header("X-API-KEY", &self.key),
        )
        .await?;
        Ok(v["visit_count"].as_i64().unwrap_or(0))
    }
}
