//! The Queue port on SQS. Dead-letter queues are set up by the queue's redrive policy.

use async_trait::async_trait;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use aws_sdk_sqs::Client;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::sdk_err;
use crate::queue::{Message, Queue, MAX_DELAY};
use crate::{StorageError, StorageResult};

/// SQS queues named `<prefix><logical name>`.
#[derive(Debug)]
pub struct SqsQueue {
    client: Client,
    prefix: String,
    urls: Mutex<HashMap<String, String>>,
}

impl SqsQueue {
    /// Queues reached through `config`, with physical names `<prefix><name>`.
    pub fn new(config: &aws_config::SdkConfig, prefix: &str) -> Self {
        Self {
            client: Client::new(config),
            prefix: prefix.to_string(),
            urls: Mutex::new(HashMap::new()),
        }
    }

    /// The queue URL of a logical name (looked up once, then cached).
    pub async fn url(&self, queue: &str) -> StorageResult<String> {
        if let Some(u) = self
            .urls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(queue)
        {
            return Ok(u.clone());
        }
        let out = self
            .client
            .get_queue_url()
            .queue_name(format!("{}{queue}", self.prefix))
            .send()
            .await
            .map_err(sdk_err)?;
        let url = out
            .queue_url()
            .ok_or_else(|| StorageError::Backend(format!("no URL for queue {queue}")))?
            .to_string();
        self.urls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(queue.to_string(), url.clone());
        Ok(url)
    }
}

fn secs(d: Duration) -> i32 {
    d.as_secs().min(i32::MAX as u64) as i32
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, queue: &str, body: &str, delay: Duration) -> StorageResult<String> {
        if delay > MAX_DELAY {
            return Err(StorageError::Invalid("delay longer than 15 minutes".into()));
        }
        let out = self
            .client
            .send_message()
            .queue_url(self.url(queue).await?)
            .message_body(body)
            .delay_seconds(secs(delay))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }

    async fn receive(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> StorageResult<Vec<Message>> {
        if !(1..=10).contains(&max) {
            return Err(StorageError::Invalid(
                "receive takes 1 to 10 messages".into(),
            ));
        }
        let out = self
            .client
            .receive_message()
            .queue_url(self.url(queue).await?)
            .max_number_of_messages(max as i32)
            .visibility_timeout(secs(visibility))
            .wait_time_seconds(secs(wait).min(20))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(out
            .messages()
            .iter()
            .map(|m| Message {
                id: m.message_id().unwrap_or_default().to_string(),
                receipt: m.receipt_handle().unwrap_or_default().to_string(),
                body: m.body().unwrap_or_default().to_string(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
            })
            .collect())
    }

    async fn ack(&self, queue: &str, receipt: &str) -> StorageResult<()> {
        self.client
            .delete_message()
            .queue_url(self.url(queue).await?)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }

    async fn change_visibility(
        &self,
        queue: &str,
        receipt: &str,
        visibility: Duration,
    ) -> StorageResult<()> {
        self.client
            .change_message_visibility()
            .queue_url(self.url(queue).await?)
            .receipt_handle(receipt)
            .visibility_timeout(secs(visibility))
            .send()
            .await
            .map_err(sdk_err)?;
        Ok(())
    }
}
