//! `/third-party*` with no third-party service registered (Postiz offers HeyGen and
//! Reel.Farm; none is built here): nothing to list, connect or call.

use axum::Json;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed};
use serde_json::{json, Value};

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    // Always `[]` here; the items are Postiz's.
    d.get(
        "/third-party",
        "The organization's connected third parties",
        empty_list,
    )
    .answers(
        "{id: string, name: string, identifier: string, title: string, position: string, \
         description: string, fields: object[]}[]",
    )
    .get(
        "/third-party/list",
        "Third parties that can be connected",
        empty_list,
    )
    .answers("{identifier: string, title: string, description: string, fields: object[]}[]")
    // The rest are always refused here: Postiz's answers.
    .post(
        "/third-party/{id}",
        "Connect a third party with its API key",
        unknown_identifier,
    )
    .answers("{id: string}")
    .delete("/third-party/{id}", "Disconnect a third party", not_found)
    .answers("object")
    .post(
        "/third-party/{id}/submit",
        "Generate media with a third party",
        not_found,
    )
    .answers("object")
    .post(
        "/third-party/function/{id}/{function}",
        "Call a third party's helper",
        not_found,
    )
    .answers("any")
    .post(
        "/third-party/{id}/import",
        "Import a third party's media into the library",
        not_found,
    )
    .answers("object[]")
}

async fn empty_list(Authed(_s): Authed) -> Json<Value> {
    Json(json!([]))
}

async fn unknown_identifier(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::BadRequest("Invalid identifier".into()).into())
}

async fn not_found(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::NotFound("Integration not found".into()).into())
}
