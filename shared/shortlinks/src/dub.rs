//! Dub (dub.co): `POST /links` makes a link on the organization's tenant, `GET
//! /links/info?linkId=` reads its clicks. A bearer token (`DUB_TOKEN`); the API at
//! `DUB_API_ENDPOINT` (default `https://api.dub.co`), links on `DUB_SHORT_LINK_DOMAIN`
//! (default `dub.sh`).

use async_trait::async_trait;
use postiz_core::{Error, Result};
use serde_json::json;

use crate::{call, http, LinkRecord, Made, Shortener};

/// The Dub adapter.
pub struct Dub {
    http: reqwest::Client,
    token: String,
    endpoint: String,
    domain: String,
}

impl Dub {
    /// From `DUB_TOKEN` (required), `DUB_API_ENDPOINT`, `DUB_SHORT_LINK_DOMAIN`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self {
            http: http(),
            token: var("DUB_TOKEN")?,
            endpoint: var("DUB_API_ENDPOINT")
                .unwrap_or_else(|| "https://api.dub.co".into())
                .trim_end_matches('/')
                .to_string(),
            domain: var("DUB_SHORT_LINK_DOMAIN").unwrap_or_else(|| "dub.sh".into()),
        })
    }
}

/// Whether `url`'s host is `domain`.
pub(crate) fn on_domain(url: &str, domain: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(domain)))
        .unwrap_or(false)
}

#[async_trait]
impl Shortener for Dub {
    fn name(&self) -> &'static str {
        "dub"
    }

    fn is_short(&self, url: &str) -> bool {
        on_domain(url, &self.domain)
    }

    async fn shorten(&self, org: &str, url: &str) -> Result<Made> {
        let v = call(
            "Dub",
            self.http
                .post(format!("{}/links", self.endpoint))
                .bearer_auth(&self.token)
                .json(&json!({"url": url, "domain": self.domain, "tenantId": org})),
        )
        .await?;
        match (v["shortLink"].as_str(), v["id"].as_str()) {
            (Some(short), Some(id)) => Ok(Made {
                short: short.into(),
                remote_id: id.into(),
            }),
            _ => Err(Error::Unavailable(
                "Dub answered without a short link".into(),
            )),
        }
    }

    async fn clicks(&self, link: &LinkRecord) -> Result<i64> {
        let v = call(
            "Dub",
            self.http
                .get(format!("{}/links/info", self.endpoint))
                .query(&[("linkId", link.remote_id.as_str())])
                .bearer_auth(&self.token),
        )
        .await?;
        Ok(v["clicks"].as_i64().unwrap_or(0))
    }
}
