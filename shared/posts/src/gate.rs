//! Per-provider concurrency caps (Postiz runs some networks' jobs 1–3 at a time).
//!
//! In one process a semaphore per provider does it ([`LocalGate`]); across Lambda instances
//! a provider has `cap` slot items on the table, each claimed with a conditional write and a
//! TTL, so a crashed worker's slot frees itself ([`TableGate`]).

use async_trait::async_trait;
use chrono::Duration;
use postiz_core::{new_id, Clock, Result};
use postiz_storage::item::TTL;
use postiz_storage::{Condition, Key, Table};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::repo::is_conflict;

/// How long a local worker waits for a free slot before the post goes back to the due index.
pub const LOCAL_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Caps above this are not enforced (the network's own limits apply).
pub const UNCAPPED_ABOVE: u32 = 50;

/// A held slot; give it back with [`Gate::release`].
pub enum Permit {
    /// No cap applies.
    Free,
    /// A local semaphore permit (released on drop).
    Local(OwnedSemaphorePermit),
    /// A slot item on the table.
    Slot {
        /// The slot's key.
        key: Key,
        /// Our claim.
        holder: String,
    },
}

/// Grants at most `cap` concurrent publish jobs per provider.
#[async_trait]
pub trait Gate: Send + Sync + 'static {
    /// A permit for `provider`, or `None` when every slot stays taken (a local gate waits a
    /// little for one).
    async fn try_acquire(&self, provider: &str, cap: u32) -> Result<Option<Permit>>;
    /// Keeps a held permit from lapsing (called with the post's lease renewal).
    async fn renew(&self, _permit: &Permit) {}
    /// Gives the permit back.
    async fn release(&self, permit: &Permit);
}

/// Semaphores in this process.
#[derive(Default)]
pub struct LocalGate {
    semaphores: Mutex<HashMap<String, Arc<Semaphore>>>,
}

#[async_trait]
impl Gate for LocalGate {
    async fn try_acquire(&self, provider: &str, cap: u32) -> Result<Option<Permit>> {
        if cap == 0 || cap > UNCAPPED_ABOVE {
            return Ok(Some(Permit::Free));
        }
        let sem = self
            .semaphores
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(provider.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(cap as usize)))
            .clone();
        // In one process a waiting task costs nothing: wait a little for a slot rather than
        // sending the post round the due index.
        match tokio::time::timeout(LOCAL_WAIT, sem.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(Permit::Local(permit))),
            _ => Ok(None),
        }
    }

    async fn release(&self, _permit: &Permit) {
        // The semaphore permit is returned when the permit is dropped.
    }
}

/// Slot items on the table, shared by every worker instance; a slot lapses `lease` after its
/// last renewal, so a killed worker's slot frees itself soon.
pub struct TableGate {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    lease: Duration,
}

impl TableGate {
    /// Slots that lapse `lease` after they are taken or last renewed.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>, lease: Duration) -> Self {
        Self {
            table,
            clock,
            lease,
        }
    }
}

#[async_trait]
impl Gate for TableGate {
    async fn try_acquire(&self, provider: &str, cap: u32) -> Result<Option<Permit>> {
        if cap == 0 || cap > UNCAPPED_ABOVE {
            return Ok(Some(Permit::Free));
        }
        let holder = new_id();
        let start = holder.as_bytes()[0] as u32 % cap;
        for i in 0..cap {
            let key = Key::new(format!("SLOT#{provider}"), format!("{}", (start + i) % cap));
            let mut item = key.to_item();
            item.insert("holder".into(), json!(holder));
            item.insert(
                TTL.into(),
                json!((self.clock.now() + self.lease).timestamp()),
            );
            match self.table.put(item, Some(Condition::NotExists)).await {
                Ok(()) => return Ok(Some(Permit::Slot { key, holder })),
                Err(e) if is_conflict(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    async fn renew(&self, permit: &Permit) {
        if let Permit::Slot { key, holder } = permit {
            let until = (self.clock.now() + self.lease).timestamp();
            let update = postiz_storage::Update::new().set(TTL, until);
            if let Err(e) = self
                .table
                .update(key, update, Some(Condition::eq("holder", holder.as_str())))
                .await
            {
                tracing::warn!(error = %e, "could not renew a publishing slot");
            }
        }
    }

    async fn release(&self, permit: &Permit) {
        if let Permit::Slot { key, holder } = permit {
            if let Err(e) = self
                .table
                .delete(key, Some(Condition::eq("holder", holder.as_str())))
                .await
            {
                if !is_conflict(&e) {
                    tracing::warn!(error = %e, "could not free a publishing slot (it lapses by itself)");
                }
            }
        }
    }
}
