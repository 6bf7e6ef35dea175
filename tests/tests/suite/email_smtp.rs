//! Email over SMTP to a real SMTP server process (`aiosmtpd` from PyPI, which infra/test
//! installs into the virtualenv, saving every message to a maildir): with
//! `EMAIL_PROVIDER=nodemailer` and email verification on, signing up sends the activation
//! email there, and its link activates the account.

use postiz_tests::Running;
use reqwest::Client;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An SMTP server on `port` writing to the maildir `dir`.
fn smtp_server(port: u16, dir: &Path) -> Running {
    let mut cmd = Command::new(postiz_tests::venv_bin("python"));
    cmd.args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir);
    Running::start(cmd, port)
}

/// Waits until something listens on `port`.
async fn listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "no SMTP server on {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The raw messages of the maildir, once `n` have arrived.
async fn messages(dir: &Path, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found: Vec<String> = std::fs::read_dir(dir.join("new"))
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= n {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} emails arrived",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_up_sends_the_activation_email_over_smtp() {
    let mail = tempfile::tempdir().unwrap();
    let maildir = mail.path().join("maildir");
    let port = free_port();
    let _smtp = smtp_server(port, &maildir);
    listening(port).await;
    let data = tempfile::tempdir().unwrap();
    let srv = Running::server(&[
        ("DATA_DIR", data.path().display().to_string()),
        ("EMAIL_VERIFICATION", "true".into()),
        ("EMAIL_PROVIDER", "nodemailer".into()),
        ("EMAIL_HOST", "127.0.0.1".into()),
        ("EMAIL_PORT", port.to_string()),
        ("EMAIL_SECURE", "false".into()),
        ("EMAIL_FROM_ADDRESS", "team@postiz.example".into()),
        ("EMAIL_FROM_NAME", "Postiz".into()),
        ("NOT_SECURED", "true".into()),
    ])
    .ready(Duration::from_secs(60))
    .await;
    let http = Client::new();
    let email = format!("{}@example.com", postiz_tests::unique("smtp"));
    let r = http
        .post(format!("{}/auth/register", srv.base))
        .json(&json!({"email": email, "password": "smtp-pass-1", "company": "Mail Co", "provider": "LOCAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Nothing lands in the outbox folder: the SMTP server got it.
    assert!(!data.path().join("outbox").exists());

    let raw = messages(&maildir, 1).await.remove(0);
    assert!(raw.contains("Subject: Activate your account"), "{raw}");
    assert!(raw.contains(&format!("To: {email}")), "{raw}");
    assert!(raw.contains("From: Postiz <team@postiz.example>"), "{raw}");
    let unfolded = raw
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let code = unfolded
        .split("/auth/activate/")
        .nth(1)
        .expect("the activation link")
        .split(['"', '<', ' ', '\r', '\n'])
        .next()
        .unwrap()
        .to_string();
    let activated = http
        .post(format!("{}/auth/activate", srv.base))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), 200);
    assert!(activated.headers().get("auth").is_some(), "a session");
    let body: Value = activated.json().await.unwrap_or(Value::Null);
    assert_ne!(body, json!({"can": false}), "the emailed code activates");
}
