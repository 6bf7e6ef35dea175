//! The rules of channels: connecting (OAuth or credentials), reconnecting the same account,
//! page selection, enable/disable/delete, customers, posting times, provider tools, and the
//! on-demand token refresh every provider call goes through.

use chrono::{DateTime, Duration, Utc};
use postiz_core::{new_id, Clock, Error, Result};
use postiz_providers::{AuthTokens, ChannelAuth, Provider, ProviderError, Providers};
use postiz_storage::answer_cache::AnswerCache;
use postiz_storage::{AppKeys, Condition, Update};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;

use crate::model::{default_posting_times, Channel, Customer, PostingTime};
use crate::notifications::Notifications;
use crate::repo::ChannelRepo;

const STATE_TTL_SECS: i64 = 3600;
const REFRESH_LEASE_SECS: i64 = 300;

/// Pages to pick as the web app's pickers read them: Postiz's Graph API shape
/// (`picture: {data: {url}}`), except LinkedIn's companies (`picture` is the URL).
pub fn pages_view(provider: &str, pages: &[postiz_providers::Page]) -> Value {
    let rows: Vec<Value> = pages
        .iter()
        .map(|p| {
            let url = p.picture.clone().unwrap_or_default();
            let picture = if provider.starts_with("linkedin") {
                json!(url)
            } else {
                json!({"data": {"url": url}})
            };
            json!({"id": p.id, "pageId": p.id, "name": p.name, "picture": picture})
        })
        .collect();
    Value::Array(rows)
}

/// What a refresh attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// New tokens stored.
    Refreshed,
    /// The network refused for good: the channel is marked `refreshNeeded`.
    Dead,
    /// A temporary failure: nothing changed, try again later.
    Later,
    /// Another run holds the channel's lock.
    Locked,
}

/// The channels service.
#[derive(Clone)]
pub struct Channels {
    /// Storage access.
    pub repo: ChannelRepo,
    providers: Providers,
    keys: Arc<AppKeys>,
    pub(crate) clock: Arc<dyn Clock>,
    notifications: Notifications,
    /// Public channel lists kept while the table is unchanged (embedded store).
    pub(crate) answers: Arc<AnswerCache<Value>>,
    /// The plan's channel limit (billing); none: unlimited.
    allowance: Option<Arc<dyn ChannelAllowance>>,
}

/// Whether an organization may have one more active channel (its plan's limit).
#[async_trait::async_trait]
pub trait ChannelAllowance: Send + Sync {
    /// `Ok` when a channel may be added to the `active` ones; the refusal otherwise (402).
    async fn may_add(&self, org: &str, active: usize) -> Result<()>;
}

/// Longest token lifetime believed (a network answering an absurd `expires_in` gets this).
const MAX_TOKEN_LIFETIME_SECS: i64 = 10 * 366 * 24 * 3600;

/// When a token given `now` with `expires_in` seconds expires: the value clamped to
/// `0..=10 years`, so an absurd or negative answer cannot overflow the date arithmetic.
pub fn expiry_after(now: DateTime<Utc>, expires_in: i64) -> DateTime<Utc> {
    now + Duration::seconds(expires_in.clamp(0, MAX_TOKEN_LIFETIME_SECS))
}

/// A provider failure as an HTTP-level error.
pub fn provider_error(e: ProviderError) -> Error {
    match e.redacted() {
        ProviderError::BadRequest { user_message } => Error::BadRequest(user_message),
        ProviderError::RefreshNeeded(_) => Error::Refused {
            status: 409,
            msg: "The channel's authorization expired, please reconnect it".into(),
        },
        ProviderError::Transient { message, .. } => Error::Unavailable(message),
        ProviderError::NotSupported(what) => {
            Error::BadRequest(format!("This channel does not support {what}"))
        }
        ProviderError::Unknown(m) => Error::Unavailable(m),
    }
}

