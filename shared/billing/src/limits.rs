//! What an organization's plan allows, for the routes that enforce it. With no Stripe key
//! everything is open and the plan reads as ULTIMATE, as Postiz does.

use chrono::{DateTime, Datelike, Months, Utc};
use postiz_core::{Error, Result};

use crate::model::Subscription;
use crate::plans::Tier;
use crate::repo::BillingRepo;

/// Channels reported when billing is off (Postiz's value).
pub const OPEN_CHANNELS: u32 = 10_000;

/// An organization's plan as `/user/self` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPlan {
    /// The tier (`FREE` with billing on and no live subscription).
    pub tier: Tier,
    /// Channels allowed.
    pub total_channels: u32,
    /// On Stripe's trial.
    pub is_trailing: bool,
    /// Granted for life.
    pub is_lifetime: bool,
    /// The live subscription, if any.
    pub subscription: Option<Subscription>,
}

/// The plan rules.
#[derive(Clone)]
pub struct Billing {
    repo: BillingRepo,
    enabled: bool,
    billing_url: String,
}

impl std::fmt::Debug for Billing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Billing")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl Billing {
    /// Billing on `repo`; `enabled` when a Stripe secret key is set; `frontend_url` for the
    /// billing page the 402 answers point at.
    pub fn new(repo: BillingRepo, enabled: bool, frontend_url: &str) -> Self {
        Self {
            repo,
            enabled,
            billing_url: format!("{}/billing", frontend_url.trim_end_matches('/')),
        }
    }

    /// Billing configured from the environment: on when `STRIPE_SECRET_KEY` is set (as
    /// Postiz) or `BILLING=stripe` (Lambda, where the key stays in Secrets Manager).
    pub fn from_env(repo: BillingRepo) -> Self {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        let enabled = !var("STRIPE_SECRET_KEY").trim().is_empty() || var("BILLING") == "stripe";
        Self::new(repo, enabled, &var("FRONTEND_URL"))
    }

    /// Whether plans are enforced.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The repository (for the routes that read the record itself).
    pub fn repo(&self) -> &BillingRepo {
        &self.repo
    }

    /// The organization's plan.
    pub async fn plan(&self, org: &str) -> Result<OrgPlan> {
        if !self.enabled {
            return Ok(OrgPlan {
                tier: Tier::Ultimate,
                total_channels: OPEN_CHANNELS,
                is_trailing: false,
                is_lifetime: false,
                subscription: None,
            });
        }
        let live = self.repo.subscription(org).await?.filter(|s| s.is_live());
        Ok(match live {
            Some(s) => OrgPlan {
                tier: s.tier,
                total_channels: s.total_channels,
                is_trailing: s.is_trialing(),
                is_lifetime: s.is_lifetime,
                subscription: Some(s),
            },
            None => OrgPlan {
                tier: Tier::Free,
                total_channels: Tier::Free.plan().channels,
                is_trailing: false,
                is_lifetime: false,
                subscription: None,
            },
        })
    }

    /// Refuses one more active channel when the organization already has `active` (402
    /// with Postiz's message).
    pub async fn check_new_channel(&self, org: &str, active: usize) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let plan = self.plan(org).await?;
        if active < plan.total_channels as usize {
            Ok(())
        } else {
            Err(self.payment_required(
                "You have reached the maximum number of channels for your subscription",
            ))
        }
    }

    /// Refuses one more webhook when the organization already has `live` (Postiz's
    /// `WEBHOOKS` section: 402 with its message; FREE has none).
    pub async fn check_new_webhook(&self, org: &str, live: usize) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let plan = self.plan(org).await?;
        if live < plan.tier.plan().webhooks as usize {
            Ok(())
        } else {
            Err(self.payment_required(
                "You have reached the maximum number of webhooks for your subscription",
            ))
        }
    }

    /// Where the organization's posts are counted from and how many it may have (Postiz's
    /// `POSTS_PER_MONTH`: since the last monthly anniversary of the subscription); `None`
    /// while billing is off. FREE allows none.
    pub async fn post_allowance(
        &self,
        org: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(DateTime<Utc>, u32)>> {
        if !self.enabled {
            return Ok(None);
        }
        let plan = self.plan(org).await?;
        Ok(Some(match plan.subscription {
            Some(sub) => (
                period_start(sub.created_at, now),
                sub.tier.plan().posts_per_month,
            ),
            None => (now, 0),
        }))
    }

    /// Grants `tier` to `org` without Stripe (the platform administrators' tool): a record
    /// with no Stripe subscription, replaced by the next Stripe event for the organization.
    pub async fn grant(&self, org: &str, tier: Tier, now: DateTime<Utc>) -> Result<Subscription> {
        for _ in 0..5 {
            let current = self.repo.subscription(org).await?;
            let sub = Subscription {
                organization_id: org.to_string(),
                tier,
                period: crate::plans::Period::Monthly,
                total_channels: tier.plan().channels,
                customer_id: current.as_ref().and_then(|c| c.customer_id.clone()),
                stripe_subscription_id: None,
                identifier: None,
                status: "active".into(),
                is_lifetime: false,
                cancel_at: None,
                created_at: now,
                updated_at: current
                    .as_ref()
                    .map(|c| now.max(c.updated_at + chrono::Duration::milliseconds(1)))
                    .unwrap_or(now),
                deleted: tier == Tier::Free,
                event_order: current.as_ref().map(|c| c.event_order).unwrap_or_default(),
            };
            if self
                .repo
                .replace_subscription(&sub, current.as_ref())
                .await?
            {
                return Ok(sub);
            }
        }
        Err(Error::Conflict(
            "The subscription kept changing, please retry".into(),
        ))
    }

    /// The 402 for one post too many.
    pub fn posts_refusal(&self) -> Error {
        self.payment_required("You have reached the maximum number of posts for your subscription")
    }

    /// A 402 pointing at the billing page.
    pub fn payment_required(&self, message: &str) -> Error {
        Error::PaymentRequired {
            message: message.to_string(),
            url: self.billing_url.clone(),
        }
    }
}

/// The start of the current monthly period of a subscription begun at `anchor`: the last
/// monthly anniversary at or before `now` (the 31st falls on a shorter month's last day).
pub fn period_start(anchor: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    if now <= anchor {
        return anchor;
    }
    let months = (now.year() - anchor.year()) * 12 + now.month() as i32 - anchor.month() as i32;
    let at = |n: i32| {
        anchor
            .checked_add_months(Months::new(n.max(0) as u32))
            .unwrap_or(anchor)
    };
    let candidate = at(months);
    if candidate > now {
        at(months - 1)
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_restart_on_the_monthly_anniversary() {
        let t = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        let anchor = t(2026, 1, 31, 10);
        assert_eq!(period_start(anchor, t(2026, 1, 31, 11)), anchor);
        assert_eq!(period_start(anchor, t(2026, 2, 27, 0)), anchor);
        assert_eq!(period_start(anchor, t(2026, 2, 28, 11)), t(2026, 2, 28, 10));
        assert_eq!(period_start(anchor, t(2026, 3, 30, 0)), t(2026, 2, 28, 10));
        assert_eq!(period_start(anchor, t(2026, 3, 31, 10)), t(2026, 3, 31, 10));
        assert_eq!(period_start(anchor, t(2027, 1, 15, 0)), t(2026, 12, 31, 10));
        assert_eq!(period_start(anchor, t(2025, 1, 1, 0)), anchor);
    }
}
