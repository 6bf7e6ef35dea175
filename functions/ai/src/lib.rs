//! The `ai` function: writing help, pictures and the assistant through OpenAI (`shared/ai`).
//!
//! `POST /posts/separate-posts` `{content, len}` → `{posts}`; `POST /posts/generator` (posts
//! written by the model, streamed: [`generator`]); `POST /media/generate-image`
//! `{prompt}` → `{output: "data:image/png;base64,…"}`; `POST /media/generate-image-with-prompt`
//! `{prompt}` → the prompt expanded, the picture stored in the media library, its row. Each
//! picture takes one `ai_images` credit (unlimited while billing is off), given back when the
//! model fails; with no credit left Postiz answers `false`, and so do we. Without
//! `OPENAI_API_KEY` (in the environment, or the app's secrets on AWS) these routes answer that
//! AI is not configured. `/copilot/*` is the assistant ([`copilot`]).

mod copilot;
mod generator;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::{Json, Router};
use postiz_ai::{separate_posts, Ai};
use postiz_billing::Credits;
use postiz_core::validate::Checks;
use postiz_core::Error;
use postiz_media::MediaService;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The function's services, built once from the app state.
#[derive(Clone)]
pub struct Ctx(Arc<Services>);

/// The services behind [`Ctx`].
pub struct Services {
    app: AppState,
    /// `None` while AI is off.
    ai: Option<Ai>,
    credits: Credits,
    media: MediaService,
    /// The agent's tools (`None` while AI is off).
    toolbox: Option<postiz_tools::Toolbox>,
    /// The posts rules (the generator's free slot; `None` while AI is off).
    posts: Option<postiz_posts::Posts>,
    /// The generator's web search (`TAVILY_API_KEY`).
    research: Option<postiz_ai::Research>,
    /// The agent's conversations.
    threads: copilot::Threads,
}

impl FromRef<Ctx> for AppState {
    fn from_ref(ctx: &Ctx) -> AppState {
        ctx.0.app.clone()
    }
}

impl Ctx {
    /// Builds the services: the OpenAI key from the environment, else from the app's secrets
    /// (`OPENAI_API_KEY`); no key, no AI.
    pub async fn new(app: &AppState) -> Result<Self, Error> {
        let a = &app.adapters;
        let ai = Ai::with_key(app.setting("OPENAI_API_KEY").await)?;
        let credits = Credits::new(app.billing.clone(), a.table.clone());
        let media = MediaService::with_env_urls(a.table.clone(), a.blobs.clone(), a.clock.clone());
        let (toolbox, posts) = match &ai {
            Some(ai) => {
                let module =
                    postiz_posts_fn::module(app, Arc::new(postiz_posts::LocalGate::default()))
                        .await;
                let channels = module.posts.channels().clone();
                let toolbox = postiz_tools::Toolbox::new(
                    channels,
                    module.posts.clone(),
                    media.clone(),
                    postiz_media::url_fetcher(),
                    a.clock.clone(),
                )
                .with_pictures(ai.clone(), credits.clone());
                (Some(toolbox), Some(module.posts))
            }
            None => (None, None),
        };
        Ok(Self(Arc::new(Services {
            app: app.clone(),
            credits,
            media,
            toolbox,
            posts,
            research: postiz_ai::Research::from_env(),
            threads: copilot::Threads::new(a.table.clone()),
            ai,
        })))
    }

    fn ai(&self) -> Result<&Ai, Error> {
        self.0.ai.as_ref().ok_or_else(|| {
            Error::BadRequest("AI is not configured on this server (OPENAI_API_KEY)".into())
        })
    }
}

/// The routes of this function.
pub fn router(ctx: Ctx) -> Router<AppState> {
    routes().into_router().with_state(ctx)
}

/// The media record a picture gets in the library (as `functions/media` answers it).
const MEDIA_ROW: &str = "{id: string, name: string, originalName: string | null, path: string, \
     organizationId: string, thumbnail: string | null, thumbnailTimestamp: number | null, \
     alt: string | null, fileSize: integer, type: 'image' | 'video', createdAt: string, \
     updatedAt: string, deletedAt: string | null}";

/// The routes with their summaries, for the router and the OpenAPI document.
pub fn routes() -> Documented<Ctx> {
    let d = Documented::new("internal-ai")
        .post(
            "/posts/separate-posts",
            "Split a text into a thread with AI",
            separate,
        )
        .answers("{posts: string[]}")
        .post(
            "/posts/generator",
            "Write posts with AI (a stream of events, one JSON per line)",
            generator::generator,
        )
        // One JSON event per line (several JSON values: not one JSON body).
        .answers("text")
        .post(
            "/media/generate-image",
            "Generate a picture with AI (a data URL)",
            generate_image,
        )
        // `false` when no credit is left.
        .answers("{output: string} | boolean")
        .post(
            "/media/generate-image-with-prompt",
            "Generate a picture with AI into the media library",
            generate_into_library,
        )
        .answers(format!("{MEDIA_ROW} | boolean"));
    copilot::routes(d)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct SeparateBody {
    /// The text to split.
    content: Option<String>,
    /// The longest post of the thread, in characters.
    len: Option<i64>,
}

/// The longest text split at once (a long article's worth).
const SEPARATE_MAX: usize = 100_000;

async fn separate(
    State(ctx): State<Ctx>,
    Authed(_s): Authed,
    JsonBody(b): JsonBody<SeparateBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let content = b.content.as_deref().unwrap_or_default();
    let mut checks = Checks::new();
    checks
        .length("content", Some(content), 1, SEPARATE_MAX)
        .check(
            b.len.is_some_and(|l| (20..=100_000).contains(&l)),
            "len must be a number between 20 and 100000",
        );
    checks.finish()?;
    let len = b.len.unwrap_or_default() as usize;
    let posts = separate_posts(ctx.ai()?, content, len).await?;
    Ok((StatusCode::CREATED, Json(json!({ "posts": posts }))))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct PromptBody {
    /// What to draw.
    prompt: Option<String>,
}

/// The longest picture prompt accepted.
const PROMPT_MAX: usize = 4_000;

fn prompt_of(b: &PromptBody) -> Result<&str, Error> {
    let prompt = b.prompt.as_deref().map(str::trim).unwrap_or_default();
    Checks::new()
        .length("prompt", Some(prompt), 1, PROMPT_MAX)
        .finish()?;
    Ok(prompt)
}

/// One picture for the organization, paid with a credit; `None` when none is left.
async fn picture(
    ctx: &Ctx,
    org: &str,
    prompt: &str,
    expand: bool,
) -> Result<Option<postiz_ai::Picture>, Error> {
    let now = ctx.0.app.adapters.clock.now();
    postiz_tools::paid_picture(ctx.ai()?, &ctx.0.credits, org, now, prompt, expand).await
}

async fn generate_image(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<PromptBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let prompt = prompt_of(&b)?;
    let answer = match picture(&ctx, &s.org.id, prompt, false).await? {
        Some(p) => json!({ "output": format!("data:image/png;base64,{}", p.base64) }),
        None => Value::Bool(false),
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

async fn generate_into_library(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(b): JsonBody<PromptBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let prompt = prompt_of(&b)?;
    let Some(p) = picture(&ctx, &s.org.id, prompt, true).await? else {
        return Ok((StatusCode::CREATED, Json(Value::Bool(false))));
    };
    let media = postiz_tools::store_picture(&ctx.0.media, &s.org.id, &p).await?;
    Ok((StatusCode::CREATED, Json(json!(media.row()))))
}
