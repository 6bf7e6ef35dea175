//! A conversation's title, written by the text model from its first message.

use serde_json::json;

use crate::client::Ai;

/// The longest title kept.
const TITLE_MAX: usize = 80;

/// The first words of `text` without the blocks the agents page adds to a message
/// (`[--Media--]…`, `[--integrations--]…`).
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("[--") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let Some(tag_end) = after.find("--]") else {
            rest = "";
            break;
        };
        let tag = &after[..tag_end];
        let close = format!("[--{tag}--]");
        let body = &after[tag_end + 3..];
        rest = match body.find(&close) {
            Some(end) => &body[end + close.len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A short title for a conversation that starts with `first`; its first words when the
/// model fails.
pub async fn conversation_title(ai: &Ai, first: &str) -> String {
    let text = plain(first);
    let fallback = || {
        let t: String = text.chars().take(60).collect();
        if t.is_empty() {
            "New conversation".to_string()
        } else {
            t
        }
    };
    let schema = json!({
        "type": "object",
        "properties": {"title": {"type": "string"}},
        "required": ["title"],
        "additionalProperties": false,
    });
    match ai
        .structured(
            "Write a title of at most 6 words for a conversation that starts with the user's \
             message. Answer only the title.",
            &text,
            "conversationTitle",
            schema,
        )
        .await
    {
        Ok(v) => v["title"]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(TITLE_MAX).collect())
            .unwrap_or_else(fallback),
        Err(e) => {
            tracing::warn!(error = %e, "no title from the model");
            fallback()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn the_pages_blocks_are_not_words() {
        let m = "Post this\n[--Media--]Image: https://x/y.png\n[--Media--]\n[--integrations--]\nUse [..]\n[--integrations--] please";
        assert_eq!(plain(m), "Post this please");
        assert_eq!(plain("[--open"), "");
    }
}
