//! The isolation sweep: every operation of `GET /openapi.json` (the internal API and the
//! public one, read from the running server, so routes added later join by themselves) is
//! called by a second organization with the first one's ids in its path, query and body.
//!
//! - An operation with an id of the first organization in its path answers 4xx.
//! - An operation taking ids in its body (the `BODY_IDS` table) answers 4xx.
//! - No answer shows anything of the first organization that the caller did not send.
//! - The first organization's data reads the same before and after the sweep.
//! - A USER member gets 403 from the operations that need ADMIN (`ADMIN_ONLY`); a member
//!   removed from the team loses the organization at once.
//!
//! Every operation must be classified: an operation without path ids that is in none of the
//! tables fails the test, so the sweep cannot fall behind the routes.

use postiz_tests::fakes::{mastodon, serve, x};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

use crate::util::Session;

/// Operations whose body carries ids of the caller's organization: with the other
/// organization's ids they must answer 4xx.
const BODY_IDS: &[&str] = &[
    "DELETE /integrations",
    "POST /integrations/disable",
    "POST /integrations/enable",
    "POST /integrations/function",
    "POST /posts",
    "PUT /sets",
    "POST /user/change-org",
    "POST /public/v1/posts",
    "POST /webhooks",
    "PUT /webhooks",
    "POST /autopost",
];

/// Operations with no id of an organization's data to try (lists, the caller's own
/// settings, creation without references, sign-up and login, features answering their
/// switched-off values): only checked for leaks and for leaving the other organization be.
const NO_IDS: &[&str] = &[
    "GET /admin/errors",
    "GET /admin/errors/platforms",
    "GET /admin/stats",
    "GET /announcements",
    "POST /announcements",
    "POST /auth/activate",
    "GET /auth/can-register",
    "POST /auth/forgot",
    "POST /auth/forgot-return",
    "POST /auth/login",
    "POST /auth/register",
    "POST /auth/resend-activation",
    "GET /autopost",
    "POST /autopost/send",
    "GET /billing",
    "POST /billing/add-subscription",
    "POST /billing/apply-coupon",
    "POST /billing/apply-discount",
    "POST /billing/cancel",
    "POST /billing/cancel-coupon",
    "POST /billing/cancel-subscription",
    "GET /billing/charges",
    "POST /billing/chatbase-refund",
    "GET /billing/chatbase-refund/preview",
    "GET /billing/check-discount",
    "GET /billing/coupon-info",
    "POST /billing/embedded",
    "POST /billing/finish-trial",
    "GET /billing/is-trial-finished",
    "GET /billing/portal",
    "POST /billing/prorate",
    "POST /billing/refund-charges",
    "POST /billing/subscribe",
    "POST /copilot/agent",
    "POST /copilot/chat",
    "GET /copilot/credits",
    "GET /copilot/list",
    "GET /integrations",
    "GET /integrations/customers",
    "GET /integrations/list",
    "POST /integrations/mentions",
    "POST /integrations/moltbook/register",
    "GET /integrations/moltbook/status",
    "GET /integrations/plug/list",
    "GET /integrations/telegram/updates",
    "GET /media",
    "POST /media/abort-multipart-upload",
    "POST /media/complete-multipart-upload",
    "POST /media/complete-upload",
    "POST /media/create-multipart-upload",
    "POST /media/create-upload",
    "POST /media/generate-image",
    "POST /media/generate-image-with-prompt",
    "POST /media/generate-video",
    "POST /media/information",
    "POST /media/list-parts",
    "POST /media/prepare-upload-parts",
    "POST /media/save-media",
    "POST /media/sign-part",
    "POST /media/upload-server",
    "POST /media/upload-simple",
    "GET /media/video-options",
    "POST /media/video/function",
    "GET /notifications",
    "GET /notifications/list",
    "GET /oauth/authorize",
    // Approval for the caller's own organization (the session's): a client id of another
    // organization's app only lets the caller grant that app access to its own data.
    "POST /oauth/authorize",
    "POST /oauth/register",
    "POST /oauth/token",
    "GET /.well-known/oauth-authorization-server/mcp-oauth",
    "GET /openapi.json",
    "GET /posts",
    "GET /posts/find-slot",
    "POST /posts/generator",
    "GET /posts/list",
    "GET /posts/old",
    "POST /posts/separate-posts",
    "POST /posts/should-shortlink",
    "GET /posts/tags",
    "POST /posts/tags",
    "POST /posts/valid",
    "GET /public/stream",
    "POST /public/t",
    "POST /public/v1/generate-video",
    "GET /public/v1/groups",
    "GET /public/v1/integrations",
    "GET /public/v1/is-connected",
    "GET /public/v1/notifications",
    "GET /public/v1/posts",
    "POST /public/v1/upload",
    "POST /public/v1/upload-from-url",
    "POST /public/v1/video/function",
    "GET /sets",
    "POST /sets",
    "GET /settings/shortlink",
    "POST /settings/shortlink",
    "GET /settings/team",
    "POST /settings/team",
    "POST /settings/team/add",
    "GET /signatures",
    "POST /signatures",
    "GET /signatures/default",
    "GET /third-party",
    "GET /third-party/list",
    "GET /user/agent-media-sso",
    "POST /user/api-key/rotate",
    "GET /user/approved-apps",
    "GET /user/chatbase-token",
    "POST /user/delete-account",
    "GET /user/email-notifications",
    "POST /user/email-notifications",
    "GET /user/impersonate",
    "POST /user/impersonate",
    "POST /user/join-org",
    "POST /user/logout",
    "GET /user/oauth-app",
    "PUT /user/oauth-app",
    "POST /user/oauth-app",
    "DELETE /user/oauth-app",
    "POST /user/oauth-app/rotate-secret",
    "GET /user/organizations",
    "GET /user/personal",
    "POST /user/personal",
    "GET /user/self",
    "GET /user/subscription",
    "GET /user/subscription/tiers",
    "POST /user/switch",
    "POST /user/t",
    // Stripe's webhook: no session; the organization comes only from an event signed with
    // the endpoint's secret (billing_http checks forged ones change nothing).
    "POST /stripe",
    "GET /webhooks",
    "POST /webhooks/send",
];

