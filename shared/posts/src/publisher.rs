//! Publishing one post: claim it with a lease (QUEUE → PUBLISHING), send the root and then
//! each comment chained on the previous one, record each accepted message as it happens, and
//! end in PUBLISHED or ERROR. Every write is conditional on the version the worker read, so
//! a duplicate message, a late worker or a worker whose lease lapsed changes nothing.

use chrono::{Duration, Utc};
use postiz_core::{new_id, redact, Clock, Result};
use postiz_integrations::{Channel, Channels, NoticeKind};
use postiz_providers::{PostDetails, Provider, ProviderError, Published};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Mutex;

use crate::dispatch::PublishMessage;
use crate::gate::{Gate, Permit};
use crate::model::{Post, PostState, REPEAT_MARGIN};
use crate::plugs::PlugRuns;
use crate::repo::PostRepo;
use crate::service::details_of;
use crate::views;
use postiz_webhooks::{EventKind, Events};

/// After a request left without an answer, how long before the network is asked about it.
pub const LOOKUP_AFTER: Duration = Duration::seconds(30);
/// A message not found this long after its request left was not posted: sending it again is
/// safe.
pub const LOOKUP_SETTLE: Duration = Duration::minutes(2);

/// How long a post waits when its provider is at its concurrency cap (plus up to 2 s).
pub const BUSY_RETRY: Duration = Duration::seconds(2);

/// Publishing limits.
#[derive(Debug, Clone)]
pub struct PublisherConfig {
    /// A claim lapses this long after its last renewal.
    pub lease: Duration,
    /// Attempts (claims) before a post that keeps failing transiently ends in ERROR.
    pub max_attempts: u32,
    /// Retries of a transient failure within one attempt.
    pub inline_retries: u32,
    /// Longest wait between inline retries; a longer `Retry-After` goes back to the queue.
    pub max_inline_wait: std::time::Duration,
    /// First back-off of a post sent back to the queue (doubles per attempt).
    pub backoff: Duration,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        Self {
            lease: Duration::seconds(30),
            max_attempts: 5,
            inline_retries: 3,
            max_inline_wait: std::time::Duration::from_secs(10),
            backoff: Duration::seconds(30),
        }
    }
}

/// What handling a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every message was accepted.
    Published,
    /// The post ended in ERROR with this reason.
    Failed(String),
    /// Sent back to the queue (transient failure, or waiting for a comment's delay).
    Requeued,
    /// Nothing to do (duplicate, late, deleted, not due, lease lost).
    Skipped(&'static str),
    /// The provider's concurrency cap is reached: try the message again shortly.
    Busy,
    /// A plug-run message (same queue) was handled.
    Plug(crate::plugs::PlugOutcome),
}

/// The publisher.
#[derive(Clone)]
pub struct Publisher {
    /// The administrators' publishing log and daily counts.
    platform: postiz_integrations::PlatformLog,
    repo: PostRepo,
    channels: Arc<Channels>,
    clock: Arc<dyn Clock>,
    gate: Arc<dyn Gate>,
    config: PublisherConfig,
    /// With billing on, only organizations with a subscription publish (Postiz's rule).
    billing: postiz_billing::Billing,
    /// Lifecycle events for outgoing webhooks.
    events: Events,
    /// Plug runs scheduled after each publish.
    plugs: PlugRuns,
}

/// A claimed post, shared with the lease-renewal task.
struct Held {
    post: Mutex<Post>,
    /// The claim is over (settled, parked, sent back, or lost to another writer): nothing
    /// more is written or renewed under it.
    ended: AtomicBool,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum Step {
    Sent(Published),
    Stop(Outcome),
}

impl Publisher {
    /// A publisher.
    pub fn new(
        repo: PostRepo,
        channels: Arc<Channels>,
        clock: Arc<dyn Clock>,
        gate: Arc<dyn Gate>,
        config: PublisherConfig,
        events: Events,
        plugs: PlugRuns,
    ) -> Self {
        let billing = postiz_billing::Billing::from_env(postiz_billing::BillingRepo::new(
            repo.table().clone(),
        ));
        Self {
            platform: postiz_integrations::PlatformLog::new(repo.table().clone(), clock.clone()),
            repo,
            channels,
            clock,
            gate,
            config,
            billing,
            events,
            plugs,
        }
    }

