//! Size caps and the two refusals of an upload, with Postiz's messages.

use postiz_core::Error;

use crate::sniff::{sniff, MediaType};

/// Largest image: 10 MiB.
pub const IMAGE_MAX: u64 = 10 * 1024 * 1024;
/// Largest video: 1 GiB.
pub const VIDEO_MAX: u64 = 1024 * 1024 * 1024;

impl MediaType {
    /// The largest accepted file of this type, in bytes.
    pub fn max_size(self) -> u64 {
        if self.is_video() {
            VIDEO_MAX
        } else {
            IMAGE_MAX
        }
    }
}

/// 400 `Unsupported file type.`
pub fn unsupported() -> Error {
    Error::BadRequest("Unsupported file type.".into())
}

/// The type of `bytes` (their first [`crate::SNIFF_LEN`] bytes), or 400 `Unsupported file type.`
pub fn detect(bytes: &[u8]) -> Result<MediaType, Error> {
    sniff(bytes).ok_or_else(unsupported)
}

/// 400 `File size exceeds ...` when `size` is above the cap of `t`.
pub fn check_size(t: MediaType, size: u64) -> Result<(), Error> {
    let max = t.max_size();
    if size > max {
        return Err(Error::BadRequest(format!(
            "File size exceeds the maximum allowed size of {max} bytes."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_by_kind() {
        assert!(check_size(MediaType::Png, IMAGE_MAX).is_ok());
        let e = check_size(MediaType::Png, IMAGE_MAX + 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "File size exceeds the maximum allowed size of 10485760 bytes."
        );
        assert!(check_size(MediaType::Mp4, IMAGE_MAX + 1).is_ok());
        assert!(check_size(MediaType::Mp4, VIDEO_MAX + 1).is_err());
        assert_eq!(
            detect(b"text").unwrap_err().to_string(),
            "Unsupported file type."
        );
    }
}
