//! Reddit: OAuth 2 (permanent, refreshable), text and link submissions to the subreddits in
//! the settings (the first one is the post's release; the others are submitted too), and
//! comments that chain (the first on the post, later ones on the previous comment). Image
//! posts go through a media asset lease: `api/media/asset.json` answers an upload form, the
//! picture is POSTed to it, and the submission carries the uploaded file's location; Reddit
//! answers such a submission without the post's id, so it is looked up in the account's
//! submitted listing (not found in time → an unknown outcome, never resent blindly). Video
//! posts go the same way, with the video and its poster image (the media's thumbnail) both
//! uploaded through leases. Base URLs from `REDDIT_URL` (www) and `REDDIT_OAUTH_URL`.

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::Http;
use crate::oauth::{new_state, random_string, refreshed, stored_refresh_token, url_with_query};
use crate::types::*;
use crate::Provider;

const SCOPES: &[&str] = &["read", "identity", "submit", "flair"];

/// The Reddit provider.
#[derive(Debug)]
pub struct Reddit {
    info: ProviderInfo,
    http: Http,
    web: String,
    api: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

/// `{"json": {"errors": [[code, message, field]]}}` → the first message.
fn json_errors(v: &Value) -> Option<ProviderError> {
    let first = v["json"]["errors"].as_array()?.first()?.clone();
    let code = first[0].as_str().unwrap_or("");
    let message = first[1].as_str().unwrap_or(code);
    Some(match code {
        "RATELIMIT" => ProviderError::transient(format!("Reddit: {message}")),
        _ => ProviderError::bad(format!("Reddit: {message}")),
    })
}

struct Target {
    sr: String,
    title: String,
    kind: String,
    url: Option<String>,
    flair: Option<String>,
}

/// The subreddits to submit to. `media` is the message's media: a media post takes exactly
/// one file, and a video needs a poster image (its thumbnail), as in Postiz.
fn targets(settings: &Value, media: &[Media]) -> Result<Vec<Target>, String> {
    if media
        .iter()
        .any(|m| m.kind == MediaKind::Video && m.thumbnail.is_none())
    {
        return Err("You must attach a thumbnail to your video post.".into());
    }
    let media_kind = match media {
        [m] if m.kind == MediaKind::Image => Some("image"),
        [m] if m.kind == MediaKind::Video => Some("video"),
        _ => None,
    };
    let list = settings["subreddit"]
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or("Please pick at least one subreddit")?;
    list.iter()
        .map(|entry| {
            let v = &entry["value"];
            let sr = v["subreddit"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("/r/")
                .trim_start_matches("r/")
                .to_lowercase();
            let title = v["title"].as_str().unwrap_or("").to_string();
            let kind = v["type"].as_str().unwrap_or("self").to_string();
            if sr.is_empty() || title.is_empty() {
                return Err("Each subreddit needs a name and a title".to_string());
            }
            if title.chars().count() > 300 {
                return Err("A Reddit title is at most 300 characters".into());
            }
            let url = v["url"]
                .as_str()
                .filter(|u| !u.is_empty())
                .map(str::to_string);
            let kind =
                match kind.as_str() {
                    "self" => kind,
                    "link" if url.is_some() => kind,
                    "link" => return Err("A link post needs a URL".into()),
                    "image" | "media" | "video" => match media_kind {
                        Some(k) => k.to_string(),
                        None => return Err(
                            "When posting a media post, you must attached exactly one media file."
                                .into(),
                        ),
                    },
                    other => return Err(format!("Unknown Reddit post type: {other}")),
                };
            if v["is_flair_required"].as_bool() == Some(true) && v["flair"]["id"].as_str().is_none()
            {
                return Err(format!("r/{sr} requires a flair"));
            }
            Ok(Target {
                sr,
                title,
                kind,
                url,
                flair: v["flair"]["id"].as_str().map(str::to_string),
            })
        })
        .collect()
}

impl Reddit {
    /// Configured from `REDDIT_CLIENT_ID`, `REDDIT_CLIENT_SECRET`, `REDDIT_URL`, `REDDIT_OAUTH_URL`.
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        Self {
            info: ProviderInfo {
                identifier: "reddit",
                name: "Reddit",
                editor: Editor::Normal,
                max_length: 10_000,
                two_step: false,
                scopes: SCOPES,
                custom_fields: None,
                is_web3: false,
                tool_tip: None,
                refreshes: true,
                max_concurrency: 1,
                tools: &["subreddits", "restrictions"],
                extension_cookies: None,
            },
            http,
            web: config.base_url("REDDIT_URL", "https://www.reddit.com"),
            api: config.base_url("REDDIT_OAUTH_URL", "https://oauth.reddit.com"),
            client_id: config.or("REDDIT_CLIENT_ID", ""),
            client_secret: config.or("REDDIT_CLIENT_SECRET", ""),
            redirect_uri: config.redirect_uri("reddit"),
        }
    }

    async fn token(&self, form: &[(&str, &str)], refreshing: bool) -> ProviderResult<Value> {
        let basic = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.client_id, self.client_secret))
        );
        let req = self
            .http
            .client()
            .post(format!("{}/api/v1/access_token", self.web))
            .header("Authorization", basic)
            .form(form);
        let v: Value = self
            .http
            .json(req, |status, body| {
                (status == 400 || status == 401).then(|| {
                    ProviderError::bad(format!("Reddit refused the token request: {body}"))
                })
            })
            .await?;
        if let Some(e) = v["error"].as_str() {
            let msg = format!("Reddit refused the token request: {e}");
            return Err(if refreshing {
                ProviderError::RefreshNeeded(msg)
            } else {
                ProviderError::bad(msg)
            });
        }
        Ok(v)
    }

    async fn oauth_post(
        &self,
        token: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}{path}", self.api))
            .bearer_auth(token)
            .form(form);
        let v: Value = self
            .http
            .json(req, |status, _| {
                (status == 403).then(|| ProviderError::bad("Reddit refused: you may not post here"))
            })
            .await?;
        match json_errors(&v) {
            Some(e) => Err(e),
            None => Ok(v),
        }
    }

    /// The account (`api/v1/me`).
    async fn me(&self, token: &str) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .get(format!("{}/api/v1/me", self.api))
            .bearer_auth(token);
        self.http.json(req, crate::http::no_mapping).await
    }

    /// Uploads a file (picture, video or poster) through a media asset lease; returns the
    /// uploaded file's location.
    async fn upload_asset(&self, token: &str, url: &str) -> ProviderResult<String> {
        let (media, _) = self.http.open_media(url).await?.sized().await?;
        let (name, content_type) = (media.name.clone(), media.content_type.clone());
        let lease = self
            .oauth_post(
                token,
                "/api/media/asset.json",
                &[("filepath", &name), ("mimetype", &content_type)],
            )
            .await?;
        let args = &lease["args"];
        let action = args["action"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("Reddit gave no media upload form".into()))?;
        // The form's address comes scheme-relative (`//host/...`): the API's scheme applies.
        let action = match action.strip_prefix("//") {
            Some(rest) => {
                let scheme = self.api.split("://").next().unwrap_or("https");
                format!("{scheme}://{rest}")
            }
            None => action.to_string(),
        };
        let mut form = reqwest::multipart::Form::new();
        for field in args["fields"].as_array().into_iter().flatten() {
            if let (Some(n), Some(v)) = (field["name"].as_str(), field["value"].as_str()) {
                form = form.text(n.to_string(), v.to_string());
            }
        }
        let part = media.into_part()?;
        let resp = self
            .http
            .send(
                self.http
                    .client()
                    .post(action)
                    .multipart(form.part("file", part)),
                crate::http::no_mapping,
            )
            .await?;
        let body = resp.text().await.unwrap_or_default();
        xml_location(&body).ok_or_else(|| {
            ProviderError::Unknown("Reddit media upload did not return a location".into())
        })
    }

    /// Uploads the post's one media file (and a video's poster) once for every subreddit.
    async fn upload_media(&self, token: &str, media: &Media) -> ProviderResult<Uploaded> {
        let location = self.upload_asset(token, &media.url).await?;
        let poster = match (&media.kind, &media.thumbnail) {
            (MediaKind::Video, Some(thumbnail)) => Some(self.upload_asset(token, thumbnail).await?),
            _ => None,
        };
        let me = self.me(token).await?;
        Ok(Uploaded {
            location,
            poster,
            user: me["name"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// Submits an image or video post and finds its id in the account's submitted listing
    /// (Reddit answers media submissions without one).
    async fn submit_media(
        &self,
        token: &str,
        t: &Target,
        media: &Uploaded,
        text: &str,
    ) -> ProviderResult<Published> {
        let mut form: Vec<(&str, &str)> = vec![
            ("api_type", "json"),
            ("sr", &t.sr),
            ("title", &t.title),
            ("kind", &t.kind),
            ("url", &media.location),
            ("text", text),
        ];
        if let Some(poster) = &media.poster {
            form.push(("video_poster_url", poster));
        }
        if let Some(f) = &t.flair {
            form.push(("flair_id", f));
        }
        let user = media.user.as_str();
        // Only posts created from a minute before this submission count (clock slack): an
        // older post with the same title must never be taken for this one.
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
            - 60;
        self.oauth_post(token, "/api/submit", &form).await?;
        for attempt in 0..LOOKUP_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(LOOKUP_WAIT).await;
            }
            if let Some(found) = self.find_submitted(token, user, t, since).await {
                return Ok(found);
            }
        }
        Err(ProviderError::Unknown(format!(
            "Reddit accepted the {} post to r/{} but it did not appear in the account's posts",
            t.kind, t.sr
        )))
    }

    /// The newest submission of `user` to the target's subreddit with its title, created at
    /// `since` (unix seconds) or later.
    async fn find_submitted(
        &self,
        token: &str,
        user: &str,
        t: &Target,
        since: i64,
    ) -> Option<Published> {
        let req = self
            .http
            .client()
            .get(format!("{}/user/{user}/submitted", self.api))
            .query(&[("sort", "new"), ("limit", "10"), ("raw_json", "1")])
            .bearer_auth(token);
        let listing: Value = self.http.json(req, crate::http::no_mapping).await.ok()?;
        listing["data"]["children"]
            .as_array()?
            .iter()
            .map(|c| &c["data"])
            .find(|d| {
                d["subreddit"].as_str().map(str::to_lowercase).as_deref() == Some(t.sr.as_str())
                    && d["title"].as_str() == Some(t.title.as_str())
                    && d["created_utc"].as_f64().is_some_and(|c| c as i64 >= since)
            })
            .map(|d| Published {
                id: d["id"].as_str().unwrap_or_default().to_string(),
                url: format!(
                    "{}{}",
                    self.web,
                    d["permalink"].as_str().unwrap_or_default()
                ),
            })
    }
}

/// A media file uploaded for a post: its location, a video's poster, and the account that
/// will find the submission in its listing.
struct Uploaded {
    location: String,
    poster: Option<String>,
    user: String,
}

/// Listing lookups after a media submission, and the wait between them.
const LOOKUP_ATTEMPTS: u32 = 10;
const LOOKUP_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The `<Location>` of an S3 form upload's XML answer.
fn xml_location(body: &str) -> Option<String> {
    let start = body.find("<Location>")? + "<Location>".len();
    let end = body[start..].find("</Location>")? + start;
    let raw = body[start..end].trim();
    (!raw.is_empty()).then(|| raw.replace("&amp;", "&"))
}

#[async_trait]
impl Provider for Reddit {
    fn info(&self) -> &ProviderInfo {
        &self.info
    }

    fn check(&self, post: &PostDetails) -> Result<(), String> {
        if post.message.chars().count() > self.info.max_length {
            return Err("The post should be at most 10000 characters long for Reddit".into());
        }
        targets(&post.settings, &post.media).map(|_| ())
    }

    async fn auth_url(&self) -> ProviderResult<AuthRequest> {
        let state = new_state();
        let url = url_with_query(
            &format!("{}/api/v1/authorize", self.web),
            &[
                ("client_id", &self.client_id),
                ("response_type", "code"),
                ("state", &state),
                ("redirect_uri", &self.redirect_uri),
                ("duration", "permanent"),
                ("scope", &SCOPES.join(" ")),
            ],
        );
        Ok(AuthRequest {
            url,
            code_verifier: random_string(8),
            state,
        })
    }

    async fn authenticate(&self, code: &str, _code_verifier: &str) -> ProviderResult<AuthTokens> {
        let t = self
            .token(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                ],
                false,
            )
            .await?;
        let access = t["access_token"].as_str().unwrap_or_default().to_string();
        let me = self.me(&access).await?;
        let name = me["name"].as_str().unwrap_or_default().to_string();
        Ok(AuthTokens {
            id: me["id"].as_str().unwrap_or_default().to_string(),
            name: name.clone(),
            picture: me["icon_img"]
                .as_str()
                .map(|u| u.split('?').next().unwrap_or(u).to_string()),
            username: Some(name),
            access_token: access,
            refresh_token: t["refresh_token"].as_str().map(str::to_string),
            expires_in: t["expires_in"].as_i64(),
            additional_settings: None,
        })
    }

    async fn refresh(&self, auth: &ChannelAuth) -> ProviderResult<AuthTokens> {
        let refresh = stored_refresh_token(auth)?;
        let t = self
            .token(
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
                true,
            )
            .await?;
        Ok(refreshed(
            auth,
            t["access_token"].as_str().unwrap_or_default().to_string(),
            t["refresh_token"].as_str().map(str::to_string),
            t["expires_in"].as_i64(),
        ))
    }

    async fn publish(&self, auth: &ChannelAuth, post: &PostDetails) -> ProviderResult<Published> {
        let targets = targets(&post.settings, &post.media).map_err(ProviderError::bad)?;
        let mut first = None;
        let mut uploaded: Option<Uploaded> = None;
        for t in targets {
            if matches!(t.kind.as_str(), "image" | "video") {
                let media = match uploaded.take() {
                    Some(u) => u,
                    None => {
                        self.upload_media(&auth.access_token, &post.media[0])
                            .await?
                    }
                };
                let published = self
                    .submit_media(&auth.access_token, &t, &media, &post.message)
                    .await?;
                uploaded = Some(media);
                first.get_or_insert(published);
                continue;
            }
            let mut form: Vec<(&str, &str)> = vec![
                ("api_type", "json"),
                ("sr", &t.sr),
                ("title", &t.title),
                ("kind", &t.kind),
            ];
            match (t.kind.as_str(), &t.url) {
                ("link", Some(u)) => form.push(("url", u)),
                _ => form.push(("text", &post.message)),
            }
            if let Some(f) = &t.flair {
                form.push(("flair_id", f));
            }
            let v = self
                .oauth_post(&auth.access_token, "/api/submit", &form)
                .await?;
            let d = &v["json"]["data"];
            let published = Published {
                id: d["id"].as_str().unwrap_or_default().to_string(),
                url: d["url"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{}/r/{}", self.web, t.sr)),
            };
            first.get_or_insert(published);
        }
        first.ok_or_else(|| ProviderError::bad("Please pick at least one subreddit"))
    }

    async fn tool(&self, auth: &ChannelAuth, name: &str, data: &Value) -> ProviderResult<Value> {
        match name {
            "subreddits" => {
                super::reddit_tools::subreddits(&self.http, &self.api, &auth.access_token, data)
                    .await
            }
            "restrictions" => {
                super::reddit_tools::restrictions(&self.http, &self.api, &auth.access_token, data)
                    .await
            }
            other => Err(ProviderError::bad(format!("Unknown function {other}"))),
        }
    }

    async fn comment(
        &self,
        auth: &ChannelAuth,
        root_id: &str,
        reply_to: &str,
        post: &PostDetails,
    ) -> ProviderResult<Published> {
        let thing = if reply_to == root_id {
            format!("t3_{root_id}")
        } else {
            format!("t1_{reply_to}")
        };
        let v = self
            .oauth_post(
                &auth.access_token,
                "/api/comment",
                &[
                    ("api_type", "json"),
                    ("thing_id", &thing),
                    ("text", &post.message),
                ],
            )
            .await?;
        let c = &v["json"]["data"]["things"][0]["data"];
        Ok(Published {
            id: c["id"].as_str().unwrap_or_default().to_string(),
            url: format!(
                "{}{}",
                self.web,
                c["permalink"].as_str().unwrap_or_default()
            ),
        })
    }
}