impl Channels {
    /// The service.
    pub fn new(
        repo: ChannelRepo,
        providers: Providers,
        keys: Arc<AppKeys>,
        clock: Arc<dyn Clock>,
        notifications: Notifications,
    ) -> Self {
        Self {
            repo,
            providers,
            keys,
            clock,
            notifications,
            answers: Arc::default(),
            allowance: None,
        }
    }

    /// Enforces a channel limit on connecting and enabling channels (refreshing an existing
    /// channel is always allowed).
    pub fn with_allowance(mut self, allowance: Arc<dyn ChannelAllowance>) -> Self {
        self.allowance = Some(allowance);
        self
    }

    async fn check_allowance(&self, org: &str) -> Result<()> {
        let Some(allowance) = &self.allowance else {
            return Ok(());
        };
        let active = self
            .repo
            .list(org)
            .await?
            .iter()
            .filter(|c| !c.disabled && !c.refresh_needed)
            .count();
        allowance.may_add(org, active).await
    }

    /// The service and its stores on `table`.
    pub fn on_table(
        table: Arc<dyn postiz_storage::Table>,
        providers: Providers,
        keys: Arc<AppKeys>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let notifications = Notifications::new(table.clone(), clock.clone());
        Self::new(
            ChannelRepo::new(table),
            providers,
            keys,
            clock,
            notifications,
        )
    }

    /// Notices also emailed to members (the publishing and refresh jobs).
    pub fn with_mailer(mut self, mailer: Arc<dyn postiz_core::email::Mailer>) -> Self {
        self.notifications = self.notifications.with_mailer(mailer);
        self
    }

    /// The notifications store the service writes to.
    pub fn notifications(&self) -> &Notifications {
        &self.notifications
    }

    /// The registry of providers.
    pub fn providers(&self) -> &Providers {
        &self.providers
    }

    pub(crate) fn provider(&self, identifier: &str) -> Result<Arc<dyn Provider>> {
        self.providers
            .get(identifier)
            .ok_or_else(|| Error::NotFound(format!("Unknown provider {identifier}")))
    }

    async fn channel(&self, org: &str, id: &str) -> Result<Channel> {
        self.repo
            .get(org, id)
            .await?
            .ok_or_else(|| Error::NotFound("Channel not found".into()))
    }

    /// The decrypted credentials of a channel, for provider calls only.
    pub async fn auth_of(&self, c: &Channel) -> Result<ChannelAuth> {
        let cipher = self.keys.cipher().await?;
        Ok(ChannelAuth {
            internal_id: c.internal_id.clone(),
            access_token: cipher.decrypt(&c.token)?,
            refresh_token: c
                .refresh_token
                .as_deref()
                .map(|t| cipher.decrypt(t))
                .transpose()?,
            custom: c
                .custom_instance_details
                .as_deref()
                .map(|d| cipher.decrypt(d))
                .transpose()?
                .and_then(|s| serde_json::from_str(&s).ok()),
        })
    }

    /// One channel as `/integrations/list` shows it (no secrets).
    pub async fn view(&self, c: &Channel, customers: &[Customer]) -> Value {
        let provider = self.providers.get(&c.provider_identifier);
        let info = provider.as_ref().map(|p| p.info());
        let customer = c
            .customer_id
            .as_ref()
            .and_then(|id| customers.iter().find(|cu| &cu.id == id))
            .map(|cu| json!({"id": cu.id, "name": cu.name}));
        json!({
            "name": c.name,
            "id": c.id,
            "internalId": c.internal_id,
            "disabled": c.disabled,
            "editor": info.map(|i| json!(i.editor)).unwrap_or(json!("normal")),
            "stripLinks": false,
            "picture": c.picture_or_default(),
            "identifier": c.provider_identifier,
            "inBetweenSteps": c.in_between_steps,
            "refreshNeeded": c.refresh_needed,
            "isCustomFields": info.is_some_and(|i| i.custom_fields.is_some()),
            "customFields": info.and_then(|i| i.custom_fields.as_ref()),
            "display": c.profile,
            "type": "social",
            "time": c.posting_times,
            "changeProfilePicture": false,
            "changeNickName": false,
            "customer": customer,
            "additionalSettings": c.additional_settings,
        })
    }

