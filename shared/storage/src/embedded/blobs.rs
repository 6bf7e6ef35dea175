//! The Blobs port on a folder: `data/<key>` holds the bytes, `meta/<key>` the content type.
//! Presigned URLs point at the local server's `/blobs/<key>` route and carry an HMAC; public
//! links (`/uploads/<key>?sig=`) carry an HMAC of the key alone and never expire.

use async_trait::async_trait;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use postiz_core::Clock;
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::backend;
use crate::blobs::{validate_key, Blob, BlobHead, Blobs};
use crate::StorageResult;

/// Blobs in a folder, with URLs signed for the local server.
#[derive(Clone)]
pub struct FileBlobs {
    root: PathBuf,
    public_base: String,
    signing_key: Vec<u8>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for FileBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBlobs")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// The parts of a presigned request to check: operation, key, expiry and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedRequest<'a> {
    /// `get` or `put`.
    pub op: &'a str,
    /// Object key.
    pub key: &'a str,
    /// Expiry, epoch seconds.
    pub expires: i64,
    /// Hex HMAC.
    pub signature: &'a str,
}

impl FileBlobs {
    /// Blobs under `root`; URLs start with `public_base` (e.g. `http://127.0.0.1:3000`).
    pub fn new(
        root: impl Into<PathBuf>,
        public_base: &str,
        signing_key: &[u8],
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            root: root.into(),
            public_base: public_base.trim_end_matches('/').to_string(),
            signing_key: signing_key.to_vec(),
            clock,
        }
    }

    fn data(&self, key: &str) -> PathBuf {
        self.root.join("data").join(key)
    }

    fn meta(&self, key: &str) -> PathBuf {
        self.root.join("meta").join(key)
    }

    fn sign(&self, op: &str, key: &str, expires: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.signing_key).expect("any key length");
        mac.update(format!("{op}\n{key}\n{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn url(&self, op: &str, key: &str, expires_in: Duration) -> String {
        let expires = self.clock.now_secs() + expires_in.as_secs() as i64;
        let sig = self.sign(op, key, expires);
        format!(
            "{}/blobs/{key}?op={op}&expires={expires}&signature={sig}",
            self.public_base
        )
    }

    fn sign_public(&self, key: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.signing_key).expect("any key length");
        mac.update(format!("public\n{key}").as_bytes());
        mac
    }

    /// True when `sig` is the signature of the public link of `key`.
    pub fn verify_public(&self, key: &str, sig: &str) -> bool {
        if validate_key(key).is_err() {
            return false;
        }
        match hex::decode(sig) {
            Ok(sig) => self.sign_public(key).verify_slice(&sig).is_ok(),
            Err(_) => false,
        }
    }

    /// True when the request's signature is genuine and it has not expired.
    pub fn verify(&self, req: &PresignedRequest<'_>) -> bool {
        if req.expires < self.clock.now_secs() || validate_key(req.key).is_err() {
            return false;
        }
        let Ok(sig) = hex::decode(req.signature) else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.signing_key).expect("any key length");
        mac.update(format!("{}\n{}\n{}", req.op, req.key, req.expires).as_bytes());
        mac.verify_slice(&sig).is_ok()
    }
}

async fn write_atomic(path: &Path, bytes: &[u8]) -> StorageResult<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(backend)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", postiz_core::crypto::random_hex(8)));
    tokio::fs::write(&tmp, bytes).await.map_err(backend)?;
    tokio::fs::rename(&tmp, path).await.map_err(backend)
}

#[async_trait]
impl Blobs for FileBlobs {
    async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> StorageResult<()> {
        validate_key(key)?;
        write_atomic(&self.meta(key), content_type.as_bytes()).await?;
        write_atomic(&self.data(key), &bytes).await
    }

    async fn get(&self, key: &str) -> StorageResult<Option<Blob>> {
        validate_key(key)?;
        let bytes = match tokio::fs::read(self.data(key)).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let content_type = tokio::fs::read_to_string(self.meta(key))
            .await
            .unwrap_or_else(|_| "application/octet-stream".into());
        Ok(Some(Blob {
            bytes: bytes.into(),
            content_type,
        }))
    }

    async fn head(&self, key: &str, len: usize) -> StorageResult<Option<BlobHead>> {
        use tokio::io::AsyncReadExt;
        validate_key(key)?;
        let file = match tokio::fs::File::open(self.data(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        let size = file.metadata().await.map_err(backend)?.len();
        let mut prefix = Vec::with_capacity(len.min(size as usize));
        file.take(len as u64)
            .read_to_end(&mut prefix)
            .await
            .map_err(backend)?;
        let content_type = tokio::fs::read_to_string(self.meta(key))
            .await
            .unwrap_or_else(|_| "application/octet-stream".into());
        Ok(Some(BlobHead {
            prefix: prefix.into(),
            size,
            content_type,
        }))
    }

    async fn delete(&self, key: &str) -> StorageResult<()> {
        validate_key(key)?;
        for p in [self.data(key), self.meta(key)] {
            match tokio::fs::remove_file(p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }

    async fn presign_get(&self, key: &str, expires_in: Duration) -> StorageResult<String> {
        validate_key(key)?;
        Ok(self.url("get", key, expires_in))
    }

    async fn presign_put(
        &self,
        key: &str,
        _content_type: &str,
        expires_in: Duration,
    ) -> StorageResult<String> {
        validate_key(key)?;
        Ok(self.url("put", key, expires_in))
    }

    fn public_url(&self, key: &str) -> Option<String> {
        validate_key(key).ok()?;
        let sig = hex::encode(self.sign_public(key).finalize().into_bytes());
        Some(format!("{}/uploads/{key}?sig={sig}", self.public_base))
    }
}
