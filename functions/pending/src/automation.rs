//! `/webhooks*` and `/autopost*` before outgoing webhooks and RSS autopost exist: the lists
//! are empty, nothing can be found, and creating one is refused with a message.

use axum::Json;
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

const WEBHOOKS: &str = "Outgoing webhooks";
const AUTOPOST: &str = "RSS autopost";

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get("/webhooks", "The organization's webhooks", empty_list)
        .post("/webhooks", "Add a webhook", save_webhook)
        .put("/webhooks", "Edit a webhook", save_webhook)
        .delete("/webhooks/{id}", "Delete a webhook", no_webhook)
        .post("/webhooks/send", "Send a test delivery", test_webhook)
        .get("/autopost", "The organization's RSS feeds", empty_list)
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

#[derive(Deserialize, utoipa::ToSchema)]
struct WebhookBody {
    name: Option<String>,
    url: Option<String>,
    integrations: Option<Value>,
}

/// Checks `WebhooksDto`'s fields, then refuses.
async fn save_webhook(
    Authed(_s): Authed,
    JsonBody(b): JsonBody<WebhookBody>,
) -> ApiResult<Json<Value>> {
    Checks::new()
        .length("name", b.name.as_deref(), 1, 255)
        .check(
            b.url.as_deref().is_some_and(|u| u.starts_with("https://")),
            "Webhook URL must be a public HTTPS URL and cannot point to internal network addresses",
        )
        .check(
            b.integrations.is_some(),
            "integrations should not be null or undefined",
        )
        .finish()?;
    Err(Error::not_built(WEBHOOKS).into())
}

async fn no_webhook(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::NotFound("Webhook not found".into()).into())
}

async fn test_webhook(Authed(_s): Authed) -> ApiResult<Json<Value>> {
    Err(Error::not_built(WEBHOOKS).into())
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
