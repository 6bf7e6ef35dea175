//! HTTP concerns every provider shares: one client with timeouts, the default error
//! classification with `Retry-After`, JSON and form helpers, and fetching media bytes.

use bytes::Bytes;
use postiz_fetch::{FetchPolicy, GuardedFetcher};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{ProviderError, ProviderResult};

/// A provider-specific reading of an error body: `Some` overrides the default classification.
pub type ErrorMapper = fn(status: u16, body: &str) -> Option<ProviderError>;

/// Maps nothing: the default classification applies.
pub fn no_mapping(_: u16, _: &str) -> Option<ProviderError> {
    None
}

/// Says whether a URL is one of our own media links, fetched without the address guard (the
/// local server's links point at itself, on loopback).
pub type OwnMedia = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Largest media file fetched from a URL outside our storage (the video cap).
const MAX_MEDIA_BYTES: u64 = 1 << 30;

/// The HTTP client providers share, and the guard for user-supplied URLs (media links from
/// elsewhere, a self-hosted service's address).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    guard: GuardedFetcher,
    own_media: Option<OwnMedia>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("guard", self.guard.policy())
            .finish_non_exhaustive()
    }
}

impl Default for Http {
    fn default() -> Self {
        Self::new(Duration::from_secs(60))
    }
}

/// Longest error body kept in a message.
const MAX_ERROR_BODY: usize = 2_000;

