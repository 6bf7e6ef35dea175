//! Lambda entry point of the `settings` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run(postiz_settings_fn::router()).await
}
