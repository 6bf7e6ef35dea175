//! The Blobs port on S3, with presigned GET and PUT URLs.

use async_trait::async_trait;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use bytes::Bytes;
use std::time::Duration;

use super::sdk_err;
use crate::blobs::{validate_key, Blob, BlobHead, Blobs};
use crate::{StorageError, StorageResult};

/// One S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Blobs {
    client: Client,
    bucket: String,
}

impl S3Blobs {
    /// The bucket `bucket`; `path_style` for emulators (`S3_FORCE_PATH_STYLE`).
    pub fn new(config: &aws_config::SdkConfig, bucket: &str, path_style: bool) -> Self {
        let conf = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(path_style)
            .build();
        Self {
            client: Client::from_conf(conf),
            bucket: bucket.to_string(),
        }
    }

    /// The SDK client (for provisioning).
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn presign_config(expires_in: Duration) -> StorageResult<PresigningConfig> {
    PresigningConfig::expires_in(expires_in).map_err(|e| StorageError::Invalid(e.to_string()))
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> StorageResult<()> {
        validate_key(key)?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> StorageResult<Option<Blob>> {
        validate_key(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(sdk_err(e)),
        };
        let content_type = out
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| StorageError::Backend(e.to_string()))?
            .into_bytes();
        Ok(Some(Blob {
            bytes,
            content_type,
        }))
    }

    async fn head(&self, key: &str, len: usize) -> StorageResult<Option<BlobHead>> {
        validate_key(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", len.max(1) - 1))
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(sdk_err(e)),
        };
        // `Content-Range: bytes 0-4099/<size>`; without it the whole object came back.
        let total = out
            .content_range()
            .and_then(|r| r.rsplit('/').next())
            .and_then(|t| t.parse::<u64>().ok());
        let content_type = out
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let mut prefix = out
            .body
            .collect()
            .await
            .map_err(|e| StorageError::Backend(e.to_string()))?
            .into_bytes();
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
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> StorageResult<String> {
        validate_key(key)?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presign_config(expires_in)?)
            .await
            .map_err(sdk_err)?;
        Ok(req.uri().to_string())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> StorageResult<String> {
        validate_key(key)?;
        let req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .presigned(presign_config(expires_in)?)
            .await
            .map_err(sdk_err)?;
        Ok(req.uri().to_string())
    }
}
