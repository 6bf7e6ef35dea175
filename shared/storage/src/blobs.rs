//! The Blobs port: media bytes by key, with presigned URLs for direct browser access.

use async_trait::async_trait;
use bytes::Bytes;
use std::time::Duration;

use crate::{StorageError, StorageResult};

/// Stored bytes and their content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// The bytes.
    pub bytes: Bytes,
    /// MIME type given at upload.
    pub content_type: String,
}

/// The start of a stored object, its size and content type (to check a file without
/// reading all of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobHead {
    /// The first bytes (fewer when the object is shorter).
    pub prefix: Bytes,
    /// The object's full size in bytes.
    pub size: u64,
    /// MIME type given at upload.
    pub content_type: String,
}

/// An object store.
#[async_trait]
pub trait Blobs: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing any previous object.
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> StorageResult<()>;
    /// Reads the object under `key`.
    async fn get(&self, key: &str) -> StorageResult<Option<Blob>>;
    /// The first `len` bytes of the object under `key`, with its size, without reading the rest.
    async fn head(&self, key: &str, len: usize) -> StorageResult<Option<BlobHead>>;
    /// Deletes the object under `key` (no error if absent).
    async fn delete(&self, key: &str) -> StorageResult<()>;
    /// A URL that lets anyone holding it download the object until it expires.
    async fn presign_get(&self, key: &str, expires_in: Duration) -> StorageResult<String>;
    /// A URL that lets anyone holding it upload the object (with `content_type`) until it expires.
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        expires_in: Duration,
    ) -> StorageResult<String>;
    /// A permanent link serving the object to anyone, when the store serves objects itself
    /// (the folder adapter: a signed `/uploads/<key>` URL); `None` otherwise (S3: the media
    /// layer uses its configured public base).
    fn public_url(&self, _key: &str) -> Option<String> {
        None
    }
}

/// Accepts keys made of `[A-Za-z0-9._-]` segments separated by `/`, with no empty, `.` or `..` segment.
pub fn validate_key(key: &str) -> StorageResult<()> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        });
    if ok {
        Ok(())
    } else {
        Err(StorageError::Invalid(format!("bad blob key {key:?}")))
    }
}
