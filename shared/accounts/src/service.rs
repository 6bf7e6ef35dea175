//! The rules of accounts: registration, login, sessions, password reset, activation,
//! organizations, teams and the public API key.

use chrono::Utc;
use postiz_core::crypto::{random_hex, sha256_hex};
use postiz_core::email::{EmailMessage, Mailer};
use postiz_core::validate::Checks;
use postiz_core::{new_id, password, Clock, Error, Result};
use postiz_storage::answer_cache::AnswerCache;
use postiz_storage::{AppKeys, Table, Update};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

use crate::limits::{
    LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_ADDRESS, RESETS_PER_ACCOUNT, RESETS_PER_ADDRESS,
};
use crate::model::{Membership, Organization, Picture, Role, ShortlinkPreference, User};
use crate::repo::AccountsRepo;
use crate::tokens::{InviteClaims, LinkClaims, SessionClaims};
use postiz_storage::throttle::Throttle;

/// The only login provider this service handles itself.
pub const LOCAL: &str = "LOCAL";
const SESSION_DAYS: i64 = 365;
const RESET_MINUTES: i64 = 20;
const INVITE_DAYS: i64 = 2;

/// Settings of accounts, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsConfig {
    /// Where the web app lives; links in emails point there (`FRONTEND_URL`).
    pub frontend_url: String,
    /// Only the first organization may register (`DISABLE_REGISTRATION=true`).
    pub disable_registration: bool,
    /// Refuse emails with `+` (`DISALLOW_PLUS`).
    pub disallow_plus: bool,
    /// New local users must activate by email before logging in (`EMAIL_VERIFICATION=true`).
    pub email_verification: bool,
    /// Emails of the platform's administrators (`SUPER_ADMIN_EMAILS`, comma-separated,
    /// lower-case): they see Postiz's super-admin tools, such as announcements.
    pub super_admin_emails: Vec<String>,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        Self {
            frontend_url: "http://localhost:4200".into(),
            disable_registration: false,
            disallow_plus: false,
            email_verification: false,
            super_admin_emails: Vec::new(),
        }
    }
}

/// An authenticated request: the user, the organization picked with `showorg`, and the role.
#[derive(Debug, Clone)]
pub struct Session {
    /// The caller.
    pub user: User,
    /// The selected organization (always one the caller is an enabled member of).
    pub org: Organization,
    /// The caller's role in it.
    pub role: Role,
    /// The session token's claims.
    pub claims: SessionClaims,
    /// The platform administrator acting as this user (`impersonate`), if any.
    pub impersonated_by: Option<String>,
}

/// What registration produced.
#[derive(Debug, Clone)]
pub enum Registered {
    /// Logged in at once: the session token, and the invited organization to show, if any.
    Session {
        /// Session token.
        token: String,
        /// Organization joined through an invite.
        show_org: Option<String>,
    },
    /// The activation email was sent; no session yet.
    NeedsActivation,
}

/// Registration input (`CreateOrgUserDto`).
#[derive(Debug, Clone, Default)]
pub struct RegisterInput {
    /// Email.
    pub email: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Organization name.
    pub company: Option<String>,
    /// Login provider.
    pub provider: Option<String>,
    /// Invite token from the `org` cookie.
    pub invite: Option<String>,
}

/// The accounts service.
#[derive(Clone)]
pub struct Accounts {
    /// Storage access.
    pub repo: AccountsRepo,
    keys: Arc<AppKeys>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    config: AccountsConfig,
    /// Organizations by API key hash, kept while the table is unchanged (embedded store).
    orgs_by_key: Arc<AnswerCache<Option<Arc<Organization>>>>,
    table: Arc<dyn Table>,
    throttle: Throttle,
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash("not-a-real-password").unwrap_or_default())
}

async fn hash_password(pw: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(Error::internal)?
}

async fn verify_password(pw: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
        password::verify(&pw, &stored)
    })
    .await
    .unwrap_or(false)
}

