//! Hashnode: an API key (Personal Access Token) connects the account; each post is one
//! markdown article published in a chosen publication through the GraphQL API, with tags,
//! subtitle, cover and canonical URL. Tool: `publications`. Hashnode's tag catalogue is a
//! static list in Postiz (`tagsList`); here tags are looked up by slug instead (`tagsList`
//! with `{word}`).

use async_trait::async_trait;
use serde_json::{json, Value};

use super::devto::{main_image, text_setting};
use crate::config::ProviderConfig;
use crate::creds::{api_key_field, decode_form, form_request};
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::types::*;
use crate::Provider;

#[derive(serde::Deserialize)]
struct Form {
    #[serde(rename = "apiKey")]
    api_key: String,
}

/// The Hashnode provider.
#[derive(Debug)]
pub struct Hashnode {
    info: ProviderInfo,
    http: Http,
    api: String,
}

impl Hashnode {
    /// Configured from `HASHNODE_URL` (default `https://gql.hashnode.com`).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(api_key_field()),
                tools: &["publications", "tagsList"],
                ..ProviderInfo::basic("hashnode", "Hashnode", Editor::Markdown, 10_000, 3)
            },
            http,
            api: config.base_url("HASHNODE_URL", "https://gql.hashnode.com"),
        }
    }

    /// Runs one GraphQL operation; GraphQL errors (HTTP 200 with `errors`) become refusals.
    async fn graphql(&self, token: &str, query: &str, variables: Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(&self.api)
            .header("authorization", token)
            .json(&json!({"query": query, "variables": variables}));
        let v: Value = self.http.json(req, no_mapping).await?;
        if let Some(err) = v["errors"].as_array().and_then(|e| e.first()) {
            let message = err["message"]
                .as_str()
                .unwrap_or("Hashnode refused the request");
            let unauthenticated = err["extensions"]["code"] == "UNAUTHENTICATED";
            return Err(if unauthenticated {
                ProviderError::RefreshNeeded(message.to_string())
            } else {
                ProviderError::bad(message)
            });
        }
        Ok(v["data"].clone())
    }
}

const ME: &str = "query { me { id name username profilePicture } }";
const PUBLICATIONS: &str =
    "query { me { publications(first: 50) { edges { node { id title } } } } }";
const TAG: &str = "query Tag($slug: String!) { tag(slug: $slug) { id name slug } }";
const PUBLISH: &str = "mutation Publish($input: PublishPostInput!) { publishPost(input: $input) { post { id url } } }";

#[async_trait]
impl Provider for Hashnode {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "The API key is required")?;
        let data = self
            .graphql(&form.api_key, ME, json!({}))
            .await
            .map_err(|_| ProviderError::bad("Invalid credentials"))?;
        let me = &data["me"];
        let id = me["id"]
            .as_str()
            .ok_or_else(|| ProviderError::bad("Invalid credentials"))?;
        let username = me["username"].as_str().unwrap_or_default().to_string();
        Ok(AuthTokens {
            id: id.to_string(),
            name: me["name"].as_str().unwrap_or(&username).to_string(),
            access_token: form.api_key,
            picture: me["profilePicture"].as_str().map(str::to_string),
            username: Some(username),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let s = &post.settings;
        let tags: Vec<Value> = s["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| json!({"id": t["value"]}))
            .collect();
        let mut input = json!({
            "title": text_setting(s, "title").unwrap_or_default(),
            "publicationId": text_setting(s, "publication").unwrap_or_default(),
            "contentMarkdown": post.message,
            "tags": tags,
        });
        if let Some(canonical) = text_setting(s, "canonical") {
            input["originalArticleURL"] = json!(canonical);
        }
        if let Some(subtitle) = text_setting(s, "subtitle") {
            input["subtitle"] = json!(subtitle);
        }
        if let Some(image) = main_image(s) {
            input["coverImageOptions"] = json!({"coverImageURL": image});
        }
        let data = self
            .graphql(&auth.access_token, PUBLISH, json!({"input": input}))
            .await?;
        let p = &data["publishPost"]["post"];
        match (p["id"].as_str(), p["url"].as_str()) {
            (Some(id), Some(url)) => Ok(Published {
                id: id.to_string(),
                url: url.to_string(),
            }),
            _ => Err(ProviderError::Unknown(format!(
                "unexpected publishPost answer: {data}"
            ))),
        }
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        match name {
            "publications" => {
                let d = self
                    .graphql(&auth.access_token, PUBLICATIONS, json!({}))
                    .await?;
                Ok(d["me"]["publications"]["edges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| json!({"id": e["node"]["id"], "name": e["node"]["title"]}))
                    .collect())
            }
            "tagsList" => {
                let slug: String = data["word"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join("-");
                if slug.is_empty() {
                    return Ok(json!([]));
                }
                let d = self
                    .graphql(&auth.access_token, TAG, json!({"slug": slug}))
                    .await?;
                let tag = &d["tag"];
                Ok(if tag.is_null() {
                    json!([])
                } else {
                    json!([{"value": tag["id"], "label": tag["name"]}])
                })
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}