fn truncate(s: &str) -> String {
    if s.len() <= MAX_ERROR_BODY {
        return s.to_string();
    }
    let mut end = MAX_ERROR_BODY;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `Retry-After` as seconds (the HTTP-date form is rare on APIs and read as absent).
pub fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The default classification of a failed response.
pub fn classify(status: StatusCode, retry: Option<Duration>, body: &str) -> ProviderError {
    let text = truncate(body);
    match status.as_u16() {
        401 => ProviderError::RefreshNeeded(text),
        429 | 500..=599 => ProviderError::Transient {
            retry_after: retry,
            message: format!("HTTP {status}: {text}"),
        },
        400 | 403 | 404 | 409 | 413 | 415 | 422 => ProviderError::BadRequest {
            user_message: if text.is_empty() {
                format!("The network refused the request (HTTP {status})")
            } else {
                text
            },
        },
        _ => ProviderError::Unknown(format!("HTTP {status}: {text}")),
    }
}

impl Http {
    /// A client with a total `timeout` per request.
    pub fn new(timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent("postiz-rs")
            .build()
            .expect("a TLS backend is compiled in");
        Self {
            client,
            guard: GuardedFetcher::new(guard_policy(false)),
            own_media: None,
        }
    }

    /// The same client; user-supplied URLs may reach private addresses when `allow_private`
    /// (`FETCH_ALLOW_PRIVATE`), and `own_media` links are fetched unguarded.
    pub fn guarded(mut self, allow_private: bool, own_media: Option<OwnMedia>) -> Self {
        self.guard = GuardedFetcher::new(guard_policy(allow_private));
        self.own_media = own_media;
        self
    }

    /// Refuses a user-supplied URL whose host resolves to a loopback, private or otherwise
    /// internal address (unless private addresses are allowed).
    pub async fn vet(&self, url: &str) -> ProviderResult<()> {
        self.guard
            .check(url)
            .await
            .map(|_| ())
            .map_err(|e| ProviderError::bad(format!("{url} cannot be used: {e}")))
    }

    /// The underlying client, to build requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `req`; a non-2xx answer becomes a classified error (`map` first, then the default).
    /// A failure to connect is transient; a timeout or a lost connection after sending is
    /// `Unknown`, since the network may have acted on the request.
    pub async fn send(&self, req: RequestBuilder, map: ErrorMapper) -> ProviderResult<Response> {
        self.send_allowing(req, map, &[]).await
    }

    /// [`Http::send`], with the `answers` statuses handed back like a success (an error whose
    /// body the caller reads, e.g. "already exists, here is its id").
    pub async fn send_allowing(
        &self,
        req: RequestBuilder,
        map: ErrorMapper,
        answers: &[StatusCode],
    ) -> ProviderResult<Response> {
        self.send_unredacted(req, map, answers)
            .await
            .map_err(ProviderError::redacted)
    }

    async fn send_unredacted(
        &self,
        req: RequestBuilder,
        map: ErrorMapper,
        answers: &[StatusCode],
    ) -> ProviderResult<Response> {
        let resp = req.send().await.map_err(|e| {
            if e.is_connect() {
                ProviderError::transient(format!("could not connect: {e}"))
            } else if e.is_builder() {
                ProviderError::Unknown(format!("bad request: {e}"))
            } else {
                ProviderError::Unknown(format!(
                    "no answer (the request may have been applied): {e}"
                ))
            }
        })?;
        if resp.status().is_success() || answers.contains(&resp.status()) {
            return Ok(resp);
        }
        let status = resp.status();
        let retry = retry_after(&resp);
        let body = resp.text().await.unwrap_or_default();
        if let Some(mapped) = map(status.as_u16(), &body) {
            return Err(mapped);
        }
        Err(classify(status, retry, &body))
    }

    /// Sends `req` and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        req: RequestBuilder,
        map: ErrorMapper,
    ) -> ProviderResult<T> {
        let resp = self.send(req, map).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ProviderError::Unknown(format!("reading the answer: {e}")).redacted())?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ProviderError::Unknown(format!(
                "unexpected answer: {e}: {}",
                truncate(&String::from_utf8_lossy(&bytes))
            ))
            .redacted()
        })
    }

    /// Downloads a whole media file for re-upload to a network (pictures, and networks that
    /// take a file in one small request). Big files go through [`Http::open_media`] instead,
    /// which holds at most one piece in memory.
    pub async fn fetch_media(&self, url: &str) -> ProviderResult<(Vec<u8>, String)> {
        let reader = self.open_media(url).await?;
        let content_type = reader.content_type.clone();
        Ok((reader.into_bytes().await?, content_type))
    }

    /// Opens a media file for re-upload to a network, to be read piece by piece: our own
    /// links directly, any other URL through the guard (no internal addresses, redirects
    /// re-checked, size capped).
    pub async fn open_media(&self, url: &str) -> ProviderResult<MediaReader> {
        self.open_media_unredacted(url)
            .await
            .map_err(ProviderError::redacted)
    }

    async fn open_media_unredacted(&self, url: &str) -> ProviderResult<MediaReader> {
        let unreadable = |e: &dyn std::fmt::Display| {
            ProviderError::bad(format!("The media file {url} could not be read: {e}"))
        };
        if !self.own_media.as_ref().is_some_and(|own| own(url)) {
            let streamed = self.guard.open(url).await.map_err(|e| unreadable(&e))?;
            if streamed.content_length.is_some_and(|n| n > MAX_MEDIA_BYTES) {
                return Err(unreadable(&"the file is too large"));
            }
            return Ok(MediaReader {
                content_type: streamed
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into()),
                len: streamed.content_length,
                name: file_name(url),
                source: Source::Guarded(Box::new(streamed)),
                pending: Bytes::new(),
                read: 0,
            });
        }
        let resp = self
            .send(self.client.get(url), no_mapping)
            .await
            .map_err(|e| match e {
                ProviderError::BadRequest { .. } => {
                    ProviderError::bad(format!("The media file {url} could not be read"))
                }
                other => other,
            })?;
        Ok(MediaReader {
            content_type: resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/octet-stream")
                .to_string(),
            len: resp.content_length(),
            name: file_name(url),
            source: Source::Own(resp),
            pending: Bytes::new(),
            read: 0,
        })
    }
}

/// Where a [`MediaReader`]'s bytes come from.
enum Source {
    /// A URL outside our storage, through the guard.
    Guarded(Box<postiz_fetch::Streamed>),
    /// One of our own media links.
    Own(Response),
    /// Read already (a server that did not say the length of a file that needs one).
    Read,
}

/// A media file being read from its URL: its type, length and name, and its bytes piece by
/// piece, so that a video goes to the network without being held in memory.
pub struct MediaReader {
    /// The file's `Content-Type` (`application/octet-stream` when unknown).
    pub content_type: String,
    /// The file's length, when its server said.
    pub len: Option<u64>,
    /// The file name at the end of the URL.
    pub name: String,
    source: Source,
    pending: Bytes,
    read: u64,
}

