//! The access patterns of the authorization server on the single table:
//!
//! | item | pk | sk |
//! |---|---|---|
//! | app by client id (a registered client never authorized expires in 30 days: TTL) | `OAUTHAPP#<clientId>` | `APP` |
//! | an organization's own app | `ORG#<org>` | `OAUTHAPP` → client id |
//! | a user's grant | `USER#<user>` | `OAUTHAUTH#<id>`; gsi1 `OAUTHAPP#<clientId>` / `AUTH#<id>` |
//! | authorization code (TTL a day past its expiry, to recognise a second use) | `OAUTHCODE#<sha256>` | `CODE` |
//! | access token | `OAUTHTOKEN#<sha256>` | `TOKEN` |
//!
//! Codes, tokens and secrets are stored as SHA-256 hashes only: they are long random values,
//! so the hash is as good as the secret for lookup and useless to whoever reads the table.

use postiz_core::Result;
use postiz_storage::item::{from_item, to_item, TTL};
use postiz_storage::schema::GSI1;
use postiz_storage::{Condition, Key, KeyRange, Query, Table, TxOp, Update};
use serde_json::json;
use std::sync::Arc;

use crate::model::{AuthCode, Authorization, Grant, OAuthApp};

/// Key of an app.
pub fn app_key(client_id: &str) -> Key {
    Key::new(format!("OAUTHAPP#{client_id}"), "APP")
}
/// Key of the pointer from an organization to its own app.
pub fn org_app_key(org: &str) -> Key {
    Key::new(format!("ORG#{org}"), "OAUTHAPP")
}
/// Key of a user's grant.
pub fn authorization_key(user: &str, id: &str) -> Key {
    Key::new(format!("USER#{user}"), format!("OAUTHAUTH#{id}"))
}
/// Key of an authorization code, by its hash.
pub fn code_key(hash: &str) -> Key {
    Key::new(format!("OAUTHCODE#{hash}"), "CODE")
}
/// Key of an access token, by its hash.
pub fn token_key(hash: &str) -> Key {
    Key::new(format!("OAUTHTOKEN#{hash}"), "TOKEN")
}

/// The records of the authorization server.
#[derive(Clone)]
pub struct OAuthRepo {
    table: Arc<dyn Table>,
}

