//! The plug routes through the server, with a fake X channel: the catalogue in Postiz's shape
//! (only providers with plugs, validation as regular expression literals), a provider's
//! internal plugs, setting a plug (checked against its form), reading and switching it, and
//! no access across organizations.

use serde_json::{json, Value};

use crate::util::Session;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugs_are_listed_set_read_and_switched() {
    let (srv, _data, _seen) = crate::util::x_server().await;
    let (s, _) = Session::register(&srv.base).await;

    // The catalogue: the four providers with global plugs, in Postiz's shape.
    let list = s.get("/integrations/plug/list").await;
    let providers: Vec<&str> = list["plugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identifier"].as_str().unwrap())
        .collect();
    let mut sorted = providers.clone();
    sorted.sort();
    assert_eq!(sorted, ["bluesky", "linkedin-page", "threads", "x"]);
    let x_entry = list["plugs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identifier"] == "x")
        .unwrap();
    assert_eq!(x_entry["name"], "X");
    let auto_plug = &x_entry["plugs"][1];
    assert_eq!(auto_plug["identifier"], "x-autoPlugPost");
    assert_eq!(auto_plug["methodName"], "autoPlugPost");
    assert_eq!(auto_plug["runEveryMilliseconds"], 21_600_000);
    assert_eq!(auto_plug["totalRuns"], 3);
    assert_eq!(
        auto_plug["fields"],
        json!([
            {"name": "likesAmount", "type": "number", "placeholder": "Amount of likes", "description": "The amount of likes to trigger the repost", "validation": "/^\\d+$/"},
            {"name": "post", "type": "richtext", "placeholder": "Post to plug", "description": "Message content to plug", "validation": "/^[\\s\\S]{3,}$/g"}
        ])
    );

    // Internal plugs of a provider; none for one without; 404 for an unknown provider.
    let internal = s.get("/integrations/linkedin-page/internal-plugs").await;
    let ids: Vec<&str> = internal["internalPlugs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["linkedin-add-comment", "linkedin-repost-post-users"]);
    assert_eq!(
        internal["internalPlugs"][0]["pickIntegration"],
        json!(["linkedin", "linkedin-page"])
    );
    assert_eq!(
        s.get("/integrations/mastodon/internal-plugs").await,
        json!({"internalPlugs": []})
    );
    let (status, _) = s
        .call(
            reqwest::Method::GET,
            "/integrations/nope/internal-plugs",
            None,
        )
        .await;
    assert_eq!(status, 404);

    // Setting a plug on a channel: the form is checked.
    let channel = crate::util::connect_x(&s).await;
    assert_eq!(
        s.get(&format!("/integrations/{channel}/plugs")).await,
        json!([])
    );
    let path = format!("/integrations/{channel}/plugs");
    for (body, why) in [
        (
            json!({"func": "autoPlugPost", "fields": [{"name": "likesAmount", "value": "ten"}, {"name": "post", "value": "Buy it"}]}),
            "likes not a number",
        ),
        (
            json!({"func": "autoPlugPost", "fields": [{"name": "likesAmount", "value": "10"}]}),
            "post missing",
        ),
        (
            json!({"func": "selfDestruct", "fields": []}),
            "no such plug",
        ),
        (json!({"func": "autoRepostPost"}), "fields missing"),
        (
            json!({"func": "autoRepostPost", "fields": [{"name": "likesAmount", "value": 10}]}),
            "value not a string",
        ),
        (
            json!({"func": "autoPlugPost", "fields": [{"name": "likesAmount", "value": "1"}, {"name": "post", "value": "x".repeat(10_001)}]}),
            "promotion too long",
        ),
    ] {
        let (status, answer) = s.call(reqwest::Method::POST, &path, Some(body)).await;
        assert_eq!(status, 400, "{why}: {answer}");
        assert!(
            answer["message"].is_string() || answer["message"].is_array(),
            "{answer}"
        );
    }
    assert_eq!(s.get(&path).await, json!([]), "nothing half-written");
    let good = json!({"func": "autoPlugPost", "fields": [{"name": "likesAmount", "value": "10"}, {"name": "post", "value": "Buy my course"}, {"name": "junk", "value": "dropped"}]});
    let (status, answer) = s.call(reqwest::Method::POST, &path, Some(good)).await;
    assert_eq!((status, answer), (201, json!({"activated": true})));
    let plugs = s.get(&path).await;
    assert_eq!(plugs.as_array().unwrap().len(), 1);
    let p = &plugs[0];
    assert_eq!(p["plugFunction"], "autoPlugPost");
    assert_eq!(p["integrationId"], json!(channel));
    assert_eq!(p["activated"], true);
    let stored: Value = serde_json::from_str(p["data"].as_str().unwrap()).unwrap();
    assert_eq!(
        stored,
        json!([{"name": "likesAmount", "value": "10"}, {"name": "post", "value": "Buy my course"}])
    );
    let id = p["id"].as_str().unwrap().to_string();

    // Switched off; setting it again keeps it off and replaces its fields (one row).
    let (status, answer) = s
        .call(
            reqwest::Method::PUT,
            &format!("/integrations/plugs/{id}/activate"),
            Some(json!({"status": false})),
        )
        .await;
    assert_eq!((status, answer), (200, json!({"id": id})));
    let again = json!({"func": "autoPlugPost", "fields": [{"name": "likesAmount", "value": "20"}, {"name": "post", "value": "Still here"}]});
    let (status, answer) = s.call(reqwest::Method::POST, &path, Some(again)).await;
    assert_eq!((status, answer), (201, json!({"activated": false})));
    let plugs = s.get(&path).await;
    assert_eq!(plugs.as_array().unwrap().len(), 1);
    assert_eq!(plugs[0]["id"], json!(id));
    assert!(plugs[0]["data"].as_str().unwrap().contains("Still here"));
    let (status, _) = s
        .call(
            reqwest::Method::PUT,
            &format!("/integrations/plugs/{id}/activate"),
            Some(json!({"status": "yes"})),
        )
        .await;
    assert_eq!(status, 400);

    // Another organization sees none of it and cannot switch it.
    let (other, _) = Session::register(&srv.base).await;
    let (status, _) = other.call(reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({"func": "autoRepostPost", "fields": [{"name": "likesAmount", "value": "1"}]})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = other
        .call(
            reqwest::Method::PUT,
            &format!("/integrations/plugs/{id}/activate"),
            Some(json!({"status": true})),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(s.get(&path).await[0]["activated"], false);
}
