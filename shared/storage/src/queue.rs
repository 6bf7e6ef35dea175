//! The Queue port: at-least-once delivery with delays, visibility timeouts and dead letters.

use async_trait::async_trait;
use std::time::Duration;

use crate::StorageResult;

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Stable id of the message.
    pub id: String,
    /// Handle that acknowledges this delivery.
    pub receipt: String,
    /// Payload.
    pub body: String,
    /// How many times it has been received, this time included.
    pub receive_count: u32,
}

/// The longest delay a message can be sent with (SQS's limit).
pub const MAX_DELAY: Duration = Duration::from_secs(900);

/// A set of named queues.
#[async_trait]
pub trait Queue: Send + Sync + 'static {
    /// Sends `body`, invisible for `delay` (at most [`MAX_DELAY`]); returns the message id.
    async fn send(&self, queue: &str, body: &str, delay: Duration) -> StorageResult<String>;

    /// Receives up to `max` (1..=10) visible messages, hiding each for `visibility`;
    /// waits up to `wait` for the first one. Messages received too often move to the
    /// queue's dead-letter queue instead.
    async fn receive(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StorageResult<Vec<Message>>;

    /// Deletes the message of this delivery.
    async fn ack(&self, queue: &str, receipt: &str) -> StorageResult<()>;

    /// Makes the delivery visible again after `visibility` (zero: at once).
    async fn change_visibility(
        &self,
        queue: &str,
        receipt: &str,
        visibility: Duration,
    ) -> StorageResult<()>;
}