    /// The plug runs this publisher schedules (their messages share the publish queue).
    pub fn plug_runs(&self) -> &PlugRuns {
        &self.plugs
    }

    /// Handles one queue message.
    pub async fn handle(&self, msg: &PublishMessage) -> Result<Outcome> {
        // A claim can lose a race with a write that does not take the post (the scheduler
        // moving its due time): read again and retry, a few times.
        for _ in 0..5 {
            let Some(post) = self.repo.get(&msg.org, &msg.id).await? else {
                return Ok(Outcome::Skipped("no such post"));
            };
            if !self.claimable(&post) {
                return Ok(Outcome::Skipped("not due or already handled"));
            }
            let provider = self.channels.providers().get(&post.provider_identifier);
            let cap = provider.as_ref().map_or(0, |p| p.info().max_concurrency);
            let Some(permit) = self
                .gate
                .try_acquire(&post.provider_identifier, cap)
                .await?
            else {
                // Wait in the due index (not in the queue, where retries count towards the
                // dead-letter limit); the scheduler sends it again shortly.
                self.defer(post).await?;
                return Ok(Outcome::Busy);
            };
            let permit = Arc::new(permit);
            let result = self.claim_and_publish(post, provider, permit.clone()).await;
            self.gate.release(&permit).await;
            match result? {
                None => continue,
                Some(outcome) => return Ok(outcome),
            }
        }
        Ok(Outcome::Skipped("the post kept changing"))
    }

    fn claimable(&self, post: &Post) -> bool {
        let now = self.clock.now();
        post.deleted_at.is_none()
            && match post.state {
                PostState::Queue => post.publish_date <= now + Duration::seconds(2),
                PostState::Publishing => post.lease_until.is_none_or(|u| u <= now),
                PostState::Published | PostState::Error => {
                    post.awaits_repeat()
                        && post
                            .repeat_at
                            .is_some_and(|r| r <= now + Duration::seconds(2))
                }
                PostState::Draft => false,
            }
    }

    /// Moves a claimable post's due time a little ahead (re-reading it if it changed meanwhile).
    async fn defer(&self, mut post: Post) -> Result<()> {
        for _ in 0..5 {
            let now = self.clock.now();
            let jitter = i64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 8;
            post.due_at = Some(now + BUSY_RETRY + Duration::milliseconds(jitter));
            post.updated_at = now;
            if self.repo.save(&mut post).await? {
                return Ok(());
            }
            match self.repo.get(&post.organization_id, &post.id).await? {
                Some(p) if self.claimable(&p) => post = p,
                _ => return Ok(()), // someone else has it now
            }
        }
        Err(postiz_core::Error::Conflict(
            "the post keeps changing".into(),
        ))
    }

    /// Claims the post and publishes it; `None` when the claim lost a race.
    async fn claim_and_publish(
        &self,
        mut post: Post,
        provider: Option<Arc<dyn Provider>>,
        permit: Arc<Permit>,
    ) -> Result<Option<Outcome>> {
        let now = self.clock.now();
        if post.awaits_repeat() {
            if post.repeat_at.is_some_and(|r| r < now - REPEAT_MARGIN) {
                // Long overdue (the server was down): the next occurrence, not a late post.
                post.plan_repeat(now);
                post.updated_at = now;
                return Ok(self
                    .repo
                    .save(&mut post)
                    .await?
                    .then_some(Outcome::Skipped("repeat moved to its next occurrence")));
            }
            start_round(&mut post);
        }
        post.state = PostState::Publishing;
        post.lease_token = Some(new_id());
        post.lease_until = Some(now + self.config.lease);
        post.due_at = Some(now + self.config.lease + Duration::seconds(2));
        post.attempts += 1;
        post.updated_at = now;
        if !self.repo.save(&mut post).await? {
            return Ok(None);
        }
        let held = Arc::new(Held {
            post: Mutex::new(post),
            ended: AtomicBool::new(false),
        });
        // Stops renewing when this future ends or is dropped (a killed worker renews nothing).
        let _renewal = AbortOnDrop(tokio::spawn(self.clone().renew(held.clone(), permit)));
        self.publish(&held, provider).await.map(Some)
    }

