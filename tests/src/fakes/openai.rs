//! A fake of OpenAI's HTTP API (`/v1/chat/completions`, `/v1/images/generations`), the parts
//! our client (`async-openai`) calls, with OpenAI's error bodies. It answers like a model
//! would, deterministically:
//!
//! - structured output `separatePosts`: the user's text packed sentence by sentence into
//!   posts of at most the system prompt's "maximum N characters" (a sentence longer than that
//!   stays whole, as a model sometimes leaves it);
//! - `separatePost` (shrink): the text cut at a word to fit, unless it contains `UNSHRINKABLE`
//!   (answered unchanged, still too long);
//! - `picturePrompt`: `"A detailed render of <description>"`;
//! - `conversationTitle`: `"About <first 30 characters>"`;
//! - the generator's `hook` (`"Ever wondered about <…>?"`) and `content` (one post, or a
//!   thread of two when the schema asks for an array; with picture prompts when it asks);
//! - `autopostContent`: `"New on the blog 🚀\n<first 60 characters of the description>"`;
//! - `autopostPicturePrompt`: `"An illustration of <description>"`;
//! - images: a 1×1 PNG as `b64_json`.
//!
//! A streamed request whose user text contains `SLOW` is answered token by token, with
//! pauses (the streaming benchmark). A prompt or text containing `REFUSE` is rejected by the "safety system"
//! (`safety_violations=[violence]`); `FAIL500` answers 500; `RATE429` answers 429 once per
//! distinct text, then works. Every request is recorded, with its `Authorization` checked
//! against [`KEY`].

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The API key the fake accepts.
pub const KEY: &str = "sk-fake-openai-key";

/// A 1×1 transparent PNG, base64.
pub const PNG_B64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// What the fake saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Requests: (path, body).
    pub requests: Vec<(String, Value)>,
    rate_limited: HashSet<String>,
}

impl Seen {
    /// Bodies of the requests to `path`.
    pub fn bodies(&self, path: &str) -> Vec<Value> {
        self.requests
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }
}

/// Shared state of one fake.
pub type Shared = Arc<Mutex<Seen>>;

/// The fake's routes (serve under a base URL; the client's base is `<url>/v1`).
pub fn app() -> (Router, Shared) {
    let seen = Shared::default();
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/images/generations", post(images))
        .with_state(seen.clone());
    (app, seen)
}

fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": null, "code": code}})),
    )
        .into_response()
}

/// The common checks: the key, then the scripted failures of `text`.
fn gate(
    seen: &Shared,
    headers: &HeaderMap,
    path: &str,
    body: &Value,
    text: &str,
) -> Option<Response> {
    let mut s = seen.lock().unwrap();
    s.requests.push((path.to_string(), body.clone()));
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("Bearer {KEY}") {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            "invalid_request_error",
            Some("invalid_api_key"),
        ));
    }
    if text.contains("REFUSE") {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "Your request was rejected by the safety system, safety_violations=[violence]",
            "invalid_request_error",
            Some("moderation_blocked"),
        ));
    }
    if text.contains("FAIL500") {
        return Some(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request. upstream-secret-detail",
            "server_error",
            None,
        ));
    }
    if text.contains("RATE429") && s.rate_limited.insert(text.to_string()) {
        return Some(error(
            StatusCode::TOO_MANY_REQUESTS,
            "Rate limit reached for requests",
            "requests",
            Some("rate_limit_exceeded"),
        ));
    }
    None
}

fn message_text(body: &Value, role: &str) -> String {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["role"] == role)
        .filter_map(|m| m["content"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The number after "maximum " in the system prompt.
fn maximum(system: &str) -> usize {
    system
        .split("maximum ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(280)
}

fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '.' | '!' | '?') {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

fn pack(text: &str, max: usize) -> Vec<String> {
    let mut posts: Vec<String> = Vec::new();
    for s in sentences(text) {
        match posts.last_mut() {
            Some(last) if last.chars().count() + 1 + s.chars().count() <= max => {
                last.push(' ');
                last.push_str(&s);
            }
            _ => posts.push(s),
        }
    }
    posts
}

fn shrink(text: &str, max: usize) -> String {
    if text.contains("UNSHRINKABLE") || text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) if i > 0 => cut[..i].to_string(),
        _ => cut,
    }
}

fn completion(model: &Value, content: &str) -> Value {
    json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": null},
            "finish_reason": "stop",
            "logprobs": null
        }],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    })
}

