//! Dev.to (Forem): an API key connects the account; each post is one published article in
//! markdown with its title, tags, cover, canonical URL and organization. No comments, no
//! refresh. Tools: `tags` and `organizations` for the editor's settings.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::creds::{api_key_field, decode_form, form_request};
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::types::*;
use crate::Provider;

const CASES: &[ErrorCase] = &[ErrorCase::bad(
    "Canonical url has already been taken",
    "Canonical URL already exists",
)];

fn map_error(_status: u16, body: &str) -> Option<ProviderError> {
    first_match(body, CASES)
}

#[derive(Deserialize)]
struct Form {
    #[serde(rename = "apiKey")]
    api_key: String,
}

#[derive(Deserialize)]
struct Me {
    id: Value,
    name: Option<String>,
    username: String,
    profile_image: Option<String>,
}

#[derive(Deserialize)]
struct Article {
    id: Value,
    url: String,
}

/// The Dev.to provider.
#[derive(Debug)]
pub struct DevTo {
    info: ProviderInfo,
    http: Http,
    api: String,
}

impl DevTo {
    /// Configured from `DEVTO_URL` (default `https://dev.to`).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(api_key_field()),
                tools: &["tags", "organizations"],
                ..ProviderInfo::basic("devto", "Dev.to", Editor::Markdown, 100_000, 3)
            },
            http,
            api: config.base_url("DEVTO_URL", "https://dev.to"),
        }
    }

    fn get(&self, key: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .get(format!("{}/api{path}", self.api))
            .header("api-key", key)
            .header("accept", "application/vnd.forem.api-v1+json")
    }
}

/// A string setting, or `None` when absent or empty.
pub(crate) fn text_setting<'a>(settings: &'a Value, key: &str) -> Option<&'a str> {
    settings[key].as_str().filter(|s| !s.trim().is_empty())
}

/// The cover picture of an article (`main_image: {path}`), when set.
pub(crate) fn main_image(settings: &Value) -> Option<&str> {
    settings["main_image"]["path"]
        .as_str()
        .filter(|s| !s.is_empty())
}

#[async_trait]
impl Provider for DevTo {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "The API key is required")?;
        let me: Me = self
            .http
            .json(self.get(&form.api_key, "/users/me"), map_error)
            .await
            .map_err(|_| ProviderError::bad("Invalid credentials"))?;
        Ok(AuthTokens {
            id: json_id(&me.id),
            name: me.name.unwrap_or_else(|| me.username.clone()),
            access_token: form.api_key,
            picture: me.profile_image.filter(|p| !p.is_empty()),
            username: Some(me.username),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let s = &post.settings;
        let mut article = json!({
            "title": text_setting(s, "title").unwrap_or_default(),
            "body_markdown": post.message,
            "published": true,
        });
        if let Some(image) = main_image(s) {
            article["main_image"] = json!(image);
        }
        if let Some(tags) = s["tags"].as_array() {
            let labels: Vec<&Value> = tags.iter().map(|t| &t["label"]).collect();
            article["tags"] = json!(labels);
        }
        if !s["organization"].is_null() {
            article["organization_id"] = s["organization"].clone();
        }
        if let Some(canonical) = text_setting(s, "canonical") {
            article["canonical_url"] = json!(canonical);
        }
        let req = self
            .http
            .client()
            .post(format!("{}/api/articles", self.api))
            .header("api-key", &auth.access_token)
            .header("accept", "application/vnd.forem.api-v1+json")
            .json(&json!({ "article": article }));
        let a: Article = self.http.json(req, map_error).await?;
        Ok(Published {
            id: json_id(&a.id),
            url: a.url,
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        let key = &auth.access_token;
        match name {
            "tags" => {
                let tags: Vec<Value> = self
                    .http
                    .json(self.get(key, "/tags?per_page=1000&page=1"), map_error)
                    .await?;
                Ok(tags
                    .iter()
                    .map(|t| json!({"value": t["id"], "label": t["name"]}))
                    .collect())
            }
            "organizations" => {
                let articles: Vec<Value> = self
                    .http
                    .json(self.get(key, "/articles/me/all?per_page=1000"), map_error)
                    .await?;
                let mut names: Vec<&str> = articles
                    .iter()
                    .filter_map(|a| a["organization"]["username"].as_str())
                    .collect();
                names.sort_unstable();
                names.dedup();
                let mut out = Vec::new();
                for org in names {
                    let o: Value = self
                        .http
                        .json(self.get(key, &format!("/organizations/{org}")), map_error)
                        .await?;
                    out.push(json!({"id": o["id"], "name": o["name"], "username": o["username"]}));
                }
                Ok(Value::Array(out))
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}

/// An id the network sends as a number or a string, as text.
pub(crate) fn json_id(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_clash_is_postiz_message() {
        assert_eq!(
            map_error(422, r#"{"error":"Canonical url has already been taken"}"#),
            Some(ProviderError::bad("Canonical URL already exists"))
        );
        assert_eq!(json_id(&json!(12)), "12");
        assert_eq!(json_id(&json!("ab")), "ab");
    }
}