    /// Renews the lease (and the provider slot) every third of its length until aborted or
    /// lost.
    async fn renew(self, held: Arc<Held>, permit: Arc<Permit>) {
        let every = (self.config.lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(10));
        loop {
            tokio::time::sleep(every).await;
            let lease = self.config.lease;
            let ok = self
                .write(&held, |p, now| {
                    p.lease_until = Some(now + lease);
                    p.due_at = Some(now + lease + Duration::seconds(2));
                })
                .await;
            if !matches!(ok, Ok(true)) {
                return;
            }
            self.gate.renew(&permit).await;
        }
    }

    /// Applies `f` and saves, conditional on the version held; false (and the claim ended)
    /// when someone else changed the post or the claim is already over.
    async fn write(
        &self,
        held: &Held,
        f: impl FnOnce(&mut Post, chrono::DateTime<Utc>),
    ) -> Result<bool> {
        if held.ended.load(Ordering::SeqCst) {
            return Ok(false);
        }
        let mut p = held.post.lock().await;
        let now = self.clock.now();
        let before = p.clone();
        f(&mut p, now);
        p.updated_at = now;
        match self.repo.save(&mut p).await {
            Ok(true) => Ok(true),
            Ok(false) => {
                *p = before;
                held.ended.store(true, Ordering::SeqCst);
                Ok(false)
            }
            Err(e) => {
                *p = before;
                Err(e)
            }
        }
    }

    async fn snapshot(held: &Held) -> Post {
        held.post.lock().await.clone()
    }

