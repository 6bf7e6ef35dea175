//! The access patterns of channels on the single table.
//!
//! | pattern | key |
//! |---|---|
//! | channels of an organization | `ORG#<org>` / `CHANNEL#<id>` |
//! | channel by (org, provider, internal id), unique | guard `ORG#<org>` / `INTERNAL#<provider>#<internalId>` → channel id |
//! | channels whose token expires before T (refresh job) | gsi2 `TOKEN_EXPIRY` / `<expiry>#<org>#<id>` (sparse: only refreshable, healthy channels) |
//! | OAuth state (1 h, single use) | `OAUTH#<state>` / `STATE` (TTL) |
//! | refresh lock of a channel | `LOCK#refresh#<id>` / `LOCK` (TTL = lease) |
//! | customers of an organization | `ORG#<org>` / `CUSTOMER#<id>` |

use chrono::{DateTime, SecondsFormat, Utc};
use postiz_core::{Error, Result};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::schema::GSI2;
use postiz_storage::{
    Condition, Item, ItemExt, Key, KeyRange, Query, StorageError, Table, TxOp, Update,
};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::model::{Channel, Customer};

/// Partition of the sparse token-expiry index.
pub const TOKEN_EXPIRY: &str = "TOKEN_EXPIRY";

/// Key of a channel.
pub fn channel_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("CHANNEL#{id}"))
}

fn internal_guard(org: &str, provider: &str, internal_id: &str) -> Key {
    Key::new(
        format!("ORG#{org}"),
        format!("INTERNAL#{provider}#{internal_id}"),
    )
}

fn customer_key(org: &str, id: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("CUSTOMER#{id}"))
}

