//! What the web app shows of posts outside the editor: the public preview of a post and its
//! comments (a link anyone may open), the picker of older posts, short-link statistics and
//! the platform administrators' debug export.

use chrono::{DateTime, Utc};
use postiz_core::validate::is_plausible_id;
use postiz_core::{Error, Result};
use postiz_integrations::Channel;
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::model::Post;
use crate::repo::iso;
use crate::service::Posts;
use crate::views;

/// Most posts `GET /posts/old` answers (Postiz answers the whole history).
pub const OLD_POSTS_MAX: usize = 200;

/// The channel fields the preview shows.
fn preview_channel(c: &Channel) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "picture": c.picture_or_default(),
        "providerIdentifier": c.provider_identifier,
        "profile": c.profile,
    })
}

/// The rows of a thread as the preview reads them: the editor's rows, with `image` as the
/// JSON string Postiz stores (the page parses it) and each row's channel.
fn preview_rows(p: &Post, c: &Channel) -> Value {
    let mut rows = views::thread(p, Some(c))["posts"].take();
    for row in rows.as_array_mut().into_iter().flatten() {
        row["image"] = Value::String(row["image"].to_string());
        row["integration"] = preview_channel(c);
    }
    rows
}

impl Posts {
    /// The live post of a preview link and its channel, whatever the organization.
    async fn shared_post(&self, id: &str) -> Result<Option<(Post, Channel)>> {
        if !is_plausible_id(id) {
            return Ok(None);
        }
        let Some(org) = self.repo.org_of(id).await? else {
            return Ok(None);
        };
        let Some(p) = self
            .repo
            .get(&org, id)
            .await?
            .filter(|p| p.deleted_at.is_none())
        else {
            return Ok(None);
        };
        // The repository answers live channels only.
        let channel = self.channels.repo.get(&org, &p.integration_id).await?;
        Ok(channel.map(|c| (p, c)))
    }

    /// `GET /public/posts/:id` (no session: the id is the link): the thread's rows with
    /// their channel, or `[]` (the page then says "Post not found").
    pub async fn preview(&self, id: &str) -> Result<Value> {
        Ok(match self.shared_post(id).await? {
            Some((p, c)) => preview_rows(&p, &c),
            None => json!([]),
        })
    }

    /// `GET /public/posts/:id/comments`: the team's comments on a shared post.
    pub async fn preview_comments(&self, id: &str) -> Result<Value> {
        let comments = match self.shared_post(id).await? {
            Some((p, _)) => self
                .repo
                .comments(&p.organization_id, &p.id)
                .await?
                .iter()
                .map(views::comment)
                .collect(),
            None => Vec::new(),
        };
        Ok(json!({ "comments": comments }))
    }

    /// `GET /posts/old?date=`: the org's posts dated at or before `date` on channels that
    /// can publish (not disabled, not waiting for a page pick or a reconnection), newest
    /// first, at most [`OLD_POSTS_MAX`].
    pub async fn old_posts(&self, org: &str, date: DateTime<Utc>) -> Result<Value> {
        let channels: HashMap<String, Channel> = self
            .channels
            .repo
            .list(org)
            .await?
            .into_iter()
            .filter(|c| !c.disabled && !c.in_between_steps && !c.refresh_needed)
            .map(|c| (c.id.clone(), c))
            .collect();
        let posts = self
            .repo
            .before(org, date, OLD_POSTS_MAX, &mut |p| {
                channels.contains_key(&p.integration_id)
            })
            .await?;
        let rows: Vec<Value> = posts
            .iter()
            .filter_map(|p| {
                let c = channels.get(&p.integration_id)?;
                Some(json!({
                    "id": p.id,
                    "content": p.root().content,
                    "publishDate": iso(p.publish_date),
                    "releaseURL": p.root().release_url,
                    "state": p.state.as_str(),
                    "integration": {
                        "id": c.id,
                        "name": c.name,
                        "providerIdentifier": c.provider_identifier,
                        "picture": c.picture_or_default(),
                        "type": "social",
                    },
                }))
            })
            .collect();
        Ok(Value::Array(rows))
    }

    /// `GET /posts/:id/statistics`: `{clicks: [{short, original, clicks}]}` for the short
    /// links in the post's thread that the organization made (none when short links are
    /// off, as Postiz answers without a provider).
    pub async fn statistics(&self, org: &str, id: &str) -> Result<Value> {
        if !is_plausible_id(id) {
            return Err(Error::NotFound("Post not found".into()));
        }
        let post = self.get(org, id).await?;
        let texts: Vec<String> = post.parts.iter().map(|m| m.content.clone()).collect();
        Ok(json!({ "clicks": self.short_links.statistics(org, &texts).await? }))
    }

    /// `GET /posts/group/:group/debug-export` (platform administrators; 403 otherwise): the
    /// group as a body `POST /posts` accepts again, with what went wrong under `_debug`.
    pub async fn debug_export(
        &self,
        org: &str,
        group: &str,
        platform_admin: bool,
    ) -> Result<Value> {
        if !platform_admin {
            return Err(Error::Forbidden("Forbidden".into()));
        }
        if !is_plausible_id(group) {
            return Err(Error::NotFound("Post not found".into()));
        }
        let p = match self.repo.by_group(org, group).await? {
            Some(p) if p.deleted_at.is_none() => p,
            _ => return Err(Error::NotFound("Post not found".into())),
        };
        let (c, known) = tokio::try_join!(
            self.channels.repo.get(org, &p.integration_id),
            self.repo.tags(org)
        )?;
        // As the editor sends them (`{value, label}`), so the export can be posted back.
        let tags: Vec<Value> = views::post_tags(&p, &known)
            .map(|t| json!({"value": t.id, "label": t.name}))
            .collect();
        let value: Vec<Value> = p
            .parts
            .iter()
            .map(|m| json!({"id": m.id, "content": m.content, "delay": m.delay, "image": m.image}))
            .collect();
        Ok(json!({
            "type": if p.state == crate::model::PostState::Draft { "draft" } else { "schedule" },
            "date": crate::public::wall_time(p.publish_date),
            "shortLink": p.short_link,
            "tags": tags,
            "posts": [{
                "integration": {"id": p.integration_id},
                "group": p.group,
                "settings": p.settings,
                "value": value,
            }],
            "_debug": {
                "postId": p.id,
                "state": p.state.as_str(),
                "error": p.error,
                "releaseURL": p.root().release_url,
                "releaseId": p.root().release_id,
                "publishDate": iso(p.publish_date),
                "creationMethod": p.creation_method,
                "provider": c.as_ref().map(|c| c.provider_identifier.clone()),
                "channelName": c.as_ref().map(|c| c.name.clone()),
                "thread": views::thread(&p, c.as_ref()),
            },
        }))
    }
}
