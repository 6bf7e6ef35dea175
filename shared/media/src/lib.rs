//! The media library: file types by magic bytes, size caps, random storage keys, public
//! URLs made in one place, the media records of each organization (soft-deleted), and
//! presigned browser uploads for files too big for a request body.

pub mod from_url;
pub mod keys;
pub mod limits;
pub mod model;
pub mod presigned;
pub mod repo;
pub mod service;
pub mod sniff;
pub mod urls;
pub mod views;

pub use from_url::url_fetcher;
pub use limits::{check_size, detect, IMAGE_MAX, VIDEO_MAX};
pub use model::{InfoUpdate, Media, PendingUpload};
pub use presigned::UploadTicket;
pub use repo::MediaRepo;
pub use service::{MediaService, StoredFile, PAGE_SIZE};
pub use sniff::{sniff, MediaType, SNIFF_LEN};
pub use urls::MediaUrls;
pub use views::{Library, LibraryItem, MediaRow, UploadAnswer};
