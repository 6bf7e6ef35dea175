//! X's chunked media upload, for videos (the simple upload takes pictures only): `INIT` with
//! the size and type, `APPEND` of each chunk, `FINALIZE`, then `STATUS` until X has processed
//! the video. Every step is OAuth 1.0a-signed with its command in the query string.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::error::{ProviderError, ProviderResult};
use crate::http::{ErrorMapper, Http, MediaReader};
use crate::oauth1::Consumer;

/// Largest chunk X takes is 5 MB; 4 MB leaves room for the form around it.
const CHUNK: usize = 4 * 1024 * 1024;
/// Status reads before a video still processing is left to a retry.
const MAX_STATUS_READS: u32 = 60;
/// Longest wait between two status reads, whatever X suggests.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// One signed chunked upload.
pub(super) struct ChunkedUpload<'a> {
    /// The upload endpoint, `…/1.1/media/upload.json`.
    pub url: &'a str,
    /// The HTTP client and error mapping.
    pub http: &'a Http,
    /// Signs each request.
    pub consumer: &'a Consumer,
    /// The account's token and secret.
    pub token: (&'a str, &'a str),
    /// X's error bodies.
    pub map: ErrorMapper,
}

impl ChunkedUpload<'_> {
    /// Uploads a `content_type` video read from `media` (one chunk in memory at a time) and
    /// returns its media id once X has processed it.
    pub async fn video(&self, media: MediaReader, content_type: &str) -> ProviderResult<String> {
        let (mut media, total) = media.sized().await?;
        let total = total.to_string();
        let init = self
            .command(
                reqwest::Method::POST,
                &[
                    ("command", "INIT"),
                    ("total_bytes", &total),
                    ("media_type", content_type),
                    ("media_category", "tweet_video"),
                ],
                None,
            )
            .await?;
        let id = init["media_id_string"]
            .as_str()
            .ok_or_else(|| ProviderError::Unknown("no media id in X's INIT answer".into()))?
            .to_string();
        let mut index = 0;
        while let Some(chunk) = media.read_chunk(CHUNK).await? {
            let part = Part::bytes(chunk).file_name("chunk");
            let segment = index.to_string();
            self.command(
                reqwest::Method::POST,
                &[
                    ("command", "APPEND"),
                    ("media_id", &id),
                    ("segment_index", &segment),
                ],
                Some(Form::new().part("media", part)),
            )
            .await?;
            index += 1;
        }
        let mut info = self
            .command(
                reqwest::Method::POST,
                &[("command", "FINALIZE"), ("media_id", &id)],
                None,
            )
            .await?["processing_info"]
            .take();
        for _ in 0..MAX_STATUS_READS {
            match info["state"].as_str() {
                None | Some("succeeded") => return Ok(id),
                Some("failed") => {
                    return Err(ProviderError::bad(
                        info["error"]["message"]
                            .as_str()
                            .unwrap_or("X could not process the video"),
                    ))
                }
                Some(_) => {}
            }
            let wait = Duration::from_secs(info["check_after_secs"].as_u64().unwrap_or(1));
            tokio::time::sleep(wait.min(MAX_WAIT)).await;
            info = self
                .command(
                    reqwest::Method::GET,
                    &[("command", "STATUS"), ("media_id", &id)],
                    None,
                )
                .await?["processing_info"]
                .take();
        }
        Err(ProviderError::transient(
            "X is still processing the video, trying again later",
        ))
    }

    /// One signed step; its answer (empty for `APPEND`) as JSON.
    async fn command(
        &self,
        method: reqwest::Method,
        params: &[(&str, &str)],
        form: Option<Form>,
    ) -> ProviderResult<Value> {
        let url = url::Url::parse_with_params(self.url, params)
            .map_err(|e| ProviderError::Unknown(format!("bad upload URL: {e}")))?;
        let header =
            self.consumer
                .header(method.as_str(), url.as_str(), &[], &[], Some(self.token));
        let mut req = self
            .http
            .client()
            .request(method, url.as_str())
            .header("Authorization", header);
        if let Some(form) = form {
            req = req.multipart(form);
        }
        let resp = self.http.send(req, self.map).await?;
        let body = resp
            .bytes()
            .await
            .map_err(|e| ProviderError::Unknown(format!("reading X's answer: {e}")))?;
        if body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body)
            .map_err(|e| ProviderError::Unknown(format!("unexpected answer from X: {e}")))
    }
}
