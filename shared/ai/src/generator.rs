//! The post generator (`POST /posts/generator`, Postiz's `AgentGraphService`): a hook, then
//! the content in the asked format and tone, optional pictures. The steps are the caller's to
//! report; this module writes.
//!
//! The research (a web search, [`crate::Research`]) is the caller's, given here as
//! `information`. Unlike Postiz there is no corpus of popular posts to imitate (Postiz's own
//! database of examples): the hook is written from the request.

use postiz_core::{Error, Result};
use serde_json::{json, Value};

use crate::client::Ai;
use crate::errors::failed;

/// What to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorRequest {
    /// The user's request (10 to 10,000 characters).
    pub research: String,
    /// A picture prompt per post.
    pub is_picture: bool,
    /// `one_short`, `one_long`, `thread_short` or `thread_long`.
    pub format: String,
    /// `personal` (first person) or `company` (third).
    pub tone: String,
}

/// One post of the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPost {
    /// Text, lines separated by `\n`.
    pub content: String,
    /// A brand's website the post presents, if any.
    pub website: Option<String>,
    /// What to draw for it (when pictures were asked).
    pub prompt: Option<String>,
}

impl GeneratorRequest {
    fn is_thread(&self) -> bool {
        self.format.starts_with("thread")
    }

    fn is_short(&self) -> bool {
        self.format.ends_with("short")
    }
}

/// The hook: one or two sentences that catch the reader.
pub async fn generate_hook(ai: &Ai, req: &GeneratorRequest) -> Result<String> {
    let system = "You are an assistant that gets content for a social media post, and generate \
                  only the hook.\nThe hook is the 1-2 sentences of the post that will be used to \
                  grab the attention of the reader.\n- Avoid weird hooks that start with \
                  \"Discover the secret...\", \"The best...\", \"The most...\", \"The top...\"\n\
                  - Make sure it sounds natural\n- Use simple english\n- Don't take the hook \
                  from the request of the user";
    let schema = json!({
        "type": "object",
        "properties": {"hook": {"type": "string", "description": "Hook for the new post"}},
        "required": ["hook"],
        "additionalProperties": false,
    });
    let answer = ai.structured(system, &req.research, "hook", schema).await?;
    answer["hook"]
        .as_str()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .ok_or_else(|| failed("the model wrote no hook"))
}

/// The posts after `hook`: one, or a thread of at least two; `information` is what the research
/// found.
pub async fn generate_content(
    ai: &Ai,
    req: &GeneratorRequest,
    hook: &str,
    information: Option<&str>,
) -> Result<Vec<GeneratedPost>> {
    let person = if req.tone == "personal" { "1st" } else { "3rd" };
    let length = if req.is_short() {
        "Post should be maximum 200 chars to fit twitter"
    } else {
        "Post should be long"
    };
    let items = if req.is_thread() {
        "Post should have minimum 2 items"
    } else {
        "Post should have only 1 item"
    };
    let system = format!(
        "You are an assistant that gets existing hook of a social media, content and generate \
         only the content.\n- Don't add any hashtags\n- Make sure it sounds {tone}\n- Use \
         {person} person mode\n- {length}\n- {items}\n- Use the hook as inspiration\n- Make sure \
         it's engaging\n- Don't be cringy\n- Use simple english\n- The Content should not \
         contain the hook\n- Try to put some call to action at the end of the post\n- Make sure \
         you add \"\\n\" between the lines\n- Add \"\\n\" after every \".\"",
        tone = req.tone
    );
    let mut post = json!({
        "content": {"type": "string", "description": "Content for the new post"},
        "website": {"type": ["string", "null"], "description": "Website of the brand the post presents, if any"},
    });
    let mut required = vec!["content", "website"];
    if req.is_picture {
        post["prompt"] = json!({"type": "string", "description": "Prompt to generate a picture for this post later, without brand names, very descriptive in terms of style"});
        required.push("prompt");
    }
    let item = json!({"type": "object", "properties": post, "required": required, "additionalProperties": false});
    let content = if req.is_thread() {
        json!({"type": "array", "items": item, "description": "The posts of the thread (at least 2)"})
    } else {
        item
    };
    let schema = json!({
        "type": "object",
        "properties": {"content": content},
        "required": ["content"],
        "additionalProperties": false,
    });
    let mut user = format!("Hook:\n{hook}\n\nUser request:\n{}", req.research);
    if let Some(info) = information.filter(|i| !i.is_empty()) {
        user.push_str(&format!("\n\nCurrent content information:\n{info}"));
    }
    let answer = ai.structured(&system, &user, "content", schema).await?;
    let list: Vec<Value> = match &answer["content"] {
        Value::Array(items) => items.clone(),
        single @ Value::Object(_) => vec![single.clone()],
        _ => vec![],
    };
    let posts: Vec<GeneratedPost> = list
        .iter()
        .filter_map(|p| {
            let content = p["content"].as_str()?.trim().to_string();
            (!content.is_empty()).then(|| GeneratedPost {
                content,
                website: p["website"].as_str().map(str::to_string),
                prompt: p["prompt"].as_str().map(str::to_string),
            })
        })
        .collect();
    if posts.is_empty() {
        return Err(failed("the model wrote no post"));
    }
    if !req.is_thread() && posts.len() > 1 {
        return Err(Error::BadGateway {
            message: crate::FAILED.into(),
            detail: "the model wrote a thread for a single post".into(),
        });
    }
    Ok(posts)
}
