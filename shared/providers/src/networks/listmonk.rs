//! listmonk (self-hosted newsletters): the instance URL, a username and a password (an API
//! user's token) connect it; each post becomes an HTML campaign to the chosen list, with its
//! subject, inbox preview text and template, started at once. Tools: `list`, `templates`.

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::devto::{json_id, text_setting};
use super::wordpress::slugify;
use crate::config::ProviderConfig;
use crate::creds::{basic, decode_form, form_request, instance_url, stored_form};
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::types::*;
use crate::Provider;

#[derive(Deserialize)]
struct Form {
    url: String,
    username: String,
    password: String,
}

/// The listmonk provider.
#[derive(Debug)]
pub struct Listmonk {
    info: ProviderInfo,
    http: Http,
}

/// Characters that fill a mail client's preview after the preview text (zero-width space,
/// zero-width non-joiner, no-break space, BOM), so the body's start does not show there.
const PREVIEW_PADDING: &str = "&#8203;&zwnj;&nbsp;&#65279;";

/// The campaign body: the hidden inbox preview, then the message.
fn campaign_body(preview: &str, message: &str) -> String {
    format!(
        "<div style=\"display:none;visibility:hidden;opacity:0;overflow:hidden;max-height:0;max-width:0;font-size:1px;line-height:1px;color:transparent;\">{}{}</div>\n<div style=\"padding:20px;font-size:15px;line-height:1.6;\">{message}</div>",
        html_escape(preview),
        PREVIEW_PADDING.repeat(60)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn id_number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
}

impl Listmonk {
    /// listmonk needs no app settings: each channel is its own instance.
    pub fn new(_config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(vec![
                    CustomField {
                        key: "url",
                        label: "URL",
                        validation: r"/^(https?:\/\/)\S+$/",
                        kind: "text",
                        default_value: Some(""),
                    },
                    CustomField {
                        key: "username",
                        label: "Username",
                        validation: r"/^.+$/",
                        kind: "text",
                        default_value: None,
                    },
                    CustomField {
                        key: "password",
                        label: "Password",
                        validation: r"/^.{3,}$/",
                        kind: "password",
                        default_value: None,
                    },
                ]),
                tools: &["list", "templates"],
                ..ProviderInfo::basic("listmonk", "ListMonk", Editor::Html, 100_000_000, 100)
            },
            http,
        }
    }

    async fn site(&self, form: &Form) -> ProviderResult<(String, String)> {
        let url = instance_url(&form.url)?;
        self.http.vet(&url).await?;
        Ok((format!("{url}/api"), basic(&form.username, &form.password)))
    }

    async fn call(
        &self,
        auth: &ChannelAuth,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> ProviderResult<Value> {
        let (api, authz) = self.site(&stored_form(auth)?).await?;
        let mut req = self
            .http
            .client()
            .request(method, format!("{api}{path}"))
            .header("authorization", authz);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.http.json(req, no_mapping).await
    }
}

#[async_trait]
impl Provider for Listmonk {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "URL, username and password are required")?;
        let (api, authz) = self.site(&form).await?;
        let req = self
            .http
            .client()
            .get(format!("{api}/settings"))
            .header("authorization", authz);
        let settings: Value = self
            .http
            .json(req, no_mapping)
            .await
            .map_err(|_| ProviderError::bad("Invalid credentials"))?;
        let site = settings["data"]["app.site_name"]
            .as_str()
            .unwrap_or("listmonk")
            .to_string();
        Ok(AuthTokens {
            id: STANDARD.encode(instance_url(&form.url)?),
            name: site.clone(),
            access_token: "basic-auth".into(),
            picture: settings["data"]["app.logo_url"]
                .as_str()
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            username: Some(site),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let s = &post.settings;
        let subject = text_setting(s, "subject").unwrap_or_default();
        let list = id_number(&s["list"]).ok_or_else(|| ProviderError::bad("list must be an id"))?;
        let mut body = json!({
            "name": slugify(subject),
            "type": "regular",
            "content_type": "html",
            "subject": subject,
            "lists": [list],
            "body": campaign_body(text_setting(s, "preview").unwrap_or_default(), &post.message),
        });
        if let Some(template) = id_number(&s["template"]).filter(|t| *t > 0) {
            body["template_id"] = json!(template);
        }
        let created = self
            .call(auth, reqwest::Method::POST, "/campaigns", Some(body))
            .await?;
        let campaign = json_id(&created["data"]["id"]);
        let uuid = json_id(&created["data"]["uuid"]);
        self.call(
            auth,
            reqwest::Method::PUT,
            &format!("/campaigns/{campaign}/status"),
            Some(json!({"status": "running"})),
        )
        .await?;
        let form: Form = stored_form(auth)?;
        Ok(Published {
            id: uuid,
            url: format!(
                "{}/api/campaigns/{campaign}/preview",
                instance_url(&form.url)?
            ),
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        let pairs = |items: &Value| -> Vec<Value> {
            items
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| json!({"id": p["id"], "name": p["name"]}))
                .collect()
        };
        match name {
            "list" => {
                let v = self
                    .call(auth, reqwest::Method::GET, "/lists?per_page=all", None)
                    .await?;
                Ok(Value::Array(pairs(&v["data"]["results"])))
            }
            "templates" => {
                let v = self
                    .call(auth, reqwest::Method::GET, "/templates", None)
                    .await?;
                let mut out = vec![json!({"id": 0, "name": "Default"})];
                out.extend(pairs(&v["data"]));
                Ok(Value::Array(out))
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preview_is_escaped_and_hidden() {
        let b = campaign_body("<b>Hi</b>", "<p>Body</p>");
        assert!(b.starts_with("<div style=\"display:none;"));
        assert!(b.contains("&lt;b&gt;Hi&lt;/b&gt;"));
        assert!(b.ends_with("<p>Body</p></div>"));
        assert_eq!(id_number(&json!("12")), Some(12));
        assert_eq!(id_number(&json!(3)), Some(3));
        assert_eq!(id_number(&json!("x")), None);
    }
}
