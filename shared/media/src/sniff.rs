//! The accepted file types, recognised by their first bytes (never by the client's name or
//! Content-Type): JPEG, PNG, GIF, WebP, AVIF, BMP, TIFF and MP4, as Postiz accepts.

use serde::{Deserialize, Serialize};

/// How many leading bytes [`sniff`] looks at (enough for an ISO-BMFF `ftyp` box's brands).
pub const SNIFF_LEN: usize = 4100;

/// An accepted media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// JPEG image.
    Jpeg,
    /// PNG image.
    Png,
    /// GIF image.
    Gif,
    /// WebP image.
    Webp,
    /// AVIF image.
    Avif,
    /// BMP image.
    Bmp,
    /// TIFF image.
    Tiff,
    /// MP4 video.
    Mp4,
}

impl MediaType {
    /// Every accepted type.
    pub const ALL: [MediaType; 8] = [
        MediaType::Jpeg,
        MediaType::Png,
        MediaType::Gif,
        MediaType::Webp,
        MediaType::Avif,
        MediaType::Bmp,
        MediaType::Tiff,
        MediaType::Mp4,
    ];

    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Gif => "image/gif",
            MediaType::Webp => "image/webp",
            MediaType::Avif => "image/avif",
            MediaType::Bmp => "image/bmp",
            MediaType::Tiff => "image/tiff",
            MediaType::Mp4 => "video/mp4",
        }
    }

    /// The file extension of stored files (no dot).
    pub fn ext(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::Gif => "gif",
            MediaType::Webp => "webp",
            MediaType::Avif => "avif",
            MediaType::Bmp => "bmp",
            MediaType::Tiff => "tif",
            MediaType::Mp4 => "mp4",
        }
    }

    /// True for videos.
    pub fn is_video(self) -> bool {
        self == MediaType::Mp4
    }

    /// `"video"` or `"image"`, the media record's `type`.
    pub fn kind(self) -> &'static str {
        if self.is_video() {
            "video"
        } else {
            "image"
        }
    }

    /// The type a MIME type declares (parameters ignored; `image/jpg` too).
    pub fn from_mime(mime: &str) -> Option<Self> {
        let m = mime.split(';').next()?.trim().to_ascii_lowercase();
        if m == "image/jpg" {
            return Some(MediaType::Jpeg);
        }
        Self::ALL.into_iter().find(|t| t.mime() == m)
    }

    /// The type a file name's extension declares.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Some(MediaType::Jpeg),
            "png" => Some(MediaType::Png),
            "gif" => Some(MediaType::Gif),
            "webp" => Some(MediaType::Webp),
            "avif" => Some(MediaType::Avif),
            "bmp" => Some(MediaType::Bmp),
            "tif" | "tiff" => Some(MediaType::Tiff),
            "mp4" | "m4v" => Some(MediaType::Mp4),
            _ => None,
        }
    }
}

/// ISO-BMFF brands of MP4-family files (AVIF and HEIC brands are not among them).
const MP4_BRANDS: &[&[u8; 4]] = &[
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9", b"mp41",
    b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"dash", b"MSNV", b"NDAS", b"f4v ",
];

/// Brands of AVIF images and image sequences.
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];

/// Generic HEIF brands: AVIF when a compatible brand says so, otherwise HEIC (refused).
const HEIF_BRANDS: &[&[u8; 4]] = &[b"mif1", b"msf1"];

/// The accepted type of a file from its first bytes, or `None`.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    let b = &bytes[..bytes.len().min(SNIFF_LEN)];
    let at = |offset: usize, magic: &[u8]| b.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        Some(MediaType::Jpeg)
    } else if at(0, b"\x89PNG\r\n\x1a\n") {
        Some(MediaType::Png)
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some(MediaType::Gif)
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some(MediaType::Webp)
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Some(MediaType::Tiff)
    } else if at(0, b"BM") && at(6, &[0, 0, 0, 0]) && b.len() >= 14 {
        Some(MediaType::Bmp)
    } else if at(4, b"ftyp") {
        iso_bmff(b)
    } else {
        None
    }
}