    /// `GET /integrations/list`.
    pub async fn list(&self, org: &str) -> Result<Value> {
        let (channels, customers) =
            tokio::try_join!(self.repo.list(org), self.repo.customers(org))?;
        let mut out = Vec::with_capacity(channels.len());
        for c in &channels {
            out.push(self.view(c, &customers).await);
        }
        Ok(json!({ "integrations": out }))
    }

    /// `GET /integrations/social/:provider`: the URL to start connecting, with a stored state.
    pub async fn start_connect(
        &self,
        org: &str,
        user: &str,
        provider: &str,
        refresh: Option<String>,
    ) -> Result<Value> {
        let p = self.provider(provider)?;
        let refresh = refresh.filter(|r| !r.is_empty() && r != "undefined");
        let req = p.auth_url().await.map_err(provider_error)?;
        let data = json!({
            "orgId": org,
            "userId": user,
            "provider": provider,
            "codeVerifier": req.code_verifier,
            "refresh": refresh,
        });
        self.repo
            .put_state(&req.state, data, self.clock.now_secs() + STATE_TTL_SECS)
            .await?;
        Ok(json!({ "url": req.url }))
    }

    /// `POST /integrations/social-connect/:provider`: completes a connection from the state
    /// and code; creates the channel, or updates the same account's channel.
    pub async fn connect(&self, provider: &str, state: &str, code: &str) -> Result<Value> {
        let p = self.provider(provider)?;
        let data = self
            .repo
            .take_state(state)
            .await?
            .filter(|d| d["provider"] == provider)
            .ok_or_else(|| {
                Error::BadRequest("Invalid or expired state, please start connecting again".into())
            })?;
        let org = data["orgId"].as_str().unwrap_or_default().to_string();
        let verifier = data["codeVerifier"].as_str().unwrap_or_default();
        if code.is_empty() {
            return Err(Error::invalid("code should not be empty"));
        }
        let tokens = p
            .authenticate(code, verifier)
            .await
            .map_err(|e| match e.redacted() {
                ProviderError::BadRequest { user_message } => Error::Refused {
                    status: 409,
                    msg: user_message,
                },
                other => provider_error(other),
            })?;
        if tokens.id.is_empty() || tokens.access_token.is_empty() {
            return Err(Error::Refused {
                status: 409,
                msg: "The network did not return an account, please try again".into(),
            });
        }
        if let Some(refresh) = data["refresh"].as_str() {
            if refresh != tokens.id {
                return Err(Error::Refused {
                    status: 409,
                    msg: "Please connect the same account".into(),
                });
            }
        }
        let custom = custom_fields_of(p.as_ref(), code);
        let channel = match self.repo.by_internal_id(&org, provider, &tokens.id).await? {
            Some(existing) => {
                self.store_tokens(existing, &tokens, custom.as_deref(), true)
                    .await?
            }
            None => {
                self.create(&org, p.as_ref(), &tokens, custom.as_deref())
                    .await?
            }
        };
        let pages = if channel.in_between_steps {
            p.pages(&self.auth_of(&channel).await?)
                .await
                .map_err(provider_error)?
        } else {
            Vec::new()
        };
        let mut v = self.view(&channel, &[]).await;
        v["onboarding"] = json!(false);
        v["pages"] = pages_view(provider, &pages);
        Ok(v)
    }

