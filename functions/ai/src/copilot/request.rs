//! What CopilotKit's client posts (docs/copilotkit-protocol.md §2–3): one of three GraphQL
//! operations, told apart by `operationName`; for `generateCopilotResponse`, the conversation,
//! the browser's actions and the thread.

use postiz_ai::{AgentTool, ChatMessage, ToolCall};
use serde::Deserialize;
use serde_json::Value;

/// A GraphQL request as CopilotKit's client sends it.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphQlRequest {
    /// `generateCopilotResponse`, `availableAgents` or `loadAgentState`.
    #[serde(default)]
    pub(crate) operation_name: Option<String>,
    /// The document (only read when `operationName` is missing).
    #[serde(default)]
    pub(crate) query: String,
    /// `{data, properties}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub(crate) variables: Value,
}

impl GraphQlRequest {
    /// The operation: its name, else the first word after `query`/`mutation`.
    pub(crate) fn operation(&self) -> String {
        if let Some(name) = self.operation_name.as_deref().filter(|n| !n.is_empty()) {
            return name.to_string();
        }
        self.query
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .skip_while(|w| *w != "query" && *w != "mutation")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    }

    /// The `data` input of `generateCopilotResponse`.
    pub(crate) fn input(&self) -> Input {
        serde_json::from_value(self.variables["data"].clone()).unwrap_or_default()
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Input {
    #[serde(default)]
    pub(crate) thread_id: Option<String>,
    #[serde(default)]
    pub(crate) messages: Vec<MessageInput>,
    #[serde(default)]
    pub(crate) frontend: Frontend,
}

#[derive(Deserialize, Default)]
pub(crate) struct Frontend {
    #[serde(default)]
    pub(crate) actions: Vec<ActionInput>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActionInput {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    json_schema: String,
    #[serde(default)]
    available: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageInput {
    #[serde(default)]
    id: String,
    #[serde(default)]
    text_message: Option<TextInput>,
    #[serde(default)]
    action_execution_message: Option<ActionExecutionInput>,
    #[serde(default)]
    result_message: Option<ResultInput>,
}

#[derive(Deserialize)]
struct TextInput {
    #[serde(default)]
    content: String,
    #[serde(default)]
    role: String,
}

#[derive(Deserialize)]
struct ActionExecutionInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultInput {
    action_execution_id: String,
    #[serde(default)]
    action_name: String,
    #[serde(default)]
    result: String,
}

/// Thread ids we keep: what the client makes (UUIDs), nothing a key cannot hold.
pub(crate) fn valid_thread_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Input {
    /// The browser's actions as tools: enabled ones, once per name.
    pub(crate) fn client_tools(&self) -> Vec<AgentTool> {
        let mut tools: Vec<AgentTool> = Vec::new();
        for a in &self.frontend.actions {
            if matches!(a.available.as_deref(), Some("disabled" | "remote"))
                || tools.iter().any(|t| t.name == a.name)
            {
                continue;
            }
            let parameters = serde_json::from_str(&a.json_schema)
                .unwrap_or_else(|_| serde_json::json!({"type": "object", "properties": {}}));
            tools.push(AgentTool {
                name: a.name.clone(),
                description: a.description.clone(),
                parameters,
            });
        }
        tools
    }

    /// The conversation; consecutive tool calls become one assistant message, results
    /// without their call are dropped (the model refuses them); `keep_system` keeps the
    /// client's instructions (the editor assistant) or drops them (the agent has its own).
    pub(crate) fn conversation(&self, keep_system: bool) -> Vec<ChatMessage> {
        let mut out: Vec<ChatMessage> = Vec::new();
        let mut called: Vec<String> = Vec::new();
        for m in &self.messages {
            if let Some(t) = &m.text_message {
                match t.role.as_str() {
                    "system" | "developer" if keep_system => out.push(ChatMessage::System {
                        content: t.content.clone(),
                    }),
                    "user" => out.push(ChatMessage::User {
                        content: t.content.clone(),
                    }),
                    "assistant" => out.push(ChatMessage::Assistant {
                        content: Some(t.content.clone()),
                        tool_calls: vec![],
                    }),
                    _ => {}
                }
            } else if let Some(a) = &m.action_execution_message {
                let call = ToolCall {
                    id: m.id.clone(),
                    name: a.name.clone(),
                    arguments: a.arguments.clone(),
                };
                called.push(m.id.clone());
                match out.last_mut() {
                    Some(ChatMessage::Assistant { tool_calls, .. }) if !tool_calls.is_empty() => {
                        tool_calls.push(call)
                    }
                    _ => out.push(ChatMessage::Assistant {
                        content: None,
                        tool_calls: vec![call],
                    }),
                }
            } else if let Some(r) = &m.result_message {
                if called.contains(&r.action_execution_id) {
                    out.push(ChatMessage::Tool {
                        tool_call_id: r.action_execution_id.clone(),
                        name: r.action_name.clone(),
                        content: r.result.clone(),
                    });
                }
            }
        }
        // A call the client never answered would make the model refuse the conversation.
        let answered: Vec<String> = out
            .iter()
            .filter_map(|m| match m {
                ChatMessage::Tool { tool_call_id, .. } => Some(tool_call_id.clone()),
                _ => None,
            })
            .collect();
        for m in out.iter_mut() {
            if let ChatMessage::Assistant {
                content,
                tool_calls,
            } = m
            {
                tool_calls.retain(|c| answered.contains(&c.id));
                if tool_calls.is_empty() && content.is_none() {
                    *content = Some(String::new());
                }
            }
        }
        out.retain(|m| !matches!(m, ChatMessage::Assistant { content: Some(c), tool_calls } if c.is_empty() && tool_calls.is_empty()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_operation() {
        let anonymous = GraphQlRequest {
            query: "query availableAgents {\n availableAgents { agents { id } } }".into(),
            ..Default::default()
        };
        assert_eq!(anonymous.operation(), "availableAgents");
    }

    #[test]
    fn the_conversation_pairs_calls_with_results() {
        let req = GraphQlRequest {
            operation_name: Some("generateCopilotResponse".into()),
            variables: json!({"data": {"threadId": "t-1", "messages": [
                {"id": "s", "textMessage": {"content": "be brief", "role": "system"}},
                {"id": "u", "textMessage": {"content": "Hi", "role": "user"}},
                {"id": "call_1", "actionExecutionMessage": {"name": "setPosts", "arguments": "{\"content\":[\"a\"]}"}},
                {"id": "call_2", "actionExecutionMessage": {"name": "setPosts", "arguments": "{}"}},
                {"id": "result-call_1", "resultMessage": {"actionExecutionId": "call_1", "actionName": "setPosts", "result": ""}},
                {"id": "result-x", "resultMessage": {"actionExecutionId": "nope", "actionName": "x", "result": ""}}
            ], "frontend": {"actions": [
                {"name": "setPosts", "description": "d", "jsonSchema": "{\"type\":\"object\"}", "available": "enabled"},
                {"name": "setPosts", "description": "d", "jsonSchema": "{}", "available": "enabled"},
                {"name": "off", "description": "d", "jsonSchema": "{}", "available": "disabled"}
            ]}}}),
            ..Default::default()
        };
        let input = req.input();
        assert_eq!(input.thread_id.as_deref(), Some("t-1"));
        let tools = input.client_tools();
        assert_eq!(tools.len(), 1);
        assert_eq!(tools[0].parameters, json!({"type": "object"}));
        let with_system = input.conversation(true);
        assert_eq!(with_system.len(), 4, "{with_system:?}");
        let ChatMessage::Assistant { tool_calls, .. } = &with_system[2] else {
            panic!("{with_system:?}")
        };
        assert_eq!(tool_calls.len(), 1, "the unanswered call is dropped");
        assert_eq!(input.conversation(false).len(), 3);
        assert!(valid_thread_id("5af2e4ea-6b2c-44f6-99ef-e3f640f2507d"));
        assert!(!valid_thread_id("a#b") && !valid_thread_id(""));
    }
}