/// The type of an ISO-BMFF file from its `ftyp` box: major brand, then compatible brands.
fn iso_bmff(b: &[u8]) -> Option<MediaType> {
    let major: &[u8; 4] = b.get(8..12)?.try_into().ok()?;
    let size = u32::from_be_bytes(b.get(0..4)?.try_into().ok()?) as usize;
    let compatible: Vec<&[u8]> = b
        .get(16..size.min(b.len()))
        .unwrap_or_default()
        .chunks_exact(4)
        .collect();
    let has = |brands: &[&[u8; 4]]| compatible.iter().any(|c| brands.iter().any(|x| c == x));
    if AVIF_BRANDS.contains(&major) || (HEIF_BRANDS.contains(&major) && has(AVIF_BRANDS)) {
        Some(MediaType::Avif)
    } else if MP4_BRANDS.contains(&major) {
        Some(MediaType::Mp4)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut v = (size as u32).to_be_bytes().to_vec();
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(major);
        v.extend_from_slice(&[0, 0, 2, 0]);
        for c in compatible {
            v.extend_from_slice(*c);
        }
        v.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        v
    }

    #[test]
    fn each_type_by_its_magic() {
        let cases: Vec<(Vec<u8>, MediaType)> = vec![
            (vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], MediaType::Jpeg),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), MediaType::Png),
            (b"GIF89a\x01\0\x01\0".to_vec(), MediaType::Gif),
            (b"GIF87a\x01\0\x01\0".to_vec(), MediaType::Gif),
            (b"RIFF\x24\0\0\0WEBPVP8 ".to_vec(), MediaType::Webp),
            (b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0".to_vec(), MediaType::Bmp),
            (b"II*\0\x08\0\0\0".to_vec(), MediaType::Tiff),
            (b"MM\0*\0\0\0\x08".to_vec(), MediaType::Tiff),
            (ftyp(b"avif", &[b"avif", b"mif1"]), MediaType::Avif),
            (ftyp(b"avis", &[b"avis", b"msf1"]), MediaType::Avif),
            (ftyp(b"mif1", &[b"mif1", b"avif"]), MediaType::Avif),
            (
                ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"]),
                MediaType::Mp4,
            ),
            (ftyp(b"mp42", &[b"mp42", b"isom"]), MediaType::Mp4),
            (ftyp(b"M4V ", &[b"M4V ", b"mp42"]), MediaType::Mp4),
            (ftyp(b"dash", &[b"iso6"]), MediaType::Mp4),
        ];
        for (bytes, want) in cases {
            assert_eq!(sniff(&bytes), Some(want), "{bytes:?}");
        }
    }

    #[test]
    fn refuses_other_files() {
        for bytes in [
            b"hello, this is text".as_slice(),
            b"%PDF-1.7\n",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"PK\x03\x04zip",
            b"BMW makes cars, not bitmaps",
            b"",
        ] {
            assert_eq!(sniff(bytes), None, "{bytes:?}");
        }
        // HEIC, QuickTime and 3GP share the ftyp box but are not accepted.
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), None);
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1", b"heic"])), None);
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), None);
        assert_eq!(sniff(&ftyp(b"3gp4", &[b"isom"])), None);
    }

    #[test]
    fn truncated_input_is_not_recognised() {
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(b"\x89PNG\r\n"), None);
        assert_eq!(sniff(b"GIF8"), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WE"), None);
        assert_eq!(sniff(b"BM"), None);
        assert_eq!(sniff(b"II*"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftyp"), None);
        assert_eq!(sniff(b"\0\0\0\x18ftypis"), None);
        // A box that claims more compatible brands than arrived still reads what is there.
        let mut cut = ftyp(b"mif1", &[b"mif1", b"avif"]);
        cut.truncate(20);
        assert_eq!(sniff(&cut), None, "the avif brand was cut off");
    }

    #[test]
    fn type_names() {
        assert_eq!(MediaType::from_mime("image/jpg"), Some(MediaType::Jpeg));
        assert_eq!(
            MediaType::from_mime("Video/MP4; codecs=x"),
            Some(MediaType::Mp4)
        );
        assert_eq!(MediaType::from_mime("image/svg+xml"), None);
        assert_eq!(MediaType::from_file_name("a.JPEG"), Some(MediaType::Jpeg));
        assert_eq!(MediaType::from_file_name("noext"), None);
        assert!(MediaType::Mp4.is_video() && !MediaType::Png.is_video());
        for t in MediaType::ALL {
            assert_eq!(MediaType::from_mime(t.mime()), Some(t));
            assert_eq!(
                MediaType::from_file_name(&format!("x.{}", t.ext())),
                Some(t)
            );
        }
    }
}
