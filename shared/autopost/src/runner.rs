//! One run of one autopost: read the feed, find the items not seen yet, make each into drafts
//! (one per channel, at the next free slot, `creationMethod: AUTOPOST`), remember them.
//!
//! Drafts get ids derived from (autopost, item, channel): a run that dies midway and is made
//! again, or two runs at once, edit the same drafts instead of creating them twice.

use postiz_ai::Ai;
use postiz_core::{Clock, Result};
use postiz_fetch::GuardedFetcher;
use postiz_media::MediaService;
use postiz_posts::request::CreatePost;
use postiz_posts::Posts;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use crate::feed::{self, FeedItem, Read};
use crate::model::{AutoPost, FeedState};
use crate::repo::AutopostRepo;

/// New items made into drafts in one run at most (the newest); older unseen ones are
/// remembered without drafts.
pub const MAX_NEW_PER_RUN: usize = 20;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Items of the feed.
    pub items: usize,
    /// Items not seen before.
    pub new_items: usize,
    /// Drafts created (one per item and channel).
    pub drafts: usize,
    /// The feed answered 304.
    pub not_modified: bool,
    /// Why the run stopped early (inactive, deleted, the feed failed...).
    pub skipped: Option<String>,
}

/// Runs autoposts.
#[derive(Clone)]
pub struct Runner {
    repo: AutopostRepo,
    posts: Posts,
    fetcher: GuardedFetcher,
    clock: Arc<dyn Clock>,
    ai: Option<Ai>,
    media: Option<MediaService>,
    /// With billing on, a plan without RSS autopost stops the organization's feeds.
    billing: postiz_billing::Billing,
}

impl Runner {
    /// A runner creating drafts through `posts`; `ai` (and `media` for pictures) when AI is on.
    pub fn new(
        repo: AutopostRepo,
        posts: Posts,
        clock: Arc<dyn Clock>,
        ai: Option<Ai>,
        media: Option<MediaService>,
    ) -> Self {
        Self {
            billing: postiz_billing::Billing::from_env(postiz_billing::BillingRepo::new(
                posts.repo.table().clone(),
            )),
            repo,
            posts,
            fetcher: GuardedFetcher::new(feed::feed_policy()),
            clock,
            ai,
            media,
        }
    }

    /// The same runner reading feeds with `fetcher` (tests: another policy).
    pub fn with_fetcher(mut self, fetcher: GuardedFetcher) -> Self {
        self.fetcher = fetcher;
        self
    }

    /// The fetcher feeds are read with.
    pub fn fetcher(&self) -> &GuardedFetcher {
        &self.fetcher
    }

    /// Runs the autopost `id` of `org`. A feed that cannot be read is recorded in the state
    /// (and reported), not an error; `Err` is a store failure (the message comes back).
    pub async fn run(&self, org: &str, id: &str) -> Result<RunReport> {
        let Some(autopost) = self.repo.get(org, id).await? else {
            return Ok(skipped("no such autopost"));
        };
        if !autopost.active {
            return Ok(skipped("inactive"));
        }
        // As Postiz: a plan without RSS autopost (FREE after a cancellation) stops the feed.
        if self.billing.enabled() && !self.billing.plan(org).await?.tier.plan().auto_post {
            let mut stopped = autopost.clone();
            stopped.active = false;
            stopped.updated_at = self.clock.now();
            self.repo.put(&stopped).await?;
            tracing::info!(autopost = %id, "feed switched off: the plan does not include RSS autopost");
            return Ok(skipped("the plan does not include RSS autopost"));
        }
        let (mut state, version) = self.repo.state(id).await?;
        let now = self.clock.now();
        state.last_run_at = Some(now);
        let read = feed::read(
            &self.fetcher,
            &autopost.url,
            state.etag.as_deref(),
            state.last_modified.as_deref(),
        )
        .await;
        let (items, etag, last_modified) = match read {
            Ok(Read::NotModified) => {
                state.last_error = None;
                self.repo.save_state(id, &state, version).await?;
                return Ok(RunReport {
                    not_modified: true,
                    ..RunReport::default()
                });
            }
            Ok(Read::Items {
                items,
                etag,
                last_modified,
            }) => (items, etag, last_modified),
            Err(e) => {
                tracing::info!(autopost = %id, error = %e, "feed not read");
                state.last_error = Some(e.to_string());
                self.repo.save_state(id, &state, version).await?;
                return Ok(skipped(&e.to_string()));
            }
        };
        let fresh = self.unseen(&autopost, &state, &items);
        let mut report = RunReport {
            items: items.len(),
            new_items: fresh.len(),
            ..RunReport::default()
        };
        let channels = self.channels(&autopost).await?;
        let take_from = fresh.len().saturating_sub(MAX_NEW_PER_RUN);
        for item in &fresh[take_from..] {
            if channels.is_empty() {
                break;
            }
            match self.draft(&autopost, item, &channels).await {
                Ok(n) => report.drafts += n,
                Err(e) => {
                    tracing::warn!(autopost = %id, link = %item.link, error = %e, "no draft for a feed item")
                }
            }
        }
        for item in &items {
            state.remember(&item.key);
        }
        state.primed = true;
        state.etag = etag;
        state.last_modified = last_modified;
        state.last_error = None;
        state.created += report.drafts as u64;
        if !self.repo.save_state(id, &state, version).await? {
            tracing::info!(autopost = %id, "another run saved the feed's state first");
        }
        if let Some(newest) = items.last().filter(|i| !i.link.is_empty()) {
            if autopost.last_url.as_deref() != Some(newest.link.as_str()) {
                let mut changed = autopost.clone();
                changed.last_url = Some(newest.link.clone());
                self.repo.put(&changed).await?;
            }
        }
        tracing::info!(autopost = %id, items = report.items, new_items = report.new_items,
            drafts = report.drafts, "autopost run");
        Ok(report)
    }

