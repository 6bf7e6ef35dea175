//! The access patterns of accounts on the single table.
//!
//! | pattern | key |
//! |---|---|
//! | user by id | `USER#<id>` / `PROFILE` |
//! | user by (provider, email) | guard `EMAIL#<provider>#<email>` / `GUARD` → user id |
//! | organization by id | `ORG#<id>` / `PROFILE` |
//! | organization by API key | guard `APIKEY#<sha256>` / `GUARD` → org id |
//! | members of an organization | `ORG#<id>` / `MEMBER#<userId>` |
//! | organizations of a user | gsi1 `USER#<id>` / `ORG#<orgId>` (on the membership item) |
//! | invite used once | `INVITE#<id>` / `USED` |
//! | reset link used once | `RESET#<id>` / `USED` (TTL) |
//! | revoked session | `SESSION#<jti>` / `REVOKED` (TTL = token expiry) |
//! | organization count | `META` / `COUNTERS`, attribute `organizations` |

use postiz_core::{Error, Result};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::schema::GSI1;
use postiz_storage::{
    Condition, Item, ItemExt, Key, KeyRange, Query, StorageError, Table, TxOp, Update,
};
use serde_json::Value;
use std::sync::Arc;

use crate::model::{Membership, Organization, User};

/// Key of a user.
pub fn user_key(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "PROFILE")
}
/// Key of the (provider, email) uniqueness guard.
pub fn email_guard(provider: &str, email: &str) -> Key {
    Key::new(
        format!("EMAIL#{provider}#{}", email.to_lowercase()),
        "GUARD",
    )
}
/// Key of an organization.
pub fn org_key(id: &str) -> Key {
    Key::new(format!("ORG#{id}"), "PROFILE")
}
/// Key of a membership.
pub fn member_key(org_id: &str, user_id: &str) -> Key {
    Key::new(format!("ORG#{org_id}"), format!("MEMBER#{user_id}"))
}
/// Key of an organization's posting streak (written by the publishing job: see
/// `postiz_integrations::streak`).
pub fn streak_key(org_id: &str) -> Key {
    Key::new(format!("ORG#{org_id}"), "STREAK")
}
/// After an organization's last publish, when its streak reminder goes
/// (`STREAK_REMIND_SECS`, default 22 hours); the streak ends two hours later.
pub fn streak_remind_after() -> chrono::Duration {
    chrono::Duration::seconds(
        std::env::var("STREAK_REMIND_SECS")
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(22 * 3600)
            .max(0),
    )
}
/// Key of the API key lookup guard.
pub fn api_key_guard(hash: &str) -> Key {
    Key::new(format!("APIKEY#{hash}"), "GUARD")
}
fn counters_key() -> Key {
    Key::new("META", "COUNTERS")
}

fn guard(key: &Key, target_attr: &str, target: &str, ttl: Option<i64>) -> Item {
    let mut item = key.to_item();
    item.insert(target_attr.into(), Value::String(target.into()));
    if let Some(t) = ttl {
        item.insert("ttl".into(), Value::from(t));
    }
    item
}

fn record<T: serde::Serialize>(key: &Key, value: &T) -> Result<Item> {
    Ok(to_item(key, value)?)
}

fn membership_item(m: &Membership) -> Result<Item> {
    let mut item = record(&member_key(&m.organization_id, &m.user_id), m)?;
    item.insert(GSI1.pk.into(), Value::String(format!("USER#{}", m.user_id)));
    item.insert(
        GSI1.sk.into(),
        Value::String(format!("ORG#{}", m.organization_id)),
    );
    Ok(item)
}

/// Why creating an account failed.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateAccountError {
    /// The (provider, email) pair is taken.
    EmailTaken,
    /// Anything else.
    Other,
}

/// Accounts on the table.
#[derive(Clone)]
pub struct AccountsRepo {
    table: Arc<dyn Table>,
}

