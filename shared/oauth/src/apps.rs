//! An organization's own app (`/user/oauth-app`) and the grants users gave
//! (`/user/approved-apps`).

use postiz_core::validate::Checks;
use postiz_core::{Error, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::{OAuthApp, AUTH_METHOD_POST};
use crate::{secrets, uris, OAuth};

/// The fields of `POST` and `PUT /user/oauth-app` (all optional on `PUT`).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppInput {
    /// Shown on the consent screen (at most 100 characters).
    pub name: Option<String>,
    /// Shown on the consent screen (at most 500 characters).
    pub description: Option<String>,
    /// A media library picture.
    pub picture_id: Option<String>,
    /// Where users go back after consent.
    pub redirect_url: Option<String>,
}

/// A media library picture the caller has checked belongs to the organization.
#[derive(Debug, Clone)]
pub struct PictureRef {
    /// Media id.
    pub id: String,
    /// Its URL.
    pub path: String,
}

fn check_input(input: &AppInput, creating: bool) -> Result<()> {
    let mut checks = Checks::new();
    if creating || input.name.is_some() {
        checks.length("name", input.name.as_deref().map(str::trim), 1, 100);
    }
    if let Some(d) = &input.description {
        checks.check(
            d.chars().count() <= 500,
            "description must be shorter than or equal to 500 characters",
        );
    }
    if creating || input.redirect_url.is_some() {
        checks.check(
            input.redirect_url.as_deref().is_some_and(uris::is_app_url),
            "redirectUrl must be a URL address",
        );
    }
    checks.finish()
}

impl OAuth {
    async fn org_app(&self, org: &str) -> Result<Option<OAuthApp>> {
        let Some(client) = self.repo.org_app_client(org).await? else {
            return Ok(None);
        };
        Ok(self
            .repo
            .app(&client)
            .await?
            .filter(|a| a.organization_id.as_deref() == Some(org)))
    }

    async fn live_org_app(&self, org: &str) -> Result<OAuthApp> {
        match self.org_app(org).await? {
            Some(app) if app.deleted_at.is_none() => Ok(app),
            _ => Err(Error::NotFound("No OAuth app found".into())),
        }
    }

    /// The organization's app without its secret, or `false` (`GET /user/oauth-app`).
    pub async fn get_app(&self, org: &str) -> Result<Value> {
        Ok(match self.org_app(org).await? {
            Some(app) if app.deleted_at.is_none() => app.to_postiz_json(),
            _ => json!(false),
        })
    }

