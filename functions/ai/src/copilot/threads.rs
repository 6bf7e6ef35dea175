//! The agent's conversations, per organization, in the table (so a conversation survives a
//! cold start): `ORG#<org>` / `COPILOT_THREAD#<id>` holds the title and dates,
//! `ORG#<org>` / `COPILOT_MESSAGES#<id>` the user's and the assistant's words.

use chrono::{DateTime, Utc};
use postiz_core::{Error, Result};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::{Key, KeyRange, Query, Table};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Words kept per conversation (the oldest go first), well under an item's 400 KB.
const KEEP_BYTES: usize = 200_000;

/// A conversation's title and dates.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Thread {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// One line of a conversation as the agents page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Said {
    pub(crate) role: String,
    pub(crate) content: String,
}

#[derive(Serialize, Deserialize, Default)]
struct Transcript {
    messages: Vec<Said>,
}

fn partition(org: &str) -> String {
    format!("ORG#{org}")
}

/// The conversations store.
#[derive(Clone)]
pub(crate) struct Threads {
    table: Arc<dyn Table>,
}

impl Threads {
    pub(crate) fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    /// The organization's conversations, newest first.
    pub(crate) async fn list(&self, org: &str) -> Result<Vec<Thread>> {
        let items = self
            .table
            .query_all(
                Query::partition(partition(org))
                    .range(KeyRange::BeginsWith("COPILOT_THREAD#".into())),
            )
            .await?;
        let mut threads: Vec<Thread> = items
            .into_iter()
            .filter_map(|i| from_item(i).ok())
            .collect();
        threads.sort_by_key(|t| std::cmp::Reverse(t.updated_at));
        Ok(threads)
    }

    /// A conversation's words (none when it does not exist in this organization).
    pub(crate) async fn messages(&self, org: &str, id: &str) -> Result<Vec<Said>> {
        let key = Key::new(partition(org), format!("COPILOT_MESSAGES#{id}"));
        Ok(match self.table.get(&key).await? {
            Some(item) => from_item::<Transcript>(item)?.messages,
            None => vec![],
        })
    }

    /// Whether the organization has this conversation.
    pub(crate) async fn exists(&self, org: &str, id: &str) -> Result<bool> {
        let key = Key::new(partition(org), format!("COPILOT_THREAD#{id}"));
        Ok(self.table.get(&key).await?.is_some())
    }

    /// Adds `said` to the conversation, creating it with `title` (the caller's) when new.
    pub(crate) async fn append(
        &self,
        org: &str,
        id: &str,
        title: impl FnOnce() -> String,
        said: Vec<Said>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let thread_key = Key::new(partition(org), format!("COPILOT_THREAD#{id}"));
        let thread = match self.table.get(&thread_key).await? {
            Some(item) => Thread {
                updated_at: now,
                ..from_item::<Thread>(item)?
            },
            None => Thread {
                id: id.to_string(),
                title: title(),
                created_at: now,
                updated_at: now,
            },
        };
        let messages_key = Key::new(partition(org), format!("COPILOT_MESSAGES#{id}"));
        let mut transcript = match self.table.get(&messages_key).await? {
            Some(item) => from_item::<Transcript>(item)?,
            None => Transcript::default(),
        };
        transcript.messages.extend(said);
        let mut size: usize = transcript
            .messages
            .iter()
            .map(|m| m.content.len() + 16)
            .sum();
        while size > KEEP_BYTES && !transcript.messages.is_empty() {
            size -= transcript.messages[0].content.len() + 16;
            transcript.messages.remove(0);
        }
        self.table
            .put(
                to_item(&messages_key, &transcript).map_err(Error::from)?,
                None,
            )
            .await?;
        self.table
            .put(to_item(&thread_key, &thread).map_err(Error::from)?, None)
            .await?;
        Ok(())
    }
}
