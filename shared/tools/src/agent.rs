//! The registry as the agent's tools: the instructions the assistant follows, the tools as
//! the model sees them, and a runner scoped to one organization.

use chrono::{DateTime, SecondsFormat, Utc};
use postiz_ai::{AgentTool, ToolRunner};
use serde_json::{json, Value};

use crate::{error_text, Toolbox};

/// The assistant's instructions (Postiz's purposes, in our words), with the current time.
pub fn assistant_prompt(now: DateTime<Utc>) -> String {
    format!(
        "You are the Postiz assistant. You help the user write social media posts and schedule \
         them on their connected channels.\n\
         Rules:\n\
         - Before scheduling to a platform, always call integrationSchema for it and follow its \
           rules, maximum length and settings; fetch ids settings need with triggerTool.\n\
         - Before calling schedulePost, show the user what you will schedule (channels, date, \
           content) and wait for their confirmation.\n\
         - You cannot delete posts: if asked, tell the user to delete them in the app.\n\
         - Post content is HTML: each line in <p>; only h1, h2, h3, u, strong, li, ul and p; \
           never u and strong together.\n\
         - Attachments must be media library URLs: import outside files with uploadFromUrl.\n\
         - Dates are UTC. It is now {}.",
        now.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

impl Toolbox {
    /// The tools as the model sees them.
    pub fn agent_tools(&self) -> Vec<AgentTool> {
        self.specs()
            .into_iter()
            .map(|s| AgentTool {
                name: s.name.to_string(),
                description: s.description.to_string(),
                parameters: s.input_schema,
            })
            .collect()
    }

    /// A runner of the tools for organization `org`.
    pub fn for_org(&self, org: &str) -> OrgTools {
        OrgTools {
            tools: self.clone(),
            org: org.to_string(),
        }
    }
}

/// The registry bound to one organization.
pub struct OrgTools {
    tools: Toolbox,
    org: String,
}

#[async_trait::async_trait]
impl ToolRunner for OrgTools {
    async fn run(&self, name: &str, arguments: Value) -> String {
        let answer = match self.tools.call(&self.org, name, arguments).await {
            Ok(v) => v,
            Err(e) => json!({ "error": error_text(&e) }),
        };
        answer.to_string()
    }
}
