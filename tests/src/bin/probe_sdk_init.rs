//! Where the AWS adapters' cold-start time goes: configuration (with its HTTPS client) versus
//! adapter creation.
//! `probe_sdk_init` (reads the usual AWS_* variables; makes no request).

use std::time::Instant;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let t = Instant::now();
    let config = postiz_storage::aws::config_from_env().expect("AWS_* variables");
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
        "config {:.2} ms, first adapter {:.2} ms, second adapter {:.2} ms",
        ms(loaded),
        ms(client),
        ms(second)
    );
}
