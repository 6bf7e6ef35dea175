//! Platform administrators acting as another user (`/user/impersonate`), as Postiz does:
//! the choice is the `impersonate` cookie (and header in `NOT_SECURED` mode), read on every
//! request by the session extractor; each start and stop is logged with the administrator.

use crate::{subscription_summary, SUBSCRIPTION};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use postiz_web::documented::Documented;
use postiz_web::{cookies, ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get(
        "/user/impersonate",
        "Find a user to act as, by exact email or id (platform administrators)",
        find,
    )
    .answers(found())
    .post(
        "/user/impersonate",
        "Act as another user; an empty id stops (platform administrators)",
        start,
    )
    .answers("empty")
}

/// `GET /user/impersonate`: the memberships found, each `id` the choice to act as.
fn found() -> String {
    format!(
        "{{id: string, role: 'USER' | 'ADMIN' | 'SUPERADMIN', \
         organization: {{id: string, name: string, subscription: {SUBSCRIPTION} | null}}, \
         user: {{id: string, name: string | null, email: string}}}}[]"
    )
}

async fn find(
    State(app): State<AppState>,
    Authed(s): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let name = q.get("name").map(String::as_str).unwrap_or("");
    let mut found = app.accounts.find_to_impersonate(&s, name).await?;
    for m in found.as_array_mut().into_iter().flatten() {
        let org = m["organization"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        m["organization"]["subscription"] = subscription_summary(&app, &org).await?;
    }
    Ok(Json(found))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct StartBody {
    #[serde(default)]
    id: Option<String>,
}

async fn start(
    State(app): State<AppState>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<StartBody>,
) -> ApiResult<Response> {
    let id = b.id.unwrap_or_default();
    app.accounts.start_impersonating(&s, &id).await?;
    let value = (!id.is_empty()).then_some(id.as_str());
    let mut res = StatusCode::CREATED.into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(&app.web, "impersonate", value),
    );
    if app.web.not_secured {
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert("impersonate", v);
        }
    }
    Ok(res)
}
