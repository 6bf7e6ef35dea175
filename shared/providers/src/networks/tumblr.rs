//! Tumblr: OAuth 2 (`write offline_access`), then the user picks one of their blogs (two
//! steps). Each post is an NPF post on that blog: the title as a heading, the text in blocks
//! of at most 4,096 characters, an optional link, and up to 30 pictures or one video sent in
//! the same multipart request; tags and source URL from the settings. Tokens refresh.

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde_json::{json, Value};

use super::devto::{json_id, text_setting};
use crate::config::ProviderConfig;
use crate::error::{ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, stored_refresh_token, token_request, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["write", "offline_access"];
const TEXT_BLOCK: usize = 4096;

/// Postiz's mapped Tumblr error codes.
const CODES: &[(u32, ErrorCase)] = &[
    (
        8023,
        ErrorCase::bad("", "Tumblr daily posting limit reached."),
    ),
    (
        8001,
        ErrorCase::bad("", "Tumblr rejected the post content format."),
    ),
    (
        8004,
        ErrorCase::bad("", "Tumblr daily media upload limit reached."),
    ),
    (
        8005,
        ErrorCase::bad("", "Tumblr rejected one of the uploaded media files."),
    ),
    (
        8006,
        ErrorCase::retry("", "Tumblr had a media upload error."),
    ),
    (
        8009,
        ErrorCase::retry("", "Tumblr had a video upload error."),
    ),
    (
        8010,
        ErrorCase::bad(
            "",
            "Tumblr is still transcoding a video upload for this blog. Please try again later.",
        ),
    ),
    (
        8011,
        ErrorCase::bad("", "Tumblr daily video upload limit reached."),
    ),
    (8022, ErrorCase::bad("", "Tumblr blog queue limit reached.")),
];

fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if status == 401 || body.contains("invalid_grant") || body.contains("invalid_token") {
        return Some(ProviderError::RefreshNeeded(
            "Please re-authenticate your Tumblr account.".into(),
        ));
    }
    if body.contains("daily posting limit") {
        return Some(ProviderError::bad("Tumblr daily posting limit reached."));
    }
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let codes: Vec<u64> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["code"].as_u64())
        .collect();
    for (code, case) in CODES {
        if codes.contains(&u64::from(*code)) {
            return Some(case.error());
        }
    }
    match status {
        429 => Some(ProviderError::transient("Tumblr API rate limit reached.")),
        503 => Some(ProviderError::transient(
            "Tumblr posting via the API is temporarily unavailable.",
        )),
        _ => None,
    }
}

/// The Tumblr provider.
#[derive(Debug)]
pub struct Tumblr {
    info: ProviderInfo,
    http: Http,
    web: String,
    api: String,
    client_id: String,
    secret: String,
    redirect_uri: String,
}

/// NPF text blocks of at most [`TEXT_BLOCK`] characters, one per paragraph where they fit.
fn text_blocks(message: &str) -> Vec<Value> {
    let mut blocks = Vec::new();
    for paragraph in message
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let chars: Vec<char> = paragraph.chars().collect();
        for piece in chars.chunks(TEXT_BLOCK) {
            blocks.push(json!({"type": "text", "text": piece.iter().collect::<String>()}));
        }
    }
    blocks
}

impl Tumblr {
    /// Configured from `TUMBLR_CLIENT_ID`, `TUMBLR_CLIENT_SECRET`, and `TUMBLR_URL`,
    /// `TUMBLR_API_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                two_step: true,
                refreshes: true,
                ..ProviderInfo::basic("tumblr", "Tumblr", Editor::Normal, 32_768, 3)
            },
            http,
            web: config.base_url("TUMBLR_URL", "https://www.tumblr.com"),
            api: config.base_url("TUMBLR_API_URL", "https://api.tumblr.com"),
            client_id: config.or("TUMBLR_CLIENT_ID", ""),
            secret: config.or("TUMBLR_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("tumblr"),
        }
    }

    async fn user(&self, token: &str) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}/v2/user/info", self.api))
            .bearer_auth(token);
        let v: Value = self.http.json(req, map_error).await?;
        Ok(v["response"]["user"].clone())
    }

    fn avatar(&self, blog: &str) -> String {
        format!("{}/v2/blog/{blog}.tumblr.com/avatar/128", self.api)
    }

    async fn account(&self, t: crate::oauth::TokenAnswer) -> ProviderResult<AuthTokens> {
        let user = self.user(&t.access_token).await?;
        let blogs = user["blogs"].as_array().cloned().unwrap_or_default();
        let primary = blogs
            .iter()
            .find(|b| b["primary"] == true)
            .or(blogs.first());
        let name = user["name"].as_str().unwrap_or_default().to_string();
        Ok(AuthTokens {
            id: name.clone(),
            name: if name.is_empty() {
                "Tumblr".into()
            } else {
                name.clone()
            },
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_in: t.expires_in,
            picture: primary
                .and_then(|b| b["name"].as_str())
                .map(|b| self.avatar(b)),
            username: Some(name),
            additional_settings: None,
        })
    }
}

