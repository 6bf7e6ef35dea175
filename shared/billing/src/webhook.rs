//! `POST /stripe`: Stripe's subscription events applied to the organization's record, with
//! Postiz's side effects, safe under what Stripe does:
//!
//! - **Forged or replayed deliveries** fail the signature check (400, nothing read further).
//! - **The same event twice**: its id is claimed with a conditional write before handling and
//!   marked done after; a second delivery finds it done and changes nothing.
//! - **Events out of order**: each record remembers the order of the last event applied, the
//!   event's `created` (Stripe's clock, one-second resolution) then its kind (created <
//!   updated < deleted); an older event is acknowledged and dropped, so the record ends in
//!   the state of the newest event, which is the state Stripe holds. Reading the subscription
//!   back from Stripe would also work but costs a call per event and a Stripe outage would
//!   stall the webhook; ordering needs nothing but the event.
//! - **A crash mid-handling**: the claim is a lease; the handling is idempotent (the same
//!   event applied again writes the same record and the same side effects), so Stripe's retry
//!   finishes the work. Only then is 2xx answered.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use postiz_core::{Clock, Error, Result};
use serde_json::Value;
use std::sync::Arc;

use crate::model::Subscription;
use crate::plans::{Period, Tier};
use crate::repo::{BillingRepo, Claim};
use crate::signature::{self, TOLERANCE_SECS};

/// The events that change a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `customer.subscription.created`.
    Created,
    /// `customer.subscription.updated`.
    Updated,
    /// `customer.subscription.deleted`.
    Deleted,
    /// `invoice.payment_succeeded` (Postiz reports a conversion; nothing changes here).
    PaymentSucceeded,
    /// Anything else.
    Other,
}

impl EventKind {
    fn of(type_name: &str) -> Self {
        match type_name {
            "customer.subscription.created" => EventKind::Created,
            "customer.subscription.updated" => EventKind::Updated,
            "customer.subscription.deleted" => EventKind::Deleted,
            "invoice.payment_succeeded" => EventKind::PaymentSucceeded,
            _ => EventKind::Other,
        }
    }

    /// Order among events of the same second: a subscription is created, then updated,
    /// then deleted.
    pub fn rank(self) -> u8 {
        match self {
            EventKind::Created => 1,
            EventKind::Updated => 2,
            EventKind::Deleted => 3,
            EventKind::PaymentSucceeded | EventKind::Other => 0,
        }
    }
}

/// A verified event, the fields we read.
#[derive(Debug, Clone)]
pub struct StripeEvent {
    /// `evt_...`.
    pub id: String,
    /// What happened.
    pub kind: EventKind,
    /// When Stripe made the event (unix seconds).
    pub created: i64,
    /// `data.object`.
    pub object: Value,
}

impl StripeEvent {
    /// Reads an event body (already verified).
    pub fn parse(body: &[u8]) -> Result<Self> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| Error::BadRequest(format!("Invalid event body: {e}")))?;
        let id = v["id"].as_str().filter(|s| !s.is_empty());
        let kind = v["type"].as_str();
        let created = v["created"].as_i64();
        match (id, kind, created) {
            (Some(id), Some(kind), Some(created)) => Ok(Self {
                id: id.to_string(),
                kind: EventKind::of(kind),
                created,
                object: v["data"]["object"].clone(),
            }),
            _ => Err(Error::BadRequest(
                "An event needs an id, a type and a created time".into(),
            )),
        }
    }

    fn metadata(&self, name: &str) -> Option<&str> {
        self.object["metadata"][name]
            .as_str()
            .filter(|s| !s.is_empty())
    }
}

/// What a delivery did (every one answers 2xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The record changed.
    Applied,
    /// The event was handled before.
    Duplicate,
    /// An older event than the one the record holds.
    Stale,
    /// Nothing to do, and why.
    Ignored(&'static str),
}

/// What a plan change does to the organization besides its record (Postiz's
/// `modifySubscription`), implemented over the channels and the accounts.
#[async_trait]
pub trait OrgEffects: Send + Sync {
    /// Disables active channels beyond `limit` (the newest first); returns how many.
    async fn enforce_channel_limit(&self, org: &str, limit: u32) -> Result<usize>;
    /// Enables or disables the members who are not super-admins (the plan gains or loses
    /// team members).
    async fn set_team_enabled(&self, org: &str, enabled: bool) -> Result<()>;
    /// The organization's trial flags: on trial or not; no second trial.
    async fn set_trial(&self, org: &str, is_trailing: bool) -> Result<()>;
}

/// The webhook's rules.
#[derive(Clone)]
pub struct Webhooks {
    repo: BillingRepo,
    effects: Arc<dyn OrgEffects>,
    signing_secret: String,
    clock: Arc<dyn Clock>,
}

