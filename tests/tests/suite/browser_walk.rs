//! The real Postiz web app, unmodified, driven by Chromium against `postiz-server` in both auth
//! modes (`tests/browser/walk.mjs` does the walking; docs/frontend.md says what it covers).
//!
//! Runs when `POSTIZ_FRONTEND_DIR` names a built `apps/frontend` of a Postiz checkout, built
//! with `NEXT_PUBLIC_BACKEND_URL` = `POSTIZ_FRONTEND_BACKEND_URL` (default
//! `http://127.0.0.1:3000`: the backend must take that port). Needs Node.js, Debian's
//! `chromium` (`CHROMIUM_PATH`) and `playwright-core` (installed into `tests/browser` with npm
//! when missing). Without `POSTIZ_FRONTEND_DIR` it says why it was skipped: CI cannot download
//! the web app.

use postiz_tests::fakes::stripe::Stripe;
use postiz_tests::fakes::{bluesky, mastodon, openai, serve, telegram, x};
use postiz_tests::Running;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FRONTEND_PORT: u16 = 4200;

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .and_then(|p| p.trim_end_matches('/').parse().ok())
        .unwrap_or(80)
}

async fn wait_for(url: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let client = reqwest::Client::new();
    while client.get(url).send().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "{url} did not answer in {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Fails unless `port` is free: a process left on it would answer instead of the one this
/// walk starts (and in the other auth mode).
fn assert_free(port: u16) {
    assert!(
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "port {port} is taken: stop what listens there before the browser walk"
    );
}

/// `tests/browser` with its `playwright-core` installed.
fn walk_dir() -> PathBuf {
    let dir = postiz_tests::repo_root().join("tests/browser");
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("npm (Node.js) is needed for the browser walk");
        assert!(status.success(), "npm ci in tests/browser failed");
    }
    dir
}

/// The backend and the web app, each a running process; stopped when dropped.
struct Stack {
    _app: Running,
    backend: Running,
    frontend_url: String,
}

/// Starts `postiz-server` on `backend_url`'s port with `backend_env` added, then the web app
/// (`next start`) pointed at it with `frontend_env` added; `secured` = header auth mode.
async fn start_stack(
    frontend: &Path,
    backend_url: &str,
    secured: bool,
    data: &Path,
    backend_env: &[(&str, String)],
    frontend_env: &[(&str, String)],
) -> Stack {
    let frontend_url = format!("http://127.0.0.1:{FRONTEND_PORT}");
    assert_free(port_of(backend_url));
    assert_free(FRONTEND_PORT);
    let mut backend = Command::new(postiz_tests::server_bin());
    backend
        .env("HOST", "127.0.0.1")
        .env("PORT", port_of(backend_url).to_string())
        .env("DATA_DIR", data)
        .env("FRONTEND_URL", &frontend_url)
        .env("FETCH_ALLOW_PRIVATE", "true")
        .env("SCHEDULER_TICK_MS", "500")
        .env("POSTIZ_CHECK_ANSWERS", "1");
    backend.envs(backend_env.iter().map(|(k, v)| (k, v)));
    if secured {
        backend.env("NOT_SECURED", "true");
    }
    let backend = Running::start(backend, port_of(backend_url))
        .ready(Duration::from_secs(30))
        .await;

    let next = frontend.join("../../node_modules/.bin/next");
    let mut app = Command::new(&next);
    app.args(["start", "-p", &FRONTEND_PORT.to_string(), "-H", "127.0.0.1"])
        .current_dir(frontend)
        .env("FRONTEND_URL", &frontend_url)
        .env("IS_GENERAL", "true")
        .env("STORAGE_PROVIDER", "local")
        .env("NEXT_PUBLIC_BACKEND_URL", backend_url)
        .env("BACKEND_INTERNAL_URL", backend_url)
        .env("NEXT_TELEMETRY_DISABLED", "1");
    app.envs(frontend_env.iter().map(|(k, v)| (k, v)));
    if secured {
        app.env("NOT_SECURED", "true");
    }
    let app = Running::start(app, FRONTEND_PORT);
    wait_for(&format!("{frontend_url}/auth"), Duration::from_secs(90)).await;
    Stack {
        _app: app,
        backend,
        frontend_url,
    }
}

