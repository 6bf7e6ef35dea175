//! The web app's CopilotKit runtime (`/copilot/chat`, `/copilot/agent`) over HTTP, against the
//! fake OpenAI server: GraphQL in, incremental delivery over `multipart/mixed` out, read back
//! the way CopilotKit's client merges it (docs/copilotkit-protocol.md). The editor assistant
//! streams text and calls the browser's `setPosts`; the agent schedules exactly one post with
//! the tool registry, hands `manualPosting` to the browser, and keeps its conversations per
//! organization.

use postiz_tests::fakes::{mastodon, openai, serve};
use postiz_tests::Running;
use serde_json::{json, Value};
use std::time::Duration;

use crate::util::Session;

async fn server(ai: bool) -> (Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (fake, _) = mastodon::app();
    let mut env = vec![("DATA_DIR", dir.path().display().to_string())];
    env.extend(crate::util::mastodon_env(serve(fake).await));
    if ai {
        let (fake_ai, _) = openai::app();
        let base = serve(fake_ai).await;
        env.push(("OPENAI_API_KEY", openai::KEY.to_string()));
        env.push(("OPENAI_BASE_URL", format!("{base}/v1")));
    }
    let srv = Running::server(&env).ready(Duration::from_secs(60)).await;
    (srv, dir)
}

const GENERATE: &str = "mutation generateCopilotResponse($data: GenerateCopilotResponseInput!, $properties: JSONObject) { generateCopilotResponse(data: $data, properties: $properties) { threadId } }";

fn text(id: &str, role: &str, content: &str) -> Value {
    json!({"id": id, "createdAt": "2026-12-04T22:51:08.215Z",
           "textMessage": {"content": content, "role": role}})
}

fn set_posts_action() -> Value {
    json!({"available": "enabled", "description": "a thread of posts", "name": "setPosts",
           "jsonSchema": "{\"type\":\"object\",\"properties\":{\"content\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"a thread of posts\"}},\"required\":[\"content\"]}"})
}

