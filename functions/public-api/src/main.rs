//! Lambda entry point of the `public-api` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run(postiz_public_api_fn::router()).await
}
