//! `/billing/*` with Stripe on (Postiz's `billing.controller.ts` and `StripeService`): start a
//! plan through hosted Checkout, change it in place, poll the checkout, the billing portal,
//! cancel, end the trial. The subscription record itself only ever changes through the
//! webhook, so what the organization has is what Stripe says it has.

use chrono::{TimeZone, Utc};
use postiz_core::{Error, Result};
use serde_json::{json, Value};

use crate::limits::Billing;
use crate::plans::{Period, Tier};
use crate::stripe::{CheckoutRequest, StripeApi};

/// Who is asking: the organization and the user (from the session).
#[derive(Debug, Clone)]
pub struct Payer<'a> {
    /// Organization id.
    pub organization_id: &'a str,
    /// Organization name (the customer's name).
    pub organization_name: &'a str,
    /// Whether the organization may still start a trial.
    pub allow_trial: bool,
    /// The user's id.
    pub user_id: &'a str,
    /// The user's email (the customer's email).
    pub email: &'a str,
}

/// The billing routes' rules with Stripe on.
#[derive(Clone, Debug)]
pub struct Payments {
    billing: Billing,
    stripe: StripeApi,
    frontend_url: String,
}

impl Payments {
    /// Payments through `stripe`, links back to `frontend_url`.
    pub fn new(billing: Billing, stripe: StripeApi, frontend_url: &str) -> Self {
        Self {
            billing,
            stripe,
            frontend_url: frontend_url.trim_end_matches('/').to_string(),
        }
    }

    async fn customer(&self, p: &Payer<'_>) -> Result<String> {
        let repo = self.billing.repo();
        if let Some(c) = repo.customer_of_organization(p.organization_id).await? {
            return Ok(c);
        }
        let c = self
            .stripe
            .create_customer(p.email, p.organization_name, p.organization_id)
            .await?;
        repo.link_customer(&c, p.organization_id).await?;
        Ok(c)
    }

    /// `POST /billing/subscribe` (hosted) and `POST /billing/embedded`: `{url}` of a Checkout
    /// Session (`{client_secret}` when `embedded`) when the organization has no subscription;
    /// `{id}` after moving the current one to the new price (the difference invoiced now);
    /// `{portal}` when Stripe refuses the change (e.g. no valid card).
    ///
    /// The embedded checkout only ever starts a plan: with a live subscription it answers
    /// `{subscribed: true}` and changes nothing. (Postiz changes the plan there too; its web
    /// app asks for an embedded session while it waits for a new subscription's webhook, which
    /// would move the plan just bought back to the default one.)
    pub async fn subscribe(
        &self,
        p: &Payer<'_>,
        tier: Tier,
        period: Period,
        unique_id: &str,
        embedded: bool,
    ) -> Result<Value> {
        let live = self.billing.plan(p.organization_id).await?.subscription;
        if embedded && live.is_some() {
            return Ok(json!({ "subscribed": true }));
        }
        let customer = self.customer(p).await?;
        let price = self.stripe.price(tier, period).await?;
        let mut metadata = json!({
            "service": "gitroom",
            "billing": tier.as_str(),
            "period": period.as_str(),
            "uniqueId": unique_id,
            "organizationId": p.organization_id,
            "userId": p.user_id,
        });
        if let Some(live) = live {
            let Some(sub) = live.stripe_subscription_id else {
                return Err(Error::BadRequest(
                    "This plan was granted without Stripe and cannot be changed here".into(),
                ));
            };
            if let Some(first) = live.identifier {
                metadata["uniqueId"] = json!(first);
            }
            return Ok(
                match self.stripe.change_price(&sub, &price, &metadata).await {
                    Ok(id) => json!({ "id": id }),
                    Err(e) => {
                        tracing::warn!(error = %e, "a plan change was refused; sending to the portal");
                        json!({ "portal": self.portal_url(&customer).await? })
                    }
                },
            );
        }
        let opened = self
            .stripe
            .checkout(&CheckoutRequest {
                customer: &customer,
                price: &price,
                trial_days: p.allow_trial.then_some(7),
                allow_promotion_codes: period == Period::Monthly,
                metadata,
                success_url: format!(
                    "{}/launches?onboarding=true&trialStart=true&check={unique_id}",
                    self.frontend_url
                ),
                cancel_url: format!("{}/billing?cancel=true", self.frontend_url),
                embedded,
            })
            .await?;
        Ok(if embedded {
            json!({ "client_secret": opened })
        } else {
            json!({ "url": opened })
        })
    }

