//! Lambda entry point of the `stripe-webhook` function.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    postiz_web::lambda::run(postiz_stripe_webhook_fn::router()).await
}
