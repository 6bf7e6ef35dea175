//! What a plan change does besides the subscription record, over the channels and the
//! accounts: extra channels disabled, team members disabled or enabled, the trial flags.

use async_trait::async_trait;
use chrono::Duration;
use postiz_accounts::model::Role;
use postiz_accounts::repo::AccountsRepo;
use postiz_billing::OrgEffects;
use postiz_core::{Clock, Result};
use postiz_integrations::repo::ChannelRepo;
use std::sync::Arc;

/// [`OrgEffects`] on the table.
pub struct TableEffects {
    /// The channels.
    pub channels: ChannelRepo,
    /// Members and organizations.
    pub accounts: AccountsRepo,
    /// For the channels' `updatedAt`.
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl OrgEffects for TableEffects {
    /// Keeps the oldest active channels up to the limit and disables the newest ones
    /// (Postiz disables whichever its database returns first).
    async fn enforce_channel_limit(&self, org: &str, limit: u32) -> Result<usize> {
        let mut active: Vec<_> = self
            .channels
            .list(org)
            .await?
            .into_iter()
            .filter(|c| !c.disabled)
            .collect();
        active.sort_by_key(|c| c.created_at);
        let extra: Vec<_> = active.into_iter().skip(limit as usize).collect();
        for mut c in extra.iter().cloned() {
            let expected = c.updated_at;
            c.disabled = true;
            c.updated_at = self.clock.now().max(expected + Duration::milliseconds(1));
            self.channels.save(&c, expected).await?;
        }
        Ok(extra.len())
    }

    async fn set_team_enabled(&self, org: &str, enabled: bool) -> Result<()> {
        for m in self.accounts.members(org).await? {
            if m.role != Role::Superadmin && m.disabled == enabled {
                self.accounts
                    .set_member_disabled(org, &m.user_id, !enabled)
                    .await?;
            }
        }
        Ok(())
    }

    async fn set_trial(&self, org: &str, is_trailing: bool) -> Result<()> {
        self.accounts.set_trial(org, is_trailing, false).await
    }
}
