//! Email through Resend's HTTP API (a local fake of it) and the email queue: with
//! `EMAIL_PROVIDER=resend`, signing up queues the activation email; the server's senders
//! deliver it in the HTML layout, with the queued message's id as `Idempotency-Key`. The
//! fake fails the first four requests: three tries in a row, then the message comes back
//! from the queue and goes through, once.

use postiz_tests::fakes::{resend, serve};
use postiz_tests::Running;
use reqwest::Client;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_activation_email_goes_through_the_queue_to_resend_once() {
    let (fake, log) = resend::app(4);
    let base = serve(fake).await;
    let data = tempfile::tempdir().unwrap();
    let srv = Running::server(&[
        ("DATA_DIR", data.path().display().to_string()),
        ("EMAIL_VERIFICATION", "true".into()),
        ("EMAIL_PROVIDER", "resend".into()),
        ("RESEND_API_KEY", resend::KEY.into()),
        ("RESEND_API_URL", base),
        ("EMAIL_FROM_ADDRESS", "team@postiz.example".into()),
        ("EMAIL_FROM_NAME", "Postiz".into()),
        ("EMAIL_RETRY_SECS", "3".into()),
        ("FRONTEND_URL", "https://app.postiz.example".into()),
        ("NOT_SECURED", "true".into()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let email = format!("{}@example.com", postiz_tests::unique("resend"));
    let r = Client::new()
        .post(format!("{}/auth/register", srv.base))
        .json(&json!({"email": email, "password": "resend-pass-1", "company": "Mail Co", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!data.path().join("outbox").exists(), "not the outbox");

    let deadline = Instant::now() + Duration::from_secs(60);
    while log.lock().unwrap().sent.is_empty() {
        assert!(Instant::now() < deadline, "no email reached Resend");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Give a duplicate the time to show up, were there one.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let log = log.lock().unwrap();
    assert_eq!(log.sent.len(), 1, "sent once");
    assert_eq!(log.requests.len(), 5, "4 failures, then the send");
    let key = &log.sent[0].idempotency_key;
    assert!(!key.is_empty());
    assert!(
        log.requests.iter().all(|k| k == key),
        "one idempotency key throughout"
    );
    let body = &log.sent[0].body;
    assert_eq!(body["to"], json!([email]));
    assert_eq!(body["from"], json!("Postiz <team@postiz.example>"));
    assert_eq!(body["subject"], json!("Activate your account"));
    let html = body["html"].as_str().unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "in the layout");
    assert!(
        html.contains(">Activate your account</h1>"),
        "the subject heads it"
    );
    assert!(html.contains("/auth/activate/"), "the activation link");
    assert!(html.contains("href=\"https://app.postiz.example/settings\""));
}
