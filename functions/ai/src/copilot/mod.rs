//! `/copilot/*`: the editor assistant (`/copilot/chat`) and the agent (`/copilot/agent`)
//! speaking the protocol of the web app's CopilotKit 1.10 components
//! (docs/copilotkit-protocol.md), their conversations (`/copilot/list`,
//! `/copilot/:thread/list`) and the AI credits left (`/copilot/credits`).
//!
//! The editor assistant streams the text model's answer as it comes, the browser's actions
//! (`setPosts`...) offered as tools and run by the browser. The agent runs the shared tool
//! registry for the caller's organization (`shared/tools`), each step's message sent as soon
//! as it exists, and keeps the conversation per organization in the table.

mod request;
mod threads;
mod wire;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use postiz_ai::{Ai, ChatMessage, TurnTools};
use postiz_billing::CreditKind;
use postiz_core::Error;
use postiz_web::documented::Documented;
use postiz_web::{ApiResult, Authed, JsonBody};
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::Ctx;
use request::{valid_thread_id, GraphQlRequest, Input};
use threads::Said;
pub(crate) use threads::Threads;

/// Conversations grow: the client sends the whole history with every request.
const CHAT_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub(crate) fn routes(d: Documented<Ctx>) -> Documented<Ctx> {
    d.get("/copilot/credits", "AI credits left this month", credits)
        .answers("{credits: integer}")
        .get("/copilot/list", "The agent's conversations", list)
        .answers("{threads: {id: string, title: string}[]}")
        .get(
            "/copilot/{thread}/list",
            "The messages of a conversation",
            messages,
        )
        .answers(
            "{messages: {role: string, threadId: string, \
             content: {format: integer, parts: {type: string, text: string}[], content: string}}[]}",
        )
        // Both runtimes answer 200: a query's JSON, or a response streamed as
        // `multipart/mixed` parts.
        .post(
            "/copilot/chat",
            "The editor assistant's CopilotKit runtime (GraphQL; streamed answers)",
            chat,
        )
        .limit(CHAT_BODY_LIMIT)
        .answers_with(200, "text")
        .post(
            "/copilot/agent",
            "The agent's CopilotKit runtime (GraphQL; streamed answers)",
            agent,
        )
        .limit(CHAT_BODY_LIMIT)
        .answers_with(200, "text")
}

/// `{credits}`: pictures (`type=ai_images`, default) or videos (`ai_videos`) left this
/// month; 0 without a plan; while billing is off (nothing counted) the 1000 the web app
/// assumes itself.
async fn credits(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let kind = match q.get("type").map(String::as_str) {
        Some("ai_videos") => CreditKind::Videos,
        _ => CreditKind::Images,
    };
    let now = ctx.0.app.adapters.clock.now();
    let left = ctx.0.credits.left(&s.org.id, kind, now).await?;
    Ok(Json(json!({ "credits": left.unwrap_or(1000) })))
}

async fn list(State(ctx): State<Ctx>, Authed(s): Authed) -> ApiResult<Json<Value>> {
    let threads = ctx.0.threads.list(&s.org.id).await?;
    Ok(Json(json!({
        "threads": threads.iter().map(|t| json!({"id": t.id, "title": t.title})).collect::<Vec<_>>()
    })))
}

/// The conversation's words in the shape the agents page reads (`content.content`).
async fn messages(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    Path(thread): Path<String>,
) -> ApiResult<Json<Value>> {
    if !valid_thread_id(&thread) {
        return Ok(Json(json!({ "messages": [] })));
    }
    let said = ctx.0.threads.messages(&s.org.id, &thread).await?;
    Ok(Json(json!({
        "messages": said.iter().map(|m| json!({
            "role": m.role, "threadId": thread,
            "content": {"format": 2, "parts": [{"type": "text", "text": m.content}], "content": m.content}
        })).collect::<Vec<_>>()
    })))
}