impl AccountsRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Creates a user, their organization (with its API key guard) and the SUPERADMIN
    /// membership in one transaction: all of it exists afterwards, or none of it.
    pub async fn create_account(
        &self,
        user: &User,
        org: &Organization,
        member: &Membership,
    ) -> Result<()> {
        let api_hash = org
            .api_key_hash
            .as_deref()
            .ok_or_else(|| Error::internal("organization without API key"))?;
        let ops = vec![
            TxOp::Put {
                item: guard(
                    &email_guard(&user.provider_name, &user.email),
                    "userId",
                    &user.id,
                    None,
                ),
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: record(&user_key(&user.id), user)?,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: record(&org_key(&org.id), org)?,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: membership_item(member)?,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: guard(&api_key_guard(api_hash), "orgId", &org.id, None),
                condition: Some(Condition::NotExists),
            },
            TxOp::Update {
                key: counters_key(),
                update: Update::new().add("organizations", 1),
                condition: None,
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(()),
            Err(StorageError::ConditionFailed { index: Some(0) }) => {
                Err(Error::PlainBadRequest("Email already exists".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Since when the organization has published at least once a day (`None` when its last
    /// publish is older than the reminder time plus two hours, or there was none).
    pub async fn streak_since(
        &self,
        org_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let Some(item) = self.table.get(&streak_key(org_id)).await? else {
            return Ok(None);
        };
        let at = |k: &str| {
            item.get(k)
                .and_then(serde_json::Value::as_i64)
                .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis)
        };
        let ends = streak_remind_after() + chrono::Duration::hours(2);
        Ok(match (at("streakSince"), at("lastPublishedAt")) {
            (Some(since), Some(last)) if now - last < ends => Some(since),
            _ => None,
        })
    }

    /// A user by id.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        match self.table.get(&user_key(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// A user by login provider and email (case-insensitive).
    pub async fn user_by_email(&self, provider: &str, email: &str) -> Result<Option<User>> {
        let Some(g) = self.table.get(&email_guard(provider, email)).await? else {
            return Ok(None);
        };
        match g.str("userId") {
            Some(id) => self.user(id).await,
            None => Ok(None),
        }
    }

    /// Sets attributes of an existing user (and `updatedAt`).
    pub async fn update_user(&self, id: &str, update: Update) -> Result<User> {
        let update = update.set("updatedAt", chrono::Utc::now().to_rfc3339());
        match self
            .table
            .update(&user_key(id), update, Some(Condition::Exists))
            .await
        {
            Ok(item) => Ok(from_item(item)?),
            Err(StorageError::ConditionFailed { .. }) => {
                Err(Error::NotFound("User not found".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// An organization by id.
    pub async fn organization(&self, id: &str) -> Result<Option<Organization>> {
        match self.table.get(&org_key(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Sets an organization's short-link preference, answering the updated organization.
    pub async fn set_shortlink(
        &self,
        org_id: &str,
        pref: crate::model::ShortlinkPreference,
    ) -> Result<Organization> {
        let update = Update::new()
            .set(
                "shortlink",
                serde_json::to_value(pref).map_err(Error::internal)?,
            )
            .set("updatedAt", chrono::Utc::now().to_rfc3339());
        let item = self
            .table
            .update(&org_key(org_id), update, Some(Condition::Exists))
            .await
            .map_err(|e| match e {
                StorageError::ConditionFailed { .. } => {
                    Error::NotFound("Organization not found".into())
                }
                other => other.into(),
            })?;
        Ok(from_item(item)?)
    }

    /// The organization owning the API key with this hash.
    pub async fn organization_by_api_key_hash(&self, hash: &str) -> Result<Option<Organization>> {
        let Some(g) = self.table.get(&api_key_guard(hash)).await? else {
            return Ok(None);
        };
        let Some(org_id) = g.str("orgId") else {
            return Ok(None);
        };
        // The guard and the organization are written together; re-check the hash anyway.
        Ok(self
            .organization(org_id)
            .await?
            .filter(|o| o.api_key_hash.as_deref() == Some(hash)))
    }

    /// Replaces an organization's API key: the old guard goes, the new one comes, only if the
    /// key did not change meanwhile.
    pub async fn replace_api_key(
        &self,
        org: &Organization,
        new_hash: &str,
        new_encrypted: &str,
    ) -> Result<()> {
        let mut ops = Vec::new();
        let expected = match &org.api_key_hash {
            Some(old) => {
                ops.push(TxOp::Delete {
                    key: api_key_guard(old),
                    condition: None,
                });
                Condition::eq("apiKeyHash", old.as_str())
            }
            None => Condition::AttrNotExists("apiKeyHash".into()),
        };
        ops.push(TxOp::Put {
            item: guard(&api_key_guard(new_hash), "orgId", &org.id, None),
            condition: Some(Condition::NotExists),
        });
        ops.push(TxOp::Update {
            key: org_key(&org.id),
            update: Update::new()
                .set("apiKeyHash", new_hash)
                .set("apiKeyEncrypted", new_encrypted)
                .set("updatedAt", chrono::Utc::now().to_rfc3339()),
            condition: Some(Condition::And(vec![Condition::Exists, expected])),
        });
        Ok(self.table.transact(ops).await?)
    }

    /// The memberships of a user, by organization id.
    pub async fn memberships_of_user(&self, user_id: &str) -> Result<Vec<Membership>> {
        let items = self
            .table
            .query_all(
                Query::index(GSI1.name, format!("USER#{user_id}"))
                    .range(KeyRange::BeginsWith("ORG#".into())),
            )
            .await?;
        items.into_iter().map(|i| Ok(from_item(i)?)).collect()
    }

    /// The members of an organization.
    pub async fn members(&self, org_id: &str) -> Result<Vec<Membership>> {
        let items = self
            .table
            .query_all(
                Query::partition(format!("ORG#{org_id}"))
                    .range(KeyRange::BeginsWith("MEMBER#".into())),
            )
            .await?;
        items.into_iter().map(|i| Ok(from_item(i)?)).collect()
    }

    /// Enables or disables a membership (a plan without team members disables the members who
    /// are not the owner). A membership that no longer exists is left alone.
    pub async fn set_member_disabled(
        &self,
        org_id: &str,
        user_id: &str,
        disabled: bool,
    ) -> Result<()> {
        let update = Update::new().set("disabled", disabled);
        match self
            .table
            .update(
                &member_key(org_id, user_id),
                update,
                Some(Condition::Exists),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The organization's trial flags (billing): on trial or not, and whether a trial may
    /// still be started.
    pub async fn set_trial(
        &self,
        org_id: &str,
        is_trailing: bool,
        allow_trial: bool,
    ) -> Result<()> {
        let update = Update::new()
            .set("isTrailing", is_trailing)
            .set("allowTrial", allow_trial);
        match self
            .table
            .update(&org_key(org_id), update, Some(Condition::Exists))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_condition_failed() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// One membership.
    pub async fn membership(&self, org_id: &str, user_id: &str) -> Result<Option<Membership>> {
        match self.table.get(&member_key(org_id, user_id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Adds a membership, consuming the single-use invite `invite_id` in the same transaction.
    /// Returns false when the invite was already used.
    pub async fn join_with_invite(
        &self,
        member: &Membership,
        invite_id: &str,
        invite_expires: i64,
    ) -> Result<bool> {
        let ops = vec![
            TxOp::Put {
                item: guard(
                    &Key::new(format!("INVITE#{invite_id}"), "USED"),
                    "userId",
                    &member.user_id,
                    Some(invite_expires),
                ),
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: membership_item(member)?,
                condition: Some(Condition::NotExists),
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(true),
            Err(StorageError::ConditionFailed { index: Some(0) }) => Ok(false),
            Err(StorageError::ConditionFailed { index: Some(1) }) => Err(Error::BadRequest(
                "You are already a member of this organization".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Erases an account in one transaction: the organizations it owns lose their members
    /// and their API key and are marked deleted; its other memberships go; the user keeps
    /// no email guard and becomes `erased` (anonymised, every session refused).
    pub async fn erase_account(
        &self,
        user: &User,
        erased: &User,
        owned: &[Organization],
        memberships: &[Membership],
    ) -> Result<()> {
        let now = serde_json::to_value(erased.updated_at).map_err(Error::internal)?;
        let mut ops = vec![
            TxOp::Delete {
                key: email_guard(&user.provider_name, &user.email),
                condition: Some(Condition::eq("userId", user.id.as_str())),
            },
            TxOp::Put {
                item: record(&user_key(&user.id), erased)?,
                condition: Some(Condition::Exists),
            },
        ];
        for org in owned {
            if let Some(hash) = &org.api_key_hash {
                ops.push(TxOp::Delete {
                    key: api_key_guard(hash),
                    condition: None,
                });
            }
            ops.push(TxOp::Update {
                key: org_key(&org.id),
                update: Update::new()
                    .set("deletedAt", now.clone())
                    .set("updatedAt", now.clone())
                    .remove("apiKeyHash")
                    .remove("apiKeyEncrypted"),
                condition: Some(Condition::Exists),
            });
        }
        for m in memberships {
            ops.push(TxOp::Delete {
                key: member_key(&m.organization_id, &m.user_id),
                condition: None,
            });
        }
        if ops.len() > postiz_storage::table::MAX_TRANSACTION_ITEMS {
            return Err(Error::BadRequest(
                "This account belongs to too many organizations to be deleted at once; leave some first".into(),
            ));
        }
        self.table.transact(ops).await.map_err(|e| match e {
            StorageError::ConditionFailed { .. } => {
                Error::Conflict("The account changed meanwhile, please retry".into())
            }
            other => other.into(),
        })
    }

    /// Removes a membership.
    pub async fn remove_member(&self, org_id: &str, user_id: &str) -> Result<Option<Membership>> {
        match self
            .table
            .delete(&member_key(org_id, user_id), None)
            .await?
        {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// How many organizations were ever created.
    pub async fn organization_count(&self) -> Result<i64> {
        Ok(self
            .table
            .get(&counters_key())
            .await?
            .and_then(|i| i.int("organizations"))
            .unwrap_or(0))
    }

    /// Marks a single-use token (reset link) as used; false when it already was.
    pub async fn consume_once(&self, kind: &str, id: &str, expires_at: i64) -> Result<bool> {
        let item = guard(
            &Key::new(format!("{kind}#{id}"), "USED"),
            "usedBy",
            id,
            Some(expires_at),
        );
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(true),
            Err(StorageError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes a session token until its expiry.
    pub async fn revoke_session(&self, jti: &str, expires_at: i64) -> Result<()> {
        let item = guard(
            &Key::new(format!("SESSION#{jti}"), "REVOKED"),
            "jti",
            jti,
            Some(expires_at),
        );
        Ok(self.table.put(item, None).await?)
    }

    /// True when the session token was revoked.
    pub async fn is_session_revoked(&self, jti: &str) -> Result<bool> {
        Ok(self
            .table
            .get(&Key::new(format!("SESSION#{jti}"), "REVOKED"))
            .await?
            .is_some())
    }
}
