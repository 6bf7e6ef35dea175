//! What the routes answer, in Postiz's shapes (camelCase; empty fields are `null`, never left out).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::Media;

/// One entry of the library page (`GET /media`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LibraryItem {
    /// Id.
    pub id: String,
    /// Stored file name.
    pub name: String,
    /// Client's file name.
    pub original_name: Option<String>,
    /// Public URL.
    pub path: String,
    /// Thumbnail URL.
    pub thumbnail: Option<String>,
    /// Alt text.
    pub alt: Option<String>,
    /// Thumbnail position, seconds.
    pub thumbnail_timestamp: Option<f64>,
}

/// A library page: `{pages, results}`, `pages` being the number of pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Library {
    /// Number of pages.
    pub pages: u64,
    /// This page, newest first.
    pub results: Vec<LibraryItem>,
}

/// The public API's answer to an upload (`POST /public/v1/upload`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadAnswer {
    /// Id.
    pub id: String,
    /// Stored file name.
    pub name: String,
    /// Client's file name.
    pub original_name: Option<String>,
    /// Public URL.
    pub path: String,
    /// Thumbnail URL.
    pub thumbnail: Option<String>,
    /// Alt text.
    pub alt: Option<String>,
}

/// The whole record, as Postiz answers uploads, deletion and information changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaRow {
    /// Id.
    pub id: String,
    /// Stored file name.
    pub name: String,
    /// Client's file name.
    pub original_name: Option<String>,
    /// Public URL.
    pub path: String,
    /// Owner.
    pub organization_id: String,
    /// Thumbnail URL.
    pub thumbnail: Option<String>,
    /// Thumbnail position, seconds.
    pub thumbnail_timestamp: Option<f64>,
    /// Alt text.
    pub alt: Option<String>,
    /// Size in bytes.
    pub file_size: u64,
    /// `image` or `video`.
    #[serde(rename = "type")]
    pub media_type: String,
    /// Upload time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Deletion time.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Media {
    /// As a library entry.
    pub fn library_item(&self) -> LibraryItem {
        LibraryItem {
            id: self.id.clone(),
            name: self.name.clone(),
            original_name: self.original_name.clone(),
            path: self.path.clone(),
            thumbnail: self.thumbnail.clone(),
            alt: self.alt.clone(),
            thumbnail_timestamp: self.thumbnail_timestamp,
        }
    }

    /// As the public API's upload answer.
    pub fn upload_answer(&self) -> UploadAnswer {
        UploadAnswer {
            id: self.id.clone(),
            name: self.name.clone(),
            original_name: self.original_name.clone(),
            path: self.path.clone(),
            thumbnail: self.thumbnail.clone(),
            alt: self.alt.clone(),
        }
    }

    /// As the whole record.
    pub fn row(&self) -> MediaRow {
        MediaRow {
            id: self.id.clone(),
            name: self.name.clone(),
            original_name: self.original_name.clone(),
            path: self.path.clone(),
            organization_id: self.organization_id.clone(),
            thumbnail: self.thumbnail.clone(),
            thumbnail_timestamp: self.thumbnail_timestamp,
            alt: self.alt.clone(),
            file_size: self.file_size,
            media_type: self.media_type.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
        }
    }
}