/// Operations with a path id that answer 2xx for any id, and why that leaks nothing.
const OPEN_BY_DESIGN: &[(&str, &str)] = &[
    (
        "GET /public/posts/{id}",
        "the public preview link: readable by anyone who has it",
    ),
    (
        "GET /public/posts/{id}/comments",
        "the comments of the public preview",
    ),
    (
        "GET /l/{code}",
        "a short link put in a published post: anyone who has it follows it to its URL",
    ),
];

/// Path prefixes of features not built yet, or whose data this sweep's server (no AI model)
/// cannot create (the assistant's conversations: `copilot_http` checks that another
/// organization never reads them): nothing of theirs exists to try, so an id of theirs is a
/// random one; their answers are only checked for leaks.
const NOT_BUILT: &[&str] = &[
    "/third-party/",
    "/billing/check/",
    "/copilot/",
    "/announcements/",
    "/media/generate-video/",
];

/// Operations a USER member of an organization is refused (403): they need ADMIN.
const ADMIN_ONLY: &[&str] = &[
    "POST /user/api-key/rotate",
    "POST /settings/shortlink",
    "GET /settings/team",
    "POST /settings/team",
    "DELETE /settings/team/{id}",
    "GET /user/oauth-app",
    "POST /user/oauth-app",
    "PUT /user/oauth-app",
    "DELETE /user/oauth-app",
    "POST /user/oauth-app/rotate-secret",
];

/// One organization's session, key and ids.
struct Org {
    s: Session,
    email: String,
    key: String,
    org_id: String,
    user_id: String,
}

