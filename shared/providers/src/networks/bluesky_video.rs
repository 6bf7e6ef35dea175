//! Bluesky videos: the account's PDS grants a service token, the video service takes the
//! file and encodes it asynchronously, and the post embeds the blob the finished job returns.
//! A job still encoding after the wait is a transient failure: the retry uploads the same
//! file again, which the service answers with the existing job (409 `already_exists`).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::config::ProviderConfig;
use crate::error::{ProviderError, ProviderResult};
use crate::http::{file_name, ErrorMapper, Http};

/// The video service (`BLUESKY_VIDEO_URL`, default `https://video.bsky.app`).
#[derive(Debug)]
pub(super) struct VideoService {
    http: Http,
    base: String,
    /// Pause between two reads of the job.
    poll: Duration,
    /// How long one attempt waits for the encoding.
    wait: Duration,
}

/// A video to upload.
pub(super) struct Upload<'a> {
    /// The account's PDS, e.g. `https://bsky.social`.
    pub pds: &'a str,
    /// The session's access token.
    pub token: &'a str,
    /// The account's DID.
    pub did: &'a str,
    /// The file's URL (its name goes to the service).
    pub url: &'a str,
    /// The file.
    pub bytes: Vec<u8>,
    /// Alt text.
    pub alt: Option<&'a str>,
}

impl VideoService {
    /// Configured from `BLUESKY_VIDEO_URL`, `BLUESKY_VIDEO_POLL_MS` (default 3,000) and
    /// `BLUESKY_VIDEO_WAIT_SECS` (default 90).
    pub fn new(config: &ProviderConfig, http: Http) -> Self {
        let number = |name: &str, default: u64| {
            config
                .get(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            http,
            base: config.base_url("BLUESKY_VIDEO_URL", "https://video.bsky.app"),
            poll: Duration::from_millis(number("BLUESKY_VIDEO_POLL_MS", 3_000)),
            wait: Duration::from_secs(number("BLUESKY_VIDEO_WAIT_SECS", 90)),
        }
    }

    /// The `app.bsky.embed.video` for `video`, once the service has encoded it.
    pub async fn embed(&self, mut video: Upload<'_>, map: ErrorMapper) -> ProviderResult<Value> {
        let service_token = self.service_token(&video, map).await?;
        let bytes = std::mem::take(&mut video.bytes);
        let job = self.upload(&video, bytes, &service_token, map).await?;
        let blob = match job_blob(&job)? {
            Some(blob) => blob,
            None => self.wait_for(job_id(&job)?, map).await?,
        };
        let mut embed = json!({"$type": "app.bsky.embed.video", "video": blob});
        if let Some(alt) = video.alt.filter(|a| !a.is_empty()) {
            embed["alt"] = json!(alt);
        }
        Ok(embed)
    }

    /// A token the video service accepts for uploading a blob into the account's PDS.
    async fn service_token(&self, video: &Upload<'_>, map: ErrorMapper) -> ProviderResult<String> {
        let host = url::Url::parse(video.pds)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .ok_or_else(|| ProviderError::bad("The service must be a URL"))?;
        let expires = (chrono::Utc::now().timestamp() + 30 * 60).to_string();
        let req = self
            .http
            .client()
            .get(format!(
                "{}/xrpc/com.atproto.server.getServiceAuth",
                video.pds
            ))
            .query(&[
                ("aud", format!("did:web:{host}").as_str()),
                ("lxm", "com.atproto.repo.uploadBlob"),
                ("exp", expires.as_str()),
            ])
            .bearer_auth(video.token);
        let v: Value = self.http.json(req, map).await?;
        v["token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| ProviderError::Unknown("getServiceAuth answered no token".into()))
    }

    /// Sends the file; the answer is the job (a new one, or the one that already has it).
    async fn upload(
        &self,
        video: &Upload<'_>,
        bytes: Vec<u8>,
        service_token: &str,
        map: ErrorMapper,
    ) -> ProviderResult<Value> {
        let req = self
            .http
            .client()
            .post(format!("{}/xrpc/app.bsky.video.uploadVideo", self.base))
            .query(&[("did", video.did), ("name", file_name(video.url).as_str())])
            .bearer_auth(service_token)
            .header("content-type", "video/mp4")
            .body(bytes);
        let resp = self
            .http
            .send_allowing(req, map, &[StatusCode::CONFLICT])
            .await?;
        let conflict = resp.status() == StatusCode::CONFLICT;
        let v: Value = resp
            .json()
            .await
            .map_err(|e| ProviderError::Unknown(format!("unexpected uploadVideo answer: {e}")))?;
        // The service answers the job itself; the lexicon wraps it in `jobStatus`.
        let job = v.get("jobStatus").cloned().unwrap_or(v);
        if conflict && job["jobId"].as_str().is_none() {
            return Err(ProviderError::bad(
                job["message"]
                    .as_str()
                    .unwrap_or("Bluesky refused the video"),
            ));
        }
        Ok(job)
    }

    /// Reads the job until it has a blob, fails, or the wait is over.
    async fn wait_for(&self, job_id: String, map: ErrorMapper) -> ProviderResult<Value> {
        let deadline = tokio::time::Instant::now() + self.wait;
        loop {
            tokio::time::sleep(self.poll).await;
            let req = self
                .http
                .client()
                .get(format!("{}/xrpc/app.bsky.video.getJobStatus", self.base))
                .query(&[("jobId", job_id.as_str())]);
            let v: Value = self.http.json(req, map).await?;
            if let Some(blob) = job_blob(&v["jobStatus"])? {
                return Ok(blob);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ProviderError::transient(
                    "Bluesky is still processing the video, trying again later",
                ));
            }
        }
    }
}

fn job_id(job: &Value) -> ProviderResult<String> {
    job["jobId"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Unknown(format!("video job without an id: {job}")))
}

/// The job's blob once encoded, `None` while it runs; a failed job is the user's to fix.
fn job_blob(job: &Value) -> ProviderResult<Option<Value>> {
    if job["state"] == "JOB_STATE_FAILED" {
        return Err(ProviderError::bad(
            "Could not upload video, job failed".to_string()
                + &job["error"]
                    .as_str()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default(),
        ));
    }
    Ok(job.get("blob").filter(|b| b.is_object()).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_is_running_done_or_failed() {
        assert_eq!(
            job_blob(&json!({"state": "JOB_STATE_ENCODING", "progress": 40})).unwrap(),
            None
        );
        let blob = json!({"$type": "blob", "ref": {"$link": "bafk"}});
        assert_eq!(
            job_blob(&json!({"state": "JOB_STATE_COMPLETED", "blob": blob})).unwrap(),
            Some(blob)
        );
        assert_eq!(
            job_blob(&json!({"state": "JOB_STATE_FAILED", "error": "too long"})),
            Err(ProviderError::bad(
                "Could not upload video, job failed: too long"
            ))
        );
    }
}
