//! The rules of posts: validation per channel, create/edit/schedule/draft, the republish
//! guard, the calendar and list views, rescheduling, deletion, free slots, tags, comments.

use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use postiz_core::{new_id, Clock, Error, Result};
use postiz_integrations::{Channel, Channels};
use postiz_providers::{Media, MediaKind, PostDetails, Provider};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

use crate::calendar::{self, Row};
use crate::dispatch::Dispatcher;
use crate::format::{plain_text, to_format};
use crate::model::{Comment, MediaRef, Part, Post, PostState, Tag};
use crate::repo::PostRepo;
use crate::request::{ChannelPost, CreatePost, Kind};
use crate::views;
use postiz_storage::answer_cache::AnswerCache;
use postiz_webhooks::{EventKind, Events};

/// The windows `find_slot` reads one after another (days; a year and a day in all).
const SLOT_WINDOWS_DAYS: [i64; 4] = [7, 30, 90, 240];
/// Result of checking one channel's entry (`POST /posts/valid`).
#[derive(Debug, Clone, PartialEq)]
pub struct EntryCheck {
    /// Provider settings are acceptable.
    pub settings_error: Option<String>,
    /// First message the provider's rules refuse.
    pub error: Option<String>,
    /// Some message has neither text nor media.
    pub empty: bool,
    /// Some message is over the limit.
    pub too_long: bool,
    /// The limit.
    pub max: usize,
}

/// The posts service.
#[derive(Clone)]
pub struct Posts {
    /// Storage access.
    pub repo: PostRepo,
    pub(crate) channels: Arc<Channels>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) dispatcher: Dispatcher,
    restrict_domain: Option<String>,
    /// Calendar answers kept while the table is unchanged (`CALENDAR_CACHE=off` disables).
    answers: Option<Arc<AnswerCache<Bytes>>>,
    /// The plan's monthly allowance of posts (billing; open while Stripe is off).
    billing: postiz_billing::Billing,
    /// Lifecycle events for outgoing webhooks.
    events: Events,
    /// Short links (`shortLink: true`) and their clicks.
    pub short_links: postiz_shortlinks::ShortLinks,
}

/// A calendar window with what is needed to show its posts (which are read as they are
/// shown, see [`Window::each_entry`]).
pub(crate) struct Window {
    org: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    repeating: Vec<Post>,
    pub(crate) channels: HashMap<String, Channel>,
    pub(crate) tags: Vec<Tag>,
}