impl Webhooks {
    /// Webhook handling with the endpoint's signing secret (`STRIPE_SIGNING_KEY`).
    pub fn new(
        repo: BillingRepo,
        effects: Arc<dyn OrgEffects>,
        signing_secret: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            effects,
            signing_secret,
            clock,
        }
    }

    /// Handles one delivery: 400 when the signature fails, 409 while another delivery holds
    /// the same event, an error (and the event given back) when the handling fails.
    pub async fn receive(&self, body: &[u8], signature: Option<&str>) -> Result<Outcome> {
        if self.signing_secret.is_empty() {
            return Err(Error::BadRequest(
                "Stripe webhooks are not configured (STRIPE_SIGNING_KEY)".into(),
            ));
        }
        let now = self.clock.now_secs();
        signature::verify(body, signature, &self.signing_secret, now, TOLERANCE_SECS)
            .map_err(|e| Error::BadRequest(e.to_string()))?;
        let event = StripeEvent::parse(body)?;
        match event.kind {
            EventKind::Other => return Ok(Outcome::Ignored("not a subscription event")),
            EventKind::PaymentSucceeded => return Ok(Outcome::Ignored("nothing to change")),
            _ => {}
        }
        if event.metadata("service") != Some("gitroom") {
            return Ok(Outcome::Ignored("not a subscription of this product"));
        }
        match self.repo.claim_event(&event.id, now).await? {
            Claim::Done => return Ok(Outcome::Duplicate),
            Claim::Busy => {
                return Err(Error::Conflict(
                    "This event is being handled by another delivery".into(),
                ))
            }
            Claim::Claimed => {}
        }
        match self.apply(&event).await {
            Ok(outcome) => {
                self.repo.finish_event(&event.id, now).await?;
                Ok(outcome)
            }
            Err(e) => {
                if let Err(release) = self.repo.release_event(&event.id).await {
                    tracing::warn!(error = %release, event = %event.id, "could not release the event");
                }
                Err(e)
            }
        }
    }

    async fn organization(&self, event: &StripeEvent) -> Result<Option<String>> {
        if let Some(org) = event.metadata("organizationId") {
            return Ok(Some(org.to_string()));
        }
        match event.object["customer"].as_str() {
            Some(customer) => self.repo.organization_of_customer(customer).await,
            None => Ok(None),
        }
    }

    async fn apply(&self, event: &StripeEvent) -> Result<Outcome> {
        let Some(org) = self.organization(event).await? else {
            tracing::warn!(event = %event.id, "a subscription event for an unknown customer");
            return Ok(Outcome::Ignored("unknown customer"));
        };
        if event.kind != EventKind::Deleted && event.object["status"] == "incomplete" {
            return Ok(Outcome::Ignored("the first payment is not done"));
        }
        // Two deliveries of different events may race: retry on a lost update.
        for _ in 0..5 {
            let current = self.repo.subscription(&org).await?;
            let next = match self.next_record(event, &org, current.as_ref())? {
                Step::Write(next) => next,
                Step::Stop(outcome) => return Ok(outcome),
            };
            if !self
                .repo
                .replace_subscription(&next, current.as_ref())
                .await?
            {
                continue;
            }
            self.side_effects(&org, &next).await?;
            return Ok(Outcome::Applied);
        }
        Err(Error::Conflict(
            "The subscription kept changing, please retry".into(),
        ))
    }

    fn next_record(
        &self,
        event: &StripeEvent,
        org: &str,
        current: Option<&Subscription>,
    ) -> Result<Step> {
        let order = (event.created, event.kind.rank());
        let sub_id = event.object["id"].as_str().map(str::to_string);
        if let Some(c) = current {
            if c.is_lifetime {
                return Ok(Step::Stop(Outcome::Ignored("lifetime subscription")));
            }
            if c.event_order > order {
                return Ok(Step::Stop(Outcome::Stale));
            }
            if event.kind == EventKind::Deleted
                && c.is_live()
                && c.stripe_subscription_id.is_some()
                && c.stripe_subscription_id != sub_id
            {
                return Ok(Step::Stop(Outcome::Ignored("another subscription ended")));
            }
        } else if event.kind == EventKind::Deleted {
            return Ok(Step::Stop(Outcome::Ignored("no subscription")));
        }
        let now = self.clock.now();
        let same = current.filter(|c| c.stripe_subscription_id == sub_id && c.is_live());
        let mut next = Subscription {
            organization_id: org.to_string(),
            tier: Tier::Free,
            period: Period::Monthly,
            total_channels: 0,
            customer_id: event.object["customer"].as_str().map(str::to_string),
            stripe_subscription_id: sub_id,
            identifier: event.metadata("uniqueId").map(str::to_string),
            status: event.object["status"]
                .as_str()
                .unwrap_or("canceled")
                .to_string(),
            is_lifetime: false,
            cancel_at: unix(&event.object["cancel_at"]),
            created_at: same
                .map(|c| c.created_at)
                .or_else(|| unix(&event.object["created"]))
                .unwrap_or(now),
            updated_at: current
                .map(|c| now.max(c.updated_at + chrono::Duration::milliseconds(1)))
                .unwrap_or(now),
            deleted: event.kind == EventKind::Deleted,
            event_order: order,
        };
        if event.kind != EventKind::Deleted {
            let tier = event
                .metadata("billing")
                .and_then(Tier::parse)
                .filter(|t| *t != Tier::Free)
                .ok_or_else(|| {
                    Error::BadRequest("The subscription's metadata has no paid plan".into())
                })?;
            next.tier = tier;
            next.total_channels = tier.plan().channels;
            next.period = event
                .metadata("period")
                .and_then(Period::parse)
                .unwrap_or(Period::Monthly);
        }
        Ok(Step::Write(next))
    }

    async fn side_effects(&self, org: &str, after: &Subscription) -> Result<()> {
        self.effects
            .enforce_channel_limit(org, after.total_channels)
            .await?;
        // Applied every time, not only on a change: a retry after a crash between the write
        // and here must finish the work.
        let has_team = after.is_live() && after.tier.plan().team_members;
        self.effects.set_team_enabled(org, has_team).await?;
        self.effects
            .set_trial(org, after.is_live() && after.is_trialing())
            .await
    }
}

enum Step {
    Write(Subscription),
    Stop(Outcome),
}

fn unix(v: &Value) -> Option<DateTime<Utc>> {
    v.as_i64().and_then(|t| Utc.timestamp_opt(t, 0).single())
}
