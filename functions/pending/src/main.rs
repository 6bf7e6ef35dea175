//! Lambda entry point of the `pending` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run(postiz_pending_fn::router()).await
}
