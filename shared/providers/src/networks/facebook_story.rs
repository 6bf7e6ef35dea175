//! Facebook Page stories: each media of the post becomes its own story. Every file goes up
//! first (unpublished photos; videos through a video-story upload session, fetched by
//! Facebook from their URL), then the stories are published one at a time, so a refused file
//! publishes nothing. A story refused after an earlier one went out is an unknown outcome:
//! resending would publish the earlier ones twice.

use serde_json::{json, Value};

use crate::error::{ProviderError, ProviderResult};
use crate::http::{ErrorMapper, Http};
use crate::types::{Media, MediaKind, Published};

/// Postiz's words when part of a story may already be on the page.
const PARTLY_PUBLISHED: &str = "Facebook may have already published part of the story, please check your page before posting again to avoid duplicates";

/// The stories of one post on one page.
pub(super) struct Stories<'a> {
    /// The HTTP client.
    pub http: &'a Http,
    /// Graph API base, `…/v20.0`.
    pub graph: &'a str,
    /// Web base for story links.
    pub web: &'a str,
    /// The page.
    pub page: &'a str,
    /// The page token.
    pub token: &'a str,
    /// Graph error bodies.
    pub map: ErrorMapper,
}

/// A file uploaded and not yet published.
enum Uploaded {
    Photo(String),
    Video(String),
}

impl Stories<'_> {
    /// Publishes one story per media; the release is the last story.
    pub async fn publish(&self, media: &[Media]) -> ProviderResult<Published> {
        let mut uploaded = Vec::with_capacity(media.len());
        for m in media {
            uploaded.push(match m.kind {
                MediaKind::Image => self.upload_photo(m).await?,
                MediaKind::Video => self.upload_video(m).await?,
            });
        }
        let mut last = None;
        for (index, item) in uploaded.iter().enumerate() {
            match self.publish_one(item).await {
                Ok(id) => last = Some(id),
                Err(e) if index > 0 => {
                    tracing::warn!(error = %e, "a Facebook story after the first was refused");
                    return Err(ProviderError::Unknown(PARTLY_PUBLISHED.into()));
                }
                Err(e) => return Err(e),
            }
        }
        let id = last.ok_or_else(|| ProviderError::bad("Story should have at least one media"))?;
        Ok(Published {
            url: format!("{}/stories/{id}", self.web),
            id,
        })
    }

    async fn upload_photo(&self, m: &Media) -> ProviderResult<Uploaded> {
        let v = self
            .call("photos", json!({"url": m.url, "published": false}))
            .await?;
        Ok(Uploaded::Photo(field(&v, "id")?))
    }

    async fn upload_video(&self, m: &Media) -> ProviderResult<Uploaded> {
        let session = self
            .call("video_stories", json!({"upload_phase": "start"}))
            .await?;
        let video = field(&session, "video_id")?;
        let upload_url = field(&session, "upload_url")?;
        let req = self
            .http
            .client()
            .post(upload_url)
            .header("Authorization", format!("OAuth {}", self.token))
            .header("file_url", &m.url);
        self.http.send(req, self.map).await?;
        Ok(Uploaded::Video(video))
    }

    /// Publishes one uploaded file as a story; its post id.
    async fn publish_one(&self, item: &Uploaded) -> ProviderResult<String> {
        let v = match item {
            Uploaded::Photo(id) => self.call("photo_stories", json!({"photo_id": id})).await?,
            Uploaded::Video(id) => {
                let body = json!({"upload_phase": "finish", "video_id": id});
                self.call("video_stories", body).await?
            }
        };
        field(&v, "post_id")
    }

    /// `POST <graph>/<page>/<edge>` with the page token.
    async fn call(&self, edge: &str, body: Value) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}/{}/{edge}", self.graph, self.page))
            .query(&[("access_token", self.token)])
            .json(&body);
        self.http.json(req, self.map).await
    }
}

fn field(v: &Value, name: &str) -> ProviderResult<String> {
    v[name]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Unknown(format!("Facebook answered without {name}: {v}")))
}