#[async_trait]
impl Provider for Tumblr {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        if post.media.len() - videos > 30 {
            return Err("Tumblr supports up to 30 images in one post.".into());
        }
        if videos > 1 {
            return Err("Tumblr supports one uploaded video in one post.".into());
        }
        Ok(())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/oauth2/authorize", self.web),
            &[
                ("client_id", &self.client_id),
                ("response_type", "code"),
                ("scope", &SCOPES.join(" ")),
                ("state", &state),
                ("redirect_uri", &self.redirect_uri),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: random_string(8),
            state,
        })
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let t = token_request(
            &self.http,
            &format!("{}/v2/oauth2/token", self.api),
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
                ("redirect_uri", &self.redirect_uri),
            ],
            true,
        )
        .await?;
        self.account(t).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let t = token_request(
            &self.http,
            &format!("{}/v2/oauth2/token", self.api),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", stored_refresh_token(auth)?),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
            ],
            false,
        )
        .await?;
        let mut tokens = self.account(t).await?;
        // A refreshed token keeps acting for the chosen blog.
        tokens.id = auth.internal_id.clone();
        Ok(tokens)
    }

    async fn pages(&self, auth: &ChannelAuth) -> ProviderResult<Vec<Page>> {
        let user = self.user(&auth.access_token).await?;
        Ok(user["blogs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| {
                let name = b["name"].as_str()?;
                Some(Page {
                    id: name.to_string(),
                    name: b["title"]
                        .as_str()
                        .filter(|t| !t.is_empty())
                        .unwrap_or(name)
                        .to_string(),
                    picture: Some(self.avatar(name)),
                })
            })
            .collect())
    }

    async fn select_page(&self, auth: &ChannelAuth, page_id: &str) -> ProviderResult<AuthTokens> {
        let blog = self
            .pages(auth)
            .await?
            .into_iter()
            .find(|p| p.id == page_id)
            .ok_or_else(|| ProviderError::bad("Tumblr blog not found"))?;
        Ok(AuthTokens {
            id: blog.id.clone(),
            name: blog.name,
            access_token: auth.access_token.clone(),
            refresh_token: auth.refresh_token.clone(),
            picture: blog.picture,
            username: Some(blog.id),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.check(post).map_err(ProviderError::bad)?;
        let s = &post.settings;
        let mut content = Vec::new();
        if let Some(title) = text_setting(s, "title") {
            content.push(json!({"type": "text", "subtype": "heading1", "text": title}));
        }
        content.extend(text_blocks(&post.message));
        if let Some(link) = text_setting(s, "link") {
            let link = if link.starts_with("http") {
                link.to_string()
            } else {
                format!("https://{link}")
            };
            content.push(json!({"type": "link", "url": link}));
        }
        let mut parts = Vec::new();
        for (i, m) in post.media.iter().enumerate() {
            let identifier = format!("media-{i}");
            let reader = self.http.open_media(&m.url).await?;
            let mime = reader.content_type.clone();
            let media = json!({"type": mime, "identifier": identifier});
            content.push(match m.kind {
                MediaKind::Video => json!({"type": "video", "provider": "tumblr", "media": media}),
                MediaKind::Image => {
                    let mut block = json!({"type": "image", "media": [media]});
                    if let Some(alt) = &m.alt {
                        block["alt_text"] = json!(alt);
                    }
                    block
                }
            });
            parts.push((identifier, reader.into_part()?));
        }
        let mut payload = json!({"content": content, "state": "published"});
        if let Some(tags) = s["tags"].as_array() {
            let list: Vec<&str> = tags
                .iter()
                .filter_map(|t| t["value"].as_str().or(t.as_str()))
                .collect();
            payload["tags"] = json!(list.join(","));
        } else if let Some(tags) = text_setting(s, "tags") {
            payload["tags"] = json!(tags);
        }
        if let Some(source) = text_setting(s, "sourceUrl") {
            payload["source_url"] = json!(source);
        }
        let url = format!("{}/v2/blog/{}/posts", self.api, auth.internal_id);
        let req = self.http.client().post(url).bearer_auth(&auth.access_token);
        let req = if parts.is_empty() {
            req.json(&payload)
        } else {
            let json_part = reqwest::multipart::Part::text(payload.to_string())
                .mime_str("application/json")
                .map_err(|e| ProviderError::Unknown(e.to_string()))?;
            let mut form = Form::new().part("json", json_part);
            for (identifier, part) in parts {
                form = form.part(identifier, part);
            }
            req.multipart(form)
        };
        let v: Value = self.http.json(req, map_error).await?;
        let r = &v["response"];
        let id = [&r["id_string"], &r["post_id"], &r["id"]]
            .into_iter()
            .find(|x| !x.is_null())
            .map(json_id)
            .unwrap_or_default();
        Ok(Published {
            url: format!("https://{}.tumblr.com/post/{id}", auth.internal_id),
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_split_and_codes_are_mapped() {
        let long = "a".repeat(5000);
        let blocks = text_blocks(&format!("first\n\n{long}"));
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[2]["text"].as_str().unwrap().len(), 904);
        assert_eq!(
            map_error(400, r#"{"errors":[{"title":"Bad","code":8023}]}"#),
            Some(ProviderError::bad("Tumblr daily posting limit reached."))
        );
        assert!(matches!(
            map_error(401, "{}"),
            Some(ProviderError::RefreshNeeded(_))
        ));
        assert!(matches!(
            map_error(429, "{}"),
            Some(ProviderError::Transient { .. })
        ));
        assert_eq!(map_error(400, r#"{"errors":[{"code":1}]}"#), None);
    }
}