    async fn publish(&self, held: &Held, provider: Option<Arc<dyn Provider>>) -> Result<Outcome> {
        let post = Self::snapshot(held).await;
        let channel = match self
            .channels
            .repo
            .get(&post.organization_id, &post.integration_id)
            .await?
        {
            Some(c) if c.deleted_at.is_none() => c,
            // Deleted with its channel (a cascade that did not reach it yet): gone, not failed.
            _ => return self.delete_with_channel(held).await,
        };
        let Some(provider) = provider else {
            return self.fail(held, "Unknown provider", None).await;
        };
        let name = provider.info().name;
        if channel.disabled || channel.refresh_needed {
            let (reason, note) = if channel.disabled {
                (
                    "Channel disabled",
                    format!("We couldn't post to {name} for {} because the channel is disabled. Enable it and schedule the post again.", channel.name),
                )
            } else {
                (
                    "Refresh channel needed",
                    format!("We couldn't post to {name} for {} because you need to reconnect it. Reconnect the channel and schedule the post again.", channel.name),
                )
            };
            return self.fail(held, reason, Some(note)).await;
        }
        if self.billing.enabled()
            && self
                .billing
                .plan(&post.organization_id)
                .await?
                .subscription
                .is_none()
        {
            let note = format!("We couldn't post to {name} for {} because the organization has no subscription. Choose a plan and schedule the post again.", channel.name);
            return self.fail(held, "No subscription", Some(note)).await;
        }
        let mut root_id: Option<String> = None;
        let mut prev: Option<(String, chrono::DateTime<Utc>)> = None;
        for i in 0..post.parts.len() {
            let post = Self::snapshot(held).await;
            let part = post.parts[i].clone();
            if let (Some(id), Some(at)) = (&part.release_id, part.published_at) {
                if i == 0 {
                    root_id = Some(id.clone());
                }
                prev = Some((id.clone(), at));
                continue;
            }
            if let (true, Some((_, at))) = (i > 0 && part.delay > 0, &prev) {
                let resume = *at + Duration::minutes(part.delay);
                if resume > self.clock.now() {
                    // Each delayed comment gets its own attempts.
                    return self.park(held, resume, true).await;
                }
            }
            let content = self
                .resolve_references(&post.organization_id, &part.content)
                .await;
            let mut details = details_of(provider.as_ref(), &post, &part, &content);
            details.id = format!("{}.{}", part.id, post.round);
            let reply = match (&root_id, &prev) {
                (Some(r), Some((p, _))) if i > 0 => Some((r.clone(), p.clone())),
                _ => None,
            };
            // A request left earlier without an answer: never resend it blindly.
            let mut found = None;
            if let (Some(since), false) = (part.sending_since, provider.idempotent_publish()) {
                match self
                    .look_up(held, &provider, &channel, &details, since, name)
                    .await?
                {
                    Ok(Some(published)) => found = Some(published),
                    Ok(None) => {} // surely not posted: send it again
                    Err(outcome) => return Ok(outcome),
                }
            }
            let step = match found {
                Some(published) => Step::Sent(published),
                None => {
                    if !self
                        .write(held, |p, now| p.parts[i].sending_since = Some(now))
                        .await?
                    {
                        return Ok(Outcome::Skipped("lease lost"));
                    }
                    self.send(held, &provider, &channel, details, reply, i, name)
                        .await?
                }
            };
            match step {
                Step::Sent(published) => {
                    let ok = self
                        .write(held, |p, now| {
                            let part = &mut p.parts[i];
                            part.release_id = Some(published.id.clone());
                            part.release_url = Some(published.url.clone());
                            part.published_at = Some(now);
                            part.sending_since = None;
                        })
                        .await?;
                    if !ok {
                        return Ok(Outcome::Skipped("lease lost after sending"));
                    }
                    if i == 0 {
                        root_id = Some(published.id.clone());
                    }
                    prev = Some((published.id, self.clock.now()));
                }
                Step::Stop(Outcome::Skipped("comments not supported")) => break,
                Step::Stop(outcome) => return Ok(outcome),
            }
        }
        // Before settling, with fixed run ids: a worker that dies here leaves the post to
        // the next one, which schedules the same runs again (nothing added twice).
        if let Some(release) = root_id.as_deref() {
            let post = Self::snapshot(held).await;
            if let Err(e) = self.plugs.schedule(&post, &channel, release).await {
                tracing::warn!(error = %e, "plug runs not scheduled");
            }
        }
        if !self.settle(held, PostState::Published, None).await? {
            return Ok(Outcome::Skipped("lease lost"));
        }
        let url = Self::snapshot(held)
            .await
            .root()
            .release_url
            .clone()
            .unwrap_or_default();
        self.notify(
            &channel.organization_id,
            NoticeKind::Published,
            &format!("Your post has been published on {name}"),
            &format!("Your post has been published on {name} at {url}"),
        )
        .await;
        if let Err(e) = self
            .platform
            .published(
                &channel.organization_id,
                &channel.id,
                &channel.provider_identifier,
            )
            .await
        {
            tracing::warn!(error = %e, "the publish was not counted");
        }
        let streaks =
            postiz_integrations::Streaks::new(self.repo.table().clone(), self.clock.clone());
        if let Err(e) = streaks.published(&channel.organization_id).await {
            tracing::warn!(error = %e, "the posting streak was not recorded");
        }
        let post = Self::snapshot(held).await;
        self.events
            .emit(
                &channel.organization_id,
                &channel.id,
                EventKind::Published,
                views::webhook_post(&post, Some(&channel)),
            )
            .await;
        Ok(Outcome::Published)
    }

