//! Browser → storage uploads for files too big for a request body (a Lambda takes ~6 MB):
//! `begin_upload` checks the declared type and size and answers a presigned PUT URL (1 h);
//! `complete_upload` checks what actually arrived (magic bytes, real size, content type)
//! and only then adds it to the library. A refused object is deleted. Only uploads the same
//! organization began (recorded with a TTL) can be completed, once.

use chrono::Duration;
use postiz_core::{Error, Result};
use serde::Serialize;

use crate::keys::new_key;
use crate::limits::{check_size, detect, unsupported};
use crate::model::{Media, PendingUpload};
use crate::service::{MediaService, StoredFile};
use crate::sniff::{MediaType, SNIFF_LEN};

/// How long the presigned PUT URL works.
pub const PUT_URL_LIFETIME: Duration = Duration::hours(1);

/// How long a begun upload can be completed.
pub const PENDING_LIFETIME: Duration = Duration::hours(2);

/// Where and how the browser uploads the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadTicket {
    /// The id the media will have.
    pub upload_id: String,
    /// The key to pass to `complete_upload`.
    pub key: String,
    /// Presigned `PUT` URL.
    pub url: String,
    /// The `Content-Type` header the PUT must carry.
    pub content_type: String,
}

impl MediaService {
    /// Begins a browser upload of `size` bytes. The type comes from `content_type` (MIME),
    /// else from the extension of `original_name`; it must be accepted and `size` within its cap.
    pub async fn begin_upload(
        &self,
        org: &str,
        original_name: Option<&str>,
        content_type: Option<&str>,
        size: u64,
    ) -> Result<UploadTicket> {
        let declared = content_type
            .and_then(MediaType::from_mime)
            .or_else(|| original_name.and_then(MediaType::from_file_name))
            .ok_or_else(unsupported)?;
        if size == 0 {
            return Err(Error::invalid("size must be a positive integer"));
        }
        check_size(declared, size)?;
        let now = self.now();
        let pending = PendingUpload {
            id: uuid::Uuid::new_v4().to_string(),
            organization_id: org.to_string(),
            key: new_key(now, declared),
            media_type: declared,
            original_name: original_name.map(str::to_string),
            size,
            created_at: now,
        };
        let lifetime = PUT_URL_LIFETIME.to_std().expect("positive");
        let url = self
            .blobs
            .presign_put(&pending.key, declared.mime(), lifetime)
            .await?;
        self.repo
            .put_pending(&pending, (now + PENDING_LIFETIME).timestamp())
            .await?;
        Ok(UploadTicket {
            upload_id: pending.id,
            key: pending.key,
            url,
            content_type: declared.mime().to_string(),
        })
    }

    /// Completes an upload `org` began under `key`: the stored object must be of the
    /// declared type (by its first bytes and its content type) and within the cap. A refused
    /// object is deleted (400); an unknown, expired or already completed key is `NotFound`.
    pub async fn complete_upload(&self, org: &str, key: &str) -> Result<Media> {
        let pending = self
            .repo
            .pending(org, key)
            .await?
            .ok_or_else(|| Error::NotFound("Upload not found".into()))?;
        // Only the first bytes are read: the object may be a 1 GiB video.
        let Some(blob) = self.blobs.head(key, SNIFF_LEN).await? else {
            return Err(Error::BadRequest(
                "The file was not uploaded to this key.".into(),
            ));
        };
        let size = blob.size;
        let checked = detect(&blob.prefix)
            .and_then(|t| {
                if t == pending.media_type {
                    Ok(t)
                } else {
                    Err(unsupported())
                }
            })
            .and_then(|t| check_size(t, size).map(|_| t))
            .and_then(|t| content_type_matches(&blob.content_type, t).map(|_| t));
        let media_type = match checked {
            Ok(t) => t,
            Err(e) => {
                self.blobs.delete(key).await?;
                self.repo.delete_pending(org, key).await?;
                return Err(e);
            }
        };
        let file = StoredFile {
            key: key.to_string(),
            path: self.urls.url(key)?,
            media_type,
            size,
        };
        let media = self.record(
            org,
            pending.id.clone(),
            &file,
            pending.original_name.as_deref(),
        );
        self.repo.create(&media, Some(key)).await?;
        Ok(media)
    }
}

fn content_type_matches(stored: &str, t: MediaType) -> Result<()> {
    if MediaType::from_mime(stored) == Some(t) {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "The file must be uploaded with Content-Type {}.",
            t.mime()
        )))
    }
}
