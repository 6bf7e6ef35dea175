//! Storage ports and their adapters.
//!
//! Services depend on the traits here ([`Table`], [`Queue`], [`Blobs`], [`Secrets`]), never on
//! an SDK. The `embedded` feature gives redb + folder adapters for one machine; the `aws`
//! feature gives DynamoDB, SQS, S3 and Secrets Manager adapters. One contract test suite
//! (in `tests/`) runs against both.

pub mod answer_cache;
pub mod blobs;
pub mod item;
pub mod pool;
pub mod queue;
pub mod schema;
pub mod secrets;
pub mod table;
pub mod throttle;

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "embedded")]
pub mod embedded;

pub use blobs::{Blob, BlobHead, Blobs};
pub use item::{Item, ItemExt, Key};
pub use queue::{Message, Queue};
pub use schema::{QueueDef, TableSchema};
pub use secrets::{AppKeys, Secrets};
pub use table::{Condition, KeyRange, Page, Query, RawPage, Table, TxOp, Update, UpdateAction};

/// What a storage adapter can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A write's condition did not hold; in a transaction, `index` is the failing operation.
    #[error("condition failed")]
    ConditionFailed {
        /// Position of the failing operation in a transaction, when known.
        index: Option<usize>,
    },
    /// The request itself is malformed (a bug in the caller).
    #[error("invalid storage request: {0}")]
    Invalid(String),
    /// The data cannot be stored as given: a key part with a NUL or over DynamoDB's size
    /// limits, an item over 400 KB. Caused by the caller's input (a 400), the same on every
    /// adapter.
    #[error("{0}")]
    Rejected(String),
    /// The backing service failed or is unreachable.
    #[error("storage backend: {0}")]
    Backend(String),
}

impl StorageError {
    /// True for a failed condition, in any operation.
    pub fn is_condition_failed(&self) -> bool {
        matches!(self, StorageError::ConditionFailed { .. })
    }
}

impl From<StorageError> for postiz_core::Error {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::ConditionFailed { .. } => {
                postiz_core::Error::Conflict("the record was changed by another request".into())
            }
            StorageError::Invalid(m) => postiz_core::Error::Internal(m),
            StorageError::Rejected(m) => postiz_core::Error::BadRequest(m),
            StorageError::Backend(m) => postiz_core::Error::Unavailable(m),
        }
    }
}

/// Result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;
