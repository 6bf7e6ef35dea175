//! Thread splitting (`POST /posts/separate-posts`): the model splits a post into a thread of
//! chunks between `len − 10` and `len` characters keeping the wording; a chunk still too long
//! is shrunk by the model (up to 4 tries, as Postiz), and, unlike Postiz (which then keeps the
//! chunk too long for the network), split at word boundaries when the model cannot shrink it.

use futures_util::future::join_all;
use postiz_core::Result;
use serde_json::json;

use crate::client::Ai;

/// Tries at shrinking one chunk.
const SHRINK_TRIES: usize = 4;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Splits `content` into a thread whose posts are at most `len` characters.
pub async fn separate_posts(ai: &Ai, content: &str, len: usize) -> Result<Vec<String>> {
    let system = format!(
        "You are an assistant that take a social media post and break it to a thread, each post \
         must be minimum {} and maximum {len} characters, keeping the exact wording and break \
         lines, however make sure you split posts based on context",
        len.saturating_sub(10)
    );
    let schema = json!({
        "type": "object",
        "properties": {"posts": {"type": "array", "items": {"type": "string"}}},
        "required": ["posts"],
        "additionalProperties": false,
    });
    let answer = ai
        .structured(&system, content, "separatePosts", schema)
        .await?;
    let posts: Vec<String> = answer["posts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let fitted = join_all(posts.into_iter().map(|p| fit(ai, p, len))).await;
    let mut thread = Vec::new();
    for chunk in fitted {
        thread.extend(chunk?);
    }
    Ok(thread)
}

/// One chunk made to fit: as it is, shrunk by the model, or split.
async fn fit(ai: &Ai, post: String, len: usize) -> Result<Vec<String>> {
    if chars(&post) <= len {
        return Ok(vec![post]);
    }
    let system = format!(
        "You are an assistant that take a social media post and shrink it to be maximum {len} \
         characters, keeping the exact wording and break lines"
    );
    let schema = json!({
        "type": "object",
        "properties": {"post": {"type": "string", "maxLength": len}},
        "required": ["post"],
        "additionalProperties": false,
    });
    for _ in 0..SHRINK_TRIES {
        match ai
            .structured(&system, &post, "separatePost", schema.clone())
            .await
        {
            Ok(v) => match v["post"].as_str() {
                Some(shrunk) if !shrunk.trim().is_empty() && chars(shrunk) <= len => {
                    return Ok(vec![shrunk.to_string()]);
                }
                _ => continue,
            },
            // A refusal or an outage is not a reason to try again.
            Err(
                e @ (postiz_core::Error::Unprocessable(_) | postiz_core::Error::BadGateway { .. }),
            ) => return Err(e),
            Err(_) => continue,
        }
    }
    Ok(split_to_fit(&post, len))
}

/// Splits `text` into pieces of at most `len` characters, at the last whitespace of each
/// piece when there is one, inside words otherwise; whitespace at the cuts is dropped.
pub fn split_to_fit(text: &str, len: usize) -> Vec<String> {
    let len = len.max(1);
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = text.trim().chars().collect();
    while rest.len() > len {
        let window = &rest[..=len];
        let cut = window
            .iter()
            .rposition(|c| c.is_whitespace())
            .filter(|&i| i > 0)
            .unwrap_or(len);
        let piece: String = rest[..cut].iter().collect();
        pieces.push(piece.trim_end().to_string());
        let tail: String = rest[cut..].iter().collect();
        rest = tail.trim_start().chars().collect();
    }
    if !rest.is_empty() {
        pieces.push(rest.into_iter().collect());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::split_to_fit;

    #[test]
    fn splits_at_words_and_never_exceeds() {
        let text = "one two three four five six seven eight nine ten";
        let parts = split_to_fit(text, 12);
        assert!(parts.iter().all(|p| p.chars().count() <= 12), "{parts:?}");
        assert_eq!(parts.join(" "), text);
        assert_eq!(parts[0], "one two");
    }

    #[test]
    fn long_words_are_cut_and_unicode_is_counted_in_chars() {
        let parts = split_to_fit("ééééééééééé", 4);
        assert_eq!(parts, ["éééé", "éééé", "ééé"]);
        assert_eq!(split_to_fit("short", 10), ["short"]);
        assert!(split_to_fit("   ", 10).is_empty());
    }
}
