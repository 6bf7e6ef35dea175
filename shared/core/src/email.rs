//! The email port. Providers come later; the outbox adapter writes each message to a folder.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use crate::{Error, Result};

/// One outgoing email.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EmailMessage {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// HTML body.
    pub html: String,
}

/// Sends email.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Delivers (or durably queues) `message`.
    async fn send(&self, message: &EmailMessage) -> Result<()>;

    /// Whether messages go nowhere (no email configured): then nothing needs preparing
    /// for email.
    fn drops_everything(&self) -> bool {
        false
    }
}

/// Writes each message as a JSON file into a folder, for people and tests to read.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
}

impl OutboxMailer {
    /// An outbox in `dir` (created on first send).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Every message in the outbox, oldest first.
    pub fn messages(&self) -> Vec<EmailMessage> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| e.path())
            .collect();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| serde_json::from_slice(&b).ok())
            .collect()
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, message: &EmailMessage) -> Result<()> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| Error::Unavailable(format!("outbox: {e}")))?;
        let name = format!(
            "{}-{}.json",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
            crate::new_id()
        );
        let body = serde_json::to_vec_pretty(message).map_err(Error::internal)?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, body)
            .await
            .map_err(|e| Error::Unavailable(format!("outbox: {e}")))?;
        tokio::fs::rename(&tmp, self.dir.join(&name))
            .await
            .map_err(|e| Error::Unavailable(format!("outbox: {e}")))?;
        tracing::info!(subject = %message.subject, "email written to outbox");
        Ok(())
    }
}

/// Drops every message (logging only the subject): used when no email is configured.
#[derive(Debug, Clone, Default)]
pub struct NoopMailer;

#[async_trait]
impl Mailer for NoopMailer {
    async fn send(&self, message: &EmailMessage) -> Result<()> {
        tracing::info!(subject = %message.subject, "no email provider configured; message dropped");
        Ok(())
    }

    fn drops_everything(&self) -> bool {
        true
    }
}
