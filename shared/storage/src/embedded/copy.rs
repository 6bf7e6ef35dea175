//! A consistent copy of the store while it is in use: one read transaction (a snapshot that
//! later commits do not change) copied table by table into a new database file.

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle,
};
use std::path::Path;

use super::{backend, queue, table, EmbeddedStore};
use crate::StorageResult;

/// What a copy holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CopyReport {
    /// Items of the table.
    pub items: u64,
    /// Entries of every table (items, indexes, expiry marks, queue messages).
    pub entries: u64,
}

type Bytes2Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;

impl EmbeddedStore {
    /// Writes a snapshot of the whole store (table and queues) to a new database at `dest`,
    /// which must not exist. Writers go on meanwhile; the copy is the state at its start.
    pub async fn copy_to(&self, dest: &Path) -> StorageResult<CopyReport> {
        let db = self.db.clone();
        let dest = dest.to_path_buf();
        tokio::task::spawn_blocking(move || copy(&db, &dest))
            .await
            .map_err(backend)?
    }
}

fn copy(db: &Database, dest: &Path) -> StorageResult<CopyReport> {
    if dest.exists() {
        return Err(backend(format!("{} exists already", dest.display())));
    }
    let snapshot = db.begin_read().map_err(backend)?;
    let target = Database::create(dest).map_err(backend)?;
    let write = target.begin_write().map_err(backend)?;
    let mut report = CopyReport::default();
    let byte_tables: [Bytes2Bytes; 4] = [table::ITEMS, table::INDEX, queue::MESSAGES, queue::READY];
    for def in byte_tables {
        let from = snapshot.open_table(def).map_err(backend)?;
        let mut to = write.open_table(def).map_err(backend)?;
        for entry in from.iter().map_err(backend)? {
            let (k, v) = entry.map_err(backend)?;
            to.insert(k.value(), v.value()).map_err(backend)?;
            report.entries += 1;
        }
        if def.name() == table::ITEMS.name() {
            report.items = from.len().map_err(backend)?;
        }
    }
    {
        let from = snapshot.open_table(table::EXPIRY).map_err(backend)?;
        let mut to = write.open_table(table::EXPIRY).map_err(backend)?;
        for entry in from.iter().map_err(backend)? {
            let (k, _) = entry.map_err(backend)?;
            to.insert(k.value(), ()).map_err(backend)?;
            report.entries += 1;
        }
    }
    write.commit().map_err(backend)?;
    Ok(report)
}