    /// Creates the organization's app (one per organization): the app and its secret, shown
    /// this once (`POST /user/oauth-app`).
    pub async fn create_app(
        &self,
        org: &str,
        input: AppInput,
        picture: Option<PictureRef>,
    ) -> Result<Value> {
        check_input(&input, true)?;
        if let Some(old) = self.org_app(org).await? {
            if old.deleted_at.is_none() {
                return Err(one_per_org());
            }
            // A deletion cut short: finish it first.
            self.finish_deletion(org, &old).await?;
        }
        let secret = secrets::make("pcs_", 48);
        let now = self.clock.now();
        let app = OAuthApp {
            id: postiz_core::new_id(),
            client_id: secrets::make("pca_", 32),
            organization_id: Some(org.to_string()),
            name: input.name.unwrap_or_default().trim().to_string(),
            description: input.description.filter(|d| !d.trim().is_empty()),
            picture_id: picture.as_ref().map(|p| p.id.clone()),
            picture_path: picture.map(|p| p.path),
            redirect_url: input.redirect_url.unwrap_or_default(),
            redirect_uris: Vec::new(),
            dynamic: false,
            token_endpoint_auth_method: AUTH_METHOD_POST.into(),
            secret_hash: Some(secrets::hash(&secret)),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        if !self.repo.create_org_app(org, &app).await? {
            return Err(one_per_org());
        }
        let mut answer = app.to_postiz_json();
        answer["clientSecret"] = json!(secret);
        Ok(answer)
    }

    /// Changes the organization's app (`PUT /user/oauth-app`); `picture` replaces the
    /// picture when `pictureId` is given (an empty one removes it).
    pub async fn update_app(
        &self,
        org: &str,
        input: AppInput,
        picture: Option<PictureRef>,
    ) -> Result<Value> {
        check_input(&input, false)?;
        let old = self.live_org_app(org).await?;
        let mut app = old.clone();
        if let Some(name) = input.name {
            app.name = name.trim().to_string();
        }
        if let Some(d) = input.description {
            app.description = Some(d).filter(|d| !d.trim().is_empty());
        }
        if let Some(url) = input.redirect_url {
            app.redirect_url = url;
        }
        if input.picture_id.is_some() {
            app.picture_id = picture.as_ref().map(|p| p.id.clone());
            app.picture_path = picture.map(|p| p.path);
        }
        app.updated_at = self
            .clock
            .now()
            .max(old.updated_at + chrono::Duration::milliseconds(1));
        if !self.repo.replace_app(&app, &old).await? {
            return Err(Error::Conflict(
                "The app was changed by another request; reload and try again".into(),
            ));
        }
        Ok(app.to_postiz_json())
    }

    /// A new secret for the organization's app, shown this once; the old one stops working
    /// (`POST /user/oauth-app/rotate-secret`).
    pub async fn rotate_secret(&self, org: &str) -> Result<Value> {
        let old = self.live_org_app(org).await?;
        let secret = secrets::make("pcs_", 48);
        let mut app = old.clone();
        app.secret_hash = Some(secrets::hash(&secret));
        app.updated_at = self
            .clock
            .now()
            .max(old.updated_at + chrono::Duration::milliseconds(1));
        if !self.repo.replace_app(&app, &old).await? {
            return Err(Error::Conflict(
                "The app was changed by another request; try again".into(),
            ));
        }
        Ok(json!({ "clientSecret": secret }))
    }

    /// Deletes the organization's app: every token it was given stops working
    /// (`DELETE /user/oauth-app`).
    pub async fn delete_app(&self, org: &str) -> Result<Value> {
        let app = match self.org_app(org).await? {
            Some(app) => app,
            None => return Err(Error::NotFound("No OAuth app found".into())),
        };
        let app = if app.deleted_at.is_none() {
            let mut deleted = app.clone();
            let now = self.clock.now();
            deleted.deleted_at = Some(now);
            deleted.updated_at = now.max(app.updated_at + chrono::Duration::milliseconds(1));
            if !self.repo.replace_app(&deleted, &app).await? {
                return Err(Error::Conflict(
                    "The app was changed by another request; try again".into(),
                ));
            }
            deleted
        } else {
            app
        };
        self.finish_deletion(org, &app).await?;
        Ok(json!({ "success": true }))
    }

    /// Revokes every grant of a deleted app, then forgets the organization's pointer to it
    /// (a retry after a failure picks up where it stopped). No grant can be added meanwhile:
    /// a code's exchange checks that the app is not deleted.
    async fn finish_deletion(&self, org: &str, app: &OAuthApp) -> Result<()> {
        let now = self.clock.now();
        for grant in self.repo.authorizations_of_app(&app.client_id).await? {
            if grant.revoked_at.is_none() {
                self.repo.revoke(&grant, now).await?;
            }
        }
        self.repo.drop_org_app(org).await
    }

    /// The apps the user granted access, newest first (`GET /user/approved-apps`).
    pub async fn approved_apps(&self, user: &str) -> Result<Vec<Value>> {
        let mut grants: Vec<_> = self
            .repo
            .authorizations_of_user(user)
            .await?
            .into_iter()
            .filter(|g| g.revoked_at.is_none() && g.token_hash.is_some())
            .collect();
        grants.sort_by_key(|g| std::cmp::Reverse(g.created_at));
        let mut out = Vec::with_capacity(grants.len());
        for g in grants {
            if let Some(app) = self.repo.app(&g.client_id).await? {
                if app.deleted_at.is_none() {
                    out.push(g.to_postiz_json(&app));
                }
            }
        }
        Ok(out)
    }

    /// Revokes one of the user's grants: its token stops working at once
    /// (`DELETE /user/approved-apps/:id`).
    pub async fn revoke(&self, user: &str, id: &str) -> Result<Value> {
        let grant = if id.is_empty() || id.len() > 64 {
            None
        } else {
            self.repo.authorization(user, id).await?
        };
        let Some(grant) = grant.filter(|g| g.revoked_at.is_none()) else {
            return Err(Error::NotFound("Authorization not found".into()));
        };
        self.repo.revoke(&grant, self.clock.now()).await?;
        Ok(json!({ "success": true }))
    }
}

fn one_per_org() -> Error {
    Error::BadRequest("You can only have one OAuth application per organization".into())
}
