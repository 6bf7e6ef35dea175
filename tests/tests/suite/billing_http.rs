//! Billing over HTTP with Stripe on: the plan in `/user/self`, the channel limit's 402, and
//! the Stripe webhook (`POST /stripe`) applying signed events once, refusing forged ones.

use postiz_billing::signature;
use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

use crate::util::Session;

const APP: &str = "http://app.example";
pub(crate) const SIGNING: &str = "whsec_billing_http";

async fn server() -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (fake, _) = mastodon::app();
    let mut env = vec![
        ("DATA_DIR", dir.path().display().to_string()),
        ("FRONTEND_URL", APP.to_string()),
        ("STRIPE_SECRET_KEY", "sk_test_billing_http".to_string()),
        ("STRIPE_SIGNING_KEY", SIGNING.to_string()),
    ];
    env.extend(crate::util::mastodon_env(serve(fake).await));
    let srv = Running::server(&env).ready(Duration::from_secs(60)).await;
    (srv, dir)
}

pub(crate) fn subscription_event(
    id: &str,
    kind: &str,
    org: &str,
    tier: &str,
    created: i64,
) -> Value {
    json!({
        "id": id,
        "object": "event",
        "type": kind,
        "created": created,
        "data": {"object": {
            "id": "sub_http",
            "object": "subscription",
            "customer": "cus_http",
            "status": if kind.ends_with("deleted") { "canceled" } else { "active" },
            "created": created,
            "cancel_at": null,
            "metadata": {"service": "gitroom", "billing": tier, "period": "MONTHLY",
                         "uniqueId": "u-http", "organizationId": org}
        }}
    })
}