impl Accounts {
    /// The service on `table`, signing with `jwt`, encrypting with `cipher`.
    pub fn new(
        table: Arc<dyn Table>,
        keys: Arc<AppKeys>,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
        config: AccountsConfig,
    ) -> Self {
        Self {
            repo: AccountsRepo::new(table.clone()),
            keys,
            clock: clock.clone(),
            mailer,
            config,
            orgs_by_key: Arc::default(),
            throttle: Throttle::new(table.clone(), clock.clone()),
            table,
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &AccountsConfig {
        &self.config
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.config.frontend_url.trim_end_matches('/'))
    }

    /// Whether local registration is open.
    pub async fn can_register(&self) -> Result<bool> {
        Ok(!self.config.disable_registration || self.repo.organization_count().await? == 0)
    }

    /// Issues a session token for `user`.
    pub async fn issue_session(&self, user: &User) -> Result<String> {
        let now = self.clock.now_secs();
        self.keys.jwt().await?.sign(&SessionClaims {
            kind: "session".into(),
            id: user.id.clone(),
            email: user.email.clone(),
            jti: new_id(),
            iat: now,
            iat_ms: self.now_ms(),
            exp: now + SESSION_DAYS * 86_400,
        })
    }

    async fn new_api_key(&self) -> Result<(String, String, String)> {
        let key = random_hex(48);
        let hash = sha256_hex(&key);
        let encrypted = self.keys.cipher().await?.encrypt(&key)?;
        Ok((key, hash, encrypted))
    }

    /// Creates a user with a new organization they own.
    pub async fn register(&self, input: RegisterInput) -> Result<Registered> {
        Checks::new()
            .email("email", input.email.as_deref())
            .length("password", input.password.as_deref(), 3, 64)
            .length("company", input.company.as_deref(), 3, 128)
            .finish()?;
        let provider = input.provider.as_deref().unwrap_or(LOCAL);
        if provider != LOCAL {
            return Err(Error::PlainBadRequest(format!(
                "Login provider {provider} is not configured"
            )));
        }
        let email = input.email.unwrap_or_default().trim().to_lowercase();
        if self.config.disallow_plus && email.contains('+') {
            return Err(Error::PlainBadRequest(
                "Email with plus sign is not allowed".into(),
            ));
        }
        if !self.can_register().await? {
            return Err(Error::PlainBadRequest("Registration is disabled".into()));
        }
        let hash = hash_password(input.password.unwrap_or_default()).await?;
        let now = self.clock.now();
        let user = User {
            id: new_id(),
            email,
            provider_name: LOCAL.into(),
            provider_id: None,
            password: Some(hash),
            name: None,
            last_name: None,
            bio: None,
            picture: None,
            is_super_admin: false,
            activated: !self.config.email_verification,
            timezone: 0,
            send_success_emails: true,
            send_failure_emails: true,
            send_streak_emails: true,
            last_read_notifications: None,
            sessions_valid_after: 0,
            deleted_at: None,
            created_at: now,
            updated_at: now,
        };
        let (_, api_hash, api_encrypted) = self.new_api_key().await?;
        let org = Organization {
            id: new_id(),
            name: input.company.unwrap_or_default().trim().to_string(),
            description: None,
            api_key_encrypted: Some(api_encrypted),
            api_key_hash: Some(api_hash),
            allow_trial: true,
            is_trailing: true,
            streak_since: None,
            shortlink: ShortlinkPreference::Ask,
            deleted_at: None,
            created_at: now,
            updated_at: now,
        };
        let member = Membership {
            id: new_id(),
            user_id: user.id.clone(),
            organization_id: org.id.clone(),
            role: Role::Superadmin,
            disabled: false,
            created_at: now,
        };
        self.repo.create_account(&user, &org, &member).await?;
        tracing::info!(user_id = %user.id, org_id = %org.id, "account registered");
        let show_org = match input.invite {
            Some(invite) => self.join_quietly(&user, &invite).await,
            None => None,
        };
        if self.config.email_verification {
            self.send_activation(&user).await?;
            return Ok(Registered::NeedsActivation);
        }
        Ok(Registered::Session {
            token: self.issue_session(&user).await?,
            show_org,
        })
    }

    async fn join_quietly(&self, user: &User, invite: &str) -> Option<String> {
        match self.join_org(user, invite).await {
            Ok(org) => org,
            Err(e) => {
                tracing::info!(error = %e, "invite not applied");
                None
            }
        }
    }

    /// Checks email and password; returns a session token and the invited organization, if any.
    /// Failed attempts are counted per account and per client `address`: past the limits
    /// ([`throttle`](crate::throttle)) the answer is 429 before any password is checked.
    pub async fn login(
        &self,
        email: Option<String>,
        pw: Option<String>,
        provider: Option<String>,
        invite: Option<String>,
        address: Option<&str>,
    ) -> Result<(String, Option<String>)> {
        Checks::new()
            .email("email", email.as_deref())
            .required("password", pw.as_deref())
            .finish()?;
        if provider.as_deref().unwrap_or(LOCAL) != LOCAL {
            return Err(Error::PlainBadRequest(
                "Login provider is not configured".into(),
            ));
        }
        let email = email.unwrap_or_default().trim().to_lowercase();
        self.throttle
            .check(&LOGIN_FAILURES_PER_ACCOUNT, &email)
            .await?;
        if let Some(address) = address {
            self.throttle
                .check(&LOGIN_FAILURES_PER_ADDRESS, address)
                .await?;
        }
        let user = self.repo.user_by_email(LOCAL, &email).await?;
        let ok = verify_password(
            pw.unwrap_or_default(),
            user.as_ref().and_then(|u| u.password.clone()),
        )
        .await;
        let user = match user {
            Some(u) if ok => u,
            _ => {
                self.throttle
                    .hit(&LOGIN_FAILURES_PER_ACCOUNT, &email)
                    .await?;
                if let Some(address) = address {
                    self.throttle
                        .hit(&LOGIN_FAILURES_PER_ADDRESS, address)
                        .await?;
                }
                return Err(Error::PlainBadRequest(
                    "Invalid user name or password".into(),
                ));
            }
        };
        self.throttle
            .clear(&LOGIN_FAILURES_PER_ACCOUNT, &email)
            .await?;
        if !user.activated {
            return Err(Error::PlainBadRequest("User is not activated".into()));
        }
        let show_org = match invite {
            Some(invite) => self.join_quietly(&user, &invite).await,
            None => None,
        };
        Ok((self.issue_session(&user).await?, show_org))
    }

    /// Resolves a session token and the `showorg` choice into a [`Session`].
    pub async fn authenticate(&self, token: &str, show_org: Option<&str>) -> Result<Session> {
        self.authenticate_as(token, show_org, None).await
    }

    /// Like [`Accounts::authenticate`]; a platform administrator with an `impersonate`
    /// choice (a membership, `<org>:<user>`, from [`Accounts::find_to_impersonate`]) acts
    /// as that member in that organization, as Postiz does. An unknown choice is ignored.
    pub async fn authenticate_as(
        &self,
        token: &str,
        show_org: Option<&str>,
        impersonate: Option<&str>,
    ) -> Result<Session> {
        let own = self.authenticate_own(token, show_org).await?;
        let Some(target) = impersonate.filter(|t| !t.is_empty() && own.user.is_super_admin) else {
            return Ok(own);
        };
        match self.membership_view(target).await? {
            Some((mut user, org, role)) => {
                // As Postiz: the administrator keeps the administrators' tools.
                user.is_super_admin = true;
                tracing::info!(admin_id = %own.user.id, user_id = %user.id, org_id = %org.id, "acting as another user");
                Ok(Session {
                    user,
                    org,
                    role,
                    claims: own.claims,
                    impersonated_by: Some(own.user.id),
                })
            }
            None => Ok(own),
        }
    }

    /// The member, organization and role of an `<org>:<user>` membership, when it is live.
    async fn membership_view(&self, id: &str) -> Result<Option<(User, Organization, Role)>> {
        let Some((org_id, user_id)) = id.split_once(':') else {
            return Ok(None);
        };
        if org_id.is_empty() || user_id.is_empty() || id.len() > 200 {
            return Ok(None);
        }
        let (m, user, org) = tokio::join!(
            self.repo.membership(org_id, user_id),
            self.repo.user(user_id),
            self.repo.organization(org_id),
        );
        Ok(match (m?, user?, org?) {
            (Some(m), Some(u), Some(o)) if !m.disabled && u.deleted_at.is_none() => {
                Some((u, o, m.role))
            }
            _ => None,
        })
    }

    /// `GET /user/impersonate?name=` (platform administrators): the memberships of the user
    /// whose email or id is `name`, or of the organization whose id it is (exact matches:
    /// Postiz searches by substring over every user, which would read the whole table).
    pub async fn find_to_impersonate(&self, s: &Session, name: &str) -> Result<Value> {
        if !s.user.is_super_admin {
            return Err(Error::BadRequest("Unauthorized".into()));
        }
        let name = name.trim();
        if name.is_empty() || name.len() > 320 {
            return Ok(json!([]));
        }
        let mut memberships = Vec::new();
        let by_email = self.repo.user_by_email(LOCAL, &name.to_lowercase()).await?;
        let by_id = self.repo.user(name).await?;
        for u in by_email.into_iter().chain(by_id) {
            memberships.extend(self.repo.memberships_of_user(&u.id).await?);
        }
        memberships.extend(self.repo.members(name).await?);
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for m in memberships {
            let id = format!("{}:{}", m.organization_id, m.user_id);
            if !seen.insert(id.clone()) {
                continue;
            }
            let Some((u, o, role)) = self.membership_view(&id).await? else {
                continue;
            };
            out.push(json!({
                "id": id,
                "role": role,
                "organization": {"id": o.id, "name": o.name, "subscription": null},
                "user": {"id": u.id, "name": u.name, "email": u.email},
            }));
        }
        Ok(Value::Array(out))
    }

    /// `POST /user/impersonate` (platform administrators): checks the choice (an empty one
    /// stops acting as another user) and records it in the log.
    pub async fn start_impersonating(&self, s: &Session, id: &str) -> Result<()> {
        let admin = s.impersonated_by.as_deref().unwrap_or(&s.user.id);
        if !s.user.is_super_admin {
            return Err(Error::BadRequest("Unauthorized".into()));
        }
        if id.is_empty() {
            tracing::warn!(admin_id = %admin, "stopped acting as another user");
            return Ok(());
        }
        let Some((u, o, _)) = self.membership_view(id).await? else {
            return Err(Error::NotFound("User not found".into()));
        };
        tracing::warn!(admin_id = %admin, user_id = %u.id, org_id = %o.id, "started acting as another user");
        Ok(())
    }

    async fn authenticate_own(&self, token: &str, show_org: Option<&str>) -> Result<Session> {
        let claims: SessionClaims = self
            .keys
            .jwt()
            .await?
            .verify(token)
            .ok_or(Error::Unauthenticated)?;
        if claims.kind != "session" || claims.exp <= self.clock.now_secs() {
            return Err(Error::Unauthenticated);
        }
        let (user, memberships, revoked) = tokio::join!(
            self.repo.user(&claims.id),
            self.repo.memberships_of_user(&claims.id),
            self.repo.is_session_revoked(&claims.jti),
        );
        let mut user = user?.ok_or(Error::Unauthenticated)?;
        if revoked?
            || !user.activated
            || user.deleted_at.is_some()
            || claims.iat_ms < user.sessions_valid_after
        {
            return Err(Error::Unauthenticated);
        }
        if self.config.super_admin_emails.contains(&user.email) {
            user.is_super_admin = true;
        }
        let enabled: Vec<Membership> = memberships?.into_iter().filter(|m| !m.disabled).collect();
        let chosen = show_org
            .and_then(|id| enabled.iter().find(|m| m.organization_id == id))
            .or_else(|| enabled.first())
            .ok_or(Error::Unauthenticated)?;
        let org = self
            .repo
            .organization(&chosen.organization_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        Ok(Session {
            role: chosen.role,
            user,
            org,
            claims,
            impersonated_by: None,
        })
    }

    /// Revokes the session's token.
    pub async fn logout(&self, session: &Session) -> Result<()> {
        self.repo
            .revoke_session(&session.claims.jti, session.claims.exp)
            .await
    }

    /// Sends a reset link to a local user. Always succeeds, so it does not reveal who has an
    /// account, unless the account or the client `address` asked too often (429).
    pub async fn forgot(&self, email: Option<String>, address: Option<&str>) -> Result<()> {
        Checks::new().email("email", email.as_deref()).finish()?;
        let email = email.unwrap_or_default().trim().to_lowercase();
        if let Some(address) = address {
            self.throttle.admit(&RESETS_PER_ADDRESS, address).await?;
        }
        self.throttle.admit(&RESETS_PER_ACCOUNT, &email).await?;
        let Some(user) = self.repo.user_by_email(LOCAL, &email).await? else {
            return Ok(());
        };
        let token = self.keys.jwt().await?.sign(&LinkClaims {
            kind: "reset".into(),
            jti: new_id(),
            id: user.id.clone(),
            expires: self.now_ms() + RESET_MINUTES * 60_000,
        })?;
        let url = self.link(&format!("/auth/forgot/{token}"));
        self.mailer
            .send(&EmailMessage {
                to: user.email,
                subject: "Reset your password".into(),
                html: format!("<p>Reset your password here: <a href=\"{url}\">{url}</a></p><p>The link is valid for {RESET_MINUTES} minutes.</p>"),
            })
            .await
    }

    /// Sets a new password from a reset link; every earlier session stops working.
    pub async fn forgot_return(
        &self,
        token: Option<String>,
        pw: Option<String>,
        repeat: Option<String>,
    ) -> Result<bool> {
        Checks::new()
            .length("password", pw.as_deref(), 3, 64)
            .required("token", token.as_deref())
            .check(
                pw.is_some() && pw == repeat,
                "repeatPassword must match password",
            )
            .finish()?;
        let Some(claims) = self
            .keys
            .jwt()
            .await?
            .verify::<LinkClaims>(token.as_deref().unwrap_or_default())
        else {
            return Ok(false);
        };
        if claims.kind != "reset" || claims.expires <= self.now_ms() {
            return Ok(false);
        }
        if !self
            .repo
            .consume_once("RESET", &claims.jti, claims.expires / 1000 + 60)
            .await?
        {
            return Ok(false);
        }
        let hash = hash_password(pw.unwrap_or_default()).await?;
        self.repo
            .update_user(
                &claims.id,
                Update::new()
                    .set("password", hash)
                    .set("sessionsValidAfter", self.now_ms()),
            )
            .await?;
        Ok(true)
    }

    async fn send_activation(&self, user: &User) -> Result<()> {
        let token = self.keys.jwt().await?.sign(&LinkClaims {
            kind: "activate".into(),
            jti: new_id(),
            id: user.id.clone(),
            expires: self.now_ms() + 7 * 86_400_000,
        })?;
        let url = self.link(&format!("/auth/activate/{token}"));
        self.mailer
            .send(&EmailMessage {
                to: user.email.clone(),
                subject: "Activate your account".into(),
                html: format!(
                    "<p>Click <a href=\"{url}\">here</a> to activate your account: {url}</p>"
                ),
            })
            .await
    }

    /// Activates an account from its emailed code; returns a session token, or `None`.
    pub async fn activate(&self, code: Option<String>) -> Result<Option<String>> {
        let jwt = self.keys.jwt().await?;
        let Some(claims) = code.and_then(|c| jwt.verify::<LinkClaims>(&c)) else {
            return Ok(None);
        };
        if claims.kind != "activate" || claims.expires <= self.now_ms() {
            return Ok(None);
        }
        let Some(user) = self.repo.user(&claims.id).await? else {
            return Ok(None);
        };
        if user.activated {
            return Ok(None);
        }
        let user = self
            .repo
            .update_user(&user.id, Update::new().set("activated", true))
            .await?;
        Ok(Some(self.issue_session(&user).await?))
    }

    /// Sends the activation email again (silently does nothing for unknown or active users).
    pub async fn resend_activation(&self, email: Option<String>) -> Result<()> {
        Checks::new().email("email", email.as_deref()).finish()?;
        if let Some(user) = self
            .repo
            .user_by_email(LOCAL, email.as_deref().unwrap_or_default())
            .await?
        {
            if !user.activated {
                self.send_activation(&user).await?;
            }
        }
        Ok(())
    }

    /// `/user/self`: the user row (no password) with the selected organization's summary.
    pub async fn self_view(&self, s: &Session) -> Result<Value> {
        let mut v = serde_json::to_value(&s.user).map_err(Error::internal)?;
        let public_api = if s.role.is_admin() {
            match &s.org.api_key_encrypted {
                Some(enc) => self.keys.cipher().await?.decrypt(enc)?,
                None => String::new(),
            }
        } else {
            String::new()
        };
        if let Value::Object(m) = &mut v {
            m.remove("password");
            m.remove("sessionsValidAfter");
            for (k, val) in [
                ("orgId", json!(s.org.id)),
                ("totalChannels", json!(10_000)),
                ("tier", json!("ULTIMATE")),
                ("role", json!(s.role)),
                ("isLifetime", json!(false)),
                ("admin", json!(s.user.is_super_admin)),
                ("impersonate", json!(s.impersonated_by.is_some())),
                // No billing yet: Postiz reports no trial when Stripe is off.
                ("isTrailing", json!(false)),
                ("allowTrial", json!(s.org.allow_trial)),
                (
                    "streakSince",
                    json!(self.repo.streak_since(&s.org.id, self.clock.now()).await?),
                ),
                ("publicApi", json!(public_api)),
            ] {
                m.insert(k.into(), val);
            }
        }
        Ok(v)
    }

    /// Records that the user read the notifications now.
    pub async fn mark_notifications_read(&self, s: &Session) -> Result<()> {
        let now = serde_json::to_value(self.clock.now()).map_err(Error::internal)?;
        self.repo
            .update_user(&s.user.id, Update::new().set("lastReadNotifications", now))
            .await
            .map(|_| ())
    }

    /// `/user/personal`.
    pub fn personal(&self, s: &Session) -> Value {
        json!({"id": s.user.id, "name": s.user.name, "bio": s.user.bio, "picture": s.user.picture})
    }

    /// Updates the profile (`UserDetailDto`).
    pub async fn update_personal(
        &self,
        s: &Session,
        fullname: Option<String>,
        bio: Option<String>,
        picture: Option<Picture>,
    ) -> Result<()> {
        Checks::new()
            .length("fullname", fullname.as_deref(), 3, 128)
            .finish()?;
        if let Some(b) = &bio {
            Checks::new().length("bio", Some(b), 0, 1000).finish()?;
        }
        let mut u = Update::new()
            .set("name", fullname.unwrap_or_default())
            .set("bio", bio.map(Value::String).unwrap_or(Value::Null));
        if let Some(p) = picture {
            u = u.set("picture", serde_json::to_value(p).map_err(Error::internal)?);
        }
        self.repo.update_user(&s.user.id, u).await.map(|_| ())
    }

    /// `/user/email-notifications`.
    pub fn email_preferences(&self, s: &Session) -> Value {
        json!({
            "sendSuccessEmails": s.user.send_success_emails,
            "sendFailureEmails": s.user.send_failure_emails,
            "sendStreakEmails": s.user.send_streak_emails,
        })
    }

    /// Updates the email preferences (any of the three booleans).
    pub async fn set_email_preferences(&self, s: &Session, prefs: [Option<bool>; 3]) -> Result<()> {
        let names = ["sendSuccessEmails", "sendFailureEmails", "sendStreakEmails"];
        let mut u = Update::new();
        for (name, v) in names.iter().zip(prefs) {
            if let Some(v) = v {
                u = u.set(name, v);
            }
        }
        if u.0.is_empty() {
            return Err(Error::invalid("at least one preference must be a boolean"));
        }
        self.repo.update_user(&s.user.id, u).await.map(|_| ())
    }

    /// `/user/organizations`: the caller's enabled organizations with their role.
    pub async fn organizations(&self, s: &Session) -> Result<Vec<Value>> {
        let memberships = self.repo.memberships_of_user(&s.user.id).await?;
        let mut out = Vec::new();
        for m in memberships.into_iter().filter(|m| !m.disabled) {
            if let Some(org) = self.repo.organization(&m.organization_id).await? {
                out.push(json!({
                    "id": org.id,
                    "name": org.name,
                    "description": org.description,
                    "allowTrial": org.allow_trial,
                    "isTrailing": org.is_trailing,
                    "createdAt": org.created_at,
                    "users": [{"role": m.role, "disabled": m.disabled}],
                    "subscription": null,
                }));
            }
        }
        Ok(out)
    }

    /// Checks that the caller may select organization `id`.
    pub async fn can_select(&self, s: &Session, id: &str) -> Result<()> {
        match self.repo.membership(id, &s.user.id).await? {
            Some(m) if !m.disabled => Ok(()),
            _ => Err(Error::NotFound("Organization not found".into())),
        }
    }

    fn require_admin(s: &Session) -> Result<()> {
        if s.role.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "You do not have permission to do this".into(),
            ))
        }
    }

    /// Makes a new public API key for the organization (admins only); returns the org row.
    pub async fn rotate_api_key(&self, s: &Session) -> Result<Value> {
        Self::require_admin(s)?;
        let (key, hash, encrypted) = self.new_api_key().await?;
        self.repo.replace_api_key(&s.org, &hash, &encrypted).await?;
        tracing::info!(org_id = %s.org.id, "public API key rotated");
        Ok(json!({
            "id": s.org.id,
            "name": s.org.name,
            "description": s.org.description,
            "apiKey": key,
            "allowTrial": s.org.allow_trial,
            "isTrailing": s.org.is_trailing,
            "createdAt": s.org.created_at,
            "updatedAt": Utc::now(),
        }))
    }

    /// `GET /settings/shortlink`: the organization's short-link preference.
    pub fn shortlink(&self, s: &Session) -> Value {
        json!({ "shortlink": s.org.shortlink })
    }

    /// `POST /settings/shortlink` (admins): sets the preference; answers the organization's
    /// summary as Postiz answers its row.
    pub async fn set_shortlink(&self, s: &Session, value: Option<&str>) -> Result<Value> {
        Self::require_admin(s)?;
        let pref = value.and_then(ShortlinkPreference::parse).ok_or_else(|| {
            Error::invalid("shortlink must be one of the following values: ASK, YES, NO")
        })?;
        let org = self.repo.set_shortlink(&s.org.id, pref).await?;
        Ok(json!({
            "id": org.id,
            "name": org.name,
            "description": org.description,
            "shortlink": org.shortlink,
            "allowTrial": org.allow_trial,
            "isTrailing": org.is_trailing,
            "createdAt": org.created_at,
            "updatedAt": org.updated_at,
        }))
    }

    /// The organization owning a public API key.
    pub async fn organization_by_api_key(&self, key: &str) -> Result<Option<Arc<Organization>>> {
        if key.is_empty() || key.len() > 512 {
            return Ok(None);
        }
        let hash = sha256_hex(key);
        let generation = self.table.write_generation();
        if let Some(g) = generation {
            if let Some(hit) = self.orgs_by_key.get(&hash, g) {
                return Ok(hit);
            }
        }
        let org = self
            .repo
            .organization_by_api_key_hash(&hash)
            .await?
            .map(Arc::new);
        if let Some(g) = generation {
            self.orgs_by_key.put(hash, g, org.clone(), 512);
        }
        Ok(org)
    }

    /// `/settings/team`: members with their email preferences (admins only).
    pub async fn team(&self, s: &Session) -> Result<Value> {
        Self::require_admin(s)?;
        let mut users = Vec::new();
        for m in self.repo.members(&s.org.id).await? {
            if let Some(u) = self.repo.user(&m.user_id).await? {
                users.push(json!({
                    "role": m.role,
                    "disabled": m.disabled,
                    "user": {
                        "id": u.id, "email": u.email, "name": u.name,
                        "sendSuccessEmails": u.send_success_emails,
                        "sendFailureEmails": u.send_failure_emails,
                        "sendStreakEmails": u.send_streak_emails,
                    }
                }));
            }
        }
        Ok(json!({ "users": users }))
    }

    /// Makes a signed, expiring, single-use invite link (admins only), optionally emailed.
    pub async fn invite(
        &self,
        s: &Session,
        email: Option<String>,
        role: Option<String>,
        send_email: bool,
    ) -> Result<String> {
        Self::require_admin(s)?;
        Checks::new()
            .email("email", email.as_deref())
            .one_of("role", role.as_deref(), &["USER", "ADMIN"])
            .finish()?;
        let email = email.unwrap_or_default().trim().to_lowercase();
        let token = self.keys.jwt().await?.sign(&InviteClaims {
            kind: "invite".into(),
            id: random_hex(20),
            org_id: s.org.id.clone(),
            email: email.clone(),
            role: role.unwrap_or_default(),
            time_limit: self.now_ms() + INVITE_DAYS * 86_400_000,
        })?;
        let url = self.link(&format!("/?org={token}"));
        if send_email {
            let inviter = s.user.name.clone().unwrap_or_else(|| s.user.email.clone());
            self.mailer
                .send(&EmailMessage {
                    to: email,
                    subject: format!("{inviter} invited you to join \"{}\"", s.org.name),
                    html: format!(
                        "<p>You have been invited to join {}: <a href=\"{url}\">{url}</a></p>",
                        s.org.name
                    ),
                })
                .await?;
        }
        Ok(url)
    }

    /// Accepts an invite for `user`: returns the organization joined, or `None` when the
    /// invite is expired, forged or already used.
    pub async fn join_org(&self, user: &User, invite: &str) -> Result<Option<String>> {
        let Some(claims) = self.keys.jwt().await?.verify::<InviteClaims>(invite) else {
            return Ok(None);
        };
        if claims.kind != "invite" || claims.time_limit <= self.now_ms() {
            return Ok(None);
        }
        let role = Role::parse(&claims.role)
            .filter(|r| *r != Role::Superadmin)
            .unwrap_or(Role::User);
        if self.repo.organization(&claims.org_id).await?.is_none() {
            return Ok(None);
        }
        let member = Membership {
            id: new_id(),
            user_id: user.id.clone(),
            organization_id: claims.org_id.clone(),
            role,
            disabled: false,
            created_at: self.clock.now(),
        };
        let joined = self
            .repo
            .join_with_invite(&member, &claims.id, claims.time_limit / 1000 + 60)
            .await?;
        Ok(joined.then_some(claims.org_id))
    }

    /// Removes a member: admins only, never oneself, never someone of a higher role.
    pub async fn remove_member(&self, s: &Session, user_id: &str) -> Result<Value> {
        Self::require_admin(s)?;
        if user_id == s.user.id {
            return Err(Error::BadRequest("You cannot remove yourself".into()));
        }
        let target = self
            .repo
            .membership(&s.org.id, user_id)
            .await?
            .ok_or_else(|| Error::NotFound("Member not found".into()))?;
        if target.role > s.role {
            return Err(Error::Forbidden(
                "You cannot remove a member with a higher role".into(),
            ));
        }
        let removed = self.repo.remove_member(&s.org.id, user_id).await?;
        serde_json::to_value(removed).map_err(Error::internal)
    }

    /// The organizations `POST /user/delete-account` would delete with the account: those
    /// the user owns (SUPERADMIN). Refused while impersonating, or when an owned
    /// organization has other members (they would lose it), as Postiz refuses.
    pub async fn organizations_to_delete(
        &self,
        s: &Session,
        impersonating: bool,
    ) -> Result<Vec<Organization>> {
        if impersonating {
            return Err(Error::BadRequest(
                "Account cannot be deleted while impersonating".into(),
            ));
        }
        let mut owned = Vec::new();
        for m in self.repo.memberships_of_user(&s.user.id).await? {
            if m.role != Role::Superadmin {
                continue;
            }
            if self.repo.members(&m.organization_id).await?.len() > 1 {
                return Err(Error::BadRequest(
                    "Please remove your team members before deleting your account".into(),
                ));
            }
            if let Some(org) = self.repo.organization(&m.organization_id).await? {
                owned.push(org);
            }
        }
        Ok(owned)
    }

    /// Erases the caller's account (once the channels of `owned` are deleted, so nothing
    /// of theirs is published any more): the owned organizations are marked deleted and
    /// lose their API key, every membership goes, and the user row is anonymised, keeps no
    /// email (the address can register again) and accepts no session.
    pub async fn erase_account(&self, s: &Session, owned: &[Organization]) -> Result<()> {
        let now = self.clock.now();
        let memberships = self.repo.memberships_of_user(&s.user.id).await?;
        let erased = User {
            email: format!(
                "deleted_{}_{}",
                &sha256_hex(&s.user.email)[..32],
                random_hex(5)
            ),
            password: None,
            provider_id: None,
            name: None,
            last_name: None,
            bio: None,
            picture: None,
            sessions_valid_after: now.timestamp_millis() + 1,
            deleted_at: Some(now),
            updated_at: now,
            ..s.user.clone()
        };
        self.repo
            .erase_account(&s.user, &erased, owned, &memberships)
            .await?;
        tracing::info!(user_id = %s.user.id, organizations = owned.len(), "account deleted");
        Ok(())
    }
}
