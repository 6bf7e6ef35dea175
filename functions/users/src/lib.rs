//! The `users` function: the signed-in user, their organizations, the team and the
//! organization's API key (`/user/*`, `/settings/team*`).

mod impersonate;
mod pending;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use postiz_accounts::model::Picture;
use postiz_core::Error;
use postiz_web::cookies;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

/// The routes of this function.
pub fn router() -> Router<AppState> {
    routes().into_router()
}

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<AppState> {
    let d = Documented::new("internal-users")
        .get(
            "/user/self",
            "The session's user, organization and role",
            me,
        )
        .answers(SELF)
        .get("/user/personal", "Name, bio and picture", personal)
        .answers(PERSONAL)
        .post(
            "/user/personal",
            "Change name, bio and picture",
            set_personal,
        )
        .answers("{}")
        .get(
            "/user/email-notifications",
            "Email preferences",
            email_prefs,
        )
        .answers(EMAIL_PREFS)
        .post(
            "/user/email-notifications",
            "Change email preferences",
            set_email_prefs,
        )
        .answers("{}")
        .get(
            "/user/organizations",
            "The user's organizations",
            organizations,
        )
        .answers(organizations_shape())
        .post(
            "/user/change-org",
            "Switch the session's organization",
            change_org,
        )
        .answers_with(200, "{id: string}")
        .post("/user/logout", "End the session", logout)
        .answers_with(200, LOGGED_OUT)
        .post(
            "/user/delete-account",
            "Delete the account (and the organizations it alone owns)",
            delete_account,
        )
        .answers_with(200, LOGGED_OUT)
        .post(
            "/user/api-key/rotate",
            "New public API key for the organization",
            rotate_api_key,
        )
        .answers(ROTATED)
        .post(
            "/user/join-org",
            "Join an organization by invitation",
            join_org,
        )
        .answers_with(200, "{id: string | null}")
        .get("/settings/team", "Members of the organization", team)
        .answers(TEAM)
        .post("/settings/team", "Invite a member", invite)
        .answers("{url: string}")
        .delete("/settings/team/{id}", "Remove a member", remove_member)
        .answers(REMOVED);
    pending::routes(impersonate::routes(d))
}

/// `GET /user/self`: the user row (no password) with the selected organization's summary
/// and plan.
const SELF: &str = "{id: string, email: string, providerName: string, \
    providerId: string | null, name: string | null, lastName: string | null, \
    bio: string | null, picture: {id: string, path: string} | null, isSuperAdmin: boolean, \
    activated: boolean, timezone: integer, sendSuccessEmails: boolean, \
    sendFailureEmails: boolean, sendStreakEmails: boolean, \
    lastReadNotifications: string | null, createdAt: string, updatedAt: string, \
    orgId: string, totalChannels: integer, \
    tier: 'FREE' | 'STANDARD' | 'TEAM' | 'PRO' | 'ULTIMATE', \
    role: 'USER' | 'ADMIN' | 'SUPERADMIN', isLifetime: boolean, admin: boolean, \
    impersonate: boolean, isTrailing: boolean, allowTrial: boolean, \
    streakSince: string | null, publicApi: string}";

/// `GET /user/personal`.
const PERSONAL: &str = "{id: string, name: string | null, bio: string | null, \
    picture: {id: string, path: string} | null}";

/// `GET /user/email-notifications`.
const EMAIL_PREFS: &str =
    "{sendSuccessEmails: boolean, sendFailureEmails: boolean, sendStreakEmails: boolean}";

/// `GET /user/organizations`: the enabled memberships' organizations.
fn organizations_shape() -> String {
    format!(
        "{{id: string, name: string, description: string | null, \
         allowTrial: boolean, isTrailing: boolean, createdAt: string, \
         users: {{role: 'USER' | 'ADMIN' | 'SUPERADMIN', disabled: boolean}}[], \
         subscription: {SUBSCRIPTION} | null}}[]"
    )
}

/// Postiz's `organization.subscription`: the live subscription's summary (billing on).
pub(crate) const SUBSCRIPTION: &str =
    "{subscriptionTier: string, totalChannels: integer, isLifetime: boolean, createdAt: string}";

