//! Lambda entry point of the `users` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run(postiz_users_fn::router()).await
}