/// The answers every runtime gives besides a response: no remote agents, no saved state.
fn query_answer(req: &GraphQlRequest) -> Option<Response> {
    let answer = match req.operation().as_str() {
        "availableAgents" => json!({
            "data": {"availableAgents": {"agents": [], "__typename": "AgentsResponse"}}
        }),
        "loadAgentState" => json!({
            "data": {"loadAgentState": {
                "threadId": req.variables["data"]["threadId"].as_str().unwrap_or_default(),
                "threadExists": false, "state": "{}", "messages": "[]",
                "__typename": "LoadAgentStateResponse",
            }}
        }),
        "generateCopilotResponse" => return None,
        other => json!({
            "data": null,
            "errors": [{"message": format!("Unknown operation {other}")}],
        }),
    };
    Some(Json(answer).into_response())
}

/// The AI client, when AI is on and the plan includes it; else the reason shown instead.
pub(crate) async fn assistant<'a>(ctx: &'a Ctx, org: &str) -> Result<&'a Ai, String> {
    let Some(ai) = ctx.0.ai.as_ref() else {
        return Err("The AI assistant is not configured on this server (OPENAI_API_KEY)".into());
    };
    match ctx.0.app.billing.plan(org).await {
        Ok(plan) if !ctx.0.app.billing.enabled() || plan.tier.plan().ai => Ok(ai),
        Ok(_) => Err("Your plan does not include the AI assistant".into()),
        Err(e) => Err(postiz_tools::error_text(&e)),
    }
}

