//! The webhook's rules on the embedded store: signature, plan changes, duplicates, order,
//! failures given back for Stripe's retry, lifetime grants.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use postiz_billing::repo::Claim;
use postiz_billing::signature;
use postiz_billing::{Billing, BillingRepo, OrgEffects, Outcome, Tier, Webhooks};
use postiz_core::clock::FixedClock;
use postiz_core::{Clock, Error, Result};
use postiz_storage::embedded::EmbeddedStore;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec_rules";
const T0: i64 = 1_800_000_000;

/// Records what the webhook asked of the organization; can be told to fail once.
#[derive(Default)]
struct Recorded {
    calls: Mutex<Vec<String>>,
    fail_next: AtomicBool,
}

#[async_trait]
impl OrgEffects for Recorded {
    async fn enforce_channel_limit(&self, org: &str, limit: u32) -> Result<usize> {
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(Error::Unavailable("the table is down".into()));
        }
        self.calls
            .lock()
            .unwrap()
            .push(format!("{org} channels<={limit}"));
        Ok(0)
    }
    async fn set_team_enabled(&self, org: &str, enabled: bool) -> Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("{org} team={enabled}"));
        Ok(())
    }
    async fn set_trial(&self, org: &str, is_trailing: bool) -> Result<()> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("{org} trial={is_trailing}"));
        Ok(())
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    repo: BillingRepo,
    effects: Arc<Recorded>,
    hooks: Webhooks,
}

fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(Utc.timestamp_opt(T0, 0).unwrap()));
    let store = EmbeddedStore::open(&dir.path().join("db"), clock.clone(), vec![]).unwrap();
    let repo = BillingRepo::new(Arc::new(store));
    let effects = Arc::new(Recorded::default());
    let hooks = Webhooks::new(repo.clone(), effects.clone(), SECRET.into(), clock.clone());
    Rig {
        _dir: dir,
        clock,
        repo,
        effects,
        hooks,
    }
}

fn event(id: &str, kind: &str, created: i64, tier: &str, status: &str) -> Value {
    json!({
        "id": id,
        "object": "event",
        "type": kind,
        "created": created,
        "data": {"object": {
            "id": "sub_1",
            "object": "subscription",
            "customer": "cus_1",
            "status": status,
            "created": T0 - 10,
            "cancel_at": null,
            "metadata": {"service": "gitroom", "billing": tier, "period": "MONTHLY",
                         "uniqueId": "u1", "organizationId": "org1"}
        }}
    })
}

impl Rig {
    async fn deliver(&self, ev: &Value) -> Result<Outcome> {
        let body = serde_json::to_vec(ev).unwrap();
        let sig = signature::header(&body, self.clock.now_secs(), SECRET);
        self.hooks.receive(&body, Some(&sig)).await
    }

    async fn tier(&self) -> Tier {
        Billing::new(self.repo.clone(), true, "http://app")
            .plan("org1")
            .await
            .unwrap()
            .tier
    }

    fn calls(&self) -> Vec<String> {
        std::mem::take(&mut self.effects.calls.lock().unwrap())
    }
}

#[tokio::test]
async fn created_then_deleted_moves_the_plan_and_its_side_effects() {
    let r = rig();
    assert_eq!(r.tier().await, Tier::Free);
    let created = event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "TEAM",
        "trialing",
    );
    assert_eq!(r.deliver(&created).await.unwrap(), Outcome::Applied);
    assert_eq!(r.tier().await, Tier::Team);
    assert_eq!(
        r.calls(),
        ["org1 channels<=10", "org1 team=true", "org1 trial=true"]
    );
    let plan = Billing::new(r.repo.clone(), true, "http://app")
        .plan("org1")
        .await
        .unwrap();
    assert_eq!((plan.total_channels, plan.is_trailing), (10, true));

    // A downgrade to STANDARD: five channels, no team.
    let updated = event(
        "evt_2",
        "customer.subscription.updated",
        T0 + 5,
        "STANDARD",
        "active",
    );
    assert_eq!(r.deliver(&updated).await.unwrap(), Outcome::Applied);
    assert_eq!(r.tier().await, Tier::Standard);
    assert_eq!(
        r.calls(),
        ["org1 channels<=5", "org1 team=false", "org1 trial=false"]
    );

    let deleted = event(
        "evt_3",
        "customer.subscription.deleted",
        T0 + 9,
        "STANDARD",
        "canceled",
    );
    assert_eq!(r.deliver(&deleted).await.unwrap(), Outcome::Applied);
    assert_eq!(r.tier().await, Tier::Free);
    assert_eq!(
        r.calls(),
        ["org1 channels<=0", "org1 team=false", "org1 trial=false"]
    );
    // The record stays as a tombstone, so an older update cannot revive the plan.
    let late = event(
        "evt_4",
        "customer.subscription.updated",
        T0 + 8,
        "PRO",
        "active",
    );
    assert_eq!(r.deliver(&late).await.unwrap(), Outcome::Stale);
    assert_eq!(r.tier().await, Tier::Free);
    assert!(r.calls().is_empty());
}

