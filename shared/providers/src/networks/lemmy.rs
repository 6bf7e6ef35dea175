//! Lemmy: the instance, a username or email and a password connect the account (a fresh
//! login gives each call its JWT, so nothing expires); each post goes to every chosen
//! community (one Lemmy post each, the ids joined with commas as Postiz does), and each
//! comment goes under every one of them, chained on the previous comment. Tool:
//! `subreddits` (community search). A cover picture may be attached: only one, an image.

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use super::devto::json_id;
use crate::config::ProviderConfig;
use crate::creds::{decode_form, form_request, instance_url, stored_form};
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::types::*;
use crate::Provider;

#[derive(Deserialize)]
struct Form {
    service: String,
    identifier: String,
    password: String,
}

#[derive(Deserialize)]
struct Login {
    jwt: Option<String>,
}

/// The Lemmy provider.
#[derive(Debug)]
pub struct Lemmy {
    info: ProviderInfo,
    http: Http,
}

impl Lemmy {
    /// Lemmy needs no app settings: each channel names its instance.
    pub fn new(_config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                custom_fields: Some(vec![
                    CustomField {
                        key: "service",
                        label: "Service",
                        validation: r"/^https?:\/\/(www\.)?[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b([-a-zA-Z0-9()@:%_\+.~#?&//=]*)$/",
                        kind: "text",
                        default_value: Some("https://lemmy.world"),
                    },
                    CustomField {
                        key: "identifier",
                        label: "Identifier",
                        validation: r"/^.{3,}$/",
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
                tools: &["subreddits"],
                ..ProviderInfo::basic("lemmy", "Lemmy", Editor::Normal, 10_000, 3)
            },
            http,
        }
    }

    /// The instance's API base and a fresh JWT; wrong credentials are `refused`'s error.
    async fn login(&self, form: &Form, refused: ProviderError) -> ProviderResult<(String, String)> {
        let service = instance_url(&form.service)?;
        self.http.vet(&service).await?;
        let api = format!("{service}/api/v3");
        let req = self
            .http
            .client()
            .post(format!("{api}/user/login"))
            .json(&json!({"username_or_email": form.identifier, "password": form.password}));
        let login: Login = self.http.json(req, no_mapping).await.map_err(|e| match e {
            ProviderError::BadRequest { .. } | ProviderError::RefreshNeeded(_) => refused.clone(),
            other => other,
        })?;
        let jwt = login.jwt.ok_or(refused)?;
        Ok((api, jwt))
    }

    async fn session(&self, auth: &ChannelAuth) -> ProviderResult<(String, String, String)> {
        let form: Form = stored_form(auth)?;
        let (api, jwt) = self
            .login(
                &form,
                ProviderError::RefreshNeeded("Lemmy refused the stored credentials".into()),
            )
            .await?;
        Ok((instance_url(&form.service)?, api, jwt))
    }

    async fn call(&self, api: &str, jwt: &str, path: &str, body: Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{api}{path}"))
            .bearer_auth(jwt)
            .json(&body);
        self.http.json(req, no_mapping).await
    }
}

fn is_picture(url: &str) -> bool {
    ["png", "jpg", "jpeg", "gif", "webp"]
        .iter()
        .any(|ext| url.to_lowercase().contains(ext))
}

#[async_trait]
impl Provider for Lemmy {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.media.len() > 1
            || post
                .media
                .first()
                .is_some_and(|m| m.kind == MediaKind::Video || !is_picture(&m.url))
        {
            return Err("You can set only one picture for a cover".into());
        }
        let max = self.info.max_length;
        if post.message.chars().count() > max {
            return Err(format!(
                "The post should be at most {max} characters long for Lemmy"
            ));
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        Ok(form_request())
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let form: Form = decode_form(code, "Service, identifier and password are required")?;
        let (api, jwt) = self
            .login(&form, ProviderError::bad("Invalid credentials"))
            .await?;
        let req = self
            .http
            .client()
            .get(format!("{api}/user"))
            .query(&[("username", form.identifier.as_str())])
            .bearer_auth(&jwt);
        let user: Value = self.http.json(req, no_mapping).await?;
        let person = &user["person_view"]["person"];
        let name = person["display_name"]
            .as_str()
            .or(person["name"].as_str())
            .unwrap_or(&form.identifier)
            .to_string();
        Ok(AuthTokens {
            id: json_id(&person["id"]),
            name,
            access_token: jwt,
            picture: person["avatar"].as_str().map(str::to_string),
            username: Some(form.identifier),
            ..Default::default()
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let (_, _, jwt) = self.session(auth).await?;
        Ok(crate::oauth::refreshed(auth, jwt, None, None))
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let (service, api, jwt) = self.session(auth).await?;
        let communities = post.settings["subreddit"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if communities.is_empty() {
            return Err(ProviderError::bad("Choose at least one community"));
        }
        let (mut ids, mut urls) = (Vec::new(), Vec::new());
        for c in &communities {
            let v = &c["value"];
            let community = v["id"]
                .as_i64()
                .or_else(|| v["id"].as_str()?.parse().ok())
                .ok_or_else(|| ProviderError::bad("Each community needs its id"))?;
            let mut body = json!({
                "community_id": community,
                "name": v["title"].as_str().unwrap_or_default(),
                "body": post.message,
                "nsfw": false,
            });
            if let Some(url) = v["url"].as_str().filter(|u| !u.is_empty()) {
                body["url"] = json!(if url.starts_with("http") {
                    url.to_string()
                } else {
                    format!("https://{url}")
                });
            }
            if let Some(m) = post.media.first() {
                body["custom_thumbnail"] = json!(m.url);
            }
            let created = self.call(&api, &jwt, "/post", body).await?;
            let id = json_id(&created["post_view"]["post"]["id"]);
            urls.push(format!("{service}/post/{id}"));
            ids.push(id);
        }
        Ok(Published {
            id: ids.join(","),
            url: urls.join(","),
        })
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let (service, api, jwt) = self.session(auth).await?;
        let posts: Vec<&str> = root_id.split(',').collect();
        let parents: Vec<Option<&str>> = if reply_to == root_id {
            vec![None; posts.len()]
        } else {
            reply_to.split(',').map(Some).collect()
        };
        let (mut ids, mut urls) = (Vec::new(), Vec::new());
        for (i, post_id) in posts.iter().enumerate() {
            let number: i64 = post_id
                .parse()
                .map_err(|_| ProviderError::bad("The post id is not a Lemmy id"))?;
            let mut body = json!({"post_id": number, "content": post.message});
            if let Some(parent) = parents
                .get(i)
                .copied()
                .flatten()
                .and_then(|p| p.parse::<i64>().ok())
            {
                body["parent_id"] = json!(parent);
            }
            let created = self.call(&api, &jwt, "/comment", body).await?;
            let id = json_id(&created["comment_view"]["comment"]["id"]);
            urls.push(format!("{service}/comment/{id}"));
            ids.push(id);
        }
        Ok(Published {
            id: ids.join(","),
            url: urls.join(","),
        })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        if name != "subreddits" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let (_, api, jwt) = self.session(auth).await?;
        let word = data["word"].as_str().unwrap_or_default();
        let req = self
            .http
            .client()
            .get(format!("{api}/search"))
            .query(&[("type_", "Communities"), ("sort", "Active"), ("q", word)])
            .bearer_auth(&jwt);
        let found: Value = self.http.json(req, no_mapping).await?;
        Ok(found["communities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let c = &c["community"];
                json!({"title": c["title"], "name": c["title"], "id": c["id"]})
            })
            .collect())
    }
}
