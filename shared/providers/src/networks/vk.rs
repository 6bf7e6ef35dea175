//! VK: VK ID OAuth 2 with PKCE (the web app hands back `code&&&&device_id`); each post is a
//! wall post with photos or a video, and each comment a wall comment on it. Tokens refresh
//! (the device id travels with the refresh token as Postiz stores it). Tokens go in request
//! bodies, never in URLs. VK reports errors inside HTTP 200 answers (`{"error": {...}}`).

use async_trait::async_trait;
use reqwest::multipart::Form;
use serde_json::Value;

use super::devto::json_id;
use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{no_mapping, Http};
use crate::oauth::{new_state, pkce, random_string, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &[
    "vkid.personal_info",
    "email",
    "wall",
    "status",
    "docs",
    "photos",
    "video",
];
const VERSION: &str = "5.251";

/// The VK provider.
#[derive(Debug)]
pub struct Vk {
    info: ProviderInfo,
    http: Http,
    id: String,
    api: String,
    web: String,
    client_id: String,
    redirect_uri: String,
}

/// An `{"error": {...}}` answer of the VK API as our classification.
fn vk_error(v: &Value) -> Option<ProviderError> {
    let e = v.get("error")?;
    let message = e["error_msg"]
        .as_str()
        .or(e["error_description"].as_str())
        .or(e.as_str())
        .unwrap_or("VK refused the request")
        .to_string();
    Some(match e["error_code"].as_i64() {
        Some(5) => ProviderError::RefreshNeeded(message),
        Some(6 | 9 | 10 | 29) => ProviderError::transient(message),
        _ if e.as_str() == Some("invalid_grant") => ProviderError::RefreshNeeded(message),
        _ => ProviderError::bad(message),
    })
}

impl Vk {
    /// Configured from `VK_ID`, and `VK_ID_URL`, `VK_API_URL`, `VK_WEB_URL` (tests).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                scopes: SCOPES,
                refreshes: true,
                ..ProviderInfo::basic("vk", "VK", Editor::Normal, 2048, 2)
            },
            http,
            id: config.base_url("VK_ID_URL", "https://id.vk.com"),
            api: config.base_url("VK_API_URL", "https://api.vk.com"),
            web: config.base_url("VK_WEB_URL", "https://vk.com"),
            client_id: config.or("VK_ID", ""),
            redirect_uri: config.redirect_uri("vk"),
        }
    }

    /// Posts a form and reads VK's answer, errors included.
    async fn form(&self, url: String, form: &[(&str, &str)]) -> ProviderResult<Value> {
        let req = self.http.client().post(url).form(form);
        let v: Value = self.http.json(req, no_mapping).await?;
        match vk_error(&v) {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }

    /// Calls API method `name` with the token in the body.
    async fn method(
        &self,
        name: &str,
        token: &str,
        params: &[(&str, &str)],
    ) -> ProviderResult<Value> {
        let mut form = vec![("access_token", token), ("v", VERSION)];
        form.extend_from_slice(params);
        let v = self
            .form(format!("{}/method/{name}", self.api), &form)
            .await?;
        Ok(v["response"].clone())
    }

    async fn tokens(
        &self,
        grant: &[(&str, &str)],
        device: &str,
        connecting: bool,
    ) -> ProviderResult<AuthTokens> {
        let t = self
            .form(format!("{}/oauth2/auth", self.id), grant)
            .await
            .map_err(|e| match e {
                ProviderError::BadRequest { user_message }
                | ProviderError::RefreshNeeded(user_message)
                    if connecting =>
                {
                    ProviderError::bad(format!("The code was refused: {user_message}"))
                }
                ProviderError::BadRequest { user_message } => {
                    ProviderError::RefreshNeeded(user_message)
                }
                other => other,
            })?;
        let access = t["access_token"].as_str().unwrap_or_default().to_string();
        let info = self
            .form(
                format!("{}/oauth2/user_info", self.id),
                &[("client_id", &self.client_id), ("access_token", &access)],
            )
            .await?;
        let u = &info["user"];
        let first = u["first_name"].as_str().unwrap_or_default();
        Ok(AuthTokens {
            id: json_id(&u["user_id"]),
            name: format!("{first} {}", u["last_name"].as_str().unwrap_or_default())
                .trim()
                .to_string(),
            access_token: access,
            refresh_token: t["refresh_token"]
                .as_str()
                .map(|r| format!("{r}&&&&{device}")),
            expires_in: t["expires_in"].as_i64(),
            picture: u["avatar"]
                .as_str()
                .filter(|a| !a.is_empty())
                .map(str::to_string),
            username: Some(first.to_lowercase()),
            additional_settings: None,
        })
    }

    /// Uploads each media file: `photo<owner>_<id>` or `video<owner>_<id>` attachments.
    async fn attachments(&self, auth: &ChannelAuth, media: &[Media]) -> ProviderResult<String> {
        let token = &auth.access_token;
        let owner = &auth.internal_id;
        let mut out = Vec::new();
        for m in media {
            let video = m.kind == MediaKind::Video;
            let server = if video {
                self.method("video.save", token, &[]).await?
            } else {
                self.method("photos.getWallUploadServer", token, &[("owner_id", owner)])
                    .await?
            };
            let upload_url = server["upload_url"]
                .as_str()
                .ok_or_else(|| ProviderError::Unknown(format!("no upload_url in {server}")))?;
            self.http.vet(upload_url).await?;
            let part = self.http.open_media(&m.url).await?.into_part()?;
            let field = if video { "video_file" } else { "photo" };
            let req = self
                .http
                .client()
                .post(upload_url)
                .multipart(Form::new().part(field, part));
            let uploaded: Value = self.http.json(req, no_mapping).await?;
            if let Some(e) = vk_error(&uploaded) {
                return Err(e);
            }
            if video {
                out.push(format!("video{owner}_{}", json_id(&server["video_id"])));
                continue;
            }
            let photo = uploaded["photo"].as_str().unwrap_or_default();
            let server_id = json_id(&uploaded["server"]);
            let hash = uploaded["hash"].as_str().unwrap_or_default();
            let saved = self
                .method(
                    "photos.saveWallPhoto",
                    token,
                    &[("photo", photo), ("server", &server_id), ("hash", hash)],
                )
                .await?;
            out.push(format!("photo{owner}_{}", json_id(&saved[0]["id"])));
        }
        Ok(out.join(","))
    }
}