/// Receives each calendar entry: the row, its channel, and the shown occurrence of a
/// repeating post when it is not the stored date.
pub(crate) type EntrySink<'s> =
    dyn FnMut(&Row<'_>, &Channel, Option<DateTime<Utc>>) -> Result<()> + Send + 's;

impl Window {
    /// Hands `emit` each entry to show: the stored posts dated in the window that do not
    /// repeat (decoded one at a time, straight from the store's bytes, in date order), then
    /// each repeating post once per occurrence in the window. Posts on channels not shown
    /// are skipped.
    pub(crate) async fn each_entry(&self, repo: &PostRepo, emit: &mut EntrySink<'_>) -> Result<()> {
        let mut failure = None;
        repo.visit_calendar(&self.org, self.start, self.end, &mut |bytes| {
            if failure.is_some() {
                return;
            }
            let shown = match Row::parse(bytes) {
                Ok(row) if row.interval_in_days.is_none() => {
                    match self.channels.get(row.integration_id.as_ref()) {
                        Some(c) => emit(&row, c, None),
                        None => Ok(()),
                    }
                }
                Ok(_) => Ok(()),
                Err(e) => Err(Error::internal(e)),
            };
            failure = shown.err();
        })
        .await?;
        if let Some(e) = failure {
            return Err(e);
        }
        for post in &self.repeating {
            let row = Row::of(post);
            let Some(c) = self.channels.get(row.integration_id.as_ref()) else {
                continue;
            };
            let days = row.interval_in_days.unwrap_or(1);
            let step = Duration::days(days.max(1));
            let mut at = row.publish_date;
            if at < self.start {
                let skip = (self.start - at).num_seconds() / step.num_seconds();
                at += step * skip as i32;
            }
            while at <= self.end {
                if at >= self.start {
                    emit(&row, c, (at != row.publish_date).then_some(at))?;
                }
                // The last representable date ends the series (no overflow near year 262142).
                let Some(next) = at.checked_add_signed(step) else {
                    break;
                };
                at = next;
            }
        }
        Ok(())
    }

    /// `{"<key>": [entries]}` as JSON text, each entry written by `entry` as it is read.
    pub(crate) async fn write_json(
        &self,
        repo: &PostRepo,
        key: &str,
        entry: impl Fn(&Row<'_>, &Channel, Option<DateTime<Utc>>, &mut Vec<u8>) -> serde_json::Result<()>
            + Send
            + Sync,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(64 * 1024);
        out.extend_from_slice(b"{\"");
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":[");
        let mut first = true;
        self.each_entry(repo, &mut |row, c, actual| {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            entry(row, c, actual, &mut out).map_err(Error::internal)
        })
        .await?;
        out.extend_from_slice(b"]}");
        Ok(out)
    }
}

/// A media reference as a provider needs it.
pub fn media_of(m: &MediaRef) -> Media {
    let bare = m
        .path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Media {
        kind: if bare.ends_with(".mp4") {
            MediaKind::Video
        } else {
            MediaKind::Image
        },
        url: m.path.clone(),
        alt: m.alt.clone(),
        thumbnail: m.thumbnail.clone().filter(|t| !t.is_empty()),
    }
}

pub(crate) fn editor_format(p: &dyn Provider) -> crate::format::Format {
    use crate::format::Format;
    match p.info().editor {
        postiz_providers::Editor::None => Format::None,
        postiz_providers::Editor::Normal => Format::Normal,
        postiz_providers::Editor::Markdown => Format::Markdown,
        postiz_providers::Editor::Html => Format::Html,
    }
}

/// The message a provider receives for a part (content converted to its editor format).
pub fn details_of(p: &dyn Provider, post: &Post, part: &Part, content: &str) -> PostDetails {
    PostDetails {
        id: part.id.clone(),
        message: to_format(content, editor_format(p)),
        settings: post.settings.clone(),
        media: part.image.iter().map(media_of).collect(),
    }
}

impl Posts {
    /// The channels service the posts rules work with.
    pub fn channels(&self) -> &Arc<Channels> {
        &self.channels
    }

    /// The service.
    pub fn new(
        repo: PostRepo,
        channels: Arc<Channels>,
        clock: Arc<dyn Clock>,
        dispatcher: Dispatcher,
        events: Events,
    ) -> Self {
        Self {
            events,
            short_links: postiz_shortlinks::ShortLinks::from_env(
                repo.table().clone(),
                clock.clone(),
            ),
            channels,
            clock,
            dispatcher,
            restrict_domain: std::env::var("RESTRICT_UPLOAD_DOMAINS").ok(),
            answers: (std::env::var("CALENDAR_CACHE").as_deref() != Ok("off"))
                .then(|| Arc::new(AnswerCache::default())),
            billing: postiz_billing::Billing::from_env(postiz_billing::BillingRepo::new(
                repo.table().clone(),
            )),
            repo,
        }
    }

    /// Refuses a post over the plan's monthly allowance (402, Postiz's `POSTS_PER_MONTH`).
    async fn check_allowance(&self, org: &str) -> Result<()> {
        let Some((since, allowance)) = self.billing.post_allowance(org, self.clock.now()).await?
        else {
            return Ok(());
        };
        if allowance == 0 || self.repo.count_for_plan(org, since).await? >= allowance as usize {
            return Err(self.billing.posts_refusal());
        }
        Ok(())
    }

    pub(crate) async fn channel(&self, org: &str, id: &str) -> Result<Channel> {
        match self.channels.repo.get(org, id).await? {
            Some(c) if c.deleted_at.is_none() => Ok(c),
            _ => Err(Error::BadRequest(format!("Channel {id} not found"))),
        }
    }

    pub(crate) fn provider(&self, c: &Channel) -> Result<Arc<dyn Provider>> {
        self.channels
            .providers()
            .get(&c.provider_identifier)
            .ok_or_else(|| Error::BadRequest(format!("Unknown provider {}", c.provider_identifier)))
    }

    /// Checks one channel's entry against its provider's rules (and the channel's own
    /// settings, such as X's "Verified" length).
    pub fn check_entry(&self, c: &Channel, p: &dyn Provider, entry: &ChannelPost) -> EntryCheck {
        let additional: Value = serde_json::from_str(&c.additional_settings).unwrap_or_default();
        let max = p.max_length(&entry.settings, &additional);
        let settings_error = entry
            .settings
            .get("__type")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty() && *t != p.info().identifier)
            .map(|t| format!("Settings of type {t} do not belong to {}", p.info().name))
            .or_else(|| {
                postiz_providers::rules::check_settings(p.info().identifier, &entry.settings).err()
            });
        let mut check = EntryCheck {
            settings_error,
            error: None,
            empty: false,
            too_long: false,
            max,
        };
        let mut thread = Vec::with_capacity(entry.value.len());
        for v in &entry.value {
            let text = plain_text(&v.content);
            if text.trim().is_empty() && v.image.is_empty() {
                check.empty = true;
            }
            let details = PostDetails {
                id: v.id.clone().unwrap_or_default(),
                message: to_format(&v.content, editor_format(p)),
                settings: entry.settings.clone(),
                media: v.image.iter().map(media_of).collect(),
            };
            if p.length(&details.message) > max {
                check.too_long = true;
            }
            if check.error.is_none() {
                let checked = if thread.is_empty() {
                    p.check(&details)
                } else {
                    p.check_comment(&details)
                };
                check.error = checked.err();
            }
            thread.push(details);
        }
        if check.error.is_none() {
            check.error = p.check_thread(&thread).err();
        }
        check
    }

    /// `POST /posts/valid`: one verdict per channel entry.
    pub async fn validate(&self, org: &str, entries: &[ChannelPost]) -> Result<Value> {
        let mut out = Vec::new();
        for e in entries {
            let c = self.channel(org, &e.integration.id).await?;
            let p = self.provider(&c)?;
            let ch = self.check_entry(&c, p.as_ref(), e);
            out.push(json!({
                "id": c.id, "identifier": c.provider_identifier, "name": c.name,
                "valid": ch.settings_error.is_none(),
                "settingsError": ch.settings_error,
                "errors": ch.error.map(Value::from).unwrap_or(Value::Bool(true)),
                "emptyContent": ch.empty, "tooLong": ch.too_long,
                "maximumCharacters": ch.max,
            }));
        }
        Ok(Value::Array(out))
    }

    pub(crate) fn refuse(c: &Channel, message: String) -> Error {
        Error::PostInvalid {
            provider: c.provider_identifier.clone(),
            name: c.name.clone(),
            message,
        }
    }

    /// `POST /posts`: creates or edits one post per channel entry; returns
    /// `[{postId, integration}]`. Every entry is checked before anything is written.
    pub async fn create(&self, org: &str, mut req: CreatePost, method: &str) -> Result<Value> {
        let kind = req.check_shape(self.restrict_domain.as_deref())?;
        self.check_allowance(org).await?;
        if req.short_link == Some(true) {
            self.shorten_links(org, &mut req).await?;
        }
        let now = self.clock.now();
        let when = req.when(kind, now)?;
        let mut plans = Vec::new();
        for e in &req.posts {
            let c = self.channel(org, &e.integration.id).await?;
            let p = self.provider(&c)?;
            let ch = self.check_entry(&c, p.as_ref(), e);
            if ch.empty {
                return Err(Self::refuse(&c, "The post should not be empty".into()));
            }
            if kind != Kind::Draft {
                if let Some(m) = ch.settings_error.or(ch.error) {
                    return Err(Self::refuse(&c, m));
                }
                if ch.too_long {
                    return Err(Self::refuse(
                        &c,
                        format!(
                            "The post is too long for {} (at most {} characters)",
                            p.info().name,
                            ch.max
                        ),
                    ));
                }
            }
            let existing = self.existing(org, e).await?;
            if let Some(old) = &existing {
                if old.state == PostState::Publishing {
                    return Err(Error::Conflict(
                        "This post is being published right now; try again in a minute".into(),
                    ));
                }
                if matches!(kind, Kind::Schedule | Kind::Now)
                    && old.state == PostState::Published
                    && !req.republish.unwrap_or(false)
                {
                    return Err(Error::BadRequest(
                        "This post was already published. Use type \"update\" to change it, or set republish: true to publish it again".into(),
                    ));
                }
            }
            plans.push((c, e, existing));
        }
        let tags = self.tag_names(org, &req).await?;
        let mut out = Vec::new();
        let mut used_groups: Vec<String> = Vec::new();
        for (c, e, existing) in plans {
            // Two entries naming the same group: only the first edits it.
            let existing = existing.filter(|o| !used_groups.contains(&o.group));
            let mut post = self.build(org, &c, e, existing, kind, when, &req, &tags, method, now);
            used_groups.push(post.group.clone());
            let event = if post.version == 0 {
                EventKind::Created
            } else {
                EventKind::Updated
            };
            if post.version == 0 {
                self.repo.create(&mut post).await?;
            } else if !self.repo.save(&mut post).await? {
                return Err(Error::Conflict(
                    "The post changed while it was being saved; reload and try again".into(),
                ));
            }
            if self.dispatcher.is_due(&post) {
                if let Err(e) = self.dispatcher.dispatch(&mut post).await {
                    // The scheduler sends it on its next run.
                    tracing::warn!(post_id = %post.id, error = %e, "immediate dispatch failed");
                }
            }
            self.events
                .emit(org, &c.id, event, views::webhook_post(&post, Some(&c)))
                .await;
            out.push(json!({"postId": post.id, "integration": c.id}));
        }
        Ok(Value::Array(out))
    }

    /// Replaces the links of every message by short links (each distinct URL once).
    async fn shorten_links(&self, org: &str, req: &mut CreatePost) -> Result<()> {
        let texts: Vec<String> = req
            .posts
            .iter()
            .flat_map(|e| e.value.iter().map(|v| v.content.clone()))
            .collect();
        let mut short = self.short_links.shorten_all(org, &texts).await?.into_iter();
        for v in req.posts.iter_mut().flat_map(|e| e.value.iter_mut()) {
            if let Some(t) = short.next() {
                v.content = t;
            }
        }
        Ok(())
    }

    async fn existing(&self, org: &str, e: &ChannelPost) -> Result<Option<Post>> {
        if let Some(g) = e.group.as_deref().filter(|g| !g.is_empty()) {
            if let Some(p) = self.repo.by_group(org, g).await? {
                if p.deleted_at.is_none() {
                    return Ok(Some(p));
                }
            }
        }
        if let Some(id) = e.value.first().and_then(|v| v.id.as_deref()) {
            if let Some(p) = self.repo.get(org, id).await? {
                if p.deleted_at.is_none() {
                    return Ok(Some(p));
                }
            }
        }
        Ok(None)
    }

    async fn tag_names(&self, org: &str, req: &CreatePost) -> Result<Vec<String>> {
        if req.tags.is_empty() {
            return Ok(Vec::new());
        }
        let known = self.repo.tags(org).await?;
        Ok(req
            .tags
            .iter()
            .filter_map(|t| {
                known
                    .iter()
                    .find(|k| k.name == t.label || k.id == t.value || k.name == t.value)
                    .map(|k| k.name.clone())
            })
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        org: &str,
        c: &Channel,
        e: &ChannelPost,
        existing: Option<Post>,
        kind: Kind,
        when: DateTime<Utc>,
        req: &CreatePost,
        tags: &[String],
        method: &str,
        now: DateTime<Utc>,
    ) -> Post {
        let keep_releases = kind == Kind::Update;
        let old_parts: HashMap<String, Part> = existing
            .as_ref()
            .map(|o| o.parts.iter().map(|p| (p.id.clone(), p.clone())).collect())
            .unwrap_or_default();
        let mut parts: Vec<Part> = e
            .value
            .iter()
            .map(|v| {
                let id =
                    v.id.clone()
                        .filter(|i| !i.is_empty())
                        .unwrap_or_else(new_id);
                let old = old_parts.get(&id).filter(|_| keep_releases);
                Part {
                    id,
                    content: crate::format::sanitize(&v.content),
                    delay: v.delay.unwrap_or(0),
                    image: v.image.clone(),
                    release_id: old.and_then(|o| o.release_id.clone()),
                    release_url: old.and_then(|o| o.release_url.clone()),
                    sending_since: old.and_then(|o| o.sending_since),
                    published_at: old.and_then(|o| o.published_at),
                }
            })
            .collect();
        let settings = if e.settings.is_object() {
            e.settings.clone()
        } else {
            json!({})
        };
        match existing {
            Some(mut p) => {
                if let Some(first) = parts.first_mut() {
                    first.id = p.id.clone(); // the post keeps its id (and group)
                }
                p.integration_id = c.id.clone();
                p.provider_identifier = c.provider_identifier.clone();
                p.parts = parts;
                p.settings = settings;
                p.interval_in_days = req.inter;
                p.tags = tags.to_vec();
                p.short_link = req.short_link.unwrap_or(false);
                p.updated_at = now;
                match kind {
                    Kind::Update => {
                        if p.state == PostState::Queue {
                            p.publish_date = when;
                            p.due_at = Some(when.max(now));
                        } else if matches!(p.state, PostState::Published | PostState::Error) {
                            p.plan_repeat(now); // the interval may have changed
                        }
                    }
                    Kind::Draft => {
                        p.publish_date = when;
                        p.state = PostState::Draft;
                        p.due_at = None;
                    }
                    Kind::Schedule | Kind::Now => {
                        if matches!(p.state, PostState::Published | PostState::Error) {
                            p.round += 1;
                        }
                        p.publish_date = when;
                        p.state = PostState::Queue;
                        p.error = None;
                        p.attempts = 0;
                        p.lease_token = None;
                        p.lease_until = None;
                        p.due_at = Some(when.max(now));
                    }
                }
                p
            }
            None => {
                let state = match kind {
                    Kind::Draft => PostState::Draft,
                    _ => PostState::Queue,
                };
                Post {
                    id: parts[0].id.clone(),
                    organization_id: org.to_string(),
                    group: new_id(),
                    integration_id: c.id.clone(),
                    provider_identifier: c.provider_identifier.clone(),
                    publish_date: when,
                    state,
                    parts,
                    settings,
                    interval_in_days: req.inter,
                    tags: tags.to_vec(),
                    short_link: req.short_link.unwrap_or(false),
                    creation_method: method.to_string(),
                    error: None,
                    lease_token: None,
                    lease_until: None,
                    attempts: 0,
                    round: 0,
                    repeat_at: None,
                    repeat_marker: false,
                    due_at: (state == PostState::Queue).then(|| when.max(now)),
                    version: 0,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                }
            }
        }
    }

    /// A live post of the org.
    pub async fn get(&self, org: &str, id: &str) -> Result<Post> {
        match self.repo.get(org, id).await? {
            Some(p) if p.deleted_at.is_none() => Ok(p),
            _ => Err(Error::NotFound("Post not found".into())),
        }
    }

    /// `GET /posts/:id`.
    pub async fn thread(&self, org: &str, id: &str) -> Result<Value> {
        let p = self.get(org, id).await?;
        self.thread_view(org, &p).await
    }

    /// The thread of `p` with its channel's picture and its tags (the edit modal's data).
    async fn thread_view(&self, org: &str, p: &Post) -> Result<Value> {
        let (c, tags) = tokio::try_join!(self.channels.repo.get(org, &p.integration_id), async {
            if p.tags.is_empty() {
                Ok(Vec::new())
            } else {
                self.repo.tags(org).await
            }
        })?;
        Ok(views::thread_with_tags(p, c.as_ref(), &tags))
    }

    /// `GET /posts/group/:group`.
    pub async fn group(&self, org: &str, group: &str) -> Result<Value> {
        match self.repo.by_group(org, group).await? {
            Some(p) if p.deleted_at.is_none() => self.thread_view(org, &p).await,
            _ => Err(Error::NotFound("Post not found".into())),
        }
    }

    async fn live_channels(
        &self,
        org: &str,
        customer: Option<&str>,
    ) -> Result<HashMap<String, Channel>> {
        Ok(self
            .channels
            .repo
            .list(org)
            .await?
            .into_iter()
            .filter(|c| customer.is_none_or(|cu| c.customer_id.as_deref() == Some(cu)))
            .map(|c| (c.id.clone(), c))
            .collect())
    }

    /// The org's posts in `[start, end]` on live channels (of `customer`, when given), with
    /// the channels and tags needed to show them.
    pub(crate) async fn window(
        &self,
        org: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        customer: Option<&str>,
    ) -> Result<Window> {
        if end < start {
            return Err(Error::invalid("endDate must be after startDate"));
        }
        if end - start > Duration::days(62) {
            return Err(Error::invalid("the window is at most 62 days"));
        }
        let (repeating, channels, tags) = tokio::try_join!(
            self.repo.repeating(org),
            self.live_channels(org, customer),
            self.repo.tags(org),
        )?;
        Ok(Window {
            org: org.to_string(),
            start,
            end,
            repeating,
            channels,
            tags,
        })
    }

    /// An answer made by `make`, or the one kept for `key` when the table has not changed
    /// since it was made.
    pub(crate) async fn kept<F>(&self, key: String, make: F) -> Result<Bytes>
    where
        F: std::future::Future<Output = Result<Vec<u8>>>,
    {
        let generation = match &self.answers {
            Some(_) => self.repo.table().write_generation(),
            None => None,
        };
        if let (Some(cache), Some(g)) = (&self.answers, generation) {
            if let Some(hit) = cache.get(&key, g) {
                return Ok(hit);
            }
        }
        let body = Bytes::from(make.await?);
        if let (Some(cache), Some(g)) = (&self.answers, generation) {
            cache.put(key, g, body.clone(), body.len());
        }
        Ok(body)
    }

    /// `GET /posts`: the window's entries, minified, as JSON text `{"p": [...]}`.
    pub async fn calendar(
        &self,
        org: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        customer: Option<&str>,
    ) -> Result<Bytes> {
        let key = format!("cal\n{org}\n{start}\n{end}\n{}", customer.unwrap_or(""));
        self.kept(key, async {
            let w = self.window(org, start, end, customer).await?;
            let shared = calendar::Fragments::minified(w.channels.values(), &w.tags);
            w.write_json(&self.repo, "p", |row, c, actual, out| {
                serde_json::to_writer(out, &calendar::minified(row, c, &shared, actual))
            })
            .await
        })
        .await
    }

    /// `GET /posts/list`: root posts by state, paginated, minified.
    pub async fn list(
        &self,
        org: &str,
        page: usize,
        limit: usize,
        state: &str,
        customer: Option<&str>,
    ) -> Result<Value> {
        let limit = limit.clamp(1, 100);
        let wanted: &[PostState] =
            match state {
                "scheduled" => &[PostState::Queue, PostState::Publishing],
                "draft" => &[PostState::Draft],
                "published" => &[PostState::Published],
                "all" | "" => &[
                    PostState::Queue,
                    PostState::Publishing,
                    PostState::Draft,
                    PostState::Published,
                    PostState::Error,
                ],
                _ => return Err(Error::invalid(
                    "state must be one of the following values: all, scheduled, draft, published",
                )),
            };
        // Upcoming posts come from the calendar index from now on (never the org's history);
        // only the published list reads every post, each decoded into a slim row.
        let from = (state != "published").then(|| self.clock.now());
        let (raw, channels, tags) = tokio::try_join!(
            self.repo.live_raw_from(org, from),
            self.live_channels(org, customer),
            self.repo.tags(org),
        )?;
        let mut rows: Vec<Row> = raw
            .iter()
            .filter_map(|bytes| Row::parse(bytes).ok())
            .filter(|r| r.interval_in_days.is_none() && wanted.contains(&r.state))
            .filter(|r| channels.contains_key(r.integration_id.as_ref()))
            .collect();
        if state == "published" {
            rows.reverse();
        }
        let total = rows.len();
        let shared = calendar::Fragments::minified(channels.values(), &tags);
        let items: Vec<Value> = rows
            .iter()
            .skip(page.saturating_mul(limit))
            .take(limit)
            .map(|row| {
                serde_json::to_value(calendar::minified(
                    row,
                    &channels[row.integration_id.as_ref()],
                    &shared,
                    None,
                ))
                .unwrap_or_default()
            })
            .collect();
        Ok(
            json!({"p": items, "t": total, "pg": page, "l": limit, "hm": page.saturating_add(1).saturating_mul(limit) < total}),
        )
    }

    /// `PUT /posts/:id/date`: `update` moves the date; `schedule` also puts the post back in
    /// the queue (drafts stay drafts) under the republish guard.
    pub async fn change_date(
        &self,
        org: &str,
        id: &str,
        date: DateTime<Utc>,
        action: &str,
        republish: bool,
    ) -> Result<Value> {
        let mut p = self.get(org, id).await?;
        if p.state == PostState::Publishing {
            return Err(Error::Conflict(
                "This post is being published right now; try again in a minute".into(),
            ));
        }
        let now = self.clock.now();
        match action {
            "update" | "" => {}
            "schedule" => {
                if p.state == PostState::Published && !republish {
                    return Err(Error::BadRequest(
                        "This post was already published. Set republish: true to publish it again"
                            .into(),
                    ));
                }
                if p.state != PostState::Draft {
                    if matches!(p.state, PostState::Published | PostState::Error) {
                        p.round += 1;
                    }
                    p.state = PostState::Queue;
                    p.error = None;
                    p.attempts = 0;
                    for part in &mut p.parts {
                        part.release_id = None;
                        part.release_url = None;
                        part.sending_since = None;
                        part.published_at = None;
                    }
                }
            }
            _ => {
                return Err(Error::invalid(
                    "action must be one of the following values: update, schedule",
                ))
            }
        }
        p.publish_date = date;
        match p.state {
            PostState::Queue => p.due_at = Some(date.max(now)),
            PostState::Published | PostState::Error => p.plan_repeat(now),
            _ => {}
        }
        p.updated_at = now;
        if !self.repo.save(&mut p).await? {
            return Err(Error::Conflict(
                "The post changed meanwhile; reload and try again".into(),
            ));
        }
        if self.dispatcher.is_due(&p) {
            let _ = self.dispatcher.dispatch(&mut p).await;
        }
        let c = self.channels.repo.get(org, &p.integration_id).await?;
        self.events
            .emit(
                org,
                &p.integration_id,
                EventKind::Updated,
                views::webhook_post(&p, c.as_ref()),
            )
            .await;
        Ok(views::thread(&p, c.as_ref()))
    }

    /// Soft-deletes the posts of a channel being deleted, each announced as `post.deleted`
    /// to the outgoing webhooks; how many.
    pub async fn delete_for_channel(&self, org: &str, channel: &str) -> Result<usize> {
        let c = self.channels.repo.get(org, channel).await?;
        delete_channel_posts(
            &self.repo,
            &self.events,
            org,
            channel,
            c.as_ref(),
            self.clock.now(),
        )
        .await
    }

    /// `DELETE /posts/:group`: soft-deletes the thread; a queued message finds it gone.
    pub async fn delete_group(&self, org: &str, group: &str) -> Result<Value> {
        let Some(p) = self.repo.by_group(org, group).await? else {
            return Err(Error::NotFound("Post not found".into()));
        };
        let now = self.clock.now();
        self.repo.soft_delete(org, &p.id, now).await?;
        let mut gone = p;
        gone.deleted_at = Some(now);
        let c = self.channels.repo.get(org, &gone.integration_id).await?;
        self.events
            .emit(
                org,
                &gone.integration_id,
                EventKind::Deleted,
                views::webhook_post(&gone, c.as_ref()),
            )
            .await;
        Ok(json!({"error": true}))
    }

    /// `GET /posts/find-slot[/:id]`: the first future posting time (UTC, minutes after
    /// midnight) of the org's active channels with no post at that exact minute.
    pub async fn find_slot(&self, org: &str, integration: Option<&str>) -> Result<Value> {
        let channels = self.channels.repo.list(org).await?;
        if let Some(id) = integration {
            if !channels.iter().any(|c| c.id == id) {
                return Err(Error::NotFound("Channel not found".into()));
            }
        }
        let mut times: Vec<i64> = channels
            .iter()
            .filter(|c| !c.disabled && integration.is_none_or(|i| i == c.id))
            .flat_map(|c| c.posting_times.iter().map(|t| t.time))
            .filter(|t| (0..1440).contains(t))
            .collect();
        if times.is_empty() {
            times = postiz_integrations::model::default_posting_times()
                .iter()
                .map(|t| t.time)
                .collect();
        }
        times.sort_unstable();
        times.dedup();
        let now = self.clock.now();
        let today = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .unwrap_or(now);
        // Growing windows over the year ahead: one range read of the calendar index each,
        // usually just the first (at most four reads, instead of one per day).
        let mut window_start = today;
        for days in SLOT_WINDOWS_DAYS {
            let window_end = window_start + Duration::days(days);
            let mut taken = std::collections::HashSet::new();
            self.repo
                .visit_calendar(org, window_start, window_end, &mut |bytes| {
                    #[derive(serde::Deserialize)]
                    #[serde(rename_all = "camelCase")]
                    struct Dated {
                        publish_date: DateTime<Utc>,
                    }
                    if let Ok(d) = serde_json::from_slice::<Dated>(bytes) {
                        taken.insert(d.publish_date.timestamp().div_euclid(60));
                    }
                })
                .await?;
            let mut day = window_start;
            while day < window_end {
                for t in &times {
                    let at = day + Duration::minutes(*t);
                    if at > now && !taken.contains(&at.timestamp().div_euclid(60)) {
                        return Ok(json!({"date": at.format("%Y-%m-%dT%H:%M:00").to_string()}));
                    }
                }
                day += Duration::days(1);
            }
            window_start = window_end;
        }
        Err(Error::Conflict("No free slot in the next year".into()))
    }

    /// `GET /posts/tags`.
    pub async fn tags(&self, org: &str) -> Result<Value> {
        let tags = self.repo.tags(org).await?;
        Ok(json!({"tags": tags.iter().map(views::tag).collect::<Vec<_>>()}))
    }

    /// `POST /posts/tags`.
    pub async fn create_tag(&self, org: &str, name: &str, color: &str) -> Result<Value> {
        let (name, color) = check_tag(name, color)?;
        let now = self.clock.now();
        let t = Tag {
            id: new_id(),
            name,
            color,
            org_id: org.to_string(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.repo.put_tag(&t).await?;
        Ok(views::tag(&t))
    }

    /// `PUT /posts/tags/:id`.
    pub async fn edit_tag(&self, org: &str, id: &str, name: &str, color: &str) -> Result<Value> {
        let (name, color) = check_tag(name, color)?;
        let mut t = self.live_tag(org, id).await?;
        t.name = name;
        t.color = color;
        t.updated_at = self.clock.now();
        self.repo.put_tag(&t).await?;
        Ok(views::tag(&t))
    }

    /// `DELETE /posts/tags/:id` (soft).
    pub async fn delete_tag(&self, org: &str, id: &str) -> Result<Value> {
        let mut t = self.live_tag(org, id).await?;
        t.deleted_at = Some(self.clock.now());
        self.repo.put_tag(&t).await?;
        Ok(views::tag(&t))
    }

    async fn live_tag(&self, org: &str, id: &str) -> Result<Tag> {
        match self.repo.tag(org, id).await? {
            Some(t) if t.deleted_at.is_none() => Ok(t),
            _ => Err(Error::NotFound("Tag not found".into())),
        }
    }

    /// `POST /posts/:id/comments`.
    pub async fn add_comment(
        &self,
        org: &str,
        user: &str,
        post_id: &str,
        text: &str,
    ) -> Result<Value> {
        if text.trim().is_empty() {
            return Err(Error::invalid("comment should not be empty"));
        }
        if text.len() > 10_000 {
            return Err(Error::invalid(
                "comment must be shorter than or equal to 10000 characters",
            ));
        }
        self.get(org, post_id).await?;
        let c = Comment {
            id: new_id(),
            post_id: post_id.to_string(),
            organization_id: org.to_string(),
            user_id: user.to_string(),
            content: text.to_string(),
            created_at: self.clock.now(),
        };
        self.repo.add_comment(&c).await?;
        Ok(views::comment(&c))
    }
}

fn check_tag(name: &str, color: &str) -> Result<(String, String)> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(Error::invalid("name must be 1 to 100 characters"));
    }
    if color.len() > 50 {
        return Err(Error::invalid("color must be at most 50 characters"));
    }
    Ok((name.to_string(), color.to_string()))
}

/// Soft-deletes the posts of `channel` (of `org`; `c` when it can still be read) and announces
/// each as `post.deleted` to the outgoing webhooks; how many were deleted.
pub async fn delete_channel_posts(
    repo: &PostRepo,
    events: &Events,
    org: &str,
    channel: &str,
    c: Option<&Channel>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let gone = repo.delete_for_channel(org, channel, now).await?;
    for p in &gone {
        events
            .emit(org, channel, EventKind::Deleted, views::webhook_post(p, c))
            .await;
    }
    Ok(gone.len())
}
