//! A fake Google Business Profile: Google's token endpoint and userinfo, the Account
//! Management API (accounts, paged), the Business Information API (locations, paged, and their
//! media) and the v4 local posts, with Google's error bodies (`{"error": {status, message}}`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::json;

use super::recorder::{error, record, to, Calls};

/// The client id the fake expects.
pub const CLIENT_ID: &str = "gmb-client.apps.googleusercontent.com";
/// The client secret the fake expects.
pub const CLIENT_SECRET: &str = "gmb-secret";
/// The code the fake accepts.
pub const GOOD_CODE: &str = "4/gmb-code";

fn google_error(status: StatusCode, state: &str, message: &str) -> Response {
    error(
        status,
        json!({"error": {"code": status.as_u16(), "message": message, "status": state}}),
    )
}

async fn handle(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    let q = uri.query().unwrap_or_default().to_string();
    if uri.path() == "/token" {
        let b = &call.body;
        let ok = b["client_id"] == CLIENT_ID
            && b["client_secret"] == CLIENT_SECRET
            && ((b["grant_type"] == "authorization_code" && b["code"] == GOOD_CODE)
                || (b["grant_type"] == "refresh_token" && b["refresh_token"] == "gmb-refresh"));
        if !ok {
            return error(
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_grant", "error_description": "Bad Request"}),
            );
        }
        return Json(json!({"access_token": "ya29.gmb", "refresh_token": "gmb-refresh", "expires_in": 3599, "scope": "https://www.googleapis.com/auth/business.manage", "token_type": "Bearer"})).into_response();
    }
    if call.auth.as_deref() != Some("Bearer ya29.gmb") {
        return google_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    }
    match (method.as_str(), uri.path()) {
        ("GET", "/oauth2/v2/userinfo") => Json(json!({"id": "1089", "name": "Ada Owner", "picture": "https://g.example/a.png"})).into_response(),
        ("GET", "/v1/accounts") => {
            if q.contains("pageToken=p2") {
                Json(json!({"accounts": [{"name": "accounts/222", "accountName": "Second"}]})).into_response()
            } else {
                Json(json!({"accounts": [{"name": "accounts/111", "accountName": "Ada's Cafe"}], "nextPageToken": "p2"})).into_response()
            }
        }
        ("GET", "/v1/accounts/111/locations") => Json(json!({"locations": [{"name": "locations/9001", "title": "Ada's Cafe - Main St"}]})).into_response(),
        ("GET", "/v1/accounts/222/locations") => Json(json!({"locations": [{"name": "locations/9002", "title": "Ada's Kiosk"}]})).into_response(),
        ("GET", "/v1/locations/9001/media") => Json(json!({"mediaItems": [
            {"mediaFormat": "PHOTO", "googleUrl": "https://g.example/cover.jpg", "locationAssociation": {"category": "COVER"}},
            {"mediaFormat": "PHOTO", "googleUrl": "https://g.example/profile.jpg", "locationAssociation": {"category": "PROFILE"}}
        ]})).into_response(),
        ("GET", p) if p.ends_with("/media") => Json(json!({})).into_response(),
        ("POST", "/v4/accounts/111/locations/9001/localPosts") => {
            let b = &call.body;
            if b["summary"].as_str().unwrap_or_default().contains("POLICY") {
                return Json(json!({"name": "accounts/111/locations/9001/localPosts/x", "state": "REJECTED"})).into_response();
            }
            if b["topicType"] == "EVENT" && b["event"]["title"].is_null() {
                return google_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "Request contains an invalid argument.");
            }
            let n = to(&calls, "POST", "/v4/").len();
            Json(json!({"name": format!("accounts/111/locations/9001/localPosts/{n}"), "state": "LIVE", "searchUrl": format!("https://local.google.example/post/{n}")})).into_response()
        }
        ("GET", "/v1/locations/9001:fetchMultiDailyMetricsTimeSeries") => {
            let metrics: Vec<String> = url::form_urlencoded::parse(q.as_bytes()).filter(|(k, _)| k == "dailyMetrics").map(|(_, v)| v.to_string()).collect();
            if metrics.is_empty() || !q.contains("dailyRange.startDate.year") {
                return google_error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "dailyRange is required");
            }
            let series: Vec<serde_json::Value> = metrics
                .iter()
                .map(|m| {
                    let values: Vec<serde_json::Value> = super::insights::last_days()
                        .into_iter()
                        .map(|(day, ago)| {
                            let parts: Vec<u32> = day.split('-').map(|p| p.parse().unwrap()).collect();
                            json!({"date": {"year": parts[0], "month": parts[1], "day": parts[2]}, "value": super::insights::daily(m, ago).to_string()})
                        })
                        .collect();
                    json!({"dailyMetric": m, "timeSeries": {"datedValues": values}})
                })
                .collect();
            Json(json!({"multiDailyMetricTimeSeries": [{"dailyMetricTimeSeries": series}]})).into_response()
        }
        ("POST", p) if p.starts_with("/v4/") => google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Requested entity was not found."),
        _ => google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not found"),
    }
}

/// A fake of Google's APIs for Business Profile (all hosts on one base).
pub fn app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(handle))
            .with_state(calls.clone()),
        calls,
    )
}