    /// Sends one message with inline retries of transient failures; maps the final error
    /// to the post's next state.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        held: &Held,
        provider: &Arc<dyn Provider>,
        channel: &Channel,
        details: PostDetails,
        reply: Option<(String, String)>,
        index: usize,
        name: &str,
    ) -> Result<Step> {
        let mut attempt = 0;
        let error = loop {
            let call = {
                let (provider, details, reply) = (provider.clone(), details.clone(), reply.clone());
                self.channels
                    .with_fresh_token(channel.clone(), move |auth| {
                        let (provider, details, reply) =
                            (provider.clone(), details.clone(), reply.clone());
                        async move {
                            match reply {
                                None => provider.publish(&auth, &details).await,
                                Some((root, to)) => {
                                    provider.comment(&auth, &root, &to, &details).await
                                }
                            }
                        }
                    })
            };
            let err = match call.await {
                Ok(p) => return Ok(Step::Sent(p)),
                // Masked before it is logged, stored or shown (the network may quote a URL).
                Err(e) => e.redacted(),
            };
            let retryable = match &err {
                ProviderError::Transient { retry_after, .. } => {
                    retry_after.is_none_or(|r| r <= self.config.max_inline_wait)
                }
                ProviderError::Unknown(_) => provider.idempotent_publish(),
                _ => false,
            };
            if !retryable
                || attempt >= self.config.inline_retries
                || held.ended.load(Ordering::SeqCst)
            {
                break err;
            }
            let wait = match &err {
                ProviderError::Transient {
                    retry_after: Some(r),
                    ..
                } => *r,
                _ => std::time::Duration::from_millis(500 << attempt),
            };
            tracing::info!(error = %err, attempt, "transient publish failure; retrying");
            tokio::time::sleep(wait.min(self.config.max_inline_wait)).await;
            attempt += 1;
        };
        let clear = |p: &mut Post, _| p.parts[index].sending_since = None;
        let outcome = match error {
            ProviderError::NotSupported(_) if index > 0 => {
                self.write(held, clear).await?;
                Outcome::Skipped("comments not supported")
            }
            ProviderError::Transient {
                retry_after,
                message,
            } => {
                self.write(held, clear).await?;
                let after = retry_after.and_then(|r| Duration::from_std(r).ok());
                self.requeue_or_fail(held, &message, after).await?
            }
            ProviderError::RefreshNeeded(reason) => {
                self.write(held, clear).await?;
                if let Err(e) = self.channels.mark_refresh_needed(channel, &reason).await {
                    tracing::warn!(error = %e, "could not mark the channel refreshNeeded");
                }
                self.fail(held, "Refresh channel needed", None).await?
            }
            ProviderError::BadRequest { user_message } => {
                self.write(held, clear).await?;
                let what = if index > 0 { "comments " } else { "" };
                let note = format!(
                    "Error posting {what}on {name} for {}: {user_message}",
                    channel.name
                );
                self.fail(held, &user_message, Some(note)).await?
            }
            ProviderError::NotSupported(what) => {
                self.write(held, clear).await?;
                self.fail(held, &format!("{name} does not support {what}"), None)
                    .await?
            }
            ProviderError::Unknown(message) if provider.idempotent_publish() => {
                // The same idempotency key goes with the next attempt: resending is safe.
                self.requeue_or_fail(held, &message, None).await?
            }
            ProviderError::Unknown(message) if provider.finds_published() => {
                // Ask the network a little later whether it was posted (`look_up`).
                tracing::warn!(%message, "publish outcome unknown; looking it up shortly");
                self.park(held, self.clock.now() + LOOKUP_AFTER, false)
                    .await?
            }
            ProviderError::Unknown(message) => {
                tracing::warn!(%message, "publish outcome unknown");
                self.unconfirmed(held, name, channel).await?
            }
        };
        Ok(Step::Stop(outcome))
    }

