//! Medium: an integration token connects the account; each post is one markdown story,
//! public on the user's profile or a draft in a chosen publication (as Postiz does). Tool:
//! `publications`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::devto::text_setting;
use crate::config::ProviderConfig;
use crate::creds::{api_key_field, decode_form, form_request};
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::types::*;
use crate::Provider;

#[derive(Deserialize)]
struct Form {
    #[serde(rename = "apiKey")]
    api_key: String,
}

#[derive(Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Me {
    id: String,
    name: Option<String>,
    username: String,
    image_url: Option<String>,
}

#[derive(Deserialize)]
struct Story {
    id: String,
    url: String,
}

/// The Medium provider.
#[derive(Debug)]
pub struct Medium {
    info: ProviderInfo,
    http: Http,
    api: String,
}

impl Medium {
    /// Configured from `MEDIUM_URL` (default `https://api.medium.com`).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(api_key_field()),
                tools: &["publications"],
                ..ProviderInfo::basic("medium", "Medium", Editor::Markdown, 100_000, 3)
            },
            http,
            api: config.base_url("MEDIUM_URL", "https://api.medium.com"),
        }
    }
}

#[async_trait]
impl Provider for Medium {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "The API key is required")?;
        let req = self
            .http
            .client()
            .get(format!("{}/v1/me", self.api))
            .bearer_auth(&form.api_key);
        let me: Data<Me> = self
            .http
            .json(req, no_mapping)
            .await
            .map_err(|_| ProviderError::bad("Invalid credentials"))?;
        let me = me.data;
        Ok(AuthTokens {
            id: me.id,
            name: me.name.unwrap_or_else(|| me.username.clone()),
            access_token: form.api_key,
            picture: me.image_url.filter(|p| !p.is_empty()),
            username: Some(me.username),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let s = &post.settings;
        let publication = text_setting(s, "publication");
        let url = match publication {
            Some(p) => format!("{}/v1/publications/{p}/posts", self.api),
            None => format!("{}/v1/users/{}/posts", self.api, auth.internal_id),
        };
        let mut body = json!({
            "title": text_setting(s, "title").unwrap_or_default(),
            "contentFormat": "markdown",
            "content": post.message,
            "publishStatus": if publication.is_some() { "draft" } else { "public" },
        });
        if let Some(canonical) = text_setting(s, "canonical") {
            body["canonicalUrl"] = json!(canonical);
        }
        if let Some(tags) = s["tags"].as_array().filter(|t| !t.is_empty()) {
            let values: Vec<&Value> = tags.iter().map(|t| &t["value"]).collect();
            body["tags"] = json!(values);
        }
        let req = self
            .http
            .client()
            .post(url)
            .bearer_auth(&auth.access_token)
            .json(&body);
        let story: Data<Story> = self.http.json(req, no_mapping).await?;
        Ok(Published {
            id: story.data.id,
            url: story.data.url,
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        if name != "publications" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let req = self
            .http
            .client()
            .get(format!(
                "{}/v1/users/{}/publications",
                self.api, auth.internal_id
            ))
            .bearer_auth(&auth.access_token);
        let list: Data<Value> = self.http.json(req, no_mapping).await?;
        Ok(list.data)
    }
}
