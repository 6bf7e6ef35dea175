//! In-app notifications of an organization, newest first.
//!
//! | pattern | key |
//! |---|---|
//! | notifications of an organization by time | `ORG#<org>` / `NOTIF#<createdAt>#<id>` |

use chrono::{DateTime, SecondsFormat, Utc};
use postiz_core::{new_id, Clock, Result};
use postiz_storage::item::{from_item, to_item};
use postiz_storage::{Key, KeyRange, Query, Table};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use crate::mail::{NoticeKind, NoticeMail};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Notification id.
    pub id: String,
    /// Owning organization.
    pub organization_id: String,
    /// HTML message.
    pub content: String,
    /// Optional link.
    pub link: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Page size of `/notifications/list` and the public API.
pub const PAGE: usize = 100;

fn sort_key(at: DateTime<Utc>) -> String {
    format!("NOTIF#{}", at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The notifications store, and the emails that go with notices when it has a mailer.
#[derive(Clone)]
pub struct Notifications {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
    mail: Option<NoticeMail>,
}

impl Notifications {
    /// Notifications on `table` (in the app only).
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self {
            table,
            clock,
            mail: None,
        }
    }

    /// Notices also emailed to the organization's members, through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn postiz_core::email::Mailer>) -> Self {
        if mailer.drops_everything() {
            return self;
        }
        self.mail = Some(NoticeMail::new(
            self.table.clone(),
            self.clock.clone(),
            mailer,
        ));
        self
    }

    /// A notice: stored in the app, and emailed as the members' preferences say (see
    /// [`crate::mail`]). A failed email is logged; the notice stays.
    pub async fn notify(
        &self,
        org: &str,
        kind: NoticeKind,
        subject: &str,
        text: &str,
    ) -> Result<()> {
        self.create(org, text, None).await?;
        if let Some(mail) = &self.mail {
            let html = format!("<p>{}</p>", crate::mail::escape(text));
            if let Err(e) = mail.send(org, kind, subject, &html).await {
                tracing::warn!(error = %e, "a notification email was not sent");
            }
        }
        Ok(())
    }

    /// Adds a notification for the organization.
    pub async fn create(
        &self,
        org: &str,
        content: &str,
        link: Option<&str>,
    ) -> Result<Notification> {
        let n = Notification {
            id: new_id(),
            organization_id: org.to_string(),
            content: content.to_string(),
            link: link.map(str::to_string),
            created_at: self.clock.now(),
        };
        let key = Key::new(
            format!("ORG#{org}"),
            format!("{}#{}", sort_key(n.created_at), n.id),
        );
        self.table.put(to_item(&key, &n)?, None).await?;
        Ok(n)
    }

    /// How many notifications arrived after `since` (all of them when `None`).
    pub async fn unread(&self, org: &str, since: Option<DateTime<Utc>>) -> Result<usize> {
        let range = match since {
            Some(t) => KeyRange::Between(format!("{}~", sort_key(t)), "NOTIF#~".into()),
            None => KeyRange::BeginsWith("NOTIF#".into()),
        };
        Ok(self
            .table
            .query_all(Query::partition(format!("ORG#{org}")).range(range))
            .await?
            .len())
    }

    /// Page `page` (from 0) of notifications, newest first, and the total count.
    pub async fn page(
        &self,
        org: &str,
        page: usize,
        size: usize,
    ) -> Result<(Vec<Notification>, usize)> {
        let all = self
            .table
            .query_all(
                Query::partition(format!("ORG#{org}"))
                    .range(KeyRange::BeginsWith("NOTIF#".into()))
                    .backward(),
            )
            .await?;
        let total = all.len();
        let items = all
            .into_iter()
            .skip(page.saturating_mul(size))
            .take(size)
            .map(from_item)
            .collect::<Result<Vec<Notification>, _>>()?;
        Ok((items, total))
    }
}
