//! A streamed chat completion (the editor assistant): text and tool-call pieces as the model
//! writes them.

use async_openai::types::chat::CreateChatCompletionRequestArgs;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use postiz_core::{Error, Result};

use crate::agent::{request_message, tool_specs, AgentTool, ChatMessage};
use crate::client::Ai;
use crate::errors::generation_error;

/// A piece of a tool call: the first piece of a call has its `id` and `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCallDelta {
    /// Which call of the answer (0, 1...).
    pub index: u32,
    /// The call's id (first piece).
    pub id: Option<String>,
    /// The tool's name (first piece).
    pub name: Option<String>,
    /// More of the arguments' JSON text.
    pub arguments: Option<String>,
}

/// One streamed piece of the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamDelta {
    /// The completion's id (the same for every piece).
    pub id: String,
    /// More text.
    pub text: Option<String>,
    /// Tool-call pieces.
    pub tool_calls: Vec<ToolCallDelta>,
}

impl Ai {
    /// Streams the text model's answer to `history`, offering `tools`.
    pub async fn chat_stream(
        &self,
        history: &[ChatMessage],
        tools: &[AgentTool],
    ) -> Result<BoxStream<'static, Result<StreamDelta>>> {
        let mut request = CreateChatCompletionRequestArgs::default();
        request
            .model(self.models().text.clone())
            .messages(history.iter().map(request_message).collect::<Vec<_>>())
            .stream(true);
        if !tools.is_empty() {
            request.tools(tool_specs(tools.iter()));
        }
        let request = request
            .build()
            .map_err(|e| Error::internal(format!("chat request: {e}")))?;
        let stream = self
            .client()
            .chat()
            .create_stream(request)
            .await
            .map_err(generation_error)?;
        Ok(stream
            .map(|chunk| {
                let chunk = chunk.map_err(generation_error)?;
                let mut delta = StreamDelta {
                    id: chunk.id,
                    text: None,
                    tool_calls: Vec::new(),
                };
                for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
                    delta.text = choice.delta.content.filter(|t| !t.is_empty());
                    delta.tool_calls = choice
                        .delta
                        .tool_calls
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| ToolCallDelta {
                            index: c.index,
                            id: c.id,
                            name: c.function.as_ref().and_then(|f| f.name.clone()),
                            arguments: c.function.and_then(|f| f.arguments),
                        })
                        .collect();
                }
                Ok(delta)
            })
            .boxed())
    }
}
