//! The access patterns of media on the single table, every one scoped by organization.
//!
//! | pattern | key |
//! |---|---|
//! | media by (org, id) | `ORG#<org>` / `MEDIA#<id>` |
//! | live media of an org, newest first | gsi1 `MEDIA#<org>` / `<createdAt>#<id>` (deleted ones leave it) |
//! | number of live media of an org | `ORG#<org>` / `MEDIACOUNT`, `count` (same transaction as the create or delete) |
//! | browser upload begun by an org | `ORG#<org>` / `UPLOAD#<key>` (TTL) |

use chrono::{DateTime, SecondsFormat, Utc};
use postiz_core::{Error, Result};
use postiz_storage::item::{from_item, to_item, TTL};
use postiz_storage::schema::GSI1;
use postiz_storage::{Condition, Item, ItemExt, Key, Query, Table, TxOp, Update};
use serde_json::json;
use std::sync::Arc;

use crate::model::{Media, PendingUpload};

fn media_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("MEDIA#{id}"))
}

fn count_key(org: &str) -> Key {
    Key::new(format!("ORG#{org}"), "MEDIACOUNT")
}

fn pending_key(org: &str, key: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("UPLOAD#{key}"))
}

fn library_partition(org: &str) -> String {
    format!("MEDIA#{org}")
}

/// The stored item of a media record, in the library index while live.
pub fn media_item(m: &Media) -> Result<Item> {
    let mut item = to_item(&media_key(&m.organization_id, &m.id), m)?;
    if m.deleted_at.is_none() {
        item.insert(GSI1.pk.into(), json!(library_partition(&m.organization_id)));
        item.insert(
            GSI1.sk.into(),
            json!(format!(
                "{}#{}",
                m.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                m.id
            )),
        );
    }
    Ok(item)
}

fn live() -> Condition {
    Condition::And(vec![
        Condition::Exists,
        Condition::AttrNotExists("deletedAt".into()),
    ])
}

/// Media records and pending uploads on the table.
#[derive(Clone)]
pub struct MediaRepo {
    table: Arc<dyn Table>,
}

impl MediaRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// A media record of `org` (deleted ones included; callers decide).
    pub async fn get(&self, org: &str, id: &str) -> Result<Option<Media>> {
        match self.table.get(&media_key(org, id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Saves a new record and counts it; with `pending`, also takes that upload (which must
    /// still exist: a second completion finds it gone and gets `NotFound`).
    pub async fn create(&self, m: &Media, pending: Option<&str>) -> Result<()> {
        let org = &m.organization_id;
        let mut ops = vec![
            TxOp::Put {
                item: media_item(m)?,
                condition: Some(Condition::NotExists),
            },
            TxOp::Update {
                key: count_key(org),
                update: Update::new().add("count", 1),
                condition: None,
            },
        ];
        if let Some(key) = pending {
            ops.push(TxOp::Delete {
                key: pending_key(org, key),
                condition: Some(Condition::Exists),
            });
        }
        self.table.transact(ops).await.map_err(|e| {
            if e.is_condition_failed() {
                Error::NotFound("Upload not found".into())
            } else {
                e.into()
            }
        })
    }

    /// Marks a live record deleted (out of the library) and uncounts it; `false` when there
    /// was no live record.
    pub async fn soft_delete(&self, org: &str, id: &str, at: DateTime<Utc>) -> Result<bool> {
        let at = json!(at.to_rfc3339_opts(SecondsFormat::Millis, true));
        let ops = vec![
            TxOp::Update {
                key: media_key(org, id),
                update: Update::new()
                    .set("deletedAt", at.clone())
                    .set("updatedAt", at)
                    .remove(GSI1.pk)
                    .remove(GSI1.sk),
                condition: Some(live()),
            },
            TxOp::Update {
                key: count_key(org),
                update: Update::new().add("count", -1),
                condition: None,
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Applies `update` to a live record; the new record, or `None` when there is none.
    pub async fn update_live(&self, org: &str, id: &str, update: Update) -> Result<Option<Media>> {
        match self
            .table
            .update(&media_key(org, id), update, Some(live()))
            .await
        {
            Ok(item) => Ok(Some(from_item(item)?)),
            Err(e) if e.is_condition_failed() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Number of live records of `org`.
    pub async fn count(&self, org: &str) -> Result<u64> {
        let item = self.table.get(&count_key(org)).await?;
        Ok(item
            .and_then(|i| i.int("count"))
            .map(|n| n.max(0) as u64)
            .unwrap_or(0))
    }

    /// `take` live records of `org` after skipping the `skip` newest, newest first. Reads
    /// `skip + take` index entries, never the whole library.
    pub async fn page(&self, org: &str, skip: usize, take: usize) -> Result<Vec<Media>> {
        let want = skip + take;
        let mut q = Query::index(GSI1.name, library_partition(org)).backward();
        let mut items: Vec<Item> = Vec::new();
        while items.len() < want {
            q = q.limit(want - items.len());
            let page = self.table.query(q.clone()).await?;
            items.extend(page.items);
            match page.next {
                Some(next) => q.start_after = Some(next),
                None => break,
            }
        }
        items
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|i| from_item(i).map_err(Into::into))
            .collect()
    }

    /// Every live record of `org`, newest first (reads the whole library).
    pub async fn all_live(&self, org: &str) -> Result<Vec<Media>> {
        let q = Query::index(GSI1.name, library_partition(org)).backward();
        self.table
            .query_all(q)
            .await?
            .into_iter()
            .map(|i| from_item(i).map_err(Into::into))
            .collect()
    }

    /// Records an upload begun by `p.organization_id`, expiring at `expires_at` (epoch seconds).
    pub async fn put_pending(&self, p: &PendingUpload, expires_at: i64) -> Result<()> {
        let mut item = to_item(&pending_key(&p.organization_id, &p.key), p)?;
        item.insert(TTL.into(), json!(expires_at));
        Ok(self.table.put(item, Some(Condition::NotExists)).await?)
    }

    /// An unexpired upload `org` began under `key`.
    pub async fn pending(&self, org: &str, key: &str) -> Result<Option<PendingUpload>> {
        match self.table.get(&pending_key(org, key)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Forgets an upload.
    pub async fn delete_pending(&self, org: &str, key: &str) -> Result<()> {
        self.table.delete(&pending_key(org, key), None).await?;
        Ok(())
    }
}
