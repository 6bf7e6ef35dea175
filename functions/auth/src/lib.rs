//! The `auth` function: registration, login, password reset and activation (`/auth/*`).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use postiz_accounts::service::{RegisterInput, Registered};
use postiz_web::cookies::{read, session_headers};
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, ClientAddress, JsonBody};
use serde::Deserialize;
use serde_json::json;

/// The routes of this function.
pub fn router() -> Router<AppState> {
    routes().into_router()
}

/// The largest body a sign-up, login or reset takes (an email, a password, a name): more
/// is refused with 413 before it is read.
pub const AUTH_BODY_LIMIT: usize = 64 * 1024;

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<AppState> {
    Documented::new("internal-auth")
        .get(
            "/auth/can-register",
            "Whether sign-up is open",
            can_register,
        )
        .open()
        .answers("{register: boolean}")
        .post(
            "/auth/register",
            "Create an account and its organization",
            register,
        )
        .open()
        .answers_with(200, "{activate: boolean} | {register: boolean}")
        .post("/auth/login", "Log in: sets the session", login)
        .open()
        .answers_with(200, "{login: boolean}")
        .post("/auth/forgot", "Send a password reset link", forgot)
        .open()
        .answers("{forgot: boolean}")
        .post(
            "/auth/forgot-return",
            "Set a new password with the reset token",
            forgot_return,
        )
        .open()
        .answers("{reset: boolean}")
        .post(
            "/auth/activate",
            "Activate an account with its token",
            activate,
        )
        .open()
        .answers_with(200, "{can: boolean}")
        .post(
            "/auth/resend-activation",
            "Send the activation email again",
            resend_activation,
        )
        .open()
        .answers("{success: boolean}")
        .get(
            "/auth/oauth/{provider}",
            "Start logging in with a provider (none configured)",
            oauth_login,
        )
        .open()
        // Never answered here (no provider is configured): Postiz's answer, the link.
        .answers("text")
        .post(
            "/auth/oauth/{provider}/exists",
            "Finish logging in with a provider (none configured)",
            oauth_exists,
        )
        .open()
        // Never answered here: Postiz's, a new user's provider token or a login.
        .answers_with(200, "{token: string} | {login: boolean}")
        .limit_all(AUTH_BODY_LIMIT)
}

fn flag(name: &'static str) -> (&'static str, HeaderValue) {
    (name, HeaderValue::from_static("true"))
}

async fn can_register(State(s): State<AppState>) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "register": s.accounts.can_register().await? }),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RegisterBody {
    email: Option<String>,
    password: Option<String>,
    company: Option<String>,
    provider: Option<String>,
}

async fn register(
    State(s): State<AppState>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<RegisterBody>,
) -> ApiResult<Response> {
    let input = RegisterInput {
        email: b.email,
        password: b.password,
        company: b.company,
        provider: b.provider,
        invite: read(&headers, "org"),
    };
    Ok(match s.accounts.register(input).await? {
        Registered::NeedsActivation => (
            StatusCode::OK,
            [flag("activate")],
            Json(json!({"activate": true})),
        )
            .into_response(),
        Registered::Session { token, show_org } => (
            StatusCode::OK,
            session_headers(&s.web, &token, show_org.as_deref()),
            [flag("onboarding")],
            Json(json!({"register": true})),
        )
            .into_response(),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct LoginBody {
    email: Option<String>,
    password: Option<String>,
    provider: Option<String>,
}

async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    JsonBody(b): JsonBody<LoginBody>,
) -> ApiResult<Response> {
    let invite = read(&headers, "org");
    let (token, show_org) = s
        .accounts
        .login(b.email, b.password, b.provider, invite, address.as_deref())
        .await?;
    Ok((
        StatusCode::OK,
        session_headers(&s.web, &token, show_org.as_deref()),
        [flag("reload")],
        Json(json!({"login": true})),
    )
        .into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct EmailBody {
    email: Option<String>,
}

async fn forgot(
    State(s): State<AppState>,
    ClientAddress(address): ClientAddress,
    JsonBody(b): JsonBody<EmailBody>,
) -> ApiResult<impl IntoResponse> {
    s.accounts.forgot(b.email, address.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(json!({"forgot": true}))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ForgotReturnBody {
    password: Option<String>,
    repeat_password: Option<String>,
    token: Option<String>,
}

async fn forgot_return(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<ForgotReturnBody>,
) -> ApiResult<impl IntoResponse> {
    let reset = s
        .accounts
        .forgot_return(b.token, b.password, b.repeat_password)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"reset": reset}))))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ActivateBody {
    code: Option<String>,
}

async fn activate(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<ActivateBody>,
) -> ApiResult<Response> {
    Ok(match s.accounts.activate(b.code).await? {
        Some(token) => (
            StatusCode::OK,
            session_headers(&s.web, &token, None),
            [flag("onboarding")],
            Json(json!({"can": true})),
        )
            .into_response(),
        None => (StatusCode::OK, Json(json!({"can": false}))).into_response(),
    })
}

async fn resend_activation(
    State(s): State<AppState>,
    JsonBody(b): JsonBody<EmailBody>,
) -> ApiResult<impl IntoResponse> {
    s.accounts.resend_activation(b.email).await?;
    Ok((StatusCode::CREATED, Json(json!({"success": true}))))
}

/// No login provider (GitHub, Google, Apple, Farcaster, wallets, generic OIDC) is configured
/// on this server: only email and password. Postiz answers a link with an undefined client
/// id, or fails with a 500; this says what is missing.
async fn oauth_login(
    axum::extract::Path(provider): axum::extract::Path<String>,
) -> ApiResult<Response> {
    Err(postiz_core::Error::BadRequest(format!(
        "Logging in with {} is not configured on this server",
        provider
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(32)
            .collect::<String>()
    ))
    .into())
}

/// As [`oauth_login`]; a body that is not JSON is refused first, as Postiz does.
async fn oauth_exists(
    axum::extract::Path(provider): axum::extract::Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if !json {
        return Err(postiz_core::Error::PlainBadRequest("Invalid request".into()).into());
    }
    oauth_login(axum::extract::Path(provider)).await
}