    /// `POST /billing/prorate`: `{price}` in dollars, what changing the live subscription to
    /// `tier` paid every `period` costs today (never below 0); 0 without a Stripe
    /// subscription, where a checkout prices the plan instead.
    pub async fn prorate(&self, org: &str, tier: Tier, period: Period) -> Result<Value> {
        let live = self.billing.plan(org).await?.subscription;
        let Some(sub) = live.and_then(|s| s.stripe_subscription_id) else {
            return Ok(json!({ "price": 0 }));
        };
        let price = self.stripe.price(tier, period).await?;
        let cents = self.stripe.preview_change(&sub, &price).await?.max(0);
        Ok(json!({ "price": cents as f64 / 100.0 }))
    }

    /// `GET /billing/check/:id`: 2 once the checkout's subscription is recorded, 1 when it
    /// ended, 0 while waiting for Stripe's event.
    pub async fn check(&self, org: &str, unique_id: &str) -> Result<Value> {
        let record = self.billing.repo().subscription(org).await?;
        let status = match record.filter(|s| s.identifier.as_deref() == Some(unique_id)) {
            Some(s) if s.is_live() => 2,
            Some(_) => 1,
            None => 0,
        };
        Ok(json!({ "status": status }))
    }

    async fn portal_url(&self, customer: &str) -> Result<String> {
        self.stripe
            .portal(customer, &format!("{}/billing", self.frontend_url))
            .await
    }

    /// `GET /billing/portal`: `{portal: url}`.
    pub async fn portal(&self, org: &str) -> Result<Value> {
        let customer = self
            .billing
            .repo()
            .customer_of_organization(org)
            .await?
            .ok_or_else(|| {
                Error::BadRequest("No payment customer found for this organization".into())
            })?;
        Ok(json!({ "portal": self.portal_url(&customer).await? }))
    }

    async fn live_subscription(&self, org: &str) -> Result<String> {
        self.billing
            .plan(org)
            .await?
            .subscription
            .and_then(|s| s.stripe_subscription_id)
            .ok_or_else(|| Error::BadRequest("The organization has no subscription".into()))
    }

    /// `POST /billing/cancel`: undoes a pending cancel; cancels now when payment is failing;
    /// otherwise cancels at the end of the period. `{id, cancel_at}`.
    pub async fn cancel(&self, org: &str) -> Result<Value> {
        let id = self.live_subscription(org).await?;
        let current = self.stripe.subscription(&id).await?;
        let failing = matches!(
            current["status"].as_str(),
            Some("past_due" | "unpaid" | "incomplete")
        );
        let after = if failing {
            self.stripe.cancel_now(&id).await?
        } else {
            let pending = current["cancel_at_period_end"].as_bool().unwrap_or(false);
            self.stripe.cancel_at_period_end(&id, !pending).await?
        };
        let cancel_at = after["cancel_at"]
            .as_i64()
            .or_else(|| {
                after["cancel_at_period_end"]
                    .as_bool()
                    .filter(|c| *c)
                    .and_then(|_| after["current_period_end"].as_i64())
            })
            .or_else(|| failing.then(|| Utc::now().timestamp()))
            .and_then(|t| Utc.timestamp_opt(t, 0).single());
        Ok(json!({ "id": id, "cancel_at": cancel_at }))
    }

    /// `POST /billing/finish-trial`: ends the trial now.
    pub async fn finish_trial(&self, org: &str) -> Result<Value> {
        let id = self.live_subscription(org).await?;
        self.stripe.end_trial(&id).await?;
        Ok(json!({ "finish": true }))
    }
}