    /// A message whose request left without an answer (`since`): the network is asked
    /// whether it was posted. `Ok(Some)`: it was (record it); `Ok(None)`: it was not, and the
    /// request is old enough for it to show, so sending again is safe; `Err`: the attempt
    /// ends here (parked to look again, sent back to the queue, or "unconfirmed" where the
    /// network cannot be asked).
    async fn look_up(
        &self,
        held: &Held,
        provider: &Arc<dyn Provider>,
        channel: &Channel,
        details: &PostDetails,
        since: chrono::DateTime<Utc>,
        name: &str,
    ) -> Result<std::result::Result<Option<Published>, Outcome>> {
        if !provider.finds_published() {
            return self.unconfirmed(held, name, channel).await.map(Err);
        }
        let (p, d) = (provider.clone(), details.clone());
        let found = self
            .channels
            .with_fresh_token(channel.clone(), move |auth| {
                let (p, d) = (p.clone(), d.clone());
                async move { p.find_published(&auth, &d, since).await }
            })
            .await;
        let settled = since + LOOKUP_SETTLE;
        match found {
            Ok(Some(published)) => {
                tracing::info!("an unanswered request had been posted; recorded");
                Ok(Ok(Some(published)))
            }
            Ok(None) if self.clock.now() >= settled => Ok(Ok(None)),
            Ok(None) => self.park(held, settled, false).await.map(Err),
            Err(ProviderError::Transient { message, .. }) => self
                .requeue_or_fail(
                    held,
                    &format!("could not check the network: {message}"),
                    None,
                )
                .await
                .map(Err),
            Err(e) => {
                tracing::warn!(error = %e, "could not look the post up");
                self.unconfirmed(held, name, channel).await.map(Err)
            }
        }
    }

    /// Ends the attempt with the post still PUBLISHING, to resume at `resume` (the scheduler
    /// re-drives it once the lease set to that time lapses).
    async fn park(
        &self,
        held: &Held,
        resume: chrono::DateTime<Utc>,
        reset_attempts: bool,
    ) -> Result<Outcome> {
        let ok = self
            .write(held, |p, _| {
                p.lease_token = None;
                p.lease_until = Some(resume);
                p.due_at = Some(resume);
                if reset_attempts {
                    p.attempts = 0;
                }
            })
            .await?;
        held.ended.store(true, Ordering::SeqCst); // nothing more to renew
        Ok(if ok {
            Outcome::Requeued
        } else {
            Outcome::Skipped("lease lost")
        })
    }

    async fn requeue_or_fail(
        &self,
        held: &Held,
        reason: &str,
        after: Option<Duration>,
    ) -> Result<Outcome> {
        let reason = &*redact::secrets(reason);
        let attempts = Self::snapshot(held).await.attempts;
        if attempts >= self.config.max_attempts {
            let note = format!("Publishing failed after {attempts} attempts: {reason}");
            return self.fail(held, reason, Some(note)).await;
        }
        let backoff = after
            .unwrap_or_else(|| self.config.backoff * 2i32.pow(attempts.saturating_sub(1).min(5)));
        let backoff = backoff.min(Duration::minutes(15));
        let ok = self
            .write(held, |p, now| {
                p.state = PostState::Queue;
                p.error = Some(reason.to_string());
                p.lease_token = None;
                p.lease_until = None;
                p.due_at = Some(now + backoff);
            })
            .await?;
        held.ended.store(true, Ordering::SeqCst); // back in the queue: stop renewing
        Ok(if ok {
            Outcome::Requeued
        } else {
            Outcome::Skipped("lease lost")
        })
    }

    async fn delete_with_channel(&self, held: &Held) -> Result<Outcome> {
        let ok = self
            .write(held, |p, now| {
                p.deleted_at = Some(now);
                p.due_at = None;
                p.lease_token = None;
                p.lease_until = None;
            })
            .await?;
        held.ended.store(true, Ordering::SeqCst);
        Ok(Outcome::Skipped(if ok {
            "channel deleted"
        } else {
            "lease lost"
        }))
    }

