//! Notification emails from outside: `postiz-server` with a fake Mastodon, email into the
//! outbox folder, and short windows (`DIGEST_WINDOW_SECS`, `STREAK_REMIND_SECS`). A
//! published post reaches the member in their digest (one notice: its own subject; several:
//! one digest with all of them); the streak reminder goes once after the last publish; a
//! failed post is emailed at once; a member who turned success emails off gets no digest.
//! Every notice is also an in-app notification.

use postiz_core::email::{EmailMessage, OutboxMailer};
use reqwest::Method;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{publish_now, Session};

fn with_subject(outbox: &Path, subject: &str) -> Vec<EmailMessage> {
    OutboxMailer::new(outbox)
        .messages()
        .into_iter()
        .filter(|m| m.subject == subject)
        .collect()
}

async fn wait_for(outbox: &Path, subject: &str, n: usize) -> Vec<EmailMessage> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = with_subject(outbox, subject);
        if found.len() >= n {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} emails {subject:?}; outbox: {:?}",
            found.len(),
            OutboxMailer::new(outbox)
                .messages()
                .iter()
                .map(|m| m.subject.clone())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_state(s: &Session, id: &str, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let thread = s.get(&format!("/posts/{id}")).await;
        if thread["posts"][0]["state"] == state {
            return;
        }
        assert!(Instant::now() < deadline, "{id} not {state}: {thread}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_get_digests_failures_and_streak_reminders_as_they_chose() {
    let mail = tempfile::tempdir().unwrap();
    let outbox = mail.path().join("outbox");
    let (srv, _dir, seen) = crate::util::mastodon_server(&[
        // Named, so that the AWS adapters use it too.
        ("EMAIL_OUTBOX_DIR", outbox.display().to_string()),
        ("DIGEST_WINDOW_SECS", "2".into()),
        ("DIGEST_TICK_SECS", "1".into()),
        ("STREAK_REMIND_SECS", "5".into()),
    ])
    .await;
    let (s, email) = Session::register(&srv.base).await;
    let channel = postiz_tests::client::connect_mastodon(&s.http, &srv.base, &s.token).await;

    // One published post: a digest of one, under the notice's own subject.
    let first = publish_now(&s, &channel, "Hello digest").await;
    wait_state(&s, &first, "PUBLISHED").await;
    let published = "Your post has been published on Mastodon";
    let digest = wait_for(&outbox, published, 1).await.remove(0);
    assert!(
        s.get("/user/self").await["streakSince"].is_string(),
        "a streak started"
    );
    assert_eq!(digest.to, email);
    assert!(
        digest
            .html
            .contains("Your post has been published on Mastodon at http"),
        "{}",
        digest.html
    );

    // The streak reminder, once, five seconds after that publish.
    let reminder = wait_for(&outbox, "Streak Reminder", 1).await.remove(0);
    assert_eq!(reminder.to, email);
    assert!(reminder.html.contains("lose your streak"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        with_subject(&outbox, "Streak Reminder").len(),
        1,
        "reminded once"
    );

    // Two more within the window: one digest with both.
    let a = publish_now(&s, &channel, "Second").await;
    let b = publish_now(&s, &channel, "Third").await;
    wait_state(&s, &a, "PUBLISHED").await;
    wait_state(&s, &b, "PUBLISHED").await;
    let both = wait_for(&outbox, "[Postiz] Your latest notifications", 1)
        .await
        .remove(0);
    assert_eq!(both.html.matches(published).count(), 2, "{}", both.html);
    assert_eq!(
        with_subject(&outbox, published).len(),
        1,
        "no separate email for them"
    );

    // A failure: emailed at once.
    seen.lock().unwrap().fail_next.push_back((422, None));
    let failed = publish_now(&s, &channel, "Rejected").await;
    wait_state(&s, &failed, "ERROR").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let failure = loop {
        let found: Vec<EmailMessage> = OutboxMailer::new(&outbox)
            .messages()
            .into_iter()
            .filter(|m| m.subject.starts_with("Error posting on Mastodon"))
            .collect();
        if let Some(m) = found.into_iter().next() {
            break m;
        }
        assert!(Instant::now() < deadline, "no failure email");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(failure.to, email);

    // Success emails off: no digest for the next one.
    let (status, _) = s
        .call(
            Method::POST,
            "/user/email-notifications",
            Some(json!({"sendSuccessEmails": false, "sendFailureEmails": true, "sendStreakEmails": true})),
        )
        .await;
    assert!(status < 300);
    let quiet = publish_now(&s, &channel, "Quiet").await;
    wait_state(&s, &quiet, "PUBLISHED").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let digests = OutboxMailer::new(&outbox)
        .messages()
        .into_iter()
        .filter(|m| m.html.contains(published))
        .count();
    assert_eq!(digests, 2, "the first digest and the one with two");

    // Every notice is in the app too.
    let list = s.get("/notifications/list").await;
    let text = list.to_string();
    assert!(text.matches(published).count() >= 4, "{list}");
    assert!(text.contains("Error posting on Mastodon"), "{list}");
}
