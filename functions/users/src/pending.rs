//! `/user/*` routes of features this server does not have yet, answering what Postiz
//! answers when each is switched off: billing (no Stripe), the platform administrators'
//! tools, support widgets, and ad tracking (no pixel configured).

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{cookies, ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

use axum::extract::State;

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get(
        "/user/subscription",
        "The organization's subscription (none without Stripe; admins)",
        subscription,
    )
    .answers(format!("{{subscription?: {SUBSCRIPTION}}}"))
    .get(
        "/user/subscription/tiers",
        "Stripe's prices by interval (none without Stripe)",
        tiers,
    )
    .answers(format!("{{month: {PRICE}[], year: {PRICE}[]}}"))
    .post(
        "/user/switch",
        "Swap logins between users (platform administrators)",
        admin_only,
    )
    // Never answered here (refused until built): Postiz's answer.
    .answers("{success: boolean}")
    .post(
        "/settings/team/add",
        "Add an existing account to the team (platform administrators)",
        add_member,
    )
    // Never answered here (refused until built): Postiz's answer.
    .answers("{added: boolean}")
    .get(
        "/user/chatbase-token",
        "Token of the support chat widget",
        chatbase,
    )
    // Never answered here (refused until built): Postiz's answer.
    .answers("{token: string}")
    .get(
        "/user/agent-media-sso",
        "Sign-on link to agent-media.ai",
        agent_media,
    )
    // Never answered here (refused until built): Postiz's answer.
    .answers("{url: string}")
    .post("/user/t", "Record a tracking event (no pixel: none)", track)
    .answers_with(200, "{track: string}")
    .post(
        "/public/t",
        "Record a tracking event (no pixel: none)",
        track_public,
    )
    .open()
    .answers_with(200, "{track: string}")
}

/// A subscription row as Postiz shows it (`Subscription::to_postiz_json`).
const SUBSCRIPTION: &str = "{id: string | null, organizationId: string, \
    subscriptionTier: 'FREE' | 'STANDARD' | 'TEAM' | 'PRO' | 'ULTIMATE', \
    identifier: string | null, cancelAt: string | null, period: 'MONTHLY' | 'YEARLY', \
    totalChannels: integer, isLifetime: boolean, createdAt: string, updatedAt: string, \
    deletedAt: null}";

/// One of Stripe's prices as Postiz lists them (none while Stripe is off).
const PRICE: &str = "{name: string, recurring: string, price: number}";

/// `{subscription}`: the organization's subscription row (admins only, as Postiz); without
/// one (always while Stripe is off) Postiz's `undefined` makes the key disappear.
async fn subscription(State(app): State<AppState>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    if !s.role.is_admin() {
        return Err(Error::Forbidden("You do not have permission to do this".into()).into());
    }
    let plan = app.billing.plan(&s.org.id).await?;
    Ok(Json(match plan.subscription {
        Some(sub) => json!({ "subscription": sub.to_postiz_json() }),
        None => json!({}),
    }))
}

async fn tiers(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "month": [], "year": [] }))
}

async fn admin_only(Authed(s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::admin_feature_not_built(s.user.is_super_admin, "Swapping logins").into())
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AddMemberBody {
    email: Option<String>,
    role: Option<String>,
}

/// Checks `AdminAddTeamMemberDto` first, as Postiz validates before the role check.
async fn add_member(
    Authed(s): Authed,
    JsonBody(b): JsonBody<AddMemberBody>,
) -> ApiResult<Json<Value>> {
    Checks::new()
        .email("email", b.email.as_deref())
        .one_of("role", b.role.as_deref(), &["USER", "ADMIN"])
        .finish()?;
    Err(Error::admin_feature_not_built(s.user.is_super_admin, "Adding an account directly").into())
}

async fn chatbase(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::BadRequest("Chatbase SSO is not configured".into()).into())
}

async fn agent_media(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::BadRequest("Agent Media SSO is not configured".into()).into())
}

/// With no advertising pixel configured, tracking records nothing; like Postiz it answers
/// the visitor's `track` id, setting the cookie the first time.
fn track_answer(s: &AppState, headers: &HeaderMap) -> Response {
    let known = cookies::read(headers, "track").filter(|t| t.len() <= 64);
    let id = known
        .clone()
        .unwrap_or_else(|| postiz_core::crypto::random_hex(10));
    let mut res = (StatusCode::OK, Json(json!({ "track": id }))).into_response();
    if known.is_none() {
        res.headers_mut()
            .append(header::SET_COOKIE, cookies::set(&s.web, "track", Some(&id)));
    }
    res
}

async fn track(State(s): State<AppState>, Authed(_u): Authed, headers: HeaderMap) -> Response {
    track_answer(&s, &headers)
}

async fn track_public(State(s): State<AppState>, headers: HeaderMap) -> Response {
    track_answer(&s, &headers)
}
