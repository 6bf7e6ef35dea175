//! WordPress (self-hosted or WordPress.com with the REST API): the site URL, a username and
//! an application password connect it; each post is one entry of the chosen post type in
//! HTML, with its slug, status, categories, tags and featured image. Tools: `postTypes`,
//! `categoriesList`, `tagsList`.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::devto::{json_id, main_image, text_setting};
use crate::config::ProviderConfig;
use crate::creds::{basic, decode_form, form_request, instance_url, stored_form};
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::types::*;
use crate::Provider;

const CASES: &[ErrorCase] = &[ErrorCase::bad(
    "rest_cannot_create",
    "The connect user has insufficient permissions to create posts",
)];

fn map_error(_status: u16, body: &str) -> Option<ProviderError> {
    first_match(body, CASES)
}

#[derive(Deserialize)]
struct Form {
    domain: String,
    username: String,
    password: String,
}

/// The WordPress provider.
#[derive(Debug)]
pub struct WordPress {
    info: ProviderInfo,
    http: Http,
}

/// A URL-safe slug of a title: lower-case letters and digits joined by dashes.
pub(crate) fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

impl WordPress {
    /// WordPress needs no app settings: each channel is its own site.
    pub fn new(_config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(vec![
                    CustomField {
                        key: "domain",
                        label: "Domain URL",
                        validation: r"/^https?:\/\/(?:www\.)?[\w\-]+(\.[\w\-]+)+([\/?#][^\s]*)?$/",
                        kind: "text",
                        default_value: None,
                    },
                    CustomField {
                        key: "username",
                        label: "Username",
                        validation: r"/.+/",
                        kind: "text",
                        default_value: None,
                    },
                    CustomField {
                        key: "password",
                        label: "Password",
                        validation: r"/.+/",
                        kind: "password",
                        default_value: None,
                    },
                ]),
                tools: &["postTypes", "categoriesList", "tagsList"],
                ..ProviderInfo::basic("wordpress", "WordPress", Editor::Html, 100_000, 5)
            },
            http,
        }
    }

    /// The site's REST base and the Basic authorization of a form, after the address guard.
    async fn site(&self, form: &Form) -> ProviderResult<(String, String)> {
        let domain = instance_url(&form.domain)?;
        self.http.vet(&domain).await?;
        Ok((
            format!("{domain}/wp-json/wp/v2"),
            basic(&form.username, &form.password),
        ))
    }

    async fn get(&self, auth: &ChannelAuth, path: &str) -> ProviderResult<Value> {
        let (api, authz) = self.site(&stored_form(auth)?).await?;
        let req = self
            .http
            .client()
            .get(format!("{api}{path}"))
            .header("authorization", authz);
        self.http.json(req, map_error).await
    }
}

#[async_trait]
impl Provider for WordPress {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "Domain URL, username and password are required")?;
        let (api, authz) = self.site(&form).await?;
        let req = self
            .http
            .client()
            .get(format!("{api}/users/me"))
            .header("authorization", authz);
        let me: Value = self.http.json(req, map_error).await.map_err(|e| match e {
            ProviderError::RefreshNeeded(_) | ProviderError::BadRequest { .. } => ProviderError::bad(
                "WordPress rejected the login. A security plugin or server setting may be blocking the REST API or stripping the Authorization header, or the username / Application Password is incorrect.",
            ),
            ProviderError::Transient { .. } => ProviderError::bad(
                "Could not reach your WordPress site. Check the Domain URL and that the site is publicly accessible.",
            ),
            _ => ProviderError::bad(
                "WordPress did not return a valid response. The REST API may be disabled or blocked by a security plugin.",
            ),
        })?;
        let picture = me["avatar_urls"].as_object().and_then(|sizes| {
            sizes
                .iter()
                .max_by_key(|(size, _)| size.parse::<u32>().unwrap_or(0))
                .and_then(|(_, url)| url.as_str().map(str::to_string))
        });
        Ok(AuthTokens {
            id: format!("{}_{}", instance_url(&form.domain)?, json_id(&me["id"])),
            name: me["name"].as_str().unwrap_or(&form.username).to_string(),
            access_token: "application-password".into(),
            picture,
            username: Some(form.username),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let form: Form = stored_form(auth)?;
        let (api, authz) = self.site(&form).await?;
        let s = &post.settings;
        let mut featured = None;
        if let Some(image) = main_image(s) {
            let reader = self.http.open_media(image).await?;
            let name = reader.name.clone();
            let content_type = reader.content_type.clone();
            let req = self
                .http
                .client()
                .post(format!("{api}/media"))
                .header("authorization", &authz)
                .header(
                    "content-disposition",
                    format!("attachment; filename=\"{name}\""),
                )
                .header("content-type", content_type)
                .body(reader.into_body());
            let media: Value = self.http.json(req, map_error).await?;
            featured = Some(media["id"].clone());
        }
        let numbers = |key: &str| -> Vec<i64> {
            s[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
                .collect()
        };
        let title = text_setting(s, "title").unwrap_or_default();
        let mut body = json!({
            "title": title,
            "content": post.message,
            "slug": slugify(title),
            "status": text_setting(s, "status").unwrap_or("publish"),
        });
        let (categories, tags) = (numbers("categories"), numbers("tags"));
        if !categories.is_empty() {
            body["categories"] = json!(categories);
        }
        if !tags.is_empty() {
            body["tags"] = json!(tags);
        }
        if let Some(id) = featured {
            body["featured_media"] = id;
        }
        let kind = text_setting(s, "type").unwrap_or("posts");
        if !kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ProviderError::bad("type must be a post type's REST base"));
        }
        let req = self
            .http
            .client()
            .post(format!("{api}/{kind}"))
            .header("authorization", authz)
            .json(&body);
        let created: Value = self.http.json(req, map_error).await?;
        Ok(Published {
            id: json_id(&created["id"]),
            url: created["link"].as_str().unwrap_or_default().to_string(),
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        let pairs = |list: Value| -> Value {
            list.as_array()
                .into_iter()
                .flatten()
                .map(|c| json!({"id": c["id"], "name": c["name"]}))
                .collect()
        };
        match name {
            "postTypes" => {
                let types = self.get(auth, "/types").await?;
                Ok(types
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(key, _)| {
                        !key.contains("wp_")
                            && !key.contains("nav_")
                            && key.as_str() != "attachment"
                    })
                    .map(|(_, t)| json!({"id": t["rest_base"], "name": t["name"]}))
                    .collect())
            }
            "categoriesList" => Ok(pairs(self.get(auth, "/categories?per_page=100").await?)),
            "tagsList" => Ok(pairs(self.get(auth, "/tags?per_page=100").await?)),
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_errors() {
        assert_eq!(slugify("  Hello, World! 2026 "), "hello-world-2026");
        assert_eq!(
            map_error(403, r#"{"code":"rest_cannot_create"}"#),
            Some(ProviderError::bad(
                "The connect user has insufficient permissions to create posts"
            ))
        );
    }
}
