//! The platform administrators' tools from outside (`SUPER_ADMIN_EMAILS`), with a fake
//! Mastodon: the publishing errors and statistics dashboards fill as posts publish and
//! fail; acting as another member (`impersonate`) shows that member's organization until
//! it is stopped; nobody else gets any of it.

use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

use crate::util::{publish_now, Session};

async fn settled(s: &Session, id: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = s.get(&format!("/posts/{id}")).await["posts"][0]["state"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if state == "PUBLISHED" || state == "ERROR" {
            return state;
        }
        assert!(Instant::now() < deadline, "{id} is {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn count_of(v: &Value, provider: &str) -> i64 {
    v["perSocial"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == provider)
        .map_or(0, |p| p["count"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_see_errors_and_statistics_and_act_as_members() {
    let admin_email = format!("{}@example.com", postiz_tests::unique("staff"));
    let (srv, _dir, seen) =
        crate::util::mastodon_server(&[("SUPER_ADMIN_EMAILS", admin_email.clone())]).await;
    let base = &srv.base;
    let (member, member_email) = Session::register(base).await;
    let channel = postiz_tests::client::connect_mastodon(&member.http, base, &member.token).await;
    let http = reqwest::Client::new();
    let token = postiz_tests::client::register_as(&http, base, &admin_email).await;
    let admin = Session {
        http,
        base: base.clone(),
        token,
    };

    // One published, one refused by the network.
    let ok = publish_now(&member, &channel, "Fine").await;
    assert_eq!(settled(&member, &ok).await, "PUBLISHED");
    seen.lock().unwrap().fail_next.push_back((422, None));
    let bad = publish_now(&member, &channel, "Refused text").await;
    assert_eq!(settled(&member, &bad).await, "ERROR");

    // Members are refused every dashboard.
    for path in [
        "/admin/errors",
        "/admin/errors/platforms",
        "/admin/stats",
        "/user/impersonate?name=x",
    ] {
        let (status, body) = member.call(Method::GET, path, None).await;
        assert_eq!(status, 400, "{path}: {body}");
    }

    let errors = admin.get("/admin/errors").await;
    assert_eq!(errors["total"], 1, "{errors}");
    let e = &errors["items"][0];
    assert_eq!(e["platform"], "mastodon");
    assert_eq!(e["postId"], bad.as_str());
    assert!(e["post"]["content"]
        .as_str()
        .unwrap()
        .contains("Refused text"));
    let emails: Vec<&str> = e["organization"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["user"]["email"].as_str())
        .collect();
    assert_eq!(emails, [member_email.as_str()]);
    assert_eq!(
        admin.get("/admin/errors/platforms").await,
        json!(["mastodon"])
    );
    assert_eq!(admin.get("/admin/errors?platform=x").await["total"], 0);
    let needle = &member_email[..6];
    assert_eq!(
        admin.get(&format!("/admin/errors?email={needle}")).await["total"],
        1
    );
    assert_eq!(
        admin.get("/admin/errors?email=nobody-at-all").await["total"],
        0
    );
    let (status, _) = admin.call(Method::GET, "/admin/errors?limit=x", None).await;
    assert_eq!(status, 400);

    let stats = admin.get("/admin/stats").await;
    assert_eq!(stats["posts"]["total"], 1, "{stats}");
    assert_eq!(count_of(&stats["posts"], "mastodon"), 1);
    assert_eq!(stats["errors"]["total"], 1);
    assert_eq!(stats["connected"]["total"], 1);
    assert_eq!(stats["publishingAccounts"]["total"], 1);
    assert_eq!(stats["publishingChannels"]["total"], 1);
    assert_eq!(stats["scheduledChannels"]["total"], 1);
    let old = admin
        .get("/admin/stats?from=2020-01-01&to=2020-01-31")
        .await;
    assert_eq!(old["posts"]["total"], 0);
    let (status, _) = admin
        .call(
            Method::GET,
            "/admin/stats?from=2020-01-01&to=2026-01-01",
            None,
        )
        .await;
    assert_eq!(status, 400, "more than a year");

    // Acting as the member.
    let found = admin
        .get(&format!("/user/impersonate?name={member_email}"))
        .await;
    let choice = found[0]["id"].as_str().unwrap().to_string();
    assert_eq!(found[0]["user"]["email"], member_email.as_str());
    assert_eq!(
        admin.get("/user/impersonate?name=nobody@example.com").await,
        json!([])
    );
    let (status, _) = admin
        .call(
            Method::POST,
            "/user/impersonate",
            Some(json!({"id": "no:such"})),
        )
        .await;
    assert_eq!(status, 404);
    let r = admin
        .http
        .post(format!("{base}/user/impersonate"))
        .header("auth", &admin.token)
        .json(&json!({ "id": choice }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get_all("set-cookie").iter().any(|c| c
        .to_str()
        .unwrap()
        .starts_with(&format!("impersonate={choice}"))));
    let as_member = |path: &str| {
        admin
            .http
            .get(format!("{base}{path}"))
            .header("auth", &admin.token)
            .header("impersonate", &choice)
            .send()
    };
    let me: Value = as_member("/user/self").await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], member_email.as_str());
    assert_eq!(me["impersonate"], true);
    assert_eq!(me["admin"], true);
    let channels: Value = as_member("/integrations/list")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(channels["integrations"][0]["id"], channel.as_str());
    // Without the choice, the administrator is themselves again.
    let own = admin.get("/user/self").await;
    assert_eq!(own["email"], admin_email.as_str());
    assert_eq!(own["impersonate"], false);
    // A member's impersonate choice is ignored.
    let r = member
        .http
        .get(format!("{base}/user/self"))
        .header("auth", &member.token)
        .header("impersonate", &choice)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["impersonate"], false);
    let (status, _) = member
        .call(
            Method::POST,
            "/user/impersonate",
            Some(json!({"id": choice})),
        )
        .await;
    assert_eq!(status, 400);
}

/// A post group's debug export (administrators) is a body `POST /posts` takes back: its tags
/// as the editor sends them (`{value, label}`), kept on the imported post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_debug_export_posts_back_with_its_tags() {
    let admin_email = format!("{}@example.com", postiz_tests::unique("staff"));
    let (srv, _dir, _seen) =
        crate::util::mastodon_server(&[("SUPER_ADMIN_EMAILS", admin_email.clone())]).await;
    let http = reqwest::Client::new();
    let token = postiz_tests::client::register_as(&http, &srv.base, &admin_email).await;
    let channel = postiz_tests::client::connect_mastodon(&http, &srv.base, &token).await;
    let admin = Session {
        http,
        base: srv.base.clone(),
        token,
    };
    let (status, _) = admin
        .call(
            Method::POST,
            "/posts/tags",
            Some(json!({"name": "launch", "color": "#ff0000"})),
        )
        .await;
    assert_eq!(status, 201);
    let when = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let (status, posted) = admin
        .call(
            Method::POST,
            "/posts",
            Some(json!({"type": "draft", "date": when, "shortLink": false,
                        "tags": [{"value": "launch", "label": "launch"}],
                        "posts": [{"integration": {"id": channel},
                                   "settings": {"__type": "mastodon"},
                                   "value": [{"content": "<p>Export me</p>", "image": []}]}]})),
        )
        .await;
    assert_eq!(status, 201, "{posted}");
    let id = posted[0]["postId"].as_str().unwrap();
    let group = admin.get(&format!("/posts/{id}")).await["group"]
        .as_str()
        .unwrap()
        .to_string();
    let mut export = admin
        .get(&format!("/posts/group/{group}/debug-export"))
        .await;
    assert_eq!(export["tags"][0]["label"], "launch", "{export}");
    assert!(export["tags"][0]["value"].is_string());

    // Posted back as a new group: the same text, the same tag.
    export.as_object_mut().unwrap().remove("_debug");
    export["posts"][0]["group"] = json!(postiz_tests::unique("copy"));
    export["posts"][0]["value"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let (status, copied) = admin.call(Method::POST, "/posts", Some(export)).await;
    assert_eq!(status, 201, "{copied}");
    let copy = admin
        .get(&format!("/posts/{}", copied[0]["postId"].as_str().unwrap()))
        .await;
    assert_eq!(
        copy["posts"][0]["tags"][0]["tag"]["name"], "launch",
        "{copy}"
    );
    assert!(copy["posts"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Export me"));
}
