//! `postiz-server`: the whole product on one machine.
//! `postiz-server provision` creates the AWS resources instead (for emulators and first setups);
//! `postiz-server openapi` prints the OpenAPI document (the public-api Lambda embeds it).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    postiz_core::allocator::keep_freed_memory();
    postiz_web::telemetry::init(false);
    let result = match std::env::args().nth(1).as_deref() {
        Some("provision") => postiz_web::bootstrap::provision_aws()
            .await
            .map_err(Into::into),
        Some("openapi") => {
            print!("{}", postiz_server::openapi_json());
            Ok(())
        }
        Some(other) => Err(format!(
            "unknown command {other:?} (expected none, `provision` or `openapi`)"
        )
        .into()),
        None => postiz_server::run().await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "postiz-server stopped");
            eprintln!("postiz-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
