//! Post features this server does not have yet, answering what Postiz answers when each is
//! switched off: the AI helpers (no AI configured) and post analytics (no provider reports
//! statistics yet).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Json;
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::Ctx;

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.post(
        "/posts/generator",
        "Write posts with AI (a stream of events, one JSON per line)",
        generator,
    )
    .get(
        "/analytics/post/{id}",
        "A published post's statistics",
        post_analytics,
    )
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct GeneratorBody {
    research: Option<String>,
    is_picture: Option<bool>,
    format: Option<String>,
    tone: Option<String>,
}

/// Checks `GeneratorDto` as Postiz does, then answers the stream Postiz sends when
/// generating fails: its one error event.
async fn generator(
    Authed(_s): Authed,
    JsonBody(b): JsonBody<GeneratorBody>,
) -> ApiResult<Response> {
    Checks::new()
        .length("research", b.research.as_deref(), 10, 10_000)
        .check(b.is_picture.is_some(), "isPicture must be a boolean value")
        .one_of(
            "format",
            b.format.as_deref(),
            &["one_short", "one_long", "thread_short", "thread_long"],
        )
        .one_of("tone", b.tone.as_deref(), &["personal", "company"])
        .finish()?;
    let event = json!({
        "name": "error",
        "error": true,
        "message": "AI post generation is not available on this server yet",
    });
    let line = format!("{event}\n");
    Response::builder()
        .status(StatusCode::CREATED)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::from(line))
        .map_err(|e| Error::internal(e).into())
}

/// A post of the organization: `{missing: true}` when it was published without the
/// network's id, else no statistics (`[]`), as Postiz answers for providers without them.
async fn post_analytics(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(ctx.module.posts.post_analytics(&s.org.id, &id).await?))
}
