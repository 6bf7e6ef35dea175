//! The access patterns of sets, signatures and announcements on the single table (see the
//! crate documentation for the keys).

use postiz_core::{Error, Result};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::{Condition, Item, ItemExt, Key, KeyRange, Query, Table, TxOp, Update};
use serde_json::Value;
use std::sync::Arc;

use crate::model::{Announcement, PostSet, Signature};

const DEFAULT_SIGNATURE: &str = "SIGNATURE-DEFAULT";
const ANNOUNCEMENTS: &str = "ANNOUNCEMENTS";

fn org_pk(org: &str) -> String {
    format!("ORG#{org}")
}
fn set_key(org: &str, id: &str) -> Key {
    Key::new(org_pk(org), format!("SET#{id}"))
}
fn signature_key(org: &str, id: &str) -> Key {
    Key::new(org_pk(org), format!("SIGNATURE#{id}"))
}
fn default_signature_key(org: &str) -> Key {
    Key::new(org_pk(org), DEFAULT_SIGNATURE)
}
fn announcement_key(id: &str) -> Key {
    Key::new(ANNOUNCEMENTS, format!("ANN#{id}"))
}

/// The signatures of an organization and which one is added automatically.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignatureList {
    /// Every signature, deleted ones included, with `auto_add` filled in.
    pub signatures: Vec<Signature>,
    /// Id of the auto-added signature.
    pub default_id: Option<String>,
}

/// Sets, signatures and announcements on the table.
#[derive(Clone)]
pub struct SettingsRepo {
    table: Arc<dyn Table>,
}

impl SettingsRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The organization's sets, newest first.
    pub async fn sets(&self, org: &str) -> Result<Vec<PostSet>> {
        let items = self
            .table
            .query_all(Query::partition(org_pk(org)).range(KeyRange::BeginsWith("SET#".into())))
            .await?;
        let mut sets = items
            .into_iter()
            .map(from_item::<PostSet>)
            .collect::<Result<Vec<_>, _>>()?;
        sets.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(sets)
    }

    /// One set of the organization.
    pub async fn set(&self, org: &str, id: &str) -> Result<Option<PostSet>> {
        Ok(match self.table.get(&set_key(org, id)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// Writes a set (created or replaced).
    pub async fn put_set(&self, set: &PostSet) -> Result<()> {
        let item = to_item(&set_key(&set.organization_id, &set.id), set)?;
        Ok(self.table.put(item, None).await?)
    }

    /// Deletes a set, returning it; `None` when the organization has no such set.
    pub async fn delete_set(&self, org: &str, id: &str) -> Result<Option<PostSet>> {
        match self
            .table
            .delete(&set_key(org, id), Some(Condition::Exists))
            .await
        {
            Ok(Some(item)) => Ok(Some(from_item(item)?)),
            Ok(None) => Ok(None),
            Err(e) if e.is_condition_failed() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The organization's signatures and its default pointer, in one query.
    pub async fn signatures(&self, org: &str) -> Result<SignatureList> {
        let items = self
            .table
            .query_all(
                Query::partition(org_pk(org)).range(KeyRange::BeginsWith("SIGNATURE".into())),
            )
            .await?;
        let mut list = SignatureList::default();
        for item in items {
            if item.str("sk") == Some(DEFAULT_SIGNATURE) {
                list.default_id = item.str("signatureId").map(str::to_string);
            } else {
                list.signatures.push(from_item(item)?);
            }
        }
        for s in &mut list.signatures {
            s.auto_add = list.default_id.as_deref() == Some(s.id.as_str());
        }
        list.signatures.sort_by_key(|s| s.created_at);
        Ok(list)
    }

    /// Writes a signature and moves the organization's default in the same transaction:
    /// `auto_add` makes it the default; otherwise, when it was the default (`was_default`),
    /// the default is cleared — only if it still points at this signature. A new signature
    /// must not exist yet; an edited one must still be live.
    pub async fn put_signature(
        &self,
        sig: &Signature,
        is_new: bool,
        was_default: bool,
    ) -> Result<()> {
        let org = &sig.organization_id;
        let mut stored = sig.clone();
        stored.auto_add = false;
        let condition = if is_new {
            Condition::NotExists
        } else {
            Condition::And(vec![
                Condition::Exists,
                Condition::AttrNotExists("deletedAt".into()),
            ])
        };
        let mut ops = vec![TxOp::Put {
            item: to_item(&signature_key(org, &sig.id), &stored)?,
            condition: Some(condition),
        }];
        if sig.auto_add {
            let mut pointer: Item = default_signature_key(org).to_item();
            pointer.insert("signatureId".into(), Value::String(sig.id.clone()));
            ops.push(TxOp::Put {
                item: pointer,
                condition: None,
            });
        } else if was_default {
            ops.push(TxOp::Delete {
                key: default_signature_key(org),
                condition: Some(Condition::eq("signatureId", sig.id.as_str())),
            });
        }
        self.table.transact(ops).await.map_err(|e| {
            if e.is_condition_failed() {
                Error::Conflict("The signature was changed by another request, please retry".into())
            } else {
                e.into()
            }
        })
    }

    /// Marks a signature deleted (and no longer the default, in the same transaction),
    /// returning it with the deletion time; `None` when the organization has no such live
    /// signature.
    pub async fn delete_signature(
        &self,
        org: &str,
        id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Signature>> {
        let list = self.signatures(org).await?;
        let Some(mut sig) = list
            .signatures
            .into_iter()
            .find(|s| s.id == id && s.deleted_at.is_none())
        else {
            return Ok(None);
        };
        let at = serde_json::to_value(now).map_err(Error::internal)?;
        let mut ops = vec![TxOp::Update {
            key: signature_key(org, id),
            update: Update::new().set("deletedAt", at),
            condition: Some(Condition::And(vec![
                Condition::Exists,
                Condition::AttrNotExists("deletedAt".into()),
            ])),
        }];
        if list.default_id.as_deref() == Some(id) {
            ops.push(TxOp::Delete {
                key: default_signature_key(org),
                condition: Some(Condition::eq("signatureId", id)),
            });
        }
        match self.table.transact(ops).await {
            Ok(()) => {}
            Err(e) if e.is_condition_failed() => {
                return Err(Error::Conflict(
                    "The signature was changed by another request, please retry".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        sig.deleted_at = Some(now);
        sig.auto_add = false;
        Ok(Some(sig))
    }

    /// Every announcement, newest first.
    pub async fn announcements(&self) -> Result<Vec<Announcement>> {
        let items = self
            .table
            .query_all(Query::partition(ANNOUNCEMENTS))
            .await?;
        let mut list = items
            .into_iter()
            .map(from_item::<Announcement>)
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by_key(|a| std::cmp::Reverse(a.created_at));
        Ok(list)
    }

    /// Writes a new announcement.
    pub async fn put_announcement(&self, a: &Announcement) -> Result<()> {
        let item = to_item(&announcement_key(&a.id), a)?;
        Ok(self.table.put(item, Some(Condition::NotExists)).await?)
    }

    /// Deletes an announcement, returning it; `None` when there is none of that id.
    pub async fn delete_announcement(&self, id: &str) -> Result<Option<Announcement>> {
        match self
            .table
            .delete(&announcement_key(id), Some(Condition::Exists))
            .await
        {
            Ok(Some(item)) => Ok(Some(from_item(item)?)),
            Ok(None) => Ok(None),
            Err(e) if e.is_condition_failed() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}