/// Runs `tests/browser/<script>` against `stack`, its report and screenshots in
/// `POSTIZ_WALK_OUT/<name>` (else a temporary folder); fails with the report if it fails.
fn run_script(script: &str, name: &str, stack: Stack, backend_url: &str, env: &[(&str, String)]) {
    let temp = tempfile::tempdir().unwrap();
    let out = match std::env::var_os("POSTIZ_WALK_OUT") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => temp.path().to_path_buf(),
    };
    let status = Command::new("node")
        .arg(script)
        .current_dir(walk_dir())
        .env("FRONTEND_URL", &stack.frontend_url)
        .env("BACKEND_URL", backend_url)
        .env("OUT_DIR", &out)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .status()
        .expect("node runs the walk");
    drop(stack);
    let report = std::fs::read_to_string(out.join("report.json")).unwrap_or_default();
    assert!(
        status.success(),
        "the browser walk {script} failed ({name}, {status}); report:\n{report}"
    );
}

/// One walk in `mode` (`cookie` or `header`) on a fresh backend and a fresh app process.
async fn walk(frontend: &Path, backend_url: &str, mode: &str) {
    let (pds, _) = bluesky::app();
    let pds = serve(pds).await;
    let (x_app, _) = x::app();
    let x_url = serve(x_app).await;
    let (tg, _) = telegram::app();
    let tg = serve(tg).await;
    let data = tempfile::tempdir().unwrap();
    let backend_env = [
        ("X_URL", x_url),
        ("X_API_KEY", x::KEY.to_string()),
        ("X_API_SECRET", x::SECRET.to_string()),
        ("TELEGRAM_URL", tg),
        ("TELEGRAM_TOKEN", telegram::TOKEN.to_string()),
    ];
    let stack = start_stack(
        frontend,
        backend_url,
        mode == "header",
        data.path(),
        &backend_env,
        &[],
    )
    .await;
    run_script(
        "walk.mjs",
        mode,
        stack,
        backend_url,
        &[
            ("MODE", mode.to_string()),
            ("BLUESKY_SERVICE", pds),
            ("BLUESKY_HANDLE", bluesky::HANDLE.to_string()),
            ("BLUESKY_PASSWORD", bluesky::PASSWORD.to_string()),
        ],
    );
}

/// The billing pages with Stripe on: localstripe and our Stripe fake behind the backend, the
/// web app with a publishable key (Stripe.js itself cannot load: no internet).
async fn billing_walk(frontend: &Path, backend_url: &str) {
    const SIGNING: &str = "whsec_browser_walk";
    let stripe = Stripe::start().await;
    let data = tempfile::tempdir().unwrap();
    let backend_env = [
        ("STRIPE_SECRET_KEY", "sk_test_browser_walk".to_string()),
        ("STRIPE_API_BASE", stripe.base.clone()),
        ("STRIPE_SIGNING_KEY", SIGNING.to_string()),
    ];
    let frontend_env = [("STRIPE_PUBLISHABLE_KEY", "pk_test_browser_walk".to_string())];
    let stack = start_stack(
        frontend,
        backend_url,
        false,
        data.path(),
        &backend_env,
        &frontend_env,
    )
    .await;
    stripe
        .send_webhooks_to(&format!("{}/stripe", stack.backend.base), SIGNING)
        .await;
    run_script(
        "billing.mjs",
        "billing",
        stack,
        backend_url,
        &[("STRIPE_BASE", stripe.base.clone())],
    );
}

/// The AI features (billing off): our OpenAI fake behind the backend, and a Mastodon fake for
/// the agent to schedule to (the script connects it through the app's OAuth return page).
async fn ai_walk(frontend: &Path, backend_url: &str) {
    let (ai, seen) = openai::app();
    let ai = serve(ai).await;
    let (masto, _) = mastodon::app();
    let masto = serve(masto).await;
    let data = tempfile::tempdir().unwrap();
    let mut backend_env = vec![
        ("OPENAI_API_KEY", openai::KEY.to_string()),
        ("OPENAI_BASE_URL", format!("{ai}/v1")),
    ];
    backend_env.extend(postiz_tests::client::mastodon_env(masto));
    let stack = start_stack(frontend, backend_url, false, data.path(), &backend_env, &[]).await;
    run_script(
        "ai.mjs",
        "ai",
        stack,
        backend_url,
        &[("MASTODON_CODE", mastodon::GOOD_CODE.to_string())],
    );
    // The model saw what the app offered: the editor's `setPosts`, the agent's tools.
    let seen = seen.lock().unwrap();
    let chats = seen.bodies("/v1/chat/completions");
    let offers = |name: &str| {
        chats.iter().any(|b| {
            b["tools"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["function"]["name"] == name))
        })
    };
    assert!(
        offers("setPosts"),
        "the editor's setPosts never reached the model"
    );
    assert!(
        offers("schedulePost"),
        "the agent's tools never reached the model"
    );
    assert!(!seen.bodies("/v1/images/generations").is_empty());
}

