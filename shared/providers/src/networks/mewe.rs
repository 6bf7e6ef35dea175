//! MeWe: the user approves a login request on MeWe and the web app hands back its token,
//! exchanged for an API token (with the app's id and key); each post goes to the user's
//! timeline or a chosen group, pictures uploaded first. No comments, no refresh (MeWe's
//! tokens last about a month; then the channel asks for a reconnect). Tool: `groups`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde_json::{json, Value};

use super::devto::{json_id, text_setting};
use crate::config::ProviderConfig;
use crate::error::{first_match, ErrorCase, ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, url_with_query};
use crate::types::*;
use crate::Provider;

const CASES: &[ErrorCase] = &[
    ErrorCase::refresh(
        "Unauthorized",
        "Access token expired, please re-authenticate",
    ),
    ErrorCase::retry("Enhance Your Calm", "Rate limited, retrying..."),
    ErrorCase::bad("Forbidden", "Insufficient permissions for this action"),
];

fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    if status == 420 {
        return Some(ProviderError::transient("Rate limited, retrying..."));
    }
    first_match(body, CASES)
}

/// The MeWe provider.
#[derive(Debug)]
pub struct MeWe {
    info: ProviderInfo,
    http: Http,
    host: String,
    app_id: String,
    api_key: String,
    redirect_uri: String,
}

impl MeWe {
    /// Configured from `MEWE_APP_ID`, `MEWE_API_KEY` and `MEWE_HOST` (default `https://mewe.com`).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                tools: &["groups"],
                ..ProviderInfo::basic("mewe", "MeWe", Editor::Normal, 63_206, 1)
            },
            http,
            host: config.base_url("MEWE_HOST", "https://mewe.com"),
            app_id: config.or("MEWE_APP_ID", ""),
            api_key: config.or("MEWE_API_KEY", ""),
            redirect_uri: config.redirect_uri("mewe"),
        }
    }

    fn dev(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}/api/dev{path}", self.host))
            .header("x-app-id", &self.app_id)
            .header("x-api-key", &self.api_key)
    }
}

#[async_trait]
impl Provider for MeWe {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check_comment(&self, _comment: &PostDetails) -> Result<(), String> {
        Err("MeWe posts take no comments here".into())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/login", self.host),
            &[
                ("client_id", &self.app_id),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: random_string(8),
            state,
        })
    }

    /// `code` is the approved login request's token.
    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        if code.trim().is_empty() {
            return Err(ProviderError::bad(
                "No login request token received. Please try again.",
            ));
        }
        let t: Value = self
            .http
            .json(
                self.dev(reqwest::Method::GET, "/token")
                    .query(&[("loginRequestToken", code.trim())]),
                map_error,
            )
            .await
            .map_err(|_| ProviderError::bad("Failed to exchange token. Please try again."))?;
        if t["pending"] == true {
            return Err(ProviderError::bad(
                "Login request is still pending. Please approve on MeWe and try again.",
            ));
        }
        let token = t["apiToken"]
            .as_str()
            .ok_or_else(|| ProviderError::bad("No API token received. Please try again."))?;
        let me: Value = self
            .http
            .json(
                self.dev(reqwest::Method::GET, "/me").bearer_auth(token),
                map_error,
            )
            .await
            .map_err(|_| ProviderError::bad("Failed to fetch MeWe profile."))?;
        let expires_in = t["expiresAt"]
            .as_str()
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
            .map(|at| (at.timestamp() - chrono::Utc::now().timestamp()).max(0))
            .or(t["expiresAt"]
                .as_i64()
                .map(|ms| (ms / 1000 - chrono::Utc::now().timestamp()).max(0)))
            .unwrap_or(30 * 24 * 3600);
        let name = me["name"].as_str().map(str::to_string).unwrap_or_else(|| {
            format!(
                "{} {}",
                me["firstName"].as_str().unwrap_or_default(),
                me["lastName"].as_str().unwrap_or_default()
            )
            .trim()
            .to_string()
        });
        Ok(AuthTokens {
            id: json_id(&me["userId"]),
            name,
            access_token: token.to_string(),
            expires_in: Some(expires_in),
            username: me["handle"].as_str().map(str::to_string),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let s = &post.settings;
        let timeline = text_setting(s, "postType") == Some("timeline");
        let group = text_setting(s, "group");
        if !timeline && group.is_none() {
            return Err(ProviderError::bad("group should not be empty"));
        }
        let mut photos = Vec::new();
        for m in post.media.iter().filter(|m| m.kind == MediaKind::Image) {
            let part = self.http.open_media(&m.url).await?.into_part()?;
            let req = self
                .dev(reqwest::Method::POST, "/photo/upload")
                .bearer_auth(&auth.access_token)
                .multipart(Form::new().part("file", part));
            let up: Value = self.http.json(req, map_error).await?;
            photos.push(json_id(&up["id"]));
        }
        let mut body = json!({"text": post.message});
        if !photos.is_empty() {
            body["uploadedPhotoIds"] = json!(photos);
        }
        let path = match group {
            Some(g) if !timeline => format!(
                "/group/{}/post",
                url::form_urlencoded::byte_serialize(g.as_bytes()).collect::<String>()
            ),
            _ => "/me/post".to_string(),
        };
        // MeWe answers the new post as JSON; anything else (a proxy's page) is no success.
        let v: Value = self
            .http
            .json(
                self.dev(reqwest::Method::POST, &path)
                    .bearer_auth(&auth.access_token)
                    .json(&body),
                map_error,
            )
            .await?;
        let id = v["postId"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| random_string(9));
        let url = match group {
            Some(g) if !timeline => format!("{}/group/{g}", self.host),
            _ => format!("{}/myworld", self.host),
        };
        Ok(Published { id, url })
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, _data: &Value) -> ProviderResult<Value> {
        if name != "groups" {
            return Err(ProviderError::bad(format!("Unknown function {name}")));
        }
        let mut out = Vec::new();
        let mut next = Some("/groups".to_string());
        let mut pages = 0;
        while let Some(path) = next.take() {
            let v: Value = self
                .http
                .json(
                    self.dev(reqwest::Method::GET, &path)
                        .bearer_auth(&auth.access_token),
                    map_error,
                )
                .await?;
            for g in v["groups"].as_array().into_iter().flatten() {
                out.push(json!({"id": json_id(&g["groupId"]), "name": g["name"]}));
            }
            pages += 1;
            next = v["nextPage"]
                .as_str()
                .filter(|_| pages < 20)
                .map(|p| p.trim_start_matches("/api/dev").to_string());
        }
        Ok(Value::Array(out))
    }
}
