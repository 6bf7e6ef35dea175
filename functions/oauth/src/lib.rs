//! The `oauth` function: Postiz as an OAuth 2.0 authorization server for outside apps and AI
//! agents (the rules are in `postiz-oauth`).
//!
//! | route | who | what |
//! |---|---|---|
//! | `POST /oauth/register` | anyone (30 an hour per address) | RFC 7591 registration → 201 `{client_id, client_secret?, …}` |
//! | `GET /oauth/authorize` | anyone | the consent screen's check → `{app, state}` |
//! | `POST /oauth/authorize` | session | approve or deny → `{redirect}` |
//! | `POST /oauth/token` | the client | code → `{id, cus, access_token: "pos_…", token_type, scope}` |
//! | `/user/oauth-app` (+ `/rotate-secret`) | admins | the organization's own app |
//! | `/user/approved-apps` (+ `/:id`) | session | the user's grants, revocation |
//! | `GET /.well-known/oauth-authorization-server/mcp-oauth` | anyone | RFC 8414 metadata |

mod apps;
mod metadata;
mod token;

use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::Json;
use axum::Router;
use postiz_core::Error;
use postiz_oauth::{AuthorizeRequest, Decision, Registration};
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, ClientAddress, JsonBody, JsonBytes};
use serde_json::Value;
use std::sync::Arc;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

/// The services behind [`Ctx`].
pub struct Services {
    app: AppState,
    /// The media library (an app's picture).
    media: postiz_media::MediaService,
    /// Organizations' Stripe customers (the token answer's `cus`).
    customers: postiz_billing::BillingRepo,
    /// Registrations per address.
    throttle: postiz_storage::throttle::Throttle,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.0.app.clone()
    }
}

impl Ctx {
    /// Builds the services from the app state.
    pub fn new(app: &AppState) -> Self {
        let a = &app.adapters;
        Self(Arc::new(Services {
            app: app.clone(),
            media: postiz_media::MediaService::with_env_urls(
                a.table.clone(),
                a.blobs.clone(),
                a.clock.clone(),
            ),
            customers: postiz_billing::BillingRepo::new(a.table.clone()),
            throttle: postiz_storage::throttle::Throttle::new(a.table.clone(), a.clock.clone()),
        }))
    }

    fn oauth(&self) -> &postiz_oauth::OAuth {
        &self.0.app.oauth
    }
}

/// The largest registration request read (a handful of URIs and names).
const REGISTRATION_LIMIT: usize = 32 * 1024;

/// A registered client (`POST /oauth/register`); the secret only for a confidential client.
const REGISTERED: &str = "{client_id: string, client_id_issued_at: integer, client_name: string, \
     redirect_uris: string[], \
     token_endpoint_auth_method: 'none' | 'client_secret_post' | 'client_secret_basic', \
     grant_types: string[], response_types: string[], scope: string, client_secret?: string, \
     client_secret_expires_at?: integer}";

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    let d = Documented::new("internal-oauth")
        .post(
            "/oauth/register",
            "Register an OAuth client (RFC 7591)",
            register,
        )
        .open()
        .limit(REGISTRATION_LIMIT)
        .answers(REGISTERED)
        .get(
            "/oauth/authorize",
            "Check an OAuth app's authorization request",
            authorization_request,
        )
        .open()
        .answers(
            "{app: {name: string, description: string | null, \
             picture: {id: string, path: string} | null, clientId: string, redirectUrl: string}, \
             state: string | null}",
        )
        .post("/oauth/authorize", "Approve or deny an OAuth app", decide)
        .answers("{redirect: string}");
    let d = token::routes(d);
    let d = apps::routes(d);
    metadata::routes(d)
}

async fn register(
    State(ctx): State<Ctx>,
    ClientAddress(address): ClientAddress,
    JsonBytes(body): JsonBytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if let Some(address) = address {
        ctx.0
            .throttle
            .admit(&postiz_oauth::REGISTRATIONS_PER_ADDRESS, &address)
            .await?;
    }
    let registration: Registration = serde_json::from_slice(&body).map_err(|e| {
        Error::oauth(
            "invalid_client_metadata",
            format!("The registration is not valid JSON metadata: {e}"),
        )
    })?;
    let answer = ctx.oauth().register(registration).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn authorization_request(
    State(ctx): State<Ctx>,
    Query(q): Query<AuthorizeRequest>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.oauth().authorization_request(q).await?))
}

async fn decide(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(d): JsonBody<Decision>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let answer = ctx.oauth().decide(&s.user.id, &s.org.id, d).await?;
    Ok((StatusCode::CREATED, Json(answer)))
}
