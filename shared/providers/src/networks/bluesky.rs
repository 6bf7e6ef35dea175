//! Bluesky (AT Protocol): connected with credentials (service URL, handle, app password),
//! not OAuth. Sessions are re-created from the stored credentials when they expire. Posts
//! with up to four images (uploaded as blobs) or one video (through the video service),
//! threads by replying with root and parent references (uri + cid).

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::new_state;
use crate::plugs::{self, PlugDef};
use crate::types::*;
use crate::Provider;

use super::bluesky_video::{Upload, VideoService};

/// The Bluesky provider.
#[derive(Debug)]
pub struct Bluesky {
    info: ProviderInfo,
    http: Http,
    web: String,
    video: VideoService,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Session {
    access_jwt: String,
    did: String,
    handle: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Profile {
    display_name: Option<String>,
    avatar: Option<String>,
}

#[derive(Deserialize)]
struct Created {
    uri: String,
}

/// The credentials of a channel (the connect form).
#[derive(Deserialize)]
struct Credentials {
    service: String,
    identifier: String,
    password: String,
}

/// XRPC error bodies are `{"error": "...", "message": "..."}`.
fn map_error(status: u16, body: &str) -> Option<ProviderError> {
    let v: Value = serde_json::from_str(body).ok()?;
    let code = v["error"].as_str().unwrap_or("");
    let message = v["message"].as_str().unwrap_or(code).to_string();
    match (status, code) {
        (_, "ExpiredToken" | "InvalidToken") => Some(ProviderError::RefreshNeeded(message)),
        (400, _) => Some(ProviderError::bad(message)),
        _ => None,
    }
}

fn credentials(custom: Option<&Value>) -> ProviderResult<Credentials> {
    let c = custom.ok_or_else(|| ProviderError::RefreshNeeded("no stored credentials".into()))?;
    serde_json::from_value(c.clone())
        .map_err(|_| ProviderError::RefreshNeeded("stored credentials unreadable".into()))
}

fn service_url(raw: &str) -> ProviderResult<String> {
    let url =
        url::Url::parse(raw.trim()).map_err(|_| ProviderError::bad("The service must be a URL"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(ProviderError::bad("The service must be an http(s) URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

impl Bluesky {
    /// Configured from `BLUESKY_WEB_URL` (post links; default `https://bsky.app`).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "bluesky",
                name: "Bluesky",
                editor: Editor::Normal,
                max_length: 300,
                two_step: false,
                scopes: &[],
                custom_fields: Some(vec![
                    CustomField {
                        key: "service",
                        label: "Service",
                        validation: r"/^(https?:\/\/)?[\w.-]+(:\d+)?(\/.*)?$/",
                        kind: "text",
                        default_value: Some("https://bsky.social"),
                    },
                    CustomField {
                        key: "identifier",
                        label: "Identifier",
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
                is_web3: false,
                tool_tip: None,
                refreshes: false,
                max_concurrency: 2,
                tools: &[],
                extension_cookies: None,
            },
            video: VideoService::new(config, http.clone()),
            http,
            web: config.base_url("BLUESKY_WEB_URL", "https://bsky.app"),
        }
    }

    async fn login(&self, c: &Credentials) -> ProviderResult<Session> {
        let service = service_url(&c.service)?;
        self.http.vet(&service).await?;
        let req = self
            .http
            .client()
            .post(format!("{service}/xrpc/com.atproto.server.createSession"))
            .json(&json!({"identifier": c.identifier, "password": c.password}));
        self.http.json(req, map_error).await.map_err(|e| match e {
            ProviderError::RefreshNeeded(m) | ProviderError::BadRequest { user_message: m } => {
                ProviderError::bad(format!("Bluesky refused the login: {m}"))
            }
            other => other,
        })
    }

    /// The channel's PDS, checked before any request reaches it.
    async fn service_of(&self, auth: &ChannelAuth) -> ProviderResult<String> {
        let creds = credentials(auth.custom.as_ref())?;
        let service = service_url(&creds.service)?;
        self.http.vet(&service).await?;
        Ok(service)
    }

    async fn record_ref(&self, service: &str, token: &str, uri: &str) -> ProviderResult<Value> {
        let mut parts = uri.trim_start_matches("at://").splitn(3, '/');
        let (repo, collection, rkey) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let req = self
            .http
            .client()
            .get(format!("{service}/xrpc/com.atproto.repo.getRecord"))
            .query(&[("repo", repo), ("collection", collection), ("rkey", rkey)])
            .bearer_auth(token);
        let v: Value = self.http.json(req, map_error).await?;
        Ok(json!({"uri": v["uri"], "cid": v["cid"]}))
    }

    async fn post(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        reply: Option<(&str, &str)>,
    ) -> ProviderResult<Published> {
        let service = self.service_of(auth).await?;
        let token = &auth.access_token;
        let mut images = Vec::new();
        let mut video = None;
        for m in &post.media {
            let (bytes, content_type) = self.http.fetch_media(&m.url).await?;
            if m.kind == MediaKind::Video {
                let upload = Upload {
                    pds: &service,
                    token,
                    did: &auth.internal_id,
                    url: &m.url,
                    bytes,
                    alt: m.alt.as_deref(),
                };
                video = Some(self.video.embed(upload, map_error).await?);
                continue;
            }
            let req = self
                .http
                .client()
                .post(format!("{service}/xrpc/com.atproto.repo.uploadBlob"))
                .bearer_auth(token)
                .header("content-type", content_type)
                .body(bytes);
            let v: Value = self.http.json(req, map_error).await?;
            images.push(json!({"alt": m.alt.clone().unwrap_or_default(), "image": v["blob"]}));
        }
        let mut record = json!({
            "$type": "app.bsky.feed.post",
            "text": post.message,
            "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        if let Some(embed) = video {
            record["embed"] = embed;
        } else if !images.is_empty() {
            record["embed"] = json!({"$type": "app.bsky.embed.images", "images": images});
        }
        if let Some((root, parent)) = reply {
            let root_ref = self.record_ref(&service, token, root).await?;
            let parent_ref = if parent == root {
                root_ref.clone()
            } else {
                self.record_ref(&service, token, parent).await?
            };
            record["reply"] = json!({"root": root_ref, "parent": parent_ref});
        }
        let req = self
            .http
            .client()
            .post(format!("{service}/xrpc/com.atproto.repo.createRecord"))
            .bearer_auth(token)
            .json(&json!({"repo": auth.internal_id, "collection": "app.bsky.feed.post", "record": record}));
        let created: Created = self.http.json(req, map_error).await?;
        let rkey = created
            .uri
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(Published {
            url: format!("{}/profile/{}/post/{rkey}", self.web, auth.internal_id),
            id: created.uri,
        })
    }
}

#[async_trait]
impl Provider for Bluesky {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("The post should be at most 300 characters long for Bluesky".into());
        }
        let videos = post
            .media
            .iter()
            .filter(|m| m.kind == MediaKind::Video)
            .count();
        if videos > 0 && post.media.len() > 1 {
            return Err("You can only upload one video per post.".into());
        }
        if post.media.len() > 4 {
            return Err("There can be maximum 4 pictures in a post.".into());
        }
        Ok(())
    }

    fn finds_published(&self) -> bool {
        true
    }

    /// The account's latest posts (`com.atproto.repo.listRecords`), matched on the text and
    /// a creation time no earlier than a minute before `since`.
    async fn find_published(
        &self,
        auth: &ChannelAuth,
        post: &PostDetails,
        since: chrono::DateTime<chrono::Utc>,
    ) -> ProviderResult<Option<Published>> {
        let service = self.service_of(auth).await?;
        let req = self
            .http
            .client()
            .get(format!("{service}/xrpc/com.atproto.repo.listRecords"))
            .query(&[
                ("repo", auth.internal_id.as_str()),
                ("collection", "app.bsky.feed.post"),
                ("limit", "50"),
            ])
            .bearer_auth(&auth.access_token);
        let v: Value = self.http.json(req, map_error).await?;
        let after = since - chrono::Duration::minutes(1);
        let found = v["records"].as_array().into_iter().flatten().find(|r| {
            r["value"]["text"].as_str() == Some(post.message.as_str())
                && r["value"]["createdAt"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .is_some_and(|t| t >= after)
        });
        Ok(found.and_then(|r| {
            let uri = r["uri"].as_str()?.to_string();
            let rkey = uri.rsplit('/').next().unwrap_or_default().to_string();
            Some(Published {
                url: format!("{}/profile/{}/post/{rkey}", self.web, auth.internal_id),
                id: uri,
            })
        }))
    }

    /// Credential providers have no authorization page: the URL is the state itself.
    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        Ok(AuthRequest {
            url: state.clone(),
            code_verifier: String::new(),
            state,
        })
    }

    /// `code` is the base64 JSON of the credential form.
    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let raw = STANDARD
            .decode(code.trim())
            .map_err(|_| ProviderError::bad("The credentials are not readable"))?;
        let creds: Credentials = serde_json::from_slice(&raw)
            .map_err(|_| ProviderError::bad("Service, identifier and password are required"))?;
        let session = self.login(&creds).await?;
        let service = service_url(&creds.service)?;
        self.http.vet(&service).await?;
        let req = self
            .http
            .client()
            .get(format!("{service}/xrpc/app.bsky.actor.getProfile"))
            .query(&[("actor", session.did.as_str())])
            .bearer_auth(&session.access_jwt);
        let profile: Profile = self.http.json(req, map_error).await?;
        Ok(AuthTokens {
            id: session.did,
            name: profile
                .display_name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| session.handle.clone()),
            access_token: session.access_jwt,
            refresh_token: None,
            expires_in: None,
            picture: profile.avatar,
            username: Some(session.handle),
            additional_settings: None,
        })
    }

    /// A new session from the stored credentials.
    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let creds = credentials(auth.custom.as_ref())?;
        let session = self.login(&creds).await.map_err(|e| match e {
            ProviderError::BadRequest { user_message } => {
                ProviderError::RefreshNeeded(user_message)
            }
            other => other,
        })?;
        Ok(AuthTokens {
            id: session.did,
            name: session.handle.clone(),
            access_token: session.access_jwt,
            username: Some(session.handle),
            ..Default::default()
        })
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        self.post(auth, post, None).await
    }

    fn plugs(&self) -> &'static [PlugDef] {
        const PLUGS: &[PlugDef] = &[
            plugs::auto_repost("bluesky-autoRepostPost"),
            plugs::auto_plug("bluesky-autoPlugPost"),
        ];
        PLUGS
    }

    /// The post's `likeCount` (`app.bsky.feed.getPostThread`, depth 0).
    async fn likes(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<u64> {
        let service = self.service_of(auth).await?;
        let req = self
            .http
            .client()
            .get(format!("{service}/xrpc/app.bsky.feed.getPostThread"))
            .query(&[("uri", post_id), ("depth", "0")])
            .bearer_auth(&auth.access_token);
        let v: Value = self.http.json(req, map_error).await?;
        v["thread"]["post"]["likeCount"]
            .as_u64()
            .ok_or_else(|| ProviderError::Unknown("Bluesky did not return the post's likes".into()))
    }

    /// An `app.bsky.feed.repost` record pointing at the post.
    async fn repost(&self, auth: &ChannelAuth, post_id: &str) -> ProviderResult<()> {
        let service = self.service_of(auth).await?;
        let subject = self
            .record_ref(&service, &auth.access_token, post_id)
            .await?;
        let record = json!({
            "$type": "app.bsky.feed.repost",
            "subject": subject,
            "createdAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        });
        let req = self
            .http
            .client()
            .post(format!("{service}/xrpc/com.atproto.repo.createRecord"))
            .bearer_auth(&auth.access_token)
            .json(&json!({"repo": auth.internal_id, "collection": "app.bsky.feed.repost", "record": record}));
        let _: Created = self.http.json(req, map_error).await?;
        Ok(())
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        self.post(auth, post, Some((root_id, reply_to))).await
    }
}

#[cfg(test)]
mod tests {
    use super::Bluesky;
    use crate::config::ProviderConfig;
    use crate::http::Http;
    use crate::types::MediaKind;
    use crate::Provider;
    use serde_json::json;

    use super::super::test_post as post;

    #[test]
    fn four_pictures_or_one_video() {
        let p = Bluesky::new(
            &ProviderConfig::from_pairs::<&str, &str>([]),
            Http::default(),
        );
        let (img, vid) = (MediaKind::Image, MediaKind::Video);
        assert_eq!(
            p.check(&post(json!({}), &[vid, img])).unwrap_err(),
            "You can only upload one video per post."
        );
        assert_eq!(
            p.check(&post(json!({}), &[img; 5])).unwrap_err(),
            "There can be maximum 4 pictures in a post."
        );
        assert!(p.check(&post(json!({}), &[img; 4])).is_ok());
        assert!(p.check(&post(json!({}), &[vid])).is_ok());
    }
}
