//! Reading an upload form as multer's `FileInterceptor('file')` does: one file in the field
//! `file`; a file in any other field (or a second one) is 400 `Unexpected field`; no file is
//! 400 `{"msg":"No file provided"}`. Bytes are kept only up to the cap of the type their first
//! bytes show (10 MiB for images); the rest of a refused body is read and dropped, so the
//! client gets the 400 rather than a reset connection.

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{FromRequest, Multipart, Request};
use bytes::Bytes;
use postiz_core::Error;
use postiz_media::{check_size, detect, MediaType, SNIFF_LEN};
use postiz_web::ApiError;
use std::collections::HashMap;

/// The largest text field value kept (multer's default field size).
const FIELD_MAX: usize = 1024 * 1024;

/// An upload form: the `file` field and the text fields.
#[derive(Debug, Clone)]
pub struct UploadForm {
    /// The client's file name.
    pub file_name: Option<String>,
    /// The file, of an accepted type and within its cap.
    pub bytes: Bytes,
    /// Text fields (e.g. `preventSave`).
    pub fields: HashMap<String, String>,
}

impl<S: Send + Sync> FromRequest<S> for UploadForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(rejection)?;
        Ok(read_form(multipart).await?)
    }
}

impl postiz_web::documented::DocArg for UploadForm {
    fn body() -> Option<postiz_web::documented::BodyDoc> {
        Some(postiz_web::documented::BodyDoc::multipart_file())
    }
}

/// The file of the `file` field: its client file name and bytes (for `POST /public/v1/upload`).
pub async fn file_field(multipart: Multipart) -> Result<(Option<String>, Bytes), Error> {
    let form = read_form(multipart).await?;
    Ok((form.file_name, form.bytes))
}

/// A request that is not a readable multipart form: 400.
pub fn rejection(e: MultipartRejection) -> Error {
    Error::BadRequest(e.body_text())
}

fn read_error(e: MultipartError) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge("File too large".into())
    } else {
        Error::BadRequest(e.body_text())
    }
}

/// Reads the whole form (see the module notes).
pub async fn read_form(mut multipart: Multipart) -> Result<UploadForm, Error> {
    let mut file: Option<(Option<String>, Result<Bytes, Error>)> = None;
    let mut fields = HashMap::new();
    let mut refused: Option<Error> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" && file.is_none() {
            let file_name = field.file_name().map(str::to_string);
            file = Some((file_name, collect_file(&mut field).await?));
        } else if name == "file" || field.file_name().is_some() {
            refused.get_or_insert_with(|| Error::BadRequest("Unexpected field".into()));
            drain(&mut field).await?;
        } else {
            match collect_text(&mut field).await? {
                Some(v) => {
                    fields.insert(name, v);
                }
                None => {
                    refused.get_or_insert_with(|| Error::BadRequest("Field value too long".into()));
                }
            }
        }
    }
    if let Some(e) = refused {
        return Err(e);
    }
    let (file_name, bytes) = file.ok_or_else(|| Error::Refused {
        status: 400,
        msg: "No file provided".into(),
    })?;
    Ok(UploadForm {
        file_name,
        bytes: bytes?,
        fields,
    })
}

async fn drain(field: &mut Field<'_>) -> Result<(), Error> {
    while field.chunk().await.map_err(read_error)?.is_some() {}
    Ok(())
}

/// A text value, or `None` when it is longer than [`FIELD_MAX`] (the rest is dropped).
async fn collect_text(field: &mut Field<'_>) -> Result<Option<String>, Error> {
    let mut buf = Vec::new();
    let mut too_long = false;
    while let Some(chunk) = field.chunk().await.map_err(read_error)? {
        if buf.len() + chunk.len() > FIELD_MAX {
            too_long = true;
            buf = Vec::new();
        }
        if !too_long {
            buf.extend_from_slice(&chunk);
        }
    }
    Ok((!too_long).then(|| String::from_utf8_lossy(&buf).into_owned()))
}

/// The file's bytes, or the refusal its type or size earns (the outer error is a transport one).
async fn collect_file(field: &mut Field<'_>) -> Result<Result<Bytes, Error>, Error> {
    let mut c = Collector::default();
    while let Some(chunk) = field.chunk().await.map_err(read_error)? {
        c.push(chunk);
    }
    Ok(c.finish())
}

/// Keeps a file's chunks while its type (once known) allows its size so far.
#[derive(Default)]
struct Collector {
    head: Vec<u8>,
    chunks: Vec<Bytes>,
    total: u64,
    kind: Option<Result<MediaType, ()>>,
    over: bool,
}

impl Collector {
    fn push(&mut self, chunk: Bytes) {
        self.total += chunk.len() as u64;
        if self.head.len() < SNIFF_LEN {
            let n = chunk.len().min(SNIFF_LEN - self.head.len());
            self.head.extend_from_slice(&chunk[..n]);
            if self.head.len() == SNIFF_LEN {
                self.kind = Some(detect(&self.head).map_err(|_| ()));
            }
        }
        self.over = match self.kind {
            Some(Ok(t)) => self.total > t.max_size(),
            Some(Err(())) => true,
            None => false,
        };
        if self.over {
            self.chunks.clear();
        } else {
            self.chunks.push(chunk);
        }
    }

    fn finish(self) -> Result<Bytes, Error> {
        let t = detect(&self.head)?;
        check_size(t, self.total)?;
        Ok(match self.chunks.len() {
            1 => self.chunks.into_iter().next().unwrap_or_default(),
            _ => {
                let mut all = Vec::with_capacity(self.total as usize);
                for c in &self.chunks {
                    all.extend_from_slice(c);
                }
                all.into()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header() -> Vec<u8> {
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()
    }

    #[test]
    fn keeps_a_small_file_whole() {
        let mut c = Collector::default();
        c.push(Bytes::from(png_header()));
        c.push(Bytes::from_static(b"rest"));
        let mut want = png_header();
        want.extend_from_slice(b"rest");
        assert_eq!(c.finish().unwrap(), Bytes::from(want));
    }

    #[test]
    fn drops_an_image_over_its_cap() {
        let mut c = Collector::default();
        let mut first = png_header();
        first.resize(SNIFF_LEN, 0);
        c.push(Bytes::from(first));
        let mb = Bytes::from(vec![0u8; 1024 * 1024]);
        for _ in 0..10 {
            c.push(mb.clone());
        }
        assert!(c.over && c.chunks.is_empty());
        let e = c.finish().unwrap_err();
        assert!(e.to_string().starts_with("File size exceeds"), "{e}");
    }

    #[test]
    fn refuses_text() {
        let mut c = Collector::default();
        c.push(Bytes::from(vec![b'a'; SNIFF_LEN + 10]));
        assert!(c.over);
        assert_eq!(
            c.finish().unwrap_err().to_string(),
            "Unsupported file type."
        );
    }
}
