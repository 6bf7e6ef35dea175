//! The helper tools of each provider (`triggerTool`'s methods) described for a model: what
//! each returns and the inputs it reads.

use serde_json::{json, Value};

/// `[{methodName, description, dataSchema: [{key, description, type}]}]` for `provider`'s
/// helpers (those its catalogue entry lists).
pub fn described(provider: &str, names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|name| {
                let (description, inputs): (&str, &[(&str, &str)]) = match (provider, *name) {
                    ("reddit", "subreddits") => (
                        "Search subreddits by a word; returns their ids and names for the `subreddit` setting",
                        &[("word", "The word to search for")],
                    ),
                    ("reddit", "restrictions") => (
                        "The posting rules of a subreddit (flairs, allowed post kinds)",
                        &[("subreddit", "The subreddit's name")],
                    ),
                    ("pinterest", "boards") => {
                        ("The account's boards, for the `board` setting", &[])
                    }
                    (_, "channels") => ("The server's channels, for the `channel` setting", &[]),
                    _ => ("A helper of this provider", &[]),
                };
                json!({
                    "methodName": name,
                    "description": description,
                    "dataSchema": inputs.iter().map(|(key, d)| json!({
                        "key": key, "description": d, "type": "string"
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}
