//! The endpoints of the authorization server: registration (RFC 7591), the consent step and
//! the token exchange (RFC 6749 §4.1 with PKCE, RFC 7636).

use postiz_core::{Error, Result};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::model::{
    AuthCode, Authorization, OAuthApp, AUTH_METHOD_BASIC, AUTH_METHOD_NONE, AUTH_METHOD_POST,
};
use crate::{secrets, uris, OAuth, CODE_LIFETIME_SECS, SCOPES, UNUSED_CLIENT_SECS};

/// The most redirect URIs one client registers.
const MAX_REDIRECT_URIS: usize = 10;

/// A client's registration request (RFC 7591 §2; unknown fields are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct Registration {
    /// Where the user may be sent back (required, at least one).
    pub redirect_uris: Option<Vec<String>>,
    /// Shown on the consent screen.
    pub client_name: Option<String>,
    /// `none` for a public client (PKCE), else a secret is issued.
    pub token_endpoint_auth_method: Option<String>,
    /// Must include `authorization_code` when given.
    pub grant_types: Option<Vec<String>>,
    /// Must include `code` when given.
    pub response_types: Option<Vec<String>>,
}

/// The query of `GET /oauth/authorize` (and of the consent screen's page).
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeRequest {
    /// The client.
    pub client_id: Option<String>,
    /// Must be `code`.
    pub response_type: Option<String>,
    /// Echoed back.
    pub state: Option<String>,
    /// Where to send the user back.
    pub redirect_uri: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256`.
    pub code_challenge_method: Option<String>,
    /// Ignored (every token has [`SCOPES`]).
    pub scope: Option<String>,
}

/// The user's answer on the consent screen (`POST /oauth/authorize`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    /// The client.
    pub client_id: Option<String>,
    /// `approve` or `deny`.
    pub action: Option<String>,
    /// Echoed back.
    pub state: Option<String>,
    /// Where to send the user back.
    pub redirect_uri: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// `S256`.
    pub code_challenge_method: Option<String>,
}

/// A token request (`POST /oauth/token`, form or JSON).
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    /// Must be `authorization_code`.
    pub grant_type: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// The client (or in HTTP Basic authentication).
    pub client_id: Option<String>,
    /// A confidential client's secret (or in HTTP Basic authentication).
    pub client_secret: Option<String>,
    /// PKCE verifier.
    pub code_verifier: Option<String>,
    /// The redirect URI of the authorization request.
    pub redirect_uri: Option<String>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The checked PKCE challenge of a request, `None` when the request has none that counts.
fn challenge_of(
    app: &OAuthApp,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>> {
    let Some(challenge) = challenge else {
        if app.dynamic && app.is_public() {
            return Err(Error::BadRequest(
                "code_challenge is required for this client".into(),
            ));
        }
        return Ok(None);
    };
    let s256 = method == Some("S256");
    if !app.dynamic && !s256 {
        // An organization's app that sends another method keeps Postiz's flow: no PKCE.
        return Ok(None);
    }
    if !s256 {
        return Err(Error::BadRequest(
            "Only the S256 code_challenge_method is supported".into(),
        ));
    }
    if !secrets::is_pkce_value(challenge) {
        return Err(Error::BadRequest("code_challenge is malformed".into()));
    }
    Ok(Some(challenge.to_string()))
}

/// What a valid authorization request resolves to.
struct Checked {
    app: OAuthApp,
    /// Where the user goes back.
    target: String,
    /// The redirect URI the token request must repeat (registered clients).
    redirect_uri: Option<String>,
    challenge: Option<String>,
}

impl OAuth {
    /// Registers a client (`POST /oauth/register`): its answer (201).
    pub async fn register(&self, r: Registration) -> Result<Value> {
        let metadata = |m: &str| Error::oauth("invalid_client_metadata", m);
        let uris: Vec<String> = r
            .redirect_uris
            .unwrap_or_default()
            .iter()
            .map(|u| u.trim().to_string())
            .collect();
        if uris.is_empty() {
            return Err(Error::oauth(
                "invalid_redirect_uri",
                "redirect_uris must list at least one URI",
            ));
        }
        if uris.len() > MAX_REDIRECT_URIS {
            return Err(Error::oauth(
                "invalid_redirect_uri",
                format!("at most {MAX_REDIRECT_URIS} redirect_uris"),
            ));
        }
        for uri in &uris {
            if let Some(why) = uris::redirect_refusal(uri, &self.config.verified_domains) {
                return Err(Error::oauth("invalid_redirect_uri", why));
            }
        }
        if r.grant_types
            .as_ref()
            .is_some_and(|g| !g.iter().any(|g| g == "authorization_code"))
        {
            return Err(metadata(
                "Only the authorization_code grant type is supported",
            ));
        }
        if r.response_types
            .as_ref()
            .is_some_and(|t| !t.iter().any(|t| t == "code"))
        {
            return Err(metadata("Only the code response type is supported"));
        }
        let method = match blank(&r.token_endpoint_auth_method) {
            None => AUTH_METHOD_POST,
            Some(AUTH_METHOD_NONE) => AUTH_METHOD_NONE,
            Some(AUTH_METHOD_POST) => AUTH_METHOD_POST,
            Some(AUTH_METHOD_BASIC) => AUTH_METHOD_BASIC,
            Some(other) => {
                return Err(metadata(&format!(
                    "token_endpoint_auth_method {other} is not supported (none, client_secret_post, client_secret_basic)"
                )))
            }
        };
        let name: String = blank(&r.client_name)
            .unwrap_or("MCP Client")
            .chars()
            .take(100)
            .collect();
        let secret = (method != AUTH_METHOD_NONE).then(|| secrets::make("pcs_", 48));
        let now = self.clock.now();
        let app = OAuthApp {
            id: postiz_core::new_id(),
            client_id: secrets::make("pcd_", 32),
            organization_id: None,
            name,
            description: None,
            picture_id: None,
            picture_path: None,
            redirect_url: uris[0].clone(),
            redirect_uris: uris.clone(),
            dynamic: true,
            token_endpoint_auth_method: method.to_string(),
            secret_hash: secret.as_deref().map(secrets::hash),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.repo
            .put_registered(&app, now.timestamp() + UNUSED_CLIENT_SECS)
            .await?;
        let mut answer = json!({
            "client_id": app.client_id,
            "client_id_issued_at": now.timestamp(),
            "client_name": app.name,
            "redirect_uris": uris,
            "token_endpoint_auth_method": method,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "scope": SCOPES,
        });
        if let Some(secret) = secret {
            answer["client_secret"] = json!(secret);
            answer["client_secret_expires_at"] = json!(0);
        }
        Ok(answer)
    }

    /// A live app by client id, or Postiz's 400.
    async fn live_app(&self, client_id: Option<&str>) -> Result<OAuthApp> {
        let Some(client_id) = client_id else {
            return Err(Error::invalid("client_id must be a string"));
        };
        match self.repo.app(client_id).await? {
            Some(app) if app.deleted_at.is_none() => Ok(app),
            _ => Err(Error::BadRequest("Invalid client_id".into())),
        }
    }

    async fn check(
        &self,
        client_id: Option<&str>,
        redirect_uri: Option<&str>,
        challenge: Option<&str>,
        method: Option<&str>,
    ) -> Result<Checked> {
        let app = self.live_app(client_id).await?;
        let (target, redirect_uri) = if app.dynamic {
            match redirect_uri {
                Some(uri) if app.redirect_uris.iter().any(|r| r == uri) => {
                    (uri.to_string(), Some(uri.to_string()))
                }
                _ => return Err(Error::BadRequest("Invalid redirect_uri".into())),
            }
        } else {
            if redirect_uri.is_some_and(|uri| uri != app.redirect_url) {
                return Err(Error::BadRequest("Invalid redirect_uri".into()));
            }
            (app.redirect_url.clone(), redirect_uri.map(String::from))
        };
        let challenge = challenge_of(&app, challenge, method)?;
        Ok(Checked {
            app,
            target,
            redirect_uri,
            challenge,
        })
    }

    /// Checks an authorization request for the consent screen (`GET /oauth/authorize`):
    /// `{app, state}`.
    pub async fn authorization_request(&self, q: AuthorizeRequest) -> Result<Value> {
        if blank(&q.response_type) != Some("code") {
            return Err(Error::invalid(
                "response_type must be one of the following values: code",
            ));
        }
        let checked = self
            .check(
                blank(&q.client_id),
                blank(&q.redirect_uri),
                blank(&q.code_challenge),
                blank(&q.code_challenge_method),
            )
            .await?;
        Ok(json!({ "app": checked.app.to_consent_json(), "state": q.state }))
    }

    /// The signed-in user's answer for organization `org` (`POST /oauth/authorize`):
    /// `{redirect}`, the client's redirect URI with the code (or `error=access_denied`) and
    /// the state.
    pub async fn decide(&self, user: &str, org: &str, d: Decision) -> Result<Value> {
        let approve = match blank(&d.action) {
            Some("approve") => true,
            Some("deny") => false,
            _ => {
                return Err(Error::invalid(
                    "action must be one of the following values: approve, deny",
                ))
            }
        };
        let checked = self
            .check(
                blank(&d.client_id),
                blank(&d.redirect_uri),
                blank(&d.code_challenge),
                blank(&d.code_challenge_method),
            )
            .await?;
        let state = d.state.as_deref().filter(|s| !s.is_empty());
        let mut params: Vec<(&str, &str)> = Vec::new();
        let code = approve.then(|| secrets::make("", 40));
        match &code {
            Some(code) => params.push(("code", code)),
            None => params.push(("error", "access_denied")),
        }
        if let Some(state) = state {
            params.push(("state", state));
        }
        let redirect = uris::with_params(&checked.target, &params)
            .ok_or_else(|| Error::BadRequest("Invalid redirect_uri".into()))?;
        if let Some(code) = &code {
            let now = self.clock.now_secs();
            let record = AuthCode {
                client_id: checked.app.client_id.clone(),
                user_id: user.to_string(),
                organization_id: org.to_string(),
                code_challenge: checked.challenge,
                redirect_uri: checked.redirect_uri,
                expires_at: now + CODE_LIFETIME_SECS,
                used_at: None,
                token_hash: None,
            };
            self.repo
                .put_code(&secrets::hash(code), &record, now + 24 * 3600)
                .await?;
        }
        Ok(json!({ "redirect": redirect }))
    }

    /// Exchanges a code for a token (`POST /oauth/token`). `basic` is the client id and
    /// secret of an HTTP Basic `Authorization` header. Answers Postiz's `{id, access_token,
    /// token_type, scope}` (`id` the organization; the caller adds `cus`).
    pub async fn exchange(
        &self,
        t: TokenRequest,
        basic: Option<(String, String)>,
    ) -> Result<Value> {
        if blank(&t.grant_type) != Some("authorization_code") {
            return Err(Error::oauth("unsupported_grant_type", ""));
        }
        let (basic_id, basic_secret) = basic.unzip();
        let client_id = blank(&t.client_id)
            .map(String::from)
            .or(basic_id)
            .ok_or_else(|| Error::oauth("invalid_request", "client_id is required"))?;
        let Some(code) = blank(&t.code) else {
            return Err(Error::oauth("invalid_request", "code is required"));
        };
        let app = match self.repo.app(&client_id).await? {
            Some(app) if app.deleted_at.is_none() => app,
            _ => return Err(Error::oauth("invalid_client", "")),
        };
        if !(app.dynamic && app.is_public()) {
            let secret = blank(&t.client_secret).map(String::from).or(basic_secret);
            let authentic = match (&secret, &app.secret_hash) {
                (Some(s), Some(stored)) => secrets::matches(s, stored),
                _ => false,
            };
            if !authentic {
                return Err(Error::oauth("invalid_client", ""));
            }
        }
        let code_hash = secrets::hash(code);
        let grant_error = |m: &str| Error::oauth("invalid_grant", m);
        let Some(record) = self.repo.code(&code_hash).await? else {
            return Err(grant_error(""));
        };
        if record.client_id != app.client_id {
            return Err(grant_error(""));
        }
        if record.used_at.is_some() {
            // A second use: the code leaked. What its first use issued stops working.
            if let Some(issued) = &record.token_hash {
                self.repo.delete_token(issued).await?;
            }
            tracing::warn!(client = %app.client_id, "an authorization code was used twice");
            return Err(grant_error("Code has already been used"));
        }
        if self.clock.now_secs() > record.expires_at {
            return Err(grant_error("Code has expired"));
        }
        if let Some(challenge) = &record.code_challenge {
            let Some(verifier) = blank(&t.code_verifier) else {
                return Err(grant_error("code_verifier is required"));
            };
            if !secrets::verifier_matches(verifier, challenge) {
                return Err(grant_error("Invalid code_verifier"));
            }
        }
        if record
            .redirect_uri
            .as_deref()
            .is_some_and(|r| blank(&t.redirect_uri) != Some(r))
        {
            return Err(grant_error(
                "redirect_uri does not match the authorization request",
            ));
        }
        let token = secrets::make("pos_", 40);
        let token_hash = secrets::hash(&token);
        let now = self.clock.now();
        let id = authorization_id(&app.client_id, &record.user_id, &record.organization_id);
        let previous = self.repo.authorization(&record.user_id, &id).await?;
        let grant = Authorization {
            id,
            client_id: app.client_id.clone(),
            oauth_app_id: app.id.clone(),
            user_id: record.user_id.clone(),
            organization_id: record.organization_id.clone(),
            token_hash: Some(token_hash.clone()),
            created_at: previous.as_ref().map_or(now, |p| p.created_at),
            updated_at: now,
            revoked_at: None,
        };
        let old_token = previous.as_ref().and_then(|p| p.token_hash.as_deref());
        if !self
            .repo
            .issue_token(&code_hash, &record, &grant, old_token, &token_hash, now)
            .await?
        {
            return Err(grant_error("Code has already been used"));
        }
        Ok(json!({
            "id": record.organization_id,
            "access_token": token,
            "token_type": "bearer",
            "scope": SCOPES,
        }))
    }
}

/// The id of the one grant of (app, user, organization).
fn authorization_id(client_id: &str, user: &str, org: &str) -> String {
    let mut h = secrets::hash(&format!("{client_id}\n{user}\n{org}"));
    h.truncate(32);
    h
}
