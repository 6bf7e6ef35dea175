//! A fake TikTok Business API v1.3: `tt_user/oauth2` token and refresh, `business/get`, video
//! and photo publishing with a status that becomes `PUBLISH_COMPLETE` after one poll, the
//! music library and location search. Every answer is an HTTP 200 envelope
//! `{code, message, request_id, data}`, errors included.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::recorder::{record, to, Calls};

/// The app id the fake expects.
pub const CLIENT_ID: &str = "7312345678901234567";
/// The app secret the fake expects.
pub const CLIENT_SECRET: &str = "tt-business-secret";
/// The auth code the fake accepts.
pub const GOOD_CODE: &str = "tt-auth-code";

fn ok(data: Value) -> Response {
    Json(json!({"code": 0, "message": "OK", "request_id": "r", "data": data})).into_response()
}

fn fail(code: u32, message: &str) -> Response {
    Json(json!({"code": code, "message": message, "request_id": "r", "data": {}})).into_response()
}

async fn handle(
    State(calls): State<Calls>,
    method: Method,
    uri: Uri,
    h: HeaderMap,
    body: Bytes,
) -> Response {
    let call = record(&calls, &method, &uri, &h, &body);
    let b = &call.body;
    let q = uri.query().unwrap_or_default().to_string();
    let path = uri.path().trim_start_matches("/open_api/v1.3");
    if path.starts_with("/tt_user/oauth2/") {
        let ok_grant = b["client_id"] == CLIENT_ID
            && b["client_secret"] == CLIENT_SECRET
            && (b["auth_code"] == GOOD_CODE || b["refresh_token"] == "tt-refresh");
        if !ok_grant {
            return fail(40001, "Invalid auth code");
        }
        return ok(
            json!({"access_token": "act.business", "refresh_token": "tt-refresh", "open_id": "-000abcOPEN", "scope": "user.info.basic,video.publish", "expires_in": 86400}),
        );
    }
    if h.get("access-token").and_then(|v| v.to_str().ok()) != Some("act.business") {
        return fail(40105, "Access token has expired");
    }
    if !q.contains("business_id=-000abcOPEN") && b["business_id"] != "-000abcOPEN" {
        return fail(40002, "invalid_params: business_id");
    }
    match (method.as_str(), path) {
        ("GET", "/business/get/") if q.contains("video_views") => {
            let metrics: Vec<Value> = super::insights::last_days()
                .into_iter()
                .map(|(date, ago)| {
                    let d = |m: &str| super::insights::daily(m, ago);
                    json!({"date": date, "video_views": d("video_views"), "likes": d("likes"), "comments": d("comments"), "shares": d("shares"), "profile_views": d("profile_views"), "followers_count": 100})
                })
                .collect();
            ok(json!({"username": "adatok", "metrics": metrics}))
        }
        ("GET", "/business/get/") => ok(
            json!({"username": "adatok", "display_name": "Ada Tok", "profile_image": "https://tt.example/a.jpg"}),
        ),
        ("POST", "/business/video/publish/") | ("POST", "/business/photo/publish/") => {
            if b["post_info"]["caption"]
                .as_str()
                .unwrap_or_default()
                .contains("SPAM")
            {
                return fail(40002, "spam_risk_text");
            }
            ok(
                json!({"share_id": format!("v_pub_{}", to(&calls, "POST", "/open_api/v1.3/business/").len())}),
            )
        }
        ("GET", "/business/publish/status/") => {
            let polls = to(&calls, "GET", "/open_api/v1.3/business/publish/status/").len();
            if polls % 2 == 1 {
                ok(json!({"status": "PROCESSING_DOWNLOAD"}))
            } else {
                ok(json!({"status": "PUBLISH_COMPLETE", "post_ids": ["7400000000000000001"]}))
            }
        }
        ("GET", "/discovery/cml/trending_list/") => ok(json!({"list": [
            {"commercial_music_name": "Sunny", "artist": "Band", "thumbnail_url": "https://tt.example/m.jpg", "duration": 30, "full_duration_song_clip": {"song_clip_id": "clip-1"}},
            {"commercial_music_name": "No clip"}
        ]})),
        ("GET", "/business/publish/location/") => ok(
            json!({"locations": [{"location_id": "loc-1", "location_name": "Cafe", "location_address": "1 Main St"}]}),
        ),
        _ => fail(40404, "not found"),
    }
}

/// A fake TikTok Business API (at `/open_api/v1.3`).
pub fn app() -> (Router, Calls) {
    let calls = Calls::default();
    (
        Router::new()
            .fallback(any(handle))
            .with_state(calls.clone()),
        calls,
    )
}
