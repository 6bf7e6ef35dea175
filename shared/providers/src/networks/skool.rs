//! Skool: Skool has no public API. Postiz connects it with the `auth_token` and `client_id`
//! cookies its browser extension reads from skool.com, and calls the endpoints Skool's own web
//! app uses (`api2.skool.com`). This does the same, with the cookies kept only in the
//! channel's encrypted credentials; being undocumented, these calls may change without notice
//! (docs/providers.md). Each post goes to a group (title, optional label, attachments); each
//! comment replies under the post. Tools: `groups`, `label`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::devto::{json_id, text_setting};
use crate::config::ProviderConfig;
use crate::creds::{decode_form, form_request, stored_form};
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::types::*;
use crate::Provider;

const CASES: &[ErrorCase] = &[
    ErrorCase::bad("must be admin or level", "You can't post to this channel"),
    ErrorCase::bad("cannot post to this label", "Cannot post to this label"),
];

fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if status == 401 || status == 403 && !body.contains("must be admin") {
        return Some(ProviderError::RefreshNeeded(
            "The Skool session expired: connect Skool again with the extension".into(),
        ));
    }
    first_match(body, CASES)
}

#[derive(Deserialize)]
struct Cookies {
    auth_token: String,
    client_id: String,
}

/// The Skool provider.
#[derive(Debug)]
pub struct Skool {
    info: ProviderInfo,
    http: Http,
    api: String,
    web: String,
}

impl Skool {
    /// Configured from `SKOOL_API_URL` and `SKOOL_WEB_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                extension_cookies: Some(&[
                    ("client_id", ".skool.com"),
                    ("auth_token", ".skool.com"),
                ]),
                tools: &["groups", "label"],
                ..ProviderInfo::basic("skool", "Skool", Editor::Normal, 5000, 1)
            },
            http,
            api: config.base_url("SKOOL_API_URL", "https://api2.skool.com"),
            web: config.base_url("SKOOL_WEB_URL", "https://www.skool.com"),
        }
    }

    fn call(&self, method: reqwest::Method, path: &str, c: &Cookies) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}{path}", self.api))
            .header(
                "cookie",
                format!("auth_token={}; client_id={}", c.auth_token, c.client_id),
            )
    }

    async fn attachments(
        &self,
        c: &Cookies,
        owner: &str,
        media: &[Media],
    ) -> ProviderResult<String> {
        let mut ids = Vec::new();
        for m in media {
            let (reader, len) = self.http.open_media(&m.url).await?.sized().await?;
            let record: Value = self
                .http
                .json(
                    self.call(reqwest::Method::POST, "/files", c).json(&json!({
                        "file_name": reader.name, "content_type": reader.content_type, "content_length": len,
                        "content_disposition": "", "ref": "", "owner_id": owner, "large_thumbnail": false,
                    })),
                    map_error,
                )
                .await?;
            let write = record["write_url"]
                .as_str()
                .ok_or_else(|| ProviderError::Unknown(format!("no write_url in {record}")))?;
            self.http.vet(write).await?;
            let put = self
                .http
                .client()
                .put(write)
                .header(
                    "content-type",
                    record["content_type"]
                        .as_str()
                        .unwrap_or(&reader.content_type),
                )
                .header("content-length", len)
                .header("x-amz-acl", record["acl"].as_str().unwrap_or("public-read"))
                .body(reader.into_body());
            self.http
                .send(put, |_, _| {
                    Some(ProviderError::bad("Failed to upload the media file"))
                })
                .await?;
            ids.push(json_id(&record["file"]["id"]));
        }
        Ok(ids.join(","))
    }

    async fn create(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        kind: &str,
        parent: Option<&str>,
    ) -> ProviderResult<Value> {
        let c: Cookies = stored_form(auth)?;
        let s = &post.settings;
        let group = text_setting(s, "group")
            .ok_or_else(|| ProviderError::bad("group should not be empty"))?;
        let attachments = self.attachments(&c, &auth.internal_id, &post.media).await?;
        let mut metadata = json!({"content": post.message, "attachments": attachments, "action": 0, "video_ids": ""});
        if parent.is_none() {
            metadata["title"] = json!(text_setting(s, "title").unwrap_or_default());
            if let Some(label) = text_setting(s, "label").filter(|l| *l != "none") {
                metadata["labels"] = json!(label);
            }
        }
        let mut body = json!({"post_type": kind, "group_id": group, "metadata": metadata});
        if let Some(p) = parent {
            body["root_id"] = json!(p);
            body["parent_id"] = json!(p);
        }
        self.http
            .json(
                self.call(reqwest::Method::POST, "/posts?follow=true", &c)
                    .json(&body),
                map_error,
            )
            .await
    }
}