impl std::fmt::Debug for MediaReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaReader")
            .field("content_type", &self.content_type)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl MediaReader {
    /// The next piece as it arrives; `None` at the end.
    pub async fn piece(&mut self) -> ProviderResult<Option<Bytes>> {
        if !self.pending.is_empty() {
            return Ok(Some(std::mem::take(&mut self.pending)));
        }
        let next = match &mut self.source {
            Source::Guarded(s) => s
                .chunk()
                .await
                .map_err(|e| ProviderError::transient(format!("reading media: {e}")))?,
            Source::Own(r) => r
                .chunk()
                .await
                .map_err(|e| ProviderError::transient(format!("reading media: {e}")).redacted())?,
            Source::Read => None,
        };
        if let Some(p) = &next {
            self.read += p.len() as u64;
            if self.read > MAX_MEDIA_BYTES {
                return Err(ProviderError::bad("The media file is too large"));
            }
        }
        Ok(next)
    }

    /// The next `size` bytes (fewer at the end of the file; `None` after it), holding no more
    /// than one chunk.
    pub async fn read_chunk(&mut self, size: usize) -> ProviderResult<Option<Vec<u8>>> {
        let mut chunk = Vec::with_capacity(size.min(8 << 20));
        while chunk.len() < size {
            let Some(mut piece) = self.piece().await? else {
                break;
            };
            let take = (size - chunk.len()).min(piece.len());
            chunk.extend_from_slice(&piece.split_to(take));
            if !piece.is_empty() {
                self.pending = piece;
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }

    /// The same file with its length known: read into memory first when its server did
    /// not say it (networks that take a size up front need one).
    pub async fn sized(self) -> ProviderResult<(Self, u64)> {
        if let Some(n) = self.len {
            return Ok((self, n));
        }
        let (content_type, name) = (self.content_type.clone(), self.name.clone());
        let bytes = Bytes::from(self.into_bytes().await?);
        let n = bytes.len() as u64;
        let reader = MediaReader {
            content_type,
            len: Some(n),
            name,
            source: Source::Read,
            pending: bytes,
            read: n,
        };
        Ok((reader, n))
    }

    /// The whole file in memory.
    pub async fn into_bytes(mut self) -> ProviderResult<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len.unwrap_or(0).min(64 << 20) as usize);
        while let Some(p) = self.piece().await? {
            out.extend_from_slice(&p);
        }
        Ok(out)
    }

    /// The file as a request body sent while it is read (nothing held in memory).
    pub fn into_body(self) -> reqwest::Body {
        let pieces = futures_util::stream::unfold(Some(self), |reader| async move {
            let mut reader = reader?;
            match reader.piece().await {
                Ok(Some(p)) => Some((Ok(p), Some(reader))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        });
        reqwest::Body::wrap_stream(pieces)
    }

    /// The file as a multipart part streamed while it is sent (with its length when known,
    /// so the whole form has one), named after the URL, typed by its `Content-Type`.
    pub fn into_part(self) -> ProviderResult<reqwest::multipart::Part> {
        let (name, content_type, len) = (self.name.clone(), self.content_type.clone(), self.len);
        let body = self.into_body();
        let part = match len {
            Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
            None => reqwest::multipart::Part::stream(body),
        };
        part.file_name(name)
            .mime_str(&content_type)
            .map_err(|e| ProviderError::bad(format!("Unsupported media type: {e}")))
    }
}

fn guard_policy(allow_private: bool) -> FetchPolicy {
    FetchPolicy {
        allow_private,
        https_only: false,
        max_bytes: MAX_MEDIA_BYTES,
        timeout: Duration::from_secs(300),
        ..FetchPolicy::default()
    }
}

/// The file name at the end of a URL path.
pub fn file_name(url: &str) -> String {
    url.split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .unwrap_or("file")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_classification() {
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, None, "x"),
            ProviderError::RefreshNeeded(_)
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(7)), ""),
            ProviderError::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(7)
        ));
        assert!(matches!(
            classify(StatusCode::SERVICE_UNAVAILABLE, None, ""),
            ProviderError::Transient { .. }
        ));
        assert!(
            matches!(classify(StatusCode::UNPROCESSABLE_ENTITY, None, "too long"), ProviderError::BadRequest { user_message } if user_message == "too long")
        );
        assert!(matches!(
            classify(StatusCode::IM_A_TEAPOT, None, ""),
            ProviderError::Unknown(_)
        ));
        let long = "é".repeat(5000);
        match classify(StatusCode::BAD_REQUEST, None, &long) {
            ProviderError::BadRequest { user_message } => {
                assert!(user_message.len() <= MAX_ERROR_BODY + 4)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(file_name("https://x/y/pic.png?sig=1"), "pic.png");
    }
}