/// Posts a `generateCopilotResponse` to `path`; the merged messages and the final status, as
/// CopilotKit's client reads the parts.
async fn generate(s: &Session, path: &str, data: Value) -> (Vec<Value>, Value) {
    let r = s
        .http
        .post(format!("{}{path}", s.base))
        .header("auth", &s.token)
        .header(
            "accept",
            "application/graphql-response+json, application/json, multipart/mixed",
        )
        .json(
            &json!({"operationName": "generateCopilotResponse", "query": GENERATE,
                      "variables": {"data": data, "properties": {}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "multipart/mixed; boundary=\"-\""
    );
    let body = r.text().await.unwrap();
    merge(&body)
}

/// The parts merged as urql does: the first `data`, then `items` appended at their path and
/// `data` patches merged at theirs; stops at `hasNext: false`.
fn merge(body: &str) -> (Vec<Value>, Value) {
    assert!(
        body.starts_with("\r\n---") && body.ends_with("\r\n-----\r\n"),
        "{body:?}"
    );
    let mut root = Value::Null;
    for segment in body.split("\r\n---").skip(1) {
        let Some((_, json)) = segment.split_once("\r\n\r\n") else {
            continue;
        };
        let part: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        if let Some(data) = part.get("data") {
            root = data.clone();
        }
        for inc in part["incremental"].as_array().into_iter().flatten() {
            let path = inc["path"].as_array().unwrap();
            let (last, parent) = path.split_last().unwrap();
            let mut at = &mut root;
            for p in parent {
                at = match p {
                    Value::String(k) => &mut at[k.as_str()],
                    Value::Number(n) => &mut at[n.as_u64().unwrap() as usize],
                    _ => unreachable!(),
                };
            }
            if let Some(items) = inc.get("items") {
                let list = at.as_array_mut().expect("a streamed list");
                assert_eq!(
                    last.as_u64().unwrap() as usize,
                    list.len(),
                    "items in order"
                );
                list.extend(items.as_array().unwrap().iter().cloned());
            } else {
                let target = match last {
                    Value::String(k) => &mut at[k.as_str()],
                    Value::Number(n) => &mut at[n.as_u64().unwrap() as usize],
                    _ => unreachable!(),
                };
                for (k, v) in inc["data"].as_object().unwrap() {
                    target[k] = v.clone();
                }
            }
        }
        if part["hasNext"] == false {
            break;
        }
    }
    let response = &root["generateCopilotResponse"];
    assert!(response["threadId"].is_string());
    (
        response["messages"].as_array().cloned().unwrap_or_default(),
        response["status"].clone(),
    )
}

/// The organization's posts of January 2030 (where the scripted agent schedules).
async fn scheduled(s: &Session) -> Vec<Value> {
    let key = crate::util::api_key(&s.http, &s.base, &s.token).await;
    s.http
        .get(format!(
            "{}/public/v1/posts?startDate=2030-01-01T00:00:00Z&endDate=2030-02-01T00:00:00Z",
            s.base
        ))
        .header("authorization", key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["posts"]
        .as_array()
        .cloned()
        .unwrap()
}

fn joined(m: &Value, field: &str) -> String {
    m[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_assistant_streams_and_calls_the_browsers_actions() {
    let (srv, _dir) = server(true).await;
    let (s, _) = Session::register(&srv.base).await;

    let (status, agents) = s
        .call(
            reqwest::Method::POST,
            "/copilot/chat",
            Some(json!({"operationName": "availableAgents", "query": "query availableAgents { availableAgents { agents { id } } }", "variables": {}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(agents["data"]["availableAgents"]["agents"], json!([]));

    let system = text("s1", "system", "Please act as an efficient assistant.");
    let (messages, status) = generate(
        &s,
        "/copilot/chat",
        json!({"threadId": "5af2e4ea-6b2c-44f6-99ef-e3f640f2507d",
               "messages": [system, text("u1", "user", "Hi there")],
               "frontend": {"actions": [set_posts_action()], "url": "http://app/launches"},
               "metadata": {"requestType": "Chat"}}),
    )
    .await;
    assert_eq!(status["__typename"], "SuccessResponseStatus", "{status}");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["__typename"], "TextMessageOutput");
    assert_eq!(
        messages[0]["content"].as_array().unwrap().len(),
        2,
        "streamed in pieces"
    );
    assert_eq!(joined(&messages[0], "content"), "You said: Hi there");
    assert_eq!(messages[0]["status"]["code"], "Success");

    // Asked for posts, the model calls the browser's setPosts; the response ends there.
    let ask = text("u2", "user", "posts: First post | Second post");
    let (messages, status) = generate(
        &s,
        "/copilot/chat",
        json!({"messages": [system, ask],
               "frontend": {"actions": [set_posts_action(), set_posts_action()]},
               "metadata": {"requestType": "Chat"}}),
    )
    .await;
    assert_eq!(status["code"], "Success");
    assert_eq!(messages.len(), 1, "{messages:?}");
    let call = &messages[0];
    assert_eq!(
        (&call["__typename"], &call["name"]),
        (&json!("ActionExecutionMessageOutput"), &json!("setPosts"))
    );
    let args: Value = serde_json::from_str(&joined(call, "arguments")).unwrap();
    assert_eq!(args, json!({"content": ["First post", "Second post"]}));
    assert_eq!(
        call["status"]["code"], "Success",
        "the browser runs it only then"
    );

    // The browser's follow-up with the result: the model answers in words.
    let id = call["id"].as_str().unwrap();
    let (messages, _) = generate(
        &s,
        "/copilot/chat",
        json!({"messages": [system, ask,
                 {"id": id, "createdAt": "2026-12-04T22:51:09.000Z", "actionExecutionMessage": {"name": "setPosts", "arguments": args.to_string(), "parentMessageId": call["parentMessageId"]}},
                 {"id": format!("result-{id}"), "createdAt": "2026-12-04T22:51:09.100Z", "resultMessage": {"actionExecutionId": id, "actionName": "setPosts", "result": ""}}],
               "frontend": {"actions": [set_posts_action()]},
               "metadata": {"requestType": "Chat"}}),
    )
    .await;
    assert_eq!(
        joined(&messages[0], "content"),
        "The posts are in the editor."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_schedules_one_post_and_keeps_the_conversation_per_organization() {
    let (srv, _dir) = server(true).await;
    let (s, _) = Session::register(&srv.base).await;
    let channel = crate::util::connect_mastodon(&s.http, &s.base, &s.token).await;
    let (other, _) = Session::register(&srv.base).await;
    crate::util::connect_mastodon(&other.http, &other.base, &other.token).await;
    let thread = "0b7c5a8e-1d1f-4f57-9a43-7d6c0b1f2e3a";

    let (messages, status) = generate(
        &s,
        "/copilot/agent",
        json!({"threadId": thread, "agentSession": {"agentName": "postiz"},
               "messages": [text("s", "system", "ignored"), text("u", "user", "schedule Hello from the agent")],
               "frontend": {"actions": []}, "metadata": {"requestType": "Chat"}}),
    )
    .await;
    assert_eq!(status["code"], "Success", "{status}");
    let kinds: Vec<String> = messages
        .iter()
        .map(|m| match m["__typename"].as_str().unwrap() {
            "ActionExecutionMessageOutput" => format!("call {}", m["name"].as_str().unwrap()),
            "ResultMessageOutput" => format!("result {}", m["actionName"].as_str().unwrap()),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "call integrationList",
            "result integrationList",
            "call schedulePost",
            "result schedulePost",
            "TextMessageOutput"
        ]
    );
    assert!(messages.iter().all(|m| m["status"]["code"] == "Success"));

    // Exactly one scheduled post, in the caller's organization only.
    let mine = scheduled(&s).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["integration"]["id"], json!(channel));
    assert_eq!(mine[0]["state"], "QUEUE");
    assert!(scheduled(&other).await.is_empty());

    // The conversation is kept, titled, for this organization only.
    let threads = s.get("/copilot/list").await;
    assert_eq!(threads["threads"][0]["id"], thread);
    assert!(threads["threads"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("About schedule Hello"));
    let said = s.get(&format!("/copilot/{thread}/list")).await;
    let said = said["messages"].as_array().unwrap();
    assert_eq!(said.len(), 2);
    assert_eq!(
        (&said[0]["role"], &said[0]["content"]["content"]),
        (&json!("user"), &json!("schedule Hello from the agent"))
    );
    assert_eq!(said[1]["role"], "assistant");
    assert_eq!(other.get("/copilot/list").await, json!({"threads": []}));
    assert_eq!(
        other.get(&format!("/copilot/{thread}/list")).await,
        json!({"messages": []})
    );

    // A browser action (manualPosting) is handed over: the call, no result.
    let manual = json!({"available": "enabled", "name": "manualPosting", "description": "add the post manually",
                        "jsonSchema": "{\"type\":\"object\",\"properties\":{\"list\":{\"type\":\"array\"}},\"required\":[\"list\"]}"});
    let (messages, _) = generate(
        &s,
        "/copilot/agent",
        json!({"threadId": thread, "agentSession": {"agentName": "postiz"},
               "messages": [text("u2", "user", "manual A post to check")],
               "frontend": {"actions": [manual]}, "metadata": {"requestType": "Chat"}}),
    )
    .await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["name"], "manualPosting");
    assert_eq!(scheduled(&s).await.len(), 1, "nothing more was scheduled");

    // loadAgentState: nothing saved on the runtime's side (the page reloads from /list).
    let (status, state) = s
        .call(
            reqwest::Method::POST,
            "/copilot/agent",
            Some(json!({"operationName": "loadAgentState", "query": "query loadAgentState($data: LoadAgentStateInput!) { loadAgentState(data: $data) { threadId } }",
                        "variables": {"data": {"agentName": "postiz", "threadId": thread}}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(state["data"]["loadAgentState"]["threadExists"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_the_assistant_says_so() {
    let (srv, _dir) = server(false).await;
    let (s, _) = Session::register(&srv.base).await;
    let (messages, status) = generate(
        &s,
        "/copilot/chat",
        json!({"messages": [text("u", "user", "Hi")], "frontend": {"actions": []}}),
    )
    .await;
    assert!(messages.is_empty());
    assert_eq!(status["__typename"], "FailedResponseStatus");
    assert_eq!(status["reason"], "UNKNOWN_ERROR");
    assert!(status["details"]["description"]
        .as_str()
        .unwrap()
        .contains("not configured"));
    assert_eq!(s.get("/copilot/list").await, json!({"threads": []}));
    assert_eq!(s.get("/copilot/credits").await, json!({"credits": 1000}));
}
