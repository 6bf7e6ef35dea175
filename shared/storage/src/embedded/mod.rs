//! Embedded adapters for one machine: a redb file for the table and the queues, a folder for
//! blobs, the environment (or a generated file) for secrets.

mod blobs;
mod copy;
mod keys;
mod queue;
mod secrets;
mod table;

pub use blobs::{FileBlobs, PresignedRequest};
pub use copy::CopyReport;
pub use secrets::LocalSecrets;

use postiz_core::Clock;
use redb::Database;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::schema::QueueDef;
use crate::{StorageError, StorageResult};

/// The embedded store: one ACID redb database holding the table and the queues.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
    queues: Arc<HashMap<String, QueueDef>>,
    wakeup: Arc<tokio::sync::Notify>,
    /// Bumped after every committed change of the table (see `Table::write_generation`).
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

pub(crate) fn backend(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

impl EmbeddedStore {
    /// Opens (or creates) the store at `path`, knowing `queues` and their dead-letter queues.
    pub fn open(path: &Path, clock: Arc<dyn Clock>, queues: Vec<QueueDef>) -> StorageResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let db = Database::create(path).map_err(backend)?;
        let store = Self {
            db: Arc::new(db),
            clock,
            queues: Arc::new(HashMap::new()),
            wakeup: Arc::new(tokio::sync::Notify::new()),
            generation: Arc::default(),
        };
        store.init_tables()?;
        Ok(store.with_queues(queues))
    }

    /// The same store knowing `queues` as well (and their dead-letter queues).
    pub fn with_queues(mut self, queues: Vec<QueueDef>) -> Self {
        let mut all = (*self.queues).clone();
        for q in queues {
            if let Some(dlq) = q.dlq() {
                all.insert(dlq.name.clone(), dlq);
            }
            all.insert(q.name.clone(), q);
        }
        self.queues = Arc::new(all);
        self
    }

    fn init_tables(&self) -> StorageResult<()> {
        let txn = self.db.begin_write().map_err(backend)?;
        for def in [table::ITEMS, table::INDEX, queue::MESSAGES, queue::READY] {
            txn.open_table(def).map_err(backend)?;
        }
        txn.open_table(table::EXPIRY).map_err(backend)?;
        let moved = table::upgrade_index(&txn)?;
        if moved > 0 {
            tracing::info!(entries = moved, "index entries now carry their items");
        }
        txn.commit().map_err(backend)
    }

    /// Runs a read on the calling thread: redb reads come from memory-mapped pages in
    /// microseconds, cheaper than a hop to the blocking pool.
    fn read<T>(&self, work: impl FnOnce(&Database, i64) -> StorageResult<T>) -> StorageResult<T> {
        work(&self.db, self.clock.now_secs())
    }

    /// Records that the table changed (after the commit is visible).
    fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// The current change count of the table.
    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Runs blocking redb work (writes, which sync to disk) off the async executor.
    async fn blocking<T, F>(&self, work: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Database, i64) -> StorageResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        let now = self.clock.now_secs();
        tokio::task::spawn_blocking(move || work(&db, now))
            .await
            .map_err(backend)?
    }
}
