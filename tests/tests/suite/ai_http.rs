//! AI over HTTP against the fake OpenAI server (`tests/src/fakes/openai.rs`), through our
//! `async-openai` client: thread splitting, pictures as data URLs and into the media library,
//! safety refusals (422), upstream failures (502), credits with billing on, and Postiz's
//! answers when AI is off.

use postiz_tests::fakes::{openai, serve};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

use crate::util::Session;

async fn server(extra: &[(&'static str, String)]) -> (Running, tempfile::TempDir, openai::Shared) {
    let (fake, seen) = openai::app();
    let base = serve(fake).await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = vec![
        ("DATA_DIR", dir.path().display().to_string()),
        ("OPENAI_API_KEY", openai::KEY.to_string()),
        ("OPENAI_BASE_URL", format!("{base}/v1")),
        ("OPENAI_RETRY_SECS", "3".to_string()),
    ];
    env.extend(extra.iter().cloned());
    let srv = Running::server(&env).ready(Duration::from_secs(60)).await;
    (srv, dir, seen)
}

async fn separate(s: &Session, content: &str, len: i64) -> (u16, Value) {
    s.call(
        Method::POST,
        "/posts/separate-posts",
        Some(json!({"content": content, "len": len})),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_split_into_a_thread_that_fits() {
    let (srv, _dir, seen) = server(&[]).await;
    let (s, _) = Session::register(&srv.base).await;

    let text = "Rust makes systems programming safe. Ownership rules prevent data races. \
                The borrow checker catches mistakes early. Cargo builds everything.";
    let (status, body) = separate(&s, text, 80).await;
    assert_eq!(status, 201, "{body}");
    let posts: Vec<&str> = body["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(posts.len() >= 2, "{body}");
    assert!(posts.iter().all(|p| p.chars().count() <= 80), "{body}");
    assert_eq!(posts.join(" "), text, "the wording is kept");
    let first = seen.lock().unwrap().bodies("/v1/chat/completions")[0].clone();
    assert_eq!(first["model"], "gpt-4.1");
    assert_eq!(
        first["response_format"]["json_schema"]["name"],
        "separatePosts"
    );
    assert_eq!(first["response_format"]["json_schema"]["strict"], true);
    assert!(first["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("minimum 70 and maximum 80 characters"));

    // A sentence the model left too long is shrunk by the model.
    let long =
        "This single sentence is far longer than the limit allows for one post of the thread.";
    let (status, body) = separate(&s, long, 40).await;
    assert_eq!(status, 201, "{body}");
    let posts = body["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 1, "{body}");
    assert!(posts[0].as_str().unwrap().chars().count() <= 40);
    let shrinks = |seen: &openai::Shared| {
        seen.lock()
            .unwrap()
            .bodies("/v1/chat/completions")
            .iter()
            .filter(|b| b["response_format"]["json_schema"]["name"] == "separatePost")
            .count()
    };
    assert_eq!(shrinks(&seen), 1);

    // One the model cannot shrink after 4 tries is split at words, never left too long.
    let stubborn = "UNSHRINKABLE words keep coming in this very long sentence that never ends here";
    let (status, body) = separate(&s, stubborn, 30).await;
    assert_eq!(status, 201, "{body}");
    let posts: Vec<&str> = body["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        posts.len() >= 3 && posts.iter().all(|p| p.chars().count() <= 30),
        "{body}"
    );
    assert_eq!(posts.join(" "), stubborn);
    assert_eq!(shrinks(&seen), 1 + 4);

    // A 429 is retried with backoff; the answer still comes.
    let (status, body) = separate(&s, "RATE429 first. Then fine.", 200).await;
    assert_eq!(status, 201, "{body}");

    // Bad input is a 400 before any model call.
    let calls = seen.lock().unwrap().requests.len();
    for bad in [
        json!({"content": "", "len": 100}),
        json!({"content": "x"}),
        json!({"content": "x", "len": 5}),
    ] {
        let (status, body) = s
            .call(Method::POST, "/posts/separate-posts", Some(bad))
            .await;
        assert_eq!(status, 400, "{body}");
    }
    assert_eq!(seen.lock().unwrap().requests.len(), calls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_422_and_failures_a_clean_502() {
    let (srv, _dir, _seen) = server(&[]).await;
    let (s, _) = Session::register(&srv.base).await;

    let (status, body) = separate(&s, "Please REFUSE this.", 100).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body,
        json!({"statusCode": 422, "message": "Your request was rejected by the AI safety system. Flagged categories: violence. Please adjust your prompt and try again."})
    );
    let (status, body) = s
        .call(
            Method::POST,
            "/media/generate-image",
            Some(json!({"prompt": "REFUSE to draw"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    let (status, body) = separate(&s, "FAIL500 always.", 100).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(
        body,
        json!({"statusCode": 502, "message": "AI generation failed, please try again later."})
    );
    assert!(!body.to_string().contains("upstream-secret-detail"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_come_back_as_data_urls_or_into_the_library() {
    let (srv, _dir, seen) = server(&[]).await;
    let (s, _) = Session::register(&srv.base).await;

    let (status, body) = s
        .call(
            Method::POST,
            "/media/generate-image",
            Some(json!({"prompt": "a red fox"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["output"],
        format!("data:image/png;base64,{}", openai::PNG_B64)
    );
    let image = seen.lock().unwrap().bodies("/v1/images/generations")[0].clone();
    assert_eq!(
        (&image["model"], &image["size"], &image["prompt"]),
        (
            &json!("chatgpt-image-latest"),
            &json!("1024x1024"),
            &json!("a red fox")
        )
    );

    // With a prompt: expanded by the text model, drawn, stored as a media row.
    let (status, row) = s
        .call(
            Method::POST,
            "/media/generate-image-with-prompt",
            Some(json!({"prompt": "a lighthouse at dusk"})),
        )
        .await;
    assert_eq!(status, 201, "{row}");
    let images = seen.lock().unwrap().bodies("/v1/images/generations");
    assert_eq!(
        images[1]["prompt"],
        "A detailed render of a lighthouse at dusk"
    );
    let library = s.get("/media?page=1").await;
    let listed = library["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == row["id"])
        .expect("the picture is in the library");
    let path = listed["path"].as_str().unwrap();
    let bytes = reqwest::get(path).await.unwrap().bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{path} serves the PNG"
    );

    // Another organization does not see it.
    let (other, _) = Session::register(&srv.base).await;
    let theirs = other.get("/media?page=1").await;
    assert!(!theirs.to_string().contains(row["id"].as_str().unwrap()));

    let (status, _) = s
        .call(
            Method::POST,
            "/media/generate-image",
            Some(json!({"prompt": ""})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_spend_the_plans_credits_and_failures_give_them_back() {
    let signing = crate::billing_http::SIGNING;
    let (srv, _dir, seen) = server(&[
        ("STRIPE_SECRET_KEY", "sk_test_ai_http".to_string()),
        ("STRIPE_SIGNING_KEY", signing.to_string()),
    ])
    .await;
    let (s, _) = Session::register(&srv.base).await;
    let draw = |prompt: &'static str| {
        s.call(
            Method::POST,
            "/media/generate-image",
            Some(json!({ "prompt": prompt })),
        )
    };

    // No subscription, no credits: Postiz's `false`, and the model is not called.
    let (status, body) = draw("a cat").await;
    assert_eq!((status, &body), (201, &Value::Bool(false)));
    assert!(seen
        .lock()
        .unwrap()
        .bodies("/v1/images/generations")
        .is_empty());

    // STANDARD: 20 pictures a month. A refused one gives its credit back.
    let org = s.get("/user/self").await["orgId"]
        .as_str()
        .unwrap()
        .to_string();
    let event = crate::billing_http::subscription_event(
        "evt_ai_1",
        "customer.subscription.created",
        &org,
        "STANDARD",
        chrono::Utc::now().timestamp(),
    );
    let (status, body) = crate::billing_http::deliver(&s, &event, signing).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = draw("REFUSE this").await;
    assert_eq!(status, 422);
    for n in 0..20 {
        let (status, body) = draw("a cat").await;
        assert!(
            status == 201 && body["output"].is_string(),
            "picture {n}: {body}"
        );
    }
    let (status, body) = draw("a cat").await;
    assert_eq!(
        (status, &body),
        (201, &Value::Bool(false)),
        "the 21st is over the plan"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_key_ai_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let srv = Running::server(&[("DATA_DIR", dir.path().display().to_string())])
        .ready(Duration::from_secs(60))
        .await;
    let (s, _) = Session::register(&srv.base).await;
    for (path, body) in [
        (
            "/posts/separate-posts",
            json!({"content": "Hello there.", "len": 100}),
        ),
        ("/media/generate-image", json!({"prompt": "a cat"})),
        (
            "/media/generate-image-with-prompt",
            json!({"prompt": "a cat"}),
        ),
    ] {
        let (status, answer) = s.call(Method::POST, path, Some(body)).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert!(answer["message"]
            .as_str()
            .unwrap()
            .contains("AI is not configured"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autopost_helpers_write_a_short_post_and_a_picture() {
    let (fake, seen) = openai::app();
    let base = serve(fake).await;
    let ai = postiz_ai::Ai::new(
        &postiz_ai::AiConfig::from_vars(|k| match k {
            "OPENAI_API_KEY" => Some(openai::KEY.to_string()),
            "OPENAI_BASE_URL" => Some(format!("{base}/v1")),
            _ => None,
        })
        .unwrap(),
    )
    .unwrap();
    let item = "We shipped exactly-once publishing across every network, with a fault suite that \
                kills the server mid-send and checks that nothing goes out twice.";
    let text = postiz_ai::autopost_text(&ai, item).await.unwrap();
    assert!(text.starts_with("New on the blog 🚀\nWe shipped"), "{text}");
    assert!(text.chars().count() <= postiz_ai::AUTOPOST_MAX);
    let picture = postiz_ai::autopost_picture(&ai, item).await.unwrap();
    assert_eq!(picture.base64, openai::PNG_B64);
    assert_eq!(picture.prompt, format!("An illustration of {item}"));
    let chats = seen.lock().unwrap().bodies("/v1/chat/completions");
    assert!(chats[0]["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("Don't add hashtags"));
    let err = postiz_ai::autopost_text(&ai, "REFUSE").await.unwrap_err();
    assert!(matches!(err, postiz_core::Error::Unprocessable(_)), "{err}");
}

/// `POST /posts/generator`'s events, one JSON per line.
async fn generate_posts(s: &Session, body: Value) -> Vec<Value> {
    let r = s
        .http
        .post(format!("{}/posts/generator", s.base))
        .header("auth", &s.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generator_streams_its_steps_then_the_posts() {
    let (srv, _dir, seen) = server(&[]).await;
    let (s, _) = Session::register(&srv.base).await;

    let events = generate_posts(
        &s,
        json!({"research": "Our scheduler publishes exactly once", "isPicture": false,
               "format": "one_short", "tone": "personal"}),
    )
    .await;
    let names: Vec<&str> = events.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "agent",
            "generate-hook",
            "generate-content",
            "post-time",
            "LangGraph"
        ]
    );
    let output = &events.last().unwrap()["data"]["output"];
    assert_eq!(
        output["hook"],
        "Ever wondered about Our scheduler publishes exactl?"
    );
    assert_eq!(output["content"].as_array().unwrap().len(), 1);
    assert!(output["content"][0]["content"]
        .as_str()
        .unwrap()
        .starts_with("Post 1."));
    assert!(
        output["date"].as_str().is_some_and(|d| d.len() == 19),
        "{output}"
    );
    let content_call = seen.lock().unwrap().bodies("/v1/chat/completions")[1].clone();
    let system = content_call["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Use 1st person mode") && system.contains("maximum 200 chars"));

    // A thread with pictures: each post's picture lands in the media library.
    let events = generate_posts(
        &s,
        json!({"research": "Our scheduler publishes exactly once", "isPicture": true,
               "format": "thread_long", "tone": "company"}),
    )
    .await;
    assert!(events.iter().any(|e| e["name"] == "generate-picture"));
    let output = &events.last().unwrap()["data"]["output"];
    let posts = output["content"].as_array().unwrap();
    assert_eq!(posts.len(), 2);
    let library = s.get("/media?page=1").await;
    for p in posts {
        let id = p["image"]["id"].as_str().expect("a picture");
        assert!(library["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id));
    }
    assert_eq!(
        seen.lock().unwrap().bodies("/v1/images/generations")[0]["prompt"],
        "A calm picture for post 1"
    );

    // A refusal ends the stream with Postiz's error event.
    let events = generate_posts(
        &s,
        json!({"research": "Please REFUSE this one", "isPicture": false,
               "format": "one_long", "tone": "personal"}),
    )
    .await;
    let last = events.last().unwrap();
    assert_eq!(
        (&last["name"], &last["error"]),
        (&json!("error"), &json!(true))
    );
    assert!(last["message"]
        .as_str()
        .unwrap()
        .contains("Flagged categories: violence"));

    let (status, _) = s
        .call(
            Method::POST,
            "/posts/generator",
            Some(json!({"research": "short"})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generators_research_step_searches_the_web_when_a_key_is_set() {
    let (tavily, searched) = postiz_tests::fakes::tavily::app();
    let tavily = serve(tavily).await;
    let (srv, _dir, seen) = server(&[
        (
            "TAVILY_API_KEY",
            postiz_tests::fakes::tavily::KEY.to_string(),
        ),
        ("TAVILY_URL", tavily),
    ])
    .await;
    let (s, _) = Session::register(&srv.base).await;
    let events = generate_posts(
        &s,
        json!({"research": "exactly once publishing", "isPicture": false,
               "format": "one_long", "tone": "company"}),
    )
    .await;
    let names: Vec<&str> = events.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "agent",
            "research",
            "generate-hook",
            "generate-content",
            "post-time",
            "LangGraph"
        ]
    );
    assert_eq!(
        searched.lock().unwrap()[0]["query"],
        "exactly once publishing"
    );
    let content_call = seen.lock().unwrap().bodies("/v1/chat/completions")[1].clone();
    let user = content_call["messages"][1]["content"].as_str().unwrap();
    assert!(
        user.contains("Research finding about exactly once publishing."),
        "{user}"
    );
}
