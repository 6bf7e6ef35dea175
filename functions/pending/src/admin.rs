//! The platform administrators' dashboards (`/admin/*`): publishing errors and statistics,
//! from the platform log the publisher and the channel connections write.

use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use postiz_core::Error;
use postiz_integrations::PlatformLog;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed};
use serde_json::Value;
use std::collections::HashMap;

/// A count and its split per network (`provider`), the largest first.
const COUNTS: &str = "{total: integer, perSocial: {provider: string, count: integer}[]}";

/// One publishing error with its organization (and members) and post.
const ERROR: &str = "{id: string, message: string, body: string, platform: string, \
     organizationId: string, postId: string, createdAt: string, \
     organization: {id: string, name: string | null, \
     users: {user: {id: string, email: string, name: string | null}}[]}, \
     post: {id: string, content: string}}";

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get(
        "/admin/stats",
        "Publishing statistics per network over days (platform administrators)",
        stats,
    )
    .answers(format!(
        "{{from: string, to: string, errors: {COUNTS}, posts: {COUNTS}, connected: {COUNTS}, \
         publishingAccounts: {COUNTS}, scheduledAccounts: {COUNTS}, \
         publishingChannels: {COUNTS}, scheduledChannels: {COUNTS}}}"
    ))
    .get(
        "/admin/errors",
        "Publishing errors, newest first, paginated (platform administrators)",
        errors,
    )
    .answers(format!(
        "{{items: {ERROR}[], total: integer, page: integer, limit: integer, hasMore: boolean}}"
    ))
    .get(
        "/admin/errors/platforms",
        "Networks with errors (platform administrators)",
        platforms,
    )
    .answers("string[]")
}

type Params = Query<HashMap<String, String>>;

fn log(app: &AppState, admin: bool) -> Result<PlatformLog, Error> {
    if !admin {
        return Err(Error::BadRequest("Unauthorized".into()));
    }
    let a = &app.adapters;
    Ok(PlatformLog::new(a.table.clone(), a.clock.clone()))
}

fn flag(q: &HashMap<String, String>, name: &str) -> bool {
    matches!(q.get(name).map(String::as_str), Some("true" | "1"))
}

fn number(q: &HashMap<String, String>, name: &str, default: usize) -> Result<usize, Error> {
    match q.get(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| Error::invalid(format!("{name} must be a non-negative integer"))),
    }
}

async fn errors(
    State(app): State<AppState>,
    Authed(s): Authed,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    let log = log(&app, s.user.is_super_admin)?;
    let text = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    Ok(Json(
        log.list_errors(
            number(&q, "page", 0)?,
            number(&q, "limit", 20)?,
            text("platform"),
            text("email"),
            flag(&q, "unknownFirst"),
        )
        .await?,
    ))
}

async fn platforms(State(app): State<AppState>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    let log = log(&app, s.user.is_super_admin)?;
    Ok(Json(serde_json::json!(log.platforms().await?)))
}

/// A day (`YYYY-MM-DD`) or an instant (RFC 3339).
fn day(q: &HashMap<String, String>, name: &str) -> Result<Option<NaiveDate>, Error> {
    let Some(v) = q.get(name).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(Some(d));
    }
    DateTime::parse_from_rfc3339(v)
        .map(|t| Some(t.with_timezone(&Utc).date_naive()))
        .map_err(|_| Error::invalid(format!("{name} must be a date (YYYY-MM-DD)")))
}

async fn stats(
    State(app): State<AppState>,
    Authed(s): Authed,
    Query(q): Params,
) -> ApiResult<Json<Value>> {
    let log = log(&app, s.user.is_super_admin)?;
    let today = app.adapters.clock.now().date_naive();
    let to = day(&q, "to")?.unwrap_or(today);
    let from = day(&q, "from")?.unwrap_or(today - Duration::days(30));
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let end = to
        .and_hms_milli_opt(23, 59, 59, 999)
        .unwrap_or_default()
        .and_utc();
    Ok(Json(log.stats(start, end, flag(&q, "unknownOnly")).await?))
}