fn thread_of(input: &Input) -> String {
    input
        .thread_id
        .clone()
        .filter(|t| valid_thread_id(t))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// A response to write.
struct Run {
    input: Input,
    thread: String,
    reply: wire::Reply,
    ai: Ai,
    response: Response,
}

/// Where a runtime request stands once read.
enum Opened {
    /// Answered already: a query, or a response that could not run (its failure status said
    /// why).
    Answered(Response),
    /// A response to write.
    Run(Box<Run>),
}

/// Reads a runtime request: queries answered at once; a response started, with the model
/// when the assistant may run for `org`.
async fn open(ctx: &Ctx, org: &str, req: &GraphQlRequest) -> Opened {
    if let Some(answer) = query_answer(req) {
        return Opened::Answered(answer);
    }
    let input = req.input();
    let thread = thread_of(&input);
    let (reply, response) = wire::start(&thread);
    match assistant(ctx, org).await {
        Ok(ai) => Opened::Run(Box::new(Run {
            input,
            thread,
            reply,
            ai: ai.clone(),
            response,
        })),
        Err(why) => {
            reply.finish(Some(&why));
            Opened::Answered(response)
        }
    }
}

/// `POST /copilot/chat`: the text model's answer streamed, the browser's actions as tools.
async fn chat(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(req): JsonBody<GraphQlRequest>,
) -> ApiResult<Response> {
    let Run {
        input,
        mut reply,
        ai,
        response,
        ..
    } = match open(&ctx, &s.org.id, &req).await {
        Opened::Answered(response) => return Ok(response),
        Opened::Run(run) => *run,
    };
    let history = input.conversation(true);
    let tools = input.client_tools();
    tokio::spawn(async move {
        let mut stream = match ai.chat_stream(&history, &tools).await {
            Ok(s) => s,
            Err(e) => return reply.finish(Some(&postiz_tools::error_text(&e))),
        };
        let mut text: Option<wire::Open> = None;
        let mut calls: Vec<(u32, wire::Open)> = Vec::new();
        let mut failure = None;
        while let Some(delta) = stream.next().await {
            let delta = match delta {
                Ok(d) => d,
                Err(e) => {
                    failure = Some(postiz_tools::error_text(&e));
                    break;
                }
            };
            if let Some(piece) = delta.text.as_deref() {
                let open = text.get_or_insert_with(|| reply.text(&delta.id, None));
                reply.piece(open, piece);
            }
            for call in delta.tool_calls {
                if !calls.iter().any(|(i, _)| *i == call.index) {
                    if let Some(open) = text.take() {
                        reply.done(&open);
                    }
                    let id = call
                        .id
                        .clone()
                        .unwrap_or_else(|| format!("call_{}", call.index));
                    let name = call.name.clone().unwrap_or_default();
                    let open = reply.action(&id, &name, Some(&delta.id));
                    calls.push((call.index, open));
                }
                if let Some((_, open)) = calls.iter_mut().find(|(i, _)| *i == call.index) {
                    reply.piece(open, call.arguments.as_deref().unwrap_or_default());
                }
            }
        }
        if let Some(open) = text.take() {
            reply.done(&open);
        }
        for (_, open) in &calls {
            reply.done(open);
        }
        reply.finish(failure.as_deref());
    });
    Ok(response)
}

/// `POST /copilot/agent`: the agent's turn with the tool registry; the conversation kept.
async fn agent(
    State(ctx): State<Ctx>,
    Authed(s): Authed,
    JsonBody(req): JsonBody<GraphQlRequest>,
) -> ApiResult<Response> {
    let Run {
        input,
        thread,
        mut reply,
        ai,
        response,
    } = match open(&ctx, &s.org.id, &req).await {
        Opened::Answered(response) => return Ok(response),
        Opened::Run(run) => *run,
    };
    let Some(toolbox) = ctx.0.toolbox.clone() else {
        reply.finish(Some("The AI assistant is not configured on this server"));
        return Ok(response);
    };
    let history = input.conversation(false);
    let client = input.client_tools();
    let org = s.org.id.clone();
    let threads = ctx.0.threads.clone();
    let clock = ctx.0.app.adapters.clock.clone();
    tokio::spawn(async move {
        let server = toolbox.agent_tools();
        let runner = toolbox.for_org(&org);
        let prompt = postiz_tools::assistant_prompt(clock.now());
        let tools = TurnTools {
            server: &server,
            client: &client,
            runner: &runner,
        };
        let mut emit = |m: &ChatMessage| send(&mut reply, m);
        let turn = ai.agent_turn(&prompt, &history, tools, &mut emit).await;
        match &turn {
            Ok(added) => {
                if let Err(e) =
                    remember(&ai, &threads, &org, &thread, &history, added, clock.now()).await
                {
                    tracing::warn!(error = %e, "the conversation was not saved");
                }
                reply.finish(None)
            }
            Err(e) => reply.finish(Some(&postiz_tools::error_text(e))),
        }
    });
    Ok(response)
}

/// One message of the agent's turn on the wire.
fn send(reply: &mut wire::Reply, m: &ChatMessage) {
    match m {
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => {
            let parent = uuid::Uuid::new_v4().to_string();
            if let Some(text) = content.as_deref().filter(|t| !t.is_empty()) {
                let mut open = reply.text(&parent, None);
                reply.piece(&mut open, text);
                reply.done(&open);
            }
            for call in tool_calls {
                let mut open = reply.action(&call.id, &call.name, Some(&parent));
                reply.piece(&mut open, &call.arguments);
                reply.done(&open);
            }
        }
        ChatMessage::Tool {
            tool_call_id,
            name,
            content,
        } => reply.result(tool_call_id, name, content),
        ChatMessage::System { .. } | ChatMessage::User { .. } => {}
    }
}

/// Keeps the user's message and the assistant's words of this turn; a new conversation gets
/// a title from the text model (its first words when the model fails).
async fn remember(
    ai: &Ai,
    threads: &Threads,
    org: &str,
    thread: &str,
    history: &[ChatMessage],
    added: &[ChatMessage],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), Error> {
    let mut said = Vec::new();
    if let Some(ChatMessage::User { content }) = history.last() {
        said.push(Said {
            role: "user".into(),
            content: content.clone(),
        });
    }
    for m in added {
        if let ChatMessage::Assistant {
            content: Some(text),
            ..
        } = m
        {
            if !text.is_empty() {
                said.push(Said {
                    role: "assistant".into(),
                    content: text.clone(),
                });
            }
        }
    }
    if said.is_empty() {
        return Ok(());
    }
    let first = said[0].content.clone();
    let title = if threads.exists(org, thread).await? {
        String::new()
    } else {
        postiz_ai::conversation_title(ai, &first).await
    };
    threads.append(org, thread, || title, said, now).await
}
