//! Notification emails: who of an organization gets a notice by email, and when.
//!
//! As Postiz: a published post goes into each member's hourly digest (members with success
//! emails on); a failed or unconfirmed post is emailed at once (failure emails on); a
//! channel that needs reconnecting is emailed at once to every member. The streak reminder
//! goes to members with streak emails on, 22 hours after the organization's last publish
//! (see [`crate::streak`]).
//!
//! | item | pk | sk |
//! |---|---|---|
//! | a notice waiting in a member's digest (TTL 3 days) | `DIGEST#<user>` | `ITEM#<ms13>#<id>` |
//! | a member's digest, due an hour after its first notice (gsi2 `DIGESTS` / `<dueMs13>#<user>`) | `DIGEST#<user>` | `DUE` |

use postiz_accounts::model::User;
use postiz_accounts::repo::AccountsRepo;
use postiz_core::email::{EmailMessage, Mailer};
use postiz_core::{new_id, Clock, Result};
use postiz_storage::schema::GSI2;
use postiz_storage::{Condition, Key, KeyRange, Query, Table, Update};
use serde_json::{json, Value};
use std::sync::Arc;

/// Sparse index partition of members' due digests.
pub const DIGEST_PARTITION: &str = "DIGESTS";
/// How long notices wait before their digest goes (`DIGEST_WINDOW_SECS`, default an hour).
pub fn digest_window_ms() -> i64 {
    std::env::var("DIGEST_WINDOW_SECS")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(3600)
        .max(0)
        * 1000
}
/// Subject of a digest with more than one notice (Postiz's).
pub const DIGEST_SUBJECT: &str = "[Postiz] Your latest notifications";

/// What a notice is about: it decides who gets an email, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A post was published: the hourly digest, for members with success emails on.
    Published,
    /// A post failed or was not confirmed: at once, for members with failure emails on.
    Failed,
    /// Something needs doing (a channel to reconnect): at once, for every member.
    Info,
}

/// Sends notification emails.
#[derive(Clone)]
pub struct NoticeMail {
    table: Arc<dyn Table>,
    accounts: AccountsRepo,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
}

fn due_key(user: &str) -> Key {
    Key::new(format!("DIGEST#{user}"), "DUE")
}

fn ms13(ms: i64) -> String {
    format!("{:013}", ms.max(0))
}