fn expiry_sort_key(at: DateTime<Utc>, org: &str, id: &str) -> String {
    format!(
        "{}#{org}#{id}",
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

/// The stored item of a channel, with its index keys when it must be refreshed on time.
fn channel_item(c: &Channel) -> Result<Item> {
    let mut item = to_item(&channel_key(&c.organization_id, &c.id), c)?;
    let refreshable = c.refresh_token.is_some()
        && !c.refresh_needed
        && !c.in_between_steps
        && c.deleted_at.is_none();
    if let (true, Some(at)) = (refreshable, c.token_expiration) {
        item.insert(GSI2.pk.into(), json!(TOKEN_EXPIRY));
        item.insert(
            GSI2.sk.into(),
            json!(expiry_sort_key(at, &c.organization_id, &c.id)),
        );
    }
    Ok(item)
}

/// Statistics of a channel or a post, kept an hour: a partition of their own, out of the
/// organization's channel listing.
fn stats_key(org: &str, subject: &str, days: u32) -> Key {
    Key::new(format!("STATS#{org}#{subject}"), format!("DAYS#{days}"))
}

/// Channels, customers, OAuth states and locks on the table.
#[derive(Clone)]
pub struct ChannelRepo {
    table: Arc<dyn Table>,
}

impl ChannelRepo {
    /// The table's write generation (see `Table::write_generation`).
    pub fn write_generation(&self) -> Option<u64> {
        self.table.write_generation()
    }

    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The table.
    pub fn table(&self) -> &Arc<dyn Table> {
        &self.table
    }

    /// Checks that every id of `wanted` is a live channel of the organization (404 naming
    /// the first that is not); answers them sorted, each once.
    pub async fn check_owned(&self, org: &str, wanted: Vec<String>) -> Result<Vec<String>> {
        let mut wanted = wanted;
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(wanted);
        }
        let channels = self.list(org).await?;
        if let Some(unknown) = wanted
            .iter()
            .find(|id| !channels.iter().any(|c| &c.id == *id))
        {
            return Err(postiz_core::Error::NotFound(format!(
                "Channel not found: {unknown}"
            )));
        }
        Ok(wanted)
    }

    /// The live channels of an organization, oldest first.
    pub async fn list(&self, org: &str) -> Result<Vec<Channel>> {
        let items = self
            .table
            .query_all(
                Query::partition(format!("ORG#{org}"))
                    .range(KeyRange::BeginsWith("CHANNEL#".into())),
            )
            .await?;
        let mut out: Vec<Channel> = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<Channel>, _>>()?
            .into_iter()
            .filter(|c| c.deleted_at.is_none())
            .collect();
        out.sort_by_key(|c| c.created_at);
        Ok(out)
    }

    /// One live channel of the organization.
    pub async fn get(&self, org: &str, id: &str) -> Result<Option<Channel>> {
        match self.table.get(&channel_key(org, id)).await? {
            Some(item) => Ok(Some(from_item::<Channel>(item)?).filter(|c| c.deleted_at.is_none())),
            None => Ok(None),
        }
    }

    /// The live channel of (org, provider, internal id), if any.
    pub async fn by_internal_id(
        &self,
        org: &str,
        provider: &str,
        internal_id: &str,
    ) -> Result<Option<Channel>> {
        let Some(guard) = self
            .table
            .get(&internal_guard(org, provider, internal_id))
            .await?
        else {
            return Ok(None);
        };
        match guard.str("channelId") {
            Some(id) => self.get(org, id).await,
            None => Ok(None),
        }
    }

    /// Creates a channel and its uniqueness guard together; `Conflict` if the account is
    /// already connected to the organization.
    pub async fn create(&self, c: &Channel) -> Result<()> {
        let mut guard =
            internal_guard(&c.organization_id, &c.provider_identifier, &c.internal_id).to_item();
        guard.insert("channelId".into(), json!(c.id));
        let ops = vec![
            TxOp::Put {
                item: guard,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: channel_item(c)?,
                condition: Some(Condition::NotExists),
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(()),
            Err(StorageError::ConditionFailed { .. }) => {
                Err(Error::Conflict("This account is already connected".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces a channel's record, only if it was not changed since `expected_updated_at`.
    pub async fn save(&self, c: &Channel, expected_updated_at: DateTime<Utc>) -> Result<()> {
        let cond = Condition::eq(
            "updatedAt",
            serde_json::to_value(expected_updated_at).map_err(Error::internal)?,
        );
        match self.table.put(channel_item(c)?, Some(cond)).await {
            Ok(()) => Ok(()),
            Err(StorageError::ConditionFailed { .. }) => Err(Error::Conflict(
                "The channel was changed by another request, please retry".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces a channel by `new`, moving its uniqueness guard to `new`'s internal id
    /// (a two-step channel becoming the chosen page); `Conflict` if that page is connected.
    pub async fn replace_identity(&self, old: &Channel, new: &Channel) -> Result<()> {
        let mut guard = internal_guard(
            &new.organization_id,
            &new.provider_identifier,
            &new.internal_id,
        )
        .to_item();
        guard.insert("channelId".into(), json!(new.id));
        let ops = vec![
            TxOp::Delete {
                key: internal_guard(
                    &old.organization_id,
                    &old.provider_identifier,
                    &old.internal_id,
                ),
                condition: Some(Condition::eq("channelId", old.id.as_str())),
            },
            TxOp::Put {
                item: guard,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: channel_item(new)?,
                condition: Some(Condition::eq(
                    "updatedAt",
                    serde_json::to_value(old.updated_at).map_err(Error::internal)?,
                )),
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(()),
            Err(StorageError::ConditionFailed { index: Some(1) }) => Err(Error::Refused {
                status: 409,
                msg: "This page is already connected".into(),
            }),
            Err(StorageError::ConditionFailed { .. }) => Err(Error::Conflict(
                "The channel was changed by another request, please retry".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Soft-deletes a channel and frees its (provider, internal id) for a new connection.
    pub async fn delete(&self, c: &Channel, now: DateTime<Utc>) -> Result<Channel> {
        let mut deleted = c.clone();
        deleted.deleted_at = Some(now);
        deleted.updated_at = now;
        let ops = vec![
            TxOp::Delete {
                key: internal_guard(&c.organization_id, &c.provider_identifier, &c.internal_id),
                condition: Some(Condition::eq("channelId", c.id.as_str())),
            },
            TxOp::Put {
                item: channel_item(&deleted)?,
                condition: Some(Condition::eq(
                    "updatedAt",
                    serde_json::to_value(c.updated_at).map_err(Error::internal)?,
                )),
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(deleted),
            Err(StorageError::ConditionFailed { .. }) => Err(Error::Conflict(
                "The channel was changed by another request, please retry".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Channels (of any organization) whose token expires at or before `before`.
    pub async fn expiring(
        &self,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(String, String)>> {
        let upper = format!("{}#~", before.to_rfc3339_opts(SecondsFormat::Secs, true));
        let page = self
            .table
            .query(
                Query::index(GSI2.name, TOKEN_EXPIRY)
                    .range(KeyRange::Le(upper))
                    .limit(limit),
            )
            .await?;
        Ok(page
            .items
            .iter()
            .filter_map(|i| {
                Some((
                    i.str("organizationId")?.to_string(),
                    i.str("id")?.to_string(),
                ))
            })
            .collect())
    }

    /// Stores an OAuth state for one hour.
    pub async fn put_state(&self, state: &str, data: Value, expires_at: i64) -> Result<()> {
        let mut item = Key::new(format!("OAUTH#{state}"), "STATE").to_item();
        item.insert("data".into(), data);
        item.insert("ttl".into(), json!(expires_at));
        Ok(self.table.put(item, Some(Condition::NotExists)).await?)
    }

    /// Takes an OAuth state (single use): its data, or `None` if unknown, used or expired.
    pub async fn take_state(&self, state: &str) -> Result<Option<Value>> {
        if state.is_empty() || state.len() > 200 || state.contains('\0') {
            return Ok(None);
        }
        match self
            .table
            .delete(
                &Key::new(format!("OAUTH#{state}"), "STATE"),
                Some(Condition::Exists),
            )
            .await
        {
            Ok(old) => Ok(old.and_then(|mut i| i.remove("data"))),
            Err(StorageError::ConditionFailed { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes a lease on `name` until `until` (epoch seconds); false if someone holds it.
    pub async fn lock(&self, name: &str, until: i64) -> Result<bool> {
        let mut item = Key::new(format!("LOCK#{name}"), "LOCK").to_item();
        item.insert("ttl".into(), json!(until));
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(true),
            Err(StorageError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Releases a lease.
    pub async fn unlock(&self, name: &str) -> Result<()> {
        self.table
            .delete(&Key::new(format!("LOCK#{name}"), "LOCK"), None)
            .await?;
        Ok(())
    }

    /// Statistics kept for `subject` (a channel or a post of `org`) over `days`, unless they
    /// expired by `now` (epoch seconds).
    pub async fn cached_stats(
        &self,
        org: &str,
        subject: &str,
        days: u32,
        now: i64,
    ) -> Result<Option<Value>> {
        let item = self.table.get(&stats_key(org, subject, days)).await?;
        Ok(item
            .filter(|i| !postiz_storage::item::ItemExt::is_expired(i, now))
            .and_then(|mut i| i.remove("data")))
    }

    /// Keeps statistics for `subject` over `days` until `until` (epoch seconds).
    pub async fn keep_stats(
        &self,
        org: &str,
        subject: &str,
        days: u32,
        data: &Value,
        until: i64,
    ) -> Result<()> {
        let mut item = stats_key(org, subject, days).to_item();
        item.insert("data".into(), data.clone());
        item.insert("ttl".into(), json!(until));
        Ok(self.table.put(item, None).await?)
    }

    /// Customers of an organization.
    pub async fn customers(&self, org: &str) -> Result<Vec<Customer>> {
        let items = self
            .table
            .query_all(
                Query::partition(format!("ORG#{org}"))
                    .range(KeyRange::BeginsWith("CUSTOMER#".into())),
            )
            .await?;
        Ok(items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<Customer>, _>>()?)
    }

    /// Creates a customer.
    pub async fn create_customer(&self, c: &Customer) -> Result<()> {
        let item = to_item(&customer_key(&c.org_id, &c.id), c)?;
        Ok(self.table.put(item, Some(Condition::NotExists)).await?)
    }

    /// Sets one attribute of a channel without reading it first (flags by the jobs).
    pub async fn update_fields(
        &self,
        org: &str,
        id: &str,
        update: Update,
        condition: Condition,
    ) -> Result<bool> {
        match self
            .table
            .update(&channel_key(org, id), update, Some(condition))
            .await
        {
            Ok(_) => Ok(true),
            Err(StorageError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
