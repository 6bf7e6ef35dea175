//! The MCP server: the registry's tools listed with their schemas and hints, and each call
//! run for the caller's organization; a failed call is a tool error with its message, never
//! a protocol error.

use postiz_tools::{error_text, ToolSpec, Toolbox};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;
use std::sync::Arc;
use tracing::Instrument;

use crate::auth::McpCaller;

/// One request's server (the transport makes one per request; cloning is cheap).
#[derive(Clone)]
pub struct McpServer {
    tools: Toolbox,
    listed: Arc<Vec<Tool>>,
}

fn as_mcp(spec: ToolSpec) -> Tool {
    let schema = match spec.input_schema {
        Value::Object(m) => m,
        _ => Default::default(),
    };
    Tool::new(spec.name, spec.description, Arc::new(schema))
        .with_title(spec.title)
        .with_annotations(
            ToolAnnotations::with_title(spec.title)
                .read_only(spec.read_only)
                .destructive(spec.destructive)
                .idempotent(spec.idempotent)
                .open_world(spec.open_world),
        )
}

impl McpServer {
    /// A server of `tools`.
    pub fn new(tools: Toolbox) -> Self {
        let listed = Arc::new(tools.specs().into_iter().map(as_mcp).collect());
        Self { tools, listed }
    }
}

/// The organization the transport's request was authenticated for.
fn caller(ctx: &RequestContext<RoleServer>) -> Option<McpCaller> {
    ctx.extensions
        .get::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<McpCaller>())
        .cloned()
}

/// A tool's answer as MCP content: the JSON text (what Postiz's server sends) and the same
/// value as structured content; a model-fixable refusal (`{output: {errors}}`) is a tool
/// error with its message (the whole answer when some posts were created before it).
fn result_of(answer: Value) -> CallToolResult {
    let output = answer.get("output");
    let errors = output
        .and_then(|o| o.get("errors"))
        .map(|e| e.as_str().map_or_else(|| e.to_string(), String::from));
    if let Some(message) = errors {
        let partial = output.is_some_and(|o| o.get("created").is_some());
        let text = if partial { answer.to_string() } else { message };
        return CallToolResult::error(vec![ContentBlock::text(text)]);
    }
    let mut result = CallToolResult::success(vec![ContentBlock::text(answer.to_string())]);
    if answer.is_object() {
        result.structured_content = Some(answer);
    }
    result
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("Postiz MCP", env!("CARGO_PKG_VERSION")))
            .with_instructions(postiz_tools::assistant_prompt(chrono::Utc::now()))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.listed.as_ref().clone(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(caller) = caller(&context) else {
            return Err(ErrorData::internal_error("the request has no caller", None));
        };
        let name = request.name.to_string();
        let args = request.arguments.map(Value::Object).unwrap_or(Value::Null);
        let span = tracing::info_span!("mcp_tool", tool = %name, org = %caller.org_id);
        let answer = async {
            tracing::info!("tool called");
            self.tools.call(&caller.org_id, &name, args).await
        }
        .instrument(span)
        .await;
        Ok(match answer {
            Ok(v) => result_of(v),
            Err(e) => CallToolResult::error(vec![ContentBlock::text(error_text(&e))]),
        }
        .into())
    }
}