#[async_trait]
impl Provider for Skool {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    /// `code` is the base64 JSON of the two cookies.
    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let c: Cookies = decode_form(code, "Missing required cookies: client_id, auth_token")?;
        let me: Value = self
            .http
            .json(self.call(reqwest::Method::GET, "/self", &c), map_error)
            .await
            .map_err(|_| ProviderError::bad("Invalid cookie data"))?;
        Ok(AuthTokens {
            id: json_id(&me["id"]),
            name: format!(
                "{} {}",
                me["first_name"].as_str().unwrap_or_default(),
                me["last_name"].as_str().unwrap_or_default()
            )
            .trim()
            .to_string(),
            access_token: "cookies".into(),
            picture: me["metadata"]["picture_profile"]
                .as_str()
                .filter(|p| !p.is_empty())
                .map(str::to_string),
            username: me["name"].as_str().map(str::to_string),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let v = self.create(auth, post, "generic", None).await?;
        let group = text_setting(&post.settings, "group").unwrap_or_default();
        Ok(Published {
            url: format!(
                "{}/{group}/{}",
                self.web,
                v["name"].as_str().unwrap_or_default()
            ),
            id: json_id(&v["id"]),
        })
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let v = self.create(auth, post, "comment", Some(root_id)).await?;
        let group = text_setting(&post.settings, "group").unwrap_or_default();
        Ok(Published {
            url: format!(
                "{}/{group}/{}",
                self.web,
                v["name"].as_str().unwrap_or_default()
            ),
            id: json_id(&v["id"]),
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        let c: Cookies = stored_form(auth)?;
        match name {
            "groups" => {
                let path = format!("/users/{}/groups?offset=0&limit=30", auth.internal_id);
                let v: Value = self
                    .http
                    .json(self.call(reqwest::Method::GET, &path, &c), map_error)
                    .await?;
                Ok(v["groups"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(
                        |g| json!({"id": json_id(&g["id"]), "name": g["metadata"]["display_name"]}),
                    )
                    .collect())
            }
            "label" => {
                let group = data["id"].as_str().filter(|g| {
                    g.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
                        && !g.is_empty()
                });
                let Some(group) = group else {
                    return Ok(json!([{"id": "none", "name": "Default Label"}]));
                };
                let g: Value = self
                    .http
                    .json(
                        self.call(reqwest::Method::GET, &format!("/groups/{group}"), &c),
                        map_error,
                    )
                    .await?;
                let labels: Vec<&str> = g["metadata"]["labels"]
                    .as_str()
                    .unwrap_or_default()
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .collect();
                if labels.is_empty() {
                    return Ok(json!([{"id": "none", "name": "Default Label"}]));
                }
                let mut out = Vec::new();
                for l in labels {
                    if !l.chars().all(|ch| ch.is_ascii_alphanumeric()) {
                        continue;
                    }
                    let v: Value = self
                        .http
                        .json(
                            self.call(reqwest::Method::GET, &format!("/labels/{l}"), &c),
                            map_error,
                        )
                        .await?;
                    out.push(
                        json!({"id": json_id(&v["id"]), "name": v["metadata"]["display_name"]}),
                    );
                }
                Ok(Value::Array(out))
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}