#[async_trait]
impl Provider for Vk {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let (verifier, challenge) = pkce();
        let url = url_with_query(
            &format!("{}/authorize", self.id),
            &[
                ("response_type", "code"),
                ("client_id", &self.client_id),
                ("code_challenge_method", "S256"),
                ("code_challenge", &challenge),
                ("redirect_uri", &self.redirect_uri),
                ("state", &state),
                ("scope", &SCOPES.join(" ")),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: verifier,
            state,
        })
    }

    async fn authenticate(&self, code: &str, code_verifier: &str) -> ProviderResult<AuthTokens> {
        let (code, device) = code.split_once("&&&&").unwrap_or((code, ""));
        let form = [
            ("client_id", self.client_id.as_str()),
            ("grant_type", "authorization_code"),
            ("code_verifier", code_verifier),
            ("device_id", device),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
        ];
        self.tokens(&form, device, true).await
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let stored = stored_refresh_token(auth)?;
        let (refresh, device) = stored.split_once("&&&&").unwrap_or((stored, ""));
        let state = random_string(16);
        let scope = SCOPES.join(" ");
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", self.client_id.as_str()),
            ("device_id", device),
            ("state", state.as_str()),
            ("scope", scope.as_str()),
        ];
        self.tokens(&form, device, false).await
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let attachments = self.attachments(auth, &post.media).await?;
        let mut params = vec![
            ("message", post.message.as_str()),
            ("owner_id", auth.internal_id.as_str()),
        ];
        if !attachments.is_empty() {
            params.push(("attachments", &attachments));
        }
        let r = self
            .method("wall.post", &auth.access_token, &params)
            .await?;
        let id = json_id(&r["post_id"]);
        Ok(Published {
            url: format!("{}/feed?w=wall{}_{id}", self.web, auth.internal_id),
            id,
        })
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        _reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let attachments = self.attachments(auth, &post.media).await?;
        let mut params = vec![
            ("message", post.message.as_str()),
            ("post_id", root_id),
            ("owner_id", auth.internal_id.as_str()),
        ];
        if !attachments.is_empty() {
            params.push(("attachments", &attachments));
        }
        let r = self
            .method("wall.createComment", &auth.access_token, &params)
            .await?;
        Ok(Published {
            id: json_id(&r["comment_id"]),
            url: format!("{}/feed?w=wall{}_{root_id}", self.web, auth.internal_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vk_errors_in_200_answers_are_classified() {
        assert!(matches!(
            vk_error(
                &json!({"error": {"error_code": 5, "error_msg": "User authorization failed"}})
            ),
            Some(ProviderError::RefreshNeeded(_))
        ));
        assert!(matches!(
            vk_error(
                &json!({"error": {"error_code": 6, "error_msg": "Too many requests per second"}})
            ),
            Some(ProviderError::Transient { .. })
        ));
        assert_eq!(
            vk_error(
                &json!({"error": {"error_code": 100, "error_msg": "One of the parameters specified was missing or invalid"}})
            ),
            Some(ProviderError::bad(
                "One of the parameters specified was missing or invalid"
            ))
        );
        assert_eq!(vk_error(&json!({"response": {"post_id": 1}})), None);
    }
}