    async fn create(
        &self,
        org: &str,
        p: &dyn Provider,
        t: &AuthTokens,
        custom: Option<&str>,
    ) -> Result<Channel> {
        self.check_allowance(org).await?;
        let now = self.clock.now();
        let info = p.info();
        let cipher = self.keys.cipher().await?;
        let c = Channel {
            id: new_id(),
            organization_id: org.to_string(),
            internal_id: t.id.clone(),
            name: display_name(t),
            picture: t.picture.clone(),
            provider_identifier: info.identifier.to_string(),
            token: self.keys.cipher().await?.encrypt(&t.access_token)?,
            refresh_token: non_empty(&t.refresh_token)
                .map(|r| cipher.encrypt(r))
                .transpose()?,
            token_expiration: t.expires_in.map(|s| expiry_after(now, s)),
            profile: t.username.clone(),
            disabled: false,
            in_between_steps: info.two_step,
            refresh_needed: false,
            posting_times: default_posting_times(),
            custom_instance_details: custom.map(|c| cipher.encrypt(c)).transpose()?,
            customer_id: None,
            root_internal_id: t.id.clone(),
            additional_settings: t
                .additional_settings
                .as_ref()
                .map_or_else(|| "[]".into(), |a| a.to_string()),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.repo.create(&c).await?;
        tracing::info!(org_id = %org, channel_id = %c.id, provider = info.identifier, "channel connected");
        let log = crate::PlatformLog::new(self.repo.table().clone(), self.clock.clone());
        if let Err(e) = log.connected(info.identifier).await {
            tracing::warn!(error = %e, "the connection was not counted");
        }
        Ok(c)
    }

    /// Stores new tokens on a channel. An empty refresh token never replaces a stored one.
    async fn store_tokens(
        &self,
        mut c: Channel,
        t: &AuthTokens,
        custom: Option<&str>,
        profile: bool,
    ) -> Result<Channel> {
        let expected = c.updated_at;
        let now = self.clock.now();
        c.token = self.keys.cipher().await?.encrypt(&t.access_token)?;
        if let Some(r) = non_empty(&t.refresh_token) {
            c.refresh_token = Some(self.keys.cipher().await?.encrypt(r)?);
        }
        c.token_expiration = t.expires_in.map(|s| expiry_after(now, s));
        c.refresh_needed = false;
        if profile {
            c.name = display_name(t);
            c.picture = t.picture.clone().or(c.picture);
            c.profile = t.username.clone().or(c.profile);
        }
        if let Some(custom) = custom {
            c.custom_instance_details = Some(self.keys.cipher().await?.encrypt(custom)?);
        }
        c.updated_at = now.max(expected + Duration::milliseconds(1));
        self.repo.save(&c, expected).await?;
        Ok(c)
    }

    /// A provider's pre-connection step (`GET /integrations/telegram/updates`).
    pub async fn discover(&self, provider: &str, data: &Value) -> Result<Value> {
        self.provider(provider)?
            .discover(data)
            .await
            .map_err(provider_error)
    }

    /// `POST /integrations/provider/:id/connect`: picks the page of a two-step channel.
    pub async fn select_page(&self, org: &str, id: &str, page_id: &str) -> Result<Value> {
        let c = self.channel(org, id).await?;
        if !c.in_between_steps {
            return Err(Error::BadRequest(
                "This channel has no page to choose".into(),
            ));
        }
        let p = self.provider(&c.provider_identifier)?;
        let t = p
            .select_page(&self.auth_of(&c).await?, page_id)
            .await
            .map_err(provider_error)?;
        let mut page = c.clone();
        page.internal_id = t.id.clone();
        page.name = display_name(&t);
        page.picture = t.picture.clone().or(page.picture);
        page.token = self.keys.cipher().await?.encrypt(&t.access_token)?;
        page.in_between_steps = false;
        page.updated_at = self
            .clock
            .now()
            .max(c.updated_at + Duration::milliseconds(1));
        page.root_internal_id = c.internal_id.clone();
        self.repo.replace_identity(&c, &page).await?;
        Ok(json!({"success": true}))
    }

    /// `POST /integrations/disable|enable`.
    pub async fn set_disabled(&self, org: &str, id: &str, disabled: bool) -> Result<()> {
        let c = self.channel(org, id).await?;
        if !disabled && c.disabled {
            self.check_allowance(org).await?;
        }
        self.mutate(c, |c| c.disabled = disabled).await.map(|_| ())
    }

    async fn mutate(&self, mut c: Channel, f: impl FnOnce(&mut Channel)) -> Result<Channel> {
        let expected = c.updated_at;
        f(&mut c);
        c.updated_at = self.clock.now().max(expected + Duration::milliseconds(1));
        self.repo.save(&c, expected).await?;
        Ok(c)
    }

    /// `DELETE /integrations`: soft-deletes the channel; returns it (without secrets).
    pub async fn delete(&self, org: &str, id: &str) -> Result<Value> {
        let c = self.channel(org, id).await?;
        let deleted = self.repo.delete(&c, self.clock.now()).await?;
        Ok(self.view(&deleted, &[]).await)
    }

    /// `GET /integrations/customers`.
    pub async fn customers(&self, org: &str) -> Result<Value> {
        Ok(json!(self.repo.customers(org).await?))
    }

    /// `PUT /integrations/:id/group`: assigns a customer of the organization (empty: detach).
    pub async fn set_customer(
        &self,
        org: &str,
        id: &str,
        customer: Option<String>,
    ) -> Result<Value> {
        let c = self.channel(org, id).await?;
        let customer = customer.filter(|g| !g.is_empty());
        if let Some(cid) = &customer {
            if !self
                .repo
                .customers(org)
                .await?
                .iter()
                .any(|cu| &cu.id == cid)
            {
                return Err(Error::NotFound("Customer not found".into()));
            }
        }
        let c = self.mutate(c, |c| c.customer_id = customer).await?;
        Ok(self.view(&c, &self.repo.customers(org).await?).await)
    }

    /// `PUT /integrations/:id/customer-name`: assigns the customer of that name, creating it.
    pub async fn set_customer_by_name(&self, org: &str, id: &str, name: &str) -> Result<Value> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name must be 1 to 100 characters"));
        }
        let existing = self
            .repo
            .customers(org)
            .await?
            .into_iter()
            .find(|c| c.name == name);
        let customer = match existing {
            Some(c) => c,
            None => {
                let c = Customer {
                    id: new_id(),
                    name: name.to_string(),
                    org_id: org.to_string(),
                };
                self.repo.create_customer(&c).await?;
                c
            }
        };
        self.set_customer(org, id, Some(customer.id)).await
    }

    /// `POST /integrations/:id/time`: default posting times (minutes after midnight UTC).
    pub async fn set_times(&self, org: &str, id: &str, times: Vec<PostingTime>) -> Result<Value> {
        if times.iter().any(|t| !(0..1440).contains(&t.time)) {
            return Err(Error::invalid("time must be between 0 and 1439 minutes"));
        }
        let c = self.channel(org, id).await?;
        self.mutate(c, |c| c.posting_times = times).await?;
        Ok(json!({ "id": id }))
    }

    /// `POST /integrations/:id/settings`: the provider's extra settings, a JSON array string.
    pub async fn set_additional_settings(&self, org: &str, id: &str, settings: &str) -> Result<()> {
        if !serde_json::from_str::<Value>(settings).is_ok_and(|v| v.is_array()) {
            return Err(Error::invalid(
                "additionalSettings must be a JSON array string",
            ));
        }
        let c = self.channel(org, id).await?;
        let settings = settings.to_string();
        self.mutate(c, |c| c.additional_settings = settings)
            .await
            .map(|_| ())
    }

    /// `POST /integrations/function`: runs one of the provider's declared tools; for a
    /// channel whose page is still to be picked, also `pages` (`companies` on LinkedIn), the
    /// list the web app's page picker asks for when it reopens.
    pub async fn call_tool(&self, org: &str, id: &str, name: &str, data: &Value) -> Result<Value> {
        let c = self.channel(org, id).await?;
        let p = self.provider(&c.provider_identifier)?;
        if p.info().two_step && matches!(name, "pages" | "companies") {
            let identifier = c.provider_identifier.clone();
            let pages = self
                .with_fresh_token(c, move |auth| {
                    let p = p.clone();
                    async move { p.pages(&auth).await }
                })
                .await
                .map_err(provider_error)?;
            return Ok(pages_view(&identifier, &pages));
        }
        if !p.info().tools.contains(&name) {
            return Err(Error::BadRequest(format!(
                "{} has no function {name}",
                p.info().name
            )));
        }
        let name = name.to_string();
        let data = data.clone();
        self.with_fresh_token(c, move |auth| {
            let (p, name, data) = (p.clone(), name.clone(), data.clone());
            async move { p.tool(&auth, &name, &data).await }
        })
        .await
        .map_err(provider_error)
    }

    /// Runs a provider call; on `RefreshNeeded` refreshes the token once (or waits for the
    /// refresh another caller is doing) and retries once. A refresh that failed for now is
    /// `Transient`; a token the network refused for good is `RefreshNeeded` (and the channel
    /// is marked).
    pub async fn with_fresh_token<T, F, Fut>(&self, c: Channel, call: F) -> Result<T, ProviderError>
    where
        F: Fn(ChannelAuth) -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let unknown = |e: Error| ProviderError::Unknown(e.to_string());
        let auth = self.auth_of(&c).await.map_err(unknown)?;
        let reason = match call(auth).await.map_err(ProviderError::redacted) {
            Err(ProviderError::RefreshNeeded(reason)) => reason,
            other => return other,
        };
        tracing::info!(channel_id = %c.id, %reason, "token refused; refreshing once");
        let fresh = match self.refresh(&c).await {
            Ok(RefreshOutcome::Refreshed) => self
                .repo
                .get(&c.organization_id, &c.id)
                .await
                .ok()
                .flatten(),
            Ok(RefreshOutcome::Locked) => match self.wait_for_refresh(&c).await {
                Some(f) => Some(f),
                None => return Err(ProviderError::transient("the token is being refreshed")),
            },
            Ok(RefreshOutcome::Dead) => return Err(ProviderError::RefreshNeeded(reason)),
            Ok(RefreshOutcome::Later) | Err(_) => {
                return Err(ProviderError::transient(
                    "the token could not be refreshed just now",
                ))
            }
        };
        match fresh {
            Some(f) if !f.refresh_needed => call(self.auth_of(&f).await.map_err(unknown)?)
                .await
                .map_err(ProviderError::redacted),
            _ => Err(ProviderError::RefreshNeeded(reason)),
        }
    }

    /// Waits (up to 15 s) for another caller's refresh of `c` to finish; the channel as it
    /// left it, or `None` if it is still going on.
    async fn wait_for_refresh(&self, c: &Channel) -> Option<Channel> {
        for _ in 0..60 {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            let now = self
                .repo
                .get(&c.organization_id, &c.id)
                .await
                .ok()
                .flatten()?;
            if now.refresh_needed || now.updated_at != c.updated_at {
                return Some(now);
            }
        }
        None
    }

    /// Refreshes a channel's token under its lock. A permanent refusal marks the channel
    /// `refreshNeeded` and notifies once; a temporary failure changes nothing.
    pub async fn refresh(&self, c: &Channel) -> Result<RefreshOutcome> {
        let lock = format!("refresh#{}", c.id);
        if !self
            .repo
            .lock(&lock, self.clock.now_secs() + REFRESH_LEASE_SECS)
            .await?
        {
            return Ok(RefreshOutcome::Locked);
        }
        let outcome = self.refresh_locked(c).await;
        if let Err(e) = self.repo.unlock(&lock).await {
            tracing::warn!(error = %e, "could not release the refresh lock (it expires by itself)");
        }
        outcome
    }

    async fn refresh_locked(&self, stale: &Channel) -> Result<RefreshOutcome> {
        // Re-read under the lock: another run may have refreshed it already.
        let Some(c) = self.repo.get(&stale.organization_id, &stale.id).await? else {
            return Ok(RefreshOutcome::Later);
        };
        if c.refresh_needed {
            return Ok(RefreshOutcome::Dead);
        }
        if c.updated_at != stale.updated_at && c.token_expiration > stale.token_expiration {
            return Ok(RefreshOutcome::Refreshed);
        }
        let p = self.provider(&c.provider_identifier)?;
        let refreshed = p.refresh(&self.auth_of(&c).await?).await;
        match refreshed.map_err(ProviderError::redacted) {
            Ok(t) if !t.access_token.is_empty() => {
                self.store_tokens(c, &t, None, false).await?;
                Ok(RefreshOutcome::Refreshed)
            }
            Ok(_) => self.mark_dead(&c, "the network returned no token").await,
            Err(ProviderError::RefreshNeeded(m)) => self.mark_dead(&c, &m).await,
            Err(ProviderError::BadRequest { user_message }) => {
                self.mark_dead(&c, &user_message).await
            }
            // A network without refresh: a refused token can only be replaced by reconnecting.
            Err(ProviderError::NotSupported(_)) => {
                self.mark_dead(&c, "the network refused the token").await
            }
            Err(e) => {
                tracing::warn!(channel_id = %c.id, error = %e, "token refresh failed; will retry");
                Ok(RefreshOutcome::Later)
            }
        }
    }

    /// Marks the channel `refreshNeeded` after the network refused its token for good (a
    /// publish that failed even after a refresh); notifies once per incident.
    pub async fn mark_refresh_needed(&self, c: &Channel, reason: &str) -> Result<()> {
        self.mark_dead(c, reason).await.map(|_| ())
    }

    /// Marks the channel `refreshNeeded` (and out of the refresh index); the first marking of
    /// an incident creates one notification.
    async fn mark_dead(&self, c: &Channel, reason: &str) -> Result<RefreshOutcome> {
        let now = self.clock.now();
        let update = Update::new()
            .set("refreshNeeded", true)
            .set(
                "updatedAt",
                serde_json::to_value(now).map_err(Error::internal)?,
            )
            .remove("gsi2pk")
            .remove("gsi2sk");
        let first = self
            .repo
            .update_fields(
                &c.organization_id,
                &c.id,
                update,
                Condition::And(vec![
                    Condition::Exists,
                    Condition::eq("refreshNeeded", false),
                ]),
            )
            .await?;
        if first {
            tracing::warn!(channel_id = %c.id, %reason, "token refresh refused; channel needs reconnecting");
            let provider = self
                .providers
                .get(&c.provider_identifier)
                .map(|p| p.info().name)
                .unwrap_or("the network");
            self.notifications
                .notify(
                    &c.organization_id,
                    crate::mail::NoticeKind::Info,
                    &format!("Could not refresh your {provider} channel {}", c.name),
                    &format!(
                        "Could not refresh your {provider} channel {}. Please reconnect it.",
                        c.name
                    ),
                )
                .await?;
        }
        Ok(RefreshOutcome::Dead)
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|v| !v.is_empty() && *v != "null")
}

fn display_name(t: &AuthTokens) -> String {
    if !t.name.trim().is_empty() {
        return t.name.trim().to_string();
    }
    if let Some(u) = t.username.as_deref().filter(|u| !u.is_empty()) {
        return u.split('@').next().unwrap_or(u).to_string();
    }
    format!("Channel_{}", t.id.chars().take(8).collect::<String>())
}

/// For credential providers, the decoded custom-fields JSON of the connect `code`.
fn custom_fields_of(p: &dyn Provider, code: &str) -> Option<String> {
    use base64::Engine;
    p.info().custom_fields.as_ref()?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(code)
        .ok()?;
    String::from_utf8(raw).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn absurd_expiries_are_clamped_not_a_panic() {
        let now = chrono::Utc::now();
        assert_eq!(
            super::expiry_after(now, 3600),
            now + chrono::Duration::hours(1)
        );
        assert_eq!(super::expiry_after(now, -5), now);
        let far = super::expiry_after(now, i64::MAX);
        assert!(far > now && far < now + chrono::Duration::days(3700));
    }
}
