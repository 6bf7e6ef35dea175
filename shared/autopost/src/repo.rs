//! The access patterns of autoposts on the single table:
//!
//! | item | pk | sk |
//! |---|---|---|
//! | an organization's autopost (active ones also in gsi2 `AUTOPOSTS` / `<org>#<id>`) | `ORG#<org>` | `AUTOPOST#<id>` |
//! | what its runs remember (rewritten under a `version` condition) | `AUTOPOST#<id>` | `STATE` |

use postiz_core::Result;
use postiz_storage::item::{from_item, to_item};
use postiz_storage::schema::GSI2;
use postiz_storage::{Condition, Key, KeyRange, Query, Table};
use serde_json::json;
use std::sync::Arc;

use crate::model::{AutoPost, FeedState};

/// The sparse index partition of active autoposts.
pub const ACTIVE_PARTITION: &str = "AUTOPOSTS";

/// Key of an autopost.
pub fn autopost_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("AUTOPOST#{id}"))
}

/// Key of an autopost's state.
pub fn state_key(id: &str) -> Key {
    Key::new(format!("AUTOPOST#{id}"), "STATE")
}

/// The autoposts and their states.
#[derive(Clone)]
pub struct AutopostRepo {
    table: Arc<dyn Table>,
}

impl AutopostRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The organization's live autoposts, oldest first.
    pub async fn list(&self, org: &str) -> Result<Vec<AutoPost>> {
        let items = self
            .table
            .query_all(
                Query::partition(format!("ORG#{org}"))
                    .range(KeyRange::BeginsWith("AUTOPOST#".into())),
            )
            .await?;
        let mut list = Vec::with_capacity(items.len());
        for item in items {
            let a: AutoPost = from_item(item)?;
            if a.deleted_at.is_none() {
                list.push(a);
            }
        }
        list.sort_by_key(|a| a.created_at);
        Ok(list)
    }

    /// A live autopost of the organization.
    pub async fn get(&self, org: &str, id: &str) -> Result<Option<AutoPost>> {
        if id.is_empty() || id.len() > 200 {
            return Ok(None);
        }
        Ok(match self.table.get(&autopost_key(org, id)).await? {
            Some(item) => Some(from_item::<AutoPost>(item)?).filter(|a| a.deleted_at.is_none()),
            None => None,
        })
    }

    /// Stores an autopost; an active live one joins the index the hourly run reads.
    pub async fn put(&self, a: &AutoPost) -> Result<()> {
        let mut item = to_item(&autopost_key(&a.organization_id, &a.id), a)?;
        if a.active && a.deleted_at.is_none() {
            item.insert(GSI2.pk.into(), json!(ACTIVE_PARTITION));
            item.insert(
                GSI2.sk.into(),
                json!(format!("{}#{}", a.organization_id, a.id)),
            );
        }
        self.table.put(item, None).await?;
        Ok(())
    }

    /// Every active autopost: `(org, id)`.
    pub async fn active(&self) -> Result<Vec<(String, String)>> {
        let items = self
            .table
            .query_all(Query::index(GSI2.name, ACTIVE_PARTITION))
            .await?;
        Ok(items
            .into_iter()
            .filter_map(|i| {
                let org = i.get("organizationId")?.as_str()?.to_string();
                let id = i.get("id")?.as_str()?.to_string();
                Some((org, id))
            })
            .collect())
    }

    /// The state of an autopost and its version (a default one, version 0, before any run).
    pub async fn state(&self, id: &str) -> Result<(FeedState, i64)> {
        Ok(match self.table.get(&state_key(id)).await? {
            Some(item) => {
                let version = item.get("version").and_then(|v| v.as_i64()).unwrap_or(0);
                (from_item(item)?, version)
            }
            None => (FeedState::default(), 0),
        })
    }

    /// Writes the state over `version`; `false` when another run wrote it meanwhile.
    pub async fn save_state(&self, id: &str, state: &FeedState, version: i64) -> Result<bool> {
        let mut item = to_item(&state_key(id), state)?;
        item.insert("version".into(), json!(version + 1));
        let condition = if version == 0 {
            Condition::NotExists
        } else {
            Condition::eq("version", json!(version))
        };
        match self.table.put(item, Some(condition)).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
