//! The tool registry and the agent's tool-calling turn, against the fake OpenAI server's
//! scripted agent and a fake Mastodon: a turn that lists the channels and schedules a post
//! creates exactly one scheduled post in the caller's organization and none in another;
//! the tools refuse other organizations' ids and report fixable mistakes as `errors`.

use postiz_ai::{Ai, AiConfig, ChatMessage, ToolRunner};
use postiz_core::Clock;
use postiz_providers::{ProviderConfig, Providers};
use postiz_storage::embedded::FileBlobs;
use postiz_tests::fakes::{mastodon, openai, serve};
use postiz_tools::Toolbox;
use serde_json::{json, Value};
use std::sync::Arc;

use crate::util::{connect_channel, embedded_posts, EmbeddedPosts};

struct World {
    posts: EmbeddedPosts,
    tools: Toolbox,
    ai: Ai,
    seen: openai::Shared,
    channel_a: String,
    channel_b: String,
}

async fn world() -> World {
    let (fake, _) = mastodon::app();
    let fake_url = serve(fake).await;
    let providers = Providers::new(&ProviderConfig::from_pairs([
        ("FETCH_ALLOW_PRIVATE", "true"),
        ("MASTODON_URL", fake_url.as_str()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID),
        ("MASTODON_CLIENT_SECRET", mastodon::CLIENT_SECRET),
    ]));
    let posts = embedded_posts(providers);
    let channel_a =
        connect_channel(&posts.channels, "org-a", "mastodon", mastodon::GOOD_CODE).await;
    let channel_b =
        connect_channel(&posts.channels, "org-b", "mastodon", mastodon::GOOD_CODE).await;
    let blobs = Arc::new(FileBlobs::new(
        posts.dir.path().join("blobs"),
        "http://127.0.0.1:9",
        b"signing-key",
        posts.clock.clone(),
    ));
    let media =
        postiz_media::MediaService::with_env_urls(posts.table.clone(), blobs, posts.clock.clone());
    let tools = Toolbox::new(
        posts.channels.clone(),
        posts.module.posts.clone(),
        media,
        postiz_media::url_fetcher(),
        posts.clock.clone(),
    );
    let (fake_ai, seen) = openai::app();
    let base = serve(fake_ai).await;
    let ai = Ai::new(
        &AiConfig::from_vars(|k| match k {
            "OPENAI_API_KEY" => Some(openai::KEY.to_string()),
            "OPENAI_BASE_URL" => Some(format!("{base}/v1")),
            _ => None,
        })
        .unwrap(),
    )
    .unwrap();
    World {
        posts,
        tools,
        ai,
        seen,
        channel_a,
        channel_b,
    }
}

