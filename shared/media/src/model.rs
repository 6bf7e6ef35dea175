//! The stored records: a media file of an organization, and a browser upload in progress.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::sniff::MediaType;

/// A file of an organization's media library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    /// UUID v4.
    pub id: String,
    /// Owner.
    pub organization_id: String,
    /// Stored file name (`<32 hex>.<ext>`).
    pub name: String,
    /// The name the client gave, if any.
    #[serde(default)]
    pub original_name: Option<String>,
    /// Public URL.
    pub path: String,
    /// Thumbnail URL (videos).
    #[serde(default)]
    pub thumbnail: Option<String>,
    /// Position of the thumbnail in the video, seconds.
    #[serde(default)]
    pub thumbnail_timestamp: Option<f64>,
    /// Alt text.
    #[serde(default)]
    pub alt: Option<String>,
    /// Size in bytes.
    pub file_size: u64,
    /// `"image"` or `"video"`.
    pub media_type: String,
    /// Blob key.
    pub key: String,
    /// Upload time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Soft-deletion time (absent while live).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A presigned browser upload that was begun and not yet completed (kept with a TTL).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingUpload {
    /// The id the media will get.
    pub id: String,
    /// Owner.
    pub organization_id: String,
    /// Blob key the browser uploads to.
    pub key: String,
    /// The declared type; the stored bytes must be of this type.
    pub media_type: MediaType,
    /// The client's file name, if any.
    #[serde(default)]
    pub original_name: Option<String>,
    /// Declared size.
    pub size: u64,
    /// When it began.
    pub created_at: DateTime<Utc>,
}

/// Changes of `POST /media/information`: an absent field is left as is, `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfoUpdate {
    /// Alt text.
    #[serde(default, deserialize_with = "present")]
    pub alt: Option<Option<String>>,
    /// Thumbnail URL: one of our media URLs, or any `https://` URL.
    #[serde(default, deserialize_with = "present")]
    pub thumbnail: Option<Option<String>>,
    /// Thumbnail position in seconds.
    #[serde(default, deserialize_with = "present")]
    pub thumbnail_timestamp: Option<Option<f64>>,
}

/// A field that is present (possibly `null`) reads as `Some(..)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_update_tells_absent_from_null() {
        let u: InfoUpdate = serde_json::from_str(r#"{"alt":"a","thumbnail":null}"#).unwrap();
        assert_eq!(u.alt, Some(Some("a".into())));
        assert_eq!(u.thumbnail, Some(None));
        assert_eq!(u.thumbnail_timestamp, None);
    }
}
