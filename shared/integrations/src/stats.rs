//! Channel and post statistics (Postiz's analytics): read from the network with a fresh
//! token, kept an hour per (organization, channel or post, days) so a dashboard reload does
//! not reach the network again.

use postiz_core::Result;
use postiz_providers::ProviderError;
use serde_json::Value;

use crate::model::Channel;
use crate::service::{Channels, RefreshOutcome};

/// How long statistics are kept (Postiz's cache: one hour).
pub const KEEP_SECS: i64 = 3600;

/// Days asked for: Postiz's `date` parameter, 1 to 365 (7 when absent or unreadable).
pub fn days_of(date: Option<&str>) -> u32 {
    date.and_then(|d| d.trim().parse::<u32>().ok())
        .filter(|d| *d > 0)
        .map_or(7, |d| d.min(365))
}

/// What to read.
enum Subject<'a> {
    Channel,
    Post(&'a str),
}

impl Channels {
    /// `GET /analytics/:id?date=N`: the channel's statistics, `[]` for networks without them
    /// or a channel that cannot be read (disabled, to reconnect, its page not chosen).
    pub async fn channel_stats(&self, org: &str, id: &str, days: u32) -> Result<Value> {
        let c = self.live_channel(org, id).await?;
        self.stats(&c, id, days, Subject::Channel).await
    }

    /// The statistics of the message `release_id` published on channel `channel_id`, kept
    /// under the post's id `post_id`.
    pub async fn post_stats(
        &self,
        org: &str,
        channel_id: &str,
        post_id: &str,
        release_id: &str,
        days: u32,
    ) -> Result<Value> {
        let c = self.live_channel(org, channel_id).await?;
        self.stats(
            &c,
            &format!("post#{post_id}"),
            days,
            Subject::Post(release_id),
        )
        .await
    }

    async fn stats(
        &self,
        c: &Channel,
        subject: &str,
        days: u32,
        what: Subject<'_>,
    ) -> Result<Value> {
        let org = &c.organization_id;
        if c.disabled || c.refresh_needed || c.in_between_steps {
            return Ok(Value::Array(Vec::new()));
        }
        let now = self.clock.now_secs();
        if let Some(kept) = self.repo.cached_stats(org, subject, days, now).await? {
            return Ok(kept);
        }
        let mut c = c.clone();
        if c.token_expiration.is_some_and(|t| t.timestamp() <= now) {
            match self.fresh(&c).await? {
                Some(renewed) => c = renewed,
                None => return Ok(Value::Array(Vec::new())),
            }
        }
        let mut answer = self.read_stats(&c, days, &what).await;
        if matches!(answer, Err(ProviderError::RefreshNeeded(_))) {
            // The network refused the token: renew it once and ask again.
            match self.fresh(&c).await? {
                Some(renewed) => answer = self.read_stats(&renewed, days, &what).await,
                None => return Ok(Value::Array(Vec::new())),
            }
        }
        match answer {
            Ok(list) => {
                let value = Value::Array(list);
                self.repo
                    .keep_stats(org, subject, days, &value, now + KEEP_SECS)
                    .await?;
                Ok(value)
            }
            Err(e) => {
                // As Postiz: the page shows no statistics rather than an error; not kept, so
                // the next reload tries again.
                tracing::warn!(channel_id = %c.id, error = %e.redacted(), "statistics unavailable");
                Ok(Value::Array(Vec::new()))
            }
        }
    }

    async fn read_stats(
        &self,
        c: &Channel,
        days: u32,
        what: &Subject<'_>,
    ) -> std::result::Result<Vec<Value>, ProviderError> {
        let p = self
            .provider(&c.provider_identifier)
            .map_err(|e| ProviderError::Unknown(e.to_string()))?;
        let auth = self
            .auth_of(c)
            .await
            .map_err(|e| ProviderError::Unknown(e.to_string()))?;
        match what {
            Subject::Channel => p.analytics(&auth, days).await,
            Subject::Post(release) => p.post_analytics(&auth, release, days).await,
        }
    }

    /// The channel with a renewed token, or `None` when it cannot be renewed now.
    pub(crate) async fn fresh(&self, c: &Channel) -> Result<Option<Channel>> {
        match self.refresh(c).await? {
            RefreshOutcome::Refreshed => self.repo.get(&c.organization_id, &c.id).await,
            RefreshOutcome::Dead | RefreshOutcome::Later | RefreshOutcome::Locked => Ok(None),
        }
    }

    /// The organization's channel `id` that is not deleted, or 404.
    pub(crate) async fn live_channel(&self, org: &str, id: &str) -> Result<Channel> {
        let found = if postiz_core::validate::is_plausible_id(id) {
            self.repo.get(org, id).await?
        } else {
            None
        };
        found
            .filter(|c| c.deleted_at.is_none())
            .ok_or_else(|| postiz_core::Error::NotFound("Channel not found".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::days_of;

    #[test]
    fn days_are_bounded() {
        assert_eq!(days_of(Some("30")), 30);
        assert_eq!(days_of(Some("0")), 7);
        assert_eq!(days_of(Some("x")), 7);
        assert_eq!(days_of(None), 7);
        assert_eq!(days_of(Some("9999")), 365);
    }
}
