//! The one source of truth for the AWS resources the code expects: the table with its keys,
//! indexes and TTL, the queues with their dead-letter queues, the bucket and the app secret.
//! `template.yaml` declares the same; a test fails when the two drift.

use crate::item::{PK, SK, TTL};

/// A global secondary index: partition and sort key attributes (strings), all attributes projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDef {
    /// Index name.
    pub name: &'static str,
    /// Partition key attribute.
    pub pk: &'static str,
    /// Sort key attribute.
    pub sk: &'static str,
}

/// The single table's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    /// Partition key attribute.
    pub pk: &'static str,
    /// Sort key attribute.
    pub sk: &'static str,
    /// Secondary indexes; an item is in an index only when it has both of its key attributes.
    pub indexes: &'static [IndexDef],
    /// Expiry attribute (epoch seconds).
    pub ttl: &'static str,
}

/// Index 1: reverse lookups (a user's memberships, ...).
pub const GSI1: IndexDef = IndexDef {
    name: "gsi1",
    pk: "gsi1pk",
    sk: "gsi1sk",
};

/// Index 2: a second lookup path (reserved for posts by state, due buckets, ...).
pub const GSI2: IndexDef = IndexDef {
    name: "gsi2",
    pk: "gsi2pk",
    sk: "gsi2sk",
};

/// The table every function uses.
pub const TABLE: TableSchema = TableSchema {
    pk: PK,
    sk: SK,
    indexes: &[GSI1, GSI2],
    ttl: TTL,
};

impl TableSchema {
    /// The index definition named `name`.
    pub fn index(&self, name: &str) -> Option<&'static IndexDef> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// A queue and its dead-letter policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueDef {
    /// Logical name (the physical name adds a prefix).
    pub name: String,
    /// Seconds a received message stays hidden before it is delivered again.
    pub visibility_timeout_secs: u32,
    /// Where messages go after too many receives: `(queue name, max receives)`.
    pub dead_letter: Option<(String, u32)>,
}

impl QueueDef {
    /// A queue with a dead-letter queue named `<name>-dlq`.
    pub fn with_dlq(name: &str, visibility_timeout_secs: u32, max_receives: u32) -> Self {
        Self {
            name: name.into(),
            visibility_timeout_secs,
            dead_letter: Some((format!("{name}-dlq"), max_receives)),
        }
    }

    /// The dead-letter queue's own definition, if any.
    pub fn dlq(&self) -> Option<QueueDef> {
        self.dead_letter.as_ref().map(|(name, _)| QueueDef {
            name: name.clone(),
            visibility_timeout_secs: self.visibility_timeout_secs,
            dead_letter: None,
        })
    }
}

/// Logical name of the publishing queue.
pub const PUBLISH_QUEUE: &str = "publish";

/// Logical name of the outgoing webhooks' delivery queue.
pub const WEBHOOK_QUEUE: &str = "webhooks";

/// Logical name of the RSS autopost runs' queue.
pub const AUTOPOST_QUEUE: &str = "autopost";

/// Logical name of the email queue (every email goes through it).
pub const EMAIL_QUEUE: &str = "emails";

/// Every queue the product uses (their DLQs are implied).
pub fn queues() -> Vec<QueueDef> {
    // Visibility: 6 times the publish-worker function's timeout (900 s in template.yaml), as
    // Lambda recommends for an SQS event source. A message lost with a crashed worker does
    // not wait for it: the scheduler sends a due post's message again after 3 minutes.
    // Webhook deliveries: 6 times the webhook-delivery function's timeout (120 s). A
    // delivery's one message is received again for each of its attempts (kept hidden until the
    // next is due), so it may be received up to 200 times; a message whose handling keeps
    // crashing lands in the DLQ; a delivery that keeps failing ends `failed` in its log,
    // which is the dead letter users see.
    vec![
        QueueDef::with_dlq(PUBLISH_QUEUE, 5400, 5),
        QueueDef::with_dlq(WEBHOOK_QUEUE, 720, 200),
        // Autopost runs: 6 times the autopost-worker function's timeout (300 s).
        QueueDef::with_dlq(AUTOPOST_QUEUE, 1800, 5),
        // Emails: 6 times the email-sender function's timeout (75 s); a message that fails
        // comes back every 7.5 minutes, 5 times (over half an hour), then waits in the DLQ.
        QueueDef::with_dlq(EMAIL_QUEUE, 450, 5),
    ]
}

/// Physical resource names, from the environment (template.yaml sets them for each function).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceNames {
    /// DynamoDB table name (`TABLE_NAME`, default `postiz`).
    pub table: String,
    /// Prefix of queue names (`QUEUE_PREFIX`, default `postiz-`).
    pub queue_prefix: String,
    /// S3 bucket for media (`BUCKET_NAME`, default `postiz-media`).
    pub bucket: String,
    /// Secrets Manager secret(s) holding the app secrets, comma-separated (`APP_SECRET_ID`,
    /// default `postiz/app`).
    pub app_secret: String,
}

impl ResourceNames {
    /// Names from the environment, with local defaults.
    pub fn from_env() -> Self {
        let var = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
        Self {
            table: var("TABLE_NAME", "postiz"),
            queue_prefix: var("QUEUE_PREFIX", "postiz-"),
            bucket: var("BUCKET_NAME", "postiz-media"),
            app_secret: var("APP_SECRET_ID", "postiz/app"),
        }
    }
}
