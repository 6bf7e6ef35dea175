//! The one place media URLs are made: `MEDIA_PUBLIC_URL/<key>` when that is set (a CDN or
//! the bucket's URL in AWS), else the store's own public link (the local server's signed
//! `PUBLIC_URL/uploads/<key>?sig=<hmac>`). Either way the path ends with the file's extension.

use postiz_core::{Error, Result};
use postiz_storage::Blobs;
use std::sync::Arc;

use crate::keys::is_media_key;

/// Makes the public URL of a stored media file.
#[derive(Clone)]
pub struct MediaUrls {
    base: Option<String>,
    blobs: Arc<dyn Blobs>,
}

impl std::fmt::Debug for MediaUrls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaUrls")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl MediaUrls {
    /// Links under `base` when given, else the links `blobs` serves itself.
    pub fn new(base: Option<&str>, blobs: Arc<dyn Blobs>) -> Self {
        let base = base
            .map(|b| b.trim().trim_end_matches('/').to_string())
            .filter(|b| !b.is_empty());
        Self { base, blobs }
    }

    /// Links under `MEDIA_PUBLIC_URL` when it is set, else the store's own.
    pub fn from_env(blobs: Arc<dyn Blobs>) -> Self {
        Self::new(std::env::var("MEDIA_PUBLIC_URL").ok().as_deref(), blobs)
    }

    /// True when links can be made (a base is set, or the store serves its objects).
    pub fn available(&self) -> bool {
        self.base.is_some() || self.blobs.public_url("probe").is_some()
    }

    /// The public URL of the file under `key`.
    pub fn url(&self, key: &str) -> Result<String> {
        match &self.base {
            Some(base) => Ok(format!("{base}/{key}")),
            None => self.blobs.public_url(key).ok_or_else(|| {
                Error::internal("no public media URL: set MEDIA_PUBLIC_URL (the bucket or CDN URL)")
            }),
        }
    }

    /// [`MediaUrls::issued`] as a shared predicate, for fetchers that guard every URL but ours.
    pub fn recogniser(self) -> Arc<dyn Fn(&str) -> bool + Send + Sync> {
        Arc::new(move |url| self.issued(url))
    }

    /// True when `url` is exactly a link [`MediaUrls::url`] gives for a media key.
    pub fn issued(&self, url: &str) -> bool {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = path.rsplitn(5, '/').collect();
        if segments.len() < 5 {
            return false;
        }
        let key = format!(
            "{}/{}/{}/{}",
            segments[3], segments[2], segments[1], segments[0]
        );
        is_media_key(&key) && self.url(&key).is_ok_and(|u| u == url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use bytes::Bytes;
    use postiz_storage::{Blob, BlobHead, StorageResult};
    use std::time::Duration;

    /// A store with no public links of its own.
    struct NoLinks;

    #[async_trait]
    impl Blobs for NoLinks {
        async fn put(&self, _: &str, _: Bytes, _: &str) -> StorageResult<()> {
            Ok(())
        }
        async fn get(&self, _: &str) -> StorageResult<Option<Blob>> {
            Ok(None)
        }
        async fn head(&self, _: &str, _: usize) -> StorageResult<Option<BlobHead>> {
            Ok(None)
        }
        async fn delete(&self, _: &str) -> StorageResult<()> {
            Ok(())
        }
        async fn presign_get(&self, _: &str, _: Duration) -> StorageResult<String> {
            Ok(String::new())
        }
        async fn presign_put(&self, _: &str, _: &str, _: Duration) -> StorageResult<String> {
            Ok(String::new())
        }
    }

    const KEY: &str = "2026/01/02/0123456789abcdef0123456789abcdef.png";

    #[test]
    fn base_links() {
        let urls = MediaUrls::new(Some("https://cdn.example/media/"), Arc::new(NoLinks));
        let url = urls.url(KEY).unwrap();
        assert_eq!(url, format!("https://cdn.example/media/{KEY}"));
        assert!(urls.available());
        assert!(urls.issued(&url));
        assert!(!urls.issued(&format!("https://evil.example/media/{KEY}")));
        assert!(!urls.issued("https://cdn.example/media/x.png"));
    }

    #[test]
    fn no_base_and_no_store_links() {
        let urls = MediaUrls::new(Some("  "), Arc::new(NoLinks));
        assert!(!urls.available());
        assert!(matches!(urls.url(KEY), Err(Error::Internal(_))));
        assert!(!urls.issued(&format!("https://cdn.example/{KEY}")));
    }
}
