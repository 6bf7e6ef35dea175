//! The Queue port on SQS (its JSON protocol, through [`AwsConfig`]). Dead-letter queues are
//! set up by the queue's redrive policy.

use async_trait::async_trait;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::client::{AwsConfig, AwsError, Service};
use crate::queue::{Message, Queue, MAX_DELAY};
use crate::{StorageError, StorageResult};

/// SQS queues named `<prefix><logical name>`.
#[derive(Debug)]
pub struct SqsQueue {
    config: AwsConfig,
    prefix: String,
    urls: Mutex<HashMap<String, String>>,
}

fn sqs_err(operation: &str) -> impl Fn(AwsError) -> StorageError + '_ {
    move |e| e.into_storage(&format!("SQS {operation}"))
}

impl SqsQueue {
    /// Queues reached through `config`, with physical names `<prefix><name>`.
    pub fn new(config: &AwsConfig, prefix: &str) -> Self {
        Self {
            config: config.clone(),
            prefix: prefix.to_string(),
            urls: Mutex::new(HashMap::new()),
        }
    }

    async fn call(&self, operation: &str, input: Value) -> StorageResult<Value> {
        self.config
            .call_json(Service::Sqs, operation, &input)
            .await
            .map_err(sqs_err(operation))
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
            .call(
                "GetQueueUrl",
                json!({ "QueueName": format!("{}{queue}", self.prefix) }),
            )
            .await?;
        let url = out["QueueUrl"]
            .as_str()
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

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, queue: &str, body: &str, delay: Duration) -> StorageResult<String> {
        if delay > MAX_DELAY {
            return Err(StorageError::Invalid("delay longer than 15 minutes".into()));
        }
        let input = json!({
            "QueueUrl": self.url(queue).await?,
            "MessageBody": body,
            "DelaySeconds": secs(delay),
        });
        let out = self.call("SendMessage", input).await?;
        Ok(text(&out["MessageId"]))
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
        let input = json!({
            "QueueUrl": self.url(queue).await?,
            "MaxNumberOfMessages": max,
            "VisibilityTimeout": secs(visibility),
            "WaitTimeSeconds": secs(wait).min(20),
            "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
        });
        let out = self.call("ReceiveMessage", input).await?;
        Ok(out["Messages"]
            .as_array()
            .map(|messages| {
                messages
                    .iter()
                    .map(|m| Message {
                        id: text(&m["MessageId"]),
                        receipt: text(&m["ReceiptHandle"]),
                        body: text(&m["Body"]),
                        receive_count: m["Attributes"]["ApproximateReceiveCount"]
                            .as_str()
                            .and_then(|c| c.parse().ok())
                            .unwrap_or(1),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn ack(&self, queue: &str, receipt: &str) -> StorageResult<()> {
        let input = json!({ "QueueUrl": self.url(queue).await?, "ReceiptHandle": receipt });
        self.call("DeleteMessage", input).await?;
        Ok(())
    }

    async fn change_visibility(
        &self,
        queue: &str,
        receipt: &str,
        visibility: Duration,
    ) -> StorageResult<()> {
        let input = json!({
            "QueueUrl": self.url(queue).await?,
            "ReceiptHandle": receipt,
            "VisibilityTimeout": secs(visibility),
        });
        self.call("ChangeMessageVisibility", input).await?;
        Ok(())
    }
}