/// Postiz's `organization.subscription` of `org`: its live subscription's tier, channels,
/// lifetime flag and start, or null (no subscription, or billing off, as in Postiz).
pub(crate) async fn subscription_summary(app: &AppState, org: &str) -> ApiResult<Value> {
    Ok(match app.billing.plan(org).await?.subscription {
        Some(sub) => json!({
            "subscriptionTier": sub.tier, "totalChannels": sub.total_channels,
            "isLifetime": sub.is_lifetime, "createdAt": sub.created_at,
        }),
        None => Value::Null,
    })
}

/// `POST /user/logout` and `/user/delete-account` (with the cookies expired).
const LOGGED_OUT: &str = "{logout: boolean}";

/// `POST /user/api-key/rotate`: the organization with its new key, once.
const ROTATED: &str = "{id: string, name: string, description: string | null, \
    apiKey: string, allowTrial: boolean, isTrailing: boolean, createdAt: string, \
    updatedAt: string}";

/// `GET /settings/team`.
const TEAM: &str = "{users: {role: 'USER' | 'ADMIN' | 'SUPERADMIN', disabled: boolean, \
    user: {id: string, email: string, name: string | null, sendSuccessEmails: boolean, \
    sendFailureEmails: boolean, sendStreakEmails: boolean}}[]}";

/// `DELETE /settings/team/{id}`: the removed membership (null if it went meanwhile).
const REMOVED: &str = "{id: string, userId: string, organizationId: string, \
    role: 'USER' | 'ADMIN' | 'SUPERADMIN', disabled: boolean, createdAt: string} | null";

/// `/user/self`, with the organization's plan from billing (ULTIMATE while Stripe is off).
async fn me(State(s): State<AppState>, Authed(session): Authed) -> ApiResult<Json<Value>> {
    let mut me = s.accounts.self_view(&session).await?;
    let billing = &s.billing;
    let plan = billing.plan(&session.org.id).await?;
    me["tier"] = json!(plan.tier);
    me["totalChannels"] = json!(plan.total_channels);
    me["isLifetime"] = json!(plan.is_lifetime);
    if billing.enabled() {
        me["isTrailing"] = json!(plan.is_trailing);
    }
    Ok(Json(me))
}

async fn personal(State(s): State<AppState>, Authed(session): Authed) -> Json<Value> {
    Json(s.accounts.personal(&session))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PersonalBody {
    fullname: Option<String>,
    bio: Option<String>,
    #[schema(value_type = Option<Object>)]
    picture: Option<Picture>,
}

async fn set_personal(
    State(s): State<AppState>,
    Authed(session): Authed,
    JsonBody(b): JsonBody<PersonalBody>,
) -> ApiResult<impl IntoResponse> {
    s.accounts
        .update_personal(&session, b.fullname, b.bio, b.picture)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({}))))
}

async fn email_prefs(State(s): State<AppState>, Authed(session): Authed) -> Json<Value> {
    Json(s.accounts.email_preferences(&session))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct EmailPrefsBody {
    send_success_emails: Option<bool>,
    send_failure_emails: Option<bool>,
    send_streak_emails: Option<bool>,
}

async fn set_email_prefs(
    State(s): State<AppState>,
    Authed(session): Authed,
    JsonBody(b): JsonBody<EmailPrefsBody>,
) -> ApiResult<impl IntoResponse> {
    s.accounts
        .set_email_preferences(
            &session,
            [
                b.send_success_emails,
                b.send_failure_emails,
                b.send_streak_emails,
            ],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({}))))
}

