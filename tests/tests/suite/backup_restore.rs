//! `postiz-server backup` while the server runs, and `restore` into a new `DATA_DIR`: the
//! restored server holds what existed at the backup (accounts, sessions, channels, posts,
//! media files), and nothing written after it.

use postiz_tests::fakes::{mastodon, serve};
use postiz_tests::Running;
use reqwest::Method;
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::util::Session;

fn envs(dir: &Path, fake: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATA_DIR", dir.display().to_string()),
        ("STORAGE", "embedded".to_string()),
        ("MASTODON_URL", fake.to_string()),
        ("MASTODON_CLIENT_ID", mastodon::CLIENT_ID.to_string()),
        (
            "MASTODON_CLIENT_SECRET",
            mastodon::CLIENT_SECRET.to_string(),
        ),
    ]
}

/// Runs `postiz-server <command> <file>` on `dir`; its output.
fn run(command: &str, file: &Path, dir: &Path) -> (bool, String) {
    let out = Command::new(postiz_tests::server_bin())
        .args([command, &file.display().to_string()])
        .env("DATA_DIR", dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn draft(s: &Session, channel: &str, text: &str) -> String {
    let (status, body) = s
        .call(
            Method::POST,
            "/posts",
            Some(json!({"type": "draft", "date": "2030-03-01T10:00:00Z", "shortLink": false, "tags": [],
                        "posts": [{"integration": {"id": channel}, "settings": {"__type": "mastodon"},
                                   "value": [{"content": format!("<p>{text}</p>")}]}]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body[0]["postId"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_running_restores_into_a_new_data_dir() {
    let (fake, _) = mastodon::app();
    let fake = serve(fake).await;
    let work = tempfile::tempdir().unwrap();
    let (first_dir, second_dir) = (work.path().join("first"), work.path().join("second"));
    let archive = work.path().join("backup.tar");
    let mut first = Running::server(&envs(&first_dir, &fake))
        .ready(Duration::from_secs(30))
        .await;
    let (s, _) = Session::register(&first.base).await;
    let channel = crate::util::connect_mastodon(&s.http, &s.base, &s.token).await;
    let kept = draft(&s, &channel, "before the backup").await;
    let image = crate::media_http::png(3);
    let (status, media) = s.upload("kept.png", "image/png", image.clone()).await;
    assert_eq!(status, 201, "{media}");

    // Online: the running server takes the snapshot.
    let (ok, out) = run("backup", &archive, &first_dir);
    assert!(ok, "{out}");
    assert!(out.contains("blobs") && !out.contains(" 0 blobs"), "{out}");
    let lost = draft(&s, &channel, "after the backup").await;
    let channels_then = s.get("/integrations/list").await;
    let first_base = first.base.clone();
    first.stop();

    // Restored into a new folder, served by a new server.
    let (ok, out) = run("restore", &archive, &second_dir);
    assert!(ok, "{out}");
    let (ok, out) = run("restore", &archive, &second_dir);
    assert!(!ok && out.contains("already holds a store"), "{out}");
    let second = Running::server(&envs(&second_dir, &fake))
        .ready(Duration::from_secs(30))
        .await;
    let restored = Session {
        http: s.http.clone(),
        base: second.base.clone(),
        token: s.token.clone(),
    };
    // The same session works: the secrets came with the data.
    assert_eq!(restored.get("/integrations/list").await, channels_then);
    let (status, post) = restored
        .call(Method::GET, &format!("/posts/{kept}"), None)
        .await;
    assert_eq!(status, 200);
    assert!(post.to_string().contains("before the backup"), "{post}");
    let (status, _) = restored
        .call(Method::GET, &format!("/posts/{lost}"), None)
        .await;
    assert_eq!(status, 404, "a post written after the backup");
    let library = restored.get("/media").await;
    assert_eq!(library["results"][0]["id"], media["id"]);
    // Links carry the public URL, the same after a real restore (here each server has its
    // own port).
    let link =
        library["results"][0]["path"]
            .as_str()
            .unwrap()
            .replacen(&first_base, &second.base, 1);
    let served = s.http.get(&link).send().await.unwrap();
    assert_eq!(served.status(), 200, "{link}");
    assert_eq!(served.bytes().await.unwrap().as_ref(), image.as_slice());

    // Offline: with no server running, the command opens the store itself.
    drop(second);
    let offline = work.path().join("offline.tar");
    let (ok, out) = run("backup", &offline, &second_dir);
    assert!(ok, "{out}");
    let third_dir = work.path().join("third");
    let (ok, out) = run("restore", &offline, &third_dir);
    assert!(ok, "{out}");
}