    async fn unconfirmed(&self, held: &Held, name: &str, channel: &Channel) -> Result<Outcome> {
        let note = format!(
            "We couldn't confirm your post on {name} for {}. Please check your account before posting again, to avoid a duplicate.",
            channel.name
        );
        self.fail(
            held,
            "unconfirmed: the network did not confirm the post; check the account before posting again",
            Some(note),
        )
        .await
    }

    async fn fail(&self, held: &Held, reason: &str, note: Option<String>) -> Result<Outcome> {
        let reason = &*redact::secrets(reason);
        if !self.settle(held, PostState::Error, Some(reason)).await? {
            return Ok(Outcome::Skipped("lease lost"));
        }
        let post = Self::snapshot(held).await;
        if let Some(note) = note {
            let subject = postiz_integrations::mail::subject_of(&note);
            self.notify(&post.organization_id, NoticeKind::Failed, &subject, &note)
                .await;
        }
        let channel = self
            .channels
            .repo
            .get(&post.organization_id, &post.integration_id)
            .await
            .ok()
            .flatten();
        let logged = self
            .platform
            .error(postiz_integrations::platform_log::ErrorEntry {
                org: &post.organization_id,
                channel: &post.integration_id,
                provider: channel
                    .as_ref()
                    .map_or("unknown", |c| c.provider_identifier.as_str()),
                post: &post.id,
                message: reason,
                content: &post.root().content,
            })
            .await;
        if let Err(e) = logged {
            tracing::warn!(error = %e, "the publishing error was not logged");
        }
        self.events
            .emit(
                &post.organization_id,
                &post.integration_id,
                EventKind::Failed,
                views::webhook_post(&post, channel.as_ref()),
            )
            .await;
        Ok(Outcome::Failed(reason.to_string()))
    }

    /// Ends the attempt in a final state: lease released, out of the due index (a repeating
    /// post stays in it, at its next occurrence).
    async fn settle(&self, held: &Held, state: PostState, error: Option<&str>) -> Result<bool> {
        let ok = self
            .write(held, |p, now| {
                p.state = state;
                p.error = error.map(str::to_string);
                p.lease_token = None;
                p.lease_until = None;
                // Out of the due index, unless a repeating post plans its next round.
                p.plan_repeat(now + REPEAT_MARGIN);
            })
            .await?;
        held.ended.store(true, Ordering::SeqCst); // the claim ends here: stop renewing
        Ok(ok)
    }

    async fn notify(&self, org: &str, kind: NoticeKind, subject: &str, text: &str) {
        let text = redact::secrets(text);
        let subject = redact::secrets(subject);
        if let Err(e) = self
            .channels
            .notifications()
            .notify(org, kind, &subject, &text)
            .await
        {
            tracing::warn!(error = %e, "could not store a notification");
        }
    }

    /// Replaces `(post:<id>)` with the referenced post's URL once it is published.
    async fn resolve_references(&self, org: &str, content: &str) -> String {
        let mut out = String::with_capacity(content.len());
        let mut rest = content;
        while let Some(start) = rest.find("(post:") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 6..];
            let Some(end) = after.find(')') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let id = &after[..end];
            let url = match self.repo.get(org, id).await {
                Ok(Some(p)) if p.deleted_at.is_none() => p.root().release_url.clone(),
                _ => None,
            };
            match url {
                Some(u) => out.push_str(&u),
                None => out.push_str(&rest[start..start + 6 + end + 1]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Starts a repeating post's next round: a new round (new idempotency keys), every message
/// unsent again, the previous round's outcome cleared.
fn start_round(post: &mut Post) {
    post.round += 1;
    post.repeat_at = None;
    post.error = None;
    post.attempts = 0;
    for part in &mut post.parts {
        part.release_id = None;
        part.release_url = None;
        part.sending_since = None;
        part.published_at = None;
    }
}