async fn organizations(
    State(s): State<AppState>,
    Authed(session): Authed,
) -> ApiResult<Json<Vec<Value>>> {
    let mut orgs = s.accounts.organizations(&session).await?;
    for o in &mut orgs {
        let id = o["id"].as_str().unwrap_or_default().to_string();
        o["subscription"] = subscription_summary(&s, &id).await?;
    }
    Ok(Json(orgs))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct IdBody {
    id: Option<String>,
}

async fn change_org(
    State(s): State<AppState>,
    Authed(session): Authed,
    JsonBody(b): JsonBody<IdBody>,
) -> ApiResult<Response> {
    let id =
        b.id.filter(|i| !i.is_empty())
            .ok_or_else(|| Error::invalid("id should not be empty"))?;
    s.accounts.can_select(&session, &id).await?;
    let mut headers = HeaderMap::new();
    headers.append(
        header::SET_COOKIE,
        cookies::set(&s.web, "showorg", Some(&id)),
    );
    if s.web.not_secured {
        if let Ok(v) = HeaderValue::from_str(&id) {
            headers.insert("showorg", v);
        }
    }
    Ok((StatusCode::OK, headers, Json(json!({"id": id}))).into_response())
}

async fn logout(State(s): State<AppState>, Authed(session): Authed) -> ApiResult<Response> {
    s.accounts.logout(&session).await?;
    Ok(logged_out(&s))
}

/// Postiz's logout answer: the three cookies expired and the `logout` header.
fn logged_out(s: &AppState) -> Response {
    let mut headers = HeaderMap::new();
    for name in ["auth", "showorg", "impersonate"] {
        headers.append(header::SET_COOKIE, cookies::set(&s.web, name, None));
    }
    headers.insert("logout", HeaderValue::from_static("true"));
    (StatusCode::OK, headers, Json(json!({"logout": true}))).into_response()
}

/// Deletes the caller's account as Postiz does: refused while impersonating or while an
/// organization the caller owns has other members; the owned organizations' channels are
/// deleted first (so none of their posts is published any more), then the account is
/// erased; the answer logs out.
async fn delete_account(
    State(s): State<AppState>,
    Authed(session): Authed,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let impersonating = cookies::header_or_cookie(&headers, "impersonate").is_some();
    let owned = s
        .accounts
        .organizations_to_delete(&session, impersonating)
        .await?;
    let channels = postiz_integrations::ChannelRepo::new(s.adapters.table.clone());
    for org in &owned {
        for c in channels.list(&org.id).await? {
            channels.delete(&c, s.adapters.clock.now()).await?;
        }
    }
    s.accounts.erase_account(&session, &owned).await?;
    Ok(logged_out(&s))
}

async fn rotate_api_key(
    State(s): State<AppState>,
    Authed(session): Authed,
) -> ApiResult<impl IntoResponse> {
    Ok((
        StatusCode::CREATED,
        Json(s.accounts.rotate_api_key(&session).await?),
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct JoinBody {
    org: Option<String>,
}

async fn join_org(
    State(s): State<AppState>,
    Authed(session): Authed,
    JsonBody(b): JsonBody<JoinBody>,
) -> ApiResult<impl IntoResponse> {
    let invite = b
        .org
        .filter(|o| !o.is_empty())
        .ok_or_else(|| Error::invalid("org should not be empty"))?;
    let id = s.accounts.join_org(&session.user, &invite).await?;
    Ok((StatusCode::OK, Json(json!({ "id": id }))))
}

async fn team(State(s): State<AppState>, Authed(session): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(s.accounts.team(&session).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct InviteBody {
    email: Option<String>,
    role: Option<String>,
    send_email: Option<bool>,
}

async fn invite(
    State(s): State<AppState>,
    Authed(session): Authed,
    JsonBody(b): JsonBody<InviteBody>,
) -> ApiResult<impl IntoResponse> {
    // Postiz's `TEAM_MEMBERS` policy: only plans with team members may invite.
    let billing = &s.billing;
    if billing.enabled()
        && !billing
            .plan(&session.org.id)
            .await?
            .tier
            .plan()
            .team_members
    {
        return Err(billing
            .payment_required("Your subscription does not include team members")
            .into());
    }
    let url = s
        .accounts
        .invite(&session, b.email, b.role, b.send_email.unwrap_or(false))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "url": url }))))
}

async fn remove_member(
    State(s): State<AppState>,
    Authed(session): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(s.accounts.remove_member(&session, &id).await?))
}
