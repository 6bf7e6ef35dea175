//! Blob keys of media files: `YYYY/MM/DD/<32 hex>.<ext>`, random, never from user input.

use chrono::{DateTime, Utc};

use crate::sniff::MediaType;

/// A new random key for a file of type `t` uploaded at `now`.
pub fn new_key(now: DateTime<Utc>, t: MediaType) -> String {
    format!(
        "{}/{}.{}",
        now.format("%Y/%m/%d"),
        postiz_core::crypto::random_hex(32),
        t.ext()
    )
}

/// The stored file name of a key (its last segment).
pub fn file_name(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// True when `key` has the shape [`new_key`] gives.
pub fn is_media_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let [y, m, d, file] = parts.as_slice() else {
        return false;
    };
    let Some((stem, ext)) = file.split_once('.') else {
        return false;
    };
    digits(y, 4)
        && digits(m, 2)
        && digits(d, 2)
        && stem.len() == 32
        && stem
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && MediaType::ALL.iter().any(|t| t.ext() == ext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn random_dated_keys() {
        let now = Utc.with_ymd_and_hms(2026, 3, 7, 1, 2, 3).unwrap();
        let a = new_key(now, MediaType::Png);
        let b = new_key(now, MediaType::Png);
        assert_ne!(a, b);
        assert!(a.starts_with("2026/03/07/") && a.ends_with(".png"), "{a}");
        assert!(is_media_key(&a));
        assert_eq!(file_name(&a).len(), 36);
        for bad in [
            "2026/03/07/../x.png",
            "x.png",
            "2026/03/07/ABCDEF0123456789abcdef0123456789.png",
            "2026/03/07/0123456789abcdef0123456789abcdef.exe",
            "2026/3/07/0123456789abcdef0123456789abcdef.png",
        ] {
            assert!(!is_media_key(bad), "{bad}");
        }
    }
}
