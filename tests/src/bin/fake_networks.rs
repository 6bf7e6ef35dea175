//! Serves fakes of the networks the browser walk touches, for a manual run or the walk's
//! harness. Prints one `NAME=value` line per setting, then `READY`, and serves until killed:
//! `BLUESKY_SERVICE` (the fake PDS a Bluesky channel connects to, with `BLUESKY_HANDLE` and
//! `BLUESKY_PASSWORD`), `X_URL` with `X_API_KEY`/`X_API_SECRET` (X's OAuth 1.0a request
//! token answers, so the X tile can redirect), and `TELEGRAM_URL` with `TELEGRAM_TOKEN`.

use postiz_tests::fakes::{bluesky, serve, telegram, x};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (bluesky_app, _) = bluesky::app();
    let (x_app, _) = x::app();
    let (telegram_app, _) = telegram::app();
    let settings = [
        ("BLUESKY_SERVICE", serve(bluesky_app).await),
        ("BLUESKY_HANDLE", bluesky::HANDLE.to_string()),
        ("BLUESKY_PASSWORD", bluesky::PASSWORD.to_string()),
        ("X_URL", serve(x_app).await),
        ("X_API_KEY", x::KEY.to_string()),
        ("X_API_SECRET", x::SECRET.to_string()),
        ("TELEGRAM_URL", serve(telegram_app).await),
        ("TELEGRAM_TOKEN", telegram::TOKEN.to_string()),
    ];
    for (name, value) in settings {
        println!("{name}={value}");
    }
    println!("READY");
    std::future::pending::<()>().await;
}
