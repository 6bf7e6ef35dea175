//! What the public API adds to the posts rules: its list shape, deletion by post id, status
//! and settings changes, release ids, and (beyond Postiz) one post's outcome and edits of
//! posts not published yet.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use postiz_core::{Error, Result};
use serde_json::{json, Map, Value};

use crate::calendar;
use crate::model::{Post, PostState};
use crate::request::{ChannelPost, CreatePost, IntegrationRef, MessageValue};
use crate::service::Posts;
use crate::views;

/// Edits of `PUT /public/v1/posts/:id` (our extension): new root content and/or date.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PostEdit {
    /// New HTML content of the root message.
    #[serde(default)]
    pub content: Option<String>,
    /// New publish date (ISO 8601).
    #[serde(default)]
    pub date: Option<String>,
}

fn not_found() -> Error {
    Error::Refused {
        status: 404,
        msg: "Post not found".into(),
    }
}

/// The request form of a stored post, for the provider checks.
fn entry_of(p: &Post) -> ChannelPost {
    ChannelPost {
        integration: IntegrationRef {
            id: p.integration_id.clone(),
        },
        group: Some(p.group.clone()),
        settings: p.settings.clone(),
        value: p
            .parts
            .iter()
            .map(|m| MessageValue {
                id: Some(m.id.clone()),
                content: m.content.clone(),
                delay: Some(m.delay),
                image: m.image.clone(),
            })
            .collect(),
    }
}

