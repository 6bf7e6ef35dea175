//! Billing against a Stripe emulator (`localstripe`, with our fake for Checkout, prices and the
//! portal): subscribe → Checkout URL → the customer pays → Stripe's signed webhook → the plan;
//! a plan change in place; the portal; cancel and undo.

use postiz_tests::fakes::stripe::Stripe;
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

use crate::util::Session;

const APP: &str = "http://app.example";
const SIGNING: &str = "whsec_localstripe";

/// Polls `/user/self` until its tier is `tier`.
async fn wait_for_tier(s: &Session, tier: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let me = s.get("/user/self").await;
        if me["tier"] == tier {
            return me;
        }
        assert!(
            Instant::now() < deadline,
            "the plan stayed {} instead of {tier}",
            me["tier"]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_bought_through_checkout_and_arrives_by_the_webhook() {
    let stripe = Stripe::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (mastodon, _) = postiz_tests::fakes::mastodon::app();
    let mut env = vec![
        ("DATA_DIR", dir.path().display().to_string()),
        ("FRONTEND_URL", APP.to_string()),
        ("STRIPE_SECRET_KEY", "sk_test_localstripe".to_string()),
        ("STRIPE_API_BASE", stripe.base.clone()),
        ("STRIPE_SIGNING_KEY", SIGNING.to_string()),
    ];
    env.extend(crate::util::mastodon_env(
        postiz_tests::fakes::serve(mastodon).await,
    ));
    let srv = Running::server(&env).ready(Duration::from_secs(60)).await;
    stripe
        .send_webhooks_to(&format!("{}/stripe", srv.base), SIGNING)
        .await;
    let (s, _) = Session::register(&srv.base).await;
    let org = s.get("/user/self").await["orgId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(s.get("/user/self").await["tier"], "FREE");

    // Invalid plans are refused before Stripe is called.
    let (status, _) = s
        .call(
            Method::POST,
            "/billing/subscribe",
            Some(json!({"period": "WEEKLY", "billing": "PRO"})),
        )
        .await;
    assert_eq!(status, 400);

    // Subscribe: a Checkout Session for the PRO monthly price, with Postiz's metadata.
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/subscribe",
            Some(json!({"period": "MONTHLY", "billing": "PRO"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let url = body["url"].as_str().expect("a checkout URL").to_string();
    assert!(
        url.starts_with(&format!("{}/checkout/cs_", stripe.base)),
        "{url}"
    );
    let session = stripe
        .sessions
        .lock()
        .unwrap()
        .values()
        .find(|s| s["url"].as_str() == Some(url.as_str()))
        .cloned()
        .unwrap();
    let meta = &session["subscription_metadata"];
    assert_eq!(
        (
            &meta["service"],
            &meta["billing"],
            &meta["period"],
            &meta["organizationId"]
        ),
        (
            &json!("gitroom"),
            &json!("PRO"),
            &json!("MONTHLY"),
            &json!(org)
        )
    );
    assert_eq!(
        session["trial_period_days"], "7",
        "a new organization gets the trial"
    );
    assert_eq!(session["allow_promotion_codes"], "true");
    let unique = meta["uniqueId"].as_str().unwrap().to_string();
    assert!(session["success_url"].as_str().unwrap().ends_with(&format!(
        "/launches?onboarding=true&trialStart=true&check={unique}"
    )));
    assert_eq!(
        s.get(&format!("/billing/check/{unique}")).await,
        json!({"status": 0})
    );

    // Without a subscription a plan change costs nothing today (a checkout prices it).
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/prorate",
            Some(json!({"period": "MONTHLY", "billing": "PRO"})),
        )
        .await;
    assert_eq!((status, &body), (201, &json!({"price": 0})), "{body}");

    // The embedded checkout opens a session the app mounts with its client secret.
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/embedded",
            Some(json!({"period": "YEARLY", "billing": "TEAM"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["client_secret"].as_str().expect("a client secret");
    assert!(
        secret.starts_with("cs_test_") && secret.contains("_secret_"),
        "{secret}"
    );
    assert!(body.get("url").is_none());

    // The customer pays; localstripe signs and sends customer.subscription.created.
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let paid = no_redirects.get(&url).send().await.unwrap();
    assert_eq!(paid.status(), 303, "{}", paid.text().await.unwrap());
    assert_eq!(
        paid.headers()["location"].to_str().unwrap(),
        session["success_url"].as_str().unwrap()
    );
    let me = wait_for_tier(&s, "PRO").await;
    assert_eq!(me["totalChannels"], 30);
    // The organization picker's rows carry the subscription, as Postiz's do.
    let orgs = s.get("/user/organizations").await;
    assert_eq!(orgs[0]["subscription"]["subscriptionTier"], "PRO", "{orgs}");
    assert_eq!(orgs[0]["subscription"]["totalChannels"], 30);
    assert_eq!(
        s.get(&format!("/billing/check/{unique}")).await,
        json!({"status": 2})
    );
    let record = s.get("/billing").await;
    assert_eq!(
        (
            &record["subscriptionTier"],
            &record["period"],
            &record["totalChannels"]
        ),
        (&json!("PRO"), &json!("MONTHLY"), &json!(30))
    );
    assert_eq!(
        s.get("/user/subscription").await,
        json!({ "subscription": record }),
        "the web app's billing page reads the same row"
    );
    let sub_id = record["id"].as_str().unwrap().to_string();

    // The embedded checkout never touches a live subscription (the web app asks for one
    // while it waits for the webhook of the plan just bought).
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/embedded",
            Some(json!({"period": "MONTHLY", "billing": "STANDARD"})),
        )
        .await;
    assert_eq!(
        (status, &body),
        (201, &json!({"subscribed": true})),
        "{body}"
    );
    assert_eq!(s.get("/billing").await["subscriptionTier"], "PRO");
    assert!(sub_id.starts_with("sub_"));

    // What moving to ULTIMATE costs today: more than nothing, less than a whole month of it
    // (what PRO's month already paid counts); a cheaper plan costs nothing today.
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/prorate",
            Some(json!({"period": "MONTHLY", "billing": "ULTIMATE"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let today = body["price"].as_f64().expect("a price");
    assert!(today > 0.0 && today < 99.0, "{body}");
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/prorate",
            Some(json!({"period": "MONTHLY", "billing": "STANDARD"})),
        )
        .await;
    assert_eq!((status, &body), (201, &json!({"price": 0.0})), "{body}");

    // A plan change moves the same subscription; the updated event brings the new plan.
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/subscribe",
            Some(json!({"period": "MONTHLY", "billing": "ULTIMATE"})),
        )
        .await;
    assert_eq!((status, &body["id"]), (201, &json!(sub_id)), "{body}");
    let me = wait_for_tier(&s, "ULTIMATE").await;
    assert_eq!(me["totalChannels"], 100);

    // The portal, then cancel at the period's end and undo.
    let portal = s.get("/billing/portal").await;
    assert!(portal["portal"].as_str().unwrap().starts_with(&stripe.base));
    let (status, body) = s
        .call(
            Method::POST,
            "/billing/cancel",
            Some(json!({"feedback": "x"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"], sub_id);
    assert!(body["cancel_at"].is_string(), "{body}");
    let (status, body) = s
        .call(Method::POST, "/billing/cancel", Some(json!({})))
        .await;
    assert_eq!((status, &body["cancel_at"]), (201, &Value::Null), "{body}");

    // A channel fits the plan; when Stripe ends the subscription (localstripe sends
    // customer.subscription.deleted) the organization is FREE and the channel is disabled.
    let (status, body) = crate::util::try_connect_mastodon(&s.http, &s.base, &s.token).await;
    assert_eq!(status, 201, "{body}");
    let ended = reqwest::Client::new()
        .delete(format!("{}/v1/subscriptions/{sub_id}", stripe.localstripe))
        .basic_auth("sk_test_fake", Some(""))
        .send()
        .await
        .unwrap();
    assert!(ended.status().is_success());
    let me = wait_for_tier(&s, "FREE").await;
    assert_eq!(me["totalChannels"], 0);
    assert_eq!(
        s.get("/user/organizations").await[0]["subscription"],
        Value::Null
    );
    let channels = s.get("/integrations/list").await;
    assert!(channels["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["disabled"] == true));
    let (status, body) = s
        .call(
            Method::POST,
            "/integrations/enable",
            Some(json!({"id": body["id"]})),
        )
        .await;
    assert_eq!(status, 402, "{body}");
}