    /// The items to make into drafts, oldest first. The first run settles what the feed holds
    /// already: the items after the `lastUrl` the web app's test returned, or only the newest
    /// one (`syncLast`, or no `lastUrl`), as Postiz posts only the newest; later runs take
    /// every item not seen before.
    fn unseen<'a>(
        &self,
        a: &AutoPost,
        state: &FeedState,
        items: &'a [FeedItem],
    ) -> Vec<&'a FeedItem> {
        if state.primed {
            return items.iter().filter(|i| !state.has_seen(&i.key)).collect();
        }
        let last = a
            .last_url
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty());
        match last {
            Some(url) if !a.sync_last => match items.iter().rposition(|i| i.link == url) {
                Some(at) => items[at + 1..].iter().collect(),
                None => Vec::new(),
            },
            _ => items.last().into_iter().collect(),
        }
    }

    /// The channels of the drafts: the listed ones still live and enabled, or all of those.
    async fn channels(&self, a: &AutoPost) -> Result<Vec<(String, String)>> {
        let live = self.posts.channels().repo.list(&a.organization_id).await?;
        Ok(live
            .into_iter()
            .filter(|c| !c.disabled && !c.in_between_steps)
            .filter(|c| a.integrations.is_empty() || a.integrations.contains(&c.id))
            .map(|c| (c.id, c.provider_identifier))
            .collect())
    }

    /// The drafts of one item; how many.
    async fn draft(
        &self,
        a: &AutoPost,
        item: &FeedItem,
        channels: &[(String, String)],
    ) -> Result<usize> {
        let text = self.text(a, item).await;
        let content = if item.link.is_empty() {
            text
        } else if text.is_empty() {
            item.link.clone()
        } else {
            format!("{text}\n\n{}", item.link)
        };
        let html: String = content
            .split('\n')
            .map(|line| format!("<p>{}</p>", escape(line)))
            .collect();
        let image = self.picture(a, item).await;
        let slot = self.posts.find_slot(&a.organization_id, None).await?;
        let date = slot["date"].as_str().unwrap_or_default().to_string();
        let posts: Vec<_> = channels
            .iter()
            .map(|(channel, provider)| {
                json!({
                    "integration": {"id": channel},
                    "settings": {"__type": provider},
                    "value": [{
                        "id": draft_id(&a.id, &item.key, channel),
                        "content": html,
                        "image": image.iter().collect::<Vec<_>>(),
                    }],
                })
            })
            .collect();
        let request: CreatePost = serde_json::from_value(json!({
            "type": "draft", "date": date, "shortLink": false, "tags": [], "posts": posts,
        }))
        .map_err(|e| postiz_core::Error::internal(format!("autopost draft: {e}")))?;
        let created = self
            .posts
            .create(&a.organization_id, request, "AUTOPOST")
            .await?;
        Ok(created.as_array().map_or(0, Vec::len))
    }

    /// The post text: the AI's (`generateContent`, AI on), else the configured content, else
    /// the item's title.
    async fn text(&self, a: &AutoPost, item: &FeedItem) -> String {
        let description = if item.text.is_empty() {
            &item.title
        } else {
            &item.text
        };
        if a.generate_content {
            if let Some(ai) = &self.ai {
                match postiz_ai::autopost_text(ai, description).await {
                    Ok(t) => return t,
                    Err(e) => tracing::warn!(error = %e, "autopost text not written by the AI"),
                }
            }
        }
        a.content
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .unwrap_or_else(|| item.title.clone())
    }

    /// An AI picture in the media library (`addPicture`, AI on).
    async fn picture(&self, a: &AutoPost, item: &FeedItem) -> Option<serde_json::Value> {
        if !a.add_picture {
            return None;
        }
        let (ai, media) = (self.ai.as_ref()?, self.media.as_ref()?);
        let description = if item.text.is_empty() {
            &item.title
        } else {
            &item.text
        };
        let picture = match postiz_ai::autopost_picture(ai, description).await {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "autopost picture not drawn");
                return None;
            }
        };
        match postiz_tools::store_picture(media, &a.organization_id, &picture).await {
            Ok(m) => Some(json!({"id": m.id, "path": m.path})),
            Err(e) => {
                tracing::warn!(error = %e, "autopost picture not stored");
                None
            }
        }
    }
}

fn skipped(why: &str) -> RunReport {
    RunReport {
        skipped: Some(why.to_string()),
        ..RunReport::default()
    }
}

/// The id of the draft of `item` on `channel`, shaped as a UUID.
pub fn draft_id(autopost: &str, item: &str, channel: &str) -> String {
    let d = Sha256::digest(format!("{autopost}\n{item}\n{channel}").as_bytes());
    let h = hex::encode(&d[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
