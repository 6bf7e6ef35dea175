//! Posting streaks, as Postiz keeps them: each publish keeps the organization's streak
//! going (it starts at the first publish after a day without one), and 22 hours after the
//! last publish the members with streak emails on are reminded that the streak ends in two
//! hours.
//!
//! | item | pk | sk |
//! |---|---|---|
//! | the streak (gsi2 `STREAKS` / `<remindAtMs13>#<org>` until the reminder went) | `ORG#<org>` | `STREAK` |

use chrono::{DateTime, Utc};
use postiz_core::{Clock, Result};
use postiz_storage::schema::GSI2;
use postiz_storage::{Condition, KeyRange, Query, Table, Update};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::mail::NoticeMail;

/// Sparse index partition of streaks with a reminder to send.
pub const STREAK_PARTITION: &str = "STREAKS";
use postiz_accounts::repo::{streak_key, streak_remind_after as remind_after};
/// The reminder's subject and message (Postiz's).
pub const REMINDER_SUBJECT: &str = "Streak Reminder";
const REMINDER_HTML: &str =
    "<p>You are about to lose your streak in two hours! Schedule a post now to keep it!</p>";

/// The organizations' streaks.
#[derive(Clone)]
pub struct Streaks {
    table: Arc<dyn Table>,
    clock: Arc<dyn Clock>,
}

impl Streaks {
    /// Streaks on `table`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>) -> Self {
        Self { table, clock }
    }

    /// Since when the organization has published at least once a day, if it has.
    pub async fn since(&self, org: &str) -> Result<Option<DateTime<Utc>>> {
        postiz_accounts::AccountsRepo::new(self.table.clone())
            .streak_since(org, self.clock.now())
            .await
    }

    /// Records a publish: the streak goes on (or starts), and its reminder moves to 22 hours
    /// from now.
    pub async fn published(&self, org: &str) -> Result<()> {
        let now = self.clock.now();
        let since = self.since(org).await?.unwrap_or(now);
        let remind = now + remind_after();
        self.table
            .update(
                &streak_key(org),
                Update::new()
                    .set("organizationId", json!(org))
                    .set("streakSince", json!(since.timestamp_millis()))
                    .set("lastPublishedAt", json!(now.timestamp_millis()))
                    .set(GSI2.pk, json!(STREAK_PARTITION))
                    .set(
                        GSI2.sk,
                        json!(format!("{:013}#{org}", remind.timestamp_millis())),
                    ),
                None,
            )
            .await?;
        Ok(())
    }

    /// Sends the reminders that are due; how many organizations were reminded.
    pub async fn remind_due(&self, mail: &NoticeMail) -> Result<usize> {
        let now = self.clock.now().timestamp_millis();
        let due = self
            .table
            .query_all(
                Query::index(GSI2.name, STREAK_PARTITION)
                    .range(KeyRange::Le(format!("{now:013}#~"))),
            )
            .await?;
        let mut reminded = 0;
        for item in due {
            let (Some(org), Some(last)) = (
                item.get("organizationId").and_then(Value::as_str),
                item.get("lastPublishedAt").and_then(Value::as_i64),
            ) else {
                continue;
            };
            // Out of the index unless a publish moved the reminder meanwhile; the run that
            // takes it out sends it.
            let taken = self
                .table
                .update(
                    &streak_key(org),
                    Update::new().remove(GSI2.pk).remove(GSI2.sk),
                    Some(Condition::And(vec![
                        Condition::Exists,
                        Condition::eq("lastPublishedAt", json!(last)),
                        Condition::AttrExists(GSI2.pk.into()),
                    ])),
                )
                .await;
            match taken {
                Ok(_) => {}
                Err(e) if e.is_condition_failed() => continue,
                Err(e) => return Err(e.into()),
            }
            for user in mail.members(org).await? {
                if user.send_streak_emails {
                    mail.email(&user.email, REMINDER_SUBJECT, REMINDER_HTML)
                        .await?;
                }
            }
            reminded += 1;
        }
        Ok(reminded)
    }
}
