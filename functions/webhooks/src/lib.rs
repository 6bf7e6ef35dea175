//! The `webhooks` function: an organization's outgoing webhooks (the rules are in
//! `postiz-webhooks`; deliveries are the `webhook-delivery` function's).
//!
//! | route | what |
//! |---|---|
//! | `GET /webhooks` | the list, with their channels |
//! | `POST /webhooks` | create → `{id, secret}` (the signing secret, shown this once) |
//! | `PUT /webhooks` | edit `{id, …}` → `{id}` |
//! | `DELETE /webhooks/:id` | delete; pending deliveries are cancelled |
//! | `POST /webhooks/send?url=` | POST the body to a URL (the UI's test button) |
//! | `POST /webhooks/:id/rotate-secret` | a new secret → `{id, secret}` |
//! | `GET /webhooks/:id/deliveries` | the delivery log, newest first |
//! | `POST /webhooks/:id/deliveries/:delivery/redeliver` | send an event again |

use axum::extract::{FromRef, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::dto::{channel_ids, ChannelRef};
use postiz_web::{ApiResult, AppState, Authed, JsonBody, JsonBytes};
use postiz_webhooks::{WebhookInput, WebhookService};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

/// The services behind [`Ctx`].
pub struct Services {
    app: AppState,
    webhooks: WebhookService,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.0.app.clone()
    }
}

impl Ctx {
    /// Builds the services from the app state.
    pub fn new(app: &AppState) -> Self {
        let a = &app.adapters;
        Self(Arc::new(Services {
            app: app.clone(),
            webhooks: WebhookService::new(
                a.table.clone(),
                a.queue.clone(),
                app.keys.clone(),
                a.clock.clone(),
            ),
        }))
    }

    fn webhooks(&self) -> &WebhookService {
        &self.0.webhooks
    }
}

/// The largest test body forwarded by `POST /webhooks/send`.
const TEST_BODY_LIMIT: usize = 256 * 1024;

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router {
    routes().into_router().with_state(ctx)
}

type Router = axum::Router<AppState>;

/// A webhook of the list, with its channels.
const WEBHOOK: &str = "{id: string, name: string, url: string, \
                       integrations: {integration: {id: string, picture: string | null, \
                       name: string}}[]}";

/// A webhook's id with its signing secret (shown this once).
const SECRET: &str = "{id: string, secret: string}";

/// A delivery of the log (`postiz_webhooks::service::delivery_view`; no body).
const DELIVERY: &str = "{id: string, webhookId: string, \
                        event: 'post.created' | 'post.updated' | 'post.published' \
                        | 'post.failed' | 'post.deleted', eventId: string, \
                        status: 'pending' | 'delivered' | 'failed' | 'cancelled', \
                        attempts: integer, lastStatus: integer | null, \
                        lastError: string | null, nextAttemptAt: string | null, \
                        redeliveryOf: string | null, createdAt: string, updatedAt: string, \
                        deliveredAt: string | null}";

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    Documented::new("internal-webhooks")
        .get("/webhooks", "The organization's webhooks", list)
        .answers(format!("{WEBHOOK}[]"))
        .post(
            "/webhooks",
            "Add a webhook (answers its signing secret once)",
            create,
        )
        .answers(SECRET)
        .put("/webhooks", "Edit a webhook", edit)
        .answers("{id: string}")
        .delete("/webhooks/{id}", "Delete a webhook", delete)
        .answers("{id: string, name: string, url: string, deletedAt: string}")
        .post("/webhooks/send", "POST a body to a URL (test)", send)
        .limit(TEST_BODY_LIMIT)
        // `status` is the endpoint's answer's HTTP status.
        .answers("{send: boolean, status: integer}")
        .post(
            "/webhooks/{id}/rotate-secret",
            "A new signing secret for a webhook",
            rotate_secret,
        )
        .answers(SECRET)
        .get(
            "/webhooks/{id}/deliveries",
            "A webhook's latest deliveries",
            deliveries,
        )
        .answers(format!("{DELIVERY}[]"))
        .post(
            "/webhooks/{id}/deliveries/{delivery}/redeliver",
            "Send a delivery's event again",
            redeliver,
        )
        .answers(DELIVERY)
}

/// `WebhooksDto`.
#[derive(Deserialize, utoipa::ToSchema)]
struct WebhookBody {
    id: Option<String>,
    name: Option<String>,
    url: Option<String>,
    integrations: Option<Vec<ChannelRef>>,
}

impl From<WebhookBody> for WebhookInput {
    fn from(b: WebhookBody) -> Self {
        WebhookInput {
            id: b.id,
            name: b.name,
            url: b.url,
            integrations: channel_ids(b.integrations),
        }
    }
}

async fn list(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.webhooks().list(&s.org.id).await?))
}

async fn create(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(mut b): JsonBody<WebhookBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    b.id = None;
    Ok((
        StatusCode::CREATED,
        Json(ctx.webhooks().save(&s.org.id, b.into()).await?),
    ))
}

async fn edit(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<WebhookBody>,
) -> ApiResult<Json<Value>> {
    if b.id.as_deref().is_none_or(str::is_empty) {
        return Err(Error::invalid("id should not be empty").into());
    }
    Ok(Json(ctx.webhooks().save(&s.org.id, b.into()).await?))
}

async fn delete(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.webhooks().delete(&s.org.id, &id).await?))
}

#[derive(Deserialize)]
struct SendQuery {
    url: Option<String>,
}

async fn send(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    Query(q): Query<SendQuery>,
    JsonBytes(body): JsonBytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let url = q.url.unwrap_or_default();
    if url.trim().is_empty() {
        return Err(Error::invalid("url should not be empty").into());
    }
    Ok((
        StatusCode::CREATED,
        Json(ctx.webhooks().send_test(&url, body.to_vec()).await?),
    ))
}

async fn rotate_secret(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((
        StatusCode::CREATED,
        Json(ctx.webhooks().rotate_secret(&s.org.id, &id).await?),
    ))
}

async fn deliveries(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.webhooks().deliveries(&s.org.id, &id).await?))
}

async fn redeliver(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((
        StatusCode::CREATED,
        Json(ctx.webhooks().redeliver(&s.org.id, &id, &delivery).await?),
    ))
}