async fn posts_of(w: &World, org: &str) -> Vec<Value> {
    let text = w
        .posts
        .module
        .posts
        .public_list(
            org,
            "2030-01-01T00:00:00Z".parse().unwrap(),
            "2030-02-01T00:00:00Z".parse().unwrap(),
            None,
        )
        .await
        .unwrap();
    serde_json::from_slice::<Value>(&text).unwrap()["posts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_turn_schedules_exactly_one_post_in_the_callers_organization() {
    let w = world().await;
    let history = vec![ChatMessage::User {
        content: "schedule Hello from the agent".into(),
    }];
    let prompt = postiz_tools::assistant_prompt(w.posts.clock.now());
    let mut emitted = Vec::new();
    let server = w.tools.agent_tools();
    let runner = w.tools.for_org("org-a");
    let tools = postiz_ai::TurnTools {
        server: &server,
        client: &[],
        runner: &runner,
    };
    let added =
        w.ai.agent_turn(&prompt, &history, tools, &mut |m| emitted.push(m.clone()))
            .await
            .unwrap();
    assert_eq!(emitted, added, "each message is emitted as it comes");

    // integrationList, its result, schedulePost, its result, the answer.
    let names: Vec<&str> = added
        .iter()
        .filter_map(|m| match m {
            ChatMessage::Tool { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["integrationList", "schedulePost"]);
    let Some(ChatMessage::Assistant {
        content: Some(answer),
        tool_calls,
    }) = added.last()
    else {
        panic!("the turn ends with words: {added:?}");
    };
    assert!(
        tool_calls.is_empty() && answer.starts_with("Done: "),
        "{answer}"
    );

    let mine = posts_of(&w, "org-a").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["state"], "QUEUE");
    assert_eq!(mine[0]["integration"]["id"], json!(w.channel_a));
    assert_eq!(mine[0]["creationMethod"], "MCP");
    assert!(mine[0]["content"]
        .as_str()
        .unwrap()
        .contains("Hello from the agent"));
    assert!(posts_of(&w, "org-b").await.is_empty());

    // The model was given the registry's tools and the assistant's rules.
    let first = w.seen.lock().unwrap().bodies("/v1/chat/completions")[0].clone();
    assert_eq!(first["model"], "gpt-5.2");
    let offered: Vec<&str> = first["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"schedulePost") && offered.contains(&"integrationSchema"));
    assert!(!offered.iter().any(|n| n.to_lowercase().contains("delete")));
    assert!(first["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("wait for their confirmation"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_stay_in_the_callers_organization_and_report_fixable_mistakes() {
    let w = world().await;
    let a = w.tools.for_org("org-a");
    let run = |name: &'static str, args: Value| {
        let a = &a;
        async move { serde_json::from_str::<Value>(&a.run(name, args).await).unwrap() }
    };

    let list = run("integrationList", json!({})).await;
    let ids: Vec<&str> = list["output"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [w.channel_a.as_str()]);
    assert_eq!(list["output"][0]["platform"], "mastodon");

    // Another organization's channel is not found, and nothing is written.
    let theirs = run(
        "schedulePost",
        json!({"socialPost": [{"integrationId": w.channel_b, "date": openai::AGENT_DATE,
            "type": "schedule", "postsAndComments": [{"content": "<p>x</p>"}]}]}),
    )
    .await;
    assert!(
        theirs["output"]["errors"]
            .as_str()
            .unwrap()
            .contains("Integration not found"),
        "{theirs}"
    );
    assert!(posts_of(&w, "org-b").await.is_empty() && posts_of(&w, "org-a").await.is_empty());

    // Too long for Mastodon (500): the editor's check, reported for the model to fix.
    let long = format!("<p>{}</p>", "a".repeat(600));
    let too_long = run(
        "schedulePost",
        json!({"socialPost": [{"integrationId": w.channel_a, "date": openai::AGENT_DATE,
            "type": "schedule", "postsAndComments": [{"content": long}]}]}),
    )
    .await;
    assert!(
        too_long["output"]["errors"]
            .as_str()
            .unwrap()
            .contains("at most 500 characters"),
        "{too_long}"
    );
    assert!(posts_of(&w, "org-a").await.is_empty());

    let schema = run("integrationSchema", json!({"platform": "mastodon"})).await;
    assert_eq!(schema["output"]["maxLength"], 500);
    let reddit = run("integrationSchema", json!({"platform": "reddit"})).await;
    assert_eq!(reddit["output"]["tools"][0]["methodName"], "subreddits");
    assert_eq!(reddit["output"]["tools"][0]["dataSchema"][0]["key"], "word");

    // Settings of another organization's post: not found.
    let created = run(
        "schedulePost",
        json!({"socialPost": [{"integrationId": w.channel_a, "date": openai::AGENT_DATE,
            "type": "draft", "postsAndComments": [{"content": "<p>draft</p>"}]}]}),
    )
    .await;
    let post_id = created["output"][0]["postId"]
        .as_str()
        .expect("created")
        .to_string();
    let b = w.tools.for_org("org-b");
    let foreign: Value = serde_json::from_str(
        &b.run("postSettings", json!({"id": post_id, "settings": []}))
            .await,
    )
    .unwrap();
    assert!(
        foreign["output"]["errors"]
            .as_str()
            .unwrap()
            .contains("not found"),
        "{foreign}"
    );

    let listed = run(
        "postsList",
        json!({"startDate": "2029-10-01T00:00:00Z", "endDate": "2030-06-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(listed["output"]["posts"][0]["id"], json!(post_id));
    assert_eq!(listed["output"]["posts"][0]["state"], "DRAFT");

    let unknown = run("deletePost", json!({"id": post_id})).await;
    assert!(
        unknown["error"].as_str().unwrap().contains("Unknown tool"),
        "{unknown}"
    );
}
