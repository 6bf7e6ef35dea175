//! `/autopost*` before RSS autopost exists: the list is empty, nothing can be found, and
//! creating one is refused with a message.

use axum::Json;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed};
use serde_json::{json, Value};

const AUTOPOST: &str = "RSS autopost";

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get("/autopost", "The organization's RSS feeds", empty_list)
        .post("/autopost", "Add an RSS feed", save_autopost)
        .put("/autopost/{id}", "Edit an RSS feed", save_autopost)
        .delete("/autopost/{id}", "Delete an RSS feed", no_autopost)
        .post(
            "/autopost/{id}/active",
            "Switch an RSS feed on or off",
            no_autopost,
        )
        .post("/autopost/send", "Read a feed's latest item", test_feed)
}

async fn empty_list(Authed(_s): Authed) -> Json<Value> {
    Json(json!([]))
}

async fn save_autopost(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::not_built(AUTOPOST).into())
}

async fn no_autopost(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::NotFound("Autopost not found".into()).into())
}

async fn test_feed(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::not_built(AUTOPOST).into())
}
