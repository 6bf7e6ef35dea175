//! The media library's rules: upload, list, describe, delete.

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use postiz_core::{Clock, Error, Result};
use postiz_storage::throttle::{Limit, Throttle};
use postiz_storage::{Blobs, Table, Update};
use serde_json::json;
use std::sync::Arc;

use crate::keys::{file_name, new_key};
use crate::limits::{check_size, detect};
use crate::model::{InfoUpdate, Media};
use crate::repo::MediaRepo;
use crate::sniff::MediaType;
use crate::urls::MediaUrls;
use crate::views::Library;

/// Library page size.
pub const PAGE_SIZE: usize = 18;

/// Longest alt text accepted.
pub const ALT_MAX: usize = 1000;

/// A file stored under a new key, not (yet) in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Blob key.
    pub key: String,
    /// Public URL.
    pub path: String,
    /// Sniffed type.
    pub media_type: MediaType,
    /// Size in bytes.
    pub size: u64,
}

/// The media library of every organization.
#[derive(Clone)]
pub struct MediaService {
    pub(crate) repo: MediaRepo,
    pub(crate) blobs: Arc<dyn Blobs>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) urls: MediaUrls,
    uploads: Throttle,
    upload_limit: Limit,
}

/// Uploads an organization may start per hour (`UPLOAD_LIMIT`, default 300): multipart,
/// presigned, from a URL, through either API.
pub fn upload_limit_from_env() -> Limit {
    Limit {
        scope: "uploads",
        max: std::env::var("UPLOAD_LIMIT")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|n: &i64| *n > 0)
            .unwrap_or(300),
        window_secs: 3600,
        message: "Too many uploads in the last hour, please try again later",
    }
}

impl MediaService {
    /// The service on the given ports, making links with `urls`.
    pub fn new(
        table: Arc<dyn Table>,
        blobs: Arc<dyn Blobs>,
        clock: Arc<dyn Clock>,
        urls: MediaUrls,
    ) -> Self {
        Self {
            repo: MediaRepo::new(table.clone()),
            uploads: Throttle::new(table, clock.clone()),
            upload_limit: upload_limit_from_env(),
            blobs,
            clock,
            urls,
        }
    }

    /// The service with links under `MEDIA_PUBLIC_URL`, else the blob store's own (the local
    /// server's signed `/uploads/...` links); warns when neither exists.
    pub fn with_env_urls(
        table: Arc<dyn Table>,
        blobs: Arc<dyn Blobs>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let urls = MediaUrls::from_env(blobs.clone());
        if !urls.available() {
            tracing::warn!(
                "MEDIA_PUBLIC_URL is not set and the blob store serves no links: uploads will fail"
            );
        }
        Self::new(table, blobs, clock, urls)
    }

    /// Counts an upload the organization starts; 429 past its hourly allowance.
    pub async fn admit_upload(&self, org: &str) -> Result<()> {
        self.uploads.admit(&self.upload_limit, org).await
    }

    /// The current instant to the millisecond (the precision Postiz's dates have).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }

    /// The URL maker.
    pub fn urls(&self) -> &MediaUrls {
        &self.urls
    }

    /// Checks `bytes` (type by magic bytes, size cap) and stores them under a new key with
    /// the sniffed content type, without a library record (`upload-simple?preventSave=true`).
    pub async fn store(&self, bytes: Bytes) -> Result<StoredFile> {
        let media_type = detect(&bytes)?;
        let size = bytes.len() as u64;
        check_size(media_type, size)?;
        let key = new_key(self.clock.now(), media_type);
        let path = self.urls.url(&key)?;
        self.blobs.put(&key, bytes, media_type.mime()).await?;
        Ok(StoredFile {
            key,
            path,
            media_type,
            size,
        })
    }

    /// Stores a file and adds it to `org`'s library.
    pub async fn upload(
        &self,
        org: &str,
        original_name: Option<&str>,
        bytes: Bytes,
    ) -> Result<Media> {
        let file = self.store(bytes).await?;
        let media = self.record(org, uuid::Uuid::new_v4().to_string(), &file, original_name);
        self.repo.create(&media, None).await?;
        Ok(media)
    }

