//! Lambda entry point of the `auth` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run(postiz_auth_fn::router()).await
}