impl OAuthRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The app of `client_id`, deleted ones included.
    pub async fn app(&self, client_id: &str) -> Result<Option<OAuthApp>> {
        if client_id.is_empty() || client_id.len() > 200 {
            return Ok(None);
        }
        Ok(match self.table.get(&app_key(client_id)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// The client id of the organization's own app.
    pub async fn org_app_client(&self, org: &str) -> Result<Option<String>> {
        Ok(self
            .table
            .get(&org_app_key(org))
            .await?
            .and_then(|i| i.get("clientId").and_then(|v| v.as_str()).map(String::from)))
    }

    /// Stores a registered client, forgotten after `expires_at` unless someone authorizes it.
    pub async fn put_registered(&self, app: &OAuthApp, expires_at: i64) -> Result<()> {
        let mut item = to_item(&app_key(&app.client_id), app)?;
        item.insert(TTL.into(), json!(expires_at));
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(())
    }

    /// Stores an organization's first app; `false` when it has one already.
    pub async fn create_org_app(&self, org: &str, app: &OAuthApp) -> Result<bool> {
        let mut pointer = org_app_key(org).to_item();
        pointer.insert("clientId".into(), json!(app.client_id));
        let ops = vec![
            TxOp::Put {
                item: pointer,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: to_item(&app_key(&app.client_id), app)?,
                condition: Some(Condition::NotExists),
            },
        ];
        match self.table.transact(ops).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes an app over its stored version `previous` (no lost update); `false` when it
    /// changed meanwhile.
    pub async fn replace_app(&self, app: &OAuthApp, previous: &OAuthApp) -> Result<bool> {
        let condition = Condition::eq("updatedAt", json!(previous.updated_at));
        match self
            .table
            .put(to_item(&app_key(&app.client_id), app)?, Some(condition))
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Forgets the organization's pointer to its (deleted) app.
    pub async fn drop_org_app(&self, org: &str) -> Result<()> {
        self.table.delete(&org_app_key(org), None).await?;
        Ok(())
    }

    /// Stores a new code.
    pub async fn put_code(&self, hash: &str, code: &AuthCode, keep_until: i64) -> Result<()> {
        let mut item = to_item(&code_key(hash), code)?;
        item.insert(TTL.into(), json!(keep_until));
        self.table.put(item, Some(Condition::NotExists)).await?;
        Ok(())
    }

    /// A code by its hash.
    pub async fn code(&self, hash: &str) -> Result<Option<AuthCode>> {
        Ok(match self.table.get(&code_key(hash)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// A user's grant.
    pub async fn authorization(&self, user: &str, id: &str) -> Result<Option<Authorization>> {
        Ok(match self.table.get(&authorization_key(user, id)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// Every grant of a user, revoked ones included.
    pub async fn authorizations_of_user(&self, user: &str) -> Result<Vec<Authorization>> {
        self.grants(
            Query::partition(format!("USER#{user}"))
                .range(KeyRange::BeginsWith("OAUTHAUTH#".into())),
        )
        .await
    }

    /// Every grant of an app, revoked ones included.
    pub async fn authorizations_of_app(&self, client_id: &str) -> Result<Vec<Authorization>> {
        self.grants(
            Query::index(GSI1.name, format!("OAUTHAPP#{client_id}"))
                .range(KeyRange::BeginsWith("AUTH#".into())),
        )
        .await
    }

    async fn grants(&self, q: Query) -> Result<Vec<Authorization>> {
        self.table
            .query_all(q)
            .await?
            .into_iter()
            .map(|i| from_item(i).map_err(Into::into))
            .collect()
    }

    /// Exchanges a code, all or nothing: the code marked used (only if it was not), the new
    /// token stored, the grant pointed at it (the grant's previous token deleted), and a
    /// registered client kept for good; the app must still exist. `false` when the code was
    /// used meanwhile or the app deleted.
    pub async fn issue_token(
        &self,
        code_hash: &str,
        code: &AuthCode,
        grant: &Authorization,
        previous_token: Option<&str>,
        token_hash: &str,
        used_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let mut grant_item = to_item(&authorization_key(&grant.user_id, &grant.id), grant)?;
        grant_item.insert(
            GSI1.pk.into(),
            json!(format!("OAUTHAPP#{}", grant.client_id)),
        );
        grant_item.insert(GSI1.sk.into(), json!(format!("AUTH#{}", grant.id)));
        let token = Grant {
            client_id: grant.client_id.clone(),
            user_id: grant.user_id.clone(),
            organization_id: grant.organization_id.clone(),
            authorization_id: grant.id.clone(),
        };
        let mut ops = vec![
            TxOp::Update {
                key: code_key(code_hash),
                update: Update::new()
                    .set("usedAt", json!(used_at))
                    .set("tokenHash", token_hash),
                condition: Some(Condition::And(vec![
                    Condition::Exists,
                    Condition::AttrNotExists("usedAt".into()),
                ])),
            },
            TxOp::Put {
                item: to_item(&token_key(token_hash), &token)?,
                condition: Some(Condition::NotExists),
            },
            TxOp::Put {
                item: grant_item,
                condition: None,
            },
            TxOp::Update {
                key: app_key(&code.client_id),
                update: Update::new().remove(TTL),
                condition: Some(Condition::And(vec![
                    Condition::Exists,
                    Condition::AttrNotExists("deletedAt".into()),
                ])),
            },
        ];
        if let Some(old) = previous_token.filter(|old| *old != token_hash) {
            ops.push(TxOp::Delete {
                key: token_key(old),
                condition: None,
            });
        }
        match self.table.transact(ops).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_condition_failed() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// What an access token grants, by the token's hash.
    pub async fn grant(&self, token_hash: &str) -> Result<Option<Grant>> {
        Ok(match self.table.get(&token_key(token_hash)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// Revokes a grant: its token deleted (it stops working at once) and the grant marked.
    pub async fn revoke(
        &self,
        grant: &Authorization,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let mut ops = vec![TxOp::Update {
            key: authorization_key(&grant.user_id, &grant.id),
            update: Update::new()
                .set("revokedAt", json!(at))
                .remove("tokenHash"),
            condition: Some(Condition::Exists),
        }];
        if let Some(hash) = &grant.token_hash {
            ops.push(TxOp::Delete {
                key: token_key(hash),
                condition: None,
            });
        }
        self.table.transact(ops).await?;
        Ok(())
    }

    /// Deletes one token (a code used twice: what its first use issued).
    pub async fn delete_token(&self, token_hash: &str) -> Result<()> {
        self.table.delete(&token_key(token_hash), None).await?;
        Ok(())
    }
}