/// Delivers `event` to `/stripe` signed with `secret` now; the status and the answer.
pub(crate) async fn deliver(s: &Session, event: &Value, secret: &str) -> (u16, Value) {
    let body = serde_json::to_vec(event).unwrap();
    let header = signature::header(&body, chrono::Utc::now().timestamp(), secret);
    let r = s
        .http
        .post(format!("{}/stripe", s.base))
        .header("content-type", "application/json; charset=utf-8")
        .header("stripe-signature", header)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn me(s: &Session) -> Value {
    s.get("/user/self").await
}

async fn connect(s: &Session) -> (u16, Value) {
    crate::util::try_connect_mastodon(&s.http, &s.base, &s.token).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_moves_the_plan_and_the_channel_limit_follows() {
    let (srv, _dir) = server().await;
    let (s, _) = Session::register(&srv.base).await;
    let org = me(&s).await["orgId"].as_str().unwrap().to_string();

    // With Stripe on, a new organization is FREE: no channel.
    let self_view = me(&s).await;
    assert_eq!(
        (&self_view["tier"], &self_view["totalChannels"]),
        (&json!("FREE"), &json!(0))
    );
    let (status, body) = connect(&s).await;
    assert_eq!(status, 402, "{body}");
    assert_eq!(body["statusCode"], 402);
    assert_eq!(body["url"], format!("{APP}/billing"));
    assert!(body["message"].as_str().unwrap().contains("channels"));

    // A signed `customer.subscription.created` makes it STANDARD.
    let now = chrono::Utc::now().timestamp();
    let created = subscription_event(
        "evt_c",
        "customer.subscription.created",
        &org,
        "STANDARD",
        now - 5,
    );
    let (status, body) = deliver(&s, &created, SIGNING).await;
    assert_eq!((status, &body["ok"]), (200, &json!(true)), "{body}");
    let self_view = me(&s).await;
    assert_eq!(
        (
            &self_view["tier"],
            &self_view["totalChannels"],
            &self_view["isTrailing"]
        ),
        (&json!("STANDARD"), &json!(5), &json!(false))
    );
    let (status, body) = connect(&s).await;
    assert_eq!(status, 201, "{body}");
    let channel = body["id"].as_str().unwrap().to_string();

    // The same event again changes nothing; a forged or unsigned one is refused.
    let (status, body) = deliver(&s, &created, SIGNING).await;
    assert_eq!((status, &body["duplicate"]), (200, &json!(true)), "{body}");
    let mut forged = subscription_event(
        "evt_f",
        "customer.subscription.updated",
        &org,
        "ULTIMATE",
        now,
    );
    let (status, _) = deliver(&s, &forged, "whsec_forged").await;
    assert_eq!(status, 400);
    forged["id"] = json!("evt_f2");
    let r = s
        .http
        .post(format!("{}/stripe", s.base))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&forged).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(me(&s).await["tier"], "STANDARD");

    // Deleted: back to FREE, the channel disabled, enabling it again is a 402.
    let deleted = subscription_event(
        "evt_d",
        "customer.subscription.deleted",
        &org,
        "STANDARD",
        now,
    );
    let (status, body) = deliver(&s, &deleted, SIGNING).await;
    assert_eq!(status, 200, "{body}");
    let self_view = me(&s).await;
    assert_eq!(
        (&self_view["tier"], &self_view["totalChannels"]),
        (&json!("FREE"), &json!(0))
    );
    let list = s.get("/integrations/list").await;
    let row = list["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == channel.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["disabled"], true, "{row}");
    let (status, body) = s
        .call(
            Method::POST,
            "/integrations/enable",
            Some(json!({"id": channel})),
        )
        .await;
    assert_eq!(status, 402, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_stripe_every_plan_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[("DATA_DIR", dir.path().display().to_string())])
        .ready(Duration::from_secs(60))
        .await;
    let (s, _) = Session::register(&srv.base).await;
    let self_view = me(&s).await;
    assert_eq!(
        (
            &self_view["tier"],
            &self_view["totalChannels"],
            &self_view["isTrailing"]
        ),
        (&json!("ULTIMATE"), &json!(10_000), &json!(false))
    );
    // No signing key: the webhook refuses everything.
    let event = subscription_event("evt_x", "customer.subscription.created", "org", "PRO", 1);
    let (status, body) = deliver(&s, &event, SIGNING).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_the_public_api_and_invitations_follow_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let admin_email = format!("{}@example.com", postiz_tests::unique("staff"));
    let srv = Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("FRONTEND_URL", APP.to_string()),
        ("STRIPE_SECRET_KEY", "sk_test_billing_http".to_string()),
        ("STRIPE_SIGNING_KEY", SIGNING.to_string()),
        ("SUPER_ADMIN_EMAILS", admin_email.clone()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let (s, _) = Session::register(&srv.base).await;
    let org = me(&s).await["orgId"].as_str().unwrap().to_string();
    let key = me(&s).await["publicApi"].as_str().unwrap().to_string();
    let public = |path: &str| {
        s.http
            .get(format!("{}{path}", s.base))
            .header("authorization", key.clone())
            .send()
    };

    // FREE: no posts, no public API, no team.
    let when = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let post = json!({"type": "draft", "date": when, "shortLink": false, "tags": [],
                      "posts": [{"integration": {"id": "none"}, "value": [{"content": "<p>hi</p>"}]}]});
    let (status, body) = s.call(Method::POST, "/posts", Some(post.clone())).await;
    assert_eq!((status, &body["statusCode"]), (402, &json!(402)), "{body}");
    assert!(body["message"].as_str().unwrap().contains("posts"));
    let r = public("/public/v1/integrations").await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"msg": "No subscription found"})
    );
    let invite = json!({"email": "member@example.com", "role": "USER", "sendEmail": false});
    let (status, _) = s
        .call(Method::POST, "/settings/team", Some(invite.clone()))
        .await;
    assert_eq!(status, 402);

    // STANDARD: posts and the public API, still no team; TEAM adds the team.
    let now = chrono::Utc::now().timestamp();
    let standard = subscription_event(
        "evt_s",
        "customer.subscription.created",
        &org,
        "STANDARD",
        now - 10,
    );
    assert_eq!(deliver(&s, &standard, SIGNING).await.0, 200);
    let (status, body) = s.call(Method::POST, "/posts", Some(post)).await;
    assert_eq!(status, 400, "past the plan, the channel is checked: {body}");
    assert_eq!(
        public("/public/v1/integrations").await.unwrap().status(),
        200
    );
    let (status, _) = s
        .call(Method::POST, "/settings/team", Some(invite.clone()))
        .await;
    assert_eq!(status, 402);
    let team = subscription_event(
        "evt_t",
        "customer.subscription.updated",
        &org,
        "TEAM",
        now - 5,
    );
    assert_eq!(deliver(&s, &team, SIGNING).await.0, 200);
    let (status, body) = s.call(Method::POST, "/settings/team", Some(invite)).await;
    assert_eq!(status, 201, "{body}");

    // The platform administrators grant a plan without Stripe; others cannot.
    let (status, _) = s
        .call(
            Method::POST,
            "/billing/add-subscription",
            Some(json!({"subscription": "PRO"})),
        )
        .await;
    assert_eq!(status, 400);
    let http = reqwest::Client::new();
    let token = postiz_tests::client::register_as(&http, &srv.base, &admin_email).await;
    let admin = Session {
        http,
        base: srv.base.clone(),
        token,
    };
    assert_eq!(me(&admin).await["tier"], "FREE");
    let (status, body) = admin
        .call(
            Method::POST,
            "/billing/add-subscription",
            Some(json!({"subscription": "PRO"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let granted = me(&admin).await;
    assert_eq!(
        (&granted["tier"], &granted["totalChannels"]),
        (&json!("PRO"), &json!(30))
    );
    assert_eq!(
        me(&s).await["tier"],
        "TEAM",
        "only the administrator's organization"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_queued_before_billing_does_not_go_out_without_a_subscription() {
    // Queued while billing was off; the server comes back with Stripe on and the organization
    // has no subscription: the post fails with a reason instead of going out.
    let dir = tempfile::tempdir().unwrap();
    let (fake, seen) = mastodon::app();
    let mastodon_url = serve(fake).await;
    // One store across the restart: the embedded one, in both CI passes.
    let mut env = vec![
        ("STORAGE", "embedded".to_string()),
        ("DATA_DIR", dir.path().display().to_string()),
        ("FRONTEND_URL", APP.to_string()),
    ];
    env.extend(crate::util::mastodon_env(mastodon_url));
    let mut open = Running::server(&env).ready(Duration::from_secs(60)).await;
    let (s, _) = Session::register(&open.base).await;
    let channel = crate::util::connect_mastodon(&s.http, &s.base, &s.token).await;
    let when = (chrono::Utc::now() + chrono::Duration::seconds(8))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (status, body) = s
        .call(
            Method::POST,
            "/posts",
            Some(json!({"type": "schedule", "date": when, "shortLink": false, "tags": [],
                        "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                                   "value": [{"content": "<p>later</p>"}]}]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body[0]["postId"].as_str().unwrap().to_string();
    open.stop();

    env.push(("STRIPE_SECRET_KEY", "sk_test_billing_http".to_string()));
    let billed = Running::server(&env).ready(Duration::from_secs(60)).await;
    let s = Session {
        base: billed.base.clone(),
        ..s
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let thread = loop {
        let t = s.get(&format!("/posts/{id}")).await;
        if t["posts"][0]["state"] == "ERROR" {
            break t;
        }
        assert!(std::time::Instant::now() < deadline, "still {t}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(thread["posts"][0]["error"], "No subscription", "{thread}");
    assert_eq!(
        seen.lock().unwrap().status_requests,
        0,
        "nothing was sent to the network"
    );
}

/// As Postiz: when the plan drops to FREE (no RSS autopost), the organization's feeds stop at
/// their next run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_stop_when_the_plan_drops_to_free() {
    let (feed, _) = postiz_tests::fakes::feed::app();
    let feed_url = format!("{}/feed.xml", serve(feed).await);
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("FRONTEND_URL", APP.to_string()),
        ("STRIPE_SECRET_KEY", "sk_test_billing_http".to_string()),
        ("STRIPE_SIGNING_KEY", SIGNING.to_string()),
        ("FETCH_ALLOW_PRIVATE", "true".to_string()),
        ("AUTOPOST_TICK_SECS", "1".to_string()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let (s, _) = Session::register(&srv.base).await;
    let org = me(&s).await["orgId"].as_str().unwrap().to_string();
    let now = chrono::Utc::now().timestamp();
    let created = subscription_event(
        "evt_p",
        "customer.subscription.created",
        &org,
        "PRO",
        now - 5,
    );
    assert_eq!(deliver(&s, &created, SIGNING).await.0, 200);
    let body = json!({
        "title": "Blog", "content": "", "onSlot": false, "syncLast": false, "url": feed_url,
        "active": true, "addPicture": false, "generateContent": false, "integrations": [],
    });
    let (status, answer) = s.call(Method::POST, "/autopost", Some(body)).await;
    assert!(status < 300, "{answer}");
    assert_eq!(s.get("/autopost").await[0]["active"], true);

    let deleted = subscription_event("evt_q", "customer.subscription.deleted", &org, "PRO", now);
    assert_eq!(deliver(&s, &deleted, SIGNING).await.0, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while s.get("/autopost").await[0]["active"] != false {
        assert!(std::time::Instant::now() < deadline, "the feed is still on");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