#[tokio::test]
async fn the_same_event_twice_changes_nothing_the_second_time() {
    let r = rig();
    let created = event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "PRO",
        "active",
    );
    assert_eq!(r.deliver(&created).await.unwrap(), Outcome::Applied);
    let record = r.repo.subscription("org1").await.unwrap().unwrap();
    r.calls();
    r.clock.advance(chrono::Duration::seconds(30));
    assert_eq!(r.deliver(&created).await.unwrap(), Outcome::Duplicate);
    assert_eq!(r.repo.subscription("org1").await.unwrap().unwrap(), record);
    assert!(r.calls().is_empty());
}

#[tokio::test]
async fn events_out_of_order_end_in_the_newest_state() {
    let r = rig();
    // Stripe sent created (T0), then updated to ULTIMATE (T0+1); updated arrives first.
    let created = event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "PRO",
        "trialing",
    );
    let updated = event(
        "evt_2",
        "customer.subscription.updated",
        T0 + 1,
        "ULTIMATE",
        "active",
    );
    assert_eq!(r.deliver(&updated).await.unwrap(), Outcome::Applied);
    assert_eq!(r.deliver(&created).await.unwrap(), Outcome::Stale);
    assert_eq!(r.tier().await, Tier::Ultimate);
    // In the same second, updated wins over created whatever the arrival order.
    let r = rig();
    let created = event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "PRO",
        "trialing",
    );
    let updated = event(
        "evt_2",
        "customer.subscription.updated",
        T0,
        "TEAM",
        "active",
    );
    r.deliver(&updated).await.unwrap();
    assert_eq!(r.deliver(&created).await.unwrap(), Outcome::Stale);
    assert_eq!(r.tier().await, Tier::Team);
}

#[tokio::test]
async fn forged_stale_and_foreign_deliveries_change_nothing() {
    let r = rig();
    let created = event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "PRO",
        "active",
    );
    let body = serde_json::to_vec(&created).unwrap();
    for header in [
        None,
        Some(signature::header(&body, T0, "whsec_forged")),
        Some(signature::header(&body, T0 - 301, SECRET)),
        Some("t=1800000000".to_string()),
    ] {
        let err = r.hooks.receive(&body, header.as_deref()).await.unwrap_err();
        assert!(matches!(err, Error::BadRequest(_)), "{err:?}");
    }
    // A body changed after signing.
    let sig = signature::header(&body, T0, SECRET);
    let mut tampered = created.clone();
    tampered["data"]["object"]["metadata"]["billing"] = json!("ULTIMATE");
    let err = r
        .hooks
        .receive(&serde_json::to_vec(&tampered).unwrap(), Some(&sig))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadRequest(_)));
    // Another product's subscription and other event types are acknowledged, not applied.
    let mut foreign = created.clone();
    foreign["data"]["object"]["metadata"]["service"] = json!("other");
    assert!(matches!(
        r.deliver(&foreign).await.unwrap(),
        Outcome::Ignored(_)
    ));
    let mut invoice = created.clone();
    invoice["type"] = json!("invoice.paid");
    assert!(matches!(
        r.deliver(&invoice).await.unwrap(),
        Outcome::Ignored(_)
    ));
    // An incomplete first payment is not a plan yet.
    let incomplete = event(
        "evt_9",
        "customer.subscription.created",
        T0,
        "PRO",
        "incomplete",
    );
    assert!(matches!(
        r.deliver(&incomplete).await.unwrap(),
        Outcome::Ignored(_)
    ));
    assert_eq!(r.tier().await, Tier::Free);
    assert!(r.repo.subscription("org1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_failure_gives_the_event_back_and_the_retry_finishes_it() {
    let r = rig();
    let created = event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "TEAM",
        "active",
    );
    r.effects.fail_next.store(true, Ordering::SeqCst);
    assert!(matches!(
        r.deliver(&created).await.unwrap_err(),
        Error::Unavailable(_)
    ));
    // Stripe retries: the event is handled in full, side effects included.
    assert_eq!(r.deliver(&created).await.unwrap(), Outcome::Applied);
    assert_eq!(
        r.calls(),
        ["org1 channels<=10", "org1 team=true", "org1 trial=false"]
    );
    assert_eq!(r.tier().await, Tier::Team);
}