async fn chat(State(seen): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let system = message_text(&body, "system");
    let user = message_text(&body, "user");
    if let Some(r) = gate(&seen, &headers, "/v1/chat/completions", &body, &user) {
        return r;
    }
    if body["stream"] == true {
        return editor_stream(&body, &user);
    }
    if body["tools"].as_array().is_some_and(|t| !t.is_empty()) {
        return Json(agent_step(&body)).into_response();
    }
    let schema = body["response_format"]["json_schema"]["name"]
        .as_str()
        .unwrap_or_default();
    let answer = match schema {
        "separatePosts" => json!({"posts": pack(&user, maximum(&system))}),
        "separatePost" => json!({"post": shrink(&user, maximum(&system))}),
        "autopostContent" => json!({
            "socialMediaPostContent": format!(
                "New on the blog 🚀\n{}",
                user.trim_start_matches("'description':\n").chars().take(60).collect::<String>()
            )
        }),
        "autopostPicturePrompt" => json!({
            "generatedTextToBeSentToDallE": format!("An illustration of {}", user.trim_start_matches("content:\n"))
        }),
        "hook" => json!({
            "hook": format!("Ever wondered about {}?", user.chars().take(30).collect::<String>())
        }),
        "content" => {
            let schema = &body["response_format"]["json_schema"]["schema"]["properties"]["content"];
            let thread = schema["type"] == "array";
            let item = if thread { &schema["items"] } else { schema };
            let pictures = item["properties"].get("prompt").is_some();
            let post = |n: usize| {
                let mut p =
                    json!({"content": format!("Post {n}.\nWritten for you."), "website": null});
                if pictures {
                    p["prompt"] = json!(format!("A calm picture for post {n}"));
                }
                p
            };
            if thread {
                json!({"content": [post(1), post(2)]})
            } else {
                json!({"content": post(1)})
            }
        }
        "conversationTitle" => json!({
            "title": format!("About {}", user.chars().take(30).collect::<String>())
        }),
        "picturePrompt" => json!({
            "prompt": format!("A detailed render of {}", user.trim_start_matches("prompt: "))
        }),
        _ => return Json(completion(&body["model"], &format!("You said: {user}"))).into_response(),
    };
    Json(completion(&body["model"], &answer.to_string())).into_response()
}

async fn images(
    State(seen): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let prompt = body["prompt"].as_str().unwrap_or_default().to_string();
    if let Some(r) = gate(&seen, &headers, "/v1/images/generations", &body, &prompt) {
        return r;
    }
    Json(json!({
        "created": 1_700_000_000,
        "data": [{"b64_json": PNG_B64, "revised_prompt": null}],
        "output_format": "png",
        "size": body["size"],
    }))
    .into_response()
}

/// The publish date the scripted agent schedules for.
pub const AGENT_DATE: &str = "2030-01-15T10:00:00Z";

fn tool_call(model: &Value, id: &str, name: &str, arguments: Value) -> Value {
    json!({
        "id": "chatcmpl-fake-tools",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": null, "tool_calls": [{
                "id": id, "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}
            }]},
            "finish_reason": "tool_calls",
            "logprobs": null
        }],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}
    })
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let c = json!({
        "id": "chatcmpl-fake-stream", "object": "chat.completion.chunk",
        "created": 1_700_000_000, "model": "gpt-4.1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": null}]
    });
    format!("data: {c}\n\n")
}

/// The editor assistant, streamed (server-sent events as OpenAI sends them): asked for posts
/// ("posts: a | b") while the browser offers `setPosts`, it calls it with those posts, its
/// arguments in two pieces; otherwise it answers "You said: <text>" in two pieces.
fn editor_stream(body: &Value, user: &str) -> Response {
    let last_user = body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or(user)
        .to_string();
    let offers_set_posts = body["tools"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["function"]["name"] == "setPosts"));
    let answered = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .is_some_and(|m| m["role"] == "tool");
    if last_user.contains("SLOW") {
        return slow_stream();
    }
    let mut events = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    match last_user.strip_prefix("posts: ") {
        Some(list) if offers_set_posts && !answered => {
            let posts: Vec<&str> = list.split(" | ").collect();
            let args = json!({ "content": posts }).to_string();
            let (a, b) = args.split_at(args.len() / 2);
            events.push(chunk(
                json!({"tool_calls": [{"index": 0, "id": "call_set", "type": "function",
                                       "function": {"name": "setPosts", "arguments": a}}]}),
                None,
            ));
            events.push(chunk(
                json!({"tool_calls": [{"index": 0, "function": {"arguments": b}}]}),
                None,
            ));
            events.push(chunk(json!({}), Some("tool_calls")));
        }
        _ => {
            let text = if answered {
                "The posts are in the editor.".to_string()
            } else {
                format!("You said: {last_user}")
            };
            let (a, b) = text.split_at(text.len() / 2);
            events.push(chunk(json!({"content": a}), None));
            events.push(chunk(json!({"content": b}), None));
            events.push(chunk(json!({}), Some("stop")));
        }
    }
    events.push("data: [DONE]\n\n".to_string());
    (
        [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
        events.concat(),
    )
        .into_response()
}

