//! `postiz-server`: the whole product on one machine.
//! `postiz-server provision` creates the AWS resources instead (for emulators and first setups);
//! `postiz-server openapi` prints the OpenAPI document (the public-api Lambda embeds it);
//! `postiz-server backup <file>` and `restore <file>` copy a local installation.

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
        Some(command @ ("backup" | "restore")) => archive(command).await,
        Some(other) => Err(format!(
            "unknown command {other:?} (expected none, `provision`, `openapi`, `backup <file>` or `restore <file>`)"
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

/// `backup <file>` (online, through the running server when there is one) or
/// `restore <file>` (into an empty `DATA_DIR`).
async fn archive(command: &str) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let file = std::env::args()
        .nth(2)
        .ok_or_else(|| format!("usage: postiz-server {command} <file>"))?;
    let dir = postiz_web::bootstrap::data_dir();
    let manifest = if command == "backup" {
        postiz_server::backup::backup_command(&dir, std::path::Path::new(&file)).await?
    } else {
        postiz_server::backup::restore(std::path::Path::new(&file), &dir)?
    };
    println!(
        "{command}: {file}: {} items, {} store entries, {} blobs, taken {}",
        manifest.store.items, manifest.store.entries, manifest.blobs, manifest.created_at
    );
    Ok(())
}
