//! The Blobs contract, run on the blob folder (served by the local server's route) and on
//! S3 (moto). Presigned URLs are used through plain HTTP, as a browser would.

use bytes::Bytes;
use chrono::Duration as ChronoDuration;
use postiz_core::Clock;
use postiz_storage::aws::{Provisioner, S3Blobs};
use postiz_storage::embedded::FileBlobs;
use postiz_storage::Blobs;
use std::sync::Arc;
use std::time::Duration;

async fn contract(b: Arc<dyn Blobs>) {
    let http = reqwest::Client::new();
    let png = Bytes::from_static(b"\x89PNG\r\n\x1a\nfake");
    b.put("org-1/a.png", png.clone(), "image/png")
        .await
        .unwrap();
    let got = b.get("org-1/a.png").await.unwrap().unwrap();
    assert_eq!(got.bytes, png);
    assert_eq!(got.content_type, "image/png");
    assert!(b.get("org-1/missing.png").await.unwrap().is_none());
    // The start of an object and its size, without the rest.
    let head = b.head("org-1/a.png", 4).await.unwrap().unwrap();
    assert_eq!((&head.prefix[..], head.size), (&png[..4], png.len() as u64));
    assert_eq!(head.content_type, "image/png");
    let whole = b.head("org-1/a.png", 4100).await.unwrap().unwrap();
    assert_eq!((whole.prefix, whole.size), (png.clone(), png.len() as u64));
    assert!(b.head("org-1/missing.png", 4).await.unwrap().is_none());
    assert!(b.put("../escape", png.clone(), "image/png").await.is_err());

    let put_url = b
        .presign_put("org-1/up.txt", "text/plain", Duration::from_secs(300))
        .await
        .unwrap();
    let r = http
        .put(&put_url)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "presigned PUT: {}", r.status());
    let up = b.get("org-1/up.txt").await.unwrap().unwrap();
    assert_eq!(&up.bytes[..], b"hello");

    let get_url = b
        .presign_get("org-1/a.png", Duration::from_secs(300))
        .await
        .unwrap();
    let r = http.get(&get_url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap(), png);

    b.delete("org-1/a.png").await.unwrap();
    b.delete("org-1/a.png").await.unwrap();
    assert!(b.get("org-1/a.png").await.unwrap().is_none());
}

/// Serves `blobs` on a free port; returns the base URL.
async fn serve(make: impl FnOnce(String) -> FileBlobs) -> (FileBlobs, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let blobs = make(base);
    let app: axum::Router = postiz_web::blob_routes::router(blobs.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (blobs, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_contract_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let (blobs, task) =
        serve(|base| FileBlobs::new(root, &base, b"signing-key", crate::util::system_clock()))
            .await;
    contract(Arc::new(blobs)).await;
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_urls_refuse_tampering_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let clock = crate::util::fixed_clock();
    let c: Arc<dyn Clock> = clock.clone();
    let (blobs, task) = serve(|base| FileBlobs::new(root, &base, b"signing-key", c)).await;
    blobs
        .put("k.txt", Bytes::from_static(b"x"), "text/plain")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = blobs
        .presign_get("k.txt", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    let tampered = url.replace("k.txt", "other.txt");
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    let as_put = url.replace("op=get", "op=put");
    assert_eq!(
        http.put(&as_put).body("y").send().await.unwrap().status(),
        403
    );
    clock.advance(ChronoDuration::seconds(61));
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        403,
        "expired URL accepted"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_contract_s3() {
    if !postiz_tests::aws_available() {
        return;
    }
    let config = postiz_tests::aws_config().await;
    let bucket = postiz_tests::unique("bucket-");
    Provisioner::new(&config, true)
        .create_bucket(&bucket)
        .await
        .unwrap();
    contract(Arc::new(S3Blobs::new(&config, &bucket, true))).await;
}
