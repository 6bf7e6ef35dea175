//! The Blobs port on S3 (its REST API, through [`AwsConfig`]), with presigned GET and PUT
//! URLs.

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::Method;
use std::time::Duration;

use super::client::{uri_encode, Answer, AwsConfig, AwsError, Service};
use crate::blobs::{validate_key, Blob, BlobHead, Blobs};
use crate::{StorageError, StorageResult};

/// SigV4 presigned URLs live at most a week.
const MAX_PRESIGN: Duration = Duration::from_secs(7 * 24 * 3600);

/// One S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    config: AwsConfig,
    bucket: String,
    path_style: bool,
}

fn s3_err(operation: &str) -> impl Fn(AwsError) -> StorageError + '_ {
    move |e| e.into_storage(&format!("S3 {operation}"))
}

/// The URL of `path` (already encoded, starting with `/`) in `bucket`: the bucket in the path
/// (`path_style`, for emulators, and for names with dots, which TLS certificates of
/// `*.s3.<region>.amazonaws.com` do not cover) or in the host name.
pub(crate) fn bucket_url(config: &AwsConfig, bucket: &str, path_style: bool, path: &str) -> String {
    let endpoint = config.endpoint(Service::S3);
    let in_path = path_style || bucket.contains('.');
    let bucket = uri_encode(bucket, true);
    if in_path {
        return format!("{endpoint}/{bucket}{path}");
    }
    match endpoint.split_once("://") {
        Some((scheme, host)) => format!("{scheme}://{bucket}.{host}{path}"),
        None => format!("{endpoint}/{bucket}{path}"),
    }
}

impl S3Blobs {
    /// The bucket `bucket`; `path_style` for emulators (`S3_FORCE_PATH_STYLE`).
    pub fn new(config: &AwsConfig, bucket: &str, path_style: bool) -> Self {
        Self {
            config: config.clone(),
            bucket: bucket.to_string(),
            path_style,
        }
    }

    fn object_url(&self, key: &str) -> String {
        bucket_url(
            &self.config,
            &self.bucket,
            self.path_style,
            &format!("/{}", uri_encode(key, false)),
        )
    }

    /// A GET of the object (with `range` when given); `None` when there is no such key.
    async fn fetch(&self, key: &str, range: Option<String>) -> Result<Option<Answer>, AwsError> {
        let headers = range.map(|r| ("range", r)).into_iter().collect();
        let result = self
            .config
            .send(
                Service::S3,
                Method::GET,
                &self.object_url(key),
                headers,
                Bytes::new(),
            )
            .await;
        match result {
            Ok(answer) => Ok(Some(answer)),
            Err(e) if e.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn presigned(
        &self,
        method: &str,
        key: &str,
        headers: &[(&str, String)],
        expires_in: Duration,
    ) -> StorageResult<String> {
        validate_key(key)?;
        if expires_in.is_zero() || expires_in > MAX_PRESIGN {
            return Err(StorageError::Invalid(
                "a presigned URL lives between 1 second and 7 days".into(),
            ));
        }
        self.config
            .presign(method, &self.object_url(key), headers, expires_in)
    }
}

fn content_type(answer: &Answer) -> String {
    answer
        .header("content-type")
        .unwrap_or("application/octet-stream")
        .to_string()
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> StorageResult<()> {
        validate_key(key)?;
        self.config
            .send(
                Service::S3,
                Method::PUT,
                &self.object_url(key),
                vec![("content-type", content_type.to_string())],
                bytes,
            )
            .await
            .map_err(s3_err("PutObject"))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> StorageResult<Option<Blob>> {
        validate_key(key)?;
        let answer = self.fetch(key, None).await.map_err(s3_err("GetObject"))?;
        Ok(answer.map(|answer| Blob {
            content_type: content_type(&answer),
            bytes: answer.body,
        }))
    }

    async fn head(&self, key: &str, len: usize) -> StorageResult<Option<BlobHead>> {
        validate_key(key)?;
        let range = format!("bytes=0-{}", len.max(1) - 1);
        let answer = match self.fetch(key, Some(range)).await {
            // An empty object has no byte 0: S3 answers 416 for any range.
            Err(e) if e.status == 416 => {
                return Ok(Some(BlobHead {
                    prefix: Bytes::new(),
                    size: 0,
                    content_type: "application/octet-stream".into(),
                }))
            }
            other => other.map_err(s3_err("GetObject"))?,
        };
        let Some(answer) = answer else {
            return Ok(None);
        };
        // `Content-Range: bytes 0-4099/<size>`; without it the whole object came back.
        let total = answer
            .header("content-range")
            .and_then(|r| r.rsplit('/').next())
            .and_then(|t| t.parse::<u64>().ok());
        let content_type = content_type(&answer);
        let mut prefix = answer.body;
        let size = total.unwrap_or(prefix.len() as u64);
        prefix.truncate(len);
        Ok(Some(BlobHead {
            prefix,
            size,
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> StorageResult<()> {
        validate_key(key)?;
        self.config
            .send(
                Service::S3,
                Method::DELETE,
                &self.object_url(key),
                Vec::new(),
                Bytes::new(),
            )
            .await
            .map_err(s3_err("DeleteObject"))?;
        Ok(())
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> StorageResult<String> {
        self.presigned("GET", key, &[], expires_in)
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> StorageResult<String> {
        self.presigned(
            "PUT",
            key,
            &[("content-type", content_type.to_string())],
            expires_in,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_addressed_by_host_or_by_path() {
        let aws = AwsConfig::new("eu-west-1", "AKID", "secret", None, None).unwrap();
        let blobs = S3Blobs::new(&aws, "media", false);
        assert_eq!(
            blobs.object_url("org/a b.png"),
            "https://media.s3.eu-west-1.amazonaws.com/org/a%20b.png"
        );
        let local = AwsConfig::new(
            "us-east-1",
            "AKID",
            "secret",
            None,
            Some("http://127.0.0.1:5055".into()),
        )
        .unwrap();
        assert_eq!(
            S3Blobs::new(&local, "media", true).object_url("k"),
            "http://127.0.0.1:5055/media/k"
        );
        assert_eq!(
            S3Blobs::new(&aws, "media.example.com", false).object_url("k"),
            "https://s3.eu-west-1.amazonaws.com/media.example.com/k"
        );
        assert!(matches!(
            blobs.presigned("GET", "k", &[], Duration::from_secs(8 * 24 * 3600)),
            Err(StorageError::Invalid(_))
        ));
    }
}
