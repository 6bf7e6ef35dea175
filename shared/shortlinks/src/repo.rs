//! Short links in the single table:
//!
//! | item | pk | sk |
//! |---|---|---|
//! | a short link the organization made (any provider) | `ORG#<org>` | `SHORTLINK#<short url>` |
//! | a built-in short link, found by its code (clicks counted here) | `SHORTLINK#<code>` | `LINK` |

use postiz_core::Result;
use postiz_storage::item::{from_item, to_item};
use postiz_storage::{Condition, Key, Table, Update};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The longest short URL kept (a key part).
pub const MAX_SHORT_LEN: usize = 600;

/// A short link the organization made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LinkRecord {
    /// The short URL, as put in the post.
    pub short: String,
    /// Where it leads.
    pub original: String,
    /// The provider's id of the link (Dub's `id`, Short.io's `idString`, Kutt's `id`, the
    /// built-in code).
    pub remote_id: String,
    /// Which shortener made it.
    pub provider: String,
    /// When (ms since the epoch).
    pub created_at: i64,
}

/// A built-in short link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CodeRecord {
    /// The code in `/l/<code>`.
    pub code: String,
    /// The organization that made it.
    pub organization_id: String,
    /// Where it leads.
    pub url: String,
    /// Clicks by people (crawlers are not counted).
    #[serde(default)]
    pub clicks: i64,
}

fn link_key(org: &str, short: &str) -> Key {
    Key::new(format!("ORG#{org}"), format!("SHORTLINK#{short}"))
}

fn code_key(code: &str) -> Key {
    Key::new(format!("SHORTLINK#{code}"), "LINK")
}

/// The short links.
#[derive(Clone)]
pub struct ShortLinkRepo {
    table: Arc<dyn Table>,
}

impl ShortLinkRepo {
    /// A repository on `table`.
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// Remembers a link the organization made.
    pub async fn record(&self, org: &str, link: &LinkRecord) -> Result<()> {
        if link.short.len() > MAX_SHORT_LEN {
            return Ok(());
        }
        let item = to_item(&link_key(org, &link.short), link)?;
        self.table.put(item, None).await?;
        Ok(())
    }

    /// A link the organization made, by its short URL.
    pub async fn link(&self, org: &str, short: &str) -> Result<Option<LinkRecord>> {
        if short.is_empty() || short.len() > MAX_SHORT_LEN {
            return Ok(None);
        }
        Ok(match self.table.get(&link_key(org, short)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// Stores a new built-in code; `false` when the code is taken.
    pub async fn claim_code(&self, record: &CodeRecord) -> Result<bool> {
        let item = to_item(&code_key(&record.code), record)?;
        match self.table.put(item, Some(Condition::NotExists)).await {
            Ok(()) => Ok(true),
            Err(postiz_storage::StorageError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// A built-in link by its code.
    pub async fn code(&self, code: &str) -> Result<Option<CodeRecord>> {
        if !plausible_code(code) {
            return Ok(None);
        }
        Ok(match self.table.get(&code_key(code)).await? {
            Some(item) => Some(from_item(item)?),
            None => None,
        })
    }

    /// Counts a click on an existing code.
    pub async fn count_click(&self, code: &str) -> Result<()> {
        self.table
            .update(
                &code_key(code),
                Update::new().add("clicks", 1),
                Some(Condition::Exists),
            )
            .await?;
        Ok(())
    }
}

/// Whether `code` could be a built-in code (letters and digits, at most 32).
pub fn plausible_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 32 && code.chars().all(|c| c.is_ascii_alphanumeric())
}
