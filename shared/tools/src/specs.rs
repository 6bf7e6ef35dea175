//! What each tool is, for a model or an MCP client: name, title, description, the JSON schema
//! of its input and its hints (read-only, destructive...). The descriptions carry Postiz's
//! rules for the assistant: read a channel's schema before scheduling, never delete.

use serde_json::{json, Value};

/// One tool as a client sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// Name the model calls.
    pub name: &'static str,
    /// Human title.
    pub title: &'static str,
    /// When and how to use it.
    pub description: &'static str,
    /// JSON schema of the input object.
    pub input_schema: Value,
    /// Only reads.
    pub read_only: bool,
    /// May change or publish something.
    pub destructive: bool,
    /// Calling twice with the same input changes nothing more.
    pub idempotent: bool,
    /// Reaches outside the product (networks, URLs, models).
    pub open_world: bool,
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn key_values(description: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": object(&["key", "value"], json!({
            "key": {"type": "string", "description": "Name of the settings key"},
            "value": {"description": "Value of the key, always prefer the id then label if possible"}
        }))
    })
}

/// Every tool, in a stable order; `generateImage` only when pictures are available.
pub fn all(pictures: bool) -> Vec<ToolSpec> {
    let mut specs = vec![
        ToolSpec {
            name: "integrationList",
            title: "List Integrations",
            description: "List the connected channels (integrations) posts can be scheduled to. Optionally pass a group (customer) id from groupList to list only that group's channels.",
            input_schema: object(&[], json!({
                "group": {"type": "string", "description": "Optional group (customer) id from groupList"}
            })),
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        ToolSpec {
            name: "groupList",
            title: "List Groups",
            description: "List the groups (customers) channels belong to; pass a group id to integrationList to filter by it.",
            input_schema: object(&[], json!({})),
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        ToolSpec {
            name: "integrationSchema",
            title: "Get Integration Schema",
            description: "Always call this before scheduling to a platform: its rules, the maximum length of a post or comment, the settings a post needs (a JSON schema) and the helper tools (triggerTool) that fetch ids those settings need.",
            input_schema: object(&["platform"], json!({
                "platform": {"type": "string", "description": "Platform identifier (the `platform` of integrationList)"},
                "isPremium": {"type": "boolean", "description": "For X: whether the account is premium (longer posts)"}
            })),
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        ToolSpec {
            name: "triggerTool",
            title: "Trigger Integration Tool",
            description: "Call a channel's helper (a methodName from integrationSchema's tools) to fetch provider data settings need, like ids or search results. An expired token is refreshed first.",
            input_schema: object(&["integrationId", "methodName"], json!({
                "integrationId": {"type": "string", "description": "The channel's id"},
                "methodName": {"type": "string", "description": "The methodName from integrationSchema's tools"},
                "dataSchema": key_values("The helper's inputs (key/value pairs from its dataSchema)")
            })),
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
        ToolSpec {
            name: "schedulePost",
            title: "Schedule Social Media Post",
            description: "Create a draft, scheduled or immediate post on connected channels, after reading each platform's integrationSchema and after the user confirmed. One socialPost item per channel; its postsAndComments' first item is the post, the others its comments. Content is HTML: each line in <p>; allowed tags h1, h2, h3, u, strong, li, ul, p. Attachments are URLs of the media library (use uploadFromUrl or generateImage first). Never use it to change or delete existing posts. When validation fails the answer's output.errors says what to fix.",
            input_schema: object(&["socialPost"], json!({
                "socialPost": {"type": "array", "items": object(
                    &["integrationId", "date", "type", "postsAndComments"],
                    json!({
                        "integrationId": {"type": "string", "description": "The channel's id (from integrationList)"},
                        "isPremium": {"type": "boolean", "description": "For X: whether the account is premium"},
                        "date": {"type": "string", "description": "Publish date, UTC (ISO 8601)"},
                        "shortLink": {"type": "boolean", "description": "Shorten links in the content"},
                        "type": {"type": "string", "enum": ["draft", "schedule", "now"]},
                        "postsAndComments": {"type": "array", "items": object(&["content"], json!({
                            "content": {"type": "string", "description": "HTML content"},
                            "attachments": {"type": "array", "items": {"type": "string"}, "description": "Media library URLs"}
                        }))},
                        "settings": key_values("The platform's settings from integrationSchema")
                    })
                )}
            })),
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: true,
        },
        ToolSpec {
            name: "postsList",
            title: "List Posts",
            description: "List the organization's posts between two UTC dates, whatever their state (QUEUE, DRAFT, PUBLISHED, ERROR), with their ids, content, channel and settings. Posts cannot be deleted through these tools: if the user wants to delete one, tell them to do it in the app.",
            input_schema: object(&["startDate", "endDate"], json!({
                "startDate": {"type": "string", "description": "Start of the window, UTC (ISO 8601)"},
                "endDate": {"type": "string", "description": "End of the window, UTC (ISO 8601)"},
                "customer": {"type": "string", "description": "Optional group (customer) id"}
            })),
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        ToolSpec {
            name: "postSettings",
            title: "Update Post Settings",
            description: "Change the provider settings of a scheduled post or draft not published yet (find its id with postsList); the keys given are merged into the current settings, content and date stay. When validation fails the answer's output.errors says what to fix.",
            input_schema: object(&["id", "settings"], json!({
                "id": {"type": "string", "description": "The post's id"},
                "settings": key_values("Settings keys to change")
            })),
            read_only: false,
            destructive: false,
            idempotent: true,
            open_world: false,
        },
        ToolSpec {
            name: "uploadFromUrl",
            title: "Upload From URL",
            description: "Import a public https image or video (.png, .jpg, .jpeg, .gif, .webp, .mp4) into the media library; returns the library URL to attach to a post.",
            input_schema: object(&["url"], json!({
                "url": {"type": "string", "description": "Public https URL of the file"}
            })),
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        },
    ];
    if pictures {
        specs.push(ToolSpec {
            name: "generateImage",
            title: "Generate Image",
            description: "Draw a picture with AI from a description into the media library (one AI image credit); returns its URL to attach to a post.",
            input_schema: object(&["prompt"], json!({
                "prompt": {"type": "string", "description": "What to draw"}
            })),
            read_only: false,
            destructive: false,
            idempotent: false,
            open_world: true,
        });
    }
    specs
}