impl Org {
    async fn register(base: &str) -> Self {
        let (s, email) = Session::register(base).await;
        let me = s.get("/user/self").await;
        Org {
            key: me["publicApi"].as_str().unwrap().to_string(),
            org_id: me["orgId"].as_str().unwrap().to_string(),
            user_id: me["id"].as_str().unwrap().to_string(),
            email,
            s,
        }
    }
}

/// The first organization's data.
struct Seeded {
    channel: String,
    post: String,
    group: String,
    draft: String,
    tag: String,
    media: String,
    media_path: String,
    set: String,
    signature: String,
    customer: String,
    /// The organization's own OAuth app.
    oauth_client: String,
    /// The owner's grant of that app, and the token it issued.
    grant: String,
    token: String,
    /// A webhook and one of its deliveries.
    webhook: String,
    delivery: String,
    /// An RSS feed.
    autopost: String,
    /// An X channel and the plug set on it.
    x_channel: String,
    plug: String,
}

async fn post_json(s: &Session, path: &str, body: Value) -> Value {
    let (status, answer) = s.call(Method::POST, path, Some(body)).await;
    assert!(status < 300, "seeding {path}: {status} {answer}");
    answer
}

async fn seed(a: &Org) -> Seeded {
    let s = &a.s;
    let channel = crate::util::connect_mastodon(&s.http, &s.base, &s.token).await;
    // A webhook first, so that the posts below give it deliveries. A public address on a
    // closed port (no DNS here): its attempts fail, which changes nothing the sweep compares.
    let webhook = post_json(
        s,
        "/webhooks",
        json!({"name": "Secret hook", "url": "https://93.184.215.14:1/secret-hook",
               "integrations": [{"id": channel}]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, grouped) = s
        .call(
            Method::PUT,
            &format!("/integrations/{channel}/customer-name"),
            Some(json!({"name": "Secret Customer"})),
        )
        .await;
    assert!(status < 300, "{grouped}");
    let customer = grouped["customer"]["id"].as_str().unwrap().to_string();
    let when = (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%dT%H:%M:00Z");
    let mut created = Vec::new();
    for kind in ["schedule", "draft"] {
        let out = post_json(
            s,
            "/posts",
            json!({"type": kind, "date": when.to_string(), "shortLink": false, "tags": [],
                   "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                              "value": [{"content": format!("<p>secret {kind}</p>"), "image": []}]}]}),
        )
        .await;
        created.push(out[0]["postId"].as_str().unwrap().to_string());
    }
    let thread = s.get(&format!("/posts/{}", created[0])).await;
    post_json(
        s,
        &format!("/posts/{}/comments", created[0]),
        json!({"comment": "a secret comment"}),
    )
    .await;
    let tag = post_json(
        s,
        "/posts/tags",
        json!({"name": "secret-tag", "color": "#123456"}),
    )
    .await;
    let (status, media) = s
        .upload("secret.png", "image/png", crate::media_http::png(9))
        .await;
    assert_eq!(status, 201, "{media}");
    let set = post_json(
        s,
        "/sets",
        json!({"name": "Secret set", "content": "{\"a\":1}"}),
    )
    .await;
    let signature = post_json(
        s,
        "/signatures",
        json!({"content": "<p>secret signature</p>", "autoAdd": false}),
    )
    .await;
    let (oauth_client, grant, token) = seed_oauth(s).await;
    let autopost = post_json(
        s,
        "/autopost",
        json!({"title": "Secret feed", "url": "https://93.184.215.14:1/secret.xml",
               "active": false, "integrations": [{"id": channel}]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let x_channel = crate::util::connect_x(s).await;
    let (status, saved) = s
        .call(
            Method::POST,
            &format!("/integrations/{x_channel}/plugs"),
            Some(json!({"func": "autoRepostPost", "fields": [{"name": "likesAmount", "value": "3"}]})),
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    let plug = s.get(&format!("/integrations/{x_channel}/plugs")).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deliveries = s.get(&format!("/webhooks/{webhook}/deliveries")).await;
    let delivery = deliveries[0]["id"].as_str().unwrap().to_string();
    Seeded {
        x_channel,
        plug,
        autopost,
        webhook,
        delivery,
        oauth_client,
        grant,
        token,
        channel,
        post: created[0].clone(),
        group: thread["group"].as_str().unwrap().to_string(),
        draft: created[1].clone(),
        tag: tag["id"].as_str().unwrap().to_string(),
        media: media["id"].as_str().unwrap().to_string(),
        media_path: media["path"].as_str().unwrap().to_string(),
        set: set["id"].as_str().unwrap().to_string(),
        signature: signature["id"].as_str().unwrap().to_string(),
        customer,
    }
}

/// The organization's own OAuth app, approved by its owner and its code exchanged: the
/// client id, the grant's id and the `pos_` token.
async fn seed_oauth(s: &Session) -> (String, String, String) {
    let app = post_json(
        s,
        "/user/oauth-app",
        json!({"name": "Secret app", "redirectUrl": "https://secret-app.example/cb"}),
    )
    .await;
    let client = app["clientId"].as_str().unwrap().to_string();
    let secret = app["clientSecret"].as_str().unwrap().to_string();
    let answer = post_json(
        s,
        "/oauth/authorize",
        json!({"client_id": client, "action": "approve"}),
    )
    .await;
    let code = crate::util::code_in_redirect(&answer);
    let token: Value = s
        .http
        .post(format!("{}/oauth/token", s.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", client.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let grants = s.get("/user/approved-apps").await;
    let grant = grants[0]["id"].as_str().unwrap().to_string();
    (client, grant, token)
}

/// What the first organization reads of its own data.
async fn snapshot(a: &Org, d: &Seeded) -> Value {
    let s = &a.s;
    let window = format!(
        "/posts?startDate={}&endDate={}",
        (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT00:00:00Z"),
        (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%dT00:00:00Z"),
    );
    let mut out = serde_json::Map::new();
    for path in [
        "/integrations/list".to_string(),
        "/integrations/customers".to_string(),
        window,
        format!("/posts/{}", d.post),
        format!("/posts/{}", d.draft),
        format!("/public/posts/{}/comments", d.post),
        "/posts/tags".to_string(),
        "/media".to_string(),
        "/sets".to_string(),
        "/signatures".to_string(),
        "/settings/team".to_string(),
        "/settings/shortlink".to_string(),
        "/user/organizations".to_string(),
        "/user/personal".to_string(),
        "/user/oauth-app".to_string(),
        "/user/approved-apps".to_string(),
        "/webhooks".to_string(),
        "/autopost".to_string(),
        format!("/integrations/{}/plugs", d.x_channel),
    ] {
        out.insert(path.clone(), s.get(&path).await);
    }
    let mut me = s.get("/user/self").await;
    if let Some(m) = me.as_object_mut() {
        m.remove("lastOnline");
    }
    out.insert("/user/self".into(), me);
    // The log's entries (their attempts go on meanwhile: only which ones exist).
    let log = s.get(&format!("/webhooks/{}/deliveries", d.webhook)).await;
    let mut ids: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    ids.sort();
    out.insert("deliveries".into(), json!(ids));
    for (what, credential) in [("key works", &a.key), ("token works", &d.token)] {
        let status = crate::util::is_connected(&s.http, &s.base, credential).await;
        out.insert(what.into(), json!(status));
    }
    Value::Object(out)
}

/// The id of the first organization a path or body `id` stands for, by the route's prefix.
fn id_for(path: &str, param: &str, a: &Org, d: &Seeded) -> String {
    if NOT_BUILT.iter().any(|p| path.starts_with(p)) {
        return uuid::Uuid::new_v4().to_string();
    }
    match param {
        "group" => return d.group.clone(),
        "provider" => return "mastodon".into(),
        "function" => return "subreddits".into(),
        "delivery" => return d.delivery.clone(),
        // This server makes no short links (short_links_http checks their organizations).
        "code" => return "NoSuch12".into(),
        _ => {}
    }
    let rules: &[(&str, &str)] = &[
        ("/posts/tags", "tag"),
        ("/posts/find-slot", "channel"),
        ("/posts", "post"),
        ("/public/posts", "post"),
        ("/public/v1/posts", "post"),
        ("/public/v1/analytics/post", "post"),
        ("/analytics/post", "post"),
        ("/analytics", "channel"),
        ("/public/v1/analytics", "channel"),
        ("/public/v1/find-slot", "channel"),
        ("/public/v1/integration", "channel"),
        ("/integrations/plugs", "plug"),
        ("/integrations", "channel"),
        ("/media", "media"),
        ("/sets", "set"),
        ("/signatures", "signature"),
        ("/settings/team", "user"),
        ("/user/change-org", "org"),
        ("/user/approved-apps", "grant"),
        ("/webhooks", "webhook"),
        ("/autopost", "autopost"),
    ];
    let Some(kind) = rules
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, k)| *k)
    else {
        // A body `id` of a route that takes none: any id.
        assert_eq!(
            param, "body",
            "no id rule for {{{param}}} in {path}: add one to id_for"
        );
        return uuid::Uuid::new_v4().to_string();
    };
    match kind {
        "tag" => d.tag.clone(),
        "channel" => d.channel.clone(),
        "post" => d.post.clone(),
        "media" => d.media.clone(),
        "set" => d.set.clone(),
        "signature" => d.signature.clone(),
        "user" => a.user_id.clone(),
        "org" => a.org_id.clone(),
        "grant" => d.grant.clone(),
        "webhook" => d.webhook.clone(),
        "autopost" => d.autopost.clone(),
        "plug" => d.plug.clone(),
        other => unreachable!("{other}"),
    }
}

/// A body carrying the first organization's ids under every name routes read them from.
fn body_for(path: &str, a: &Org, d: &Seeded) -> Value {
    let channel = json!({"id": d.channel});
    json!({
        "id": id_for(path, "body", a, d),
        "group": d.group,
        "customer": d.customer,
        "integration": channel,
        "integrations": [d.channel],
        "type": "draft",
        "date": "2031-01-01T10:00:00Z",
        "shortLink": false,
        "tags": [{"value": d.tag, "label": "secret-tag"}],
        "posts": [{"integration": channel, "settings": {"__type": "mastodon"},
                   "value": [{"content": "<p>sweep</p>", "image": [{"id": d.media, "path": d.media_path}]}]}],
        "media": [{"id": d.media, "path": d.media_path}],
        "name": "sweep",
        "content": "sweep",
        "comment": "sweep",
        "color": "#000000",
        "provider": "mastodon",
        "functionName": "subreddits",
        "data": {},
        "func": "autoRepostPost",
        "fields": [{"name": "likesAmount", "value": "1"}],
        "status": true,
    })
}

fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

/// The operations of the served document.
async fn operations(base: &str) -> Vec<(String, String)> {
    let doc: Value = reqwest::get(format!("{base}/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// Sends one operation as `caller` (session, and the API key on public routes); the status
/// and the answer's text.
async fn call(caller: &Org, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
    let s = &caller.s;
    let mut req = s
        .http
        .request(method.parse().unwrap(), format!("{}{path}", s.base))
        .header("auth", &s.token);
    if path.starts_with("/public/v1/") {
        req = req.header("authorization", &caller.key);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_operation_reaches_another_organization() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, _) = mastodon::app();
    let (x_app, _) = x::app();
    let x_fake = serve(x_app).await;
    let srv = Running::server(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("API_LIMIT", "1000000".to_string()),
        ("MASTODON_URL", serve(fake).await),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
        ("FETCH_ALLOW_PRIVATE", "true".to_string()),
        ("X_URL", x_fake.clone()),
        ("X_UPLOAD_URL", x_fake),
        ("X_API_KEY", x::KEY.to_string()),
        ("X_API_SECRET", x::SECRET.to_string()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let a = Org::register(&srv.base).await;
    let d = seed(&a).await;
    let before = snapshot(&a, &d).await;
    let secrets: Vec<(&str, String)> = vec![
        ("email", a.email.clone()),
        ("API key", a.key.clone()),
        ("org id", a.org_id.clone()),
        ("user id", a.user_id.clone()),
        ("channel", d.channel.clone()),
        ("post", d.post.clone()),
        ("group", d.group.clone()),
        ("draft", d.draft.clone()),
        ("tag", d.tag.clone()),
        ("media", d.media.clone()),
        (
            "media file",
            d.media_path.rsplit('/').next().unwrap().to_string(),
        ),
        ("set", d.set.clone()),
        ("signature", d.signature.clone()),
        ("customer", d.customer.clone()),
        ("OAuth client", d.oauth_client.clone()),
        ("OAuth grant", d.grant.clone()),
        ("OAuth token", d.token.clone()),
        ("content", "secret schedule".into()),
        ("comment", "a secret comment".into()),
    ];

    let ops = operations(&srv.base).await;
    let mut b = Org::register(&srv.base).await;
    let mut problems = Vec::new();
    let mut unclassified = BTreeSet::new();
    let (mut path_cases, mut body_cases) = (0, 0);
    for (method, template) in &ops {
        let op = format!("{method} {template}");
        let params = path_params(template);
        let open = OPEN_BY_DESIGN.iter().any(|(o, _)| *o == op);
        let body_ids = BODY_IDS.contains(&op.as_str());
        if params.is_empty() && !body_ids && !NO_IDS.contains(&op.as_str()) {
            unclassified.insert(op.clone());
            continue;
        }
        let mut path = template.clone();
        for p in &params {
            path = path.replace(&format!("{{{p}}}"), &id_for(template, p, &a, &d));
        }
        let query = format!(
            "?id={}&integration={}&customer={}&group={}",
            d.post, d.channel, d.customer, d.group
        );
        let body = (method != "GET").then(|| body_for(template, &a, &d));
        let sent = format!(
            "{path}{query} {}",
            body.as_ref().map(Value::to_string).unwrap_or_default()
        );
        let (status, answer) = call(&b, method, &format!("{path}{query}"), body.as_ref()).await;
        let ids_in_path = params
            .iter()
            .any(|p| !matches!(*p, "provider" | "function"))
            && !NOT_BUILT.iter().any(|n| template.starts_with(n));
        if ids_in_path {
            path_cases += 1;
        }
        if body_ids {
            body_cases += 1;
        }
        if (ids_in_path && !open || body_ids) && !(400..500).contains(&status) {
            problems.push(format!(
                "{op}: {status} with the other organization's ids: {answer:.300}"
            ));
        }
        if status >= 500 {
            problems.push(format!("{op}: {status}: {answer:.300}"));
        }
        for (what, secret) in &secrets {
            if !open && answer.contains(secret.as_str()) && !sent.contains(secret.as_str()) {
                problems.push(format!(
                    "{op}: the answer shows the other organization's {what}"
                ));
            }
        }
        // An operation that ended the caller's session (logout, account deletion) or
        // changed its key: carry on as a fresh organization.
        let (still, _) = b.s.call(Method::GET, "/user/self", None).await;
        if still != 200 {
            b = Org::register(&srv.base).await;
        } else {
            b.key = b.s.get("/user/self").await["publicApi"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
    }
    assert!(
        unclassified.is_empty(),
        "operations without an isolation case (add each to BODY_IDS or NO_IDS): {unclassified:#?}"
    );
    let after = snapshot(&a, &d).await;
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(before, after, "the first organization's data changed");
    eprintln!(
        "isolation sweep: {} operations, {path_cases} with the other organization's ids in the path, {body_cases} in the body",
        ops.len()
    );
    assert!(ops.len() >= 200, "{} operations", ops.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_member_cannot_act_as_admin_and_a_removed_one_loses_the_organization() {
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[("DATA_DIR", dir.path().display().to_string())])
        .ready(Duration::from_secs(60))
        .await;
    let a = Org::register(&srv.base).await;
    let mut m = Org::register(&srv.base).await;
    let (status, invite) =
        a.s.call(
            Method::POST,
            "/settings/team",
            Some(json!({"email": m.email, "role": "USER", "sendEmail": false})),
        )
        .await;
    assert!(status < 300, "{invite}");
    let token = invite["url"]
        .as_str()
        .unwrap()
        .split("org=")
        .nth(1)
        .unwrap();
    let (status, joined) =
        m.s.call(Method::POST, "/user/join-org", Some(json!({"org": token})))
            .await;
    assert_eq!((status, joined), (200, json!({"id": a.org_id})));
    let in_a = |m: &Org, method: &str, path: &str, body: Option<Value>| {
        let mut req =
            m.s.http
                .request(method.parse().unwrap(), format!("{}{path}", m.s.base))
                .header("auth", &m.s.token)
                .header("showorg", &a.org_id);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let me: Value = in_a(&m, "GET", "/user/self", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["orgId"].as_str(), me["role"].as_str()),
        (Some(a.org_id.as_str()), Some("USER"))
    );
    m.key = String::new();

    // Every operation needing ADMIN: 403 for the USER, and the organization unchanged.
    let team_before = a.s.get("/settings/team").await;
    let key_before = a.s.get("/user/self").await["publicApi"].clone();
    let body = json!({"email": "intruder@example.com", "role": "ADMIN", "sendEmail": false,
                      "shortlink": "YES"});
    for op in ADMIN_ONLY {
        let (method, template) = op.split_once(' ').unwrap();
        let path = template.replace("{id}", &a.user_id);
        let r = in_a(&m, method, &path, (method != "GET").then(|| body.clone()))
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{op} as a USER");
    }
    assert_eq!(a.s.get("/settings/team").await, team_before);
    assert_eq!(a.s.get("/user/self").await["publicApi"], key_before);

    // The member grants an agent access to the organization (a public client, PKCE).
    let http = reqwest::Client::new();
    let client: Value = http
        .post(format!("{}/oauth/register", srv.base))
        .json(&json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "token_endpoint_auth_method": "none"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = client["client_id"].as_str().unwrap();
    let verifier = "the-member-agents-verifier-long-enough-for-the-pkce-rules";
    let challenge = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
    };
    let decision = json!({"client_id": client_id, "action": "approve",
        "redirect_uri": "http://127.0.0.1:9/cb", "code_challenge": challenge,
        "code_challenge_method": "S256"});
    let approved: Value = in_a(&m, "POST", "/oauth/authorize", Some(decision))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = crate::util::code_in_redirect(&approved);
    let granted: Value = http
        .post(format!("{}/oauth/token", srv.base))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", client_id),
            ("code_verifier", verifier),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(granted["id"], json!(a.org_id), "{granted}");
    let agent_token = granted["access_token"].as_str().unwrap().to_string();
    let agent = |token: String| {
        let (http, base) = (http.clone(), srv.base.clone());
        async move { crate::util::is_connected(&http, &base, &token).await }
    };
    assert_eq!(agent(agent_token.clone()).await, 200);

    // Removed: the next request no longer reaches the organization, nor does the token the
    // member gave an agent.
    let member_id = me["id"].as_str().unwrap();
    let (status, _) =
        a.s.call(Method::DELETE, &format!("/settings/team/{member_id}"), None)
            .await;
    assert_eq!(status, 200);
    let after: Value = in_a(&m, "GET", "/user/self", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(
        after["orgId"],
        json!(a.org_id),
        "a removed member still in the organization"
    );
    let r = in_a(&m, "GET", "/settings/team", None).await.unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains(&a.email), "{text}");
    assert_eq!(
        agent(agent_token).await,
        401,
        "a removed member's agent still acts"
    );
}
