//! Resend's HTTP API (`POST /emails`, a bearer API key), as Postiz's `resend` provider.
//! Each message carries its queue id as `Idempotency-Key`, so a retried send is not sent
//! twice. Rate limits (429) and server errors are tried three times, 700 ms apart; other
//! refusals (a bad address, an unverified domain) are final.

use async_trait::async_trait;
use postiz_core::email::EmailMessage;
use serde_json::json;
use std::time::Duration;

use crate::transport::{SendError, Transport};

/// Where the API is and who sends.
#[derive(Clone)]
pub struct ResendConfig {
    /// `RESEND_API_KEY`.
    pub api_key: String,
    /// `RESEND_API_URL` (default `https://api.resend.com`; tests point it at a fake).
    pub base_url: String,
    /// `EMAIL_FROM_NAME <EMAIL_FROM_ADDRESS>`.
    pub from: String,
}

impl std::fmt::Debug for ResendConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResendConfig")
            .field("base_url", &self.base_url)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl ResendConfig {
    /// From Postiz's variables, read through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |k: &str| {
            var(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let api_key = get("RESEND_API_KEY").ok_or("RESEND_API_KEY is required for Resend")?;
        let address =
            get("EMAIL_FROM_ADDRESS").ok_or("EMAIL_FROM_ADDRESS is required for Resend")?;
        if !address.contains('@') {
            return Err(format!("EMAIL_FROM_ADDRESS {address:?} is not an address"));
        }
        let from = match get("EMAIL_FROM_NAME") {
            Some(name) => format!("{} <{address}>", name.replace(['<', '>', '"'], "")),
            None => address,
        };
        Ok(Self {
            api_key,
            base_url: get("RESEND_API_URL")
                .unwrap_or_else(|| "https://api.resend.com".into())
                .trim_end_matches('/')
                .to_string(),
            from,
        })
    }
}

/// Sends through Resend.
pub struct ResendMailer {
    http: reqwest::Client,
    config: ResendConfig,
}

impl ResendMailer {
    /// A mailer for `config`.
    pub fn new(config: ResendConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { http, config })
    }
}

#[async_trait]
impl Transport for ResendMailer {
    async fn deliver(&self, id: &str, message: &EmailMessage) -> Result<(), SendError> {
        let body = json!({
            "from": self.config.from,
            "to": [message.to],
            "subject": message.subject,
            "html": message.html,
        });
        let mut last = String::new();
        for attempt in 0..3 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
            let sent = self
                .http
                .post(format!("{}/emails", self.config.base_url))
                .bearer_auth(&self.config.api_key)
                .header("Idempotency-Key", id)
                .json(&body)
                .send()
                .await;
            let response = match sent {
                Ok(r) => r,
                Err(e) => {
                    // The error text names the URL only (no key: it travels in a header).
                    last = format!("Resend could not be reached: {}", e.without_url());
                    continue;
                }
            };
            let status = response.status();
            if status.is_success() {
                tracing::info!(subject = %message.subject, "email sent through Resend");
                return Ok(());
            }
            let text = response.text().await.unwrap_or_default();
            let reason = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| text.chars().take(200).collect());
            last = format!("Resend answered {}: {reason}", status.as_u16());
            if status.as_u16() != 429 && !status.is_server_error() {
                return Err(SendError::Permanent(last));
            }
        }
        Err(SendError::Transient(last))
    }
}
