//! What an organization's plan allows, for the routes that enforce it. With no Stripe key
//! everything is open and the plan reads as ULTIMATE, as Postiz does.

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

    /// A 402 pointing at the billing page.
    pub fn payment_required(&self, message: &str) -> Error {
        Error::PaymentRequired {
            message: message.to_string(),
            url: self.billing_url.clone(),
        }
    }
}
