//! `POST /posts/generator`: posts written by the model, streamed as the web app reads them
//! (one JSON event per line: each step's `name` while it works, then the final state in
//! `data.output`: `{hook, content: [{content, image?}], date}`; a failure is Postiz's
//! `{name: "error", error: true, message}` line).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::Response;
use postiz_ai::{generate_content, generate_hook, Ai, GeneratorRequest};
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use crate::Ctx;

/// Body of `POST /posts/generator` (Postiz's `GeneratorDto`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GeneratorBody {
    /// What to write about (10 to 10,000 characters).
    research: Option<String>,
    /// Draw a picture for each post.
    is_picture: Option<bool>,
    /// `one_short`, `one_long`, `thread_short` or `thread_long`.
    format: Option<String>,
    /// `personal` or `company`.
    tone: Option<String>,
}

fn line(tx: &UnboundedSender<Bytes>, event: Value) {
    let _ = tx.send(Bytes::from(format!("{event}\n")));
}

fn step(tx: &UnboundedSender<Bytes>, name: &str) {
    line(
        tx,
        json!({"event": "on_chain_start", "name": name, "data": {}}),
    );
}

fn failure(tx: &UnboundedSender<Bytes>, message: &str) {
    line(
        tx,
        json!({"name": "error", "error": true, "message": message}),
    );
}

pub(crate) async fn generator(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
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
    let req = GeneratorRequest {
        research: b.research.unwrap_or_default(),
        is_picture: b.is_picture.unwrap_or(false),
        format: b.format.unwrap_or_default(),
        tone: b.tone.unwrap_or_default(),
    };
    let (tx, rx) = unbounded_channel::<Bytes>();
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, std::convert::Infallible>(bytes), rx))
    });
    let response = Response::builder()
        .status(StatusCode::CREATED)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(body))
        .map_err(Error::internal)?;
    let ai = match crate::copilot::assistant(&ctx, &s.org.id).await {
        Ok(ai) => ai.clone(),
        Err(why) => {
            failure(&tx, &why);
            return Ok(response);
        }
    };
    let org = s.org.id.clone();
    tokio::spawn(async move {
        if let Err(e) = write(&ctx, &ai, &org, &req, &tx).await {
            let message = match &e {
                Error::Unprocessable(m) => m.clone(),
                _ => {
                    tracing::warn!(error = %e, "the generator failed");
                    "Something went wrong while generating your posts, please try again."
                        .to_string()
                }
            };
            failure(&tx, &message);
        }
    });
    Ok(response)
}

/// The steps, each announced before it runs; the final state last.
async fn write(
    ctx: &Ctx,
    ai: &Ai,
    org: &str,
    req: &GeneratorRequest,
    tx: &UnboundedSender<Bytes>,
) -> Result<(), Error> {
    step(tx, "agent");
    let mut information = None;
    if let Some(research) = &ctx.0.research {
        step(tx, "research");
        // The research only enriches the posts: without it they are still written.
        match research.search(&req.research).await {
            Ok(found) => information = Some(found),
            Err(e) => tracing::warn!(error = %e, "the research step failed"),
        }
    }
    step(tx, "generate-hook");
    let hook = generate_hook(ai, req).await?;
    step(tx, "generate-content");
    let posts = generate_content(ai, req, &hook, information.as_deref()).await?;
    let mut content = Vec::with_capacity(posts.len());
    if req.is_picture {
        step(tx, "generate-picture");
    }
    for p in &posts {
        let mut item = json!({"content": p.content, "website": p.website});
        if let Some(prompt) = p.prompt.as_deref().filter(|_| req.is_picture) {
            item["prompt"] = json!(prompt);
            if let Some(image) = picture(ctx, ai, org, prompt).await? {
                item["image"] = image;
            }
        }
        content.push(item);
    }
    step(tx, "post-time");
    let date = match &ctx.0.posts {
        Some(posts) => posts.find_slot(org, None).await?["date"].clone(),
        None => Value::Null,
    };
    line(
        tx,
        json!({"event": "on_chain_end", "name": "LangGraph",
               "data": {"output": {"hook": hook, "content": content, "date": date}}}),
    );
    Ok(())
}

/// A picture into the media library, paid with a credit; `None` when none is left.
async fn picture(ctx: &Ctx, ai: &Ai, org: &str, prompt: &str) -> Result<Option<Value>, Error> {
    let now = ctx.0.app.adapters.clock.now();
    let Some(p) = postiz_tools::paid_picture(ai, &ctx.0.credits, org, now, prompt, false).await?
    else {
        return Ok(None);
    };
    let media = postiz_tools::store_picture(&ctx.0.media, org, &p).await?;
    Ok(Some(
        json!({"id": media.id, "path": media.path, "name": media.name}),
    ))
}