/// An instant as the wall-clock UTC time Postiz's bodies carry (`YYYY-MM-DDTHH:mm:ss`).
pub(crate) fn wall_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Posts {
    /// `GET /public/v1/posts`: the window's entries in the public shape, as JSON text
    /// `{"posts": [...]}`.
    pub async fn public_list(
        &self,
        org: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        customer: Option<&str>,
    ) -> Result<Bytes> {
        let key = format!("pub\n{org}\n{start}\n{end}\n{}", customer.unwrap_or(""));
        self.kept(key, async {
            let w = self.window(org, start, end, customer).await?;
            let shared = calendar::Fragments::public(w.channels.values(), &w.tags);
            w.write_json(&self.repo, "posts", |row, c, actual, out| {
                serde_json::to_writer(out, &calendar::public_item(row, c, &shared, actual))
            })
            .await
        })
        .await
    }

    /// The public API's first checks of `POST /public/v1/posts`: every entry names a channel
    /// of the org (in Postiz's words); `settings.__type` is the channel's provider.
    pub async fn prepare_public(&self, org: &str, req: &mut CreatePost) -> Result<()> {
        if req.posts.iter().any(|p| p.integration.id.trim().is_empty()) {
            return Err(Error::BadRequest(
                "All posts must have an integration id".into(),
            ));
        }
        for p in &mut req.posts {
            let c = match self.channels.repo.get(org, &p.integration.id).await? {
                Some(c) if c.deleted_at.is_none() => c,
                _ => {
                    return Err(Error::BadRequest(format!(
                        "Integration with id {} not found",
                        p.integration.id
                    )))
                }
            };
            let mut settings = match std::mem::take(&mut p.settings) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            settings.insert("__type".into(), json!(c.provider_identifier));
            p.settings = Value::Object(settings);
        }
        Ok(())
    }

    async fn live(&self, org: &str, id: &str) -> Result<Post> {
        match self.repo.get(org, id).await? {
            Some(p) if p.deleted_at.is_none() => Ok(p),
            _ => Err(not_found()),
        }
    }

    async fn store(&self, p: &mut Post) -> Result<()> {
        p.updated_at = self.clock.now();
        if !self.repo.save(p).await? {
            return Err(Error::Conflict(
                "The post changed meanwhile; reload and try again".into(),
            ));
        }
        if self.dispatcher.is_due(p) {
            if let Err(e) = self.dispatcher.dispatch(p).await {
                tracing::warn!(post_id = %p.id, error = %e, "immediate dispatch failed");
            }
        }
        Ok(())
    }

    /// `DELETE /public/v1/posts/:id`: deletes the post's thread; `{"error":true}` as Postiz.
    pub async fn delete_post(&self, org: &str, id: &str) -> Result<Value> {
        let p = self.live(org, id).await?;
        self.delete_group(org, &p.group).await
    }

    /// `DELETE /public/v1/posts/group/:group`: `{"error":true}`; 404 when no post of the
    /// organization has that group (Postiz answers 200 for any group).
    pub async fn delete_public_group(&self, org: &str, group: &str) -> Result<Value> {
        match self.delete_group(org, group).await {
            Err(Error::NotFound(_)) => Err(not_found()),
            other => other,
        }
    }

    /// The statistics of a post of the organization over `days`: `{missing: true}` when it
    /// was published without the network's id, `[]` before it is published or for networks
    /// without statistics; 404 for a post it does not have.
    pub async fn post_analytics(&self, org: &str, id: &str, days: u32) -> Result<Value> {
        let p = self.live(org, id).await?;
        match p.root().release_id.as_deref() {
            Some("missing") => Ok(json!({"missing": true})),
            Some(release) if !release.is_empty() => {
                match self
                    .channels
                    .post_stats(org, &p.integration_id, &p.id, release, days)
                    .await
                {
                    // The channel was deleted since: no statistics to read.
                    Err(Error::NotFound(_)) => Ok(json!([])),
                    other => other,
                }
            }
            _ => Ok(json!([])),
        }
    }

    /// `PUT /public/v1/posts/:id/status`: `draft` takes a post out of the queue, `schedule`
    /// queues a draft or retries a failed post (messages already accepted are not resent).
    pub async fn set_status(&self, org: &str, id: &str, status: &str) -> Result<Value> {
        let target = match status {
            "draft" => PostState::Draft,
            "schedule" => PostState::Queue,
            _ => {
                return Err(Error::invalid(
                    "status must be one of the following values: draft, schedule",
                ))
            }
        };
        let mut p = match self.repo.get(org, id).await? {
            Some(p) if p.deleted_at.is_none() => p,
            _ => return Err(Error::BadRequest("Post not found".into())),
        };
        match p.state {
            PostState::Publishing => {
                return Err(Error::Conflict(
                    "This post is being published right now; try again in a minute".into(),
                ))
            }
            PostState::Published => {
                return Err(Error::BadRequest(
                    "This post was already published; create a new post to publish it again".into(),
                ))
            }
            _ => {}
        }
        if p.state != target {
            let now = self.clock.now();
            if target == PostState::Queue {
                let c = self.channel(org, &p.integration_id).await?;
                let provider = self.provider(&c)?;
                let check = self.check_entry(&c, provider.as_ref(), &entry_of(&p));
                if let Some(m) = check.settings_error.or(check.error) {
                    return Err(Self::refuse(&c, m));
                }
                if p.state == PostState::Error {
                    // A retry: messages the network accepted stay; the others go again.
                    p.round += 1;
                    p.error = None;
                    for m in p.parts.iter_mut().filter(|m| m.release_id.is_none()) {
                        m.sending_since = None;
                    }
                }
                p.attempts = 0;
                p.lease_token = None;
                p.lease_until = None;
                p.due_at = Some(p.publish_date.max(now));
            } else {
                p.due_at = None;
            }
            p.repeat_at = None; // a round starting or stopped by hand plans its own successor
            p.state = target;
            self.store(&mut p).await?;
        }
        Ok(json!({"id": p.id, "state": p.state.as_str()}))
    }

    /// `PUT /public/v1/posts/:id/settings`: merges keys into the provider settings of a
    /// queued post or draft; `__type` stays the channel's provider.
    pub async fn merge_settings(&self, org: &str, id: &str, settings: &Value) -> Result<Value> {
        let Value::Object(changes) = settings else {
            return Err(Error::invalid("settings must be an object"));
        };
        let mut p = match self.repo.get(org, id).await? {
            Some(p) if p.deleted_at.is_none() => p,
            _ => return Err(Error::NotFound("Post not found".into())),
        };
        if !matches!(p.state, PostState::Queue | PostState::Draft) {
            return Err(Error::BadRequest(
                "Only scheduled posts that were not published yet (or drafts) can be updated"
                    .into(),
            ));
        }
        let now = self.clock.now();
        if p.state == PostState::Queue && p.publish_date < now {
            return Err(Error::BadRequest(
                "The publish time of this post already passed, it cannot be updated".into(),
            ));
        }
        let c = self.channel(org, &p.integration_id).await?;
        let mut merged = match std::mem::take(&mut p.settings) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        merged.extend(changes.clone());
        merged.insert("__type".into(), json!(c.provider_identifier));
        p.settings = Value::Object(merged);
        if p.state == PostState::Queue {
            let provider = self.provider(&c)?;
            let check = self.check_entry(&c, provider.as_ref(), &entry_of(&p));
            if let Some(m) = check.settings_error.or(check.error) {
                return Err(Error::BadRequest(format!("{}: {m}", c.name)));
            }
        }
        self.store(&mut p).await?;
        Ok(json!({"postId": p.id, "publishDate": wall_time(p.publish_date)}))
    }

    /// `PUT /public/v1/posts/:id/release-id`: records the network's id of a post published
    /// without one (`releaseId` "missing"); returns the post's row.
    pub async fn set_release_id(&self, org: &str, id: &str, release_id: &str) -> Result<Value> {
        let release_id = release_id.trim();
        if release_id.is_empty() {
            return Err(Error::invalid("releaseId should not be empty"));
        }
        let mut p = self.live(org, id).await?;
        if p.root().release_id.as_deref() != Some("missing") {
            return Err(Error::BadRequest(
                "Only a post whose release id is missing can be connected".into(),
            ));
        }
        p.parts[0].release_id = Some(release_id.to_string());
        self.store(&mut p).await?;
        let c = self.channels.repo.get(org, &p.integration_id).await?;
        Ok(views::thread(&p, c.as_ref())["posts"][0].clone())
    }

    /// `GET /public/v1/posts/:id/missing`: the network's recent content to pick a release id
    /// from. No provider here offers that list yet, so it is empty, as Postiz answers then.
    pub async fn missing(&self, org: &str, id: &str) -> Result<Value> {
        self.live(org, id).await?;
        Ok(json!([]))
    }

    /// `GET /public/v1/posts/:id` (extension): the post with its real state and error.
    pub async fn public_post(&self, org: &str, id: &str) -> Result<Value> {
        let p = self.live(org, id).await?;
        let c = self.channels.repo.get(org, &p.integration_id).await?;
        Ok(views::public_post(&p, c.as_ref()))
    }

    /// `PUT /public/v1/posts/:id` (extension): new content and/or date for a post that was
    /// not published (draft, queued or failed); its state does not change.
    pub async fn edit_post(&self, org: &str, id: &str, edit: PostEdit) -> Result<Value> {
        let date = match edit.date.as_deref() {
            Some(d) => Some(
                crate::request::parse_date(d)
                    .ok_or_else(|| Error::invalid("date must be a valid ISO 8601 date string"))?,
            ),
            None => None,
        };
        if edit.content.is_none() && date.is_none() {
            return Err(Error::invalid("content or date must be given"));
        }
        let mut p = self.live(org, id).await?;
        match p.state {
            PostState::Publishing => {
                return Err(Error::Conflict(
                    "This post is being published right now; try again in a minute".into(),
                ))
            }
            PostState::Published => {
                return Err(Error::BadRequest(
                    "This post was already published and cannot be edited".into(),
                ))
            }
            _ => {}
        }
        let c = self.channel(org, &p.integration_id).await?;
        if let Some(content) = &edit.content {
            p.parts[0].content = crate::format::sanitize(content);
        }
        let provider = self.provider(&c)?;
        let check = self.check_entry(&c, provider.as_ref(), &entry_of(&p));
        if check.empty {
            return Err(Self::refuse(&c, "The post should not be empty".into()));
        }
        if p.state != PostState::Draft {
            if let Some(m) = check.error {
                return Err(Self::refuse(&c, m));
            }
            if check.too_long {
                return Err(Self::refuse(
                    &c,
                    format!("The post is too long (at most {} characters)", check.max),
                ));
            }
        }
        if let Some(d) = date {
            p.publish_date = d;
            if p.state == PostState::Queue {
                p.due_at = Some(d.max(self.clock.now()));
            }
        }
        self.store(&mut p).await?;
        Ok(views::public_post(&p, Some(&c)))
    }
}
