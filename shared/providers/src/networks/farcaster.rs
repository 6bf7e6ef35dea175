//! Farcaster (`wrapcast`, as Postiz names it) through Neynar: the web app signs the user in
//! with Neynar (SIWN) and hands back the signer; the signer is checked with Neynar (it must
//! be approved and belong to the fid claimed) before the channel is saved. Each post is a cast
//! in every chosen channel (or the home feed), pictures as embeds; comments reply to the
//! previous cast(s). Tool: `subreddits` (channel search).

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::devto::json_id;
use crate::config::ProviderConfig;
use crate::creds::decode_form;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::new_state;
use crate::types::*;
use crate::Provider;

#[derive(Deserialize)]
struct Signer {
    fid: Value,
    signer_uuid: String,
}

/// The Farcaster provider.
#[derive(Debug)]
pub struct Farcaster {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
    client_id: String,
    api_key: String,
}

impl Farcaster {
    /// Configured from `NEYNAR_CLIENT_ID`, `NEYNAR_SECRET_KEY`, and `NEYNAR_URL`,
    /// `FARCASTER_WEB_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                is_web3: true,
                tools: &["subreddits"],
                ..ProviderInfo::basic("wrapcast", "Farcaster", Editor::Normal, 800, 3)
            },
            http,
            api: config.base_url("NEYNAR_URL", "https://api.neynar.com"),
            web: config.base_url("FARCASTER_WEB_URL", "https://warpcast.com"),
            client_id: config.or("NEYNAR_CLIENT_ID", ""),
            api_key: config.or("NEYNAR_SECRET_KEY", ""),
        }
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .get(format!("{}/v2/farcaster{path}", self.api))
            .header("x-api-key", &self.api_key)
    }

    /// Sends one cast; its hash and URL.
    async fn cast(
        &self,
        signer: &str,
        post: &PostDetails,
        channel: Option<&str>,
        parent: Option<&str>,
    ) -> ProviderResult<(String, String)> {
        let embeds: Vec<Value> = post.media.iter().map(|m| json!({"url": m.url})).collect();
        let mut body = json!({"signer_uuid": signer, "text": post.message, "embeds": embeds});
        if let Some(c) = channel {
            body["channel_id"] = json!(c);
        }
        if let Some(p) = parent {
            body["parent"] = json!(p);
        }
        let req = self
            .http
            .client()
            .post(format!("{}/v2/farcaster/cast", self.api))
            .header("x-api-key", &self.api_key)
            .json(&body);
        let v: Value = self.http.json(req, map_error).await?;
        let hash = v["cast"]["hash"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown(format!("unexpected cast answer: {v}")))?;
        let author = v["cast"]["author"]["username"].as_str().unwrap_or_default();
        Ok((hash.to_string(), format!("{}/{author}/{hash}", self.web)))
    }
}

/// Neynar's errors: a revoked signer needs a new sign-in.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    (status == 403 && body.to_lowercase().contains("signer"))
        .then(|| ProviderError::RefreshNeeded("The Farcaster signer is no longer approved".into()))
}

fn joined(list: Vec<(String, String)>) -> Published {
    let (ids, urls): (Vec<String>, Vec<String>) = list.into_iter().unzip();
    Published {
        id: ids.join(","),
        url: urls.join(","),
    }
}

#[async_trait]
impl Provider for Farcaster {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post
            .media
            .iter()
            .any(|m| m.kind == MediaKind::Video || m.url.contains("mp4"))
        {
            return Err("Can only accept images".into());
        }
        if post.message.chars().count() > self.info.max_length {
            return Err(format!(
                "The post should be at most {} characters long for Farcaster",
                self.info.max_length
            ));
        }
        Ok(())
    }

    fn check_comment(&self, comment: &PostDetails) -> Result<(), String> {
        self.check(comment)
    }

    /// The web app reads the Neynar client id before `||`.
    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        Ok(AuthRequest {
            url: format!("{}||{state}", self.client_id),
            code_verifier: String::new(),
            state,
        })
    }

    /// `code` is the base64 JSON Neynar's sign-in gave the browser.
    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let claimed: Signer = decode_form(code, "The Farcaster sign-in is incomplete")?;
        let fid = json_id(&claimed.fid);
        let signer: Value = self
            .http
            .json(
                self.get("/signer")
                    .query(&[("signer_uuid", claimed.signer_uuid.as_str())]),
                no_mapping,
            )
            .await
            .map_err(|_| ProviderError::bad("The Farcaster signer could not be checked"))?;
        if signer["status"] != "approved" || json_id(&signer["fid"]) != fid {
            return Err(ProviderError::bad(
                "The Farcaster signer is not approved for this account",
            ));
        }
        let users: Value = self
            .http
            .json(
                self.get("/user/bulk").query(&[("fids", fid.as_str())]),
                no_mapping,
            )
            .await?;
        let user = &users["users"][0];
        Ok(AuthTokens {
            id: fid,
            name: user["display_name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            access_token: claimed.signer_uuid,
            picture: user["pfp_url"].as_str().map(str::to_string),
            username: user["username"].as_str().map(str::to_string),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let channels: Vec<String> = post.settings["subreddit"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["value"]["id"].as_str().map(str::to_string))
            .collect();
        let mut out = Vec::new();
        if channels.is_empty() {
            out.push(self.cast(&auth.access_token, post, None, None).await?);
        }
        for c in &channels {
            out.push(self.cast(&auth.access_token, post, Some(c), None).await?);
        }
        Ok(joined(out))
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        _root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let mut out = Vec::new();
        for parent in reply_to.split(',') {
            out.push(
                self.cast(&auth.access_token, post, None, Some(parent))
                    .await?,
            );
        }
        Ok(joined(out))
    }

    async fn tool(&self, _auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        if name != "subreddits" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let word = data["word"].as_str().unwrap_or_default();
        let found: Value = self
            .http
            .json(
                self.get("/channel/search")
                    .query(&[("q", word), ("limit", "10")]),
                no_mapping,
            )
            .await?;
        Ok(found["channels"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| json!({"title": c["name"], "name": c["name"], "id": c["id"]}))
            .collect())
    }
}
