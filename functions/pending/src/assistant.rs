//! `/copilot/*` without the AI assistant: no threads, no messages, no credits, and a
//! CopilotKit runtime that has no agents. The web app's CopilotKit client asks
//! `POST /copilot/chat` for its agents on every page (and `/copilot/agent` for an agent's
//! state); those GraphQL queries get empty answers, and a chat request gets a GraphQL error
//! saying the assistant is not available. (Postiz without an OpenAI key never answers these
//! requests: they hang until the browser gives up.)

use axum::Json;
use postiz_web::documented::Documented;
use postiz_web::{AppState, Authed, JsonBody};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) fn routes(d: Documented<AppState>) -> Documented<AppState> {
    d.get("/copilot/credits", "AI credits left this month", credits)
        .get("/copilot/list", "The agent's conversations", threads)
        .get(
            "/copilot/{thread}/list",
            "The messages of a conversation",
            messages,
        )
        .post(
            "/copilot/chat",
            "The editor assistant's CopilotKit runtime (GraphQL)",
            runtime,
        )
        .post(
            "/copilot/agent",
            "The agent's CopilotKit runtime (GraphQL)",
            runtime,
        )
}

/// Postiz counts no credits for an organization without a subscription.
async fn credits(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "credits": 0 }))
}

async fn threads(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "threads": [] }))
}

async fn messages(Authed(_s): Authed) -> Json<Value> {
    Json(json!({ "messages": [] }))
}

/// A GraphQL request as CopilotKit's client sends it.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct GraphQlRequest {
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    query: String,
    #[serde(default)]
    variables: Value,
}

impl GraphQlRequest {
    /// The operation: its name, else the first word after `query`/`mutation`.
    fn operation(&self) -> String {
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
}

/// Answers the runtime's queries with an assistant that has no agents and no state.
async fn runtime(Authed(_s): Authed, JsonBody(req): JsonBody<GraphQlRequest>) -> Json<Value> {
    Json(match req.operation().as_str() {
        "availableAgents" => json!({
            "data": {"availableAgents": {"__typename": "AgentsResponse", "agents": []}}
        }),
        "loadAgentState" => json!({
            "data": {"loadAgentState": {
                "__typename": "LoadAgentStateResponse",
                "threadId": req.variables["data"]["threadId"].as_str().unwrap_or_default(),
                "threadExists": false,
                "state": "{}",
                "messages": "[]",
            }}
        }),
        _ => json!({
            "data": null,
            "errors": [{
                "message": "The AI assistant is not available on this server yet",
                "extensions": {"code": "NOT_AVAILABLE"},
            }],
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::GraphQlRequest;

    #[test]
    fn finds_the_operation() {
        let named = GraphQlRequest {
            operation_name: Some("loadAgentState".into()),
            ..Default::default()
        };
        assert_eq!(named.operation(), "loadAgentState");
        let anonymous = GraphQlRequest {
            query: "query availableAgents {\n availableAgents { agents { id } } }".into(),
            ..Default::default()
        };
        assert_eq!(anonymous.operation(), "availableAgents");
        let mutation = GraphQlRequest {
            query: "mutation generateCopilotResponse($data: X!) { x }".into(),
            ..Default::default()
        };
        assert_eq!(mutation.operation(), "generateCopilotResponse");
    }
}
