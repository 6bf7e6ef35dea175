//! The agent's turn: OpenAI chat completions with tool calls, looped until the model answers
//! in words (or a step limit), the tools run by the caller's [`ToolRunner`] (the shared tool
//! registry, scoped to the caller's organization). The conversation is kept as
//! [`ChatMessage`]s, which store as JSON (threads survive a cold start).

use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessage,
    ChatCompletionRequestUserMessage, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequestArgs, FunctionCall, FunctionObject,
};
use postiz_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::Ai;

/// Most model calls in one turn (each tool round is one).
pub const MAX_STEPS: usize = 10;

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentTool {
    /// Name.
    pub name: String,
    /// When to use it.
    pub description: String,
    /// JSON schema of its arguments.
    pub parameters: Value,
}

/// Runs the tools the model calls.
#[async_trait::async_trait]
pub trait ToolRunner: Send + Sync {
    /// The result of `name` with `arguments`, as the text the model reads (JSON; a failure
    /// as `{"error": "..."}`).
    async fn run(&self, name: &str, arguments: Value) -> String;
}

/// The tools of a turn: those the server runs (through `runner`) and those the client runs.
#[derive(Clone, Copy)]
pub struct TurnTools<'a> {
    /// Run here by `runner`.
    pub server: &'a [AgentTool],
    /// Run by the client (the browser's actions): a call ends the turn.
    pub client: &'a [AgentTool],
    /// Runs the server tools.
    pub runner: &'a dyn ToolRunner,
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The model's id of the call.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments, JSON text as the model wrote them.
    pub arguments: String,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum ChatMessage {
    /// Instructions (the client's own system prompt, in the editor assistant).
    System {
        /// Text.
        content: String,
    },
    /// What the user wrote.
    User {
        /// Text.
        content: String,
    },
    /// The model's answer: words, tool calls, or both.
    Assistant {
        /// Text, if any.
        #[serde(default)]
        content: Option<String>,
        /// Tools it called.
        #[serde(default)]
        tool_calls: Vec<ToolCall>,
    },
    /// A tool's result.
    Tool {
        /// The call it answers.
        tool_call_id: String,
        /// Tool name.
        name: String,
        /// Result text.
        content: String,
    },
}

pub(crate) fn request_message(m: &ChatMessage) -> ChatCompletionRequestMessage {
    match m {
        ChatMessage::System { content } => {
            ChatCompletionRequestSystemMessage::from(content.as_str()).into()
        }
        ChatMessage::User { content } => {
            ChatCompletionRequestUserMessage::from(content.as_str()).into()
        }
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => ChatCompletionRequestAssistantMessage {
            content: content.clone().map(Into::into),
            tool_calls: (!tool_calls.is_empty()).then(|| {
                tool_calls
                    .iter()
                    .map(|c| {
                        ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                            id: c.id.clone(),
                            function: FunctionCall {
                                name: c.name.clone(),
                                arguments: c.arguments.clone(),
                            },
                        })
                    })
                    .collect()
            }),
            ..Default::default()
        }
        .into(),
        ChatMessage::Tool {
            tool_call_id,
            content,
            ..
        } => ChatCompletionRequestToolMessage {
            content: content.as_str().into(),
            tool_call_id: tool_call_id.clone(),
        }
        .into(),
    }
}

/// The tools as OpenAI's `tools` entries.
pub(crate) fn tool_specs<'a>(
    tools: impl Iterator<Item = &'a AgentTool>,
) -> Vec<ChatCompletionTools> {
    tools
        .map(|t| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: t.name.clone(),
                    description: Some(t.description.clone()),
                    parameters: Some(t.parameters.clone()),
                    strict: None,
                },
            })
        })
        .collect()
}

impl Ai {
    /// One turn of the agent: `history` ends with the user's message (or a client tool's
    /// result); the new messages (tool calls, their results, the final answer) in order, each
    /// also given to `emit` as soon as it exists. A call of a client tool (run by the browser)
    /// ends the turn without a result: the client sends it with its next request.
    pub async fn agent_turn(
        &self,
        system: &str,
        history: &[ChatMessage],
        tools: TurnTools<'_>,
        emit: &mut (dyn FnMut(&ChatMessage) + Send),
    ) -> Result<Vec<ChatMessage>> {
        let runner = tools.runner;
        let specs = tool_specs(tools.server.iter().chain(tools.client.iter()));
        let mut added: Vec<ChatMessage> = Vec::new();
        for _ in 0..MAX_STEPS {
            let mut messages: Vec<ChatCompletionRequestMessage> =
                vec![ChatCompletionRequestSystemMessage::from(system).into()];
            messages.extend(history.iter().chain(added.iter()).map(request_message));
            let mut request = CreateChatCompletionRequestArgs::default();
            request
                .model(self.models().agent.clone())
                .messages(messages);
            if !specs.is_empty() {
                request.tools(specs.clone());
            }
            let request = request
                .build()
                .map_err(|e| Error::internal(format!("chat request: {e}")))?;
            let message = self.complete(request).await?;
            let calls: Vec<ToolCall> = message
                .tool_calls
                .unwrap_or_default()
                .into_iter()
                .filter_map(|c| match c {
                    ChatCompletionMessageToolCalls::Function(f) => Some(ToolCall {
                        id: f.id,
                        name: f.function.name,
                        arguments: f.function.arguments,
                    }),
                    ChatCompletionMessageToolCalls::Custom(_) => None,
                })
                .collect();
            let text = message
                .content
                .filter(|t| !t.is_empty())
                .or(message.refusal);
            let mut push = |m: ChatMessage, added: &mut Vec<ChatMessage>| {
                emit(&m);
                added.push(m);
            };
            if calls.is_empty() {
                push(
                    ChatMessage::Assistant {
                        content: Some(text.unwrap_or_default()),
                        tool_calls: vec![],
                    },
                    &mut added,
                );
                return Ok(added);
            }
            let is_client = |c: &ToolCall| tools.client.iter().any(|t| t.name == c.name);
            let hand_over = calls.iter().any(is_client);
            push(
                ChatMessage::Assistant {
                    content: text,
                    tool_calls: calls.clone(),
                },
                &mut added,
            );
            for call in calls.into_iter().filter(|c| !is_client(c)) {
                let arguments = serde_json::from_str(&call.arguments).unwrap_or(Value::Null);
                let content = if arguments.is_null() && !call.arguments.trim().is_empty() {
                    r#"{"error":"The arguments are not valid JSON"}"#.to_string()
                } else {
                    runner.run(&call.name, arguments).await
                };
                push(
                    ChatMessage::Tool {
                        tool_call_id: call.id,
                        name: call.name,
                        content,
                    },
                    &mut added,
                );
            }
            if hand_over {
                return Ok(added);
            }
        }
        let stop = ChatMessage::Assistant {
            content: Some(format!(
                "I stopped after {MAX_STEPS} steps without finishing; tell me how to go on."
            )),
            tool_calls: vec![],
        };
        emit(&stop);
        added.push(stop);
        Ok(added)
    }
}