/// How long the slow model waits before its first token.
pub const SLOW_FIRST_TOKEN_MS: u64 = 50;
/// Tokens the slow model writes after the first, one every [`SLOW_TOKEN_MS`].
pub const SLOW_TOKENS: usize = 20;
/// Time between the slow model's tokens.
pub const SLOW_TOKEN_MS: u64 = 100;

/// A model that takes its time (the streaming benchmark): the first token after
/// [`SLOW_FIRST_TOKEN_MS`], then [`SLOW_TOKENS`] more, [`SLOW_TOKEN_MS`] apart.
fn slow_stream() -> Response {
    let pieces = futures_util::stream::unfold(0usize, |n| async move {
        if n > SLOW_TOKENS + 1 {
            return None;
        }
        let wait = if n == 0 {
            SLOW_FIRST_TOKEN_MS
        } else {
            SLOW_TOKEN_MS
        };
        tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
        let event = if n <= SLOW_TOKENS {
            chunk(json!({"content": format!("t{n} ")}), None)
        } else {
            format!("{}data: [DONE]\n\n", chunk(json!({}), Some("stop")))
        };
        Some((Ok::<_, std::convert::Infallible>(event), n + 1))
    });
    (
        [(axum::http::header::CONTENT_TYPE, "text/event-stream")],
        axum::body::Body::from_stream(pieces),
    )
        .into_response()
}

/// A scripted agent: asked to "schedule <text>", it lists the channels, schedules `<text>`
/// on the first one at [`AGENT_DATE`], then reports the tool's answer; asked "manual <text>"
/// while the browser offers `manualPosting`, it hands the post to the browser; anything else
/// is echoed.
fn agent_step(body: &Value) -> Value {
    let model = &body["model"];
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let last = messages.last().cloned().unwrap_or_default();
    let called = |m: &Value| {
        m["tool_calls"][0]["function"]["name"]
            .as_str()
            .map(str::to_string)
    };
    let request = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string();
    if last["role"] == "user" {
        let offered = |name: &str| {
            body["tools"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["function"]["name"] == name))
        };
        if let Some(text) = request.strip_prefix("manual ") {
            if offered("manualPosting") {
                return tool_call(
                    model,
                    "call_manual",
                    "manualPosting",
                    json!({"list": [{"integrationId": "x", "date": AGENT_DATE, "settings": {},
                                     "posts": [{"content": text, "attachments": []}]}]}),
                );
            }
        }
        return match request.strip_prefix("schedule ") {
            Some(_) => tool_call(model, "call_list", "integrationList", json!({})),
            None => completion(model, &format!("You said: {request}")),
        };
    }
    let previous = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "assistant")
        .and_then(called)
        .unwrap_or_default();
    let result: Value =
        serde_json::from_str(last["content"].as_str().unwrap_or("{}")).unwrap_or_default();
    match previous.as_str() {
        "integrationList" => {
            let Some(id) = result["output"][0]["id"].as_str() else {
                return completion(model, "You have no channels to post to.");
            };
            let text = request.trim_start_matches("schedule ");
            tool_call(
                model,
                "call_schedule",
                "schedulePost",
                json!({"socialPost": [{
                    "integrationId": id, "date": AGENT_DATE, "type": "schedule", "shortLink": false,
                    "postsAndComments": [{"content": format!("<p>{text}</p>"), "attachments": []}],
                    "settings": []
                }]}),
            )
        }
        _ => completion(model, &format!("Done: {}", result)),
    }
}
