//! The access patterns of billing on the single table:
//!
//! | item | pk | sk |
//! |---|---|---|
//! | subscription | `ORG#<org>` | `SUBSCRIPTION` |
//! | Stripe customer → organization | `STRIPE_CUSTOMER#<cus>` | `ORG` |
//! | organization → its Stripe customer | `ORG#<org>` | `STRIPE_CUSTOMER` |
//! | a webhook event being or having been handled (TTL) | `STRIPE_EVENT#<evt>` | `EVENT` |

use postiz_core::Result;
use postiz_storage::item::{from_item, to_item};
use postiz_storage::{Condition, ItemExt, Key, Table, TxOp, Update};
use serde_json::json;
use std::sync::Arc;

use crate::model::Subscription;

/// How long a handled event id is remembered (Stripe retries for three days).
pub const EVENT_MEMORY_SECS: i64 = 30 * 24 * 3600;

/// How long a delivery may hold an event before another delivery may take it over (a crash
/// mid-handling leaves the claim; Stripe's retry comes minutes later).
pub const EVENT_LEASE_SECS: i64 = 120;

fn subscription_key(org: &str) -> Key {
    Key::new(format!("ORG#{org}"), "SUBSCRIPTION")
}
fn customer_key(customer: &str) -> Key {
    Key::new(format!("STRIPE_CUSTOMER#{customer}"), "ORG")
}
fn org_customer_key(org: &str) -> Key {
    Key::new(format!("ORG#{org}"), "STRIPE_CUSTOMER")
}
fn event_key(id: &str) -> Key {
    Key::new(format!("STRIPE_EVENT#{id}"), "EVENT")
}

/// What claiming an event found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This delivery handles it.
    Claimed,
    /// It was handled already.
    Done,
    /// Another delivery is handling it right now.
    Busy,
}

/// Subscriptions, customers and webhook events on the table.
#[derive(Clone)]
pub struct BillingRepo {
    table: Arc<dyn Table>,
}

impl BillingRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The organization's subscription record (a deleted one included).
    pub async fn subscription(&self, org: &str) -> Result<Option<Subscription>> {
        Ok(match self.table.get(&subscription_key(org)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// Writes `sub` if the stored record is still `previous` (no lost update when two
    /// deliveries race); `false` when it changed meanwhile.
    pub async fn replace_subscription(
        &self,
        sub: &Subscription,
        previous: Option<&Subscription>,
    ) -> Result<bool> {
        let item = to_item(&subscription_key(&sub.organization_id), sub)?;
        let condition = match previous {
            None => Condition::NotExists,
            Some(p) => Condition::eq(
                "updatedAt",
                serde_json::to_value(p.updated_at).unwrap_or_default(),
            ),
        };
        match self.table.put(item, Some(condition)).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The organization a Stripe customer pays for.
    pub async fn organization_of_customer(&self, customer: &str) -> Result<Option<String>> {
        Ok(self
            .table
            .get(&customer_key(customer))
            .await?
            .and_then(|i| i.str("organizationId").map(str::to_string)))
    }

    /// The Stripe customer paying for `org`.
    pub async fn customer_of_organization(&self, org: &str) -> Result<Option<String>> {
        Ok(self
            .table
            .get(&org_customer_key(org))
            .await?
            .and_then(|i| i.str("customerId").map(str::to_string)))
    }

    /// Records that `customer` pays for `org`, both ways.
    pub async fn link_customer(&self, customer: &str, org: &str) -> Result<()> {
        let mut by_customer = customer_key(customer).to_item();
        by_customer.insert("organizationId".into(), json!(org));
        let mut by_org = org_customer_key(org).to_item();
        by_org.insert("customerId".into(), json!(customer));
        self.table
            .transact(vec![
                TxOp::Put {
                    item: by_customer,
                    condition: None,
                },
                TxOp::Put {
                    item: by_org,
                    condition: None,
                },
            ])
            .await?;
        Ok(())
    }

    /// Claims event `id` for this delivery at `now` (unix seconds): a conditional write, so
    /// of two deliveries only one handles it; a claim older than the lease is taken over.
    pub async fn claim_event(&self, id: &str, now: i64) -> Result<Claim> {
        let update = Update::new()
            .set("status", "processing")
            .set("leaseUntil", now + EVENT_LEASE_SECS)
            .set(postiz_storage::item::TTL, now + EVENT_MEMORY_SECS);
        let free = Condition::Or(vec![
            Condition::NotExists,
            Condition::And(vec![
                Condition::eq("status", "processing"),
                Condition::LessThan("leaseUntil".into(), json!(now)),
            ]),
        ]);
        match self.table.update(&event_key(id), update, Some(free)).await {
            Ok(_) => Ok(Claim::Claimed),
            Err(e) if e.is_condition_failed() => {
                let done = self
                    .table
                    .get(&event_key(id))
                    .await?
                    .is_some_and(|i| i.str("status") == Some("done"));
                Ok(if done { Claim::Done } else { Claim::Busy })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Marks event `id` handled (remembered for [`EVENT_MEMORY_SECS`]).
    pub async fn finish_event(&self, id: &str, now: i64) -> Result<()> {
        let update = Update::new()
            .set("status", "done")
            .remove("leaseUntil")
            .set(postiz_storage::item::TTL, now + EVENT_MEMORY_SECS);
        self.table.update(&event_key(id), update, None).await?;
        Ok(())
    }

    /// Gives event `id` back after a failure, so Stripe's retry handles it at once.
    pub async fn release_event(&self, id: &str) -> Result<()> {
        self.table
            .delete(&event_key(id), Some(Condition::eq("status", "processing")))
            .await
            .map(|_| ())
            .or_else(|e| {
                if e.is_condition_failed() {
                    Ok(())
                } else {
                    Err(e.into())
                }
            })
    }
}
