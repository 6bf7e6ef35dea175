//! `Idempotency-Key` on `POST /public/v1/posts` (our extension): the same key within 24 h
//! gets the first answer again and creates nothing. A key is claimed with a conditional
//! write before any post is created, so two concurrent requests cannot both create.

use postiz_core::{Clock, Error, Result};
use postiz_storage::{Condition, Item, Key, Table};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const TTL_SECS: i64 = 24 * 3600;

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use: go on, then [`Idempotency::complete`] or [`Idempotency::release`].
    Fresh,
    /// Seen and answered: send this body again.
    Replay(Value),
}

/// Keys and their first answers, per organization, for 24 hours.
#[derive(Clone)]
pub struct Idempotency {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn key_of(org: &str, key: &str) -> Key {
    Key::new(
        format!("ORG#{org}"),
        format!("IDEMP#{}", digest(key.as_bytes())),
    )
}

/// Checks a client's key: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<()> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "Idempotency-Key must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(())
}

impl Idempotency {
    /// The store on `table`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// Claims `key` for a request whose body is `body`.
    pub async fn claim(&self, org: &str, key: &str, body: &[u8]) -> Result<Claim> {
        check_key(key)?;
        let k = key_of(org, key);
        let fingerprint = digest(body);
        let mut item: Item = k.to_item();
        item.insert("fingerprint".into(), json!(fingerprint));
        item.insert("state".into(), json!("pending"));
        item.insert(
            postiz_storage::item::TTL.into(),
            json!(self.clock.now_secs() + TTL_SECS),
        );
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => return Ok(Claim::Fresh),
            Err(e) if e.is_condition_failed() => {}
            Err(e) => return Err(e.into()),
        }
        let Some(seen) = self.table.get(&k).await? else {
            return Err(Error::Conflict(
                "A request with this Idempotency-Key just finished; send it again".into(),
            ));
        };
        if seen.get("fingerprint") != Some(&json!(fingerprint)) {
            return Err(Error::Refused {
                status: 422,
                msg: "This Idempotency-Key was used with a different request body".into(),
            });
        }
        match seen.get("response") {
            Some(r) if seen.get("state") == Some(&json!("done")) => Ok(Claim::Replay(r.clone())),
            _ => Err(Error::Refused {
                status: 409,
                msg: "A request with this Idempotency-Key is still being processed".into(),
            }),
        }
    }

    /// Records the answer of a claimed key.
    pub async fn complete(&self, org: &str, key: &str, response: &Value) -> Result<()> {
        let update = postiz_storage::Update::new()
            .set("state", "done")
            .set("response", response.clone());
        self.table
            .update(&key_of(org, key), update, Some(Condition::Exists))
            .await?;
        Ok(())
    }

    /// Frees a claimed key after a refused request, so a corrected one may use it.
    pub async fn release(&self, org: &str, key: &str) -> Result<()> {
        self.table.delete(&key_of(org, key), None).await?;
        Ok(())
    }
}