#[tokio::test]
async fn a_claim_is_exclusive_until_its_lease_ends() {
    let r = rig();
    assert_eq!(
        r.repo.claim_event("evt_x", T0).await.unwrap(),
        Claim::Claimed
    );
    assert_eq!(
        r.repo.claim_event("evt_x", T0 + 1).await.unwrap(),
        Claim::Busy
    );
    // A delivery that crashed holding the claim: the lease runs out, a retry takes over.
    let later = T0 + postiz_billing::repo::EVENT_LEASE_SECS + 1;
    assert_eq!(
        r.repo.claim_event("evt_x", later).await.unwrap(),
        Claim::Claimed
    );
    r.repo.finish_event("evt_x", later).await.unwrap();
    assert_eq!(
        r.repo.claim_event("evt_x", later + 9999).await.unwrap(),
        Claim::Done
    );
}

#[tokio::test]
async fn the_channel_limit_answers_402_with_the_billing_page() {
    let r = rig();
    let billing = Billing::new(r.repo.clone(), true, "https://app.example/");
    let err = billing.check_new_channel("org1", 0).await.unwrap_err();
    match err {
        Error::PaymentRequired { url, message } => {
            assert_eq!(url, "https://app.example/billing");
            assert!(message.contains("maximum number of channels"));
        }
        other => panic!("{other:?}"),
    }
    r.deliver(&event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "STANDARD",
        "active",
    ))
    .await
    .unwrap();
    billing.check_new_channel("org1", 4).await.unwrap();
    assert!(billing.check_new_channel("org1", 5).await.is_err());
    // Billing off: everything is open.
    let open = Billing::new(r.repo.clone(), false, "https://app.example");
    open.check_new_channel("org2", 10_000).await.unwrap();
    assert_eq!(open.plan("org2").await.unwrap().tier, Tier::Ultimate);
}

#[tokio::test]
async fn credits_are_taken_up_to_the_allowance_and_given_back_on_failure() {
    use postiz_billing::{CreditKind, Credits};
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(Utc.timestamp_opt(T0, 0).unwrap()));
    let store: Arc<dyn postiz_storage::Table> =
        Arc::new(EmbeddedStore::open(&dir.path().join("db"), clock.clone(), vec![]).unwrap());
    let repo = BillingRepo::new(store.clone());
    let effects = Arc::new(Recorded::default());
    let hooks = Webhooks::new(repo.clone(), effects, SECRET.into(), clock.clone());
    let billing = Billing::new(repo.clone(), true, "http://app");
    let credits = Credits::new(billing.clone(), store.clone());
    let now = clock.now();
    // FREE: none.
    assert!(credits
        .take("org1", CreditKind::Images, now)
        .await
        .unwrap()
        .is_none());
    // STANDARD: 3 videos a month.
    let body = serde_json::to_vec(&event(
        "evt_1",
        "customer.subscription.created",
        T0,
        "STANDARD",
        "active",
    ))
    .unwrap();
    hooks
        .receive(&body, Some(&signature::header(&body, T0, SECRET)))
        .await
        .unwrap();
    let mut taken = Vec::new();
    for _ in 0..3 {
        taken.push(
            credits
                .take("org1", CreditKind::Videos, now)
                .await
                .unwrap()
                .expect("a credit"),
        );
    }
    assert!(credits
        .take("org1", CreditKind::Videos, now)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        credits.left("org1", CreditKind::Videos, now).await.unwrap(),
        Some(0)
    );
    // A failed call gives its credit back.
    credits.give_back(taken.pop().unwrap()).await.unwrap();
    assert_eq!(
        credits.left("org1", CreditKind::Videos, now).await.unwrap(),
        Some(1)
    );
    assert!(credits
        .take("org1", CreditKind::Videos, now)
        .await
        .unwrap()
        .is_some());
    // Images are counted apart; the next monthly period starts afresh.
    assert_eq!(
        credits.left("org1", CreditKind::Images, now).await.unwrap(),
        Some(20)
    );
    let next_month = now + chrono::Duration::days(32);
    assert_eq!(
        credits
            .left("org1", CreditKind::Videos, next_month)
            .await
            .unwrap(),
        Some(3)
    );
    // Billing off: unlimited.
    let open = Credits::new(Billing::new(repo, false, "http://app"), store);
    assert!(open
        .take("org2", CreditKind::Images, now)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        open.left("org2", CreditKind::Images, now).await.unwrap(),
        None
    );
}