/// The OAuth pages (billing off): the organization's app, the consent page, approved apps.
async fn oauth_walk(frontend: &Path, backend_url: &str) {
    let data = tempfile::tempdir().unwrap();
    let stack = start_stack(frontend, backend_url, false, data.path(), &[], &[]).await;
    run_script("oauth.mjs", "oauth", stack, backend_url, &[]);
}

/// The Webhooks settings (billing off): add, test, a signed event after publishing, edit,
/// delete.
async fn webhooks_walk(frontend: &Path, backend_url: &str) {
    let (fake, _seen) = mastodon::app();
    let fake_url = serve(fake).await;
    let data = tempfile::tempdir().unwrap();
    let backend_env = postiz_tests::client::mastodon_env(fake_url);
    let stack = start_stack(frontend, backend_url, false, data.path(), &backend_env, &[]).await;
    run_script(
        "webhooks.mjs",
        "webhooks",
        stack,
        backend_url,
        &[("MASTODON_CODE", mastodon::GOOD_CODE.to_string())],
    );
}

/// The Auto Post settings (billing off, the hourly run every 2 s): add a feed with the app's
/// test, new items as drafts once, switch off, edit, delete.
async fn autopost_walk(frontend: &Path, backend_url: &str) {
    let (fake, _seen) = mastodon::app();
    let fake_url = serve(fake).await;
    let data = tempfile::tempdir().unwrap();
    let mut backend_env = postiz_tests::client::mastodon_env(fake_url).to_vec();
    backend_env.push(("AUTOPOST_TICK_SECS", "2".to_string()));
    let stack = start_stack(frontend, backend_url, false, data.path(), &backend_env, &[]).await;
    run_script(
        "autopost.mjs",
        "autopost",
        stack,
        backend_url,
        &[("MASTODON_CODE", mastodon::GOOD_CODE.to_string())],
    );
}

/// Short links and the administrators' pages (billing off, the built-in shortener on the
/// backend's own URL, the walk's account a platform administrator): the editor's short-link
/// question answered yes, the link followed and counted, Admin Stats and Errors.
async fn links_walk(frontend: &Path, backend_url: &str) {
    let (fake, _seen) = mastodon::app();
    let fake_url = serve(fake).await;
    let data = tempfile::tempdir().unwrap();
    let admin = format!("{}@example.com", postiz_tests::unique("links-admin"));
    let mut backend_env = postiz_tests::client::mastodon_env(fake_url).to_vec();
    backend_env.push(("SHORT_LINK_URL", backend_url.to_string()));
    backend_env.push(("SUPER_ADMIN_EMAILS", admin.clone()));
    let stack = start_stack(frontend, backend_url, false, data.path(), &backend_env, &[]).await;
    run_script(
        "links.mjs",
        "links",
        stack,
        backend_url,
        &[
            ("MASTODON_CODE", mastodon::GOOD_CODE.to_string()),
            ("ADMIN_EMAIL", admin),
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_web_app_works_in_both_auth_modes() {
    let Some(frontend) = std::env::var_os("POSTIZ_FRONTEND_DIR").map(PathBuf::from) else {
        eprintln!(
            "browser walk skipped: POSTIZ_FRONTEND_DIR is not set. It needs a built Postiz web \
             app (apps/frontend of gitroomhq/postiz-app), which CI cannot download; see \
             docs/frontend.md to run it."
        );
        return;
    };
    assert!(
        frontend.join(".next").exists(),
        "{} has no .next build",
        frontend.display()
    );
    let backend_url = std::env::var("POSTIZ_FRONTEND_BACKEND_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:3000".into());
    // `POSTIZ_WALK_ONLY=billing` (or `cookie`, `header`, `ai`, `oauth`, `webhooks`, `autopost`,
    // `links`; comma-separated) runs
    // only those.
    let only = std::env::var("POSTIZ_WALK_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|w| w.trim() == name);
    for mode in ["cookie", "header"] {
        if wanted(mode) {
            walk(&frontend, &backend_url, mode).await;
        }
    }
    if wanted("billing") {
        billing_walk(&frontend, &backend_url).await;
    }
    if wanted("ai") {
        ai_walk(&frontend, &backend_url).await;
    }
    if wanted("oauth") {
        oauth_walk(&frontend, &backend_url).await;
    }
    if wanted("webhooks") {
        webhooks_walk(&frontend, &backend_url).await;
    }
    if wanted("autopost") {
        autopost_walk(&frontend, &backend_url).await;
    }
    if wanted("links") {
        links_walk(&frontend, &backend_url).await;
    }
}
