//! AI credits (Postiz's `Credits`): each plan allows so many generated images and videos a
//! month, counted since the subscription's monthly anniversary. A credit is taken before the
//! AI call and given back if the call fails. The count is one atomic counter per
//! organization, kind and period (`ORG#<org>` / `CREDITS#<kind>#<period start>`, TTL after
//! the period), so concurrent calls across Lambdas never overspend. Unlimited while billing
//! is off; FREE has none.

use chrono::{DateTime, Utc};
use postiz_core::Result;
use postiz_storage::{Key, Table};
use std::sync::Arc;

use crate::limits::{period_start, Billing};

/// What a credit pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditKind {
    /// An AI image (`image_generation_count`).
    Images,
    /// An AI video (`generate_videos`).
    Videos,
}

impl CreditKind {
    fn name(self) -> &'static str {
        match self {
            CreditKind::Images => "ai_images",
            CreditKind::Videos => "ai_videos",
        }
    }
}

/// A credit taken; give it back with [`Credits::give_back`] if the call fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    key: Option<Key>,
}

/// The credits service.
#[derive(Clone)]
pub struct Credits {
    billing: Billing,
    table: Arc<dyn Table>,
}

impl Credits {
    /// Credits on `table` under `billing`'s plans.
    pub fn new(billing: Billing, table: Arc<dyn Table>) -> Self {
        Self { billing, table }
    }

    /// The counter of `kind` for the current period and the period's allowance; `None` when
    /// the organization has no subscription.
    async fn counter(
        &self,
        org: &str,
        kind: CreditKind,
        now: DateTime<Utc>,
    ) -> Result<Option<(Key, i64, u32)>> {
        let Some(sub) = self.billing.plan(org).await?.subscription else {
            return Ok(None);
        };
        let allowance = match kind {
            CreditKind::Images => sub.tier.plan().image_generation_count,
            CreditKind::Videos => sub.tier.plan().generate_videos,
        };
        let since = period_start(sub.created_at, now).timestamp();
        let key = Key::new(
            format!("ORG#{org}"),
            format!("CREDITS#{}#{since}", kind.name()),
        );
        Ok(Some((key, since, allowance)))
    }

    /// Takes one credit of `kind` at `now`; `None` when the month's allowance is spent (or
    /// the plan has none).
    pub async fn take(
        &self,
        org: &str,
        kind: CreditKind,
        now: DateTime<Utc>,
    ) -> Result<Option<Credit>> {
        if !self.billing.enabled() {
            return Ok(Some(Credit { key: None }));
        }
        let Some((key, since, allowance)) = self.counter(org, kind, now).await? else {
            return Ok(None);
        };
        if allowance == 0 {
            return Ok(None);
        }
        // Kept a little over two months: the period it counts, plus room for late returns.
        let expires = since + 62 * 24 * 3600;
        let used = self.table.increment(&key, "used", 1, Some(expires)).await?;
        if used > i64::from(allowance) {
            self.table.increment(&key, "used", -1, None).await?;
            return Ok(None);
        }
        Ok(Some(Credit { key: Some(key) }))
    }

    /// Returns a credit whose AI call failed.
    pub async fn give_back(&self, credit: Credit) -> Result<()> {
        if let Some(key) = credit.key {
            self.table.increment(&key, "used", -1, None).await?;
        }
        Ok(())
    }

    /// Credits of `kind` left this period (`None`: unlimited, billing off).
    pub async fn left(
        &self,
        org: &str,
        kind: CreditKind,
        now: DateTime<Utc>,
    ) -> Result<Option<u32>> {
        if !self.billing.enabled() {
            return Ok(None);
        }
        let Some((key, _, allowance)) = self.counter(org, kind, now).await? else {
            return Ok(Some(0));
        };
        let used = self
            .table
            .get(&key)
            .await?
            .and_then(|i| postiz_storage::ItemExt::int(&i, "used"))
            .unwrap_or(0);
        Ok(Some(allowance.saturating_sub(used.max(0) as u32)))
    }
}
