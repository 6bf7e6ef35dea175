//! The `stripe-webhook` function: `POST /stripe` and nothing else. The raw JSON body is checked
//! against `Stripe-Signature` with `STRIPE_SIGNING_KEY` before anything is read; the answer
//! is 2xx only once the change is committed (see `postiz_billing::webhook`).

pub mod effects;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Json, Router};
use postiz_billing::{BillingRepo, Outcome, Webhooks};
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, JsonBytes};
use serde_json::{json, Value};
use std::sync::Arc;

use effects::TableEffects;

/// The webhook over the app's table and clock, with `STRIPE_SIGNING_KEY` from the
/// environment or, in Lambda, from the billing secret.
pub async fn webhooks(app: &AppState) -> Webhooks {
    let a = &app.adapters;
    let effects = TableEffects {
        channels: postiz_integrations::repo::ChannelRepo::new(a.table.clone()),
        accounts: postiz_accounts::repo::AccountsRepo::new(a.table.clone()),
        clock: a.clock.clone(),
    };
    Webhooks::new(
        BillingRepo::new(a.table.clone()),
        Arc::new(effects),
        signing_key(app).await,
        a.clock.clone(),
    )
}

async fn signing_key(app: &AppState) -> String {
    match std::env::var("STRIPE_SIGNING_KEY") {
        Ok(key) if !key.is_empty() => key,
        _ => app
            .adapters
            .secrets
            .get("STRIPE_SIGNING_KEY")
            .await
            .unwrap_or_default(),
    }
}

/// The route of this function.
pub fn router() -> Router<AppState> {
    routes().into_router()
}

/// The route with its summary, for the router and the OpenAPI document.
pub fn routes() -> Documented<AppState> {
    Documented::new("internal-billing")
        .post(
            "/stripe",
            "Stripe's webhook (signed with STRIPE_SIGNING_KEY)",
            receive,
        )
        .open()
        // 200, not Nest's 201 for a POST: Stripe takes any 2xx.
        .answers_with(
            200,
            "{ok: boolean, duplicate?: boolean, stale?: boolean, ignored?: string}",
        )
}

async fn receive(
    State(app): State<AppState>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Json<Value>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let outcome = webhooks(&app).await.receive(&body, signature).await?;
    tracing::info!(?outcome, "stripe event");
    Ok(Json(match outcome {
        Outcome::Applied => json!({"ok": true}),
        Outcome::Duplicate => json!({"ok": true, "duplicate": true}),
        Outcome::Stale => json!({"ok": true, "stale": true}),
        Outcome::Ignored(why) => json!({"ok": true, "ignored": why}),
    }))
}