impl NoticeMail {
    /// Through `mailer`, reading members from `table`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            accounts: AccountsRepo::new(table.clone()),
            table,
            clock,
            mailer,
        }
    }

    /// The organization's active members who can get email.
    pub async fn members(&self, org: &str) -> Result<Vec<User>> {
        let mut users = Vec::new();
        for m in self.accounts.members(org).await? {
            if m.disabled {
                continue;
            }
            if let Some(u) = self.accounts.user(&m.user_id).await? {
                if u.deleted_at.is_none() && u.email.contains('@') {
                    users.push(u);
                }
            }
        }
        Ok(users)
    }

    /// Emails the notice to the members who want it, at once or in their digest.
    pub async fn send(&self, org: &str, kind: NoticeKind, subject: &str, html: &str) -> Result<()> {
        for user in self.members(org).await? {
            match kind {
                NoticeKind::Published if user.send_success_emails => {
                    self.add_to_digest(&user, subject, html).await?
                }
                NoticeKind::Failed if user.send_failure_emails => {
                    self.email(&user.email, subject, html).await?
                }
                NoticeKind::Info => self.email(&user.email, subject, html).await?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Emails one member.
    pub async fn email(&self, to: &str, subject: &str, html: &str) -> Result<()> {
        self.mailer
            .send(&EmailMessage {
                to: to.into(),
                subject: subject.into(),
                html: html.into(),
            })
            .await
    }

    async fn add_to_digest(&self, user: &User, subject: &str, html: &str) -> Result<()> {
        let now = self.clock.now().timestamp_millis();
        let mut item = Key::new(
            format!("DIGEST#{}", user.id),
            format!("ITEM#{}#{}", ms13(now), new_id()),
        )
        .to_item();
        item.insert("subject".into(), json!(subject));
        item.insert("html".into(), json!(html));
        item.insert(
            postiz_storage::item::TTL.into(),
            json!(now / 1000 + 3 * 86_400),
        );
        self.table.put(item, None).await?;
        // The digest is due an hour after its first notice.
        let due = now + digest_window_ms();
        self.table
            .update(
                &due_key(&user.id),
                Update::new()
                    .set_if_missing("userId", json!(user.id))
                    .set_if_missing(GSI2.pk, json!(DIGEST_PARTITION))
                    .set_if_missing(GSI2.sk, json!(format!("{}#{}", ms13(due), user.id))),
                None,
            )
            .await?;
        Ok(())
    }

    /// Sends every digest that is due: one email per member (the notice's own subject when
    /// there is one, else [`DIGEST_SUBJECT`] with all of them). Returns how many went.
    pub async fn send_due_digests(&self) -> Result<usize> {
        let now = self.clock.now().timestamp_millis();
        let due = self
            .table
            .query_all(
                Query::index(GSI2.name, DIGEST_PARTITION)
                    .range(KeyRange::Le(format!("{}#~", ms13(now)))),
            )
            .await?;
        let mut sent = 0;
        for marker in due {
            let Some(user_id) = marker.get("userId").and_then(Value::as_str) else {
                continue;
            };
            if self.send_digest(user_id).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }

    async fn send_digest(&self, user_id: &str) -> Result<bool> {
        // Taking the marker claims the digest: a run beside this one skips it.
        match self
            .table
            .delete(&due_key(user_id), Some(Condition::Exists))
            .await
        {
            Ok(_) => {}
            Err(e) if e.is_condition_failed() => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        let items = self
            .table
            .query_all(
                Query::partition(format!("DIGEST#{user_id}"))
                    .range(KeyRange::BeginsWith("ITEM#".into())),
            )
            .await?;
        let user = self.accounts.user(user_id).await?;
        if let Some(user) = user
            .filter(|u| u.deleted_at.is_none() && u.send_success_emails && u.email.contains('@'))
        {
            let notices: Vec<(String, String)> = items
                .iter()
                .map(|i| {
                    let text = |k: &str| i.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    (text("subject"), text("html"))
                })
                .collect();
            match notices.as_slice() {
                [] => {}
                [(subject, html)] => self.email(&user.email, subject, html).await?,
                many => {
                    let body: String = many
                        .iter()
                        .map(|(_, html)| format!("<div style=\"margin-bottom:16px\">{html}</div>"))
                        .collect();
                    self.email(&user.email, DIGEST_SUBJECT, &body).await?
                }
            }
        }
        for i in &items {
            if let Ok(k) = Key::of(i) {
                self.table.delete(&k, None).await?;
            }
        }
        Ok(true)
    }
}

/// `text` safe inside HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A subject for a notice: its first clause (up to `:` or the first full stop), at most
/// 150 characters.
pub fn subject_of(text: &str) -> String {
    let end = text
        .find(": ")
        .into_iter()
        .chain(text.find(". "))
        .min()
        .unwrap_or(text.len());
    let subject = text[..end].trim_end_matches('.');
    subject.chars().take(150).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_the_first_clause() {
        assert_eq!(
            subject_of("Error posting on X for Ann: duplicate content"),
            "Error posting on X for Ann"
        );
        assert_eq!(
            subject_of("We couldn't confirm your post on X for Ann. Please check your account."),
            "We couldn't confirm your post on X for Ann"
        );
        assert_eq!(subject_of("Done."), "Done");
        assert_eq!(escape("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }
}

/// What one run of the notification job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NoticeReport {
    /// Digests sent.
    pub digests: usize,
    /// Organizations reminded of their streak.
    pub streak_reminders: usize,
}

/// The notification job (every 15 minutes): due digests, then due streak reminders.
#[derive(Clone)]
pub struct NoticeJob {
    mail: NoticeMail,
    streaks: crate::streak::Streaks,
}

impl NoticeJob {
    /// Through `mailer`, on `table`.
    pub fn new(table: Arc<dyn Table>, clock: Arc<dyn Clock>, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            streaks: crate::streak::Streaks::new(table.clone(), clock.clone()),
            mail: NoticeMail::new(table, clock, mailer),
        }
    }

    /// One run.
    pub async fn run(&self) -> Result<NoticeReport> {
        let report = NoticeReport {
            digests: self.mail.send_due_digests().await?,
            streak_reminders: self.streaks.remind_due(&self.mail).await?,
        };
        if report != NoticeReport::default() {
            tracing::info!(?report, "notification job run");
        }
        Ok(report)
    }
}
