//! Where the AWS SDK's cold-start time goes: configuration loading versus client creation.
//! `probe_sdk_init` (reads the usual AWS_* variables; makes no request).

use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = Instant::now();
    let config = postiz_storage::aws::sdk_config().await;
    let loaded = t.elapsed();
    let t = Instant::now();
    let table = postiz_storage::aws::DynamoTable::new(
        &config,
        "probe",
        std::sync::Arc::new(postiz_core::SystemClock),
    );
    let client = t.elapsed();
    let t = Instant::now();
    let _second = postiz_storage::aws::SecretsManager::new(&config, "probe");
    let second = t.elapsed();
    let _ = table;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!(
        "sdk_config {:.2} ms, first client {:.2} ms, second client {:.2} ms",
        ms(loaded),
        ms(client),
        ms(second)
    );
}
