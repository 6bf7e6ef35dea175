//! The subscription record: one per organization, written only by the Stripe webhook (and the
//! super-admin grant), read by every limit check.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::plans::{Period, Tier};

/// An organization's subscription (`ORG#<org>` / `SUBSCRIPTION`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// The organization.
    pub organization_id: String,
    /// The plan (`FREE` once the subscription is deleted).
    pub tier: Tier,
    /// How it is paid.
    pub period: Period,
    /// Channels allowed (the tier's, or a grant's).
    pub total_channels: u32,
    /// Stripe's customer (`cus_...`).
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Stripe's subscription (`sub_...`).
    #[serde(default)]
    pub stripe_subscription_id: Option<String>,
    /// The checkout's `uniqueId` (what `/billing/check/:id` polls).
    #[serde(default)]
    pub identifier: Option<String>,
    /// Stripe's status (`trialing`, `active`, `past_due`, `canceled`...).
    pub status: String,
    /// Granted for life: webhooks never change it.
    #[serde(default)]
    pub is_lifetime: bool,
    /// When Stripe will end it (cancel at period end).
    #[serde(default)]
    pub cancel_at: Option<DateTime<Utc>>,
    /// When the subscription began (the monthly allowances restart on its anniversary).
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Ended (`customer.subscription.deleted`): kept so older events cannot revive it.
    #[serde(default)]
    pub deleted: bool,
    /// Order of the last Stripe event applied: its `created`, then its kind (see
    /// [`crate::webhook::EventKind::rank`]).
    #[serde(default)]
    pub event_order: (i64, u8),
}

impl Subscription {
    /// Whether it gives the organization a paid plan now.
    pub fn is_live(&self) -> bool {
        !self.deleted
    }

    /// Whether Stripe still has it on trial.
    pub fn is_trialing(&self) -> bool {
        self.status != "active"
    }

    /// The row in Postiz's shape (`GET /billing`, `GET /user/subscription`).
    pub fn to_postiz_json(&self) -> Value {
        json!({
            "id": self.stripe_subscription_id,
            "organizationId": self.organization_id,
            "subscriptionTier": self.tier,
            "identifier": self.identifier,
            "cancelAt": self.cancel_at,
            "period": self.period,
            "totalChannels": self.total_channels,
            "isLifetime": self.is_lifetime,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "deletedAt": null,
        })
    }
}