    /// The record of a stored file.
    pub(crate) fn record(
        &self,
        org: &str,
        id: String,
        file: &StoredFile,
        original_name: Option<&str>,
    ) -> Media {
        let now = self.now();
        Media {
            id,
            organization_id: org.to_string(),
            name: file_name(&file.key).to_string(),
            original_name: original_name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| n.chars().take(255).collect()),
            path: file.path.clone(),
            thumbnail: None,
            thumbnail_timestamp: None,
            alt: None,
            file_size: file.size,
            media_type: file.media_type.kind().to_string(),
            key: file.key.clone(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    /// A live media record of `org`, or `NotFound`.
    pub async fn get(&self, org: &str, id: &str) -> Result<Media> {
        match self.repo.get(org, id).await? {
            Some(m) if m.deleted_at.is_none() => Ok(m),
            _ => Err(not_found()),
        }
    }

    /// Page `page` (1-based; 0 reads as 1) of `org`'s library, newest first, 18 a page.
    /// Without `search` it reads the page's entries and a counter, not the whole library;
    /// with `search` (case-insensitive substring of the original name) it filters the whole
    /// library in memory.
    pub async fn library(&self, org: &str, page: usize, search: Option<&str>) -> Result<Library> {
        let skip = page.max(1).saturating_sub(1).saturating_mul(PAGE_SIZE);
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        let (total, items) = match search {
            Some(s) => {
                let needle = s.to_lowercase();
                let all: Vec<Media> = self
                    .repo
                    .all_live(org)
                    .await?
                    .into_iter()
                    .filter(|m| {
                        m.original_name
                            .as_deref()
                            .is_some_and(|n| n.to_lowercase().contains(&needle))
                    })
                    .collect();
                let total = all.len() as u64;
                (total, all.into_iter().skip(skip).take(PAGE_SIZE).collect())
            }
            None => {
                let total = self.repo.count(org).await?;
                let items = if (skip as u64) < total {
                    self.repo.page(org, skip, PAGE_SIZE).await?
                } else {
                    Vec::new()
                };
                (total, items)
            }
        };
        Ok(Library {
            pages: total.div_ceil(PAGE_SIZE as u64),
            results: items.iter().map(Media::library_item).collect(),
        })
    }

    /// Soft-deletes a media record of `org` (the file stays: posts may still show it).
    pub async fn delete(&self, org: &str, id: &str) -> Result<Media> {
        if !self.repo.soft_delete(org, id, self.now()).await? {
            return Err(not_found());
        }
        self.repo.get(org, id).await?.ok_or_else(not_found)
    }

    /// Sets the alt text and the video thumbnail (an absent field is kept, `null` clears it).
    /// A thumbnail is one of our own media URLs or an `https://` URL.
    pub async fn information(&self, org: &str, id: &str, info: &InfoUpdate) -> Result<Media> {
        let mut update = Update::new().set("updatedAt", json!(self.now()));
        if let Some(alt) = &info.alt {
            if alt.as_ref().is_some_and(|a| a.chars().count() > ALT_MAX) {
                return Err(Error::invalid(format!(
                    "alt must be shorter than or equal to {ALT_MAX} characters"
                )));
            }
            update = set_or_remove(update, "alt", alt.clone().map(|a| json!(a)));
        }
        if let Some(thumb) = &info.thumbnail {
            if let Some(url) = thumb {
                self.check_thumbnail(url)?;
            }
            update = set_or_remove(update, "thumbnail", thumb.clone().map(|t| json!(t)));
        }
        if let Some(ts) = info.thumbnail_timestamp {
            if ts.is_some_and(|t| !t.is_finite() || t < 0.0) {
                return Err(Error::invalid(
                    "thumbnailTimestamp must be a non-negative number",
                ));
            }
            update = set_or_remove(update, "thumbnailTimestamp", ts.map(|t| json!(t)));
        }
        self.repo
            .update_live(org, id, update)
            .await?
            .ok_or_else(not_found)
    }

    fn check_thumbnail(&self, url: &str) -> Result<()> {
        let https =
            url.starts_with("https://") && url.len() > "https://".len() && url.len() <= 2048;
        if https || self.urls.issued(url) {
            Ok(())
        } else {
            Err(Error::invalid(
                "thumbnail must be an uploaded media URL or an https URL",
            ))
        }
    }
}

fn set_or_remove(update: Update, attr: &str, value: Option<serde_json::Value>) -> Update {
    match value {
        Some(v) => update.set(attr, v),
        None => update.remove(attr),
    }
}

/// 404 for a media id the caller's organization does not have.
pub fn not_found() -> Error {
    Error::NotFound("Media not found".into())
}
