//! Plug routes: the catalogue of global plugs, a provider's internal plugs, the plugs set on
//! a channel, their upsert and their switch. Every channel and plug id is looked up in the
//! caller's organization.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use postiz_core::validate::Checks;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::Ctx;

/// One field of a plug's form (`validation`: a regular-expression literal string).
const PLUG_FIELD: &str =
    "{name: string, type: string, placeholder: string, description: string, validation?: string}";

/// A plug set on a channel (`data` is the JSON text of `[{name, value}]`).
const CHANNEL_PLUG: &str = "{id: string, organizationId: string, integrationId: string, \
     plugFunction: string, data: string, activated: boolean}";

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.get(
        "/integrations/plug/list",
        "Global plugs each provider offers (automations after publishing)",
        plug_list,
    )
    .answers(format!(
        "{{plugs: {{name: string, identifier: string, plugs: {{methodName: string, \
         identifier: string, title: string, description: string, \
         runEveryMilliseconds: integer, totalRuns: integer, fields: {PLUG_FIELD}[]}}[]}}[]}}"
    ))
    .get(
        "/integrations/{id}/internal-plugs",
        "Plugs a post on this provider can ask other channels to run; the id is the provider's identifier",
        internal_plugs,
    )
    .answers(format!(
        "{{internalPlugs: {{methodName: string, identifier: string, title: string, \
         description: string, pickIntegration: string[], fields: {PLUG_FIELD}[]}}[]}}"
    ))
    .get(
        "/integrations/{id}/plugs",
        "Plugs set on a channel",
        channel_plugs,
    )
    .answers(format!("{CHANNEL_PLUG}[]"))
    .post(
        "/integrations/{id}/plugs",
        "Set a plug on a channel (created on, or its fields replaced)",
        save_plug,
    )
    .answers("{activated: boolean}")
    .put(
        "/integrations/plugs/{id}/activate",
        "Switch a plug on or off",
        activate_plug,
    )
    .answers("{id: string}")
}

async fn plug_list(State(ctx): State<Ctx>, Authed(_s): Authed) -> Json<Value> {
    Json(ctx.channels.plug_catalogue())
}

async fn internal_plugs(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    Path(identifier): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.channels.internal_plug_catalogue(&identifier)?))
}

async fn channel_plugs(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let plugs = ctx.channels.channel_plugs(&s.org.id, &id).await?;
    Ok(Json(json!(plugs)))
}

/// Longest plug field value (a promotion is a post).
const MAX_FIELD_CHARS: usize = 10_000;

/// Postiz's `PlugDto`.
#[derive(Deserialize, utoipa::ToSchema)]
struct PlugBody {
    /// The plug's function (`methodName` in the catalogue).
    func: Option<String>,
    /// `[{name, value}]`, values as strings.
    fields: Option<Vec<Value>>,
}

async fn save_plug(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<PlugBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let present = b.fields.is_some();
    let fields = b.fields.unwrap_or_default();
    let well_formed = fields
        .iter()
        .all(|f| f["name"].is_string() && f["value"].is_string());
    let short = fields.iter().all(|f| {
        f["name"].as_str().map_or(0, str::len) <= 100
            && f["value"].as_str().map_or(0, |v| v.chars().count()) <= MAX_FIELD_CHARS
    });
    Checks::new()
        .length("func", b.func.as_deref(), 1, 200)
        .check(present, "fields should not be null or undefined")
        .check(
            well_formed,
            "each field should have a string name and a string value",
        )
        .check(
            fields.len() <= 20,
            "fields must contain no more than 20 elements",
        )
        .check(
            short,
            format!("each field value must be at most {MAX_FIELD_CHARS} characters"),
        )
        .finish()?;
    let activated = ctx
        .channels
        .save_plug(
            &s.org.id,
            &id,
            b.func.as_deref().unwrap_or_default(),
            &Value::Array(fields),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "activated": activated }))))
}

/// `{status}`.
#[derive(Deserialize, utoipa::ToSchema)]
struct ActivateBody {
    /// On or off.
    status: Option<bool>,
}

async fn activate_plug(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ActivateBody>,
) -> ApiResult<Json<Value>> {
    Checks::new()
        .check(b.status.is_some(), "status must be a boolean value")
        .finish()?;
    let id = ctx
        .channels
        .switch_plug(&s.org.id, &id, b.status.unwrap_or(false))
        .await?;
    Ok(Json(json!({ "id": id })))
}
